//! Cases, their event log, case lists and task lists.

use sqlx::AnyConnection;

use onestamp_app::store::{
    CaseChange, CaseQuery, CaseSummary, NewCase, StoreError, TaskFilter, TaskKey,
};
use onestamp_domain::case::{Case, CaseEvent, CaseStatus, SYSTEM_ACTOR, Stage, UserId};
use onestamp_domain::role::Role;
use onestamp_domain::timing::Light;

use crate::codec::{from_json, instant, json, millis, parse_enum};
use crate::db::{Db, Fault, Flag, R, Sql, work};

/// The indexed columns of a case row, as bound to `INSERT` and `UPDATE`.
pub(crate) struct Columns {
    pub status: &'static str,
    pub task_stage: Option<&'static str>,
    pub task_assignee: Option<i64>,
    pub task_deadline: Option<i64>,
    pub deadline: Option<i64>,
    pub suspended: bool,
    pub closed: bool,
    pub task_started_at: Option<i64>,
    pub task_warn_at: Option<i64>,
    pub instant: bool,
}

impl Columns {
    pub fn of(case: &Case) -> Columns {
        let task = case.task.as_ref();
        Columns {
            status: case.status.as_str(),
            task_stage: task.map(|t| t.stage.as_str()),
            task_assignee: task.map(|t| t.assignee),
            task_deadline: task.and_then(|t| t.deadline).map(millis),
            deadline: case.deadline.map(millis),
            suspended: case.suspended_since.is_some(),
            closed: case.status.is_closed(),
            task_started_at: task.map(|t| millis(t.started_at)),
            task_warn_at: task.and_then(|t| t.warn_at).map(millis),
            instant: case.handlers.values().any(|u| *u == SYSTEM_ACTOR),
        }
    }
}

pub(crate) async fn create(db: &Db, new: NewCase) -> R<Case> {
    db.write(work(move |c| Box::pin(create_in(c, new)))).await
}

pub(crate) async fn create_in(conn: &mut AnyConnection, new: NewCase) -> R<Case> {
    let (serial,): (i64,) = sqlx::query_as(
        "INSERT INTO case_serials (day, last) VALUES ($1, 1)
         ON CONFLICT (day) DO UPDATE SET last = case_serials.last + 1 RETURNING last",
    )
    .bind(&new.number_prefix)
    .fetch_one(&mut *conn)
    .await?;
    let mut case = new.case;
    case.number = format!("{}-{serial:06}", new.number_prefix);
    // The id is known only after the insert, and the body carries it: the body
    // is written with id 0 and patched in the same statement that returns the id.
    let cols = Columns::of(&case);
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO cases (number, item_code, item_version, applicant_id, applicant_name, status,
             priority, version, submitted_at, updated_at, task_stage, task_assignee, task_deadline,
             deadline, suspended, closed, task_started_at, task_warn_at, instant, body,
             applicant_identity)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
             $19, '{}', $20) RETURNING id",
    )
    .bind(&case.number)
    .bind(&case.item_code)
    .bind(case.item_version)
    .bind(case.applicant.user_id)
    .bind(&case.applicant.name)
    .bind(cols.status)
    .bind(case.priority)
    .bind(case.version)
    .bind(millis(case.submitted_at))
    .bind(millis(case.updated_at))
    .bind(cols.task_stage)
    .bind(cols.task_assignee)
    .bind(cols.task_deadline)
    .bind(cols.deadline)
    .bind(cols.suspended)
    .bind(cols.closed)
    .bind(cols.task_started_at)
    .bind(cols.task_warn_at)
    .bind(cols.instant)
    .bind(&case.applicant.identity)
    .fetch_one(&mut *conn)
    .await?;
    case.id = id;
    sqlx::query("UPDATE cases SET body = $1 WHERE id = $2")
        .bind(json(&case)?)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    insert_events(conn, id, 1, &new.events).await?;
    let mut facts = new.audit;
    for fact in facts.iter_mut().filter(|f| f.subject.is_empty()) {
        fact.subject = case.number.clone();
    }
    // The submission's documents name the number just given: sealed now.
    let (documents, document_facts) = new.documents.finish(&case)?;
    facts.extend(document_facts);
    crate::documents::open(conn, id, &new.documents.query_code, &documents).await?;
    crate::audit::append_all(conn, &facts).await?;
    if let Some(mut licence) = new.licence {
        licence.case_id = id;
        crate::licences::insert(conn, &licence).await?;
    }
    if let Some((old, status)) = &new.retire {
        crate::licences::set_status(conn, old, status).await?;
    }
    let mut messages = new.messages.finish(&case);
    let (feed, feed_messages) = new.feed.finish(&case);
    crate::feed::insert_all(conn, &feed).await?;
    messages.extend(feed_messages);
    crate::messages::insert_all(conn, &messages, case.updated_at).await?;
    crate::analytics::write(conn, &new.tally).await?;
    if let Some(ticket) = new.ticket
        && !crate::hall::end_in(conn, ticket, id, case.submitted_at).await?
    {
        return Err(crate::db::Fault(
            onestamp_app::store::StoreError::Duplicate(onestamp_app::store::TICKET_ENDED.into()),
        ));
    }
    Ok(case)
}

