//! Overdue alerts. Raising claims the due rows and flips their alerted flag in
//! the same statement (on PostgreSQL skipping rows another process is claiming),
//! then inserts each alert under a unique key (`ON CONFLICT DO NOTHING`), so a
//! task, case, rectification step (好差评 call back, rectification) or
//! unclaimed supervision record (审管分离) is
//! alerted exactly once however many server processes run the scheduler at the
//! same time.

use chrono::{DateTime, Utc};

use onestamp_app::store::{Alert, CaseSummary, TaskKey};

use crate::cases::SUMMARY_COLUMNS;
use crate::codec::{instant, millis, parse_enum};
use crate::db::{Db, R, Sql, work};
use onestamp_app::store::NewMessage;
use onestamp_domain::case::Stage;
use sqlx::AnyConnection;

/// A claimed task or case. The task's start is absent on rows written before
/// migration 0002 gave tasks a start.
#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    number: String,
    task_stage: Option<String>,
    task_assignee: Option<i64>,
    due: i64,
    started: Option<i64>,
}

fn stage(s: Option<&str>) -> R<Option<Stage>> {
    Ok(s.map(|s| parse_enum(s, Stage::parse, "stage"))
        .transpose()?)
}

pub(crate) async fn raise_due(db: &Db, now: DateTime<Utc>, limit: u32) -> R<Vec<Alert>> {
    let skip = db.dialect.skip_locked();
    let claims = [
        (
            "task_overdue",
            format!(
                "UPDATE cases SET task_alerted = 2
                 WHERE id IN (SELECT id FROM cases WHERE task_assignee IS NOT NULL
                     AND task_alerted = 0 AND task_deadline <= $1
                     ORDER BY task_deadline LIMIT $2{skip})
                 RETURNING id, number, task_stage, task_assignee, task_deadline AS due,
                     task_started_at AS started"
            ),
        ),
        (
            "case_overdue",
            format!(
                "UPDATE cases SET case_alerted = TRUE
                 WHERE id IN (SELECT id FROM cases WHERE NOT closed AND NOT suspended
                     AND NOT case_alerted AND deadline <= $1
                     ORDER BY deadline LIMIT $2{skip})
                 RETURNING id, number, task_stage, task_assignee, deadline AS due,
                     submitted_at AS started"
            ),
        ),
        // 好差评: a bad rating's call back and its rectification, each alerted
        // once when its working-day clock runs out before the step is recorded.
        (
            "rectification_callback_overdue",
            format!(
                "UPDATE rectifications SET callback_alerted = 1
                 WHERE id IN (SELECT id FROM rectifications WHERE callback_at IS NULL
                     AND callback_alerted = 0 AND callback_due <= $1
                     ORDER BY callback_due LIMIT $2{skip})
                 RETURNING case_id AS id, case_number AS number,
                     CAST(NULL AS TEXT) AS task_stage, CAST(NULL AS BIGINT) AS task_assignee,
                     callback_due AS due, opened_at AS started"
            ),
        ),
        (
            "rectification_overdue",
            format!(
                "UPDATE rectifications SET rectify_alerted = 1
                 WHERE id IN (SELECT id FROM rectifications WHERE outcome_at IS NULL
                     AND rectify_alerted = 0 AND rectify_due <= $1
                     ORDER BY rectify_due LIMIT $2{skip})
                 RETURNING case_id AS id, case_number AS number,
                     CAST(NULL AS TEXT) AS task_stage, CAST(NULL AS BIGINT) AS task_assignee,
                     rectify_due AS due, opened_at AS started"
            ),
        ),
        // 审管分离: a record its supervising department did not claim in time,
        // alerted once to the bureau's supervisors against the record's case.
        (
            "claim_overdue",
            format!(
                "UPDATE supervision_feed SET claim_alerted = 1
                 WHERE id IN (SELECT id FROM supervision_feed WHERE claimed_at IS NULL
                     AND claim_alerted = 0 AND claim_due <= $1
                     ORDER BY claim_due LIMIT $2{skip})
                 RETURNING case_id AS id, case_number AS number,
                     CAST(NULL AS TEXT) AS task_stage, CAST(NULL AS BIGINT) AS task_assignee,
                     claim_due AS due, recorded_at AS started"
            ),
        ),
    ];
    db.write(work(move |c| {
        Box::pin(async move {
            let now_ms = millis(now);
            let mut raised = Vec::new();
            for (kind, claim) in claims {
                let rows: Vec<Due> = sqlx::query_as(sqlx::AssertSqlSafe(claim))
                    .bind(now_ms)
                    .bind(i64::from(limit))
                    .fetch_all(&mut *c)
                    .await?;
                for r in rows {
                    let dedup = format!(
                        "{kind}:{}:{}:{}",
                        r.id,
                        r.task_stage.as_deref().unwrap_or("-"),
                        r.started.unwrap_or(0)
                    );
                    let inserted: Option<(i64,)> = sqlx::query_as(
                        "INSERT INTO alerts (case_id, case_number, kind, stage, responsible,
                             deadline, raised_at, dedup_key)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                         ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
                    )
                    .bind(r.id)
                    .bind(&r.number)
                    .bind(kind)
                    .bind(&r.task_stage)
                    .bind(r.task_assignee)
                    .bind(r.due)
                    .bind(now_ms)
                    .bind(&dedup)
                    .fetch_optional(&mut *c)
                    .await?;
                    let Some((id,)) = inserted else { continue };
                    let alert = Alert {
                        id,
                        case_id: r.id,
                        case_number: r.number.clone(),
                        kind: kind.to_string(),
                        stage: stage(r.task_stage.as_deref())?,
                        responsible: r.task_assignee,
                        deadline: instant(r.due)?,
                        raised_at: now,
                        note: None,
                    };
                    let fact = onestamp_domain::audit::alert_fact(
                        now,
                        &alert.case_number,
                        kind,
                        alert.stage,
                        alert.responsible,
                        alert.deadline,
                    );
                    crate::audit::append(c, &fact).await?;
                    message(
                        c,
                        kind,
                        (alert.case_id, &alert.case_number),
                        alert.stage,
                        alert.responsible,
                        &dedup,
                        now,
                    )
                    .await?;
                    raised.push(alert);
                }
            }
            warn_yellow(c, skip, now_ms, limit).await?;
            Ok(raised)
        })
    }))
    .await
}

