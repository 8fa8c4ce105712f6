//! The certificate officer's licence pages (under `/admin/licences`): the
//! searchable list, one licence with the revoke and replace forms, and marking
//! a regulator's supervision result handled. Every form goes through the same
//! use case as the API; a refusal is a Chinese page.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use onestamp_app::store::LicenceQuery;
use onestamp_domain::role::Role;

use super::regulation::{LicenceData, ResultLine, licence_data, result_lines};
use super::session::PageUser;
use super::supervision::{incomplete, unconfirmed};
use super::{Chrome, PageQuery, Template, error_page, render};
use onestamp_app::{App, AppError};
use std::collections::BTreeMap;

pub struct LicenceLine {
    pub id: String,
    pub type_name: String,
    pub holder: String,
    pub issued_on: String,
    pub valid_until: String,
    pub standing: &'static str,
    pub standing_class: &'static str,
}

#[derive(Template)]
#[template(path = "admin_licences.html")]
struct LicencesPage {
    chrome: Chrome,
    q: String,
    licences: Vec<LicenceLine>,
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

pub(super) fn standing_class(s: onestamp_domain::licence::Standing) -> &'static str {
    use onestamp_domain::licence::Standing;
    match s {
        Standing::Valid => "ok",
        Standing::Expired => "warn",
        Standing::Revoked | Standing::NotGenuine => "bad",
    }
}

/// `GET /admin/licences`: the certificate officer's licence list, searchable.
pub async fn licences(
    State(app): State<App>,
    user: PageUser,
    PageQuery(q): PageQuery<SearchQuery>,
) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Officer]) {
        return refused;
    }
    let search = q.q.unwrap_or_default().trim().to_string();
    if search.chars().count() > 100 {
        return error_page(
            user.chrome(&app),
            AppError::invalid("查询内容过长（最多 100 字）"),
            Some("/admin/licences".into()),
        );
    }
    let query = LicenceQuery {
        search: Some(search.clone()).filter(|s| !s.is_empty()),
        limit: 100,
        ..LicenceQuery::default()
    };
    match app.list_licences(&user.session, query).await {
        Ok(list) => render(
            LicencesPage {
                chrome: user.chrome(&app),
                q: search,
                licences: list
                    .into_iter()
                    .map(|l| LicenceLine {
                        id: l.stored.id.clone(),
                        type_name: l.stored.type_name.clone(),
                        holder: l.stored.holder_name.clone(),
                        issued_on: l.stored.issued_on.to_string(),
                        valid_until: l
                            .stored
                            .valid_until
                            .map_or("长期".into(), |d| d.to_string()),
                        standing: l.standing.label_zh(),
                        standing_class: standing_class(l.standing),
                    })
                    .collect(),
            },
            StatusCode::OK,
        ),
        Err(e) => error_page(user.chrome(&app), e, Some("/".into())),
    }
}

#[derive(Template)]
#[template(path = "admin_licence.html")]
struct LicencePage {
    chrome: Chrome,
    l: LicenceData,
    results: Vec<ResultLine>,
}

/// `GET /admin/licences/{id}`: one licence with the revoke and replace forms.
pub async fn licence(State(app): State<App>, user: PageUser, Path(id): Path<String>) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Officer]) {
        return refused;
    }
    match app.get_licence(&user.session, &id).await {
        Ok(view) => {
            let results = app
                .supervision_results(&user.session, &id)
                .await
                .unwrap_or_default();
            render(
                LicencePage {
                    chrome: user.chrome(&app),
                    l: licence_data(&app, view).await,
                    results: result_lines(&app, results),
                },
                StatusCode::OK,
            )
        }
        Err(e) => error_page(user.chrome(&app), e, Some("/admin/licences".into())),
    }
}

#[derive(Deserialize)]
pub struct HandledForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    note: String,
    /// The licence whose page to return to.
    #[serde(default)]
    licence: String,
}

/// `POST /admin/supervision-results/{id}/handled`: 已处理 through
/// `App::handle_supervision_result`.
pub async fn handle_result(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<HandledForm>,
) -> Response {
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-';
    let back = if form.licence.is_empty() || !form.licence.chars().all(plain) {
        "/admin/licences".to_string()
    } else {
        format!("/admin/licences/{}", form.licence)
    };
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Officer]) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound(format!("监管结果 {id} ")),
            Some(back),
        );
    };
    match app
        .handle_supervision_result(&user.session, id, &form.note)
        .await
    {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back)),
    }
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /admin/licences/{id}/revoke`: through `App::revoke_licence`.
pub async fn revoke(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<RevokeForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = format!("/admin/licences/{id}");
    let Ok(Form(form)) = form else {
        return incomplete(&app, &user, &back);
    };
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Officer]) {
        return refused;
    }
    if form.confirm.as_deref() != Some("yes") {
        return unconfirmed(&app, &user, "撤销证照", &back);
    }
    match app.revoke_licence(&user.session, &id, &form.reason).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back)),
    }
}

#[derive(Deserialize)]
pub struct ReplaceForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    reason: String,
    /// A data item to change (its label), or empty for a plain re-issue (补证).
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /admin/licences/{id}/replace`: through `App::replace_licence`; the new
/// licence's page follows.
pub async fn replace(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<ReplaceForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = format!("/admin/licences/{id}");
    let Ok(Form(form)) = form else {
        return incomplete(&app, &user, &back);
    };
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Officer]) {
        return refused;
    }
    if form.confirm.as_deref() != Some("yes") {
        return unconfirmed(&app, &user, "换发证照", &back);
    }
    let mut changes = BTreeMap::new();
    let field = form.field.trim();
    if !field.is_empty() {
        let value = form.value.trim();
        if value.is_empty() || value.chars().count() > 500 {
            return error_page(
                user.chrome(&app),
                AppError::invalid(format!("请填写「{field}」的新内容（不超过 500 字）")),
                Some(back),
            );
        }
        if let Some(reason) =
            onestamp_domain::text::forbidden(value, onestamp_domain::text::Lines::One)
        {
            return error_page(
                user.chrome(&app),
                AppError::invalid(format!("「{field}」{reason}")),
                Some(back),
            );
        }
        changes.insert(field.to_string(), value.to_string());
    }
    match app
        .replace_licence(&user.session, &id, &form.reason, changes)
        .await
    {
        Ok(new) => Redirect::to(&format!("/admin/licences/{}", new.stored.id)).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back)),
    }
}
