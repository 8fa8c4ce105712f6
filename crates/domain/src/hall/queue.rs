//! The order of the queue: transferred tickets first at their window, then
//! appointments whose time has come (by that time), then everyone checked in
//! (by the time they checked in); and the wait estimate.

use std::cmp::Ordering;

use chrono::{DateTime, Duration, Utc};

use super::{Ticket, TicketStatus, Window};

/// The handling time assumed before any ticket of the group has ended.
pub const DEFAULT_HANDLING: Duration = Duration::minutes(6);

/// The sort key of a waiting ticket: an appointment that is due goes ahead
/// from its time on; the rest by check-in.
fn key(t: &Ticket, now: DateTime<Utc>) -> (u8, DateTime<Utc>, i64) {
    match t.appointment_at {
        Some(at) if at <= now => (0, at, t.id),
        _ => (1, t.checked_in_at.unwrap_or(t.taken_at), t.id),
    }
}

fn order(a: &Ticket, b: &Ticket, now: DateTime<Utc>) -> Ordering {
    (!a.transferred, key(a, now)).cmp(&(!b.transferred, key(b, now)))
}

/// The waiting tickets of `tickets` in the order they are called (whatever
/// the window).
pub fn queue_order(tickets: &[Ticket], now: DateTime<Utc>) -> Vec<&Ticket> {
    let mut waiting: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| t.status == TicketStatus::Waiting)
        .collect();
    waiting.sort_by(|a, b| order(a, b, now));
    waiting
}

/// Whether `window` calls the waiting ticket `t`: one transferred to it, or
/// one of a group it serves that was not transferred elsewhere.
fn calls(window: &Window, t: &Ticket) -> bool {
    if t.transferred {
        t.window_id == Some(window.id)
    } else {
        window.serves(&t.group)
    }
}

/// The tickets waiting for `window`, in the order it calls them (when
/// another window wins the first, the next is tried).
pub fn queue_for<'a>(
    window: &Window,
    tickets: &'a [Ticket],
    now: DateTime<Utc>,
) -> Vec<&'a Ticket> {
    let mut mine: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| t.status == TicketStatus::Waiting && calls(window, t))
        .collect();
    mine.sort_by(|a, b| order(a, b, now));
    mine
}

/// The ticket `window` calls next among `tickets`, if any waits for it.
pub fn next_ticket<'a>(
    window: &Window,
    tickets: &'a [Ticket],
    now: DateTime<Utc>,
) -> Option<&'a Ticket> {
    tickets
        .iter()
        .filter(|t| t.status == TicketStatus::Waiting && calls(window, t))
        .min_by(|a, b| order(a, b, now))
}

/// How many waiting tickets of the same queue come before `ticket`
/// (前面还有 N 人). A ticket not yet checked in counts everyone waiting in
/// its group.
pub fn ahead_of(ticket: &Ticket, tickets: &[Ticket], now: DateTime<Utc>) -> usize {
    let same_queue = |t: &&Ticket| {
        t.id != ticket.id
            && t.status == TicketStatus::Waiting
            && if ticket.transferred {
                t.transferred && t.window_id == ticket.window_id
            } else {
                !t.transferred && t.group == ticket.group
            }
    };
    let rivals = tickets.iter().filter(same_queue);
    if ticket.status != TicketStatus::Waiting {
        return rivals.count();
    }
    rivals
        .filter(|t| order(t, ticket, now) == Ordering::Less)
        .count()
}

/// The expected wait of a ticket with `ahead` tickets before it at
/// `windows` serving windows, from the recent handling times of the group
/// (their median; [`DEFAULT_HANDLING`] without any).
pub fn estimate_wait(ahead: usize, recent: &[Duration], windows: usize) -> Duration {
    let mut times: Vec<Duration> = recent
        .iter()
        .copied()
        .filter(|d| *d > Duration::zero())
        .collect();
    times.sort();
    let each = if times.is_empty() {
        DEFAULT_HANDLING
    } else {
        times[times.len() / 2]
    };
    let ahead = i32::try_from(ahead).unwrap_or(i32::MAX);
    let windows = i32::try_from(windows.max(1)).unwrap_or(i32::MAX);
    each * ahead / windows
}
