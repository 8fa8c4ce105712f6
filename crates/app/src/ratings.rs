//! 好差评: the applicant rates an ended case once; a bad rating opens a
//! rectification (整改) for the supervisors — a call back and a rectification
//! or explanation, each against a clock of working days —; the bureau may
//! appeal a rating as malicious or mistaken and a supervisor decides. Ratings
//! are never deleted. Supervisors see the ratings and their statistics per
//! item, department, staff and channel; the applicant sees their own rating
//! and the outcome, never who handled the case.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use onestamp_domain::DomainError;
use onestamp_domain::case::UserId;
use onestamp_domain::rating::{self, AppealStatus, RatingCounts, RatingLevel, RectificationStatus};
use onestamp_domain::role::Role;

use crate::auth::Session;
use crate::cases::MAX_PAGE;
use crate::store::{AuditFact, NewRating, RatingQuery, Rectification, StoredAppeal, StoredRating};
use crate::{App, AppError};

/// A reason of a rating with its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownReason {
    pub code: String,
    pub label: String,
}

/// A rating as its viewer may see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShownRating {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub level: RatingLevel,
    pub level_label: &'static str,
    pub reasons: Vec<ShownReason>,
    pub comment: String,
    pub rated_at: chrono::DateTime<chrono::Utc>,
    /// The member of staff rated; `None` for the applicant.
    pub staff_id: Option<UserId>,
    /// The bureau's appeal; staff only.
    pub appeal: Option<StoredAppeal>,
}

/// What the case page and `GET /cases/{id}/rating` show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingView {
    pub case_id: i64,
    /// Whether the caller may rate the case now (its applicant, ended, unrated).
    pub may_rate: bool,
    pub rating: Option<ShownRating>,
    /// The rectification the rating opened; for the applicant without who
    /// called back or recorded the outcome.
    pub rectification: Option<Rectification>,
}

/// One line of the statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatLine {
    /// The item code, department code, staff id or channel.
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub counts: RatingCounts,
    /// 好评率 in per cent; `None` without a rating that counts.
    pub good_rate: Option<f64>,
    pub bad_rate: Option<f64>,
    /// 未评价率: ended cases without a rating / ended cases.
    pub unrated_rate: Option<f64>,
}

impl StatLine {
    pub(crate) fn new(key: String, label: String, counts: RatingCounts) -> StatLine {
        StatLine {
            key,
            label,
            good_rate: counts.good_rate(),
            bad_rate: counts.bad_rate(),
            unrated_rate: counts.unrated_rate(),
            counts,
        }
    }
}

/// 好评率, 差评率, 未评价率 over every ended case, and per item, department,
/// staff member (who took the case in) and channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingStatistics {
    pub total: StatLine,
    pub by_item: Vec<StatLine>,
    pub by_department: Vec<StatLine>,
    pub by_staff: Vec<StatLine>,
    pub by_channel: Vec<StatLine>,
}

/// The supervisor's rating list with the statistics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingList {
    pub ratings: Vec<ShownRating>,
    pub statistics: RatingStatistics,
}

fn fact(
    at: chrono::DateTime<chrono::Utc>,
    actor: UserId,
    kind: &str,
    subject: &str,
    detail: serde_json::Value,
) -> AuditFact {
    AuditFact {
        at,
        actor_id: Some(actor),
        kind: kind.into(),
        subject: subject.into(),
        detail,
    }
}

fn shown(r: StoredRating, staff: bool) -> ShownRating {
    let reasons = r
        .reasons
        .iter()
        .map(|c| ShownReason {
            code: c.clone(),
            label: r.level.reason_label(c).unwrap_or("其他").to_string(),
        })
        .collect();
    ShownRating {
        id: r.id,
        case_id: r.case_id,
        case_number: r.case_number,
        level: r.level,
        level_label: r.level.label_zh(),
        reasons,
        comment: r.comment,
        rated_at: r.rated_at,
        staff_id: if staff { r.staff_id } else { None },
        appeal: if staff { r.appeal } else { None },
    }
}

impl App {
    fn with_step_lights(&self, mut r: Rectification) -> Rectification {
        let now = self.clock.now();
        r.callback_light = rating::step_light(
            now,
            r.callback_at.is_some(),
            r.callback_warn,
            r.callback_due,
        );
        r.rectify_light =
            rating::step_light(now, r.outcome_at.is_some(), r.rectify_warn, r.rectify_due);
        r
    }