/// Writes the message an alert of `kind` sends (to the person responsible
/// and the supervisors), in the alert's transaction.
pub(crate) async fn message(
    conn: &mut AnyConnection,
    kind: &str,
    (case_id, case_number): (i64, &str),
    stage: Option<Stage>,
    responsible: Option<i64>,
    dedup_key: &str,
    at: DateTime<Utc>,
) -> R<()> {
    let Some(message) = onestamp_domain::message::alert(
        kind,
        case_id,
        case_number,
        stage,
        responsible,
        dedup_key,
        at,
    ) else {
        return Ok(());
    };
    let msg = NewMessage {
        message,
        case_id: (case_id > 0).then_some(case_id),
        case_number: Some(case_number.to_string()),
        licence_id: None,
        department: None,
        data: serde_json::json!({"alert": kind, "stage": stage}),
    };
    crate::messages::insert(conn, &msg, at).await?;
    Ok(())
}

/// Tells the holder of each task that turned yellow by now (and the
/// supervisors), once per task: a message, not an alert.
async fn warn_yellow(conn: &mut AnyConnection, skip: &str, now_ms: i64, limit: u32) -> R<()> {
    let claim = format!(
        "UPDATE cases SET task_warned = 1
         WHERE id IN (SELECT id FROM cases WHERE task_assignee IS NOT NULL
             AND task_warned = 0 AND task_warn_at <= $1
             ORDER BY task_warn_at LIMIT $2{skip})
         RETURNING id, number, task_stage, task_assignee,
             coalesce(task_deadline, task_warn_at) AS due, task_started_at AS started"
    );
    let rows: Vec<Due> = sqlx::query_as(sqlx::AssertSqlSafe(claim))
        .bind(now_ms)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
    let now = instant(now_ms)?;
    for r in rows {
        // A task already overdue when first seen is told so by its red alert.
        if r.due <= now_ms {
            continue;
        }
        let dedup = format!(
            "task_yellow:{}:{}:{}",
            r.id,
            r.task_stage.as_deref().unwrap_or("-"),
            r.started.unwrap_or(0)
        );
        let stage = stage(r.task_stage.as_deref())?;
        message(
            conn,
            "task_yellow",
            (r.id, &r.number),
            stage,
            r.task_assignee,
            &dedup,
            now,
        )
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct AlertRow {
    id: i64,
    case_id: i64,
    case_number: String,
    kind: String,
    stage: Option<String>,
    responsible: Option<i64>,
    deadline: i64,
    raised_at: i64,
    note: Option<String>,
}

pub(crate) async fn list(db: &Db, before_id: Option<i64>, limit: u32) -> R<Vec<Alert>> {
    let rows: Vec<AlertRow> = sqlx::query_as(
        "SELECT id, case_id, case_number, kind, stage, responsible, deadline, raised_at, note
         FROM alerts WHERE id < $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(before_id.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(&db.read)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Alert {
                id: r.id,
                case_id: r.case_id,
                case_number: r.case_number,
                kind: r.kind,
                stage: stage(r.stage.as_deref())?,
                responsible: r.responsible,
                deadline: instant(r.deadline)?,
                raised_at: instant(r.raised_at)?,
                note: r.note,
            })
        })
        .collect()
}

/// Open tasks whose warning time has passed, in the order of the
/// `cases_by_urgency` index: read in order, no sort.
pub(crate) async fn late_tasks(
    db: &Db,
    now: DateTime<Utc>,
    after: Option<TaskKey>,
    limit: u32,
) -> R<Vec<CaseSummary>> {
    let mut b = Sql::new(SUMMARY_COLUMNS);
    // A warning time comes with a deadline, so no `task_deadline IS NOT NULL`:
    // PostgreSQL, multiplying the shares of the three columns as if unrelated,
    // would expect a handful of rows and sort every late task instead of
    // reading the index in order.
    b.push(" WHERE task_assignee IS NOT NULL AND task_warn_at <= ")
        .bind(millis(now));
    crate::keyset::push_after(&mut b, after);
    b.push(" ORDER BY priority DESC, task_deadline, id LIMIT ")
        .bind(i64::from(limit));
    crate::cases::summaries(db, b).await
}

/// Open tasks counted by holder and stage.
pub(crate) async fn open_tasks_by_holder(db: &Db) -> R<Vec<(i64, Stage, u32)>> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT task_assignee, task_stage, count(*) FROM cases
         WHERE task_assignee IS NOT NULL AND task_stage IS NOT NULL
         GROUP BY task_assignee, task_stage ORDER BY task_assignee, task_stage",
    )
    .fetch_all(&db.read)
    .await?;
    rows.into_iter()
        .map(|(user, stage, n)| {
            Ok((
                user,
                parse_enum(&stage, Stage::parse, "stage")?,
                u32::try_from(n).unwrap_or(u32::MAX),
            ))
        })
        .collect()
}
