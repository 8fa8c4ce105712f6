//! 好差评 pages: the 评价 card of an ended case (the applicant rates; staff
//! appeal a bad rating), and the supervisor's pages — statistics per item,
//! department, staff and channel, rectifications with their two clocks and
//! forms, appeals to decide. Every form goes through the same use case as the
//! API; a refusal is a Chinese page.

use std::collections::HashMap;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use onestamp_app::ratings::{RatingView, StatLine};
use onestamp_app::store::{RatingQuery, Rectification};
use onestamp_app::{App, AppError};
use onestamp_domain::rating::{AppealStatus, RatingLevel, RatingReason, RectificationStatus};
use onestamp_domain::role::Role;
use onestamp_domain::timing::Light;

use super::session::PageUser;
use super::supervision::{Tab, incomplete, tabs};
use super::{Template, error_page, render};

/// One level of the rating form.
pub struct LevelChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub bad: bool,
}

/// The reasons shared by one or more levels, shown together.
pub struct ReasonGroup {
    /// The levels the group belongs to, space separated (for the script).
    pub levels: String,
    pub title: String,
    pub reasons: Vec<RatingReason>,
}

/// The rating as given, for the case page.
pub struct GivenRating {
    pub id: i64,
    pub level: &'static str,
    pub level_label: &'static str,
    pub bad: bool,
    pub reasons: Vec<String>,
    pub comment: String,
    pub rated_at: String,
}

/// The rectification as the case page shows it.
pub struct RectificationPart {
    pub status: &'static str,
    pub status_label: &'static str,
    pub callback_due: String,
    pub rectify_due: String,
    pub called_back: Option<String>,
    pub outcome_label: Option<&'static str>,
    pub outcome: Option<String>,
    pub outcome_at: Option<String>,
}

/// The appeal as staff see it on the case page.
pub struct AppealPart {
    pub ground: &'static str,
    pub status: &'static str,
    pub status_label: &'static str,
    pub reason: String,
    pub note: Option<String>,
}

/// The 评价 card of the case page.
pub struct RatingPart {
    pub may_rate: bool,
    pub staff: bool,
    pub levels: Vec<LevelChoice>,
    pub groups: Vec<ReasonGroup>,
    pub given: Option<GivenRating>,
    pub rectification: Option<RectificationPart>,
    pub appeal: Option<AppealPart>,
    /// Staff may appeal this rating now.
    pub may_appeal: bool,
}

fn groups() -> Vec<ReasonGroup> {
    let mut out: Vec<ReasonGroup> = Vec::new();
    for level in RatingLevel::ALL {
        match out
            .iter_mut()
            .find(|g| g.reasons.as_slice() == level.reasons())
        {
            Some(g) => {
                g.levels.push(' ');
                g.levels.push_str(level.as_str());
                g.title.push_str(" / ");
                g.title.push_str(level.label_zh());
            }
            None => out.push(ReasonGroup {
                levels: level.as_str().to_string(),
                title: level.label_zh().to_string(),
                reasons: level.reasons().to_vec(),
            }),
        }
    }
    out
}

fn rectification_part(app: &App, r: &Rectification) -> RectificationPart {
    RectificationPart {
        status: r.status.as_str(),
        status_label: r.status.label_zh(),
        callback_due: app.local_time(r.callback_due),
        rectify_due: app.local_time(r.rectify_due),
        called_back: r.callback_at.map(|t| app.local_time(t)),
        outcome_label: r.outcome_kind.map(|k| k.label_zh()),
        outcome: r.outcome.clone(),
        outcome_at: r.outcome_at.map(|t| app.local_time(t)),
    }
}

/// The 评价 card of a case, or `None` while the case runs (or the rating
/// cannot be read: the rest of the page still shows).
pub async fn part(app: &App, user: &PageUser, case_id: i64, closed: bool) -> Option<RatingPart> {
    if !closed {
        return None;
    }
    let view: RatingView = app.case_rating(&user.session, case_id).await.ok()?;
    let staff = user.session.holds_any(Role::sees_every_case);
    if view.rating.is_none() && !view.may_rate {
        return None;
    }
    let appeal = view
        .rating
        .as_ref()
        .and_then(|r| r.appeal.as_ref())
        .map(|a| AppealPart {
            ground: a.ground.label_zh(),
            status: a.status.as_str(),
            status_label: a.status.label_zh(),
            reason: a.reason.clone(),
            note: a.decision_note.clone(),
        });
    let may_appeal = staff
        && view
            .rating
            .as_ref()
            .is_some_and(|r| r.level.is_bad() && r.appeal.is_none());
    Some(RatingPart {
        may_rate: view.may_rate,
        staff,
        levels: RatingLevel::ALL
            .into_iter()
            .map(|l| LevelChoice {
                value: l.as_str(),
                label: l.label_zh(),
                bad: l.is_bad(),
            })
            .collect(),
        groups: groups(),
        given: view.rating.map(|r| GivenRating {
            id: r.id,
            level: r.level.as_str(),
            level_label: r.level_label,
            bad: r.level.is_bad(),
            reasons: r.reasons.into_iter().map(|x| x.label).collect(),
            comment: r.comment,
            rated_at: app.local_time(r.rated_at),
        }),
        rectification: view
            .rectification
            .as_ref()
            .map(|r| rectification_part(app, r)),
        appeal,
        may_appeal,
    })
}

