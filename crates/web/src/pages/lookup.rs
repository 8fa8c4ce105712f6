//! `/lookup`: progress lookup without login (办件进度查询) by case number and
//! query code, through [`App::lookup_progress`] like the API. The form posts,
//! so the query code never appears in an address, a history or a log line;
//! `GET /lookup?number=…` fills the number in (the receipt's link).

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use onestamp_app::{App, AppError};
use onestamp_domain::case::{Progress, StageState};
use onestamp_domain::catalogue::TimeLimit;
use onestamp_domain::timing::Light;

use super::session::MaybeUser;
use super::{Chrome, PageQuery, Template, error_page, render};

/// A stage of the timeline as the page shows it.
pub struct StageLine {
    pub stage: &'static str,
    pub label: &'static str,
    pub state: &'static str,
    pub state_label: &'static str,
    pub limit: Option<String>,
    pub entered: Option<String>,
    pub left: Option<String>,
    pub deadline: Option<String>,
    /// (class, words)
    pub light: Option<(&'static str, &'static str)>,
    pub spent: Option<String>,
}

/// A step as the page shows it.
pub struct StepLine {
    pub at: String,
    pub label: String,
    pub status: &'static str,
}

/// The progress as the page shows it.
pub struct ProgressView {
    pub number: String,
    pub item_code: String,
    pub item_name: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub closed: bool,
    pub issued: bool,
    pub submitted: String,
    pub deadline: Option<String>,
    pub light: (&'static str, &'static str),
    pub suspended: bool,
    pub stages: Vec<StageLine>,
    pub steps: Vec<StepLine>,
}

#[derive(Template)]
#[template(path = "lookup.html")]
struct LookupPage {
    chrome: Chrome,
    number: String,
    error: Option<String>,
    /// The field the error is about (`number` or `code`).
    error_field: String,
    progress: Option<ProgressView>,
}

fn light_words(light: Light) -> (&'static str, &'static str) {
    match light {
        Light::Green => ("green", "正常"),
        Light::Yellow => ("yellow", "临近时限"),
        Light::Red => ("red", "已超时"),
    }
}

fn limit_text(limit: TimeLimit) -> String {
    limit.to_string()
}

fn view(app: &App, p: Progress) -> ProgressView {
    let minutes_per_day = app.settings().calendar.office_hours().minutes_per_day();
    ProgressView {
        number: p.number,
        item_code: p.item_code,
        item_name: p.item_name,
        status: p.status_label,
        status_code: p.status.as_str(),
        closed: p.closed,
        issued: p.status == onestamp_domain::case::CaseStatus::Issued,
        submitted: app.local_time(p.submitted_at),
        deadline: p.deadline.map(|d| app.local_time(d)),
        light: light_words(p.light),
        suspended: p.suspended,
        stages: p
            .stages
            .into_iter()
            .map(|s| StageLine {
                stage: s.stage.as_str(),
                label: s.label,
                state: match s.state {
                    StageState::Done => "done",
                    StageState::Current => "current",
                    StageState::Pending => "pending",
                    StageState::Skipped => "skipped",
                },
                state_label: s.state.label_zh(),
                limit: s.limit.map(limit_text),
                entered: s.entered_at.map(|t| app.local_time(t)),
                left: s.left_at.map(|t| app.local_time(t)),
                deadline: s.deadline.map(|t| app.local_time(t)),
                light: s.light.map(light_words),
                spent: s
                    .minutes
                    .filter(|_| s.state == StageState::Done)
                    .map(|m| onestamp_domain::timing::duration_zh(m, minutes_per_day)),
            })
            .collect(),
        steps: p
            .steps
            .into_iter()
            .map(|s| StepLine {
                at: app.local_time(s.at),
                label: s.label,
                status: s.status_label,
            })
            .collect(),
    }
}

#[derive(Deserialize)]
pub struct LookupQuery {
    #[serde(default)]
    number: Option<String>,
}

/// `GET /lookup`: the lookup form, the number filled in from `?number=`.
pub async fn form(
    State(app): State<App>,
    user: MaybeUser,
    PageQuery(q): PageQuery<LookupQuery>,
) -> Response {
    let number: String = q
        .number
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '-')
        .take(40)
        .collect();
    render(
        LookupPage {
            chrome: user.chrome(&app),
            number,
            error: None,
            error_field: String::new(),
            progress: None,
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct LookupForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    code: String,
}

/// `POST /lookup`: the case's public progress, or the form again with why not.
pub async fn lookup(
    State(app): State<App>,
    user: MaybeUser,
    crate::extract::ClientAddr(source): crate::extract::ClientAddr,
    form: Result<Form<LookupForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let chrome = user.chrome(&app);
    let form = form.map(|Form(f)| f).unwrap_or(LookupForm {
        number: String::new(),
        code: String::new(),
    });
    let number: String = form.number.trim().chars().take(40).collect();
    match app.lookup_progress(&number, &form.code, source).await {
        Ok(p) => render(
            LookupPage {
                chrome,
                number,
                error: None,
                error_field: String::new(),
                progress: Some(view(&app, p)),
            },
            StatusCode::OK,
        ),
        Err(e @ (AppError::Invalid { .. } | AppError::RateLimited { .. })) => {
            let status = match e {
                AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let error_field = match &e {
                AppError::Invalid { problems, .. } => problems
                    .first()
                    .map(|p| p.field.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            render(
                LookupPage {
                    chrome,
                    number,
                    error: Some(e.to_string()),
                    error_field,
                    progress: None,
                },
                status,
            )
        }
        Err(e) => error_page(chrome, e, Some("/lookup".into())),
    }
}
