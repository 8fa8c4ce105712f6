//! 办事大厅 for applicants and walk-ins: `/tickets` (取号 for an item on the
//! web or a phone, my tickets of today, 签到 after scanning the hall's QR
//! code), `/tickets/{token}` (the follow page of one ticket: 前面还有 N 人, the
//! wait estimate, told when it is called), `/hall/ticket` (the hall's ticket
//! page: a number by group, waiting at once) and `/hall/checkin` (the day's
//! check-in QR code, for staff to show at the hall).

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use onestamp_app::App;
use onestamp_app::hall::{TicketRequest, TicketView};
use onestamp_domain::hall::{Group, TicketSource, TicketStatus};
use onestamp_domain::role::Role;

use super::session::{MaybeUser, PageUser};
use super::{Chrome, PageQuery, Template, error_page, render};

#[derive(Debug, Default, Deserialize)]
pub struct CodeQuery {
    /// The day's check-in code, from the hall's QR code.
    #[serde(default)]
    code: Option<String>,
}

#[derive(Template)]
#[template(path = "tickets.html")]
struct TicketsPage {
    chrome: Chrome,
    tickets: Vec<TicketView>,
    items: Vec<(String, String, String)>,
    code: String,
}

/// `GET /tickets`: my tickets of today and the form to take one.
pub async fn mine(
    State(app): State<App>,
    user: PageUser,
    PageQuery(q): PageQuery<CodeQuery>,
) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Applicant]) {
        return refused;
    }
    let tickets = match app.my_tickets(&user.session).await {
        Ok(t) => t,
        Err(e) => return error_page(user.chrome(&app), e, None),
    };
    let items = app.ticket_items().await.unwrap_or_default();
    render(
        TicketsPage {
            chrome: user.chrome(&app),
            tickets,
            items,
            code: q.code.unwrap_or_default(),
        },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct TakeForm {
    csrf: Option<String>,
    #[serde(default)]
    item: String,
    #[serde(default)]
    source: String,
}

/// `POST /tickets`: takes a ticket for the item; on to its follow page.
pub async fn take(
    State(app): State<App>,
    user: PageUser,
    form: Result<Form<TakeForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let Ok(Form(f)) = form else {
        return super::incomplete(&app, &user);
    };
    if let Some(refused) = user.csrf_refusal(&app, f.csrf.as_deref()) {
        return refused;
    }
    let source = if f.source == "mobile" {
        TicketSource::Mobile
    } else {
        TicketSource::Web
    };
    let request = TicketRequest {
        item_code: Some(f.item.trim().to_string()).filter(|s| !s.is_empty()),
        ..TicketRequest::default()
    };
    match app
        .take_ticket(Some(&user.session), source, request, None)
        .await
    {
        Ok(v) => Redirect::to(&format!("/tickets/{}", v.token)).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some("/tickets".into())),
    }
}

#[derive(Template)]
#[template(path = "ticket.html")]
struct TicketPage {
    chrome: Chrome,
    view: TicketView,
    code: String,
    /// Whether the page follows the live calls (until the ticket is over).
    live: bool,
    taken: bool,
    called: bool,
}

/// `GET /tickets/{token}`: the follow page of a ticket (anyone holding its key).
pub async fn follow(
    State(app): State<App>,
    user: MaybeUser,
    Path(token): Path<String>,
    PageQuery(q): PageQuery<CodeQuery>,
) -> Response {
    match app.ticket_by_token(&token).await {
        Ok(view) => render(
            TicketPage {
                chrome: user.chrome(&app),
                live: !view.ticket.status.is_final(),
                taken: view.ticket.status == TicketStatus::Taken,
                called: view.ticket.status == TicketStatus::Called,
                code: q.code.unwrap_or_default(),
                view,
            },
            StatusCode::OK,
        ),
        Err(e) => error_page(user.chrome(&app), e, Some("/tickets".into())),
    }
}

#[derive(Deserialize)]
pub struct CheckInForm {
    #[serde(default)]
    code: String,
}

/// `POST /tickets/{token}/checkin`: 签到 with the day's code.
pub async fn check_in(
    State(app): State<App>,
    user: MaybeUser,
    Path(token): Path<String>,
    form: Result<Form<CheckInForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = Some(format!("/tickets/{token}"));
    let Ok(Form(f)) = form else {
        return error_page(
            user.chrome(&app),
            onestamp_app::AppError::invalid("请填写签到码"),
            back,
        );
    };
    match app.check_in(&token, &f.code).await {
        Ok(v) => Redirect::to(&format!("/tickets/{}", v.token)).into_response(),
        Err(e) => error_page(user.chrome(&app), e, back),
    }
}

#[derive(Template)]
#[template(path = "hall_ticket.html")]
struct HallTicketPage {
    chrome: Chrome,
    groups: Vec<Group>,
}

/// `GET /hall/ticket`: the hall's ticket page (现场取号).
pub async fn hall_ticket(State(app): State<App>) -> Response {
    let chrome = Chrome::public(&app);
    match app.hall_groups().await {
        Ok(groups) => render(HallTicketPage { chrome, groups }, StatusCode::OK),
        Err(e) => error_page(chrome, e, None),
    }
}

#[derive(Deserialize)]
pub struct HallTakeForm {
    #[serde(default)]
    group: String,
}

/// `POST /hall/ticket`: a number of the group, waiting at once; its follow
/// page shows it (and its QR code to follow on a phone).
pub async fn hall_take(
    State(app): State<App>,
    user: MaybeUser,
    crate::extract::ClientAddr(from): crate::extract::ClientAddr,
    form: Result<Form<HallTakeForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let chrome = user.chrome(&app);
    let Ok(Form(f)) = form else {
        return error_page(
            chrome,
            onestamp_app::AppError::invalid("请选择业务分组"),
            Some("/hall/ticket".into()),
        );
    };
    let request = TicketRequest {
        group: Some(f.group),
        ..TicketRequest::default()
    };
    let session = user.0.as_ref().map(|u| &u.session);
    match app
        .take_ticket(session, TicketSource::Hall, request, from)
        .await
    {
        Ok(v) => Redirect::to(&format!("/tickets/{}", v.token)).into_response(),
        Err(e) => error_page(chrome, e, Some("/hall/ticket".into())),
    }
}

#[derive(Template)]
#[template(path = "hall_checkin.html")]
struct CheckInPoster {
    chrome: Chrome,
    code: String,
    url: String,
    qr: String,
}

/// `GET /hall/checkin`: today's check-in QR code (staff show it at the hall).
pub async fn poster(State(app): State<App>, user: PageUser) -> Response {
    let code = match app.hall_checkin_code(&user.session).await {
        Ok(c) => c,
        Err(e) => return error_page(user.chrome(&app), e, None),
    };
    let url = format!(
        "{}/tickets?code={code}",
        app.settings().public_url.trim_end_matches('/')
    );
    render(
        CheckInPoster {
            chrome: user.chrome(&app),
            qr: qr_svg(&url),
            url,
            code,
        },
        StatusCode::OK,
    )
}

/// A QR code as an SVG of dark squares (empty if the text does not fit).
pub fn qr_svg(text: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let width = code.width();
    let size = width + 8;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" class=\"qr\" role=\"img\" aria-label=\"签到二维码\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>"
    );
    for (i, c) in code.to_colors().into_iter().enumerate() {
        if c == qrcode::Color::Dark {
            svg.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"1\" height=\"1\"/>",
                i % width + 4,
                i / width + 4
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}
