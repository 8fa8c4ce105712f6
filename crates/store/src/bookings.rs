//! Appointments (预约, migration 0019): a booking counts the slot's live
//! bookings (confirmed, or held and not lapsed) after touching the slot's
//! `hall_slot_counts` row in the same transaction — on PostgreSQL that row
//! lock serialises the bookings of one slot, so a slot is never overbooked.
//! Confirming and cancelling add their analytics tally in their transaction.

use chrono::{DateTime, Utc};

use onestamp_app::store::{Booking, NewBooking, NewMessage};
use onestamp_domain::analytics::Tally;
use onestamp_domain::case::UserId;
use onestamp_domain::hall::BookingStatus;

use crate::codec::{instant, millis, parse_enum};
use crate::db::{Db, R, work};

const FIELDS: &str = "id, group_code, item_code, slot_start, slot_end, applicant, status,
    held_until, created_at, confirmed_at, cancelled_at, cancel_reason, ticket_id, reminded_at";

fn select() -> String {
    format!("SELECT {FIELDS} FROM hall_bookings")
}

/// Live: confirmed, or held until after `$n`.
fn live(n: u8) -> String {
    format!("(status = 'confirmed' OR (status = 'held' AND held_until > ${n}))")
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    group_code: String,
    item_code: Option<String>,
    slot_start: i64,
    slot_end: i64,
    applicant: i64,
    status: String,
    held_until: i64,
    created_at: i64,
    confirmed_at: Option<i64>,
    cancelled_at: Option<i64>,
    cancel_reason: Option<String>,
    ticket_id: Option<i64>,
    reminded_at: Option<i64>,
}

impl Row {
    fn booking(self) -> R<Booking> {
        Ok(Booking {
            id: self.id,
            group: self.group_code,
            item_code: self.item_code,
            slot_start: instant(self.slot_start)?,
            slot_end: instant(self.slot_end)?,
            applicant: self.applicant,
            status: parse_enum(&self.status, BookingStatus::parse, "booking status")?,
            held_until: instant(self.held_until)?,
            created_at: instant(self.created_at)?,
            confirmed_at: self.confirmed_at.map(instant).transpose()?,
            cancelled_at: self.cancelled_at.map(instant).transpose()?,
            cancel_reason: self.cancel_reason,
            ticket_id: self.ticket_id,
            reminded_at: self.reminded_at.map(instant).transpose()?,
        })
    }
}

pub(crate) async fn book(db: &Db, new: NewBooking) -> R<Option<Booking>> {
    db.write(work(move |c| {
        Box::pin(async move {
            let start = millis(new.slot_start);
            sqlx::query(
                "INSERT INTO hall_slot_counts (group_code, slot_start, booked) VALUES ($1, $2, 0)
                 ON CONFLICT (group_code, slot_start)
                 DO UPDATE SET booked = hall_slot_counts.booked",
            )
            .bind(&new.group)
            .bind(start)
            .execute(&mut *c)
            .await?;
            let (taken,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM hall_bookings
                 WHERE group_code = $1 AND slot_start = $2 AND {}",
                live(3)
            )))
            .bind(&new.group)
            .bind(start)
            .bind(millis(new.at))
            .fetch_one(&mut *c)
            .await?;
            if taken >= i64::from(new.capacity) {
                return Ok(None);
            }
            let row: Row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "INSERT INTO hall_bookings (group_code, item_code, slot_start, slot_end,
                     applicant, status, held_until, created_at)
                 VALUES ($1, $7, $2, $3, $4, 'held', $5, $6)
                 RETURNING {FIELDS}"
            )))
            .bind(&new.group)
            .bind(start)
            .bind(millis(new.slot_end))
            .bind(new.applicant)
            .bind(millis(new.held_until))
            .bind(millis(new.at))
            .bind(&new.item_code)
            .fetch_one(&mut *c)
            .await?;
            sqlx::query(
                "UPDATE hall_slot_counts SET booked = $1 WHERE group_code = $2 AND slot_start = $3",
            )
            .bind(taken + 1)
            .bind(&new.group)
            .bind(start)
            .execute(&mut *c)
            .await?;
            Ok(Some(row.booking()?))
        })
    }))
    .await
}

pub(crate) async fn by_id(db: &Db, id: i64) -> R<Option<Booking>> {
    let row: Option<Row> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{} WHERE id = $1", select())))
            .bind(id)
            .fetch_optional(&db.read)
            .await?;
    row.map(Row::booking).transpose()
}

