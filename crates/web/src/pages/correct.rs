//! The applicant's correction page (`/cases/{id}/correct`): the 补正告知 of
//! the case, and a form with exactly what it names — the fields to change and
//! the materials to upload or cite anew — that resubmits the case through the
//! same use case as `POST /api/v1/cases/{id}/actions` with `resubmit`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use onestamp_app::cases::{ActionInput, CaseView};
use onestamp_app::{App, AppError};
use onestamp_domain::case::{Action, Command};
use onestamp_domain::catalogue::Item;

use super::apply::{self, Chosen, FieldView, MaterialView};
use super::cases::Notice;
use super::session::PageUser;
use super::{Chrome, Template, error_page, render};

#[derive(Template)]
#[template(path = "correct.html")]
struct CorrectPage {
    chrome: Chrome,
    id: i64,
    number: String,
    item_name: String,
    version: i64,
    notice: Notice,
    fields: Vec<FieldView>,
    materials: Vec<MaterialView>,
    limits: String,
    max_upload: usize,
    /// The shared material control asks whether a clerk files; never here.
    counter: Option<apply::CounterFor>,
    problems: Vec<String>,
    error: Option<String>,
}

/// The case, its item and its open request, or the page that says why there
/// is nothing to correct.
async fn open_request(
    app: &App,
    user: &PageUser,
    raw: &str,
) -> Result<(CaseView, Item, Notice), Response> {
    let back = Some(format!("/cases/{raw}"));
    let Ok(id) = raw.parse::<i64>() else {
        return Err(error_page(
            user.chrome(app),
            AppError::NotFound(format!("办件 {raw} ")),
            Some("/cases".into()),
        ));
    };
    let view = match app.get_case(&user.session, id).await {
        Ok(v) => v,
        Err(e) => return Err(error_page(user.chrome(app), e, Some("/cases".into()))),
    };
    let item = match app.get_item(&view.case.item_code).await {
        Ok(s) => s.item,
        Err(e) => return Err(error_page(user.chrome(app), e, back)),
    };
    let may = view.actions.contains(&Action::Resubmit);
    match super::cases::notice(app, &view.case, Some(&item), may) {
        Some(n) if n.answer => Ok((view, item, n)),
        _ => Err(Redirect::to(&format!("/cases/{id}")).into_response()),
    }
}

/// Builds the page with `values` in the named fields and `chosen` for the
/// named materials.
async fn page(
    app: &App,
    user: &PageUser,
    view: &CaseView,
    item: &Item,
    notice: Notice,
    values: &serde_json::Map<String, Value>,
    chosen: &Chosen,
) -> Result<CorrectPage, AppError> {
    let full = apply::page(app, user, item, values, chosen, false, None, false).await?;
    let (fields, materials) = named(view, full.fields, full.materials);
    Ok(CorrectPage {
        chrome: user.chrome(app),
        id: view.case.id,
        number: view.case.number.clone(),
        item_name: view.item_name.clone(),
        version: view.case.version,
        notice,
        fields,
        materials,
        limits: full.limits,
        max_upload: full.max_upload,
        counter: None,
        problems: Vec::new(),
        error: None,
    })
}

/// Only the fields and materials the open request names, in its order.
fn named(
    view: &CaseView,
    fields: Vec<FieldView>,
    materials: Vec<MaterialView>,
) -> (Vec<FieldView>, Vec<MaterialView>) {
    let Some(request) = &view.case.correction else {
        return (Vec::new(), Vec::new());
    };
    let fields = fields
        .into_iter()
        .filter(|f| request.list.fields.iter().any(|d| d.key == f.key))
        .collect();
    let materials = materials
        .into_iter()
        .filter(|m| request.list.materials.iter().any(|d| d.code == m.line.code))
        .collect();
    (fields, materials)
}

