//! 预约办事 for the signed-in applicant: `/appointments` (我的预约 with their
//! status), `/appointments/new` (an item group or item, then a working day of
//! the next 14, then a slot with the places left), the held booking's page
//! with 确认预约, the cancellation page whose button POSTs (a link never
//! changes anything: mail scanners follow links), and on the booking's day
//! the ticket taken from it.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;

use onestamp_app::appointments::{BookingView, DAYS_AHEAD, weekday_zh};
use onestamp_app::{App, AppError};
use onestamp_domain::hall::{Group, TicketSource};
use onestamp_domain::role::Role;

use super::session::PageUser;
use super::{Chrome, PageQuery, Template, error_page, render};

#[derive(Template)]
#[template(path = "appointments.html")]
struct ListPage {
    chrome: Chrome,
    bookings: Vec<BookingView>,
    /// Live bookings still to come, against the limit.
    live: usize,
    limit: usize,
}

/// `GET /appointments`: 我的预约.
pub async fn mine(State(app): State<App>, user: PageUser) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Applicant]) {
        return refused;
    }
    let bookings = match app.appointment_history(&user.session).await {
        Ok(b) => b,
        Err(e) => return error_page(user.chrome(&app), e, None),
    };
    let live = app
        .my_appointments(&user.session)
        .await
        .map_or(0, |b| b.len());
    render(
        ListPage {
            chrome: user.chrome(&app),
            bookings,
            live,
            limit: onestamp_app::appointments::BOOKINGS_PER_APPLICANT,
        },
        StatusCode::OK,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    item: Option<String>,
    #[serde(default)]
    date: Option<String>,
}

/// A group to choose, with its items (code, name).
struct GroupChoice {
    group: Group,
    items: Vec<(String, String)>,
}

/// A day to choose.
struct DayChoice {
    date: String,
    label: String,
    weekday: &'static str,
    /// 调休上班 or the like, if the day is not an ordinary weekday.
    note: String,
    free: u32,
    chosen: bool,
}

/// A slot to choose.
struct SlotChoice {
    start: String,
    time: String,
    free: u32,
    capacity: u32,
}

#[derive(Template)]
#[template(path = "appointment_new.html")]
struct NewPage {
    chrome: Chrome,
    groups: Vec<GroupChoice>,
    group: Option<GroupChoice>,
    item: String,
    item_name: String,
    days: Vec<DayChoice>,
    day_label: String,
    date: String,
    slots: Vec<SlotChoice>,
}

