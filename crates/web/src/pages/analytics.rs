//! 统计分析 (`/analytics`): the dashboard for supervisors, administrators and
//! regulators (their departments) — period and department filters, a chart
//! drawn on the server beside each table, every table as CSV or XLSX
//! (`/analytics/export`); and the hall display (`/display`), public,
//! refreshing itself, without personal data.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use serde::Deserialize;

use onestamp_app::analytics::{AnalyticsQuery, Dashboard, Display};
use onestamp_app::report::{self, Table};
use onestamp_app::{App, AppError};
use onestamp_domain::role::Role;

use super::session::PageUser;
use super::{Chrome, PageQuery, Template, charts, error_page, render};

/// Who reads the figures.
pub const READERS: [Role; 3] = [Role::Supervisor, Role::Admin, Role::Regulator];

/// The filters of the dashboard and the exports.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    pub month: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub department: Option<String>,
    /// Exports: `csv` or `xlsx`.
    pub format: Option<String>,
    /// Exports: one table's name (all tables of an XLSX when absent).
    pub table: Option<String>,
}

impl Filters {
    fn query(&self) -> AnalyticsQuery {
        AnalyticsQuery {
            month: self.month.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            department: self.department.clone(),
        }
    }
}

/// A department of the filter.
pub struct DepartmentChoice {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

/// A chart with its tables.
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    pub chart: Option<String>,
    pub tables: Vec<Table>,
}

