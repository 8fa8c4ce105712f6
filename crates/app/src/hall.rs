//! The service hall (办事大厅): tickets taken on the web, a phone or the hall's
//! ticket page; check-in at the hall with the day's code (a remote ticket
//! waits only once checked in); the clerk's window — call the next ticket,
//! recall, no-show, transfer — and the counter case that ends the ticket; the
//! call log the hall display follows. Every step is an `UPDATE … WHERE status
//! = …` in the store: a lost race is picked again or refused, never doubled,
//! and each writes its counts for the figures (`analytics_hall`) with it.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use onestamp_domain::hall::{
    self, Group, Ticket, TicketSource, TicketStatus, Window, ahead_of, estimate_wait,
};
use onestamp_domain::role::Role;

use onestamp_domain::analytics::Tally;
use onestamp_domain::analytics_hall;
use onestamp_domain::audit::AuditFact;

use crate::auth::Session;
use crate::store::{NewCall, NewTicket, StoredCall, WindowChange};
use crate::throttle::Limit;
use crate::{App, AppError};

/// Open tickets one applicant may hold on a day.
pub const TICKETS_PER_APPLICANT: usize = 3;
/// Hall tickets one address may take per hour (the hall's ticket page).
const HALL_TICKETS_PER_ADDRESS: Limit = Limit {
    most: 30,
    window: Duration::hours(1),
};
/// Ended tickets the wait estimate looks at.
const RECENT_HANDLING: u32 = 20;
/// The largest page of the call log.
pub const CALLS_PAGE_MAX: u32 = 200;

/// What a ticket is to be taken for.
#[derive(Debug, Clone, Default)]
pub struct TicketRequest {
    /// The item to be handled: its group gives the ticket's prefix.
    pub item_code: Option<String>,
    /// Or the group itself (the hall's ticket page).
    pub group: Option<String>,
    pub appointment_at: Option<DateTime<Utc>>,
    /// The confirmed booking the ticket is taken for (see
    /// [`App::ticket_for_booking`]).
    pub booking: Option<i64>,
}

/// A ticket as its holder, the clerk and the follow page see it: nothing
/// personal but the applicant's id for staff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketView {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub status_label: &'static str,
    pub group_name: String,
    /// The window it is called to (or transferred to), by its number.
    pub window_number: Option<String>,
    /// Waiting tickets of its queue before it (前面还有 N 人).
    pub ahead: usize,
    /// The expected wait in minutes, while it waits or is not checked in.
    pub estimate_minutes: Option<i64>,
    /// The key of its follow page (`/tickets/{token}`).
    pub token: String,
}

/// A window with who is on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowView {
    #[serde(flatten)]
    pub window: Window,
    pub staff_name: Option<String>,
    /// Tickets waiting for it now.
    pub waiting: usize,
}

/// The clerk's window: the ticket in hand and the queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowBoard {
    pub window: WindowView,
    pub current: Option<TicketView>,
    /// The other open windows, for a transfer.
    pub others: Vec<WindowView>,
    /// Seconds until a recall is allowed (0: now).
    pub recall_in: i64,
}

/// A window to save (administrators).
#[derive(Debug, Clone)]
pub struct WindowInput {
    pub id: Option<i64>,
    pub number: String,
    pub groups: Vec<String>,
    pub open: bool,
}

/// Whether two codes are equal, compared in constant time.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn not_found_ticket() -> AppError {
    AppError::NotFound("该号".into())
}

impl App {
    /// The recall interval (重呼间隔).
    fn recall_interval(&self) -> Duration {
        Duration::seconds(i64::from(self.settings.hall_recall_secs))
    }

    /// The hall's groups (public: the ticket page lists them).
    pub async fn hall_groups(&self) -> Result<Vec<Group>, AppError> {
        Ok(self.store.hall_groups().await?)
    }

    /// Creates or replaces a group (administrators); its items must exist.
    pub async fn save_hall_group(
        &self,
        session: &Session,
        group: Group,
    ) -> Result<Group, AppError> {
        session.require(&[Role::Admin])?;
        hall::check_group(&group)?;
        let group = Group {
            name: group.name.trim().to_string(),
            ..group
        };
        for code in &group.items {
            if self.store.item(code).await?.is_none() {
                return Err(AppError::NotFound(format!("事项 {code} ")));
            }
        }
        self.store.save_hall_group(group.clone()).await?;
        tracing::info!(group = %group.code, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "hall group saved");
        Ok(group)
    }

