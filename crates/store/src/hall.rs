//! The service hall (migration 0019): groups and windows; tickets numbered
//! per group and day by an upsert of `hall_counters` in the ticket's own
//! transaction; every step of a ticket an `UPDATE … WHERE status = …`, so two
//! windows calling at once never get the same ticket (the loser sees no row
//! and picks again); `hall_calls`, the append-only log every node's display
//! stream polls by id. A step's analytics tally (see
//! `onestamp_domain::analytics_hall`) is written in its transaction, only
//! when its `UPDATE` hit the row.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use onestamp_app::store::{NewCall, NewTicket, StoreError, StoredCall, WindowChange};
use onestamp_domain::analytics::Tally;
use onestamp_domain::audit::AuditFact;
use onestamp_domain::case::UserId;
use onestamp_domain::hall::{Group, Ticket, TicketSource, TicketStatus, Window, label};

use crate::codec::{from_json, instant, json, millis, parse_enum};
use crate::db::{Db, Fault, R, corrupt, work};

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

fn parse_day(s: &str) -> R<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| corrupt(format!("day '{s}': {e}")))
}

fn count(n: i64, what: &str) -> R<u32> {
    u32::try_from(n).map_err(|_| corrupt(format!("{what} {n} out of range")))
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    code: String,
    name: String,
    items: String,
    per_slot: i64,
}

pub(crate) async fn groups(db: &Db) -> R<Vec<Group>> {
    let rows: Vec<GroupRow> =
        sqlx::query_as("SELECT code, name, items, per_slot FROM hall_groups ORDER BY code")
            .fetch_all(&db.read)
            .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Group {
                code: r.code,
                name: r.name,
                items: from_json(&r.items)?,
                per_slot: count(r.per_slot, "per_slot")?,
            })
        })
        .collect()
}

pub(crate) async fn save_group(db: &Db, group: Group) -> R<()> {
    let items = json(&group.items)?;
    db.write(work(move |c| {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO hall_groups (code, name, items, per_slot) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, items = excluded.items,
                     per_slot = excluded.per_slot",
            )
            .bind(&group.code)
            .bind(&group.name)
            .bind(&items)
            .bind(i64::from(group.per_slot))
            .execute(&mut *c)
            .await?;
            Ok(())
        })
    }))
    .await
}

#[derive(sqlx::FromRow)]
struct WindowRow {
    id: i64,
    number: String,
    group_codes: String,
    staff: Option<i64>,
    is_open: i64,
}

impl WindowRow {
    fn window(self) -> R<Window> {
        Ok(Window {
            id: self.id,
            number: self.number,
            groups: from_json(&self.group_codes)?,
            staff: self.staff,
            open: self.is_open != 0,
        })
    }
}

pub(crate) async fn windows(db: &Db) -> R<Vec<Window>> {
    let rows: Vec<WindowRow> = sqlx::query_as(
        "SELECT id, number, group_codes, staff, is_open FROM hall_windows ORDER BY id",
    )
    .fetch_all(&db.read)
    .await?;
    rows.into_iter().map(WindowRow::window).collect()
}

pub(crate) async fn save_window(db: &Db, change: WindowChange) -> R<Window> {
    let groups = json(&change.groups)?;
    db.write(work(move |c| {
        Box::pin(async move {
            let open = i64::from(change.open);
            let row: Option<WindowRow> = match change.id {
                None => {
                    sqlx::query_as(
                        "INSERT INTO hall_windows (number, group_codes, staff, is_open)
                         VALUES ($1, $2, $3, $4)
                         RETURNING id, number, group_codes, staff, is_open",
                    )
                    .bind(&change.number)
                    .bind(&groups)
                    .bind(change.staff)
                    .bind(open)
                    .fetch_optional(&mut *c)
                    .await?
                }
                Some(id) => {
                    sqlx::query_as(
                        "UPDATE hall_windows SET number = $1, group_codes = $2, staff = $3,
                             is_open = $4 WHERE id = $5
                         RETURNING id, number, group_codes, staff, is_open",
                    )
                    .bind(&change.number)
                    .bind(&groups)
                    .bind(change.staff)
                    .bind(open)
                    .bind(id)
                    .fetch_optional(&mut *c)
                    .await?
                }
            };
            row.ok_or_else(|| corrupt("window not saved"))?.window()
        })
    }))
    .await
}

