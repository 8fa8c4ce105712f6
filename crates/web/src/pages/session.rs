//! Page sessions: log in and out with a cookie, and CSRF protection of every
//! state-changing page form.
//!
//! The session cookie carries the same token `App::login` hands the API (only its
//! SM3 hash is stored), so a page session expires, and is revoked, exactly like a
//! bearer token. The cookie is `HttpOnly; SameSite=Lax; Path=/` (and `Secure` when
//! the public address is https). The API never reads it: `/api/v1` takes bearer
//! tokens only, so a cookie cannot be ridden into the API from another site.
//!
//! Each page form carries a hidden `csrf` field: SM3 of the session token under a
//! fixed label (`onestamp_app::auth::csrf_token`), checked before the use case runs.
//! The login form has no session yet; it is protected by a double-submit nonce: a
//! random value in a short-lived cookie whose derived token must come back in the
//! form.

use axum::extract::{Form, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use serde::Deserialize;

use onestamp_app::auth::{Session, csrf_matches, csrf_token, random_token};
use onestamp_app::{App, AppError};
use onestamp_domain::role::Role;

use super::{Chrome, Template, refusal, render};
use crate::error::{ApiError, Code};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "onestamp_session";
/// The login page's double-submit nonce cookie.
const LOGIN_COOKIE: &str = "onestamp_login";

/// A logged-in page user: the session and the token the cookie carries.
pub struct PageUser {
    pub session: Session,
    token: String,
    /// Unread messages in the inbox, for the header's 消息 badge.
    unread: i64,
}

impl PageUser {
    /// The CSRF token to embed in this user's forms.
    pub fn csrf(&self) -> String {
        csrf_token(&self.token)
    }

    /// The refusal of a state-changing request whose form does not carry this
    /// session's CSRF token (a clear Chinese 403 page), or `None` when it does.
    pub fn csrf_refusal(&self, app: &App, given: Option<&str>) -> Option<Response> {
        match given {
            Some(g) if csrf_matches(&self.token, g) => None,
            _ => Some(csrf_refused(app, Some(self))),
        }
    }

    /// The page frame for this user: name in the header, the navigation of
    /// their roles, the logout form.
    pub fn chrome(&self, app: &App) -> Chrome {
        Chrome {
            bureau: app.settings().bureau_name.clone(),
            user: Some(self.session.user.display_name.clone()),
            staff: self.session.is_staff(),
            csrf: self.csrf(),
            nav: super::nav_for(&self.session.user.roles),
            unread: self.unread,
        }
    }

    /// The 403 refusal page unless this user holds one of `roles`: every page a
    /// role may not open answers with it, in Chinese, naming who may.
    pub fn refuse_unless(&self, app: &App, roles: &[Role]) -> Option<Response> {
        match self.session.require(roles) {
            Ok(()) => None,
            Err(e) => Some(super::error_page(self.chrome(app), e, Some("/".into()))),
        }
    }
}

fn csrf_refused(app: &App, user: Option<&PageUser>) -> Response {
    let mut chrome = Chrome::public(app);
    if let Some(u) = user {
        chrome = u.chrome(app);
    }
    refusal(
        chrome,
        Code::Forbidden,
        "请求已被拒绝",
        "页面已过期或来源无法确认（安全校验未通过），请返回刷新页面后重新提交。".into(),
        Some("/".into()),
    )
}

/// The value of a cookie in the request, if it is there exactly once: a second
/// cookie of the same name (planted by a sibling site for another path) makes
/// the request carry no session rather than a chosen one.
pub(super) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut found = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| v.trim());
    let first = found.next()?;
    if found.next().is_some() {
        return None;
    }
    Some(first).filter(|v| !v.is_empty())
}