/// `POST /cases/{id}/rating`: the applicant's rating, through `App::rate_case`.
/// Each ticked reason comes as `reason_<code>`.
pub async fn rate(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = format!("/cases/{id}");
    let Ok(Form(form)) = form else {
        return incomplete(&app, &user, &back);
    };
    if let Some(refused) = user.csrf_refusal(&app, form.get("csrf").map(String::as_str)) {
        return refused;
    }
    let Ok(case_id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound(format!("办件 {id} ")),
            Some("/cases".into()),
        );
    };
    let Some(level) = form.get("level").filter(|l| !l.trim().is_empty()) else {
        return error_page(
            user.chrome(&app),
            AppError::invalid("请选择评价等级"),
            Some(back),
        );
    };
    let mut reasons: Vec<String> = form
        .keys()
        .filter_map(|k| k.strip_prefix("reason_"))
        .map(str::to_string)
        .collect();
    reasons.sort();
    let comment = form.get("comment").map_or("", String::as_str);
    match app
        .rate_case(&user.session, case_id, level, &reasons, comment)
        .await
    {
        Ok(_) => Redirect::to(&format!("/cases/{case_id}#rating")).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back)),
    }
}

#[derive(Deserialize)]
pub struct AppealForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    ground: String,
    #[serde(default)]
    reason: String,
}

/// `POST /cases/{id}/rating/appeal`: staff appeal the case's bad rating from
/// the case page, through `App::appeal_rating`.
pub async fn appeal(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<AppealForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = format!("/cases/{id}");
    let Ok(Form(form)) = form else {
        return incomplete(&app, &user, &back);
    };
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    let Ok(case_id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound(format!("办件 {id} ")),
            None,
        );
    };
    let rating = match app.case_rating(&user.session, case_id).await {
        Ok(v) => v.rating,
        Err(e) => return error_page(user.chrome(&app), e, Some(back)),
    };
    let Some(rating) = rating else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound("该办件的评价".into()),
            Some(back),
        );
    };
    match app
        .appeal_rating(&user.session, rating.id, &form.ground, &form.reason)
        .await
    {
        Ok(_) => Redirect::to(&format!("/cases/{case_id}#rating")).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back)),
    }
}

/// A line of a statistics table, as the page shows it.
pub struct StatRow {
    pub key: String,
    pub label: String,
    pub ended: u64,
    pub rated: u64,
    pub good: u64,
    pub bad: u64,
    pub voided: u64,
    pub good_rate: String,
    pub bad_rate: String,
    pub unrated_rate: String,
}

fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |v| format!("{v:.1}%"))
}

fn stat_row(l: StatLine) -> StatRow {
    StatRow {
        key: l.key,
        label: l.label,
        ended: l.counts.ended,
        rated: l.counts.rated,
        good: l.counts.good,
        bad: l.counts.bad,
        voided: l.counts.voided,
        good_rate: percent(l.good_rate),
        bad_rate: percent(l.bad_rate),
        unrated_rate: percent(l.unrated_rate),
    }
}

/// One statistics table.
pub struct StatTable {
    pub id: &'static str,
    pub title: &'static str,
    pub rows: Vec<StatRow>,
}

/// A recent rating on the statistics page.
pub struct RatingLine {
    pub case_id: i64,
    pub case_number: String,
    pub level: &'static str,
    pub level_label: &'static str,
    pub bad: bool,
    pub reasons: String,
    pub comment: String,
    pub staff: String,
    pub rated_at: String,
    pub appeal: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "supervision_ratings.html")]
struct RatingsPage {
    chrome: super::Chrome,
    tabs: Vec<Tab>,
    total: StatRow,
    tables: Vec<StatTable>,
    ratings: Vec<RatingLine>,
}

