//! Appointments (预约办事): slots per item group from the working-day calendar
//! and office hours (none on a holiday, the usual ones on an adjusted working
//! day), each taking the open windows serving the group times the group's
//! appointments per window; a booking is held, then confirmed by its
//! applicant, or cancelled; at most [`BOOKINGS_PER_APPLICANT`] live ones.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use onestamp_domain::DomainError;
use onestamp_domain::hall::{self, BookingStatus, Slot};
use onestamp_domain::role::Role;

use crate::auth::Session;
use crate::store::{Booking, NewBooking};
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

/// A booking as its applicant sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BookingView {
    #[serde(flatten)]
    pub booking: Booking,
    pub status_label: &'static str,
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

    /// Books the slot of `group` starting at `start` for the applicant: held
    /// for [`HOLD`], to be confirmed.
    pub async fn book_appointment(
        &self,
        session: &Session,
        group: &str,
        start: DateTime<Utc>,
    ) -> Result<BookingView, AppError> {
        session.require(&[Role::Applicant])?;
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
                "每人最多同时保留 {BOOKINGS_PER_APPLICANT} 个预约，请先办理或取消已有预约"
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
        Ok(view(booked))
    }

    async fn own_booking(&self, session: &Session, id: i64) -> Result<Booking, AppError> {
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

    /// Confirms a held booking before its hold lapses.
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
        if !self.store.confirm_booking(id, now).await? {
            return Err(step("预约保留时间已过，请重新预约"));
        }
        Ok(view(self.own_booking(session, id).await?))
    }

    /// Cancels a held or confirmed booking (through a confirmation page and a POST).
    pub async fn cancel_appointment(
        &self,
        session: &Session,
        id: i64,
    ) -> Result<BookingView, AppError> {
        let b = self.own_booking(session, id).await?;
        if b.status == BookingStatus::Cancelled
            || !self.store.cancel_booking(id, self.clock.now()).await?
        {
            return Err(step("该预约已取消"));
        }
        Ok(view(self.own_booking(session, id).await?))
    }

    /// The applicant's live bookings of slots still to come.
    pub async fn my_appointments(&self, session: &Session) -> Result<Vec<BookingView>, AppError> {
        let now = self.clock.now();
        Ok(self
            .store
            .bookings_of(session.user.id, now, now)
            .await?
            .into_iter()
            .map(view)
            .collect())
    }
}

fn view(booking: Booking) -> BookingView {
    BookingView {
        status_label: booking.status.label_zh(),
        booking,
    }
}
