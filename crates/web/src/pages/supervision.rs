//! The supervisor's pages (督查督办): yellow and red tasks with reassignment and
//! the green channel, the workload of each person by stage, the alerts, and
//! quality samples (质量评查) with their findings. Every form goes through the
//! same use case as the API; a refusal is a Chinese page.

use std::collections::HashMap;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use onestamp_app::store::{CaseSummary, QualitySample, SampleCriteria, TaskKey};
use onestamp_app::supervision::StaffLoad;
use onestamp_app::{App, AppError};
use onestamp_domain::case::Stage;
use onestamp_domain::role::Role;
use onestamp_domain::timing::Light;

use super::session::PageUser;
use super::{Chrome, PageQuery, Template, error_page, refusal, render};
use crate::error::Code;

/// Late tasks per page.
const PAGE: u32 = 50;
/// Alerts per page.
const ALERT_PAGE: u32 = 50;

/// The answer to a form that did not parse: a Chinese page, never the parser's words.
pub(super) fn incomplete(app: &App, user: &PageUser, back: &str) -> Response {
    refusal(
        user.chrome(app),
        Code::BadRequest,
        "未能完成",
        "提交的内容不完整，请返回刷新页面后重试。".into(),
        Some(back.into()),
    )
}

/// The answer to a consequential form sent without its confirmation box ticked.
pub(super) fn unconfirmed(app: &App, user: &PageUser, what: &str, back: &str) -> Response {
    refusal(
        user.chrome(app),
        Code::InvalidInput,
        "请确认后再提交",
        format!("「{what}」需要确认，请勾选确认框后再提交。"),
        Some(back.into()),
    )
}

/// Working minutes as a page says them: 1 天 2 小时 5 分 on an 8-hour day.
pub(super) fn working_time(minutes: i64, day_minutes: i64) -> String {
    let day = day_minutes.max(1);
    let (d, rest) = (minutes / day, minutes % day);
    let (h, m) = (rest / 60, rest % 60);
    let mut out = String::new();
    if d > 0 {
        out.push_str(&format!("{d} 个工作日 "));
    }
    if h > 0 {
        out.push_str(&format!("{h} 小时 "));
    }
    if m > 0 || out.is_empty() {
        out.push_str(&format!("{m} 分钟"));
    }
    out.trim_end().to_string()
}

fn light_of(l: Option<Light>) -> (&'static str, &'static str) {
    match l {
        Some(Light::Red) => ("red", "红灯 · 已超时"),
        Some(Light::Yellow) => ("yellow", "黄灯 · 临近时限"),
        _ => ("green", "正常"),
    }
}

/// The sub-navigation of the supervisor's pages.
pub struct Tab {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub(super) fn tabs(current: &str) -> Vec<Tab> {
    [
        ("/supervision", "红黄灯督办"),
        ("/supervision/workload", "工作量"),
        ("/supervision/alerts", "预警与举报"),
        ("/supervision/quality", "质量评查"),
        ("/supervision/ratings", "好差评"),
        ("/supervision/rectifications", "差评整改"),
        ("/supervision/appeals", "评价申诉"),
        ("/supervision/themes", "主题服务成效"),
    ]
    .into_iter()
    .map(|(href, label)| Tab {
        href,
        label,
        current: href == current,
    })
    .collect()
}

/// A person who may take a task over.
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub load: u32,
}

/// One yellow or red task with its two forms.
pub struct LateLine {
    pub id: i64,
    pub number: String,
    pub item: String,
    pub stage: &'static str,
    pub handler: String,
    pub deadline: String,
    pub remaining: String,
    pub light: (&'static str, &'static str),
    pub priority: bool,
    pub version: i64,
    pub candidates: Vec<Candidate>,
}

#[derive(Template)]
#[template(path = "supervision.html")]
struct LatePage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    tasks: Vec<LateLine>,
    red: usize,
    yellow: usize,
    more: Option<String>,
}

#[derive(Deserialize)]
pub struct AfterQuery {
    after: Option<String>,
}

async fn item_names(app: &App) -> HashMap<String, onestamp_domain::catalogue::Item> {
    app.list_items()
        .await
        .map(|items| {
            items
                .into_iter()
                .map(|s| (s.item.code.clone(), s.item))
                .collect()
        })
        .unwrap_or_default()
}

