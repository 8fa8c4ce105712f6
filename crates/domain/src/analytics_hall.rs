//! The service hall in the figures (办事大厅): tickets taken, called, served,
//! no-shows and cancelled; the wait to the first call and the handling time
//! from it to the end, summed and counted in minute buckets; appointments made,
//! cancelled (by the applicant, or by the bureau: 节假日调整) and kept. Each
//! step of a ticket or a booking yields a [`Tally`] the store adds in the
//! step's own transaction; [`of_ticket`] and [`of_booking`] give a stored
//! one's whole contribution, which is how the rows are rebuilt.
//!
//! Definitions:
//! - the day is the ticket's hall day; a booking counts on its slot's day
//!   (made, cancelled and kept alike), so a day's bookings add up;
//! - the source: `booking` for a ticket taken for an appointment (and for the
//!   bookings themselves), `remote` for one taken on the web or a phone,
//!   `walk_in` for one taken at the hall;
//! - 等候时间: from the later of taking, checking in and the booked slot's
//!   start, to the first call (a transferred ticket is not called anew);
//! - 办理时间: from the first call to the end with its case;
//! - 爽约 (missed): a booking made, neither cancelled nor kept, once its day
//!   is past — derived, `made − cancelled − kept` over past days, as no step
//!   happens when nobody comes.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::analytics::{Tally, percent, quantile_in};
use crate::hall::{Ticket, TicketSource, TicketStatus};

/// Upper bounds, in minutes, of the wait and handling buckets; a last bucket
/// holds everything longer.
pub const HALL_BOUNDS: [i64; 14] = [0, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 480];
/// Number of buckets: one per bound and the open one above the last.
pub const HALL_BUCKETS: usize = HALL_BOUNDS.len() + 1;

/// The measure of the wait rows.
pub const WAIT: &str = "wait";
/// The measure of the handling rows.
pub const HANDLING: &str = "handling";

/// A ticket taken at the hall's ticket page (现场取号).
pub const WALK_IN: &str = "walk_in";
/// A ticket taken on the web or a phone (网上/手机取号).
pub const REMOTE: &str = "remote";
/// A ticket taken for an appointment, and the appointments (预约).
pub const BOOKING: &str = "booking";
/// The sources, in the figures' order.
pub const SOURCES: [&str; 3] = [WALK_IN, REMOTE, BOOKING];

/// (day, group code, source).
pub type HallKey = (NaiveDate, String, String);
/// (day, group code, source, [`WAIT`] or [`HANDLING`], bucket).
pub type HallTimeKey = (NaiveDate, String, String, String, usize);

/// The bucket `minutes` falls in.
pub fn hall_bucket(minutes: i64) -> usize {
    HALL_BOUNDS
        .iter()
        .position(|b| minutes <= *b)
        .unwrap_or(HALL_BOUNDS.len())
}

/// A duration in whole minutes, rounded up (a 30-second wait is a minute's);
/// never below zero.
pub fn minutes_up(d: Duration) -> i64 {
    let secs = d.num_seconds().max(0);
    (secs + 59) / 60
}

/// The source key of a ticket: `booking` when taken for an appointment.
pub fn source_of(source: TicketSource, booked: bool) -> &'static str {
    if booked {
        BOOKING
    } else if source.is_remote() {
        REMOTE
    } else {
        WALK_IN
    }
}

pub fn source_label_zh(key: &str) -> &'static str {
    match key {
        WALK_IN => "现场取号",
        REMOTE => "网上/手机取号",
        BOOKING => "预约取号",
        _ => "其他",
    }
}

/// Counts of one (day, group, source) row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HallCounts {
    pub taken: i64,
    /// First calls; each with its wait in `wait_secs` and the wait buckets.
    pub called: i64,
    /// Ended with their case (已办结); each with its handling time.
    pub served: i64,
    pub no_show: i64,
    pub cancelled: i64,
    pub wait_secs: i64,
    pub handle_secs: i64,
    /// Appointments confirmed.
    pub booked: i64,
    /// Confirmed appointments cancelled by their applicant (本人取消).
    pub booking_cancelled: i64,
    /// Confirmed appointments cancelled by the bureau (节假日调整).
    pub bureau_cancelled: i64,
    /// Appointments whose ticket was taken (履约).
    pub kept: i64,
}