async fn resolve(parts: &Parts, app: &App) -> Option<PageUser> {
    let token = cookie(&parts.headers, SESSION_COOKIE)?;
    match app.authenticate(token).await {
        Ok(session) => {
            // The request span carries who is asking, as for the API.
            let span = tracing::Span::current();
            span.record("actor_id", session.user.id);
            span.record("actor_role", session.role_names().as_str());
            // A page still shows when the count cannot be read.
            let unread = app.unread_messages(&session).await.unwrap_or(0);
            Some(PageUser {
                session,
                token: token.to_string(),
                unread,
            })
        }
        Err(AppError::Unauthenticated) => None,
        Err(e) => {
            tracing::error!(error = %e, "page session lookup failed");
            None
        }
    }
}

/// Pages that need a login send a visitor without one to the login page, which
/// brings them back afterwards.
impl FromRequestParts<App> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        match resolve(parts, app).await {
            Some(u) => Ok(u),
            None => {
                let back = if parts.method == axum::http::Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str())
                        .unwrap_or("/")
                } else {
                    "/"
                };
                Err(Redirect::to(&format!("/login?next={}", encode(back))).into_response())
            }
        }
    }
}

/// The page user if there is one; public pages use it for the header.
pub struct MaybeUser(pub Option<PageUser>);

impl FromRequestParts<App> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &App,
    ) -> Result<Self, std::convert::Infallible> {
        Ok(MaybeUser(resolve(parts, app).await))
    }
}

impl MaybeUser {
    pub fn chrome(&self, app: &App) -> Chrome {
        match &self.0 {
            Some(u) => u.chrome(app),
            None => Chrome::public(app),
        }
    }
}

/// Percent-encodes a value for a query string.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Only a path of this site is a place to return to after login (no open redirect).
fn safe_next(next: Option<&str>) -> Option<String> {
    let n = next?.trim();
    // Visible ASCII only: a browser sends paths percent-encoded, and a redirect
    // header cannot carry anything else.
    let plain = n.bytes().all(|b| (0x21..0x7f).contains(&b));
    let local = plain && n.starts_with('/') && !n.starts_with("//") && !n.contains('\\');
    (local && !n.starts_with("/login")).then(|| n.to_string())
}

pub(super) fn session_cookie(app: &App, value: &str, max_age: i64) -> String {
    let secure = if app.settings().public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}")
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    username: String,
    next: String,
    csrf: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// A double-submit nonce for a form shown before there is a session (the
/// login page, a kiosk's binding): the `Set-Cookie` value — `HttpOnly;
/// SameSite=Strict`, sent back only to `path` — and the token the form carries.
/// Another site can make a browser post the form but cannot read the cookie,
/// so it cannot give the matching token.
pub(crate) fn form_nonce(name: &str, path: &str) -> (String, String) {
    let nonce = random_token();
    let token = csrf_token(&nonce);
    (
        format!("{name}={nonce}; HttpOnly; SameSite=Strict; Path={path}; Max-Age=3600"),
        token,
    )
}

/// The `Set-Cookie` value that removes the nonce cookie `name` of `path`,
/// once its form has done its work.
pub(crate) fn form_nonce_cleared(name: &str, path: &str) -> String {
    format!("{name}=; HttpOnly; SameSite=Strict; Path={path}; Max-Age=0")
}

/// Whether the form's `given` token is the one of the nonce cookie `name`.
pub(crate) fn form_nonce_matches(headers: &HeaderMap, name: &str, given: Option<&str>) -> bool {
    match (cookie(headers, name), given) {
        (Some(nonce), Some(given)) => csrf_matches(nonce, given),
        _ => false,
    }
}

/// A login page with a fresh double-submit nonce.
fn login_page(
    app: &App,
    status: StatusCode,
    username: String,
    next: Option<String>,
    error: Option<String>,
) -> Response {
    let (set_nonce, csrf) = form_nonce(LOGIN_COOKIE, "/login");
    let page = render(
        LoginPage {
            chrome: Chrome::public(app),
            username,
            next: next.unwrap_or_default(),
            csrf,
            error,
        },
        status,
    );
    ([(header::SET_COOKIE, set_nonce)], page).into_response()
}

