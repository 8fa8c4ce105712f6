//! The staff workbench: my open tasks as a table in urgency order, with their
//! lights and the working time left, filtered by stage, item and light, with
//! saved views (常用视图); and the staff case search over the keyset lists.

use std::collections::HashMap;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use onestamp_app::App;
use onestamp_app::cases::TaskView;
use onestamp_app::store::{CaseQuery, CaseSummary, TaskKey};
use onestamp_app::workbench::SavedView;
use onestamp_domain::case::{CaseStatus, Stage};
use onestamp_domain::role::Role;
use onestamp_domain::timing::Light;

use super::session::PageUser;
use super::{Chrome, PageQuery, Template, error_page, render};

/// Tasks per workbench page.
const TASK_PAGE: u32 = 50;
/// Cases per search page.
const SEARCH_PAGE: u32 = 30;

/// One choice of a select: value, label, whether chosen.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

fn choices<'a>(
    all: impl IntoIterator<Item = (String, String)> + 'a,
    chosen: Option<&str>,
) -> Vec<Choice> {
    all.into_iter()
        .map(|(value, label)| Choice {
            chosen: chosen == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

pub fn light_label(l: Light) -> (&'static str, &'static str) {
    match l {
        Light::Green => ("green", "正常"),
        Light::Yellow => ("yellow", "临近时限"),
        Light::Red => ("red", "已超时"),
    }
}

pub async fn item_names(app: &App) -> HashMap<String, String> {
    app.list_items()
        .await
        .map(|items| {
            items
                .into_iter()
                .map(|s| (s.item.code, s.item.name))
                .collect()
        })
        .unwrap_or_default()
}

/// A row of the task table or of the search results.
pub struct Row {
    pub id: i64,
    pub number: String,
    pub item: String,
    pub applicant: String,
    pub status: &'static str,
    pub stage: Option<&'static str>,
    pub submitted: String,
    pub deadline: Option<String>,
    pub left: Option<String>,
    pub light: Option<(&'static str, &'static str)>,
    pub priority: bool,
}

fn rows(app: &App, list: Vec<CaseSummary>, names: &HashMap<String, String>) -> Vec<Row> {
    list.into_iter()
        .map(|c| Row {
            id: c.id,
            item: names
                .get(&c.item_code)
                .cloned()
                .unwrap_or_else(|| c.item_code.clone()),
            number: c.number,
            applicant: c.applicant_name,
            status: c.status.label_zh(),
            stage: c.task_stage.map(|s| s.label_zh()),
            submitted: app.local_time(c.submitted_at),
            deadline: c.task_deadline.map(|t| app.local_time(t)),
            left: c.task_deadline.map(|t| app.time_left_zh(t)),
            light: c.light.map(light_label),
            priority: c.priority,
        })
        .collect()
}

/// A saved view as the page links it.
pub struct ViewLink {
    pub name: String,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "workbench.html")]
struct WorkbenchPage {
    chrome: Chrome,
    roles: String,
    tasks: Vec<Row>,
    stages: Vec<Choice>,
    items: Vec<Choice>,
    lights: Vec<Choice>,
    views: Vec<ViewLink>,
    /// The filter as hidden fields of the save form, and whether there is one.
    filter: TaskParams,
    filtered: bool,
    /// The query string of the next page, when this one is full.
    more: Option<String>,
    notice: Option<String>,
}

/// The workbench's query: a filter and a cursor.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct TaskParams {
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub light: String,
    #[serde(default)]
    after: String,
    #[serde(default)]
    saved: String,
}

impl TaskParams {
    /// The filter; a value the page never offers is refused in Chinese.
    fn view(&self) -> Result<TaskView, String> {
        let stage = match self.stage.as_str() {
            "" => None,
            s => Some(Stage::parse(s).ok_or("没有这个办理环节")?),
        };
        let light = match self.light.as_str() {
            "" => None,
            s => Some(Light::parse(s).ok_or("时限灯只能是红、黄、绿")?),
        };
        let item_code = Some(self.item.trim().to_string()).filter(|s| !s.is_empty());
        Ok(TaskView {
            stage,
            item_code,
            light,
        })
    }

    fn of(view: &TaskView) -> TaskParams {
        TaskParams {
            stage: view
                .stage
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            item: view.item_code.clone().unwrap_or_default(),
            light: view
                .light
                .map(|l| l.as_str().to_string())
                .unwrap_or_default(),
            ..TaskParams::default()
        }
    }

    fn query(&self) -> String {
        let mut q = Vec::new();
        for (k, v) in [
            ("stage", &self.stage),
            ("item", &self.item),
            ("light", &self.light),
        ] {
            if !v.is_empty() {
                q.push(format!("{k}={}", encode(v)));
            }
        }
        q.join("&")
    }
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `GET /workbench`: where staff land after login.
pub async fn workbench(
    State(app): State<App>,
    user: PageUser,
    PageQuery(q): PageQuery<TaskParams>,
) -> Response {
    if !user.session.is_staff() {
        return Redirect::to("/cases").into_response();
    }
    let chrome = user.chrome(&app);
    let back = Some("/workbench".to_string());
    let view = match q.view() {
        Ok(v) => v,
        Err(why) => {
            return error_page(chrome, onestamp_app::AppError::invalid(why), back);
        }
    };
    // A cursor that does not parse starts from the top, like a fresh visit.
    let after = TaskKey::parse(&q.after);
    let tasks = match app
        .my_tasks_where(&user.session, &view, after, TASK_PAGE)
        .await
    {
        Ok(t) => t,
        Err(e) => return error_page(chrome, e, back),
    };
    let saved = match app.saved_views(&user.session).await {
        Ok(v) => v,
        Err(e) => return error_page(chrome, e, back),
    };
    let filter = TaskParams::of(&view);
    let more = (tasks.len() as u32 >= TASK_PAGE)
        .then(|| tasks.last().map(|t| TaskKey::of(t).encode()))
        .flatten()
        .map(|key| {
            let f = filter.query();
            if f.is_empty() {
                format!("after={key}")
            } else {
                format!("{f}&after={key}")
            }
        });
    let names = item_names(&app).await;
    let roles = user
        .session
        .user
        .roles
        .iter()
        .map(|r| r.label_zh())
        .collect::<Vec<_>>()
        .join("、");
    let mut items: Vec<(String, String)> =
        names.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    items.sort();
    let notice = match q.saved.as_str() {
        "1" => Some("视图已保存".to_string()),
        "0" => Some("视图已删除".to_string()),
        _ => None,
    };
    render(
        WorkbenchPage {
            chrome,
            roles,
            tasks: rows(&app, tasks, &names),
            stages: choices(
                Stage::ALL.map(|s| (s.as_str().to_string(), s.label_zh().to_string())),
                view.stage.map(|s| s.as_str()),
            ),
            items: choices(items, view.item_code.as_deref()),
            lights: choices(
                [Light::Red, Light::Yellow, Light::Green]
                    .map(|l| (l.as_str().to_string(), light_label(l).1.to_string())),
                view.light.map(|l| l.as_str()),
            ),
            views: view_links(&saved, &view),
            filtered: !view.is_all(),
            filter,
            more,
            notice,
        },
        StatusCode::OK,
    )
}

fn view_links(saved: &[SavedView], current: &TaskView) -> Vec<ViewLink> {
    saved
        .iter()
        .map(|v| ViewLink {
            name: v.name.clone(),
            href: format!("/workbench?{}", TaskParams::of(&v.view).query()),
            current: &v.view == current,
        })
        .collect()
}

#[derive(Deserialize)]
pub struct ViewForm {
    csrf: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    light: String,
    /// `delete` removes the named view instead of saving it.
    #[serde(default)]
    op: String,
}

/// `POST /workbench/views`: saves the current filter under a name, or deletes a view.
pub async fn save_view(
    State(app): State<App>,
    user: PageUser,
    form: Result<Form<ViewForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = Some("/workbench".to_string());
    let Ok(Form(f)) = form else {
        return super::refusal(
            user.chrome(&app),
            crate::error::Code::BadRequest,
            "未能完成",
            "提交的内容不完整，请返回刷新页面后重试。".into(),
            back,
        );
    };
    if let Some(refused) = user.csrf_refusal(&app, f.csrf.as_deref()) {
        return refused;
    }
    if f.op == "delete" {
        return match app.delete_view(&user.session, &f.name).await {
            Ok(()) => Redirect::to("/workbench?saved=0").into_response(),
            Err(e) => error_page(user.chrome(&app), e, back),
        };
    }
    let params = TaskParams {
        stage: f.stage,
        item: f.item,
        light: f.light,
        ..TaskParams::default()
    };
    let view = match params.view() {
        Ok(v) => v,
        Err(why) => {
            return error_page(
                user.chrome(&app),
                onestamp_app::AppError::invalid(why),
                back,
            );
        }
    };
    match app.save_view(&user.session, &f.name, &view).await {
        Ok(()) => {
            let q = params.query();
            Redirect::to(&format!("/workbench?{q}&saved=1")).into_response()
        }
        Err(e) => error_page(user.chrome(&app), e, back),
    }
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    q: SearchParams,
    by_identity: bool,
    items: Vec<Choice>,
    statuses: Vec<Choice>,
    rows: Vec<Row>,
    searched: bool,
    problem: Option<String>,
    more: Option<String>,
}

/// The search form; every field may be empty.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct SearchParams {
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub identity: String,
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    before: String,
}

impl SearchParams {
    fn query(&self) -> String {
        let mut q = Vec::new();
        for (k, v) in [
            ("number", &self.number),
            ("identity", &self.identity),
            ("item", &self.item),
            ("status", &self.status),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.trim().is_empty() {
                q.push(format!("{k}={}", encode(v.trim())));
            }
        }
        q.join("&")
    }

    /// The store query, or what is wrong with the form, in Chinese.
    fn case_query(&self, app: &App) -> Result<CaseQuery, String> {
        let day = |v: &str, what: &str| -> Result<Option<chrono::NaiveDate>, String> {
            match v.trim() {
                "" => Ok(None),
                s => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| format!("{what}不是有效日期（格式 年-月-日，例如 2026-12-01）")),
            }
        };
        let from = day(&self.from, "起始日期")?;
        let to = day(&self.to, "截止日期")?;
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return Err("截止日期不能早于起始日期".into());
        }
        let status = match self.status.as_str() {
            "" => None,
            s => Some(CaseStatus::parse(s).ok_or("没有这个办件状态")?),
        };
        let before_id = match self.before.trim() {
            "" => None,
            s => Some(s.parse::<i64>().map_err(|_| "翻页位置无效，请重新查询")?),
        };
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Ok(CaseQuery {
            status,
            item_code: some(&self.item),
            number: some(&self.number),
            identity: some(&self.identity).map(|v| v.to_uppercase()),
            submitted_from: from.map(|d| app.day_start(d)),
            submitted_to: to.and_then(|d| d.succ_opt()).map(|d| app.day_start(d)),
            before_id,
            limit: SEARCH_PAGE,
            ..CaseQuery::default()
        })
    }
}

