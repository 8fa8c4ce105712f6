//! The self-service kiosk (`/kiosk`, 自助终端): a device bound once with its
//! token (a long-lived HttpOnly cookie), sign-in by identity number and SMS
//! code on an on-screen keypad, the grid of kiosk items and their forms, the
//! result of an instant decision, and printing what the applicant holds.
//!
//! Two cookies: `onestamp_kiosk` holds the device token (ten years), and
//! `onestamp_kiosk_session` the kiosk session's token; both `HttpOnly;
//! SameSite=Strict`. Every kiosk form carries a CSRF token derived from the
//! device token, which another site cannot read; the binding form, before
//! there is a device token, a double-submit nonce (`onestamp_kiosk_setup`).
//! The session is the store's and ends after `kiosk_idle_secs` without a
//! request (`static/kiosk.js` counts down and signs out before that on the
//! page).

use axum::extract::{Form, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use serde::Deserialize;

use onestamp_app::auth::{Session, csrf_matches, csrf_token};
use onestamp_app::cases::Application;
use onestamp_app::store::{CaseQuery, Kiosk, LicenceQuery};
use onestamp_app::{App, AppError};
use onestamp_domain::case::{CaseStatus, Channel};

use super::apply::{FieldView, form_values, place, problems_of, read_posted};
use super::catalogue::material_lines;
use super::session::{cookie, form_nonce, form_nonce_cleared, form_nonce_matches};
use super::{Template, render};
use crate::error::ApiError;

const DEVICE_COOKIE: &str = "onestamp_kiosk";
const SESSION_COOKIE: &str = "onestamp_kiosk_session";

/// What the kiosk frame shows.
pub struct Frame {
    pub bureau: String,
    pub kiosk_name: String,
    pub user: Option<String>,
    pub csrf: String,
    pub idle_secs: u32,
    pub back: Option<String>,
}

fn set_cookie(app: &App, name: &str, value: &str, max_age: i64) -> String {
    let secure = if app.settings().public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/kiosk; Max-Age={max_age}{secure}")
}

/// The bound kiosk of a request, if its device cookie names an enabled one.
pub struct Device {
    pub kiosk: Kiosk,
    token: String,
}

impl Device {
    fn frame(&self, app: &App, user: Option<&Session>, back: Option<&str>) -> Frame {
        Frame {
            bureau: app.settings().bureau_name.clone(),
            kiosk_name: self.kiosk.name.clone(),
            user: user.map(|s| s.user.display_name.clone()),
            csrf: csrf_token(&self.token),
            idle_secs: app.settings().kiosk_idle_secs,
            back: back.map(str::to_string),
        }
    }

    fn csrf_ok(&self, given: Option<&str>) -> bool {
        given.is_some_and(|g| csrf_matches(&self.token, g))
    }
}

fn public_frame(app: &App) -> Frame {
    Frame {
        bureau: app.settings().bureau_name.clone(),
        kiosk_name: String::new(),
        user: None,
        csrf: String::new(),
        idle_secs: app.settings().kiosk_idle_secs,
        back: None,
    }
}

#[derive(Template)]
#[template(path = "kiosk_message.html")]
struct MessagePage {
    k: Frame,
    title: String,
    text: String,
    next: Option<(String, String)>,
    code: Option<&'static str>,
}

fn message(
    k: Frame,
    status: StatusCode,
    title: &str,
    text: String,
    next: Option<(&str, &str)>,
) -> Response {
    render(
        MessagePage {
            k,
            title: title.into(),
            text,
            next: next.map(|(a, b)| (a.to_string(), b.to_string())),
            code: None,
        },
        status,
    )
}

fn error(k: Frame, e: AppError) -> Response {
    let e = ApiError::from(e);
    let status = e.status();
    render(
        MessagePage {
            k,
            title: "未能办理".into(),
            text: e.message,
            next: Some(("/kiosk".into(), "返回首页".into())),
            code: Some(e.code.name()),
        },
        status,
    )
}

fn unregistered(app: &App) -> Response {
    message(
        public_frame(app),
        StatusCode::FORBIDDEN,
        "本终端未登记",
        "本设备尚未登记为政务服务自助终端，或已被停用。请联系系统管理员登记后，在本设备打开终端绑定页面输入终端令牌。".into(),
        Some(("/kiosk/setup", "终端绑定")),
    )
}

impl FromRequestParts<App> for Device {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        let Some(token) = cookie(&parts.headers, DEVICE_COOKIE) else {
            return Err(unregistered(app));
        };
        match app.kiosk_of_device(token).await {
            Ok(Some(kiosk)) => Ok(Device {
                kiosk,
                token: token.to_string(),
            }),
            Ok(None) => Err(unregistered(app)),
            Err(e) => Err(error(public_frame(app), e)),
        }
    }
}

