//! The administrator's webhooks page (`/admin/webhooks`): every webhook with
//! its state, a form to register one (its secret shown once, on the answer),
//! switching each on or off, and its recent deliveries with 重新投递 for a
//! failed or skipped one. Every form goes through the use cases of
//! `App::register_webhook`, `set_webhook_enabled` and `retry_delivery`.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use onestamp_app::store::{Delivery, DeliveryState, Webhook};
use onestamp_app::webhooks::WebhookForm;
use onestamp_app::{App, AppError};
use onestamp_domain::error::FieldProblem;
use onestamp_domain::message::Event;
use onestamp_domain::role::Role;
use onestamp_domain::webhook::ALL_EVENTS;

use super::admin::{Choice, Tab, all_of, one_of, tabs};
use super::session::PageUser;
use super::supervision::incomplete;
use super::{Chrome, Template, error_page, render};

/// How many recent deliveries each webhook shows.
const RECENT: u32 = 10;

pub struct DeliveryLine {
    pub id: i64,
    pub event: String,
    pub case_number: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub attempts: u32,
    pub status: String,
    pub answer: String,
    pub error: String,
    pub when: String,
    pub retryable: bool,
}

pub struct HookLine {
    pub id: i64,
    pub url: String,
    pub events: String,
    pub description: String,
    pub department: String,
    pub enabled: bool,
    pub reason: String,
    pub created: String,
    pub deliveries: Vec<DeliveryLine>,
}

/// A webhook just registered: its secret, shown this once.
pub struct Fresh {
    pub id: i64,
    pub url: String,
    pub secret: String,
}

/// What the form had, to show it again with its problems.
#[derive(Default)]
pub struct Draft {
    pub url: String,
    pub description: String,
    pub department: String,
}

#[derive(Template)]
#[template(path = "admin_webhooks.html")]
struct WebhooksPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    hooks: Vec<HookLine>,
    events: Vec<Choice>,
    departments: Vec<Choice>,
    fresh: Option<Fresh>,
    problems: Vec<FieldProblem>,
    draft: Draft,
}

fn event_label(e: &str) -> String {
    if e == ALL_EVENTS {
        return "全部事件".into();
    }
    Event::parse(e).map_or(e.to_string(), |ev| format!("{}（{e}）", ev.label_zh()))
}

fn delivery_line(app: &App, d: Delivery) -> DeliveryLine {
    let (state_class, retryable) = match d.state {
        DeliveryState::Delivered => ("ok", false),
        DeliveryState::Pending => ("", false),
        DeliveryState::Failed => ("bad", true),
        DeliveryState::Skipped => ("warn", true),
    };
    DeliveryLine {
        id: d.id,
        event: event_label(&d.event),
        case_number: d.case_number.unwrap_or_default(),
        state: d.state.label_zh(),
        state_class,
        attempts: d.attempts,
        status: d.last_status.map(|s| s.to_string()).unwrap_or_default(),
        answer: d
            .last_answer
            .unwrap_or_default()
            .chars()
            .take(120)
            .collect(),
        error: d.last_error.unwrap_or_default(),
        when: app.local_time(d.delivered_at.unwrap_or(d.due_at)),
        retryable,
    }
}

async fn page(
    app: &App,
    user: &PageUser,
    status: StatusCode,
    fresh: Option<Fresh>,
    problems: Vec<FieldProblem>,
    draft: Draft,
    chosen: &[String],
) -> Response {
    let chrome = user.chrome(app);
    let list: Vec<Webhook> = match app.webhooks(&user.session).await {
        Ok(l) => l,
        Err(e) => return error_page(chrome, e, Some("/admin".into())),
    };
    let departments = app
        .export_catalogue()
        .await
        .map(|c| c.departments)
        .unwrap_or_default();
    let dept_name = |code: &str| {
        departments
            .iter()
            .find(|d| d.code == code)
            .map_or(code.to_string(), |d| d.name.clone())
    };
    let mut hooks = Vec::new();
    for h in list {
        let deliveries = match app
            .webhook_deliveries(&user.session, h.id, None, RECENT)
            .await
        {
            Ok(d) => d.into_iter().map(|d| delivery_line(app, d)).collect(),
            Err(e) => return error_page(chrome, e, Some("/admin".into())),
        };
        hooks.push(HookLine {
            id: h.id,
            url: h.url,
            events: h
                .events
                .iter()
                .map(|e| event_label(e))
                .collect::<Vec<_>>()
                .join("、"),
            description: h.description,
            department: h
                .department
                .as_deref()
                .map_or("全部部门".to_string(), &dept_name),
            enabled: h.enabled,
            reason: h.disabled_reason.unwrap_or_default(),
            created: app.local_time(h.created_at),
            deliveries,
        });
    }
    let mut events = vec![Choice {
        value: ALL_EVENTS.into(),
        label: "全部事件（*）".into(),
        checked: chosen.iter().any(|c| c == ALL_EVENTS),
    }];
    events.extend(Event::ALL.into_iter().map(|e| Choice {
        value: e.as_str().into(),
        label: e.label_zh().into(),
        checked: chosen.iter().any(|c| c == e.as_str()),
    }));
    let departments = departments
        .iter()
        .map(|d| Choice {
            checked: d.code == draft.department,
            value: d.code.clone(),
            label: d.name.clone(),
        })
        .collect();
    render(
        WebhooksPage {
            chrome,
            tabs: tabs("/admin/webhooks"),
            hooks,
            events,
            departments,
            fresh,
            problems,
            draft,
        },
        status,
    )
}

