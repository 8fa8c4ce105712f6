//! 好差评: ratings (never changed or deleted: triggers refuse it), the
//! rectifications bad ratings open and the bureau's appeals. A step of a
//! rectification or an appeal's decision is an `UPDATE … WHERE status = …`, so
//! two supervisors recording at once cannot both succeed.

use chrono::{DateTime, Utc};

use onestamp_app::store::{
    AnalyticsFilter, AuditFact, NewRating, RatingQuery, RatingTally, Rectification, StoredAppeal,
    StoredRating,
};
use onestamp_domain::case::{Channel, UserId};
use onestamp_domain::rating::{
    AppealGround, AppealStatus, OutcomeKind, RatingLevel, RectificationStatus,
};

use crate::codec::{from_json, instant, json, millis, parse_enum};
use crate::db::{Db, R, Sql, work};

const RATING_COLUMNS: &str = "SELECT r.id, r.case_id, r.case_number, r.applicant_id, r.item_code,
    r.department, r.channel, r.staff_id, r.level, r.reasons, r.comment, r.rated_at,
    a.id AS appeal_id, a.ground, a.reason, a.filed_by, a.filed_at, a.status AS appeal_status,
    a.decision_note, a.decided_by, a.decided_at
    FROM ratings r LEFT JOIN rating_appeals a ON a.rating_id = r.id";

#[derive(sqlx::FromRow)]
struct RatingRow {
    id: i64,
    case_id: i64,
    case_number: String,
    applicant_id: i64,
    item_code: String,
    department: String,
    channel: String,
    staff_id: Option<i64>,
    level: String,
    reasons: String,
    comment: String,
    rated_at: i64,
    appeal_id: Option<i64>,
    ground: Option<String>,
    reason: Option<String>,
    filed_by: Option<i64>,
    filed_at: Option<i64>,
    appeal_status: Option<String>,
    decision_note: Option<String>,
    decided_by: Option<i64>,
    decided_at: Option<i64>,
}

fn opt_instant(ms: Option<i64>) -> R<Option<DateTime<Utc>>> {
    Ok(ms.map(instant).transpose()?)
}

#[derive(sqlx::FromRow)]
struct AppealRow {
    id: i64,
    rating_id: i64,
    ground: String,
    reason: String,
    filed_by: i64,
    filed_at: i64,
    status: String,
    decision_note: Option<String>,
    decided_by: Option<i64>,
    decided_at: Option<i64>,
}

impl AppealRow {
    fn into_appeal(self) -> R<StoredAppeal> {
        Ok(StoredAppeal {
            id: self.id,
            rating_id: self.rating_id,
            ground: parse_enum(&self.ground, AppealGround::parse, "appeal ground")?,
            reason: self.reason,
            filed_by: self.filed_by,
            filed_at: instant(self.filed_at)?,
            status: parse_enum(&self.status, AppealStatus::parse, "appeal status")?,
            decision_note: self.decision_note,
            decided_by: self.decided_by,
            decided_at: opt_instant(self.decided_at)?,
        })
    }
}

impl RatingRow {
    fn into_rating(self) -> R<StoredRating> {
        let appeal = match (
            self.appeal_id,
            self.ground,
            self.reason,
            self.filed_by,
            self.filed_at,
            self.appeal_status,
        ) {
            (
                Some(id),
                Some(ground),
                Some(reason),
                Some(filed_by),
                Some(filed_at),
                Some(status),
            ) => Some(
                AppealRow {
                    id,
                    rating_id: self.id,
                    ground,
                    reason,
                    filed_by,
                    filed_at,
                    status,
                    decision_note: self.decision_note,
                    decided_by: self.decided_by,
                    decided_at: self.decided_at,
                }
                .into_appeal()?,
            ),
            _ => None,
        };
        Ok(StoredRating {
            id: self.id,
            case_id: self.case_id,
            case_number: self.case_number,
            applicant_id: self.applicant_id,
            item_code: self.item_code,
            department: self.department,
            channel: parse_enum(&self.channel, Channel::parse, "channel")?,
            staff_id: self.staff_id,
            level: parse_enum(&self.level, RatingLevel::parse, "rating level")?,
            reasons: from_json(&self.reasons)?,
            comment: self.comment,
            rated_at: instant(self.rated_at)?,
            appeal,
        })
    }
}