/// `GET /appointments/new`: choose the group (or item), the day, the slot.
pub async fn new(
    State(app): State<App>,
    user: PageUser,
    PageQuery(q): PageQuery<NewQuery>,
) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Applicant]) {
        return refused;
    }
    let chrome = user.chrome(&app);
    let back = Some("/appointments/new".to_string());
    let groups = match app.hall_groups().await {
        Ok(g) => g,
        Err(e) => return error_page(chrome, e, None),
    };
    let items = app.ticket_items().await.unwrap_or_default();
    let choices: Vec<GroupChoice> = groups
        .into_iter()
        .map(|g| GroupChoice {
            items: items
                .iter()
                .filter(|(_, _, group)| *group == g.code)
                .map(|(c, n, _)| (c.clone(), n.clone()))
                .collect(),
            group: g,
        })
        .collect();
    let item = q.item.unwrap_or_default();
    // An item chosen gives its group.
    let group_code = q.group.filter(|g| !g.is_empty()).or_else(|| {
        items
            .iter()
            .find(|(c, _, _)| *c == item)
            .map(|(_, _, g)| g.clone())
    });
    let mut page = NewPage {
        chrome,
        groups: Vec::new(),
        group: None,
        item_name: items
            .iter()
            .find(|(c, _, _)| *c == item)
            .map(|(_, n, _)| n.clone())
            .unwrap_or_default(),
        item,
        days: Vec::new(),
        day_label: String::new(),
        date: String::new(),
        slots: Vec::new(),
    };
    let Some(code) = group_code else {
        page.groups = choices;
        return render(page, StatusCode::OK);
    };
    let Some(chosen) = choices.into_iter().find(|c| c.group.code == code) else {
        return error_page(
            page.chrome,
            AppError::NotFound(format!("业务分组 {code} ")),
            back,
        );
    };
    let date = match q.date.as_deref().filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                return error_page(page.chrome, AppError::invalid("预约日期格式不正确"), back);
            }
        },
    };
    let today = app.local_date(app.now());
    let calendar = &app.settings().calendar;
    for n in 0..=DAYS_AHEAD {
        let d = today + Duration::days(n);
        if !calendar.is_working_day(d) {
            continue;
        }
        let free = match app.hall_slots(&code, d).await {
            Ok(slots) => slots
                .iter()
                .filter(|s| s.slot.start > app.now())
                .map(|s| s.free)
                .sum(),
            Err(e) => return error_page(page.chrome, e, back),
        };
        let note = if chrono::Datelike::weekday(&d).num_days_from_monday() >= 5 {
            "调休上班".to_string()
        } else if n == 0 {
            "今天".to_string()
        } else {
            String::new()
        };
        page.days.push(DayChoice {
            date: d.format("%Y-%m-%d").to_string(),
            label: d.format("%-m月%-d日").to_string(),
            weekday: weekday_zh(d),
            note,
            free,
            chosen: Some(d) == date,
        });
    }
    if let Some(d) = date {
        if d < today || d > today + Duration::days(DAYS_AHEAD) {
            return error_page(
                page.chrome,
                AppError::invalid(format!("只能预约今天起 {DAYS_AHEAD} 天内的工作日")),
                back,
            );
        }
        page.date = d.format("%Y-%m-%d").to_string();
        page.day_label = format!("{} {}", d.format("%Y年%-m月%-d日"), weekday_zh(d));
        if !calendar.is_working_day(d) {
            let why = calendar
                .holiday_name(d)
                .map_or_else(|| "休息日".to_string(), |h| format!("{h}假期"));
            return error_page(
                page.chrome,
                AppError::invalid(format!(
                    "{} 是{why}，大厅不办公，请选择其他日期",
                    page.day_label
                )),
                back,
            );
        }
        let now = app.now();
        match app.hall_slots(&code, d).await {
            Ok(slots) => {
                page.slots = slots
                    .into_iter()
                    .filter(|s| s.slot.start > now)
                    .map(|s| SlotChoice {
                        start: s.slot.start.to_rfc3339(),
                        time: format!(
                            "{}–{}",
                            calendar.wall_clock(s.slot.start).format("%H:%M"),
                            calendar.wall_clock(s.slot.end).format("%H:%M")
                        ),
                        free: s.free,
                        capacity: s.slot.capacity,
                    })
                    .collect();
            }
            Err(e) => return error_page(page.chrome, e, back),
        }
    }
    page.group = Some(chosen);
    render(page, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct BookForm {
    csrf: Option<String>,
    #[serde(default)]
    group: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    start: String,
}

/// `POST /appointments`: holds the slot; on to its confirmation page.
pub async fn book(
    State(app): State<App>,
    user: PageUser,
    form: Result<Form<BookForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else {
        return super::incomplete(&app, &user);
    };
    if let Some(refused) = user.csrf_refusal(&app, f.csrf.as_deref()) {
        return refused;
    }
    let back = Some(format!("/appointments/new?group={}", f.group));
    let Ok(start) = DateTime::parse_from_rfc3339(f.start.trim()) else {
        return error_page(user.chrome(&app), AppError::invalid("请选择预约时段"), back);
    };
    let item = Some(f.item.trim()).filter(|s| !s.is_empty());
    match app
        .book_appointment(&user.session, &f.group, item, start.with_timezone(&Utc))
        .await
    {
        Ok(v) => Redirect::to(&format!("/appointments/{}", v.booking.id)).into_response(),
        Err(e) => error_page(user.chrome(&app), e, back),
    }
}

#[derive(Template)]
#[template(path = "appointment.html")]
struct BookingPage {
    chrome: Chrome,
    view: BookingView,
    item_name: String,
    held_until: String,
    /// Just confirmed or cancelled: a line at the top says so.
    done: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

fn booking_id(id: &str) -> Option<i64> {
    id.parse::<i64>().ok().filter(|n| *n > 0)
}

fn no_booking(app: &App, user: &PageUser) -> Response {
    error_page(
        user.chrome(app),
        AppError::NotFound("该预约".into()),
        Some("/appointments".into()),
    )
}

/// `GET /appointments/{id}`: the booking; held, its 确认预约 button.
pub async fn one(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<DoneQuery>,
) -> Response {
    let Some(id) = booking_id(&id) else {
        return no_booking(&app, &user);
    };
    match app.appointment(&user.session, id).await {
        Ok(view) => {
            let item_name = item_name(&app, view.booking.item_code.as_deref()).await;
            let done = match q.done.as_deref() {
                Some("confirmed") => "预约成功！请在预约当天按时到大厅取号签到。",
                Some("cancelled") => "预约已取消。",
                _ => "",
            };
            render(
                BookingPage {
                    chrome: user.chrome(&app),
                    held_until: app
                        .settings()
                        .calendar
                        .wall_clock(view.booking.held_until)
                        .format("%H:%M")
                        .to_string(),
                    item_name,
                    done: done.into(),
                    view,
                },
                StatusCode::OK,
            )
        }
        Err(e) => error_page(user.chrome(&app), e, Some("/appointments".into())),
    }
}

async fn item_name(app: &App, code: Option<&str>) -> String {
    let Some(code) = code else {
        return String::new();
    };
    app.ticket_items()
        .await
        .unwrap_or_default()
        .into_iter()
        .find(|(c, _, _)| c == code)
        .map_or_else(|| code.to_string(), |(_, n, _)| n)
}

#[derive(Template)]
#[template(path = "appointment_cancel.html")]
struct CancelPage {
    chrome: Chrome,
    view: BookingView,
}

/// `GET /appointments/{id}/cancel`: asks before cancelling; only its button
/// (a POST) cancels.
pub async fn cancel_form(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = booking_id(&id) else {
        return no_booking(&app, &user);
    };
    match app.appointment(&user.session, id).await {
        Ok(view) if !view.cancellable => error_page(
            user.chrome(&app),
            AppError::Domain(onestamp_domain::DomainError::HallStep(format!(
                "该预约{}，不能取消",
                view.status_label
            ))),
            Some(format!("/appointments/{id}")),
        ),
        Ok(view) => render(
            CancelPage {
                chrome: user.chrome(&app),
                view,
            },
            StatusCode::OK,
        ),
        Err(e) => error_page(user.chrome(&app), e, Some("/appointments".into())),
    }
}

#[derive(Deserialize)]
pub struct StepForm {
    csrf: Option<String>,
}

/// `POST /appointments/{id}/{confirm|cancel|ticket}`.
pub async fn step(
    State(app): State<App>,
    user: PageUser,
    Path((id, step)): Path<(String, String)>,
    form: Result<Form<StepForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else {
        return super::incomplete(&app, &user);
    };
    if let Some(refused) = user.csrf_refusal(&app, f.csrf.as_deref()) {
        return refused;
    }
    let Some(id) = booking_id(&id) else {
        return no_booking(&app, &user);
    };
    let back = Some(format!("/appointments/{id}"));
    let s = &user.session;
    let done = match step.as_str() {
        "confirm" => app.confirm_appointment(s, id).await.map(|_| "confirmed"),
        "cancel" => app.cancel_appointment(s, id).await.map(|_| "cancelled"),
        "ticket" => {
            return match app.ticket_for_booking(s, id, TicketSource::Mobile).await {
                Ok(t) => Redirect::to(&format!("/tickets/{}", t.token)).into_response(),
                Err(e) => error_page(user.chrome(&app), e, back),
            };
        }
        _ => Err(AppError::NotFound("该操作".into())),
    };
    match done {
        Ok(d) => Redirect::to(&format!("/appointments/{id}?done={d}")).into_response(),
        Err(e) => error_page(user.chrome(&app), e, back),
    }
}

/// `POST /appointments/{id}/cancel`: the cancellation page's button.
pub async fn step_cancel(
    state: State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<StepForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    step(state, user, Path((id, "cancel".to_string())), form).await
}