/// `GET /supervision/ratings`: 好评率, 差评率, 未评价率 per item, department,
/// staff and channel, and the latest ratings.
pub async fn statistics(State(app): State<App>, user: PageUser) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Supervisor]) {
        return refused;
    }
    let chrome = user.chrome(&app);
    let list = match app
        .list_ratings(
            &user.session,
            RatingQuery {
                limit: 50,
                ..Default::default()
            },
        )
        .await
    {
        Ok(l) => l,
        Err(e) => return error_page(chrome, e, Some("/supervision".into())),
    };
    let staff_names: HashMap<String, String> = list
        .statistics
        .by_staff
        .iter()
        .map(|l| (l.key.clone(), l.label.clone()))
        .collect();
    let s = list.statistics;
    let ratings = list
        .ratings
        .into_iter()
        .map(|r| RatingLine {
            case_id: r.case_id,
            case_number: r.case_number,
            level: r.level.as_str(),
            level_label: r.level_label,
            bad: r.level.is_bad(),
            reasons: r
                .reasons
                .into_iter()
                .map(|x| x.label)
                .collect::<Vec<_>>()
                .join("、"),
            comment: r.comment,
            staff: r
                .staff_id
                .and_then(|id| staff_names.get(&id.to_string()).cloned())
                .unwrap_or_else(|| "—".into()),
            rated_at: app.local_time(r.rated_at),
            appeal: r.appeal.map(|a| a.status.label_zh()),
        })
        .collect();
    render(
        RatingsPage {
            chrome,
            tabs: tabs("/supervision/ratings"),
            total: stat_row(s.total),
            tables: vec![
                StatTable {
                    id: "stats-item",
                    title: "按事项",
                    rows: s.by_item.into_iter().map(stat_row).collect(),
                },
                StatTable {
                    id: "stats-department",
                    title: "按部门",
                    rows: s.by_department.into_iter().map(stat_row).collect(),
                },
                StatTable {
                    id: "stats-staff",
                    title: "按受理人员",
                    rows: s.by_staff.into_iter().map(stat_row).collect(),
                },
                StatTable {
                    id: "stats-channel",
                    title: "按渠道",
                    rows: s.by_channel.into_iter().map(stat_row).collect(),
                },
            ],
            ratings,
        },
        StatusCode::OK,
    )
}

/// A rectification with its forms.
pub struct RectificationLine {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub opened: String,
    pub callback_due: String,
    pub callback_light: (&'static str, &'static str),
    pub rectify_due: String,
    pub rectify_light: (&'static str, &'static str),
    pub callback_note: Option<String>,
    pub called_back: Option<String>,
    pub outcome_label: Option<&'static str>,
    pub outcome: Option<String>,
    pub level_label: String,
    pub comment: String,
}

fn step_light(l: Option<Light>) -> (&'static str, &'static str) {
    match l {
        None => ("done", "已完成"),
        Some(Light::Red) => ("red", "红灯 · 已超时"),
        Some(Light::Yellow) => ("yellow", "黄灯 · 临近时限"),
        Some(Light::Green) => ("green", "正常"),
    }
}

#[derive(Template)]
#[template(path = "supervision_rectifications.html")]
struct RectificationsPage {
    chrome: super::Chrome,
    tabs: Vec<Tab>,
    open: Vec<RectificationLine>,
    closed: Vec<RectificationLine>,
    callback_days: u32,
    rectify_days: u32,
}

async fn lines(
    app: &App,
    user: &PageUser,
    status: RectificationStatus,
) -> Result<Vec<RectificationLine>, AppError> {
    let list = app
        .list_rectifications(&user.session, Some(status), None, 100)
        .await?;
    let mut out = Vec::new();
    for r in list {
        let rating = app.case_rating(&user.session, r.case_id).await?.rating;
        out.push(RectificationLine {
            id: r.id,
            case_id: r.case_id,
            case_number: r.case_number.clone(),
            status: r.status.as_str(),
            status_label: r.status.label_zh(),
            opened: app.local_time(r.opened_at),
            callback_due: app.local_time(r.callback_due),
            callback_light: step_light(r.callback_light),
            rectify_due: app.local_time(r.rectify_due),
            rectify_light: step_light(r.rectify_light),
            callback_note: r.callback_note.clone(),
            called_back: r.callback_at.map(|t| app.local_time(t)),
            outcome_label: r.outcome_kind.map(|k| k.label_zh()),
            outcome: r.outcome.clone(),
            level_label: rating
                .as_ref()
                .map_or_else(String::new, |x| x.level_label.to_string()),
            comment: rating.map(|x| x.comment).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// `GET /supervision/rectifications`: open rectifications by rectify deadline,
/// each with its two deadlines, lights and the form of its next step; then the
/// latest closed ones.
pub async fn rectifications(State(app): State<App>, user: PageUser) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Supervisor]) {
        return refused;
    }
    let chrome = user.chrome(&app);
    let mut open = Vec::new();
    for status in [
        RectificationStatus::AwaitingCallback,
        RectificationStatus::Rectifying,
    ] {
        match lines(&app, &user, status).await {
            Ok(l) => open.extend(l),
            Err(e) => return error_page(chrome, e, Some("/supervision".into())),
        }
    }
    let closed = match lines(&app, &user, RectificationStatus::Closed).await {
        Ok(mut l) => {
            l.reverse();
            l.truncate(20);
            l
        }
        Err(e) => return error_page(chrome, e, Some("/supervision".into())),
    };
    render(
        RectificationsPage {
            chrome,
            tabs: tabs("/supervision/rectifications"),
            open,
            closed,
            callback_days: app.settings().rating_callback_days,
            rectify_days: app.settings().rating_rectify_days,
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct CallbackForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    note: String,
}

/// `POST /supervision/rectifications/{id}/callback`
pub async fn callback(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<CallbackForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = "/supervision/rectifications";
    let Ok(Form(form)) = form else {
        return incomplete(&app, &user, back);
    };
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound(format!("整改任务 {id} ")),
            Some(back.into()),
        );
    };
    match app
        .record_rectification_callback(&user.session, id, &form.note)
        .await
    {
        Ok(_) => Redirect::to(&format!("{back}#rectification-{id}")).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back.into())),
    }
}