impl HallCounts {
    pub fn add(&mut self, o: &HallCounts) {
        self.taken += o.taken;
        self.called += o.called;
        self.served += o.served;
        self.no_show += o.no_show;
        self.cancelled += o.cancelled;
        self.wait_secs += o.wait_secs;
        self.handle_secs += o.handle_secs;
        self.booked += o.booked;
        self.booking_cancelled += o.booking_cancelled;
        self.bureau_cancelled += o.bureau_cancelled;
        self.kept += o.kept;
    }

    /// The mean wait to the first call, in minutes with one decimal.
    pub fn mean_wait_minutes(&self) -> Option<f64> {
        mean_minutes(self.wait_secs, self.called)
    }

    /// The mean handling time, in minutes with one decimal.
    pub fn mean_handling_minutes(&self) -> Option<f64> {
        mean_minutes(self.handle_secs, self.served)
    }

    /// Appointments made, not cancelled and not kept: missed once their day
    /// is past (read it over past days only).
    pub fn unkept(&self) -> i64 {
        (self.booked - self.booking_cancelled - self.bureau_cancelled - self.kept).max(0)
    }
}

fn mean_minutes(secs: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| (secs as f64 / n as f64 / 60.0 * 10.0).round() / 10.0)
}

/// 预约履约率 of past days' counts: kept among the appointments due (made and
/// not cancelled), in per cent.
pub fn kept_rate(past: &HallCounts) -> Option<f64> {
    percent(past.kept, past.kept + past.unkept())
}

/// The wait and handling buckets of a group or source, summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HallTimes {
    pub wait: [i64; HALL_BUCKETS],
    pub handling: [i64; HALL_BUCKETS],
}

impl Default for HallTimes {
    fn default() -> Self {
        HallTimes {
            wait: [0; HALL_BUCKETS],
            handling: [0; HALL_BUCKETS],
        }
    }
}

impl HallTimes {
    /// Counts `n` in `bucket` of `measure`; an unknown measure or bucket is
    /// left out.
    pub fn count(&mut self, measure: &str, bucket: usize, n: i64) {
        let into = match measure {
            WAIT => &mut self.wait,
            HANDLING => &mut self.handling,
            _ => return,
        };
        if let Some(b) = into.get_mut(bucket) {
            *b += n;
        }
    }

    pub fn add(&mut self, o: &HallTimes) {
        for (a, b) in self.wait.iter_mut().zip(o.wait) {
            *a += b;
        }
        for (a, b) in self.handling.iter_mut().zip(o.handling) {
            *a += b;
        }
    }

    /// The `q`-quantile of the waits, in minutes with one decimal.
    pub fn wait_quantile(&self, q: f64) -> Option<f64> {
        quantile_in(&HALL_BOUNDS, &self.wait, q).map(one_decimal)
    }

    /// The `q`-quantile of the handling times, in minutes with one decimal.
    pub fn handling_quantile(&self, q: f64) -> Option<f64> {
        quantile_in(&HALL_BOUNDS, &self.handling, q).map(one_decimal)
    }
}

