//! Staff profiles, login throttling, quality review samples and the 秒批 switch.

use chrono::{DateTime, Utc};

use onestamp_app::store::{
    AuditFact, LoginFailures, QualitySample, SampleCase, SampleCriteria, StaffMember, User,
};
use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::case::UserId;
use onestamp_domain::role::Role;

use crate::codec::{from_json, instant, json, millis};
use crate::db::{Db, Flag, R, Sql, work};
use crate::users::{USER_COLUMNS, UserRow};

#[derive(sqlx::FromRow)]
struct MemberRow {
    #[sqlx(flatten)]
    user: UserRow,
    profile: String,
    load: i64,
}

pub(crate) async fn staff_of_role(db: &Db, role: Role) -> R<Vec<StaffMember>> {
    let sql = format!(
        "SELECT {USER_COLUMNS}, u.profile,
             (SELECT count(*) FROM cases c WHERE c.task_assignee = u.id) AS load
         FROM users u JOIN user_roles x ON x.user_id = u.id
         WHERE x.role = $1 AND u.active ORDER BY u.id"
    );
    let rows: Vec<MemberRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(role.as_str())
        .fetch_all(&db.read)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(StaffMember {
                user: User::from(r.user),
                profile: from_json(&r.profile)?,
                load: u32::try_from(r.load).unwrap_or(u32::MAX),
            })
        })
        .collect()
}

pub(crate) async fn profile(db: &Db, user: UserId) -> R<Option<StaffProfile>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT profile FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(&db.read)
        .await?;
    row.map(|(p,)| Ok(from_json(&p)?)).transpose()
}

pub(crate) async fn set_profile(
    db: &Db,
    user: UserId,
    profile: &StaffProfile,
    audit: AuditFact,
) -> R<()> {
    let profile = json(profile)?;
    db.write(work(move |c| {
        Box::pin(async move {
            sqlx::query("UPDATE users SET profile = $1 WHERE id = $2")
                .bind(profile)
                .bind(user)
                .execute(&mut *c)
                .await?;
            crate::audit::append(c, &audit).await?;
            Ok(())
        })
    }))
    .await
}

pub(crate) async fn failures(db: &Db, username: &str) -> R<Option<LoginFailures>> {
    let row: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT failures, locked_until FROM login_failures WHERE username = $1")
            .bind(username)
            .fetch_optional(&db.read)
            .await?;
    row.map(|(failures, locked)| {
        Ok(LoginFailures {
            failures: u32::try_from(failures).unwrap_or(u32::MAX),
            locked_until: locked.map(instant).transpose()?,
        })
    })
    .transpose()
}

/// One upsert counts the failure (restarting the count when the window since
/// the first failure has passed) and sets the lock once the count reaches
/// `lock_after`; the row lock of the upsert serialises concurrent failures.
pub(crate) async fn record_failure(
    db: &Db,
    username: &str,
    now: DateTime<Utc>,
    window: chrono::Duration,
    lock_after: u32,
    lock_for: chrono::Duration,
) -> R<LoginFailures> {
    let username = username.to_string();
    let until = now + lock_for;
    let (count,): (i64,) = db
        .write(work(move |c| {
            Box::pin(async move {
                Ok(sqlx::query_as(
                    "INSERT INTO login_failures AS f (username, failures, first_at, locked_until)
                     VALUES ($1, 1, $2, CASE WHEN 1 >= $4 THEN $5 END)
                     ON CONFLICT (username) DO UPDATE SET
                         failures = CASE WHEN f.first_at < $3 THEN 1 ELSE f.failures + 1 END,
                         first_at = CASE WHEN f.first_at < $3 THEN excluded.first_at
                             ELSE f.first_at END,
                         locked_until = CASE
                             WHEN (CASE WHEN f.first_at < $3 THEN 1 ELSE f.failures + 1 END) >= $4
                                 THEN $5
                             WHEN f.first_at < $3 THEN NULL
                             ELSE f.locked_until END
                     RETURNING failures",
                )
                .bind(username)
                .bind(millis(now))
                .bind(millis(now) - window.num_milliseconds())
                .bind(i64::from(lock_after))
                .bind(millis(until))
                .fetch_one(c)
                .await?)
            })
        }))
        .await?;
    let count = u32::try_from(count).unwrap_or(u32::MAX);
    Ok(LoginFailures {
        failures: count,
        locked_until: (count >= lock_after).then_some(until),
    })
}

pub(crate) async fn clear_failures(db: &Db, username: &str) -> R<()> {
    let sql = Sql::new("DELETE FROM login_failures WHERE username = $1");
    db.execute(sql.arg(username)).await.map(drop)
}

pub(crate) async fn saved_views(db: &Db, user: UserId) -> R<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT name, filter FROM saved_views WHERE user_id = $1 ORDER BY created_at, name",
    )
    .bind(user)
    .fetch_all(&db.read)
    .await?)
}

pub(crate) async fn save_view(
    db: &Db,
    user: UserId,
    name: &str,
    filter: &str,
    at: DateTime<Utc>,
) -> R<()> {
    let sql = Sql::new(
        "INSERT INTO saved_views (user_id, name, filter, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, name) DO UPDATE SET filter = excluded.filter",
    );
    db.execute(sql.arg(user).arg(name).arg(filter).arg(millis(at)))
        .await
        .map(drop)
}

pub(crate) async fn delete_view(db: &Db, user: UserId, name: &str) -> R<bool> {
    let sql = Sql::new("DELETE FROM saved_views WHERE user_id = $1 AND name = $2");
    Ok(db.execute(sql.arg(user).arg(name)).await? > 0)
}