/// `GET /supervision`: open tasks that are yellow or red now, by deadline.
pub async fn late(
    State(app): State<App>,
    user: PageUser,
    PageQuery(q): PageQuery<AfterQuery>,
) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Supervisor]) {
        return refused;
    }
    let chrome = user.chrome(&app);
    let after = q.after.as_deref().and_then(TaskKey::parse);
    let list = match app.late_tasks(&user.session, after, PAGE).await {
        Ok(l) => l,
        Err(e) => return error_page(chrome, e, Some("/".into())),
    };
    let board = match app.staff_board(&user.session).await {
        Ok(b) => b,
        Err(e) => return error_page(chrome, e, Some("/".into())),
    };
    let more = (list.len() as u32 >= PAGE)
        .then(|| list.last().map(|t| TaskKey::of(t).encode()))
        .flatten();
    let items = item_names(&app).await;
    let mut tasks = Vec::with_capacity(list.len());
    for c in list {
        tasks.push(late_line(&app, &user, c, &board, &items).await);
    }
    // The page reads by deadline; the API's order puts the green channel first.
    tasks.sort_by(|a, b| a.deadline.cmp(&b.deadline).then(a.id.cmp(&b.id)));
    let red = tasks.iter().filter(|t| t.light.0 == "red").count();
    let yellow = tasks.iter().filter(|t| t.light.0 == "yellow").count();
    render(
        LatePage {
            chrome,
            tabs: tabs("/supervision"),
            tasks,
            red,
            yellow,
            more,
        },
        StatusCode::OK,
    )
}

async fn late_line(
    app: &App,
    user: &PageUser,
    c: CaseSummary,
    board: &[StaffLoad],
    items: &HashMap<String, onestamp_domain::catalogue::Item>,
) -> LateLine {
    let name_of = |id: i64| {
        board
            .iter()
            .find(|s| s.user.id == id)
            .map(|s| s.user.display_name.clone())
    };
    // The holder and the version come from the case itself (a supervisor sees
    // who holds a task).
    let view = app.get_case(&user.session, c.id).await.ok();
    let holder = view
        .as_ref()
        .and_then(|v| v.task.as_ref())
        .and_then(|t| t.assignee);
    let version = view.as_ref().map_or(0, |v| v.case.version);
    let now = app.now();
    let calendar = &app.settings().calendar;
    let day = calendar.office_hours().minutes_per_day();
    let remaining = match c.task_deadline {
        Some(d) if d > now => format!(
            "剩余 {}",
            working_time(calendar.working_minutes_between(now, d), day)
        ),
        Some(d) => format!(
            "已超 {}",
            working_time(calendar.working_minutes_between(d, now), day)
        ),
        None => "—".into(),
    };
    let item = items.get(&c.item_code);
    let candidates = match (c.task_stage, item) {
        (Some(stage), Some(item)) => board
            .iter()
            .filter(|s| {
                Some(s.user.id) != holder
                    && s.user.id != user.session.user.id
                    && s.user.roles.contains(&stage.role())
                    && s.profile.available
                    && s.profile.qualified_for(item)
            })
            .map(|s| Candidate {
                id: s.user.id,
                name: s.user.display_name.clone(),
                load: s.total(),
            })
            .collect(),
        _ => Vec::new(),
    };
    LateLine {
        id: c.id,
        item: item.map_or_else(|| c.item_code.clone(), |i| i.name.clone()),
        number: c.number,
        stage: c.task_stage.map_or("—", Stage::label_zh),
        handler: holder
            .and_then(name_of)
            .unwrap_or_else(|| "（未分配）".into()),
        deadline: c
            .task_deadline
            .map_or_else(String::new, |d| app.local_time(d)),
        remaining,
        light: light_of(c.light),
        priority: c.priority,
        version,
        candidates,
    }
}