/// A signed-in kiosk user: the device and the session (touched now).
pub struct KioskUser {
    pub device: Device,
    pub session: Session,
}

impl FromRequestParts<App> for KioskUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        let device = Device::from_request_parts(parts, app).await?;
        let token = cookie(&parts.headers, SESSION_COOKIE)
            .unwrap_or("")
            .to_string();
        match app.kiosk_session(&device.kiosk, &token).await {
            Ok(session) => Ok(KioskUser { device, session }),
            Err(e) => {
                let mut r = error(device.frame(app, None, None), e);
                r.headers_mut().append(
                    header::SET_COOKIE,
                    set_cookie(app, SESSION_COOKIE, "", 0)
                        .parse()
                        .unwrap_or(header::HeaderValue::from_static("")),
                );
                Err(r)
            }
        }
    }
}

impl KioskUser {
    fn frame(&self, app: &App, back: Option<&str>) -> Frame {
        self.device.frame(app, Some(&self.session), back)
    }
}

#[derive(Template)]
#[template(path = "kiosk_setup.html")]
struct SetupPage {
    k: Frame,
    token: String,
    /// The double-submit token of the form (no device or session yet).
    nonce: String,
    error: Option<String>,
}

/// The binding form's nonce cookie, sent back to `/kiosk/setup` only.
const SETUP_COOKIE: &str = "onestamp_kiosk_setup";

/// The binding form with a fresh nonce.
fn setup_page(app: &App, status: StatusCode, error: Option<String>) -> Response {
    let (set_nonce, nonce) = form_nonce(SETUP_COOKIE, "/kiosk/setup");
    let page = render(
        SetupPage {
            k: public_frame(app),
            token: String::new(),
            nonce,
            error,
        },
        status,
    );
    ([(header::SET_COOKIE, set_nonce)], page).into_response()
}

/// `GET /kiosk/setup`: the form that binds this device to a registered kiosk.
pub async fn setup_form(State(app): State<App>) -> Response {
    setup_page(&app, StatusCode::OK, None)
}

#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: Option<String>,
}

