//! Counter intake (一窗受理) for clerks: find the walk-in applicant by citizen
//! ID or credit code, or register them; choose the item; fill its form with
//! the applicant, scanning or uploading the materials or citing their stored
//! files and licences; submit. The case then opens with the clerk holding its
//! intake task, where the machine review shows and the clerk accepts at once or
//! asks for corrections. Every step is the use case the API offers.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use onestamp_app::users::{ApplicantSummary, NewApplicant};
use onestamp_app::{App, AppError};
use onestamp_domain::case::{ApplicantKind, Channel};
use onestamp_domain::role::Role;

use super::apply::{self, CounterFor};
use super::session::PageUser;
use super::{Chrome, PageQuery, Template, error_page, render};

#[derive(Template)]
#[template(path = "counter.html")]
struct CounterPage {
    chrome: Chrome,
    applicant: Option<ApplicantSummary>,
    kind_label: &'static str,
    items: Vec<(String, String, bool)>,
    /// Themes (一件事一次办) the applicant can be filed for at once: code, name.
    themes: Vec<(String, String)>,
    /// What the find form said, and what went wrong.
    identity: String,
    find_error: Option<String>,
    not_found: bool,
    register: RegisterForm,
    register_error: Option<String>,
    /// The hall ticket being served (id, label), which the case will end.
    ticket: Option<(i64, String)>,
    /// `&ticket=<id>` for the links, or nothing.
    ticket_q: String,
}

#[derive(Debug, Default, Deserialize, Clone)]
pub struct RegisterForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub identity: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub ticket: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CounterQuery {
    #[serde(default)]
    applicant: Option<i64>,
    /// The hall ticket being served.
    #[serde(default)]
    ticket: Option<i64>,
}

pub(super) fn clerk_only(app: &App, user: &PageUser) -> Option<Response> {
    user.refuse_unless(app, &[Role::Clerk])
}

/// `&ticket=<id>` when a hall ticket is being served.
fn ticket_q(ticket: Option<i64>) -> String {
    ticket.map_or_else(String::new, |t| format!("&ticket={t}"))
}

async fn counter_page(
    app: &App,
    user: &PageUser,
    applicant: Option<ApplicantSummary>,
    ticket: Option<i64>,
) -> CounterPage {
    let shown = match ticket {
        Some(id) => app
            .ticket(&user.session, id)
            .await
            .ok()
            .map(|v| (id, v.ticket.label)),
        None => None,
    };
    let mut items: Vec<(String, String, bool)> = app
        .list_items()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|s| (s.item.code, s.item.name, s.item.instant))
        .collect();
    items.sort();
    let themes = app
        .list_themes()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.code, t.name))
        .collect();
    CounterPage {
        themes,
        chrome: user.chrome(app),
        kind_label: match applicant.as_ref().map(|a| a.kind) {
            Some(ApplicantKind::Organisation) => "法人或其他组织",
            _ => "自然人",
        },
        applicant,
        items,
        identity: String::new(),
        find_error: None,
        not_found: false,
        register: RegisterForm::default(),
        register_error: None,
        ticket_q: ticket_q(shown.as_ref().map(|t| t.0)),
        ticket: shown,
    }
}

