//! Appointments (预约办事): slots per item group from the working-day calendar
//! and office hours (none on a holiday, the usual ones on an adjusted working
//! day), each taking the open windows serving the group times the group's
//! appointments per window; a booking is held, then confirmed by its
//! applicant, or cancelled; at most [`BOOKINGS_PER_APPLICANT`] live ones.
//! Confirming and cancelling write the applicant's message in the same
//! transaction; on its day the booking gives a ticket that jumps ahead from
//! its time ([`App::ticket_for_booking`]); the upkeep ([`App::appointment_upkeep`])
//! reminds the working day before and cancels bookings of a day the calendar
//! closed since. Confirming and cancelling count in the hall's figures
//! (`analytics_hall`), on the slot's day.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use onestamp_domain::DomainError;
use onestamp_domain::analytics_hall;
use onestamp_domain::hall::notice::{self, BookingNotice};
use onestamp_domain::hall::{self, BookingStatus, Slot, TicketSource};
use onestamp_domain::role::Role;

use crate::auth::Session;
use crate::hall::{TicketRequest, TicketView};
use crate::store::{Booking, NewBooking, NewMessage};
use crate::{App, AppError};

/// The length of a slot, in minutes.
pub const SLOT_MINUTES: u32 = 30;
/// How long a booking is held for its applicant to confirm.
pub const HOLD: Duration = Duration::minutes(15);
/// Live bookings one applicant may hold.
pub const BOOKINGS_PER_APPLICANT: usize = 2;
/// How many days ahead slots may be booked.
pub const DAYS_AHEAD: i64 = 14;

/// A slot with how many places are left.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotView {
    #[serde(flatten)]
    pub slot: Slot,
    pub free: u32,
}

/// Why an applicant's own cancellation cancelled a booking.
pub const CANCELLED_BY_APPLICANT: &str = "本人取消";
/// Why the upkeep cancelled a booking of a day the calendar closed.
pub const CANCELLED_BY_CALENDAR: &str = "节假日调整";
/// The most bookings the history page lists.
pub const HISTORY_MAX: u32 = 50;

/// A booking as its applicant sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BookingView {
    #[serde(flatten)]
    pub booking: Booking,
    /// 待确认, 已预约, 已取号, 已取消, 已失效 (a hold not confirmed in time),
    /// 已过期 (a slot gone by).
    pub status_label: &'static str,
    /// The group's name.
    pub group_name: String,
    /// The slot in local words: 2026年3月3日 周二 09:00–09:30.
    pub when: String,
    /// Whether it may still be confirmed (held, not lapsed).
    pub confirmable: bool,
    /// Whether it may still be cancelled (live, no ticket, slot to come).
    pub cancellable: bool,
    /// Whether its ticket may be taken now (confirmed, its day, no ticket yet).
    pub ticket_due: bool,
}

fn step(m: impl Into<String>) -> AppError {
    AppError::Domain(DomainError::HallStep(m.into()))
}

impl App {
    /// The slots of a group's `date` with the places left (public).
    pub async fn hall_slots(
        &self,
        group: &str,
        date: NaiveDate,
    ) -> Result<Vec<SlotView>, AppError> {
        let groups = self.store.hall_groups().await?;
        let g = groups
            .iter()
            .find(|g| g.code == group)
            .ok_or_else(|| AppError::NotFound(format!("分组 {group} ")))?;
        let windows = self
            .store
            .hall_windows()
            .await?
            .iter()
            .filter(|w| w.open && w.serves(group))
            .count();
        let slots = hall::slots_of_day(
            &self.settings.calendar,
            date,
            SLOT_MINUTES,
            u32::try_from(windows).unwrap_or(u32::MAX),
            g.per_slot,
        );
        let (Some(first), Some(last)) = (slots.first(), slots.last()) else {
            return Ok(Vec::new());
        };
        let now = self.clock.now();
        let taken = self
            .store
            .slot_bookings(group, first.start, last.end, now)
            .await?;
        Ok(slots
            .into_iter()
            .map(|slot| {
                let used = taken
                    .iter()
                    .find(|(s, _)| *s == slot.start)
                    .map_or(0, |(_, n)| *n);
                SlotView {
                    free: slot.capacity.saturating_sub(used),
                    slot,
                }
            })
            .collect())
    }