/// Appends events numbered from `first`; one statement for all of them.
async fn insert_events(
    conn: &mut AnyConnection,
    case_id: i64,
    first: i64,
    events: &[CaseEvent],
) -> R<()> {
    if events.is_empty() {
        return Ok(());
    }
    let numbered: Vec<(i64, &CaseEvent)> = (first..).zip(events).collect();
    let mut sql = Sql::new(
        "INSERT INTO case_events (case_id, seq, at, actor_id, actor_role, action, opinion,
             from_status, to_status, version) VALUES ",
    );
    sql.values(&numbered, |row, (seq, e)| {
        row.bind(case_id)
            .bind(*seq)
            .bind(millis(e.at))
            .bind(e.actor_id)
            .bind(e.actor_role.as_str())
            .bind(e.action.clone())
            .bind(e.opinion.clone())
            .bind(e.from_status.map(|s| s.as_str()))
            .bind(e.to_status.as_str())
            .bind(e.version);
    });
    sql.execute(conn).await?;
    Ok(())
}

pub(crate) async fn by_id(db: &Db, id: i64) -> R<Option<Case>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT body FROM cases WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.read)
        .await?;
    row.map(|(body,)| Ok(from_json(&body)?)).transpose()
}

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    at: i64,
    actor_id: i64,
    actor_role: String,
    action: String,
    opinion: Option<String>,
    from_status: Option<String>,
    to_status: String,
    version: i64,
}

fn status(s: &str) -> R<CaseStatus> {
    Ok(parse_enum(s, CaseStatus::parse, "status")?)
}

fn stage(s: Option<&str>) -> R<Option<Stage>> {
    Ok(s.map(|s| parse_enum(s, Stage::parse, "stage"))
        .transpose()?)
}

pub(crate) async fn events(db: &Db, id: i64) -> R<Vec<CaseEvent>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT at, actor_id, actor_role, action, opinion, from_status, to_status, version
         FROM case_events WHERE case_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&db.read)
    .await?;
    rows.into_iter().map(EventRow::event).collect()
}

impl EventRow {
    pub(crate) fn event(self) -> R<CaseEvent> {
        Ok(CaseEvent {
            at: instant(self.at)?,
            actor_id: self.actor_id,
            actor_role: parse_enum(&self.actor_role, Role::parse, "role")?,
            action: self.action,
            opinion: self.opinion,
            from_status: self.from_status.as_deref().map(status).transpose()?,
            to_status: status(&self.to_status)?,
            version: self.version,
        })
    }
}

/// Applies the change only if nobody else changed the case since
/// `expected_version`. On PostgreSQL a concurrent commit holds the case row
/// until it ends; this UPDATE then re-checks the version against the committed
/// row and matches nothing.
pub(crate) async fn commit(db: &Db, change: CaseChange) -> R<()> {
    db.write(work(move |c| Box::pin(commit_in(c, change))))
        .await
}