#[derive(Template)]
#[template(path = "analytics.html")]
struct AnalyticsPage {
    chrome: Chrome,
    month: String,
    /// The months to choose from (the last two years and the one shown),
    /// labelled in Chinese whatever the browser's language.
    months: Vec<MonthChoice>,
    departments: Vec<DepartmentChoice>,
    scope_label: String,
    headline: Vec<(&'static str, String)>,
    sections: Vec<Section>,
    /// `from=…&to=…&department=…` of the figures shown, for the exports.
    export_query: String,
    /// `&department=…` of the monthly report's address, or nothing.
    report_department: String,
}

struct MonthChoice {
    value: String,
    label: String,
    selected: bool,
}

/// The 24 months up to `today`'s, newest first, and `shown` if older.
fn month_choices(today: chrono::NaiveDate, shown: &str) -> Vec<MonthChoice> {
    let mut out = Vec::new();
    let mut first = today.with_day(1).unwrap_or(today);
    for _ in 0..24 {
        out.push(MonthChoice {
            value: first.format("%Y-%m").to_string(),
            label: first.format("%Y年%-m月").to_string(),
            selected: false,
        });
        match first.checked_sub_months(chrono::Months::new(1)) {
            Some(d) => first = d,
            None => break,
        }
    }
    if !out.iter().any(|m| m.value == shown) {
        let label = chrono::NaiveDate::parse_from_str(&format!("{shown}-01"), "%Y-%m-%d")
            .map_or_else(|_| shown.to_string(), |d| d.format("%Y年%-m月").to_string());
        out.push(MonthChoice {
            value: shown.to_string(),
            label,
            selected: false,
        });
    }
    for m in &mut out {
        m.selected = m.value == shown;
    }
    out
}

fn take(tables: &mut Vec<Table>, id: &str) -> Option<Table> {
    let i = tables.iter().position(|t| t.id == id)?;
    Some(tables.remove(i))
}

fn sections(d: &Dashboard) -> Vec<Section> {
    let mut tables = report::tables(d);
    let mut section = |id, title, ids: &[&str], chart: &dyn Fn(&[Table]) -> Option<String>| {
        let picked: Vec<Table> = ids.iter().filter_map(|t| take(&mut tables, t)).collect();
        Section {
            id,
            title,
            chart: chart(&picked),
            tables: picked,
        }
    };
    let first = |col: usize, title: &'static str, unit: &'static str| {
        move |t: &[Table]| {
            t.first()
                .and_then(|t| charts::bars(title, &t.series(col), unit))
        }
    };
    vec![
        section(
            "daily",
            "每日办件量",
            &["volumes_day"],
            &|t: &[Table]| {
                t.first()
                    .and_then(|t| charts::columns("每日办件量（件）", &t.series(1)))
            },
        ),
        section(
            "items",
            "按事项",
            &["volumes_item"],
            &first(1, "各事项办件量（件）", "件"),
        ),
        section(
            "departments",
            "按部门",
            &["volumes_department"],
            &first(1, "各部门办件量（件）", "件"),
        ),
        section(
            "channels",
            "按渠道",
            &["volumes_channel"],
            &first(1, "各渠道办件量（件）", "件"),
        ),
        section(
            "times",
            "办理用时",
            &["times_stage", "times_item"],
            &first(2, "各环节用时中位数（工作小时）", "小时"),
        ),
        section(
            "overdue",
            "逾期任务",
            &["overdue"],
            &first(2, "逾期任务（件）", "件"),
        ),
        section(
            "corrections",
            "补正",
            &["corrections_material", "corrections_item"],
            &first(3, "补正最多的材料（次）", "次"),
        ),
        section(
            "refusals",
            "不予受理与不予许可",
            &["refusals"],
            &first(3, "不予受理、不予许可理由（件）", "件"),
        ),
        section(
            "ratings",
            "好差评",
            &[
                "ratings_department",
                "ratings_item",
                "ratings_staff",
                "ratings_channel",
            ],
            &first(6, "各部门好评率（%）", "%"),
        ),
        section(
            "themes",
            "一件事一次办",
            &["themes", "themes_channel"],
            &first(1, "各主题申请件数（件）", "件"),
        ),
        section(
            "hall",
            "办事大厅",
            &["hall", "hall_source", "hall_bookings"],
            &first(6, "各分组平均等候（分钟）", "分钟"),
        ),
    ]
}

fn export_query(d: &Dashboard) -> String {
    let mut q = format!("from={}&to={}", d.scope.from, d.scope.to);
    if let Some(dep) = &d.scope.department {
        q.push_str("&department=");
        q.push_str(&percent_encode(dep));
    }
    q
}

/// Percent-encodes a query value (department codes are plain, but be safe).
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /analytics`.
pub async fn dashboard(
    State(app): State<App>,
    user: PageUser,
    PageQuery(f): PageQuery<Filters>,
) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &READERS) {
        return refused;
    }
    let chrome = user.chrome(&app);
    let d = match app.analytics_dashboard(&user.session, &f.query()).await {
        Ok(d) => d,
        Err(e) => return error_page(chrome, e, Some("/analytics".into())),
    };
    let departments = match app.analytics_departments(&user.session).await {
        Ok(v) => v,
        Err(e) => return error_page(chrome, e, Some("/".into())),
    };
    let selected = d.scope.department.clone().unwrap_or_default();
    let month = format!("{:04}-{:02}", d.scope.from.year(), d.scope.from.month());
    render(
        AnalyticsPage {
            chrome,
            months: month_choices(app.today(), &month),
            month,
            departments: departments
                .into_iter()
                .map(|x| DepartmentChoice {
                    selected: x.code == selected,
                    code: x.code,
                    name: x.name,
                })
                .collect(),
            scope_label: d.scope.label.clone(),
            headline: report::headline(&d),
            sections: sections(&d),
            export_query: export_query(&d),
            report_department: d
                .scope
                .department
                .as_deref()
                .map(|x| format!("&department={}", percent_encode(x)))
                .unwrap_or_default(),
        },
        StatusCode::OK,
    )
}

fn attachment(content_type: &'static str, name: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// `GET /analytics/export?format=csv|xlsx&table=…`: one table as CSV, one or
/// every table as XLSX, the period and filters written in the file.
pub async fn export(
    State(app): State<App>,
    user: PageUser,
    PageQuery(f): PageQuery<Filters>,
) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &READERS) {
        return refused;
    }
    let chrome = user.chrome(&app);
    let format = f.format.as_deref().unwrap_or("xlsx");
    let table = f.table.as_deref().filter(|t| !t.is_empty());
    if let Some(t) = table
        && !report::TABLES.contains(&t)
    {
        return error_page(
            chrome,
            AppError::invalid(format!("没有名为 {t} 的统计表")),
            Some("/analytics".into()),
        );
    }
    let d = match app.analytics_dashboard(&user.session, &f.query()).await {
        Ok(d) => d,
        Err(e) => return error_page(chrome, e, Some("/analytics".into())),
    };
    let tables: Vec<Table> = report::tables(&d)
        .into_iter()
        .filter(|t| table.is_none_or(|name| t.id == name))
        .collect();
    let stem = format!(
        "onestamp-{}-{}-{}",
        table.unwrap_or("analytics"),
        d.scope.from,
        d.scope.to
    );
    match (format, tables.first()) {
        ("csv", Some(t)) if table.is_some() => attachment(
            "text/csv; charset=utf-8",
            format!("{stem}.csv"),
            report::csv(t, &d.scope.label).into_bytes(),
        ),
        ("csv", _) => error_page(
            chrome,
            AppError::invalid("CSV 每次导出一张统计表，请指定 table"),
            Some("/analytics".into()),
        ),
        ("xlsx", _) => match crate::export::xlsx(&tables, &d.scope.label) {
            Ok(bytes) => attachment(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                format!("{stem}.xlsx"),
                bytes,
            ),
            Err(e) => {
                tracing::error!(error = %e, "xlsx export failed");
                error_page(
                    chrome,
                    AppError::rendering(e.to_string()),
                    Some("/analytics".into()),
                )
            }
        },
        (other, _) => error_page(
            chrome,
            AppError::invalid(format!("不支持的导出格式 {other}（csv 或 xlsx）")),
            Some("/analytics".into()),
        ),
    }
}

/// `GET /analytics/report?month=yyyy-mm&department=…`: 月度统计报告, the
/// month's figures as a sealed PDF.
pub async fn report(
    State(app): State<App>,
    user: PageUser,
    PageQuery(f): PageQuery<Filters>,
) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &READERS) {
        return refused;
    }
    let chrome = user.chrome(&app);
    let Some(month) = f.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) else {
        return error_page(
            chrome,
            AppError::invalid("请指定月份，形如 2026-03"),
            Some("/analytics".into()),
        );
    };
    let department = f.department.clone().filter(|d| !d.trim().is_empty());
    match app
        .monthly_report(Some(&user.session), month, department)
        .await
    {
        Ok((name, pdf)) => attachment("application/pdf", name, pdf),
        Err(e) => error_page(chrome, e, Some("/analytics".into())),
    }
}

#[derive(Template)]
#[template(path = "display.html")]
struct DisplayPage {
    bureau: String,
    now: String,
    d: Display,
    on_time: String,
    same_day: String,
}

/// `GET /display`: the hall display, public, refreshing itself every 30 s.
pub async fn display(State(app): State<App>) -> Response {
    let d = match app.hall_display().await {
        Ok(d) => d,
        Err(e) => return error_page(Chrome::public(&app), e, None),
    };
    let rate = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |v| format!("{v:.1}%"));
    render(
        DisplayPage {
            bureau: app.settings().bureau_name.clone(),
            now: app.local_time(app.now()),
            on_time: rate(d.on_time_rate),
            same_day: rate(d.same_day_share),
            d,
        },
        StatusCode::OK,
    )
}