/// `GET /login`
pub async fn login_form(
    State(app): State<App>,
    MaybeUser(user): MaybeUser,
    super::PageQuery(q): super::PageQuery<NextQuery>,
) -> Response {
    if let Some(u) = user {
        return Redirect::to(&landing(&u.session, safe_next(q.next.as_deref()))).into_response();
    }
    login_page(
        &app,
        StatusCode::OK,
        String::new(),
        safe_next(q.next.as_deref()),
        None,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    csrf: Option<String>,
}

fn landing(session: &Session, next: Option<String>) -> String {
    next.unwrap_or_else(|| {
        if session.is_staff() {
            "/workbench".into()
        } else {
            "/".into()
        }
    })
}

/// `POST /login`: on success the session cookie is set and the user sent on.
pub async fn login(
    State(app): State<App>,
    crate::extract::ClientAddr(from): crate::extract::ClientAddr,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return login_page(
            &app,
            Code::BadRequest.status(),
            String::new(),
            None,
            Some("请填写用户名和密码".into()),
        );
    };
    let next = safe_next(form.next.as_deref());
    if !form_nonce_matches(&headers, LOGIN_COOKIE, form.csrf.as_deref()) {
        return login_page(
            &app,
            Code::Forbidden.status(),
            form.username,
            next,
            Some("登录页面已过期或来源无法确认，请重新输入后登录".into()),
        );
    }
    match app.login(&form.username, &form.password, from).await {
        Ok((token, user)) => {
            let session = Session::of(user);
            let max_age = app.settings().token_ttl.num_seconds().max(60);
            // Two cookies: appended, as an array of pairs would keep only the last.
            (
                AppendHeaders([
                    (header::SET_COOKIE, session_cookie(&app, &token, max_age)),
                    (
                        header::SET_COOKIE,
                        form_nonce_cleared(LOGIN_COOKIE, "/login"),
                    ),
                ]),
                Redirect::to(&landing(&session, next)),
            )
                .into_response()
        }
        Err(e) => {
            let text = match &e {
                AppError::LoginLocked { until } => {
                    format!("登录失败次数过多，账号已暂时锁定，请于 {until} 后再试")
                }
                e if e.is_fault() => "系统暂时无法登录，请稍后再试".into(),
                e => e.to_string(),
            };
            // The one mapping gives the status (and logs a fault with its cause).
            let status = ApiError::from(e).status();
            login_page(&app, status, form.username, next, Some(text))
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: Option<String>,
}

/// `POST /logout`: revokes the token and clears the cookie.
pub async fn logout(
    State(app): State<App>,
    user: PageUser,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let given = form.ok().and_then(|Form(f)| f.csrf);
    if let Some(refused) = user.csrf_refusal(&app, given.as_deref()) {
        return refused;
    }
    if let Err(e) = app.logout(&user.token).await {
        tracing::error!(error = %e, "logout failed");
    }
    (
        [(header::SET_COOKIE, session_cookie(&app, "", 0))],
        Redirect::to("/"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_returned_to_after_login() {
        assert_eq!(
            safe_next(Some("/items/X/apply")).as_deref(),
            Some("/items/X/apply")
        );
        assert_eq!(safe_next(Some("//evil.example/")), None);
        assert_eq!(safe_next(Some("https://evil.example/")), None);
        assert_eq!(safe_next(Some("/\\evil.example")), None);
        assert_eq!(safe_next(Some("/login")), None);
        assert_eq!(safe_next(Some("/cases\r\nSet-Cookie: x=1")), None);
        assert_eq!(safe_next(Some("/办件")), None);
        assert_eq!(safe_next(None), None);
    }

    #[test]
    fn a_return_path_is_percent_encoded_for_the_query() {
        assert_eq!(encode("/cases?before=5"), "/cases%3Fbefore%3D5");
    }

    #[test]
    fn the_session_cookie_is_read_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; onestamp_session=abc ; b=2"
                .parse()
                .unwrap_or_else(|_| axum::http::HeaderValue::from_static("")),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn a_session_cookie_given_twice_counts_as_none() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "onestamp_session=mine; onestamp_session=planted"
                .parse()
                .unwrap_or_else(|_| axum::http::HeaderValue::from_static("")),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), None);
    }
}