async fn commit_in(conn: &mut AnyConnection, change: CaseChange) -> R<()> {
    let case = &change.case;
    let cols = Columns::of(case);
    // The event's number comes back from the same statement: the case row
    // keeps no count of events, so it is counted here once, under the row lock.
    let done: Option<(i64,)> = sqlx::query_as(
        "UPDATE cases SET status = $1, priority = $2, version = $3, updated_at = $4,
             task_stage = $5, task_assignee = $6, task_deadline = $7, body = $8, deadline = $9,
             suspended = $10, closed = $11, task_started_at = $12, task_warn_at = $13,
             task_alerted = 0, task_warned = 0
         WHERE id = $14 AND version = $15
         RETURNING (SELECT coalesce(max(seq), 0) FROM case_events WHERE case_id = $14)",
    )
    .bind(cols.status)
    .bind(case.priority)
    .bind(case.version)
    .bind(millis(case.updated_at))
    .bind(cols.task_stage)
    .bind(cols.task_assignee)
    .bind(cols.task_deadline)
    .bind(json(case)?)
    .bind(cols.deadline)
    .bind(cols.suspended)
    .bind(cols.closed)
    .bind(cols.task_started_at)
    .bind(cols.task_warn_at)
    .bind(case.id)
    .bind(change.expected_version)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((last_event,)) = done else {
        let current: Option<(i64,)> = sqlx::query_as("SELECT version FROM cases WHERE id = $1")
            .bind(case.id)
            .fetch_optional(&mut *conn)
            .await?;
        return Err(Fault(match current {
            Some((current,)) => StoreError::VersionConflict {
                given: change.expected_version,
                current,
            },
            None => StoreError::Corrupt(format!("case {} vanished", case.id)),
        }));
    };
    insert_events(
        conn,
        case.id,
        last_event + 1,
        std::slice::from_ref(&change.event),
    )
    .await?;
    crate::audit::append_all(conn, &change.audit).await?;
    crate::documents::insert(conn, case.id, &change.documents).await?;
    if let Some(licence) = &change.licence {
        crate::licences::insert(conn, licence).await?;
    }
    if let Some((old, status)) = &change.retire {
        crate::licences::set_status(conn, old, status).await?;
    }
    crate::feed::insert_all(conn, &change.feed).await?;
    for a in &change.alerts {
        let raised: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO alerts (case_id, case_number, kind, stage, responsible, deadline,
                 raised_at, dedup_key, note)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dedup_key) DO NOTHING
             RETURNING id",
        )
        .bind(case.id)
        .bind(&case.number)
        .bind(&a.kind)
        .bind(a.stage.map(|s| s.as_str()))
        .bind(a.responsible)
        .bind(millis(a.deadline))
        .bind(millis(a.raised_at))
        .bind(&a.dedup_key)
        .bind(&a.note)
        .fetch_optional(&mut *conn)
        .await?;
        if raised.is_some() {
            crate::alerts::message(
                conn,
                &a.kind,
                (case.id, &case.number),
                a.stage,
                a.responsible,
                &a.dedup_key,
                a.raised_at,
            )
            .await?;
        }
    }
    crate::messages::insert_all(conn, &change.messages, case.updated_at).await?;
    if let Some(step) = &change.bundle {
        crate::bundles::step_in(conn, step).await?;
    }
    crate::analytics::write(conn, &change.tally).await?;
    Ok(())
}

pub(crate) const SUMMARY_COLUMNS: &str = "SELECT id, number, item_code, applicant_name, status,
    priority, submitted_at, updated_at, task_stage, task_deadline, task_warn_at, deadline
    FROM cases";

#[derive(sqlx::FromRow)]
pub(crate) struct SummaryRow {
    id: i64,
    number: String,
    item_code: String,
    applicant_name: String,
    status: String,
    #[sqlx(try_from = "Flag")]
    priority: bool,
    submitted_at: i64,
    updated_at: i64,
    task_stage: Option<String>,
    task_deadline: Option<i64>,
    task_warn_at: Option<i64>,
    deadline: Option<i64>,
}

impl SummaryRow {
    pub fn summary(self) -> R<CaseSummary> {
        Ok(CaseSummary {
            id: self.id,
            number: self.number,
            item_code: self.item_code,
            applicant_name: self.applicant_name,
            status: status(&self.status)?,
            priority: self.priority,
            submitted_at: instant(self.submitted_at)?,
            updated_at: instant(self.updated_at)?,
            task_stage: stage(self.task_stage.as_deref())?,
            task_deadline: self.task_deadline.map(instant).transpose()?,
            task_warn_at: self.task_warn_at.map(instant).transpose()?,
            deadline: self.deadline.map(instant).transpose()?,
            light: None,
        })
    }
}