const TICKET_COLUMNS: &str = "SELECT id, day, group_code, number, label, item_code, applicant,
    source, appointment_at, status, taken_at, checked_in_at, called_at, last_called_at, recalls,
    window_id, transferred, ended_at, case_id FROM hall_tickets";

#[derive(sqlx::FromRow)]
struct TicketRow {
    id: i64,
    day: String,
    group_code: String,
    number: i64,
    label: String,
    item_code: Option<String>,
    applicant: Option<i64>,
    source: String,
    appointment_at: Option<i64>,
    status: String,
    taken_at: i64,
    checked_in_at: Option<i64>,
    called_at: Option<i64>,
    last_called_at: Option<i64>,
    recalls: i64,
    window_id: Option<i64>,
    transferred: i64,
    ended_at: Option<i64>,
    case_id: Option<i64>,
}

impl TicketRow {
    fn ticket(self) -> R<Ticket> {
        Ok(Ticket {
            id: self.id,
            day: parse_day(&self.day)?,
            group: self.group_code,
            number: count(self.number, "ticket number")?,
            label: self.label,
            item_code: self.item_code,
            applicant: self.applicant,
            source: parse_enum(&self.source, TicketSource::parse, "ticket source")?,
            appointment_at: self.appointment_at.map(instant).transpose()?,
            status: parse_enum(&self.status, TicketStatus::parse, "ticket status")?,
            taken_at: instant(self.taken_at)?,
            checked_in_at: self.checked_in_at.map(instant).transpose()?,
            called_at: self.called_at.map(instant).transpose()?,
            last_called_at: self.last_called_at.map(instant).transpose()?,
            recalls: count(self.recalls, "recalls")?,
            window_id: self.window_id,
            transferred: self.transferred != 0,
            ended_at: self.ended_at.map(instant).transpose()?,
            case_id: self.case_id,
        })
    }
}

pub(crate) async fn take(db: &Db, new: NewTicket) -> R<Ticket> {
    db.write(work(move |c| {
        Box::pin(async move {
            let day = day_text(new.day);
            let (number,): (i64,) = sqlx::query_as(
                "INSERT INTO hall_counters (day, group_code, last_number) VALUES ($1, $2, 1)
                 ON CONFLICT (day, group_code)
                 DO UPDATE SET last_number = hall_counters.last_number + 1
                 RETURNING last_number",
            )
            .bind(&day)
            .bind(&new.group)
            .fetch_one(&mut *c)
            .await?;
            let number = count(number, "ticket number")?;
            let checked_in = (new.status == TicketStatus::Waiting).then(|| millis(new.at));
            let row: TicketRow = sqlx::query_as(
                "INSERT INTO hall_tickets (day, group_code, number, label, item_code, applicant,
                     source, appointment_at, status, taken_at, checked_in_at, token)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 RETURNING id, day, group_code, number, label, item_code, applicant, source,
                     appointment_at, status, taken_at, checked_in_at, called_at, last_called_at,
                     recalls, window_id, transferred, ended_at, case_id",
            )
            .bind(&day)
            .bind(&new.group)
            .bind(i64::from(number))
            .bind(label(&new.group, number))
            .bind(&new.item_code)
            .bind(new.applicant)
            .bind(new.source.as_str())
            .bind(new.appointment_at.map(millis))
            .bind(new.status.as_str())
            .bind(millis(new.at))
            .bind(checked_in)
            .bind(&new.token)
            .fetch_one(&mut *c)
            .await?;
            let mut fact = new.audit.clone();
            fact.subject = format!("{}:{}", day, row.label);
            if let Some(d) = fact.detail.as_object_mut() {
                d.insert("ticket_id".into(), row.id.into());
                d.insert("label".into(), row.label.clone().into());
            }
            crate::audit::append(c, &fact).await?;
            if let Some(booking) = new.booking {
                let linked = sqlx::query(
                    "UPDATE hall_bookings SET ticket_id = $1
                     WHERE id = $2 AND status = 'confirmed' AND ticket_id IS NULL",
                )
                .bind(row.id)
                .bind(booking)
                .execute(&mut *c)
                .await?;
                if linked.rows_affected() != 1 {
                    return Err(Fault(StoreError::Duplicate(
                        "the ticket of the booking".into(),
                    )));
                }
            }
            crate::analytics::write(c, &new.tally).await?;
            row.ticket()
        })
    }))
    .await
}