/// `GET /cases/{id}/correct`
pub async fn form(State(app): State<App>, user: PageUser, Path(raw): Path<String>) -> Response {
    let (view, item, notice) = match open_request(&app, &user, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let values = view.case.form.clone();
    match page(
        &app,
        &user,
        &view,
        &item,
        notice,
        &values,
        &Chosen::default(),
    )
    .await
    {
        Ok(p) => render(p, StatusCode::OK),
        Err(e) => error_page(user.chrome(&app), e, Some(format!("/cases/{raw}"))),
    }
}

/// `POST /cases/{id}/correct` (multipart): stores the uploads in the
/// applicant's library and resubmits with the named fields and materials; on
/// success the case page, else this page again with every entry and file kept.
pub async fn submit(
    State(app): State<App>,
    user: PageUser,
    Path(raw): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let posted = match super::uploads::read_any(&app, &user, req).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let uploads = posted.uploads;
    let version = posted
        .pairs
        .iter()
        .find(|(k, _)| k == "version")
        .and_then(|(_, v)| v.parse::<i64>().ok());
    let posted = apply::read_posted(posted.pairs);
    if let Some(refused) = user.csrf_refusal(&app, posted.csrf.as_deref()) {
        return refused;
    }
    let (view, item, notice) = match open_request(&app, &user, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(request) = view.case.correction.clone() else {
        return Redirect::to(&format!("/cases/{}", view.case.id)).into_response();
    };
    // The values of the named fields only: the rest of the form stays as filed.
    let mut values = apply::form_values(&item, &posted.fields);
    values.retain(|k, _| request.list.fields.iter().any(|f| &f.key == k));
    for f in &request.list.fields {
        values.entry(f.key.clone()).or_insert(Value::Null);
    }
    let mut shown = view.case.form.clone();
    for (k, v) in &values {
        shown.insert(k.clone(), v.clone());
    }
    let uploaded = match super::uploads::store(&app, &user, &item, uploads, None).await {
        Ok(u) => u,
        Err(e) => {
            let chosen = Chosen {
                selected: posted.materials.clone(),
                kept: posted.kept.clone(),
            };
            return refused(&app, &user, &view, &item, notice, &shown, &chosen, e).await;
        }
    };
    let mut materials = super::uploads::choices(&posted.materials, &posted.kept, &uploaded);
    materials.retain(|code, _| request.list.materials.iter().any(|m| &m.code == code));
    let command = Command {
        action: Action::Resubmit,
        opinion: None,
        version: version.unwrap_or(view.case.version),
    };
    let input = ActionInput {
        form: Some(values),
        materials: Some(materials),
        ..Default::default()
    };
    match app
        .act_on_case_with(&user.session, view.case.id, command, input)
        .await
    {
        Ok(_) => Redirect::to(&format!("/cases/{}", view.case.id)).into_response(),
        Err(e) => {
            let chosen = Chosen::after(&posted, &uploaded);
            refused(&app, &user, &view, &item, notice, &shown, &chosen, e).await
        }
    }
}

/// The page again with what was entered and why the resubmission was refused.
#[allow(clippy::too_many_arguments, reason = "the parts of one refused form")]
async fn refused(
    app: &App,
    user: &PageUser,
    view: &CaseView,
    item: &Item,
    notice: Notice,
    values: &serde_json::Map<String, Value>,
    chosen: &Chosen,
    err: AppError,
) -> Response {
    let message = err.to_string();
    let problems = apply::problems_of(&err);
    let status = crate::error::ApiError::from(err).status();
    let mut shown = match page(app, user, view, item, notice, values, chosen).await {
        Ok(p) => p,
        Err(e) => {
            return error_page(
                user.chrome(app),
                e,
                Some(format!("/cases/{}", view.case.id)),
            );
        }
    };
    apply::place(
        &mut shown.fields,
        &mut shown.materials,
        &mut shown.problems,
        problems,
    );
    shown.error = Some(message);
    render(shown, status)
}