    /// Rates a case (its applicant only, once, after it ended). A bad rating
    /// opens a rectification whose call back is due within
    /// `rating_callback_days` and its outcome within `rating_rectify_days`
    /// working days.
    pub async fn rate_case(
        &self,
        session: &Session,
        case_id: i64,
        level: &str,
        reasons: &[String],
        comment: &str,
    ) -> Result<RatingView, AppError> {
        let case = self.visible_case(session, case_id).await?;
        if case.applicant.user_id != session.user.id || !session.has(Role::Applicant) {
            return Err(DomainError::NotOwnCase.into());
        }
        let existing = self.store.rating_of_case(case_id).await?;
        let checked =
            rating::check_rating(case.status, existing.is_some(), level, reasons, comment)?;
        let item = self.item_of(&case).await?;
        let now = self.clock.now();
        let rectification = checked.level.is_bad().then(|| {
            rating::rectification_due(
                &self.settings.calendar,
                now,
                self.settings.rating_callback_days,
                self.settings.rating_rectify_days,
                self.settings.warn_share,
            )
        });
        let audit = fact(
            now,
            session.user.id,
            "rating.give",
            &case.number,
            serde_json::json!({"level": checked.level, "reasons": checked.reasons,
                "rectification": rectification.is_some()}),
        );
        let tally =
            onestamp_domain::analytics::of_rating(&case, checked.level, &self.settings.calendar);
        let stored = self
            .store
            .create_rating(NewRating {
                tally,
                case_id,
                case_number: case.number.clone(),
                applicant_id: session.user.id,
                item_code: case.item_code.clone(),
                department: item.department.clone(),
                channel: case.channel,
                staff_id: rating::rated_staff(&case),
                level: checked.level,
                reasons: checked.reasons,
                comment: checked.comment,
                rated_at: now,
                rectification,
                audit: vec![audit],
            })
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Duplicate(_) => AppError::Domain(DomainError::AlreadyRated),
                other => other,
            })?;
        tracing::info!(case_no = %case.number, level = stored.level.as_str(), actor_id = session.user.id, "case rated");
        self.case_rating(session, case_id).await
    }

    /// The rating of a case: the applicant sees theirs and the rectification's
    /// outcome without any person of staff; staff see who was rated and the appeal.
    pub async fn case_rating(
        &self,
        session: &Session,
        case_id: i64,
    ) -> Result<RatingView, AppError> {
        let case = self.visible_case(session, case_id).await?;
        let staff = session.holds_any(Role::sees_every_case);
        let own = case.applicant.user_id == session.user.id && session.has(Role::Applicant);
        let stored = self.store.rating_of_case(case_id).await?;
        let rectification = match &stored {
            Some(r) => self.store.rectification_of_rating(r.id).await?,
            None => None,
        };
        let rectification = rectification.map(|r| {
            let mut r = self.with_step_lights(r);
            if !staff {
                r.callback_by = None;
                r.outcome_by = None;
                r.callback_light = None;
                r.rectify_light = None;
            }
            r
        });
        Ok(RatingView {
            case_id,
            may_rate: own && stored.is_none() && rating::may_be_rated(case.status),
            rating: stored.map(|r| shown(r, staff)),
            rectification,
        })
    }

    /// Ratings newest first with the statistics (supervisors and administrators).
    pub async fn list_ratings(
        &self,
        session: &Session,
        mut query: RatingQuery,
    ) -> Result<RatingList, AppError> {
        session.require_holding(Role::oversees)?;
        query.limit = query.limit.clamp(1, MAX_PAGE);
        let ratings = self
            .store
            .ratings(&query)
            .await?
            .into_iter()
            .map(|r| shown(r, true))
            .collect();
        Ok(RatingList {
            ratings,
            statistics: self.rating_statistics(session).await?,
        })
    }

    /// 好评率, 差评率, 未评价率 in total and per item, department, staff, channel.
    pub async fn rating_statistics(&self, session: &Session) -> Result<RatingStatistics, AppError> {
        session.require_holding(Role::oversees)?;
        let tallies = self.store.rating_tallies().await?;
        let items: HashMap<String, (String, String)> = self
            .store
            .items()
            .await?
            .into_iter()
            .map(|i| (i.item.code.clone(), (i.item.name, i.item.department)))
            .collect();
        let departments: HashMap<String, String> = self
            .store
            .departments()
            .await?
            .into_iter()
            .map(|d| (d.code, d.name))
            .collect();
        let names: HashMap<UserId, String> = self
            .store
            .users()
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        let mut total = RatingCounts::default();
        let mut by_item: BTreeMap<String, RatingCounts> = BTreeMap::new();
        let mut by_department: BTreeMap<String, RatingCounts> = BTreeMap::new();
        let mut by_staff: BTreeMap<Option<UserId>, RatingCounts> = BTreeMap::new();
        let mut by_channel: BTreeMap<String, RatingCounts> = BTreeMap::new();
        for t in &tallies {
            total.add(&t.counts);
            by_item
                .entry(t.item_code.clone())
                .or_default()
                .add(&t.counts);
            let dept = items
                .get(&t.item_code)
                .map(|(_, d)| d.clone())
                .unwrap_or_default();
            by_department.entry(dept).or_default().add(&t.counts);
            by_staff.entry(t.staff_id).or_default().add(&t.counts);
            by_channel
                .entry(t.channel.clone())
                .or_default()
                .add(&t.counts);
        }
        let line = |key: String, label: String, c: RatingCounts| StatLine::new(key, label, c);
        Ok(RatingStatistics {
            total: line("total".into(), "合计".into(), total),
            by_item: by_item
                .into_iter()
                .map(|(k, c)| {
                    let label = items.get(&k).map_or_else(|| k.clone(), |(n, _)| n.clone());
                    line(k, label, c)
                })
                .collect(),
            by_department: by_department
                .into_iter()
                .map(|(k, c)| {
                    let label = departments
                        .get(&k)
                        .cloned()
                        .unwrap_or_else(|| "未知部门".into());
                    line(k, label, c)
                })
                .collect(),
            by_staff: by_staff
                .into_iter()
                .map(|(k, c)| match k {
                    Some(id) => {
                        let label = names.get(&id).cloned().unwrap_or_else(|| "工作人员".into());
                        line(id.to_string(), label, c)
                    }
                    None => line("none".into(), "无受理人（秒批等）".into(), c),
                })
                .collect(),
            by_channel: by_channel
                .into_iter()
                .map(|(k, c)| {
                    let label = onestamp_domain::case::Channel::parse(&k)
                        .map_or("其他", |ch| ch.label_zh())
                        .to_string();
                    line(k, label, c)
                })
                .collect(),
        })
    }

    /// Rectifications with their lights (supervisors and administrators):
    /// of a status by rectify deadline, or all newest first.
    pub async fn list_rectifications(
        &self,
        session: &Session,
        status: Option<RectificationStatus>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Rectification>, AppError> {
        session.require_holding(Role::oversees)?;
        Ok(self
            .store
            .rectifications(status, before, limit.clamp(1, MAX_PAGE))
            .await?
            .into_iter()
            .map(|r| self.with_step_lights(r))
            .collect())
    }

    pub async fn get_rectification(
        &self,
        session: &Session,
        id: i64,
    ) -> Result<Rectification, AppError> {
        session.require_holding(Role::oversees)?;
        self.store
            .rectification(id)
            .await?
            .map(|r| self.with_step_lights(r))
            .ok_or_else(|| AppError::NotFound(format!("整改任务 {id} ")))
    }

    /// Records the call back (回访) of a rectification (supervisors).
    pub async fn record_rectification_callback(
        &self,
        session: &Session,
        id: i64,
        note: &str,
    ) -> Result<Rectification, AppError> {
        session.require(&[Role::Supervisor])?;
        let r = self.get_rectification(session, id).await?;
        let note = rating::check_callback(r.status, note)?;
        let now = self.clock.now();
        let audit = fact(
            now,
            session.user.id,
            "rectification.callback",
            &r.case_number,
            serde_json::json!({"rectification": id, "note": note}),
        );
        if !self
            .store
            .record_callback(id, &note, session.user.id, now, audit)
            .await?
        {
            return Err(
                DomainError::RectificationStep("该整改已记录回访，不能重复记录".into()).into(),
            );
        }
        tracing::info!(case_no = %r.case_number, rectification = id, actor_id = session.user.id, "rectification called back");
        self.get_rectification(session, id).await
    }

    /// Records the outcome of a rectification (supervisors): `rectified` or
    /// `explained`, with what was done; shown to the applicant.
    pub async fn record_rectification_outcome(
        &self,
        session: &Session,
        id: i64,
        kind: &str,
        outcome: &str,
    ) -> Result<Rectification, AppError> {
        session.require(&[Role::Supervisor])?;
        let r = self.get_rectification(session, id).await?;
        let (kind, outcome) = rating::check_outcome(r.status, kind, outcome)?;
        let now = self.clock.now();
        let audit = fact(
            now,
            session.user.id,
            "rectification.outcome",
            &r.case_number,
            serde_json::json!({"rectification": id, "outcome_kind": kind, "outcome": outcome}),
        );
        if !self
            .store
            .record_outcome(id, kind, &outcome, session.user.id, now, audit)
            .await?
        {
            return Err(
                DomainError::RectificationStep("该整改已办结，不能重复记录结果".into()).into(),
            );
        }
        tracing::info!(case_no = %r.case_number, rectification = id, outcome = kind.as_str(), actor_id = session.user.id, "rectification closed");
        self.get_rectification(session, id).await
    }

    /// Appeals a bad rating as malicious or mistaken (bureau staff), once.
    pub async fn appeal_rating(
        &self,
        session: &Session,
        rating_id: i64,
        ground: &str,
        reason: &str,
    ) -> Result<StoredAppeal, AppError> {
        session.require_holding(Role::sees_every_case)?;
        let r = self
            .store
            .rating(rating_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("评价 {rating_id} ")))?;
        let (ground, reason) =
            rating::check_appeal(r.level, r.appeal.as_ref().map(|a| a.status), ground, reason)?;
        let now = self.clock.now();
        let audit = fact(
            now,
            session.user.id,
            "rating.appeal",
            &r.case_number,
            serde_json::json!({"rating": rating_id, "ground": ground, "reason": reason}),
        );
        let id = self
            .store
            .file_appeal(rating_id, ground, &reason, session.user.id, now, audit)
            .await
            .map_err(|e| match AppError::from(e) {
                AppError::Duplicate(_) => AppError::Domain(DomainError::AppealNotAllowed(
                    "该评价已申诉过，不能再次申诉".into(),
                )),
                other => other,
            })?;
        tracing::info!(case_no = %r.case_number, appeal = id, actor_id = session.user.id, "rating appealed");
        self.get_appeal(id).await
    }

    async fn get_appeal(&self, id: i64) -> Result<StoredAppeal, AppError> {
        self.store
            .appeal(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("申诉 {id} ")))
    }

    /// Appeals, pending ones oldest first (supervisors and administrators).
    pub async fn list_appeals(
        &self,
        session: &Session,
        status: Option<AppealStatus>,
        limit: u32,
    ) -> Result<Vec<(StoredAppeal, ShownRating)>, AppError> {
        session.require_holding(Role::oversees)?;
        let mut out = Vec::new();
        for a in self.store.appeals(status, limit.clamp(1, MAX_PAGE)).await? {
            if let Some(r) = self.store.rating(a.rating_id).await? {
                out.push((a, shown(r, true)));
            }
        }
        Ok(out)
    }

    /// Decides an appeal (a supervisor other than the one who filed it). An
    /// upheld appeal keeps the rating and takes it out of the statistics.
    pub async fn decide_appeal(
        &self,
        session: &Session,
        appeal_id: i64,
        upheld: bool,
        note: &str,
    ) -> Result<StoredAppeal, AppError> {
        session.require(&[Role::Supervisor])?;
        let a = self.get_appeal(appeal_id).await?;
        let (status, note) =
            rating::check_appeal_decision(a.status, a.filed_by, session.user.id, upheld, note)?;
        let r = self
            .store
            .rating(a.rating_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("评价 {} ", a.rating_id)))?;
        let now = self.clock.now();
        let audit = fact(
            now,
            session.user.id,
            "rating.appeal.decide",
            &r.case_number,
            serde_json::json!({"appeal": appeal_id, "rating": r.id, "decision": status, "note": note}),
        );
        let tally = match self.store.case(r.case_id).await? {
            Some(case) if status == rating::AppealStatus::Upheld => {
                onestamp_domain::analytics::of_upheld_appeal(
                    &case,
                    r.level,
                    &self.settings.calendar,
                )
            }
            _ => onestamp_domain::analytics::Tally::default(),
        };
        if !self
            .store
            .decide_appeal(appeal_id, status, &note, session.user.id, now, audit, tally)
            .await?
        {
            return Err(DomainError::AppealNotAllowed("该申诉已裁定".into()).into());
        }
        tracing::info!(case_no = %r.case_number, appeal = appeal_id, decision = status.as_str(), actor_id = session.user.id, "appeal decided");
        self.get_appeal(appeal_id).await
    }
}