pub(crate) async fn of_applicant(
    db: &Db,
    applicant: UserId,
    after: DateTime<Utc>,
    now: DateTime<Utc>,
) -> R<Vec<Booking>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{} WHERE applicant = $1 AND slot_end > $2 AND {} ORDER BY slot_start, id",
        select(),
        live(3)
    )))
    .bind(applicant)
    .bind(millis(after))
    .bind(millis(now))
    .fetch_all(&db.read)
    .await?;
    rows.into_iter().map(Row::booking).collect()
}

pub(crate) async fn per_slot(
    db: &Db,
    group: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> R<Vec<(DateTime<Utc>, u32)>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT slot_start, COUNT(*) FROM hall_bookings
         WHERE group_code = $1 AND slot_start >= $2 AND slot_start < $3 AND {}
         GROUP BY slot_start ORDER BY slot_start",
        live(4)
    )))
    .bind(group)
    .bind(millis(from))
    .bind(millis(to))
    .bind(millis(now))
    .fetch_all(&db.read)
    .await?;
    rows.into_iter()
        .map(|(s, n)| Ok((instant(s)?, u32::try_from(n).unwrap_or(u32::MAX))))
        .collect()
}

pub(crate) async fn confirm(
    db: &Db,
    id: i64,
    at: DateTime<Utc>,
    message: Option<NewMessage>,
    tally: Tally,
) -> R<bool> {
    db.write(work(move |c| {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE hall_bookings SET status = 'confirmed', confirmed_at = $1
                 WHERE id = $2 AND status = 'held' AND held_until > $1",
            )
            .bind(millis(at))
            .bind(id)
            .execute(&mut *c)
            .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            if let Some(m) = &message {
                crate::messages::insert(c, m, at).await?;
            }
            crate::analytics::write(c, &tally).await?;
            Ok(true)
        })
    }))
    .await
}

pub(crate) async fn cancel(
    db: &Db,
    id: i64,
    at: DateTime<Utc>,
    reason: &str,
    message: Option<NewMessage>,
    tally: Tally,
) -> R<bool> {
    let reason = reason.to_string();
    db.write(work(move |c| {
        Box::pin(async move {
            // `confirmed_at` is left as it was: it tells a confirmed booking
            // (counted in the figures) from a hold.
            let done: Option<(Option<i64>,)> = sqlx::query_as(
                "UPDATE hall_bookings SET status = 'cancelled', cancelled_at = $1,
                     cancel_reason = $3
                 WHERE id = $2 AND status IN ('held', 'confirmed') AND ticket_id IS NULL
                 RETURNING confirmed_at",
            )
            .bind(millis(at))
            .bind(id)
            .bind(&reason)
            .fetch_optional(&mut *c)
            .await?;
            let Some((confirmed_at,)) = done else {
                return Ok(false);
            };
            if let Some(m) = &message {
                crate::messages::insert(c, m, at).await?;
            }
            if confirmed_at.is_some() {
                crate::analytics::write(c, &tally).await?;
            }
            Ok(true)
        })
    }))
    .await
}

pub(crate) async fn after(db: &Db, after: i64, limit: u32) -> R<Vec<Booking>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{} WHERE id > $1 ORDER BY id LIMIT $2",
        select()
    )))
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(&db.read)
    .await?;
    rows.into_iter().map(Row::booking).collect()
}

pub(crate) async fn history(db: &Db, applicant: UserId, limit: u32) -> R<Vec<Booking>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{} WHERE applicant = $1 ORDER BY slot_start DESC, id DESC LIMIT $2",
        select()
    )))
    .bind(applicant)
    .bind(i64::from(limit))
    .fetch_all(&db.read)
    .await?;
    rows.into_iter().map(Row::booking).collect()
}

pub(crate) async fn live_between(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> R<Vec<Booking>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{} WHERE slot_start >= $1 AND slot_start < $2 AND ticket_id IS NULL AND {}
         ORDER BY slot_start, id",
        select(),
        live(3)
    )))
    .bind(millis(from))
    .bind(millis(to))
    .bind(millis(now))
    .fetch_all(&db.read)
    .await?;
    rows.into_iter().map(Row::booking).collect()
}

pub(crate) async fn remind(db: &Db, id: i64, at: DateTime<Utc>, message: NewMessage) -> R<bool> {
    db.write(work(move |c| {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE hall_bookings SET reminded_at = $1
                 WHERE id = $2 AND status = 'confirmed' AND reminded_at IS NULL",
            )
            .bind(millis(at))
            .bind(id)
            .execute(&mut *c)
            .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            crate::messages::insert(c, &message, at).await?;
            Ok(true)
        })
    }))
    .await
}