#[derive(Deserialize)]
pub struct ReassignForm {
    #[serde(default)]
    csrf: Option<String>,
    version: i64,
    /// Empty: draw a new holder at random.
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /supervision/cases/{id}/reassign`: 改派, through `App::reassign`.
pub async fn reassign(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<ReassignForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = "/supervision";
    let Ok(Form(form)) = form else {
        return incomplete(&app, &user, back);
    };
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Supervisor]) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound(format!("办件 {id} ")),
            Some(back.into()),
        );
    };
    let assignee = match form.assignee.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return error_page(
                    user.chrome(&app),
                    AppError::invalid("请从列表中选择新的承办人"),
                    Some(back.into()),
                );
            }
        },
    };
    if form.reason.trim().is_empty() {
        return error_page(
            user.chrome(&app),
            AppError::invalid("请填写改派理由：改派须写明原因并记录在案"),
            Some(back.into()),
        );
    }
    if form.confirm.as_deref() != Some("yes") {
        return unconfirmed(&app, &user, "改派", back);
    }
    match app
        .reassign(&user.session, id, assignee, &form.reason, form.version)
        .await
    {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back.into())),
    }
}

#[derive(Deserialize)]
pub struct PriorityForm {
    #[serde(default)]
    csrf: Option<String>,
    version: i64,
    /// `on` or `off`.
    priority: String,
    #[serde(default)]
    reason: String,
}

/// `POST /supervision/cases/{id}/priority`: 绿色通道 on or off, through `App::set_priority`.
pub async fn priority(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<PriorityForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = "/supervision";
    let Ok(Form(form)) = form else {
        return incomplete(&app, &user, back);
    };
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Supervisor]) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound(format!("办件 {id} ")),
            Some(back.into()),
        );
    };
    let on = match form.priority.as_str() {
        "on" => true,
        "off" => false,
        _ => return incomplete(&app, &user, back),
    };
    if form.reason.trim().is_empty() {
        return error_page(
            user.chrome(&app),
            AppError::invalid("请填写绿色通道的理由"),
            Some(back.into()),
        );
    }
    match app
        .set_priority(&user.session, id, on, &form.reason, form.version)
        .await
    {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back.into())),
    }
}

/// A row of the workload board.
pub struct LoadLine {
    pub name: String,
    pub roles: String,
    pub on_duty: bool,
    pub counts: Vec<u32>,
    pub total: u32,
}

#[derive(Template)]
#[template(path = "supervision_workload.html")]
struct WorkloadPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    stages: Vec<&'static str>,
    rows: Vec<LoadLine>,
    totals: Vec<u32>,
    total: u32,
}

/// `GET /supervision/workload`: open tasks by person and stage.
pub async fn workload(State(app): State<App>, user: PageUser) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Supervisor]) {
        return refused;
    }
    let chrome = user.chrome(&app);
    let board = match app.staff_board(&user.session).await {
        Ok(b) => b,
        Err(e) => return error_page(chrome, e, Some("/supervision".into())),
    };
    let rows: Vec<LoadLine> = board
        .iter()
        .map(|s| LoadLine {
            name: s.user.display_name.clone(),
            roles: roles_zh(&s.user.roles),
            on_duty: s.profile.available,
            counts: Stage::ALL.iter().map(|st| s.at(*st)).collect(),
            total: s.total(),
        })
        .collect();
    let totals = (0..Stage::ALL.len())
        .map(|i| {
            rows.iter()
                .map(|r| r.counts.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let total = rows.iter().map(|r| r.total).sum();
    render(
        WorkloadPage {
            chrome,
            tabs: tabs("/supervision/workload"),
            stages: Stage::ALL.iter().map(|s| s.label_zh()).collect(),
            rows,
            totals,
            total,
        },
        StatusCode::OK,
    )
}

/// One theme on the supervisor's page: what it asks against item by item,
/// and what finished bundles actually took.
pub struct ThemeLine {
    pub code: String,
    pub name: String,
    pub savings: Vec<super::themes::Saving>,
    pub actual: onestamp_app::themes::ThemeActuals,
    /// The share of working time saved by finished bundles, in whole percent.
    pub actual_percent: i64,
}

#[derive(Template)]
#[template(path = "supervision_themes.html")]
struct ThemesPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    themes: Vec<ThemeLine>,
    sample: u32,
}

/// `GET /supervision/themes`: 一件事一次办 against applying item by item, from
/// the catalogue and from finished bundles.
pub async fn themes(State(app): State<App>, user: PageUser) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Supervisor, Role::Admin]) {
        return refused;
    }
    let chrome = user.chrome(&app);
    let lines = async {
        let mut out = Vec::new();
        for v in app.theme_views().await? {
            let actual = app.theme_actuals(&v.theme.code).await?;
            let actual_percent = if actual.separately_hours > 0.0 {
                ((1.0 - actual.theme_hours / actual.separately_hours) * 100.0).round() as i64
            } else {
                0
            };
            out.push(ThemeLine {
                code: v.theme.code.clone(),
                name: v.theme.name.clone(),
                savings: super::themes::savings(&v.comparison),
                actual,
                actual_percent,
            });
        }
        Ok::<_, onestamp_app::AppError>(out)
    };
    match lines.await {
        Ok(themes) => render(
            ThemesPage {
                chrome,
                tabs: tabs("/supervision/themes"),
                themes,
                sample: onestamp_app::themes::ACTUALS_SAMPLE,
            },
            StatusCode::OK,
        ),
        Err(e) => error_page(chrome, e, Some("/supervision".into())),
    }
}

pub(super) fn roles_zh(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.label_zh())
        .collect::<Vec<_>>()
        .join("、")
}

pub struct AlertLine {
    pub case_id: i64,
    pub case_number: String,
    pub kind: &'static str,
    pub report: bool,
    pub stage: &'static str,
    pub responsible: String,
    pub deadline: String,
    pub raised: String,
    pub note: Option<String>,
}

#[derive(Template)]
#[template(path = "supervision_alerts.html")]
struct AlertsPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    alerts: Vec<AlertLine>,
    more: Option<i64>,
}

#[derive(Deserialize)]
pub struct BeforeQuery {
    before: Option<i64>,
}

/// `GET /supervision/alerts`: overdue alerts and public reports, newest first.
pub async fn alerts(
    State(app): State<App>,
    user: PageUser,
    PageQuery(q): PageQuery<BeforeQuery>,
) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Supervisor]) {
        return refused;
    }
    let chrome = user.chrome(&app);
    let list = match app.list_alerts(&user.session, q.before, ALERT_PAGE).await {
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
    let more = (list.len() as u32 >= ALERT_PAGE)
        .then(|| list.last().map(|a| a.id))
        .flatten();
    let alerts = list
        .into_iter()
        .map(|a| AlertLine {
            case_id: a.case_id,
            kind: match a.kind.as_str() {
                "task_overdue" => "环节超时",
                "case_overdue" => "办件超时",
                "public_report" => "扫码举报",
                onestamp_app::cases::LATE_CORRECTION => "补正告知逾期（超过5个工作日）",
                "rectification_callback_overdue" => "差评回访超时",
                "rectification_overdue" => "差评整改超时",
                "claim_overdue" => "监管认领超时（审管分离）",
                _ => "其他预警",
            },
            report: a.kind == "public_report",
            case_number: a.case_number,
            stage: a.stage.map_or("—", Stage::label_zh),
            responsible: a
                .responsible
                .map(|id| names.get(&id).cloned().unwrap_or_else(|| "工作人员".into()))
                .unwrap_or_else(|| "—".into()),
            deadline: app.local_time(a.deadline),
            raised: app.local_time(a.raised_at),
            note: a.note.filter(|n| !n.trim().is_empty()),
        })
        .collect();
    render(
        AlertsPage {
            chrome,
            tabs: tabs("/supervision/alerts"),
            alerts,
            more,
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "supervision_quality.html")]
struct QualityPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    items: Vec<(String, String)>,
    sample: Option<SampleView>,
}

pub struct SampleView {
    pub id: i64,
    pub drawn_at: String,
    pub criteria: String,
    pub reviewed: usize,
    pub cases: Vec<SampleLine>,
}

pub struct SampleLine {
    pub case_id: i64,
    pub number: String,
    pub item: String,
    pub instant: bool,
    pub verdict: Option<&'static str>,
    pub defect: bool,
    pub notes: String,
    pub reviewed_at: Option<String>,
}

fn sample_view(
    app: &App,
    s: QualitySample,
    items: &HashMap<String, onestamp_domain::catalogue::Item>,
) -> SampleView {
    let item_name = |code: &str| items.get(code).map_or(code.to_string(), |i| i.name.clone());
    let mut criteria = Vec::new();
    if let Some(code) = s.criteria.get("item_code").and_then(|v| v.as_str()) {
        criteria.push(format!("事项：{}", item_name(code)));
    }
    if s.criteria.get("instant_only").and_then(|v| v.as_bool()) == Some(true) {
        criteria.push("仅秒批办件".into());
    }
    if let Some(n) = s.criteria.get("size").and_then(|v| v.as_u64()) {
        criteria.push(format!("抽取 {n} 件"));
    }
    SampleView {
        id: s.id,
        drawn_at: app.local_time(s.drawn_at),
        criteria: if criteria.is_empty() {
            "全部已办结办件".into()
        } else {
            criteria.join(" · ")
        },
        reviewed: s.cases.iter().filter(|c| c.verdict.is_some()).count(),
        cases: s
            .cases
            .into_iter()
            .map(|c| SampleLine {
                case_id: c.case_id,
                item: item_name(&c.item_code),
                number: c.case_number,
                instant: c.instant,
                verdict: c.verdict.as_deref().map(|v| match v {
                    "defect" => "存在问题",
                    _ => "合格",
                }),
                defect: c.verdict.as_deref() == Some("defect"),
                notes: c.notes.unwrap_or_default(),
                reviewed_at: c.reviewed_at.map(|t| app.local_time(t)),
            })
            .collect(),
    }
}

async fn quality_page(app: &App, user: &PageUser, sample: Option<QualitySample>) -> Response {
    let items = item_names(app).await;
    let mut list: Vec<(String, String)> = items
        .values()
        .map(|i| (i.code.clone(), i.name.clone()))
        .collect();
    list.sort();
    render(
        QualityPage {
            chrome: user.chrome(app),
            tabs: tabs("/supervision/quality"),
            sample: sample.map(|s| sample_view(app, s, &items)),
            items: list,
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct SampleQuery {
    sample: Option<String>,
}

/// `GET /supervision/quality`: the draw form, and a sample looked up by its number.
pub async fn quality(
    State(app): State<App>,
    user: PageUser,
    PageQuery(q): PageQuery<SampleQuery>,
) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Supervisor]) {
        return refused;
    }
    match q.sample.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => quality_page(&app, &user, None).await,
        Some(s) => match s.parse::<i64>() {
            Ok(id) => Redirect::to(&format!("/supervision/quality/{id}")).into_response(),
            Err(_) => error_page(
                user.chrome(&app),
                AppError::invalid("抽样编号须为数字"),
                Some("/supervision/quality".into()),
            ),
        },
    }
}

/// `GET /supervision/quality/{id}`: one sample with a finding form per case.
pub async fn sample(State(app): State<App>, user: PageUser, Path(id): Path<String>) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Supervisor]) {
        return refused;
    }
    let back = Some("/supervision/quality".to_string());
    let Ok(id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound(format!("抽样 {id} ")),
            back,
        );
    };
    match app.quality_sample(&user.session, id).await {
        Ok(s) => quality_page(&app, &user, Some(s)).await,
        Err(e) => error_page(user.chrome(&app), e, back),
    }
}

#[derive(Deserialize)]
pub struct DrawForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    item: String,
    #[serde(default)]
    instant_only: Option<String>,
    #[serde(default)]
    size: String,
}

/// `POST /supervision/quality`: draws a sample, through `App::draw_quality_sample`.
pub async fn draw(
    State(app): State<App>,
    user: PageUser,
    form: Result<Form<DrawForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = "/supervision/quality";
    let Ok(Form(form)) = form else {
        return incomplete(&app, &user, back);
    };
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Supervisor]) {
        return refused;
    }
    let Ok(size) = form.size.trim().parse::<u32>() else {
        return error_page(
            user.chrome(&app),
            AppError::invalid("抽样数量须为 1 到 200 之间的整数"),
            Some(back.into()),
        );
    };
    let criteria = SampleCriteria {
        item_code: Some(form.item.trim().to_string()).filter(|s| !s.is_empty()),
        instant_only: form.instant_only.as_deref() == Some("yes"),
        size,
    };
    match app.draw_quality_sample(&user.session, criteria).await {
        Ok(s) => Redirect::to(&format!("/supervision/quality/{}", s.id)).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back.into())),
    }
}

#[derive(Deserialize)]
pub struct FindingForm {
    #[serde(default)]
    csrf: Option<String>,
    case_id: i64,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    notes: String,
}

/// `POST /supervision/quality/{id}/findings`: a finding on one case of the sample.
pub async fn finding(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<FindingForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = format!("/supervision/quality/{id}");
    let Ok(Form(form)) = form else {
        return incomplete(&app, &user, &back);
    };
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Supervisor]) {
        return refused;
    }
    let Ok(sample_id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound(format!("抽样 {id} ")),
            Some("/supervision/quality".into()),
        );
    };
    if !matches!(form.verdict.as_str(), "compliant" | "defect") {
        return error_page(
            user.chrome(&app),
            AppError::invalid("请选择评查结论：合格或存在问题"),
            Some(back),
        );
    }
    match app
        .record_quality_finding(
            &user.session,
            sample_id,
            form.case_id,
            &form.verdict,
            &form.notes,
        )
        .await
    {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back)),
    }
}

#[cfg(test)]
mod tests {
    use super::working_time;

    #[test]
    fn working_time_reads_in_days_hours_and_minutes() {
        assert_eq!(working_time(0, 480), "0 分钟");
        assert_eq!(working_time(45, 480), "45 分钟");
        assert_eq!(working_time(125, 480), "2 小时 5 分钟");
        assert_eq!(working_time(480 + 60, 480), "1 个工作日 1 小时");
    }
}
