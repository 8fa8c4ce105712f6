//! Themes and bundles on the pages (一件事一次办, 联审联办): the theme's guide
//! with what it saves, its one application form (online and at the window),
//! and the bundle page — one status, each permit, one list of corrections
//! answered at once, one timeline and the combined licence.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use onestamp_app::bundles::BundleView;
use onestamp_app::themes::ThemeView;
use onestamp_app::{App, AppError};
use onestamp_domain::case::Channel;
use onestamp_domain::catalogue::{Item, Material};
use onestamp_domain::theme::Comparison;

use super::apply::{self, Chosen, FieldView};
use super::counter::{ApplyQuery, clerk_only, serving_applicant};
use super::session::{MaybeUser, PageUser};
use super::{Chrome, PageQuery, Template, error_page, render};

/// The theme's one form as an item: its shared fields and its shared
/// materials (keyed `S01`, …), so that the item's form machinery shows it.
pub(super) fn theme_item(view: &ThemeView, first: &Item) -> Item {
    let name_of = |code: &str| {
        view.items
            .iter()
            .find(|i| i.code == code)
            .map_or_else(|| code.to_string(), |i| i.name.clone())
    };
    Item {
        code: view.theme.code.clone(),
        name: view.theme.name.clone(),
        form: view.plan.fields.iter().map(|f| f.field.clone()).collect(),
        materials: view
            .plan
            .materials
            .iter()
            .map(|m| Material {
                code: m.key.clone(),
                name: m.name.clone(),
                requirement: m.requirement,
                condition: None,
                form: m.form,
                copies: 1,
                licence_types: m.licence_types.clone(),
                note: Some(format!(
                    "用于：{}",
                    m.uses
                        .iter()
                        .map(|u| name_of(&u.item))
                        .collect::<Vec<_>>()
                        .join("、")
                )),
                sample: None,
            })
            .collect(),
        rules: Vec::new(),
        instant: false,
        kiosk: false,
        certificate: None,
        ..first.clone()
    }
}

async fn theme_and_item(app: &App, code: &str) -> Result<(ThemeView, Item), AppError> {
    let view = app.theme_view(code).await?;
    let first = view
        .items
        .first()
        .map(|i| i.code.clone())
        .ok_or_else(|| AppError::NotFound(format!("主题 {code} 的事项")))?;
    let first = app.get_item(&first).await?.item;
    let item = theme_item(&view, &first);
    Ok((view, item))
}

/// One line of the comparison a theme's guide shows.
pub struct Saving {
    pub what: &'static str,
    pub separately: u32,
    pub theme: u32,
    pub unit: &'static str,
    /// The share saved, in whole percent.
    pub percent: i64,
}

pub(super) fn savings(c: &Comparison) -> Vec<Saving> {
    let line = |what, separately, theme, unit| Saving {
        what,
        separately,
        theme,
        unit,
        percent: (Comparison::saving(separately, theme) * 100.0).round() as i64,
    };
    vec![
        line("申请材料", c.materials_separately, c.materials_theme, "份"),
        line("申请表", c.forms_separately, c.forms_theme, "张"),
        line("填写项目", c.fields_separately, c.fields_theme, "项"),
        line("跑动次数", c.visits_separately, c.visits_theme, "次"),
        line("承诺时限", c.hours_separately, c.hours_theme, "工作小时"),
    ]
}

#[derive(Template)]
#[template(path = "theme.html")]
struct ThemePage {
    chrome: Chrome,
    view: ThemeView,
    savings: Vec<Saving>,
    /// The name of each item by code.
    names: BTreeMap<String, String>,
    clerk: bool,
}

/// `GET /themes/{code}`: the theme's guide (public).
pub async fn guide(State(app): State<App>, user: MaybeUser, Path(code): Path<String>) -> Response {
    let chrome = user.chrome(&app);
    let view = match app.theme_view(&code).await {
        Ok(v) => v,
        Err(e) => return error_page(chrome, e, Some("/#themes".into())),
    };
    let clerk = user
        .0
        .as_ref()
        .is_some_and(|u| u.session.has(onestamp_domain::role::Role::Clerk));
    let names = view
        .items
        .iter()
        .map(|i| (i.code.clone(), i.name.clone()))
        .collect();
    render(
        ThemePage {
            chrome,
            savings: savings(&view.comparison),
            view,
            names,
            clerk,
        },
        StatusCode::OK,
    )
}

/// `GET /themes/{code}/apply`: the theme's one form.
pub async fn form(State(app): State<App>, user: PageUser, Path(code): Path<String>) -> Response {
    let back = Some(format!("/themes/{code}"));
    let (_, item) = match theme_and_item(&app, &code).await {
        Ok(x) => x,
        Err(e) => return error_page(user.chrome(&app), e, back),
    };
    let values = prefilled(&user, &item);
    match apply::page(
        &app,
        &user,
        &item,
        &values,
        &Chosen::default(),
        true,
        None,
        true,
    )
    .await
    {
        Ok(p) => render(p, StatusCode::OK),
        Err(e) => error_page(user.chrome(&app), e, back),
    }
}