pub(crate) async fn by_id(db: &Db, id: i64) -> R<Option<Ticket>> {
    let row: Option<TicketRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{TICKET_COLUMNS} WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.read)
    .await?;
    row.map(TicketRow::ticket).transpose()
}

pub(crate) async fn token_of(db: &Db, id: i64) -> R<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT token FROM hall_tickets WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.read)
        .await?;
    Ok(row.map(|r| r.0))
}

pub(crate) async fn by_token(db: &Db, token: &str) -> R<Option<Ticket>> {
    let row: Option<TicketRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{TICKET_COLUMNS} WHERE token = $1"
    )))
    .bind(token)
    .fetch_optional(&db.read)
    .await?;
    row.map(TicketRow::ticket).transpose()
}

pub(crate) async fn open_tickets(db: &Db, day: NaiveDate) -> R<Vec<Ticket>> {
    let rows: Vec<TicketRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{TICKET_COLUMNS} WHERE day = $1 AND status IN ('taken', 'waiting', 'called') ORDER BY id"
    )))
    .bind(day_text(day))
    .fetch_all(&db.read)
    .await?;
    rows.into_iter().map(TicketRow::ticket).collect()
}

pub(crate) async fn of_applicant(db: &Db, applicant: UserId, day: NaiveDate) -> R<Vec<Ticket>> {
    let rows: Vec<TicketRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{TICKET_COLUMNS} WHERE applicant = $1 AND day = $2 ORDER BY id"
    )))
    .bind(applicant)
    .bind(day_text(day))
    .fetch_all(&db.read)
    .await?;
    rows.into_iter().map(TicketRow::ticket).collect()
}

pub(crate) async fn check_in(db: &Db, id: i64, at: DateTime<Utc>, audit: AuditFact) -> R<bool> {
    db.write(work(move |c| {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE hall_tickets SET status = 'waiting', checked_in_at = $1
                 WHERE id = $2 AND status = 'taken'",
            )
            .bind(millis(at))
            .bind(id)
            .execute(&mut *c)
            .await?;
            audited(c, done.rows_affected() == 1, &audit).await
        })
    }))
    .await
}