    /// Books the slot of `group` starting at `start` for the applicant (for
    /// one of the group's items if `item` is given): held for [`HOLD`], to be
    /// confirmed.
    pub async fn book_appointment(
        &self,
        session: &Session,
        group: &str,
        item: Option<&str>,
        start: DateTime<Utc>,
    ) -> Result<BookingView, AppError> {
        session.require(&[Role::Applicant])?;
        let groups = self.store.hall_groups().await?;
        let Some(g) = groups.iter().find(|g| g.code == group) else {
            return Err(AppError::NotFound(format!("分组 {group} ")));
        };
        if let Some(code) = item
            && !g.items.iter().any(|i| i == code)
        {
            return Err(AppError::invalid(format!(
                "事项 {code} 不属于“{}”，请重新选择",
                g.name
            )));
        }
        let now = self.clock.now();
        if start <= now {
            return Err(AppError::invalid("只能预约今后的时段"));
        }
        let date = self.local_date(start);
        if date > self.local_date(now) + Duration::days(DAYS_AHEAD) {
            return Err(AppError::invalid(format!(
                "最多预约 {DAYS_AHEAD} 天内的时段"
            )));
        }
        let slots = self.hall_slots(group, date).await?;
        let Some(slot) = slots.iter().find(|s| s.slot.start == start) else {
            return Err(AppError::invalid(
                "该时间不是可预约的时段（节假日、非办公时间不开放预约）",
            ));
        };
        let mine = self.store.bookings_of(session.user.id, now, now).await?;
        if mine.len() >= BOOKINGS_PER_APPLICANT {
            return Err(step(format!(
                "每人最多同时保留 {BOOKINGS_PER_APPLICANT} 个有效预约，请先办理或取消已有预约"
            )));
        }
        if mine
            .iter()
            .any(|b| b.slot_start == start && b.group == group)
        {
            return Err(step("您已预约该时段"));
        }
        let booked = self
            .store
            .book_slot(NewBooking {
                group: group.to_string(),
                item_code: item.map(str::to_string),
                slot_start: slot.slot.start,
                slot_end: slot.slot.end,
                applicant: session.user.id,
                capacity: slot.slot.capacity,
                held_until: now + HOLD,
                at: now,
            })
            .await?
            .ok_or_else(|| step("该时段已约满，请选择其他时段"))?;
        tracing::info!(
            booking = booked.id,
            group,
            actor_id = session.user.id,
            "appointment held"
        );
        Ok(self.booking_view(&groups, booked))
    }

    async fn own_booking(&self, session: &Session, id: i64) -> Result<Booking, AppError> {
        session.require(&[Role::Applicant])?;
        let b = self
            .store
            .booking(id)
            .await?
            .ok_or_else(|| AppError::NotFound("该预约".into()))?;
        if b.applicant != session.user.id {
            return Err(AppError::NotFound("该预约".into()));
        }
        Ok(b)
    }

    /// One of my bookings.
    pub async fn appointment(&self, session: &Session, id: i64) -> Result<BookingView, AppError> {
        let b = self.own_booking(session, id).await?;
        let groups = self.store.hall_groups().await?;
        Ok(self.booking_view(&groups, b))
    }

    /// Confirms a held booking before its hold lapses; the confirmation
    /// message is written with it.
    pub async fn confirm_appointment(
        &self,
        session: &Session,
        id: i64,
    ) -> Result<BookingView, AppError> {
        let b = self.own_booking(session, id).await?;
        let now = self.clock.now();
        if b.status != BookingStatus::Held {
            return Err(step(format!("该预约{}，无需确认", b.status.label_zh())));
        }
        if b.held_until <= now {
            return Err(step("预约保留时间已过（15 分钟内未确认），请重新预约"));
        }
        let groups = self.store.hall_groups().await?;
        let message = self.booking_message(&groups, &b, |n| notice::confirmed(n, now));
        let tally = analytics_hall::of_booking_confirmed(&b.group, self.local_date(b.slot_start));
        if !self
            .store
            .confirm_booking(id, now, Some(message), tally)
            .await?
        {
            return Err(step("预约保留时间已过（15 分钟内未确认），请重新预约"));
        }
        tracing::info!(
            booking = id,
            actor_id = session.user.id,
            "appointment confirmed"
        );
        self.appointment(session, id).await
    }