/// An organisation's credit code is its identity: the form starts with it.
fn prefilled(user: &PageUser, item: &Item) -> serde_json::Map<String, serde_json::Value> {
    let mut values = serde_json::Map::new();
    let u = &user.session.user;
    if u.identity_kind == Some(onestamp_domain::case::ApplicantKind::Organisation)
        && item.form.iter().any(|f| f.key == "credit_code")
    {
        values.insert("credit_code".into(), u.identity.clone().into());
    }
    if item.form.iter().any(|f| f.key == "entity_name")
        && u.identity_kind == Some(onestamp_domain::case::ApplicantKind::Organisation)
    {
        values.insert("entity_name".into(), u.display_name.clone().into());
    }
    values
}

/// `POST /themes/{code}/apply` (multipart): the uploads into the applicant's
/// library, then the bundle; on success the bundle's page.
pub async fn submit(
    State(app): State<App>,
    user: PageUser,
    Path(code): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let channel = apply::channel(req.headers());
    file(&app, &user, &code, channel, None, req).await
}

/// `GET /counter/themes/{code}/apply?applicant=`: the theme's form at the window.
pub async fn counter_form(
    State(app): State<App>,
    user: PageUser,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ApplyQuery>,
) -> Response {
    if let Some(refused) = clerk_only(&app, &user) {
        return refused;
    }
    let back = Some(format!("/counter?applicant={}", q.applicant));
    let found = async {
        let who = serving_applicant(&app, &user, q.applicant).await?;
        let (_, item) = theme_and_item(&app, &code).await?;
        Ok::<_, AppError>((who, item))
    };
    let (who, item) = match found.await {
        Ok(x) => x,
        Err(e) => return error_page(user.chrome(&app), e, back),
    };
    let values = serde_json::Map::new();
    match apply::page(
        &app,
        &user,
        &item,
        &values,
        &Chosen::default(),
        true,
        Some(who),
        true,
    )
    .await
    {
        Ok(p) => render(p, StatusCode::OK),
        Err(e) => error_page(user.chrome(&app), e, back),
    }
}

/// `POST /counter/themes/{code}/apply?applicant=` (multipart).
pub async fn counter_submit(
    State(app): State<App>,
    user: PageUser,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ApplyQuery>,
    req: axum::extract::Request,
) -> Response {
    if let Some(refused) = clerk_only(&app, &user) {
        return refused;
    }
    file(&app, &user, &code, Channel::Counter, Some(q.applicant), req).await
}

async fn file(
    app: &App,
    user: &PageUser,
    code: &str,
    channel: Channel,
    applicant: Option<i64>,
    req: axum::extract::Request,
) -> Response {
    let form = match super::uploads::read_any(app, user, req).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let posted = apply::read_posted(form.pairs);
    if let Some(refused) = user.csrf_refusal(app, posted.csrf.as_deref()) {
        return refused;
    }
    let back = Some(format!("/themes/{code}"));
    let found = async {
        let who = match applicant {
            Some(id) => Some(serving_applicant(app, user, id).await?),
            None => None,
        };
        let (_, item) = theme_and_item(app, code).await?;
        Ok::<_, AppError>((who, item))
    };
    let (who, item) = match found.await {
        Ok(x) => x,
        Err(e) => return error_page(user.chrome(app), e, back),
    };
    apply::file_application(
        app,
        user,
        &item,
        channel,
        posted,
        form.uploads,
        who,
        back,
        true,
    )
    .await
}

/// One field or material the corrections ask for, on the bundle page.
pub struct AskedMaterial {
    pub key: String,
    pub name: String,
    /// What each permit said of it.
    pub reasons: Vec<String>,
}

/// A step of the bundle's timeline, with its time as the bureau reads it.
pub struct Step {
    pub at: String,
    pub item_name: String,
    pub case_number: String,
    pub label: String,
    pub opinion: Option<String>,
}

#[derive(Template)]
#[template(path = "bundle.html")]
struct BundlePage {
    chrome: Chrome,
    b: BundleView,
    submitted: String,
    deadline: String,
    light_label: &'static str,
    /// Each child's committed deadline, as the page shows it.
    child_deadlines: Vec<String>,
    steps: Vec<Step>,
    /// The fields the corrections name, as inputs with their current values.
    fields: Vec<FieldView>,
    /// Why each field is asked, by key.
    field_reasons: BTreeMap<String, Vec<String>>,
    materials: Vec<AskedMaterial>,
    max_upload: usize,
    own: bool,
    error: Option<String>,
}