async fn log_call(
    c: &mut sqlx::AnyConnection,
    id: i64,
    label: String,
    call: &NewCall,
) -> R<StoredCall> {
    let (call_id,): (i64,) = sqlx::query_as(
        "INSERT INTO hall_calls (ticket_id, label, window_number, kind, voice, called_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(id)
    .bind(&label)
    .bind(&call.window_number)
    .bind(call.kind)
    .bind(&call.voice)
    .bind(millis(call.at))
    .fetch_one(&mut *c)
    .await?;
    crate::audit::append(c, &call.audit).await?;
    Ok(StoredCall {
        id: call_id,
        ticket_id: id,
        label,
        window_number: call.window_number.clone(),
        kind: call.kind.to_string(),
        voice: call.voice.clone(),
        at: call.at,
    })
}

pub(crate) async fn call(db: &Db, id: i64, window: i64, call: NewCall) -> R<Option<StoredCall>> {
    db.write(work(move |c| {
        Box::pin(async move {
            let row: Option<(String, i64)> = sqlx::query_as(
                "UPDATE hall_tickets SET status = 'called', called_at = COALESCE(called_at, $1),
                     last_called_at = $1, window_id = $2, transferred = 0, recalls = 0
                 WHERE id = $3 AND status = 'waiting'
                     AND (transferred = 0 OR window_id = $2)
                 RETURNING label, called_at",
            )
            .bind(millis(call.at))
            .bind(window)
            .bind(id)
            .fetch_optional(&mut *c)
            .await?;
            match row {
                None => Ok(None),
                Some((label, first)) => {
                    // The first call keeps its instant: a later one (after a
                    // transfer) counts no wait again.
                    if first == millis(call.at) {
                        crate::analytics::write(c, &call.tally).await?;
                    }
                    Ok(Some(log_call(c, id, label, &call).await?))
                }
            }
        })
    }))
    .await
}

pub(crate) async fn recall(
    db: &Db,
    id: i64,
    window: i64,
    recalls: u32,
    call: NewCall,
) -> R<Option<StoredCall>> {
    db.write(work(move |c| {
        Box::pin(async move {
            let row: Option<(String,)> = sqlx::query_as(
                "UPDATE hall_tickets SET recalls = recalls + 1, last_called_at = $1
                 WHERE id = $2 AND status = 'called' AND window_id = $3 AND recalls = $4
                 RETURNING label",
            )
            .bind(millis(call.at))
            .bind(id)
            .bind(window)
            .bind(i64::from(recalls))
            .fetch_optional(&mut *c)
            .await?;
            match row {
                None => Ok(None),
                Some((label,)) => Ok(Some(log_call(c, id, label, &call).await?)),
            }
        })
    }))
    .await
}

pub(crate) async fn set_status(
    db: &Db,
    id: i64,
    from: TicketStatus,
    to: TicketStatus,
    at: DateTime<Utc>,
    audit: AuditFact,
    tally: Tally,
) -> R<bool> {
    db.write(work(move |c| {
        Box::pin(async move {
            let ended = to.is_final().then(|| millis(at));
            let done = sqlx::query(
                "UPDATE hall_tickets SET status = $1, ended_at = COALESCE($2, ended_at)
                 WHERE id = $3 AND status = $4",
            )
            .bind(to.as_str())
            .bind(ended)
            .bind(id)
            .bind(from.as_str())
            .execute(&mut *c)
            .await?;
            counted(c, done.rows_affected() == 1, &audit, &tally).await
        })
    }))
    .await
}

pub(crate) async fn transfer(db: &Db, id: i64, from: i64, to: i64, audit: AuditFact) -> R<bool> {
    db.write(work(move |c| {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE hall_tickets SET status = 'waiting', transferred = 1, window_id = $1
                 WHERE id = $2 AND status = 'called' AND window_id = $3",
            )
            .bind(to)
            .bind(id)
            .bind(from)
            .execute(&mut *c)
            .await?;
            audited(c, done.rows_affected() == 1, &audit).await
        })
    }))
    .await
}

pub(crate) async fn end(
    db: &Db,
    id: i64,
    case_id: i64,
    at: DateTime<Utc>,
    audit: AuditFact,
    tally: Tally,
) -> R<bool> {
    db.write(work(move |c| {
        Box::pin(async move {
            let done = end_in(c, id, case_id, at).await?;
            counted(c, done, &audit, &tally).await
        })
    }))
    .await
}

/// Appends a step's audit fact and adds its tally if the step was taken;
/// whether it was.
async fn counted(
    c: &mut sqlx::AnyConnection,
    done: bool,
    audit: &AuditFact,
    tally: &Tally,
) -> R<bool> {
    if done {
        crate::analytics::write(c, tally).await?;
    }
    audited(c, done, audit).await
}

