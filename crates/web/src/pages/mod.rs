//! Server-rendered pages, Chinese first and usable on a phone, over the same use
//! cases as the API: the applicant portal (catalogue, service guides, application
//! forms with live checks, my cases), login with a session cookie and CSRF
//! protection ([`session`]), and the public verification page ([`verify`]).
//! Templates are compiled and escape by default; the script and stylesheet are
//! embedded in the binary and served under `/static`, nothing comes from a CDN.
//!
//! Handlers stay thin: they read the request, call one use case of
//! [`onestamp_app::App`], and render its answer or its error.

mod admin;
mod admin_licences;
mod analytics;
mod apply;
mod appointments;
mod cases;
mod catalogue;
mod charts;
mod correct;
mod counter;
mod documents;
mod hall;
mod kiosk;
mod lookup;
mod messages;
mod ratings;
mod register;
mod regulation;
pub mod session;
mod settings;
mod supervision;
mod themes;
mod tickets;
mod uploads;
mod verify;
mod webhooks;
mod workbench;

pub use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

use onestamp_app::{App, AppError};
use onestamp_domain::role::Role;

use crate::error::{ApiError, Code};

/// Most files one counter submission takes.
pub const COUNTER_FILES: usize = uploads::MAX_FILES;

pub fn router() -> Router<App> {
    Router::new()
        .route("/", get(catalogue::home))
        .route("/items", get(catalogue::items))
        .route("/items/{code}", get(catalogue::guide))
        .route(
            "/items/{code}/apply",
            get(apply::form)
                .post(apply::submit)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/themes/{code}", get(themes::guide))
        .route(
            "/themes/{code}/apply",
            get(themes::form)
                .post(themes::submit)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/counter/themes/{code}/apply",
            get(themes::counter_form)
                .post(themes::counter_submit)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/bundles/{id}", get(themes::bundle))
        .route(
            "/bundles/{id}/resubmit",
            post(themes::resubmit).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/cases", get(cases::my_cases))
        .route("/cases/{id}", get(cases::case_page))
        .route("/cases/{id}/actions", post(cases::act))
        .route(
            "/cases/{id}/correct",
            get(correct::form)
                .post(correct::submit)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/cases/{id}/rating", post(ratings::rate))
        .route("/cases/{id}/rating/appeal", post(ratings::appeal))
        .route("/cases/{id}/materials/{hash}", get(cases::material))
        .route("/licences/{id}/pdf", get(cases::licence_pdf))
        .route("/cases/{id}/documents/{doc}/pdf", get(documents::pdf))
        .route("/counter", get(counter::counter))
        .route("/counter/find", post(counter::find))
        .route("/counter/register", post(counter::register))
        .route(
            "/counter/apply/{code}",
            get(counter::apply_form)
                .post(counter::apply_submit)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/workbench", get(workbench::workbench))
        .route("/workbench/views", post(workbench::save_view))
        .route("/workbench/search", get(workbench::search))
        .route(
            "/settings/messages",
            get(settings::form).post(settings::save),
        )
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/lookup", get(lookup::form).post(lookup::lookup))
        .route("/messages", get(messages::inbox))
        .route("/messages/read", post(messages::read))
        .route("/register", get(register::form).post(register::register))
        .route("/verify/{id}", get(verify::verify_page))
        .route("/verify/{id}/report", post(verify::report))
        .route(
            "/appointments",
            get(appointments::mine).post(appointments::book),
        )
        .route("/appointments/new", get(appointments::new))
        .route("/appointments/{id}", get(appointments::one))
        .route(
            "/appointments/{id}/cancel",
            get(appointments::cancel_form).post(appointments::step_cancel),
        )
        .route("/appointments/{id}/{step}", post(appointments::step))
        .route("/tickets", get(tickets::mine).post(tickets::take))
        .route("/tickets/{token}", get(tickets::follow))
        .route("/tickets/{token}/checkin", post(tickets::check_in))
        .route(
            "/hall/ticket",
            get(tickets::hall_ticket).post(tickets::hall_take),
        )
        .route("/hall/checkin", get(tickets::poster))
        .route("/hall/display", get(hall::display))
        .route("/hall/display/stream", get(hall::stream))
        .route("/hall/window", get(hall::windows))
        .route("/hall/window/{id}", get(hall::window))
        .route("/hall/window/{id}/{step}", post(hall::step))
        .route("/static/forms.js", get(forms_js))
        .route("/static/hall.js", get(hall_js))
        .route("/static/portal.css", get(portal_css))
        .merge(oversight_routes())
        .merge(kiosk::router())
}

/// The supervisor's, the administrator's (and the certificate officer's) and
/// the regulator's pages.
fn oversight_routes() -> Router<App> {
    Router::new()
        .route("/supervision", get(supervision::late))
        .route("/analytics", get(analytics::dashboard))
        .route("/analytics/export", get(analytics::export))
        .route("/analytics/report", get(analytics::report))
        .route("/display", get(analytics::display))
        .route("/supervision/workload", get(supervision::workload))
        .route("/supervision/themes", get(supervision::themes))
        .route("/supervision/alerts", get(supervision::alerts))
        .route(
            "/supervision/quality",
            get(supervision::quality).post(supervision::draw),
        )
        .route("/supervision/quality/{id}", get(supervision::sample))
        .route("/supervision/ratings", get(ratings::statistics))
        .route("/supervision/rectifications", get(ratings::rectifications))
        .route(
            "/supervision/rectifications/{id}/callback",
            post(ratings::callback),
        )
        .route(
            "/supervision/rectifications/{id}/outcome",
            post(ratings::outcome),
        )
        .route("/supervision/appeals", get(ratings::appeals))
        .route("/supervision/appeals/{id}/decision", post(ratings::decide))
        .route(
            "/supervision/quality/{id}/findings",
            post(supervision::finding),
        )
        .route(
            "/supervision/cases/{id}/reassign",
            post(supervision::reassign),
        )
        .route(
            "/supervision/cases/{id}/priority",
            post(supervision::priority),
        )
        .route("/admin", get(admin::users))
        .route("/admin/users", post(admin::create_user))
        .route("/admin/staff/{id}", post(admin::set_staff))
        .route(
            "/admin/catalogue",
            get(admin::catalogue).post(admin::import),
        )
        .route("/admin/catalogue/export", get(admin::export))
        .route("/admin/catalogue/instant", post(admin::set_instant))
        .route(
            "/admin/webhooks",
            get(webhooks::list).post(webhooks::register),
        )
        .route("/admin/webhooks/{id}/enabled", post(webhooks::set_enabled))
        .route("/admin/deliveries/{id}/retry", post(webhooks::retry))
        .route("/admin/licences", get(admin_licences::licences))
        .route("/admin/licences/{id}", get(admin_licences::licence))
        .route("/admin/licences/{id}/revoke", post(admin_licences::revoke))
        .route(
            "/admin/licences/{id}/replace",
            post(admin_licences::replace),
        )
        .route("/regulation", get(regulation::list))
        .route("/regulation/licences/{id}", get(regulation::detail))
        .route(
            "/regulation/licences/{id}/results",
            post(regulation::send_result),
        )
        .route("/regulation/feed", get(regulation::feed))
        .route("/regulation/feed/{id}/claim", post(regulation::claim))
        .route(
            "/admin/supervision-results/{id}/handled",
            post(admin_licences::handle_result),
        )
}

/// What every page's frame shows: the bureau, who is logged in, the logout form.
pub struct Chrome {
    pub bureau: String,
    /// The display name of the logged-in user.
    pub user: Option<String>,
    pub staff: bool,
    /// The CSRF token of the session (empty without one).
    pub csrf: String,
    /// The places the user's roles work in, in the header.
    pub nav: Vec<NavLink>,
    /// Unread messages (站内消息) of the logged-in user.
    pub unread: i64,
}

/// One entry of the header's navigation.
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
}

/// The navigation of a user holding `roles`: each place once, in the order of a
/// working day (own cases, tasks, the window, search, oversight, administration).
pub fn nav_for(roles: &[Role]) -> Vec<NavLink> {
    let has = |pick: fn(Role) -> bool| roles.iter().any(|r| pick(*r));
    let mut nav = Vec::new();
    let mut add = |href, label| nav.push(NavLink { href, label });
    if roles.contains(&Role::Applicant) {
        add("/cases", "我的办件");
        add("/appointments", "预约办事");
        add("/tickets", "网上取号");
    }
    if has(Role::handles_cases) {
        add("/workbench", "工作台");
    }
    if roles.contains(&Role::Clerk) {
        add("/counter", "窗口受理");
        add("/hall/window", "叫号");
    }
    if has(Role::sees_every_case) {
        add("/workbench/search", "办件查询");
    }
    if roles.contains(&Role::Officer) {
        add("/admin/licences", "证照管理");
    }
    if roles.contains(&Role::Supervisor) {
        add("/supervision", "督查督办");
    }
    if roles.contains(&Role::Admin) {
        add("/admin", "系统管理");
    }
    if roles.contains(&Role::Regulator) {
        add("/regulation", "监管信息");
    }
    if has(Role::oversees) || roles.contains(&Role::Regulator) {
        add("/analytics", "统计分析");
    }
    nav
}

impl Chrome {
    /// The frame of a visitor who is not logged in.
    pub fn public(app: &App) -> Chrome {
        Chrome {
            bureau: app.settings().bureau_name.clone(),
            user: None,
            staff: false,
            csrf: String::new(),
            nav: Vec::new(),
            unread: 0,
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    chrome: Chrome,
    title: String,
    message: String,
    back: Option<String>,
    /// The public code of a refusal (as the API would give it), on the page for tests and scripts.
    code: Option<&'static str>,
}

/// Headers of every page: pages may show personal data, so no cache keeps them;
/// everything a page loads comes from this server (no inline script or style).
const PAGE_HEADERS: [(header::HeaderName, &str); 4] = [
    (header::CACHE_CONTROL, "no-store"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "same-origin"),
];

fn render(t: impl Template, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => (status, PAGE_HEADERS, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面生成失败").into_response()
        }
    }
}

/// A page that tells the user something went well.
fn message(chrome: Chrome, title: &str, text: String, back: Option<String>) -> Response {
    render(
        MessagePage {
            chrome,
            title: title.into(),
            message: text,
            back,
            code: None,
        },
        StatusCode::OK,
    )
}

/// A page that refuses a request, with the status of its public code.
fn refusal(
    chrome: Chrome,
    code: Code,
    title: &str,
    text: String,
    back: Option<String>,
) -> Response {
    render(
        MessagePage {
            chrome,
            title: title.into(),
            message: text,
            back,
            code: Some(code.name()),
        },
        code.status(),
    )
}

/// Query parameters of a page; a bad value answers a Chinese 400 page naming
/// the parameter, never the parser's English.
pub struct PageQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned + Send> axum::extract::FromRequestParts<App> for PageQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &App,
    ) -> Result<Self, Response> {
        match axum::extract::Query::<T>::from_request_parts(parts, app).await {
            Ok(axum::extract::Query(v)) => Ok(PageQuery(v)),
            Err(r) => Err(refusal(
                Chrome::public(app),
                Code::BadQuery,
                "地址有误",
                crate::extract::query_problem(&r),
                Some(parts.uri.path().to_string()),
            )),
        }
    }
}

/// Any address the site does not have: the API's JSON under `/api/`, a Chinese
/// page everywhere else.
pub async fn not_found(
    axum::extract::State(app): axum::extract::State<App>,
    uri: axum::http::Uri,
) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::not_found().await.into_response();
    }
    refusal(
        Chrome::public(&app),
        Code::NotFound,
        "页面不存在",
        "您访问的页面不存在，可能地址有误或已经移除。".into(),
        Some("/".into()),
    )
}

/// The page of a request whose body is larger than the server reads.
/// The answer to a form whose body could not be read (cut off, not a form).
pub(super) fn incomplete(app: &App, user: &session::PageUser) -> Response {
    refusal(
        user.chrome(app),
        Code::BadRequest,
        "未能完成",
        "提交的内容不完整，请返回刷新页面后重试。".into(),
        None,
    )
}

pub(crate) fn too_large(app: &App, limit: usize) -> Response {
    refusal(
        Chrome::public(app),
        Code::PayloadTooLarge,
        "未能完成",
        format!("提交的内容过大（最多 {}）", crate::extract::size_zh(limit)),
        None,
    )
}

/// The HTML face of an app error: the same code and status as the API (the one
/// mapping, which also logs faults), a Chinese page.
fn error_page(chrome: Chrome, e: AppError, back: Option<String>) -> Response {
    let error = ApiError::from(e);
    refusal(chrome, error.code, "未能完成", error.message, back)
}

/// A JSON number as a page shows it: 2.0 reads as 2.
fn plain_number(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        _ => n.to_string(),
    }
}

/// The live checks of the application forms (see `static/forms.js`).
async fn forms_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/forms.js"),
    )
        .into_response()
}

/// The hall's live pages (see `static/hall.js`).
async fn hall_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/hall.js"),
    )
        .into_response()
}

/// The portal's stylesheet: small, phone first.
async fn portal_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/portal.css"),
    )
        .into_response()
}
