//! `/register`: applicants register themselves (个人注册 / 法人注册) through
//! [`App::register`] like the API, and are logged in at once. The form has no
//! session yet, so it carries a double-submit nonce like the login form: a
//! cross-site form cannot register someone, nor log a visitor into an account
//! made for them.

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use serde::Deserialize;

use onestamp_app::register::Registration;
use onestamp_app::{App, AppError};
use onestamp_domain::case::ApplicantKind;

use super::session::{
    MaybeUser, form_nonce, form_nonce_cleared, form_nonce_matches, session_cookie,
};
use super::{Chrome, PageQuery, Template, render};
use crate::error::ApiError;

/// The registration page's double-submit nonce cookie.
const REGISTER_COOKIE: &str = "onestamp_register";

/// What was typed, given back with a refusal (never the password).
#[derive(Default)]
pub struct Typed {
    pub username: String,
    pub name: String,
    pub identity: String,
    pub mobile: String,
    pub legal_rep: String,
    pub contact_name: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    chrome: Chrome,
    organisation: bool,
    csrf: String,
    typed: Typed,
    error: Option<String>,
    /// The field the error is about (`identity`, `password`, …), or empty.
    error_field: String,
}

fn page(
    app: &App,
    status: StatusCode,
    organisation: bool,
    typed: Typed,
    error: Option<(String, String)>,
) -> Response {
    let (set_nonce, csrf) = form_nonce(REGISTER_COOKIE, "/register");
    let (error, error_field) = match error {
        Some((field, message)) => (Some(message), field),
        None => (None, String::new()),
    };
    let body = render(
        RegisterPage {
            chrome: Chrome::public(app),
            organisation,
            csrf,
            typed,
            error,
            error_field,
        },
        status,
    );
    ([(header::SET_COOKIE, set_nonce)], body).into_response()
}

#[derive(Deserialize)]
pub struct KindQuery {
    #[serde(default)]
    kind: Option<String>,
}

/// `GET /register` (个人注册) and `GET /register?kind=organisation` (法人注册).
pub async fn form(
    State(app): State<App>,
    user: MaybeUser,
    PageQuery(q): PageQuery<KindQuery>,
) -> Response {
    if user.0.is_some() {
        return Redirect::to("/").into_response();
    }
    let organisation = q.kind.as_deref() == Some("organisation");
    page(&app, StatusCode::OK, organisation, Typed::default(), None)
}

#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    identity: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    legal_rep: String,
    #[serde(default)]
    contact_name: String,
}

/// `POST /register`: registers, logs in and goes to the home page; or the form
/// again with what was typed and why not.
pub async fn register(
    State(app): State<App>,
    crate::extract::ClientAddr(from): crate::extract::ClientAddr,
    headers: HeaderMap,
    form: Result<Form<RegisterForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(form)) = form else {
        return page(
            &app,
            StatusCode::BAD_REQUEST,
            false,
            Typed::default(),
            Some((String::new(), "提交的内容不完整，请重新填写".into())),
        );
    };
    let organisation = form.kind == "organisation";
    let typed = Typed {
        username: form.username.chars().take(64).collect(),
        name: form.name.chars().take(200).collect(),
        identity: form.identity.chars().take(40).collect(),
        mobile: form.mobile.chars().take(20).collect(),
        legal_rep: form.legal_rep.chars().take(100).collect(),
        contact_name: form.contact_name.chars().take(100).collect(),
    };
    if !form_nonce_matches(&headers, REGISTER_COOKIE, form.csrf.as_deref()) {
        return page(
            &app,
            StatusCode::FORBIDDEN,
            organisation,
            typed,
            Some((
                String::new(),
                "注册页面已过期或来源无法确认，请重新提交".into(),
            )),
        );
    }
    if form.password != form.password_confirm {
        return page(
            &app,
            StatusCode::UNPROCESSABLE_ENTITY,
            organisation,
            typed,
            Some(("password_confirm".into(), "两次输入的密码不一致".into())),
        );
    }
    let registration = Registration {
        kind: if organisation {
            ApplicantKind::Organisation
        } else {
            ApplicantKind::Person
        },
        username: form.username.clone(),
        password: form.password.clone(),
        name: form.name,
        identity: form.identity,
        mobile: form.mobile,
        legal_rep: form.legal_rep,
        contact_name: form.contact_name,
    };
    let refused = |e: AppError, typed: Typed| {
        let field = match &e {
            AppError::Invalid { problems, .. } => problems
                .first()
                .map(|p| p.field.clone())
                .unwrap_or_default(),
            AppError::Duplicate(_) => "identity".into(),
            _ => String::new(),
        };
        let text = match &e {
            AppError::Duplicate(_) => {
                format!("{e}。如忘记用户名或密码，请携带证件到政务服务大厅窗口办理")
            }
            e if e.is_fault() => "系统暂时无法注册，请稍后再试".into(),
            e => e.to_string(),
        };
        let status = ApiError::from(e).status();
        page(&app, status, organisation, typed, Some((field, text)))
    };
    if let Err(e) = app.register(registration, from).await {
        return refused(e, typed);
    }
    match app.login(&form.username, &form.password, from).await {
        Ok((token, _)) => {
            let max_age = app.settings().token_ttl.num_seconds().max(60);
            (
                AppendHeaders([
                    (header::SET_COOKIE, session_cookie(&app, &token, max_age)),
                    (
                        header::SET_COOKIE,
                        form_nonce_cleared(REGISTER_COOKIE, "/register"),
                    ),
                ]),
                Redirect::to("/?registered=1"),
            )
                .into_response()
        }
        // Registered, but the login failed (e.g. locked): the account exists.
        Err(_) => Redirect::to("/login").into_response(),
    }
}