pub(crate) async fn create(db: &Db, new: NewRating) -> R<StoredRating> {
    let reasons = json(&new.reasons)?;
    let case_id = new.case_id;
    db.write(work(move |c| {
        Box::pin(async move {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO ratings (case_id, case_number, applicant_id, item_code, department,
                     channel, staff_id, level, reasons, comment, rated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(new.case_id)
            .bind(&new.case_number)
            .bind(new.applicant_id)
            .bind(&new.item_code)
            .bind(&new.department)
            .bind(new.channel.as_str())
            .bind(new.staff_id)
            .bind(new.level.as_str())
            .bind(&reasons)
            .bind(&new.comment)
            .bind(millis(new.rated_at))
            .fetch_one(&mut *c)
            .await?;
            if let Some(due) = new.rectification {
                sqlx::query(
                    "INSERT INTO rectifications (rating_id, case_id, case_number, status,
                         opened_at, callback_due, callback_warn, rectify_due, rectify_warn)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(id)
                .bind(new.case_id)
                .bind(&new.case_number)
                .bind(RectificationStatus::AwaitingCallback.as_str())
                .bind(millis(new.rated_at))
                .bind(millis(due.callback_due))
                .bind(millis(due.callback_warn))
                .bind(millis(due.rectify_due))
                .bind(millis(due.rectify_warn))
                .execute(&mut *c)
                .await?;
            }
            crate::audit::append_all(c, &new.audit).await?;
            crate::analytics::write(c, &new.tally).await?;
            Ok(())
        })
    }))
    .await?;
    of_case(db, case_id)
        .await?
        .ok_or_else(|| crate::db::corrupt("a rating just stored is missing"))
}

async fn one(db: &Db, condition: &str, id: i64) -> R<Option<StoredRating>> {
    let mut q = Sql::new(RATING_COLUMNS);
    q.push(condition).bind(id);
    let rows: Vec<RatingRow> = q.fetch_all(db).await?;
    rows.into_iter()
        .next()
        .map(RatingRow::into_rating)
        .transpose()
}

pub(crate) async fn by_id(db: &Db, id: i64) -> R<Option<StoredRating>> {
    one(db, " WHERE r.id = ", id).await
}

pub(crate) async fn of_case(db: &Db, case_id: i64) -> R<Option<StoredRating>> {
    one(db, " WHERE r.case_id = ", case_id).await
}

pub(crate) async fn list(db: &Db, query: &RatingQuery) -> R<Vec<StoredRating>> {
    let mut q = Sql::new(RATING_COLUMNS);
    q.push(" WHERE r.id < ")
        .bind(query.before_id.unwrap_or(i64::MAX));
    if let Some(item) = &query.item_code {
        q.push(" AND r.item_code = ").bind(item.clone());
    }
    if let Some(level) = query.level {
        q.push(" AND r.level = ").bind(level.as_str());
    }
    if let Some(channel) = query.channel {
        q.push(" AND r.channel = ").bind(channel.as_str());
    }
    if let Some(staff) = query.staff_id {
        q.push(" AND r.staff_id = ").bind(staff);
    }
    if let Some(appeal) = query.appeal {
        q.push(" AND a.status = ").bind(appeal.as_str());
    }
    q.push(" ORDER BY r.id DESC LIMIT ")
        .bind(i64::from(query.limit));
    let rows: Vec<RatingRow> = q.fetch_all(db).await?;
    rows.into_iter().map(RatingRow::into_rating).collect()
}

/// Ended cases grouped by item, channel and the person who took them in, as
/// `rated_staff` names them (intake, else pre-review, never the system), with
/// their ratings; a rating whose appeal was upheld counts as rated, not in
/// 好评 or 差评.
pub(crate) async fn tallies(db: &Db) -> R<Vec<RatingTally>> {
    // The analytics rows count ended cases and ratings as they happen (see
    // `analytics.rs`): every day's rows summed, never a scan of the cases.
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let all = AnalyticsFilter {
        from: day(1, 1, 1),
        to: day(9999, 12, 31),
        items: None,
    };
    let rows = crate::analytics::ratings(db, &all).await?;
    Ok(rows
        .into_iter()
        .map(|r| RatingTally {
            item_code: r.item_code,
            channel: r.channel,
            staff_id: r.staff_id,
            counts: r.counts.counts(),
        })
        .collect())
}

const RECTIFICATION_COLUMNS: &str = "SELECT id, rating_id, case_id, case_number, status, opened_at,
    callback_due, callback_warn, rectify_due, rectify_warn, callback_note, callback_at,
    callback_by, outcome_kind, outcome, outcome_at, outcome_by FROM rectifications";

#[derive(sqlx::FromRow)]
struct RectificationRow {
    id: i64,
    rating_id: i64,
    case_id: i64,
    case_number: String,
    status: String,
    opened_at: i64,
    callback_due: i64,
    callback_warn: i64,
    rectify_due: i64,
    rectify_warn: i64,
    callback_note: Option<String>,
    callback_at: Option<i64>,
    callback_by: Option<i64>,
    outcome_kind: Option<String>,
    outcome: Option<String>,
    outcome_at: Option<i64>,
    outcome_by: Option<i64>,
}

impl RectificationRow {
    fn into_rectification(self) -> R<Rectification> {
        Ok(Rectification {
            id: self.id,
            rating_id: self.rating_id,
            case_id: self.case_id,
            case_number: self.case_number,
            status: parse_enum(
                &self.status,
                RectificationStatus::parse,
                "rectification status",
            )?,
            opened_at: instant(self.opened_at)?,
            callback_due: instant(self.callback_due)?,
            callback_warn: instant(self.callback_warn)?,
            rectify_due: instant(self.rectify_due)?,
            rectify_warn: instant(self.rectify_warn)?,
            callback_note: self.callback_note,
            callback_at: opt_instant(self.callback_at)?,
            callback_by: self.callback_by,
            outcome_kind: self
                .outcome_kind
                .map(|k| parse_enum(&k, OutcomeKind::parse, "outcome kind"))
                .transpose()?,
            outcome: self.outcome,
            outcome_at: opt_instant(self.outcome_at)?,
            outcome_by: self.outcome_by,
            callback_light: None,
            rectify_light: None,
        })
    }
}

async fn one_rectification(db: &Db, condition: &str, id: i64) -> R<Option<Rectification>> {
    let mut q = Sql::new(RECTIFICATION_COLUMNS);
    q.push(condition).bind(id);
    let rows: Vec<RectificationRow> = q.fetch_all(db).await?;
    rows.into_iter()
        .next()
        .map(RectificationRow::into_rectification)
        .transpose()
}

pub(crate) async fn rectification(db: &Db, id: i64) -> R<Option<Rectification>> {
    one_rectification(db, " WHERE id = ", id).await
}

pub(crate) async fn rectification_of_rating(db: &Db, rating_id: i64) -> R<Option<Rectification>> {
    one_rectification(db, " WHERE rating_id = ", rating_id).await
}

pub(crate) async fn rectifications(
    db: &Db,
    status: Option<RectificationStatus>,
    before_id: Option<i64>,
    limit: u32,
) -> R<Vec<Rectification>> {
    let mut q = Sql::new(RECTIFICATION_COLUMNS);
    q.push(" WHERE id < ").bind(before_id.unwrap_or(i64::MAX));
    match status {
        Some(s) => {
            q.push(" AND status = ").bind(s.as_str());
            q.push(" ORDER BY rectify_due, id");
        }
        None => {
            q.push(" ORDER BY id DESC");
        }
    }
    q.push(" LIMIT ").bind(i64::from(limit));
    let rows: Vec<RectificationRow> = q.fetch_all(db).await?;
    rows.into_iter()
        .map(RectificationRow::into_rectification)
        .collect()
}

pub(crate) async fn record_callback(
    db: &Db,
    id: i64,
    note: &str,
    by: UserId,
    at: DateTime<Utc>,
    audit: AuditFact,
) -> R<bool> {
    let note = note.to_string();
    db.write(work(move |c| {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE rectifications SET status = $1, callback_note = $2, callback_by = $3,
                     callback_at = $4
                 WHERE id = $5 AND status = $6",
            )
            .bind(RectificationStatus::Rectifying.as_str())
            .bind(&note)
            .bind(by)
            .bind(millis(at))
            .bind(id)
            .bind(RectificationStatus::AwaitingCallback.as_str())
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

pub(crate) async fn record_outcome(
    db: &Db,
    id: i64,
    kind: OutcomeKind,
    outcome: &str,
    by: UserId,
    at: DateTime<Utc>,
    audit: AuditFact,
) -> R<bool> {
    let outcome = outcome.to_string();
    db.write(work(move |c| {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE rectifications SET status = $1, outcome_kind = $2, outcome = $3,
                     outcome_by = $4, outcome_at = $5
                 WHERE id = $6 AND status = $7",
            )
            .bind(RectificationStatus::Closed.as_str())
            .bind(kind.as_str())
            .bind(&outcome)
            .bind(by)
            .bind(millis(at))
            .bind(id)
            .bind(RectificationStatus::Rectifying.as_str())
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

pub(crate) async fn file_appeal(
    db: &Db,
    rating_id: i64,
    ground: AppealGround,
    reason: &str,
    by: UserId,
    at: DateTime<Utc>,
    audit: AuditFact,
) -> R<i64> {
    let reason = reason.to_string();
    db.write(work(move |c| {
        Box::pin(async move {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO rating_appeals (rating_id, ground, reason, filed_by, filed_at, status)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(rating_id)
            .bind(ground.as_str())
            .bind(&reason)
            .bind(by)
            .bind(millis(at))
            .bind(AppealStatus::Pending.as_str())
            .fetch_one(&mut *c)
            .await?;
            crate::audit::append(c, &audit).await?;
            Ok(id)
        })
    }))
    .await
}

const APPEAL_COLUMNS: &str = "SELECT id, rating_id, ground, reason, filed_by, filed_at, status,
    decision_note, decided_by, decided_at FROM rating_appeals";

pub(crate) async fn appeal(db: &Db, id: i64) -> R<Option<StoredAppeal>> {
    let mut q = Sql::new(APPEAL_COLUMNS);
    q.push(" WHERE id = ").bind(id);
    let rows: Vec<AppealRow> = q.fetch_all(db).await?;
    rows.into_iter()
        .next()
        .map(AppealRow::into_appeal)
        .transpose()
}

pub(crate) async fn appeals(
    db: &Db,
    status: Option<AppealStatus>,
    limit: u32,
) -> R<Vec<StoredAppeal>> {
    let mut q = Sql::new(APPEAL_COLUMNS);
    match status {
        Some(s) => {
            q.push(" WHERE status = ").bind(s.as_str());
            q.push(if s == AppealStatus::Pending {
                " ORDER BY id"
            } else {
                " ORDER BY id DESC"
            });
        }
        None => {
            q.push(" ORDER BY id DESC");
        }
    }
    q.push(" LIMIT ").bind(i64::from(limit));
    let rows: Vec<AppealRow> = q.fetch_all(db).await?;
    rows.into_iter().map(AppealRow::into_appeal).collect()
}

#[allow(
    clippy::too_many_arguments,
    reason = "the decision's facts, each needed"
)]
pub(crate) async fn decide_appeal(
    db: &Db,
    id: i64,
    status: AppealStatus,
    note: &str,
    by: UserId,
    at: DateTime<Utc>,
    audit: AuditFact,
    tally: onestamp_domain::analytics::Tally,
) -> R<bool> {
    let note = note.to_string();
    db.write(work(move |c| {
        Box::pin(async move {
            let done = sqlx::query(
                "UPDATE rating_appeals SET status = $1, decision_note = $2, decided_by = $3,
                     decided_at = $4
                 WHERE id = $5 AND status = $6",
            )
            .bind(status.as_str())
            .bind(&note)
            .bind(by)
            .bind(millis(at))
            .bind(id)
            .bind(AppealStatus::Pending.as_str())
            .execute(&mut *c)
            .await?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            crate::audit::append(c, &audit).await?;
            if status == AppealStatus::Upheld {
                crate::analytics::write(c, &tally).await?;
            }
            Ok(true)
        })
    }))
    .await
}