/// Finished cases, newest first (booleans are bound, so that SQLite reads the
/// `(closed, updated_at)` index).
pub(crate) async fn finished_case_ids(db: &Db, c: &SampleCriteria, limit: u32) -> R<Vec<i64>> {
    let mut b = Sql::new("SELECT id FROM cases WHERE closed = ");
    b.bind(true);
    if let Some(item) = &c.item_code {
        b.push(" AND item_code = ").bind(item.clone());
    }
    if c.instant_only {
        b.push(" AND instant = ").bind(true);
    }
    b.push(" ORDER BY updated_at DESC LIMIT ")
        .bind(i64::from(limit));
    let rows: Vec<(i64,)> = b.fetch_all(db).await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub(crate) async fn create_sample(
    db: &Db,
    by: UserId,
    at: DateTime<Utc>,
    criteria: &SampleCriteria,
    ids: &[i64],
    audit: AuditFact,
) -> R<i64> {
    let (criteria, ids) = (json(criteria)?, ids.to_vec());
    db.write(work(move |c| {
        Box::pin(async move {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO quality_samples (drawn_by, drawn_at, criteria) VALUES ($1, $2, $3)
                 RETURNING id",
            )
            .bind(by)
            .bind(millis(at))
            .bind(criteria)
            .fetch_one(&mut *c)
            .await?;
            if !ids.is_empty() {
                let mut insert =
                    Sql::new("INSERT INTO quality_sample_cases (sample_id, case_id) VALUES ");
                insert.values(&ids, |row, case_id| {
                    row.bind(id).bind(*case_id);
                });
                insert.execute(c).await?;
            }
            let mut audit = audit;
            audit.subject = format!("quality-sample-{id}");
            crate::audit::append(c, &audit).await?;
            Ok(id)
        })
    }))
    .await
}

#[derive(sqlx::FromRow)]
struct SampleCaseRow {
    case_id: i64,
    number: String,
    item_code: String,
    #[sqlx(try_from = "Flag")]
    instant: bool,
    verdict: Option<String>,
    notes: Option<String>,
    reviewed_by: Option<i64>,
    reviewed_at: Option<i64>,
}

pub(crate) async fn sample(db: &Db, id: i64) -> R<Option<QualitySample>> {
    let head: Option<(i64, i64, String)> =
        sqlx::query_as("SELECT drawn_by, drawn_at, criteria FROM quality_samples WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.read)
            .await?;
    let Some((drawn_by, drawn_at, criteria)) = head else {
        return Ok(None);
    };
    let rows: Vec<SampleCaseRow> = sqlx::query_as(
        "SELECT s.case_id, c.number, c.item_code, c.instant, s.verdict, s.notes, s.reviewed_by,
             s.reviewed_at
         FROM quality_sample_cases s JOIN cases c ON c.id = s.case_id
         WHERE s.sample_id = $1 ORDER BY s.case_id",
    )
    .bind(id)
    .fetch_all(&db.read)
    .await?;
    let cases = rows
        .into_iter()
        .map(|r| {
            Ok(SampleCase {
                case_id: r.case_id,
                case_number: r.number,
                item_code: r.item_code,
                instant: r.instant,
                verdict: r.verdict,
                notes: r.notes,
                reviewed_by: r.reviewed_by,
                reviewed_at: r.reviewed_at.map(instant).transpose()?,
            })
        })
        .collect::<R<Vec<_>>>()?;
    Ok(Some(QualitySample {
        id,
        drawn_by,
        drawn_at: instant(drawn_at)?,
        criteria: from_json(&criteria)?,
        cases,
    }))
}

#[expect(clippy::too_many_arguments, reason = "a finding's facts, each needed")]
pub(crate) async fn record_finding(
    db: &Db,
    sample_id: i64,
    case_id: i64,
    verdict: &str,
    notes: &str,
    by: UserId,
    at: DateTime<Utc>,
    audit: AuditFact,
) -> R<bool> {
    let (verdict, notes) = (verdict.to_string(), notes.to_string());
    db.write(work(move |c| {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE quality_sample_cases SET verdict = $1, notes = $2, reviewed_by = $3,
                     reviewed_at = $4
                 WHERE sample_id = $5 AND case_id = $6",
            )
            .bind(&verdict)
            .bind(&notes)
            .bind(by)
            .bind(millis(at))
            .bind(sample_id)
            .bind(case_id)
            .execute(&mut *c)
            .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            crate::audit::append(c, &audit).await?;
            Ok(true)
        })
    }))
    .await
}

pub(crate) async fn instant_enabled(db: &Db, item_code: &str) -> R<bool> {
    let row: Option<(Flag,)> =
        sqlx::query_as("SELECT instant_enabled FROM item_switches WHERE code = $1")
            .bind(item_code)
            .fetch_optional(&db.read)
            .await?;
    Ok(row.is_none_or(|(on,)| on.0))
}

pub(crate) async fn set_instant_enabled(
    db: &Db,
    item_code: &str,
    enabled: bool,
    by: UserId,
    at: DateTime<Utc>,
    reason: &str,
    audit: AuditFact,
) -> R<()> {
    let (code, reason) = (item_code.to_string(), reason.to_string());
    db.write(work(move |c| {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO item_switches (code, instant_enabled, changed_by, changed_at, reason)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (code) DO UPDATE SET instant_enabled = excluded.instant_enabled,
                     changed_by = excluded.changed_by, changed_at = excluded.changed_at,
                     reason = excluded.reason",
            )
            .bind(&code)
            .bind(enabled)
            .bind(by)
            .bind(millis(at))
            .bind(&reason)
            .execute(&mut *c)
            .await?;
            crate::audit::append(c, &audit).await?;
            Ok(())
        })
    }))
    .await
}
