//! The regulator's pages (监管信息, 审管分离): the licences of the departments
//! the regulator supervises with their data, searchable by number or holder, and
//! each licence's detail. The app decides which licences a regulator sees and
//! how much of a holder's identity (`App::list_licences`, `App::get_licence`).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use onestamp_app::feed::{FeedEntry, ResultView};
use onestamp_domain::timing::Light;

use onestamp_app::licences::LicenceView;
use onestamp_app::store::LicenceQuery;
use onestamp_app::{App, AppError};
use onestamp_domain::licence::LicenceStatus;
use onestamp_domain::role::Role;

use super::admin_licences::standing_class;
use super::session::PageUser;
use super::{Chrome, PageQuery, Template, error_page, render};

/// Licences per page of the regulator's list.
const PAGE: u32 = 50;

/// A licence as the detail pages show it.
pub struct LicenceData {
    pub id: String,
    pub type_name: String,
    pub holder: String,
    pub identity: Option<String>,
    pub scope: String,
    pub issuer: String,
    pub issued_on: String,
    pub valid_until: String,
    pub fields: Vec<(String, String)>,
    pub standing: &'static str,
    pub standing_class: &'static str,
    pub valid: bool,
    pub reason: Option<String>,
    pub replaced_by: Option<String>,
    pub item: String,
    pub department: String,
    pub masked: bool,
}

fn text(v: Option<&serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => super::plain_number(n),
        _ => String::new(),
    }
}

pub(super) async fn licence_data(app: &App, view: LicenceView) -> LicenceData {
    let doc = &view.document;
    let fields = doc
        .get("fields")
        .and_then(|f| f.as_array())
        .map(|list| {
            list.iter()
                .filter_map(|pair| {
                    let pair = pair.as_array()?;
                    Some((text(pair.first()), text(pair.get(1))))
                })
                .collect()
        })
        .unwrap_or_default();
    let s = &view.stored;
    let item = app.get_item(&s.item_code).await.ok().map(|i| i.item);
    let department = match &s.supervising_department {
        Some(code) => app
            .export_catalogue()
            .await
            .ok()
            .and_then(|c| c.departments.into_iter().find(|d| &d.code == code))
            .map_or(code.clone(), |d| d.name),
        None => "—".into(),
    };
    let (reason, replaced_by) = match &s.status {
        LicenceStatus::Valid => (None, None),
        LicenceStatus::Revoked { reason } => (Some(reason.clone()), None),
        LicenceStatus::Replaced { by, reason } => (Some(reason.clone()), Some(by.clone())),
    };
    LicenceData {
        id: s.id.clone(),
        type_name: s.type_name.clone(),
        holder: s.holder_name.clone(),
        identity: doc
            .pointer("/holder_identity/value")
            .and_then(|v| v.as_str())
            .map(str::to_string),
        scope: text(doc.get("scope")),
        issuer: text(doc.get("issuer")),
        issued_on: s.issued_on.to_string(),
        valid_until: s.valid_until.map_or("长期".into(), |d| d.to_string()),
        fields,
        standing: match &s.status {
            LicenceStatus::Replaced { .. } => "已换发",
            LicenceStatus::Revoked { .. } => "已撤销",
            LicenceStatus::Valid => view.standing.label_zh(),
        },
        standing_class: standing_class(view.standing),
        valid: matches!(s.status, LicenceStatus::Valid),
        reason,
        replaced_by,
        item: item.map_or_else(|| s.item_code.clone(), |i| i.name),
        department,
        masked: view.masked,
    }
}

pub struct RegLine {
    pub id: String,
    pub type_name: String,
    pub holder: String,
    pub scope: String,
    pub issued_on: String,
    pub valid_until: String,
    pub standing: &'static str,
    pub standing_class: &'static str,
}

#[derive(Template)]
#[template(path = "regulation.html")]
struct ListPage {
    chrome: Chrome,
    q: String,
    licences: Vec<RegLine>,
    more: Option<i64>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    before: Option<i64>,
}

/// `GET /regulation`: the licences of the regulator's departments, searchable.
pub async fn list(
    State(app): State<App>,
    user: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Regulator]) {
        return refused;
    }
    let search = q.q.unwrap_or_default().trim().to_string();
    if search.chars().count() > 100 {
        return error_page(
            user.chrome(&app),
            AppError::invalid("查询内容过长（最多 100 字）"),
            Some("/regulation".into()),
        );
    }
    let query = LicenceQuery {
        search: Some(search.clone()).filter(|s| !s.is_empty()),
        before_seq: q.before,
        limit: PAGE,
        ..LicenceQuery::default()
    };
    let list = match app.list_licences(&user.session, query).await {
        Ok(l) => l,
        Err(e) => return error_page(user.chrome(&app), e, Some("/".into())),
    };
    let more = (list.len() as u32 >= PAGE)
        .then(|| list.last().map(|l| l.stored.seq))
        .flatten();
    render(
        ListPage {
            chrome: user.chrome(&app),
            q: search,
            more,
            licences: list
                .into_iter()
                .map(|l| RegLine {
                    id: l.stored.id.clone(),
                    type_name: l.stored.type_name.clone(),
                    holder: l.stored.holder_name.clone(),
                    scope: text(l.document.get("scope")),
                    issued_on: l.stored.issued_on.to_string(),
                    valid_until: l
                        .stored
                        .valid_until
                        .map_or("长期".into(), |d| d.to_string()),
                    standing: match &l.stored.status {
                        LicenceStatus::Replaced { .. } => "已换发",
                        LicenceStatus::Revoked { .. } => "已撤销",
                        LicenceStatus::Valid => l.standing.label_zh(),
                    },
                    standing_class: standing_class(l.standing),
                })
                .collect(),
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "regulation_licence.html")]
struct DetailPage {
    chrome: Chrome,
    l: LicenceData,
    results: Vec<ResultLine>,
    kinds: Vec<(&'static str, &'static str)>,
}