/// `GET /admin/webhooks`.
pub async fn list(State(app): State<App>, user: PageUser) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Admin]) {
        return refused;
    }
    page(
        &app,
        &user,
        StatusCode::OK,
        None,
        Vec::new(),
        Draft::default(),
        &[],
    )
    .await
}

/// `POST /admin/webhooks`: registers a webhook; the answer shows its secret
/// once, or the form again with each problem (422).
pub async fn register(
    State(app): State<App>,
    user: PageUser,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = "/admin/webhooks";
    let Ok(Form(pairs)) = form else {
        return incomplete(&app, &user, back);
    };
    if let Some(refused) = user.csrf_refusal(&app, one_of(&pairs, "csrf")) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Admin]) {
        return refused;
    }
    let events: Vec<String> = all_of(&pairs, "events").map(str::to_string).collect();
    let draft = Draft {
        url: one_of(&pairs, "url").unwrap_or("").to_string(),
        description: one_of(&pairs, "description").unwrap_or("").to_string(),
        department: one_of(&pairs, "department").unwrap_or("").to_string(),
    };
    let form = WebhookForm {
        url: draft.url.clone(),
        events: events.clone(),
        description: draft.description.clone(),
        department: Some(draft.department.clone()).filter(|d| !d.is_empty()),
    };
    match app.register_webhook(&user.session, form).await {
        Ok(h) => {
            let fresh = Fresh {
                id: h.id,
                url: h.url,
                secret: h.secret.unwrap_or_default(),
            };
            page(
                &app,
                &user,
                StatusCode::CREATED,
                Some(fresh),
                Vec::new(),
                Draft::default(),
                &[],
            )
            .await
        }
        Err(AppError::Invalid { problems, message }) => {
            let problems = if problems.is_empty() {
                vec![FieldProblem {
                    field: String::new(),
                    message,
                }]
            } else {
                problems
            };
            page(
                &app,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                problems,
                draft,
                &events,
            )
            .await
        }
        Err(e) => error_page(user.chrome(&app), e, Some(back.into())),
    }
}

/// `POST /admin/webhooks/{id}/enabled`: `enabled=on` or `off`.
pub async fn set_enabled(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = "/admin/webhooks";
    let Ok(Form(pairs)) = form else {
        return incomplete(&app, &user, back);
    };
    if let Some(refused) = user.csrf_refusal(&app, one_of(&pairs, "csrf")) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Admin]) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound(format!("Webhook {id} ")),
            Some(back.into()),
        );
    };
    let enabled = match one_of(&pairs, "enabled") {
        Some("on") => true,
        Some("off") => false,
        _ => return incomplete(&app, &user, back),
    };
    match app.set_webhook_enabled(&user.session, id, enabled).await {
        Ok(_) => Redirect::to(&format!("/admin/webhooks#hook-{id}")).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back.into())),
    }
}

/// `POST /admin/deliveries/{id}/retry`: puts a failed delivery back in the queue.
pub async fn retry(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = "/admin/webhooks";
    let Ok(Form(pairs)) = form else {
        return incomplete(&app, &user, back);
    };
    if let Some(refused) = user.csrf_refusal(&app, one_of(&pairs, "csrf")) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Admin]) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound(format!("投递记录 {id} ")),
            Some(back.into()),
        );
    };
    match app.retry_delivery(&user.session, id).await {
        Ok(d) => Redirect::to(&format!("/admin/webhooks#hook-{}", d.target)).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back.into())),
    }
}