    /// Cancels a held or confirmed booking (through a confirmation page and a
    /// POST); the cancellation message is written with it.
    pub async fn cancel_appointment(
        &self,
        session: &Session,
        id: i64,
    ) -> Result<BookingView, AppError> {
        let b = self.own_booking(session, id).await?;
        let now = self.clock.now();
        if b.status == BookingStatus::Cancelled {
            return Err(step("该预约已取消"));
        }
        if b.ticket_id.is_some() {
            return Err(step("该预约已取号，请在取号页面取消排队号"));
        }
        if b.slot_end <= now {
            return Err(step("该预约时段已过，不能取消"));
        }
        let groups = self.store.hall_groups().await?;
        let message = self.booking_message(&groups, &b, |n| {
            notice::cancelled(n, CANCELLED_BY_APPLICANT, now)
        });
        let tally =
            analytics_hall::of_booking_cancelled(&b.group, self.local_date(b.slot_start), false);
        if !self
            .store
            .cancel_booking(id, now, CANCELLED_BY_APPLICANT, Some(message), tally)
            .await?
        {
            return Err(step("该预约已取消或已取号"));
        }
        tracing::info!(
            booking = id,
            actor_id = session.user.id,
            "appointment cancelled"
        );
        self.appointment(session, id).await
    }

    /// The applicant's live bookings of slots still to come.
    pub async fn my_appointments(&self, session: &Session) -> Result<Vec<BookingView>, AppError> {
        session.require(&[Role::Applicant])?;
        let now = self.clock.now();
        let groups = self.store.hall_groups().await?;
        Ok(self
            .store
            .bookings_of(session.user.id, now, now)
            .await?
            .into_iter()
            .map(|b| self.booking_view(&groups, b))
            .collect())
    }

    /// The applicant's bookings, any status, newest slot first (我的预约).
    pub async fn appointment_history(
        &self,
        session: &Session,
    ) -> Result<Vec<BookingView>, AppError> {
        session.require(&[Role::Applicant])?;
        let groups = self.store.hall_groups().await?;
        Ok(self
            .store
            .booking_history(session.user.id, HISTORY_MAX)
            .await?
            .into_iter()
            .map(|b| self.booking_view(&groups, b))
            .collect())
    }

    /// Takes the ticket of a confirmed booking on its day: it carries the
    /// slot's start, so once checked in it goes ahead from that time. One
    /// ticket per booking.
    pub async fn ticket_for_booking(
        &self,
        session: &Session,
        id: i64,
        source: TicketSource,
    ) -> Result<TicketView, AppError> {
        let b = self.own_booking(session, id).await?;
        let now = self.clock.now();
        if b.ticket_id.is_some() {
            return Err(step("该预约已取号"));
        }
        if b.status != BookingStatus::Confirmed {
            return Err(step(match b.status {
                BookingStatus::Held => "请先确认预约，再取号",
                _ => "该预约已取消，不能取号",
            }));
        }
        if self.local_date(b.slot_start) != self.local_date(now) {
            return Err(step("请在预约当天取号"));
        }
        if b.slot_end <= now {
            return Err(step("预约时段已过，请重新取号或预约"));
        }
        let request = TicketRequest {
            item_code: b.item_code.clone(),
            group: Some(b.group.clone()),
            appointment_at: Some(b.slot_start),
            booking: Some(b.id),
        };
        match self.take_ticket(Some(session), source, request, None).await {
            Err(AppError::Store(crate::store::StoreError::Duplicate(_))) => {
                Err(step("该预约已取号"))
            }
            other => other,
        }
    }