    /// Creates or changes a window (administrators); its groups must exist.
    pub async fn save_hall_window(
        &self,
        session: &Session,
        input: WindowInput,
    ) -> Result<Window, AppError> {
        session.require(&[Role::Admin])?;
        hall::check_window(&input.number, &input.groups)?;
        let groups = self.store.hall_groups().await?;
        for g in &input.groups {
            if !groups.iter().any(|x| &x.code == g) {
                return Err(AppError::invalid(format!("分组 {g} 不存在")));
            }
        }
        let staff = match input.id {
            Some(id) => self.window(id).await?.staff,
            None => None,
        };
        let window = self
            .store
            .save_hall_window(WindowChange {
                id: input.id,
                number: input.number,
                groups: input.groups,
                staff,
                open: input.open,
            })
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Duplicate(_) => AppError::Duplicate("该窗口号".into()),
                other => other,
            })?;
        tracing::info!(window = %window.number, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "hall window saved");
        Ok(window)
    }

    async fn window(&self, id: i64) -> Result<Window, AppError> {
        self.store
            .hall_windows()
            .await?
            .into_iter()
            .find(|w| w.id == id)
            .ok_or_else(|| AppError::NotFound(format!("窗口 {id} ")))
    }

    async fn window_views(&self, tickets: &[Ticket]) -> Result<Vec<WindowView>, AppError> {
        let mut out = Vec::new();
        for w in self.store.hall_windows().await? {
            let staff_name = match w.staff {
                Some(id) => self.store.user(id).await?.map(|u| u.display_name),
                None => None,
            };
            let mut waiting = 0;
            for t in tickets {
                if t.status == TicketStatus::Waiting
                    && (if t.transferred {
                        t.window_id == Some(w.id)
                    } else {
                        w.serves(&t.group)
                    })
                {
                    waiting += 1;
                }
            }
            out.push(WindowView {
                window: w,
                staff_name,
                waiting,
            });
        }
        Ok(out)
    }

    /// The hall's windows with who is on them (staff).
    pub async fn hall_windows(&self, session: &Session) -> Result<Vec<WindowView>, AppError> {
        if !session.is_staff() {
            return Err(AppError::Forbidden("仅限工作人员".into()));
        }
        let tickets = self.store.open_tickets(self.today()).await?;
        self.window_views(&tickets).await
    }

    /// The clerk takes a window (上岗): the window is theirs until another takes it.
    pub async fn sit_at_window(&self, session: &Session, id: i64) -> Result<Window, AppError> {
        session.require(&[Role::Clerk])?;
        let w = self.window(id).await?;
        let w = self
            .store
            .save_hall_window(WindowChange {
                id: Some(w.id),
                number: w.number,
                groups: w.groups,
                staff: Some(session.user.id),
                open: true,
            })
            .await?;
        tracing::info!(window = %w.number, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "clerk at window");
        Ok(w)
    }

    /// The window `id`, if `session` is the clerk on it.
    async fn my_window(&self, session: &Session, id: i64) -> Result<Window, AppError> {
        session.require(&[Role::Clerk])?;
        let w = self.window(id).await?;
        if w.staff != Some(session.user.id) {
            return Err(AppError::Forbidden(format!(
                "您不在 {} 号窗口上岗，请先上岗",
                w.number
            )));
        }
        Ok(w)
    }

    async fn ticket_view(
        &self,
        ticket: Ticket,
        open: Option<&[Ticket]>,
    ) -> Result<TicketView, AppError> {
        let token = self.ticket_token(&ticket).await?;
        let loaded;
        let open = match open {
            Some(o) => o,
            None => {
                loaded = self.store.open_tickets(ticket.day).await?;
                &loaded
            }
        };
        let now = self.clock.now();
        let groups = self.store.hall_groups().await?;
        let windows = self.store.hall_windows().await?;
        let group_name = groups
            .iter()
            .find(|g| g.code == ticket.group)
            .map(|g| g.name.clone())
            .unwrap_or_default();
        let window_number = ticket
            .window_id
            .and_then(|id| windows.iter().find(|w| w.id == id))
            .map(|w| w.number.clone());
        let waits = matches!(ticket.status, TicketStatus::Taken | TicketStatus::Waiting);
        let ahead = if waits {
            ahead_of(&ticket, open, now)
        } else {
            0
        };
        let estimate_minutes = if waits {
            let recent = self
                .store
                .handling_times(&ticket.group, RECENT_HANDLING)
                .await?;
            let serving = windows
                .iter()
                .filter(|w| w.open && w.serves(&ticket.group))
                .count();
            Some(estimate_wait(ahead, &recent, serving).num_minutes())
        } else {
            None
        };
        Ok(TicketView {
            status_label: ticket.status.label_zh(),
            group_name,
            window_number,
            ahead,
            estimate_minutes,
            token,
            ticket,
        })
    }

    async fn ticket_token(&self, ticket: &Ticket) -> Result<String, AppError> {
        self.store
            .ticket_token(ticket.id)
            .await?
            .ok_or_else(not_found_ticket)
    }

    /// Takes a ticket. An applicant's (`session` given, on the web or a phone)
    /// waits once checked in at the hall; one taken at the hall's ticket page
    /// (no session, counted per `address`) waits at once.
    pub async fn take_ticket(
        &self,
        session: Option<&Session>,
        source: TicketSource,
        request: TicketRequest,
        address: Option<IpAddr>,
    ) -> Result<TicketView, AppError> {
        let now = self.clock.now();
        let today = self.local_date(now);
        if !self.settings.calendar.is_working_day(today) {
            return Err(AppError::Domain(onestamp_domain::DomainError::HallStep(
                "今天不是工作日，大厅不办公，不能取号".into(),
            )));
        }
        let applicant = match (source.is_remote(), session) {
            (true, Some(s)) => {
                s.require(&[Role::Applicant])?;
                Some(s.user.id)
            }
            (true, None) => return Err(AppError::Unauthenticated),
            (false, s) => s.filter(|s| s.has(Role::Applicant)).map(|s| s.user.id),
        };
        if let Some(id) = applicant {
            let open = self
                .store
                .tickets_of(id, today)
                .await?
                .into_iter()
                .filter(|t| !t.status.is_final())
                .count();
            if open >= TICKETS_PER_APPLICANT {
                return Err(AppError::Domain(onestamp_domain::DomainError::HallStep(
                    format!(
                        "每人当天最多同时持有 {TICKETS_PER_APPLICANT} 个号，请先办理或取消已取的号"
                    ),
                )));
            }
        }
        if !source.is_remote() {
            let key = format!(
                "hall-ticket:{}",
                address.map_or_else(|| "unknown".to_string(), |ip| ip.to_string())
            );
            self.registrations
                .admit(&[(key.as_str(), HALL_TICKETS_PER_ADDRESS)], now)
                .map_err(|at| AppError::RateLimited {
                    what: "取号",
                    retry_at: self.local_time(at),
                })?;
        }
        let groups = self.store.hall_groups().await?;
        let group = match (&request.item_code, &request.group) {
            (Some(code), _) => {
                self.get_item(code).await?;
                groups
                    .iter()
                    .find(|g| g.items.iter().any(|i| i == code))
                    .ok_or_else(|| AppError::invalid(format!("事项 {code} 未开通大厅取号")))?
            }
            (None, Some(g)) => groups
                .iter()
                .find(|x| &x.code == g)
                .ok_or_else(|| AppError::invalid(format!("分组 {g} 不存在")))?,
            (None, None) => return Err(AppError::invalid("请选择要办理的事项或业务分组")),
        };
        let status = if source.is_remote() {
            TicketStatus::Taken
        } else {
            TicketStatus::Waiting
        };
        let kind = analytics_hall::source_of(source, request.appointment_at.is_some());
        let mut tally = analytics_hall::of_ticket_taken(today, &group.code, kind);
        if let (Some(_), Some(slot)) = (request.booking, request.appointment_at) {
            let slot_day = self.local_date(slot);
            tally.merge(analytics_hall::of_booking_kept(&group.code, slot_day));
        }
        let ticket = self
            .store
            .take_ticket(NewTicket {
                day: today,
                group: group.code.clone(),
                item_code: request.item_code.clone(),
                applicant,
                source,
                appointment_at: request.appointment_at,
                status,
                at: now,
                token: crate::auth::random_token(),
                booking: request.booking,
                audit: AuditFact {
                    at: now,
                    actor_id: applicant,
                    kind: "hall.ticket.take".into(),
                    subject: String::new(),
                    detail: serde_json::json!({
                        "group": group.code,
                        "source": source.as_str(),
                        "item_code": request.item_code,
                        "booking_id": request.booking,
                        "appointment_at": request.appointment_at,
                    }),
                },
                tally,
            })
            .await?;
        tracing::info!(ticket = %ticket.label, source = source.as_str(), actor_id = ?applicant, "ticket taken");
        self.ticket_view(ticket, None).await
    }

    /// A ticket by the key of its follow page (anyone holding the key).
    pub async fn ticket_by_token(&self, token: &str) -> Result<TicketView, AppError> {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(not_found_ticket());
        }
        let t = self
            .store
            .ticket_by_token(token)
            .await?
            .ok_or_else(not_found_ticket)?;
        self.ticket_view(t, None).await
    }

    /// A ticket by id: its holder's, or any for staff.
    pub async fn ticket(&self, session: &Session, id: i64) -> Result<TicketView, AppError> {
        let t = self.store.ticket(id).await?.ok_or_else(not_found_ticket)?;
        if !session.is_staff() && t.applicant != Some(session.user.id) {
            return Err(not_found_ticket());
        }
        self.ticket_view(t, None).await
    }

    /// The applicant's tickets of today.
    pub async fn my_tickets(&self, session: &Session) -> Result<Vec<TicketView>, AppError> {
        let today = self.today();
        let open = self.store.open_tickets(today).await?;
        let mut out = Vec::new();
        for t in self.store.tickets_of(session.user.id, today).await? {
            out.push(self.ticket_view(t, Some(&open)).await?);
        }
        Ok(out)
    }

    /// The day's check-in code the hall shows as a QR code (staff).
    pub async fn hall_checkin_code(&self, session: &Session) -> Result<String, AppError> {
        if !session.is_staff() {
            return Err(AppError::Forbidden("仅限工作人员".into()));
        }
        self.todays_code().await
    }

    async fn todays_code(&self) -> Result<String, AppError> {
        let fresh = crate::auth::random_token()[..12].to_string();
        Ok(self.store.checkin_code(self.today(), &fresh).await?)
    }

    /// Checks in the ticket whose follow key is `token` with the code the hall
    /// shows today (签到): it joins the queue.
    pub async fn check_in(&self, token: &str, code: &str) -> Result<TicketView, AppError> {
        let view = self.ticket_by_token(token).await?;
        let today = self.today();
        hall::check_in(&view.ticket, today)?;
        let expected = self.todays_code().await?;
        if !same(code.trim().as_bytes(), expected.as_bytes()) {
            return Err(AppError::invalid("签到码不正确，请扫描大厅的签到二维码"));
        }
        if !self
            .store
            .check_in_ticket(
                view.ticket.id,
                self.clock.now(),
                self.ticket_fact(None, "checkin", &view.ticket, serde_json::json!({})),
            )
            .await?
        {
            let again = self
                .store
                .ticket(view.ticket.id)
                .await?
                .ok_or_else(not_found_ticket)?;
            hall::check_in(&again, today)?;
        }
        tracing::info!(ticket = %view.ticket.label, "ticket checked in");
        self.ticket_by_token(token).await
    }

    /// The holder gives up their ticket before it is called.
    pub async fn cancel_ticket(&self, session: &Session, id: i64) -> Result<TicketView, AppError> {
        let t = self.store.ticket(id).await?.ok_or_else(not_found_ticket)?;
        if t.applicant != Some(session.user.id) {
            return Err(not_found_ticket());
        }
        hall::check_cancel(&t)?;
        if !self
            .store
            .set_ticket_status(
                id,
                t.status,
                TicketStatus::Cancelled,
                self.clock.now(),
                self.ticket_fact(Some(session), "cancel", &t, serde_json::json!({})),
                analytics_hall::of_ticket_over(&t, TicketStatus::Cancelled),
            )
            .await?
        {
            let again = self.store.ticket(id).await?.ok_or_else(not_found_ticket)?;
            hall::check_cancel(&again)?;
        }
        self.ticket(session, id).await
    }

    fn call_of(
        &self,
        session: &Session,
        window: &Window,
        ticket: &Ticket,
        kind: &'static str,
    ) -> NewCall {
        let at = self.clock.now();
        // A first call counts the ticket's wait (the store checks it is the
        // first); a recall counts nothing.
        let tally = if kind == "call" {
            analytics_hall::of_ticket_called(ticket, at)
        } else {
            Tally::default()
        };
        NewCall {
            window_number: window.number.clone(),
            kind,
            voice: hall::voice_line(&ticket.label, &window.number),
            at,
            audit: self.ticket_fact(
                Some(session),
                kind,
                ticket,
                serde_json::json!({ "window": window.number }),
            ),
            tally,
        }
    }

    /// The audit fact of a ticket's step (`hall.ticket.<step>`): the actor, the
    /// ticket's day and number, its group, the window; nothing personal.
    fn ticket_fact(
        &self,
        session: Option<&Session>,
        step: &str,
        t: &Ticket,
        mut detail: serde_json::Value,
    ) -> AuditFact {
        if let Some(d) = detail.as_object_mut() {
            d.insert("ticket_id".into(), t.id.into());
            d.insert("label".into(), t.label.clone().into());
            d.insert("group".into(), t.group.clone().into());
        }
        AuditFact {
            at: self.clock.now(),
            actor_id: session.map(|s| s.user.id),
            kind: format!("hall.ticket.{step}"),
            subject: format!("{}:{}", t.day.format("%Y-%m-%d"), t.label),
            detail,
        }
    }

    /// Calls the next ticket to the clerk's window (叫号). Two windows calling
    /// at once get two tickets: the one that loses a ticket picks again.
    pub async fn call_next(&self, session: &Session, window: i64) -> Result<TicketView, AppError> {
        let w = self.my_window(session, window).await?;
        let today = self.today();
        // Each round reads the queue once and tries its tickets in order: a
        // ticket another window called meanwhile is passed over.
        for _ in 0..5 {
            let open = self.store.open_tickets(today).await?;
            if let Some(current) = open
                .iter()
                .find(|t| t.status == TicketStatus::Called && t.window_id == Some(w.id))
            {
                return Err(AppError::Domain(onestamp_domain::DomainError::HallStep(
                    format!("{} 尚在办理，请先办结、过号或转窗口", current.label),
                )));
            }
            let now = self.clock.now();
            let queue = hall::queue_for(&w, &open, now);
            if queue.is_empty() {
                return Err(AppError::NotFound("等候中的号".into()));
            }
            for next in queue {
                let call = self.call_of(session, &w, next, "call");
                if self.store.call_ticket(next.id, w.id, call).await?.is_some() {
                    tracing::info!(ticket = %next.label, window = %w.number, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "ticket called");
                    let t = self
                        .store
                        .ticket(next.id)
                        .await?
                        .ok_or_else(not_found_ticket)?;
                    return self.ticket_view(t, None).await;
                }
            }
        }
        Err(AppError::Domain(onestamp_domain::DomainError::HallStep(
            "叫号繁忙，请稍后再试".into(),
        )))
    }

    /// The called ticket of the clerk's window, with its window.
    async fn in_hand(&self, session: &Session, id: i64) -> Result<(Ticket, Window), AppError> {
        let t = self.store.ticket(id).await?.ok_or_else(not_found_ticket)?;
        let window = t.window_id.ok_or_else(|| {
            AppError::Domain(onestamp_domain::DomainError::HallStep(format!(
                "{} 尚未叫号",
                t.label
            )))
        })?;
        let w = self.my_window(session, window).await?;
        Ok((t, w))
    }

    /// Calls the ticket in hand again (重呼): at most three times, not sooner
    /// than the recall interval after the last call.
    pub async fn recall_ticket(&self, session: &Session, id: i64) -> Result<TicketView, AppError> {
        let (t, w) = self.in_hand(session, id).await?;
        hall::check_recall(&t, self.clock.now(), self.recall_interval())?;
        let call = self.call_of(session, &w, &t, "recall");
        if self
            .store
            .recall_ticket(id, w.id, t.recalls, call)
            .await?
            .is_none()
        {
            let again = self.store.ticket(id).await?.ok_or_else(not_found_ticket)?;
            hall::check_recall(&again, self.clock.now(), self.recall_interval())?;
            return Err(AppError::Domain(onestamp_domain::DomainError::HallStep(
                "该号刚被重呼，请刷新".into(),
            )));
        }
        tracing::info!(ticket = %t.label, window = %w.number, actor_id = session.user.id, "ticket recalled");
        let t = self.store.ticket(id).await?.ok_or_else(not_found_ticket)?;
        self.ticket_view(t, None).await
    }

    /// Marks the ticket in hand a no-show (过号).
    pub async fn no_show(&self, session: &Session, id: i64) -> Result<TicketView, AppError> {
        let (t, w) = self.in_hand(session, id).await?;
        hall::check_no_show(&t)?;
        if !self
            .store
            .set_ticket_status(
                id,
                TicketStatus::Called,
                TicketStatus::NoShow,
                self.clock.now(),
                self.ticket_fact(
                    Some(session),
                    "no_show",
                    &t,
                    serde_json::json!({ "window": w.number }),
                ),
                analytics_hall::of_ticket_over(&t, TicketStatus::NoShow),
            )
            .await?
        {
            let again = self.store.ticket(id).await?.ok_or_else(not_found_ticket)?;
            hall::check_no_show(&again)?;
        }
        tracing::info!(ticket = %t.label, window = %w.number, actor_id = session.user.id, "ticket no-show");
        self.ticket(session, id).await
    }

    /// Sends the ticket in hand to another window (转窗口): it waits there
    /// before that window's own queue.
    pub async fn transfer_ticket(
        &self,
        session: &Session,
        id: i64,
        to: i64,
    ) -> Result<TicketView, AppError> {
        let (t, w) = self.in_hand(session, id).await?;
        let target = self.window(to).await?;
        hall::check_transfer(&t, &w, &target)?;
        let fact = self.ticket_fact(
            Some(session),
            "transfer",
            &t,
            serde_json::json!({ "window": w.number, "to_window": target.number }),
        );
        if !self
            .store
            .transfer_ticket(id, w.id, target.id, fact)
            .await?
        {
            let again = self.store.ticket(id).await?.ok_or_else(not_found_ticket)?;
            hall::check_transfer(&again, &w, &target)?;
        }
        tracing::info!(ticket = %t.label, from = %w.number, to = %target.number, actor_id = session.user.id, "ticket transferred");
        self.ticket(session, id).await
    }

    /// Ends the ticket in hand with the counter case it created: its waiting
    /// and handling times are measured from here. The case must be the
    /// ticket's applicant's, when the ticket names one.
    pub async fn end_ticket(
        &self,
        session: &Session,
        id: i64,
        case_id: i64,
    ) -> Result<TicketView, AppError> {
        let (t, w) = self.in_hand(session, id).await?;
        hall::check_end(&t)?;
        let case = self
            .store
            .case(case_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("办件 {case_id} ")))?;
        if let Some(applicant) = t.applicant
            && case.applicant.user_id != applicant
        {
            return Err(AppError::invalid("该办件不是此号申请人的办件"));
        }
        let fact = self.ticket_fact(
            Some(session),
            "end",
            &t,
            serde_json::json!({ "window": w.number, "case_number": case.number }),
        );
        let now = self.clock.now();
        let tally = analytics_hall::of_ticket_ended(&t, now);
        if !self.store.end_ticket(id, case_id, now, fact, tally).await? {
            let again = self.store.ticket(id).await?.ok_or_else(not_found_ticket)?;
            hall::check_end(&again)?;
        }
        tracing::info!(ticket = %t.label, window = %w.number, case_no = %case.number, actor_id = session.user.id, "ticket ended with a case");
        self.ticket(session, id).await
    }

    /// Whether the ticket in the clerk's hand may end with a new case of
    /// `applicant` (see [`App::submit_counter_application`]): the end's fact,
    /// and the ticket as it is now for the end's counts.
    pub(crate) async fn check_ticket_end(
        &self,
        session: &Session,
        id: i64,
        applicant: onestamp_domain::case::UserId,
    ) -> Result<(AuditFact, Ticket), AppError> {
        let (t, w) = self.in_hand(session, id).await?;
        hall::check_end(&t)?;
        if let Some(holder) = t.applicant
            && holder != applicant
        {
            return Err(AppError::invalid("该办件不是此号申请人的办件"));
        }
        // The case's number is filled in by the store (an empty subject
        // would be the case's): the detail names the case through it.
        let mut fact = self.ticket_fact(
            Some(session),
            "end",
            &t,
            serde_json::json!({ "window": w.number }),
        );
        fact.detail["with_case"] = true.into();
        Ok((fact, t))
    }

    /// The clerk's window: the ticket in hand, the waiting count, the other
    /// windows.
    pub async fn window_board(&self, session: &Session, id: i64) -> Result<WindowBoard, AppError> {
        session.require(&[Role::Clerk])?;
        let open = self.store.open_tickets(self.today()).await?;
        let mut views = self.window_views(&open).await?;
        let Some(at) = views.iter().position(|v| v.window.id == id) else {
            return Err(AppError::NotFound(format!("窗口 {id} ")));
        };
        let window = views.remove(at);
        let current = match open
            .iter()
            .find(|t| t.status == TicketStatus::Called && t.window_id == Some(id))
        {
            Some(t) => Some(self.ticket_view(t.clone(), Some(&open)).await?),
            None => None,
        };
        let now = self.clock.now();
        let recall_in = current
            .as_ref()
            .and_then(|c| c.ticket.last_called_at)
            .map(|last| ((last + self.recall_interval() - now).num_milliseconds() + 999) / 1000)
            .unwrap_or(0)
            .max(0);
        Ok(WindowBoard {
            window,
            current,
            others: views.into_iter().filter(|v| v.window.open).collect(),
            recall_in,
        })
    }

    /// The calls after `after`, oldest first (the display; public, nothing personal).
    pub async fn hall_calls(&self, after: i64, limit: u32) -> Result<Vec<StoredCall>, AppError> {
        Ok(self
            .store
            .hall_calls(after, limit.clamp(1, CALLS_PAGE_MAX))
            .await?)
    }

    /// The latest calls, newest first (the display when it opens).
    pub async fn latest_hall_calls(&self, limit: u32) -> Result<Vec<StoredCall>, AppError> {
        Ok(self
            .store
            .latest_hall_calls(limit.clamp(1, CALLS_PAGE_MAX))
            .await?)
    }
}