#[derive(Deserialize)]
pub struct OutcomeForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    outcome: String,
}

/// `POST /supervision/rectifications/{id}/outcome`
pub async fn outcome(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<OutcomeForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = "/supervision/rectifications";
    let Ok(Form(form)) = form else {
        return incomplete(&app, &user, back);
    };
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound(format!("整改任务 {id} ")),
            Some(back.into()),
        );
    };
    match app
        .record_rectification_outcome(&user.session, id, &form.kind, &form.outcome)
        .await
    {
        Ok(_) => Redirect::to(&format!("{back}#rectification-{id}")).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back.into())),
    }
}

/// An appeal on the appeals page.
pub struct AppealLine {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub level_label: &'static str,
    pub comment: String,
    pub ground: &'static str,
    pub reason: String,
    pub filed_by: String,
    pub filed_at: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub note: Option<String>,
}

#[derive(Template)]
#[template(path = "supervision_appeals.html")]
struct AppealsPage {
    chrome: super::Chrome,
    tabs: Vec<Tab>,
    pending: Vec<AppealLine>,
    decided: Vec<AppealLine>,
}

/// `GET /supervision/appeals`: pending appeals with a decision form each, then
/// the latest decided.
pub async fn appeals(State(app): State<App>, user: PageUser) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Supervisor]) {
        return refused;
    }
    let chrome = user.chrome(&app);
    let list = match app.list_appeals(&user.session, None, 100).await {
        Ok(l) => l,
        Err(e) => return error_page(chrome, e, Some("/supervision".into())),
    };
    let names: HashMap<i64, String> = app
        .staff_board(&user.session)
        .await
        .map(|b| {
            b.into_iter()
                .map(|s| (s.user.id, s.user.display_name))
                .collect()
        })
        .unwrap_or_default();
    let (mut pending, mut decided) = (Vec::new(), Vec::new());
    for (a, r) in list {
        let line = AppealLine {
            id: a.id,
            case_id: r.case_id,
            case_number: r.case_number,
            level_label: r.level_label,
            comment: r.comment,
            ground: a.ground.label_zh(),
            reason: a.reason,
            filed_by: names
                .get(&a.filed_by)
                .cloned()
                .unwrap_or_else(|| "工作人员".into()),
            filed_at: app.local_time(a.filed_at),
            status: a.status.as_str(),
            status_label: a.status.label_zh(),
            note: a.decision_note,
        };
        if a.status == AppealStatus::Pending {
            pending.push(line);
        } else {
            decided.push(line);
        }
    }
    pending.reverse();
    render(
        AppealsPage {
            chrome,
            tabs: tabs("/supervision/appeals"),
            pending,
            decided,
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

/// `POST /supervision/appeals/{id}/decision`: `decision` is `upheld` or `rejected`.
pub async fn decide(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<DecisionForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = "/supervision/appeals";
    let Ok(Form(form)) = form else {
        return incomplete(&app, &user, back);
    };
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound(format!("申诉 {id} ")),
            Some(back.into()),
        );
    };
    let upheld = match form.decision.as_str() {
        "upheld" => true,
        "rejected" => false,
        _ => {
            return error_page(
                user.chrome(&app),
                AppError::invalid("请选择裁定结果：申诉成立或申诉驳回"),
                Some(back.into()),
            );
        }
    };
    match app
        .decide_appeal(&user.session, id, upheld, &form.note)
        .await
    {
        Ok(_) => Redirect::to(back).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back.into())),
    }
}