/// `GET /counter`: find or register the applicant; with `?applicant=`, the items.
pub async fn counter(
    State(app): State<App>,
    user: PageUser,
    PageQuery(q): PageQuery<CounterQuery>,
) -> Response {
    if let Some(refused) = clerk_only(&app, &user) {
        return refused;
    }
    let applicant = match q.applicant {
        Some(id) => match app.window_applicant(&user.session, id).await {
            Ok(a) => Some(a),
            Err(e) => return error_page(user.chrome(&app), e, Some("/counter".into())),
        },
        None => None,
    };
    render(
        counter_page(&app, &user, applicant, q.ticket).await,
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct FindForm {
    csrf: Option<String>,
    #[serde(default)]
    identity: String,
    #[serde(default)]
    ticket: Option<i64>,
}

/// `POST /counter/find`: the applicant holding the number, or the register form prefilled.
pub async fn find(
    State(app): State<App>,
    user: PageUser,
    form: Result<Form<FindForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Some(refused) = clerk_only(&app, &user) {
        return refused;
    }
    let Ok(Form(f)) = form else {
        return super::incomplete(&app, &user);
    };
    if let Some(refused) = user.csrf_refusal(&app, f.csrf.as_deref()) {
        return refused;
    }
    let mut page = counter_page(&app, &user, None, f.ticket).await;
    page.identity = f.identity.trim().to_uppercase();
    match app.find_applicant(&user.session, &f.identity).await {
        Ok(Some(a)) => Redirect::to(&format!(
            "/counter?applicant={}{}",
            a.id,
            ticket_q(f.ticket)
        ))
        .into_response(),
        Ok(None) => {
            page.not_found = true;
            page.register.identity = page.identity.clone();
            page.register.kind = if page
                .identity
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
                && page.identity.len() == 18
                && !page.identity.starts_with('9')
            {
                "person".into()
            } else {
                "organisation".into()
            };
            render(page, StatusCode::OK)
        }
        Err(e) => {
            let e = crate::error::ApiError::from(e);
            page.find_error = Some(e.message);
            render(page, e.code.status())
        }
    }
}

/// `POST /counter/register`: registers the walk-in applicant and serves them.
pub async fn register(
    State(app): State<App>,
    user: PageUser,
    form: Result<Form<RegisterForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    if let Some(refused) = clerk_only(&app, &user) {
        return refused;
    }
    let Ok(Form(f)) = form else {
        return super::incomplete(&app, &user);
    };
    if let Some(refused) = user.csrf_refusal(&app, f.csrf.as_deref()) {
        return refused;
    }
    let mut page = counter_page(&app, &user, None, f.ticket).await;
    let kind = match f.kind.as_str() {
        "person" => ApplicantKind::Person,
        "organisation" => ApplicantKind::Organisation,
        _ => {
            page.register = f;
            page.register_error = Some("请选择申请人类型：自然人或法人".into());
            return render(page, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let new = NewApplicant {
        name: f.name.clone(),
        kind,
        identity: f.identity.clone(),
        mobile: f.mobile.clone(),
    };
    match app.register_applicant(&user.session, new).await {
        Ok(a) => Redirect::to(&format!(
            "/counter?applicant={}{}",
            a.id,
            ticket_q(f.ticket)
        ))
        .into_response(),
        Err(e) => {
            let e = crate::error::ApiError::from(e);
            let mut text = e.message;
            for p in &e.problems {
                text.push_str(&format!("；{}", p.message));
            }
            page.register = f;
            page.register_error = Some(text);
            render(page, e.code.status())
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ApplyQuery {
    pub applicant: i64,
    /// The hall ticket being served: the case ends it.
    #[serde(default)]
    ticket: Option<i64>,
}

/// `GET /counter/apply/{code}?applicant=`: the item's form for the applicant, with uploads.
pub async fn apply_form(
    State(app): State<App>,
    user: PageUser,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ApplyQuery>,
) -> Response {
    if let Some(refused) = clerk_only(&app, &user) {
        return refused;
    }
    let back = Some(format!("/counter?applicant={}", q.applicant));
    let (item, who) = match serving(&app, &user, &code, q.applicant, q.ticket).await {
        Ok(x) => x,
        Err(e) => return error_page(user.chrome(&app), e, back),
    };
    let prefill = match app.prefill_for(&user.session, &code, who.id).await {
        Ok(p) => p.form,
        Err(e) => return error_page(user.chrome(&app), e, back),
    };
    match apply::page(
        &app,
        &user,
        &item,
        &prefill,
        &apply::Chosen::default(),
        true,
        Some(who),
        false,
    )
    .await
    {
        Ok(p) => render(p, StatusCode::OK),
        Err(e) => error_page(user.chrome(&app), e, back),
    }
}

pub(super) async fn serving_applicant(
    app: &App,
    user: &PageUser,
    applicant: i64,
) -> Result<CounterFor, AppError> {
    let who = app.window_applicant(&user.session, applicant).await?;
    Ok(CounterFor {
        id: who.id,
        name: who.display_name,
        identity: who.identity,
        ticket: None,
    })
}

async fn serving(
    app: &App,
    user: &PageUser,
    code: &str,
    applicant: i64,
    ticket: Option<i64>,
) -> Result<(onestamp_domain::catalogue::Item, CounterFor), AppError> {
    let who = app.window_applicant(&user.session, applicant).await?;
    let item = app.get_item(code).await?.item;
    Ok((
        item,
        CounterFor {
            id: who.id,
            name: who.display_name,
            identity: who.identity,
            ticket,
        },
    ))
}

/// `POST /counter/apply/{code}?applicant=` (multipart): stores each uploaded
/// file in the applicant's library, then files the case on the counter
/// channel; on success the case page, where the clerk takes the intake.
pub async fn apply_submit(
    State(app): State<App>,
    user: PageUser,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ApplyQuery>,
    req: axum::extract::Request,
) -> Response {
    if let Some(refused) = clerk_only(&app, &user) {
        return refused;
    }
    let back = Some(format!("/counter?applicant={}", q.applicant));
    let form = match super::uploads::read_any(&app, &user, req).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let posted = apply::read_posted(form.pairs);
    if let Some(refused) = user.csrf_refusal(&app, posted.csrf.as_deref()) {
        return refused;
    }
    let (item, who) = match serving(&app, &user, &code, q.applicant, q.ticket).await {
        Ok(x) => x,
        Err(e) => return error_page(user.chrome(&app), e, back),
    };
    apply::file_application(
        &app,
        &user,
        &item,
        Channel::Counter,
        posted,
        form.uploads,
        Some(who),
        back,
        false,
    )
    .await
}