    /// What an appointment's message says about it.
    fn booking_message(
        &self,
        groups: &[hall::Group],
        b: &Booking,
        make: impl FnOnce(&BookingNotice<'_>) -> onestamp_domain::message::Message,
    ) -> NewMessage {
        let what = groups
            .iter()
            .find(|g| g.code == b.group)
            .map_or(b.group.as_str(), |g| g.name.as_str());
        let when = self.slot_words(b.slot_start, b.slot_end);
        let message = make(&BookingNotice {
            booking: b.id,
            applicant: b.applicant,
            what,
            when: &when,
        });
        NewMessage {
            message,
            case_id: None,
            case_number: None,
            licence_id: None,
            department: None,
            data: serde_json::json!({
                "booking_id": b.id,
                "group": b.group,
                "group_name": what,
                "item_code": b.item_code,
                "slot_start": b.slot_start,
                "slot_end": b.slot_end,
                "cancel_reason": b.cancel_reason,
            }),
        }
    }

    /// A slot in local words: 2026年3月3日 周二 09:00–09:30.
    pub fn slot_words(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
        let cal = &self.settings.calendar;
        let s = cal.wall_clock(start);
        let e = cal.wall_clock(end);
        format!(
            "{} {} {}–{}",
            s.format("%Y年%-m月%-d日"),
            weekday_zh(s.date()),
            s.format("%H:%M"),
            e.format("%H:%M")
        )
    }

    /// Writes the reminders of the next working day's bookings (once each)
    /// and cancels live bookings of a day the calendar no longer opens, or of
    /// a slot outside the office hours, with the reason
    /// [`CANCELLED_BY_CALENDAR`]. Run at start and by the periodic upkeep;
    /// every write is guarded, so two nodes never send a message twice.
    pub async fn appointment_upkeep(&self) -> Result<(usize, usize), AppError> {
        let now = self.clock.now();
        let cal = &self.settings.calendar;
        let today = self.local_date(now);
        let groups = self.store.hall_groups().await?;
        let horizon = cal.day_start(today + Duration::days(DAYS_AHEAD + 2));
        let mut cancelled = 0;
        for b in self.store.live_bookings(now, horizon, now).await? {
            let date = self.local_date(b.slot_start);
            let open = hall::slots_of_day(cal, date, SLOT_MINUTES, 1, 1)
                .iter()
                .any(|s| s.start == b.slot_start);
            if open {
                continue;
            }
            let message = self.booking_message(&groups, &b, |n| {
                notice::cancelled(n, CANCELLED_BY_CALENDAR, now)
            });
            let tally = analytics_hall::of_booking_cancelled(&b.group, date, true);
            if self
                .store
                .cancel_booking(b.id, now, CANCELLED_BY_CALENDAR, Some(message), tally)
                .await?
            {
                tracing::info!(booking = b.id, "appointment cancelled: the day is closed");
                cancelled += 1;
            }
        }
        let next = cal.next_working_day(today);
        let mut reminded = 0;
        let (from, to) = (cal.day_start(next), cal.day_start(next + Duration::days(1)));
        for b in self.store.live_bookings(from, to, now).await? {
            if b.status != BookingStatus::Confirmed || b.reminded_at.is_some() {
                continue;
            }
            let message = self.booking_message(&groups, &b, |n| notice::reminder(n, now));
            if self.store.remind_booking(b.id, now, message).await? {
                reminded += 1;
            }
        }
        Ok((cancelled, reminded))
    }

    fn booking_view(&self, groups: &[hall::Group], booking: Booking) -> BookingView {
        let now = self.clock.now();
        let lapsed = booking.status == BookingStatus::Held && booking.held_until <= now;
        let over = booking.slot_end <= now;
        let live = !lapsed && booking.status != BookingStatus::Cancelled;
        let status_label = match booking.status {
            BookingStatus::Cancelled => "已取消",
            _ if booking.ticket_id.is_some() => "已取号",
            _ if lapsed => "已失效",
            _ if over => "已过期",
            s => s.label_zh(),
        };
        BookingView {
            status_label,
            group_name: groups
                .iter()
                .find(|g| g.code == booking.group)
                .map_or_else(|| booking.group.clone(), |g| g.name.clone()),
            when: self.slot_words(booking.slot_start, booking.slot_end),
            confirmable: booking.status == BookingStatus::Held && !lapsed && !over,
            cancellable: live && !over && booking.ticket_id.is_none(),
            ticket_due: booking.status == BookingStatus::Confirmed
                && booking.ticket_id.is_none()
                && !over
                && self.local_date(booking.slot_start) == self.local_date(now),
            booking,
        }
    }
}

/// 周一 … 周日.
pub fn weekday_zh(date: NaiveDate) -> &'static str {
    use chrono::Datelike;
    ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
        [date.weekday().num_days_from_monday() as usize]
}