pub(crate) async fn after(db: &Db, after: i64, limit: u32) -> R<Vec<Ticket>> {
    let rows: Vec<TicketRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{TICKET_COLUMNS} WHERE id > $1 ORDER BY id LIMIT $2"
    )))
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(&db.read)
    .await?;
    rows.into_iter().map(TicketRow::ticket).collect()
}

/// Appends a step's audit fact if the step was taken; whether it was.
async fn audited(c: &mut sqlx::AnyConnection, done: bool, audit: &AuditFact) -> R<bool> {
    if done {
        crate::audit::append(c, audit).await?;
    }
    Ok(done)
}

/// Ends a called ticket with its case inside the caller's transaction (the
/// counter case's own, see `cases::create`); whether it did.
pub(crate) async fn end_in(
    c: &mut sqlx::AnyConnection,
    id: i64,
    case_id: i64,
    at: DateTime<Utc>,
) -> R<bool> {
    let done = sqlx::query(
        "UPDATE hall_tickets SET status = 'done', ended_at = $1, case_id = $2
         WHERE id = $3 AND status = 'called'",
    )
    .bind(millis(at))
    .bind(case_id)
    .bind(id)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(sqlx::FromRow)]
struct CallRow {
    id: i64,
    ticket_id: i64,
    label: String,
    window_number: String,
    kind: String,
    voice: String,
    called_at: i64,
}

impl CallRow {
    fn call(self) -> R<StoredCall> {
        Ok(StoredCall {
            id: self.id,
            ticket_id: self.ticket_id,
            label: self.label,
            window_number: self.window_number,
            kind: self.kind,
            voice: self.voice,
            at: instant(self.called_at)?,
        })
    }
}

const CALL_COLUMNS: &str =
    "SELECT id, ticket_id, label, window_number, kind, voice, called_at FROM hall_calls";

pub(crate) async fn calls_after(db: &Db, after: i64, limit: u32) -> R<Vec<StoredCall>> {
    let rows: Vec<CallRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CALL_COLUMNS} WHERE id > $1 ORDER BY id LIMIT $2"
    )))
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(&db.read)
    .await?;
    rows.into_iter().map(CallRow::call).collect()
}

pub(crate) async fn latest_calls(db: &Db, limit: u32) -> R<Vec<StoredCall>> {
    let rows: Vec<CallRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CALL_COLUMNS} ORDER BY id DESC LIMIT $1"
    )))
    .bind(i64::from(limit))
    .fetch_all(&db.read)
    .await?;
    rows.into_iter().map(CallRow::call).collect()
}

pub(crate) async fn handling_times(db: &Db, group: &str, limit: u32) -> R<Vec<Duration>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT called_at, ended_at FROM hall_tickets
         WHERE group_code = $1 AND status = 'done' AND called_at IS NOT NULL
         ORDER BY ended_at DESC LIMIT $2",
    )
    .bind(group)
    .bind(i64::from(limit))
    .fetch_all(&db.read)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(a, b)| Duration::milliseconds(b - a))
        .collect())
}

pub(crate) async fn checkin_code(db: &Db, day: NaiveDate, fresh: &str) -> R<String> {
    let fresh = fresh.to_string();
    db.write(work(move |c| {
        Box::pin(async move {
            let day = day_text(day);
            sqlx::query(
                "INSERT INTO hall_checkin_codes (day, code) VALUES ($1, $2)
                 ON CONFLICT (day) DO NOTHING",
            )
            .bind(&day)
            .bind(&fresh)
            .execute(&mut *c)
            .await?;
            let (code,): (String,) =
                sqlx::query_as("SELECT code FROM hall_checkin_codes WHERE day = $1")
                    .bind(&day)
                    .fetch_one(&mut *c)
                    .await?;
            Ok(code)
        })
    }))
    .await
}