/// `GET /workbench/search`: every case staff may see, by number, applicant
/// identity (for those who may search by it), item, status and dates, newest
/// first, paged by key.
pub async fn search(
    State(app): State<App>,
    user: PageUser,
    PageQuery(q): PageQuery<SearchParams>,
) -> Response {
    if let Some(refused) = user.refuse_unless(
        &app,
        &[
            Role::Clerk,
            Role::Reviewer,
            Role::Inspector,
            Role::Approver,
            Role::Officer,
            Role::Supervisor,
            Role::Admin,
        ],
    ) {
        return refused;
    }
    let chrome = user.chrome(&app);
    let by_identity = user.session.holds_any(Role::searches_by_identity);
    let names = item_names(&app).await;
    let mut items: Vec<(String, String)> =
        names.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    items.sort();
    let statuses = choices(
        CaseStatus::ALL.map(|s| (s.as_str().to_string(), s.label_zh().to_string())),
        Some(q.status.as_str()),
    );
    let items = choices(items, Some(q.item.as_str()));
    let mut page = SearchPage {
        chrome,
        by_identity,
        items,
        statuses,
        rows: Vec::new(),
        searched: !q.query().is_empty() || !q.before.is_empty(),
        problem: None,
        more: None,
        q,
    };
    let query = match page.q.case_query(&app) {
        Ok(query) => query,
        Err(why) => {
            page.problem = Some(why);
            return render(page, StatusCode::BAD_REQUEST);
        }
    };
    match app.list_cases(&user.session, query).await {
        Ok(list) => {
            let full = list.len() as u32 >= SEARCH_PAGE;
            if let (true, Some(last)) = (full, list.last()) {
                let f = page.q.query();
                page.more = Some(if f.is_empty() {
                    format!("before={}", last.id)
                } else {
                    format!("{f}&before={}", last.id)
                });
            }
            page.rows = rows(&app, list, &names);
            render(page, StatusCode::OK)
        }
        Err(e) => {
            let status = crate::error::ApiError::from(e);
            page.problem = Some(status.message);
            render(page, status.code.status())
        }
    }
}