/// A supervision result as the licence pages list it.
pub struct ResultLine {
    pub id: i64,
    pub kind: &'static str,
    pub note: String,
    pub recorded_at: String,
    pub handled: bool,
    pub handled_note: String,
    pub handled_at: String,
}

pub(super) fn result_lines(app: &App, list: Vec<ResultView>) -> Vec<ResultLine> {
    let time = |t: chrono::DateTime<chrono::Utc>| app.local_time(t);
    list.into_iter()
        .map(|r| ResultLine {
            id: r.result.id,
            kind: r.kind_label,
            note: r.result.note,
            recorded_at: time(r.result.recorded_at),
            handled: r.handled,
            handled_note: r.result.handled_note.unwrap_or_default(),
            handled_at: r.result.handled_at.map(time).unwrap_or_default(),
        })
        .collect()
}

/// `GET /regulation/licences/{id}`: one licence of the regulator's domain.
pub async fn detail(State(app): State<App>, user: PageUser, Path(id): Path<String>) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Regulator]) {
        return refused;
    }
    match app.get_licence(&user.session, &id).await {
        Ok(view) => {
            let results = app
                .supervision_results(&user.session, &id)
                .await
                .unwrap_or_default();
            render(
                DetailPage {
                    chrome: user.chrome(&app),
                    l: licence_data(&app, view).await,
                    results: result_lines(&app, results),
                    kinds: onestamp_app::feed::result_kinds(),
                },
                StatusCode::OK,
            )
        }
        Err(e) => error_page(user.chrome(&app), e, Some("/regulation".into())),
    }
}

#[derive(Deserialize)]
pub struct ResultForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    note: String,
}

/// `POST /regulation/licences/{id}/results`: a supervision result sent back
/// through `App::send_supervision_result`.
pub async fn send_result(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<ResultForm>,
) -> Response {
    let back = format!("/regulation/licences/{id}");
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Regulator]) {
        return refused;
    }
    match app
        .send_supervision_result(&user.session, &id, &form.kind, &form.note)
        .await
    {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back)),
    }
}

/// A record as the feed page shows it.
pub struct FeedLine {
    pub id: i64,
    pub kind: &'static str,
    pub item: String,
    pub case_number: String,
    pub applicant: String,
    pub opinion: String,
    pub decided_on: String,
    pub licence_id: Option<String>,
    pub claim_due: String,
    pub claimed: bool,
    pub claimed_at: String,
    /// The light's class and words.
    pub light: (&'static str, &'static str),
}

fn feed_line(app: &App, e: FeedEntry) -> FeedLine {
    let time = |t: chrono::DateTime<chrono::Utc>| app.local_time(t);
    let s = &e.record.summary;
    let field = |k: &str| s.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    FeedLine {
        id: e.record.id,
        kind: e.kind_label,
        item: field("item_name"),
        case_number: e.record.case_number.clone(),
        applicant: field("applicant_name"),
        opinion: field("opinion"),
        decided_on: field("decided_on"),
        licence_id: e.record.licence_id.clone(),
        claim_due: time(e.record.claim_due),
        claimed: e.claimed,
        claimed_at: e.record.claimed_at.map(time).unwrap_or_default(),
        light: match e.light {
            None => ("ok", "已认领"),
            Some(Light::Green) => ("green", "正常"),
            Some(Light::Yellow) => ("yellow", "即将超时"),
            Some(Light::Red) => ("red", "已超时"),
        },
    }
}

#[derive(Template)]
#[template(path = "regulation_feed.html")]
struct FeedPage {
    chrome: Chrome,
    records: Vec<FeedLine>,
    more: Option<i64>,
}

#[derive(Deserialize)]
pub struct FeedQuery {
    before: Option<i64>,
}

/// `GET /regulation/feed`: 审批信息推送, newest first, with the claim
/// deadline, its light and a 认领 button.
pub async fn feed(
    State(app): State<App>,
    user: PageUser,
    PageQuery(q): PageQuery<FeedQuery>,
) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Regulator]) {
        return refused;
    }
    let list = match app
        .supervision_feed_newest(&user.session, q.before, PAGE)
        .await
    {
        Ok(l) => l,
        Err(e) => return error_page(user.chrome(&app), e, Some("/regulation".into())),
    };
    let more = (list.len() as u32 >= PAGE)
        .then(|| list.last().map(|e| e.record.id))
        .flatten();
    render(
        FeedPage {
            chrome: user.chrome(&app),
            records: list.into_iter().map(|e| feed_line(&app, e)).collect(),
            more,
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct ClaimForm {
    #[serde(default)]
    csrf: Option<String>,
}

/// `POST /regulation/feed/{id}/claim`: 认领 through `App::claim_feed_record`.
pub async fn claim(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<ClaimForm>,
) -> Response {
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Regulator]) {
        return refused;
    }
    let back = "/regulation/feed".to_string();
    let Ok(id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound(format!("审批信息推送记录 {id} ")),
            Some(back),
        );
    };
    match app.claim_feed_record(&user.session, id).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back)),
    }
}