pub(crate) async fn summaries(db: &Db, sql: Sql) -> R<Vec<CaseSummary>> {
    let rows: Vec<SummaryRow> = sql.fetch_all(db).await?;
    rows.into_iter().map(SummaryRow::summary).collect()
}

/// Newest first; keyset pagination on id (or on submission time and id for a
/// date range), the applicant filter inside the query.
pub(crate) async fn list(db: &Db, q: &CaseQuery) -> R<Vec<CaseSummary>> {
    let mut b = Sql::new(SUMMARY_COLUMNS);
    b.push(" WHERE 1 = 1");
    if let Some(a) = q.applicant {
        b.push(" AND applicant_id = ").bind(a);
    }
    if let Some(s) = q.status {
        b.push(" AND status = ").bind(s.as_str());
    }
    if let Some(i) = &q.item_code {
        b.push(" AND item_code = ").bind(i.clone());
    }
    if let Some(n) = &q.number {
        b.push(" AND number = ").bind(n.clone());
    }
    if let Some(identity) = &q.identity {
        b.push(" AND applicant_identity = ").bind(identity.clone());
    }
    let by_date = q.submitted_from.is_some() || q.submitted_to.is_some();
    if let Some(from) = q.submitted_from {
        b.push(" AND submitted_at >= ").bind(millis(from));
    }
    if let Some(to) = q.submitted_to {
        b.push(" AND submitted_at < ").bind(millis(to));
    }
    match (q.before_id, by_date) {
        (Some(before), true) => {
            // Ids follow submission order; a date search reads the submission-time
            // index, so the page key is (submitted_at, id) of the last case seen,
            // looked up among the cases the caller may see.
            let key = |b: &mut Sql| {
                b.push("(SELECT submitted_at FROM cases WHERE id = ")
                    .bind(before);
                if let Some(a) = q.applicant {
                    b.push(" AND applicant_id = ").bind(a);
                }
                b.push(")");
            };
            b.push(" AND submitted_at <= ");
            key(&mut b);
            b.push(" AND (submitted_at < ");
            key(&mut b);
            b.push(" OR id < ").bind(before).push(")");
        }
        (Some(before), false) => {
            b.push(" AND id < ").bind(before);
        }
        (None, _) => {}
    }
    if by_date {
        b.push(" ORDER BY submitted_at DESC, id DESC LIMIT ");
    } else {
        b.push(" ORDER BY id DESC LIMIT ");
    }
    b.bind(i64::from(q.limit));
    summaries(db, b).await
}

/// Open tasks of `user`, most urgent first (see [`TaskKey`]).
pub(crate) async fn tasks_of(
    db: &Db,
    user: UserId,
    filter: &TaskFilter,
    after: Option<TaskKey>,
    limit: u32,
) -> R<Vec<CaseSummary>> {
    let mut b = Sql::new(SUMMARY_COLUMNS);
    b.push(" WHERE task_assignee = ").bind(user);
    if let Some(stage) = filter.stage {
        b.push(" AND task_stage = ").bind(stage.as_str());
    }
    if let Some(item) = &filter.item_code {
        b.push(" AND item_code = ").bind(item.clone());
    }
    // The lights as `timing::light` draws them: red past the deadline, yellow
    // from the warning instant, green before it.
    if let Some((light, now)) = filter.light {
        let now = millis(now);
        match light {
            Light::Red => {
                b.push(" AND task_deadline IS NOT NULL AND task_deadline < ")
                    .bind(now);
            }
            Light::Yellow => {
                b.push(" AND (task_deadline IS NULL OR task_deadline >= ")
                    .bind(now)
                    .push(") AND task_warn_at IS NOT NULL AND task_warn_at <= ")
                    .bind(now);
            }
            Light::Green => {
                b.push(" AND (task_deadline IS NULL OR task_deadline >= ")
                    .bind(now)
                    .push(") AND (task_warn_at IS NULL OR task_warn_at > ")
                    .bind(now)
                    .push(")");
            }
        }
    }
    crate::keyset::push_after(&mut b, after);
    b.push(" ORDER BY priority DESC, task_deadline NULLS LAST, id LIMIT ")
        .bind(i64::from(limit));
    summaries(db, b).await
}