/// What the hall display shows besides the calls: per group how many wait,
/// per open window the number in hand. Nothing personal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HallSummary {
    pub groups: Vec<GroupQueue>,
    pub windows: Vec<WindowNow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupQueue {
    pub code: String,
    pub name: String,
    pub waiting: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowNow {
    pub number: String,
    pub groups: Vec<String>,
    pub current: Option<String>,
}

impl App {
    /// The display's state: waiting per group, the number at each open window.
    pub async fn hall_summary(&self) -> Result<HallSummary, AppError> {
        let open = self.store.open_tickets(self.today()).await?;
        let groups = self
            .store
            .hall_groups()
            .await?
            .into_iter()
            .map(|g| GroupQueue {
                waiting: open
                    .iter()
                    .filter(|t| t.status == TicketStatus::Waiting && t.group == g.code)
                    .count(),
                code: g.code,
                name: g.name,
            })
            .collect();
        let windows = self
            .store
            .hall_windows()
            .await?
            .into_iter()
            .filter(|w| w.open)
            .map(|w| WindowNow {
                current: open
                    .iter()
                    .find(|t| t.status == TicketStatus::Called && t.window_id == Some(w.id))
                    .map(|t| t.label.clone()),
                number: w.number,
                groups: w.groups,
            })
            .collect();
        Ok(HallSummary { groups, windows })
    }

    /// The items a ticket may be taken for, with their group: (code, name, group).
    pub async fn ticket_items(&self) -> Result<Vec<(String, String, String)>, AppError> {
        let groups = self.store.hall_groups().await?;
        let mut out = Vec::new();
        for item in self.store.items().await? {
            if let Some(g) = groups.iter().find(|g| g.items.contains(&item.item.code)) {
                out.push((item.item.code, item.item.name, g.code.clone()));
            }
        }
        out.sort();
        Ok(out)
    }
}