async fn bundle_page(
    app: &App,
    user: &PageUser,
    b: BundleView,
    error: Option<String>,
) -> Result<BundlePage, AppError> {
    let mut fields = Vec::new();
    let mut field_reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut materials: Vec<AskedMaterial> = Vec::new();
    if !b.corrections.is_empty() {
        let (view, item) = theme_and_item(app, &b.theme_code).await?;
        for c in &b.corrections {
            let case = app.get_case(&user.session, c.case_id).await?;
            for f in &c.request.list.fields {
                field_reasons
                    .entry(f.key.clone())
                    .or_default()
                    .push(format!("{}：{}", c.item_name, f.reason));
                if !fields.iter().any(|v: &FieldView| v.key == f.key)
                    && let Some(def) = item.form.iter().find(|d| d.key == f.key)
                {
                    let mut v = FieldView::of(def);
                    if let Some(value) = case.case.form.get(&f.key) {
                        v.set(value);
                    }
                    fields.push(v);
                }
            }
            for m in &c.request.list.materials {
                let Some(shared) = view.plan.materials.iter().find(|s| {
                    s.uses
                        .iter()
                        .any(|u| u.item == c.item_code && u.material == m.code)
                }) else {
                    continue;
                };
                let reason = format!("{}：{}", c.item_name, m.defect.label_zh());
                match materials.iter_mut().find(|a| a.key == shared.key) {
                    Some(a) => a.reasons.push(reason),
                    None => materials.push(AskedMaterial {
                        key: shared.key.clone(),
                        name: shared.name.clone(),
                        reasons: vec![reason],
                    }),
                }
            }
        }
    }
    let own = user.session.has(onestamp_domain::role::Role::Applicant);
    let steps = b
        .timeline
        .iter()
        .rev()
        .map(|t| Step {
            at: app.local_time(t.at),
            item_name: t.item_name.clone(),
            case_number: t.case_number.clone().unwrap_or_default(),
            label: t.label.clone(),
            opinion: t.opinion.clone(),
        })
        .collect();
    Ok(BundlePage {
        chrome: user.chrome(app),
        submitted: app.local_time(b.submitted_at),
        light_label: super::workbench::light_label(b.light).1,
        deadline: app.local_time(b.deadline),
        child_deadlines: b
            .children
            .iter()
            .map(|c| c.deadline.map(|d| app.local_time(d)).unwrap_or_default())
            .collect(),
        steps,
        b,
        fields,
        field_reasons,
        materials,
        max_upload: app.settings().max_upload_bytes,
        own,
        error,
    })
}

/// `GET /bundles/{id}`: one application for a theme, as one.
pub async fn bundle(State(app): State<App>, user: PageUser, Path(id): Path<i64>) -> Response {
    let back = Some("/cases".to_string());
    let b = match app.get_bundle(&user.session, id).await {
        Ok(b) => b,
        Err(e) => return error_page(user.chrome(&app), e, back),
    };
    match bundle_page(&app, &user, b, None).await {
        Ok(p) => render(p, StatusCode::OK),
        Err(e) => error_page(user.chrome(&app), e, back),
    }
}

/// `POST /bundles/{id}/resubmit` (multipart): one answer to every correction.
pub async fn resubmit(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<i64>,
    req: axum::extract::Request,
) -> Response {
    let back = Some(format!("/bundles/{id}"));
    let form = match super::uploads::read_any(&app, &user, req).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let posted = apply::read_posted(form.pairs);
    if let Some(refused) = user.csrf_refusal(&app, posted.csrf.as_deref()) {
        return refused;
    }
    let b = match app.get_bundle(&user.session, id).await {
        Ok(b) => b,
        Err(e) => return error_page(user.chrome(&app), e, back),
    };
    let done = async {
        let (_, item) = theme_and_item(&app, &b.theme_code).await?;
        let mut values = apply::form_values(&item, &posted.fields);
        // Only what was posted: an unticked checkbox is not an answer here.
        values.retain(|k, _| posted.fields.contains_key(k));
        let uploaded = super::uploads::store(&app, &user, &item, form.uploads, None).await?;
        let materials = super::uploads::choices(&posted.materials, &posted.kept, &uploaded);
        app.resubmit_bundle(&user.session, id, values, materials)
            .await
    };
    match done.await {
        Ok(_) => Redirect::to(&format!("/bundles/{id}")).into_response(),
        Err(e) => {
            let message = e.to_string();
            let status = crate::error::ApiError::from(e).status();
            match bundle_page(&app, &user, b, Some(message)).await {
                Ok(p) => render(p, status),
                Err(e) => error_page(user.chrome(&app), e, back),
            }
        }
    }
}