/// `POST /kiosk/setup`: binds the device (sets the device cookie) when the
/// form is the one this browser was shown and the token is an enabled kiosk's.
pub async fn setup(
    State(app): State<App>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Response {
    if !form_nonce_matches(&headers, SETUP_COOKIE, form.csrf.as_deref()) {
        return setup_page(
            &app,
            StatusCode::FORBIDDEN,
            Some("绑定页面已过期或来源无法确认，请重新输入终端令牌".into()),
        );
    }
    let token = form.token.trim().to_ascii_lowercase();
    match app.kiosk_of_device(&token).await {
        Ok(Some(kiosk)) => {
            tracing::info!(kiosk = kiosk.id, "a device is bound as a kiosk");
            (
                AppendHeaders([
                    (
                        header::SET_COOKIE,
                        set_cookie(&app, DEVICE_COOKIE, &token, 10 * 365 * 86_400),
                    ),
                    (header::SET_COOKIE, set_cookie(&app, SESSION_COOKIE, "", 0)),
                    (
                        header::SET_COOKIE,
                        form_nonce_cleared(SETUP_COOKIE, "/kiosk/setup"),
                    ),
                ]),
                Redirect::to("/kiosk"),
            )
                .into_response()
        }
        Ok(None) => setup_page(
            &app,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("终端令牌无效或该终端已停用，请核对后重新输入".into()),
        ),
        Err(e) => error(public_frame(&app), e),
    }
}

#[derive(Template)]
#[template(path = "kiosk_start.html")]
struct StartPage {
    k: Frame,
}

/// `GET /kiosk`: the start screen (本终端未登记 on a device not bound).
pub async fn start(State(app): State<App>, device: Device, headers: HeaderMap) -> Response {
    let token = cookie(&headers, SESSION_COOKIE).unwrap_or("");
    let session = if token.is_empty() {
        None
    } else {
        app.kiosk_session(&device.kiosk, token).await.ok()
    };
    render(
        StartPage {
            k: device.frame(&app, session.as_ref(), None),
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "kiosk_signin.html")]
struct SignInPage {
    k: Frame,
    code_step: bool,
    identity: String,
    masked: String,
    next: String,
    keys: Vec<&'static str>,
    error: Option<String>,
}

const ID_KEYS: [&str; 12] = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", "del"];
const CODE_KEYS: [&str; 12] = [
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "del",
];

fn next_of(raw: &str) -> &'static str {
    if raw == "print" { "print" } else { "items" }
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// `GET /kiosk/signin`: the identity number on the keypad (prefilled by the
/// card reader when one is attached).
pub async fn signin_form(
    State(app): State<App>,
    device: Device,
    super::PageQuery(q): super::PageQuery<NextQuery>,
) -> Response {
    render(
        SignInPage {
            k: device.frame(&app, None, Some("/kiosk")),
            code_step: false,
            identity: app.read_id_card(&device.kiosk).unwrap_or_default(),
            masked: String::new(),
            next: next_of(&q.next).into(),
            keys: ID_KEYS.to_vec(),
            error: None,
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    identity: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

fn csrf_refused(app: &App, device: &Device) -> Response {
    message(
        device.frame(app, None, None),
        StatusCode::FORBIDDEN,
        "页面已过期",
        "页面已过期，请返回首页重新操作。".into(),
        Some(("/kiosk", "返回首页")),
    )
}

/// `POST /kiosk/signin`: sends the code and shows the code keypad.
pub async fn signin(State(app): State<App>, device: Device, Form(f): Form<SignInForm>) -> Response {
    if !device.csrf_ok(f.csrf.as_deref()) {
        return csrf_refused(&app, &device);
    }
    let next = next_of(&f.next);
    match app.send_kiosk_code(&device.kiosk, &f.identity).await {
        Ok(sent) => render(
            SignInPage {
                k: device.frame(&app, None, Some("/kiosk/signin")),
                code_step: true,
                identity: sent.identity,
                masked: sent.masked_mobile,
                next: next.into(),
                keys: CODE_KEYS.to_vec(),
                error: None,
            },
            StatusCode::OK,
        ),
        Err(e) => {
            let e = ApiError::from(e);
            render(
                SignInPage {
                    k: device.frame(&app, None, Some("/kiosk")),
                    code_step: false,
                    identity: f.identity.chars().take(18).collect(),
                    masked: String::new(),
                    next: next.into(),
                    keys: ID_KEYS.to_vec(),
                    error: Some(e.message.clone()),
                },
                e.status(),
            )
        }
    }
}

/// `POST /kiosk/code`: the code; right, the session cookie and on to the
/// chosen service; wrong, the keypad again with how many tries are left.
pub async fn code(State(app): State<App>, device: Device, Form(f): Form<SignInForm>) -> Response {
    if !device.csrf_ok(f.csrf.as_deref()) {
        return csrf_refused(&app, &device);
    }
    let next = next_of(&f.next);
    match app.kiosk_sign_in(&device.kiosk, &f.identity, &f.code).await {
        Ok(token) => (
            AppendHeaders([(
                header::SET_COOKIE,
                set_cookie(&app, SESSION_COOKIE, &token, 86_400),
            )]),
            Redirect::to(&format!("/kiosk/{next}")),
        )
            .into_response(),
        Err(e) => {
            let e = ApiError::from(e);
            render(
                SignInPage {
                    k: device.frame(&app, None, Some("/kiosk/signin")),
                    code_step: true,
                    identity: f
                        .identity
                        .trim()
                        .to_ascii_uppercase()
                        .chars()
                        .take(18)
                        .collect(),
                    masked: "（见短信）".into(),
                    next: next.into(),
                    keys: CODE_KEYS.to_vec(),
                    error: Some(e.message.clone()),
                },
                e.status(),
            )
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: Option<String>,
}

/// `POST /kiosk/signout`: ends the session (退出) and returns to the start.
pub async fn signout(
    State(app): State<App>,
    device: Device,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !device.csrf_ok(f.csrf.as_deref()) {
        return csrf_refused(&app, &device);
    }
    if let Some(token) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = app.kiosk_sign_out(&device.kiosk, token).await
    {
        return error(device.frame(&app, None, None), e);
    }
    (
        AppendHeaders([(header::SET_COOKIE, set_cookie(&app, SESSION_COOKIE, "", 0))]),
        Redirect::to("/kiosk"),
    )
        .into_response()
}

pub struct ItemTile {
    code: String,
    name: String,
    instant: bool,
    limit: String,
}

#[derive(Template)]
#[template(path = "kiosk_items.html")]
struct ItemsPage {
    k: Frame,
    items: Vec<ItemTile>,
}

/// `GET /kiosk/items`: the kiosk items as big tiles.
pub async fn items(State(app): State<App>, user: KioskUser) -> Response {
    match app.kiosk_items().await {
        Ok(list) => render(
            ItemsPage {
                k: user.frame(&app, Some("/kiosk")),
                items: list
                    .into_iter()
                    .map(|s| ItemTile {
                        code: s.item.code,
                        name: s.item.name,
                        instant: s.item.instant,
                        limit: s.item.committed_limit.to_string(),
                    })
                    .collect(),
            },
            StatusCode::OK,
        ),
        Err(e) => error(user.frame(&app, Some("/kiosk")), e),
    }
}

pub struct MaterialPick {
    code: String,
    name: String,
    required: bool,
    choices: Vec<(String, String)>,
    selected: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "kiosk_apply.html")]
struct ApplyPage {
    k: Frame,
    code: String,
    name: String,
    instant: bool,
    fields: Vec<FieldView>,
    materials: Vec<MaterialPick>,
    problems: Vec<String>,
    error: Option<String>,
}

async fn apply_page(
    app: &App,
    user: &KioskUser,
    code: &str,
    values: Option<&serde_json::Map<String, serde_json::Value>>,
    chosen: Option<&std::collections::BTreeMap<String, String>>,
) -> Result<ApplyPage, AppError> {
    let stored = app.kiosk_offers(code).await?;
    let item = &stored.item;
    let prefill = app.prefill(&user.session, code).await?;
    let values = values.unwrap_or(&prefill.form);
    let fields = item
        .form
        .iter()
        .map(|f| {
            let mut v = FieldView::of(f);
            if let Some(value) = values.get(&f.key) {
                v.set(value);
            }
            v
        })
        .collect();
    let materials = material_lines(item)
        .into_iter()
        .map(|line| {
            let choices: Vec<(String, String)> = prefill
                .materials
                .get(&line.code)
                .into_iter()
                .flatten()
                .map(|id| {
                    (
                        format!("licence:{id}"),
                        format!("引用电子证照 {id}（免提交）"),
                    )
                })
                .collect();
            let selected = match chosen.and_then(|c| c.get(&line.code)) {
                Some(s) => s.clone(),
                None => choices.first().map(|c| c.0.clone()).unwrap_or_default(),
            };
            MaterialPick {
                code: line.code,
                name: line.name,
                required: line.required,
                choices,
                selected,
                error: None,
            }
        })
        .collect();
    Ok(ApplyPage {
        k: user.frame(app, Some("/kiosk/items")),
        code: item.code.clone(),
        name: item.name.clone(),
        instant: item.instant,
        fields,
        materials,
        problems: Vec::new(),
        error: None,
    })
}

/// `GET /kiosk/items/{code}`: the item's form, prefilled from what the
/// applicant holds, licences cited for the materials they stand in for.
pub async fn apply_form(
    State(app): State<App>,
    user: KioskUser,
    Path(code): Path<String>,
) -> Response {
    match apply_page(&app, &user, &code, None, None).await {
        Ok(p) => render(p, StatusCode::OK),
        Err(e) => error(user.frame(&app, Some("/kiosk/items")), e),
    }
}

/// `POST /kiosk/items/{code}`: files the application through the same use
/// case as the web and the phone (channel `kiosk`); on success the result.
pub async fn apply(
    State(app): State<App>,
    user: KioskUser,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let posted = read_posted(pairs);
    if !user.device.csrf_ok(posted.csrf.as_deref()) {
        return csrf_refused(&app, &user.device);
    }
    let stored = match app.kiosk_offers(&code).await {
        Ok(s) => s,
        Err(e) => return error(user.frame(&app, Some("/kiosk/items")), e),
    };
    let values = form_values(&stored.item, &posted.fields);
    let materials =
        super::uploads::choices(&posted.materials, &Default::default(), &Default::default());
    let application = Application {
        item_code: code.clone(),
        channel: Channel::Kiosk,
        form: values.clone(),
        materials,
        applicant: None,
    };
    let err = match app.submit_application(&user.session, application).await {
        Ok(view) => return Redirect::to(&format!("/kiosk/cases/{}", view.case.id)).into_response(),
        Err(e) => e,
    };
    let message = err.to_string();
    let problems = problems_of(&err);
    let status = ApiError::from(err).status();
    match apply_page(&app, &user, &code, Some(&values), Some(&posted.materials)).await {
        Ok(mut p) => {
            let mut rest = Vec::new();
            let mut shown: Vec<super::apply::MaterialView> = Vec::new();
            place(&mut p.fields, &mut shown, &mut rest, problems);
            p.problems = rest;
            p.error = Some(message);
            render(p, status)
        }
        Err(e) => error(user.frame(&app, Some("/kiosk/items")), e),
    }
}

#[derive(Template)]
#[template(path = "kiosk_case.html")]
struct CasePage {
    k: Frame,
    done: bool,
    status: String,
    item_name: String,
    number: String,
    licence: Option<String>,
}

/// `GET /kiosk/cases/{id}`: the result of an application (已办结 with the
/// licence for an instant decision).
pub async fn case(State(app): State<App>, user: KioskUser, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error(
            user.frame(&app, Some("/kiosk")),
            AppError::NotFound(format!("办件 {id}")),
        );
    };
    match app.get_case(&user.session, id).await {
        Ok(view) => render(
            CasePage {
                k: user.frame(&app, Some("/kiosk/items")),
                done: view.case.status == CaseStatus::Issued || view.licence_id.is_some(),
                status: view.status_label.clone(),
                item_name: view.item_name.clone(),
                number: view.case.number.clone(),
                licence: view.licence_id.clone(),
            },
            StatusCode::OK,
        ),
        Err(e) => error(user.frame(&app, Some("/kiosk")), e),
    }
}

pub struct LicenceLine {
    id: String,
    name: String,
    valid: String,
}

pub struct DocumentLine {
    label: String,
    number: String,
    item: String,
    href: String,
}

#[derive(Template)]
#[template(path = "kiosk_print.html")]
struct PrintPage {
    k: Frame,
    licences: Vec<LicenceLine>,
    documents: Vec<DocumentLine>,
}

async fn print_lists(
    app: &App,
    s: &Session,
) -> Result<(Vec<LicenceLine>, Vec<DocumentLine>), AppError> {
    let licences = app
        .list_licences(
            s,
            LicenceQuery {
                limit: 50,
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .map(|l| LicenceLine {
            valid: match l.stored.valid_until {
                Some(d) => format!("有效期至 {d}"),
                None => "长期有效".into(),
            },
            id: l.stored.id,
            name: l.stored.type_name,
        })
        .collect();
    let mut documents = Vec::new();
    let cases = app
        .list_cases(
            s,
            CaseQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await?;
    for c in cases {
        for d in app.case_documents(s, c.id).await? {
            if d.genuine {
                documents.push(DocumentLine {
                    label: d.kind_label,
                    number: d.number,
                    item: c.number.clone(),
                    href: format!("/kiosk/print/cases/{}/documents/{}", c.id, d.id),
                });
            }
        }
    }
    Ok((licences, documents))
}

/// `GET /kiosk/print`: the licences and documents the applicant may print.
pub async fn print(State(app): State<App>, user: KioskUser) -> Response {
    match print_lists(&app, &user.session).await {
        Ok((licences, documents)) => render(
            PrintPage {
                k: user.frame(&app, Some("/kiosk")),
                licences,
                documents,
            },
            StatusCode::OK,
        ),
        Err(e) => error(user.frame(&app, Some("/kiosk")), e),
    }
}

fn pdf(name: String, bytes: Vec<u8>) -> Response {
    let disposition = format!(
        "inline; filename=\"{}.pdf\"",
        name.replace(
            |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '.',
            "_"
        )
    );
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; frame-ancestors 'self'".to_string(),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /kiosk/print/licences/{id}`: the licence's PDF (A4), the print audited.
pub async fn print_licence(
    State(app): State<App>,
    user: KioskUser,
    Path(id): Path<String>,
) -> Response {
    match app.kiosk_print_licence(&user.session, &id).await {
        Ok(bytes) => pdf(format!("licence-{id}"), bytes),
        Err(e) => error(user.frame(&app, Some("/kiosk/print")), e),
    }
}

/// `GET /kiosk/print/cases/{id}/documents/{doc}`: a document's PDF, the print audited.
pub async fn print_document(
    State(app): State<App>,
    user: KioskUser,
    Path((id, doc)): Path<(String, String)>,
) -> Response {
    let (Ok(case_id), Ok(doc_id)) = (id.parse::<i64>(), doc.parse::<i64>()) else {
        return error(
            user.frame(&app, Some("/kiosk/print")),
            AppError::NotFound(format!("文书 {doc}")),
        );
    };
    match app
        .kiosk_print_document(&user.session, case_id, doc_id)
        .await
    {
        Ok((number, bytes)) => pdf(format!("document-{number}"), bytes),
        Err(e) => error(user.frame(&app, Some("/kiosk/print")), e),
    }
}

/// The kiosk's script (see `static/kiosk.js`).
pub async fn kiosk_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/kiosk.js"),
    )
        .into_response()
}

/// The kiosk's stylesheet.
pub async fn kiosk_css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/kiosk.css"),
    )
        .into_response()
}

pub fn router() -> axum::Router<App> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/kiosk", get(start))
        .route("/kiosk/setup", get(setup_form).post(setup))
        .route("/kiosk/signin", get(signin_form).post(signin))
        .route("/kiosk/code", post(code))
        .route("/kiosk/signout", post(signout))
        .route("/kiosk/items", get(items))
        .route("/kiosk/items/{code}", get(apply_form).post(apply))
        .route("/kiosk/cases/{id}", get(case))
        .route("/kiosk/print", get(print))
        .route("/kiosk/print/licences/{id}", get(print_licence))
        .route(
            "/kiosk/print/cases/{id}/documents/{doc}",
            get(print_document),
        )
        .route("/static/kiosk.js", get(kiosk_js))
        .route("/static/kiosk.css", get(kiosk_css))
}