fn one_decimal(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// When a ticket's wait starts: the later of taking it, checking in and its
/// booked slot's start.
pub fn wait_start(t: &Ticket) -> DateTime<Utc> {
    let mut start = t.taken_at;
    for at in [t.checked_in_at, t.appointment_at].into_iter().flatten() {
        start = start.max(at);
    }
    start
}

fn key_of(t: &Ticket) -> HallKey {
    let source = source_of(t.source, t.appointment_at.is_some());
    (t.day, t.group.clone(), source.to_string())
}

fn counted(key: HallKey, c: HallCounts) -> Tally {
    let mut t = Tally::default();
    t.hall.insert(key, c);
    t
}

/// A ticket taken on `day` in `group`, from `source` (see [`source_of`]).
pub fn of_ticket_taken(day: NaiveDate, group: &str, source: &str) -> Tally {
    let c = HallCounts {
        taken: 1,
        ..HallCounts::default()
    };
    counted((day, group.to_string(), source.to_string()), c)
}

fn timed(t: &mut Tally, key: &HallKey, measure: &str, d: Duration) {
    let (day, group, source) = key.clone();
    let bucket = hall_bucket(minutes_up(d));
    *t.hall_times
        .entry((day, group, source, measure.to_string(), bucket))
        .or_default() += 1;
}

/// The ticket `t` (as it waits) called at `at`: nothing unless it is its
/// first call.
pub fn of_ticket_called(t: &Ticket, at: DateTime<Utc>) -> Tally {
    if t.called_at.is_some() {
        return Tally::default();
    }
    let key = key_of(t);
    let wait = (at - wait_start(t)).max(Duration::zero());
    let mut tally = counted(
        key.clone(),
        HallCounts {
            called: 1,
            wait_secs: wait.num_seconds(),
            ..HallCounts::default()
        },
    );
    timed(&mut tally, &key, WAIT, wait);
    tally
}

/// The called ticket `t` ended with its case at `at`.
pub fn of_ticket_ended(t: &Ticket, at: DateTime<Utc>) -> Tally {
    let key = key_of(t);
    let Some(called) = t.called_at else {
        let c = HallCounts {
            served: 1,
            ..HallCounts::default()
        };
        return counted(key, c);
    };
    let handled = (at - called).max(Duration::zero());
    let mut tally = counted(
        key.clone(),
        HallCounts {
            served: 1,
            handle_secs: handled.num_seconds(),
            ..HallCounts::default()
        },
    );
    timed(&mut tally, &key, HANDLING, handled);
    tally
}

/// The ticket `t` over as `to`: a no-show or a cancellation; nothing else.
pub fn of_ticket_over(t: &Ticket, to: TicketStatus) -> Tally {
    let c = match to {
        TicketStatus::NoShow => HallCounts {
            no_show: 1,
            ..HallCounts::default()
        },
        TicketStatus::Cancelled => HallCounts {
            cancelled: 1,
            ..HallCounts::default()
        },
        _ => return Tally::default(),
    };
    counted(key_of(t), c)
}

fn booking_key(group: &str, slot_day: NaiveDate) -> HallKey {
    (slot_day, group.to_string(), BOOKING.to_string())
}

/// An appointment of `group` on `slot_day` confirmed.
pub fn of_booking_confirmed(group: &str, slot_day: NaiveDate) -> Tally {
    let c = HallCounts {
        booked: 1,
        ..HallCounts::default()
    };
    counted(booking_key(group, slot_day), c)
}

/// A confirmed appointment cancelled, by the bureau (节假日调整) or its
/// applicant.
pub fn of_booking_cancelled(group: &str, slot_day: NaiveDate, by_bureau: bool) -> Tally {
    let c = HallCounts {
        booking_cancelled: i64::from(!by_bureau),
        bureau_cancelled: i64::from(by_bureau),
        ..HallCounts::default()
    };
    counted(booking_key(group, slot_day), c)
}

/// An appointment's ticket taken (履约).
pub fn of_booking_kept(group: &str, slot_day: NaiveDate) -> Tally {
    let c = HallCounts {
        kept: 1,
        ..HallCounts::default()
    };
    counted(booking_key(group, slot_day), c)
}

/// A stored ticket's whole contribution: taken, its first call, its end.
pub fn of_ticket(t: &Ticket) -> Tally {
    let (day, group, source) = key_of(t);
    let mut tally = of_ticket_taken(day, &group, &source);
    if let Some(called) = t.called_at {
        let waiting = Ticket {
            called_at: None,
            ..t.clone()
        };
        tally.merge(of_ticket_called(&waiting, called));
    }
    match (t.status, t.ended_at) {
        (TicketStatus::Done, Some(at)) => tally.merge(of_ticket_ended(t, at)),
        (TicketStatus::NoShow | TicketStatus::Cancelled, _) => {
            tally.merge(of_ticket_over(t, t.status));
        }
        _ => {}
    }
    tally
}

/// What became of a stored appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookingFate {
    pub confirmed: bool,
    /// Cancelled, and whether by the bureau.
    pub cancelled: Option<bool>,
    pub kept: bool,
}

/// A stored appointment's whole contribution (a hold never confirmed counts
/// nothing).
pub fn of_booking(group: &str, slot_day: NaiveDate, fate: BookingFate) -> Tally {
    let mut t = Tally::default();
    if !fate.confirmed {
        return t;
    }
    t.merge(of_booking_confirmed(group, slot_day));
    if let Some(by_bureau) = fate.cancelled {
        t.merge(of_booking_cancelled(group, slot_day, by_bureau));
    }
    if fate.kept {
        t.merge(of_booking_kept(group, slot_day));
    }
    t
}

#[cfg(test)]
#[path = "analytics_hall_tests.rs"]
mod tests;
