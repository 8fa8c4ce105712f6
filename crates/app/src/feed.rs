//! The supervision feed to regulators (审管分离): the records a decision or a
//! licence's change pushes to the item's supervising department, written in
//! the transaction of the change; their claims (认领); and the supervision
//! results (监管结果) a regulator sends back, which the bureau handles.

use chrono::{DateTime, Utc};
use serde::Serialize;

use onestamp_domain::case::{Case, CaseEvent};
use onestamp_domain::catalogue::Item;
use onestamp_domain::message::{self, Audience, Event};
use onestamp_domain::role::Role;
use onestamp_domain::supervision_feed::{
    self as feed, FeedInput, FeedKind, FeedLicence, ResultKind,
};
use onestamp_domain::timing::Light;

use crate::auth::Session;
use crate::licences::Sealed;
use crate::store::{
    FeedQuery, NewFeedRecord, NewMessage, NewSupervisionResult, PendingFeed, StoredFeedRecord,
    StoredLicence, StoredSupervisionResult,
};
use crate::{App, AppError};

/// The record's message to the regulators of its department.
fn record_message(
    record: &NewFeedRecord,
    audience: Vec<Audience>,
    item_name: &str,
    calendar: &onestamp_domain::calendar::Calendar,
) -> NewMessage {
    let claim_by = calendar
        .wall_clock(record.claim_due)
        .format("%m月%d日%H:%M")
        .to_string();
    let m = message::supervision_record(
        audience,
        record.kind.label_zh(),
        item_name,
        &record.case_number,
        &claim_by,
        record.recorded_at,
    );
    NewMessage {
        message: m,
        case_id: Some(record.case_id),
        case_number: Some(record.case_number.clone()),
        licence_id: record.licence_id.clone(),
        department: Some(record.department.clone()),
        data: serde_json::json!({
            "record": record.summary,
            "department": record.department,
            "claim_due": record.claim_due,
        }),
    }
}

/// The licence a decision's record carries: the type (and scope) on an
/// approval before issue; the whole licence when it was issued with it (秒批).
fn decision_licence(
    case: &Case,
    item: &Item,
    issued: Option<&StoredLicence>,
) -> Option<FeedLicence> {
    let c = item.certificate.as_ref()?;
    Some(FeedLicence {
        id: issued.map(|l| l.id.clone()),
        type_code: c.type_code.clone(),
        type_name: c.name.clone(),
        scope: c
            .scope_field
            .as_ref()
            .and_then(|k| case.form.get(k))
            .and_then(|v| v.as_str())
            .map(str::to_string),
        issued_on: issued.map(|l| l.issued_on),
        valid_until: issued.and_then(|l| l.valid_until),
    })
}

fn decision_input<'a>(
    kind: FeedKind,
    case: &'a Case,
    item: &'a Item,
    event: &'a CaseEvent,
    licence: Option<FeedLicence>,
) -> FeedInput<'a> {
    FeedInput {
        kind,
        supervising_department: item.supervising_department.as_deref(),
        item_code: &item.code,
        item_name: &item.name,
        item_masks: item.mask_identity,
        case_id: case.id,
        case_number: &case.number,
        submitted_at: case.submitted_at,
        applicant: &case.applicant,
        opinion: event.opinion.as_deref(),
        licence,
        replaced_by: None,
        at: event.at,
    }
}

/// The largest page of the feed.
pub const FEED_PAGE_MAX: u32 = 200;

/// A record as a reader of the feed sees it: with its claim clock.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedEntry {
    #[serde(flatten)]
    pub record: StoredFeedRecord,
    pub kind_label: &'static str,
    pub claimed: bool,
    /// The claim clock's light; absent once claimed.
    pub light: Option<Light>,
}

/// A page of the feed, oldest first, and the cursor to read on from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedPage {
    pub records: Vec<FeedEntry>,
    /// The id of the last record: pass it as `after` for the next page.
    pub next: Option<i64>,
}

/// A supervision result as staff and regulators see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultView {
    #[serde(flatten)]
    pub result: StoredSupervisionResult,
    pub kind_label: &'static str,
    pub handled: bool,
}

impl ResultView {
    fn of(result: StoredSupervisionResult) -> ResultView {
        ResultView {
            kind_label: result.kind.label_zh(),
            handled: result.handled_at.is_some(),
            result,
        }
    }
}

/// Whose feed: every department's (`None`), or these departments'.
enum Reach {
    All,
    Departments(Vec<String>),
}

impl Reach {
    fn covers(&self, department: &str) -> bool {
        match self {
            Reach::All => true,
            Reach::Departments(d) => feed::covers(d, department),
        }
    }
}

impl App {
    /// The departments whose feed `session` reads: supervisors and
    /// administrators every one, a regulator those of their profile.
    async fn feed_reach(&self, session: &Session) -> Result<Reach, AppError> {
        if session.holds_any(Role::oversees) {
            return Ok(Reach::All);
        }
        session.require(&[Role::Regulator])?;
        let deps = self.regulated_departments(session).await?;
        if deps.iter().any(|d| d == "*") {
            Ok(Reach::All)
        } else {
            Ok(Reach::Departments(deps))
        }
    }

    fn entry(&self, record: StoredFeedRecord, now: DateTime<Utc>) -> FeedEntry {
        let claimed = record.claimed_at.is_some();
        FeedEntry {
            kind_label: record.kind.label_zh(),
            light: feed::claim_light(now, claimed, record.claim_warn, record.claim_due),
            claimed,
            record,
        }
    }

    /// The feed oldest first after the record `after` (the API's cursor).
    pub async fn supervision_feed(
        &self,
        session: &Session,
        after: Option<i64>,
        limit: u32,
    ) -> Result<FeedPage, AppError> {
        let reach = self.feed_reach(session).await?;
        let query = FeedQuery {
            departments: match reach {
                Reach::All => None,
                Reach::Departments(d) => Some(d),
            },
            after,
            before: None,
            newest_first: false,
            limit: limit.clamp(1, FEED_PAGE_MAX),
        };
        let now = self.clock.now();
        let records: Vec<FeedEntry> = self
            .store
            .feed(&query)
            .await?
            .into_iter()
            .map(|r| self.entry(r, now))
            .collect();
        let next = records.last().map(|e| e.record.id).or(after);
        Ok(FeedPage { records, next })
    }

    /// The feed newest first, before the record `before` (the pages).
    pub async fn supervision_feed_newest(
        &self,
        session: &Session,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<FeedEntry>, AppError> {
        let reach = self.feed_reach(session).await?;
        let query = FeedQuery {
            departments: match reach {
                Reach::All => None,
                Reach::Departments(d) => Some(d),
            },
            after: None,
            before,
            newest_first: true,
            limit: limit.clamp(1, FEED_PAGE_MAX),
        };
        let now = self.clock.now();
        Ok(self
            .store
            .feed(&query)
            .await?
            .into_iter()
            .map(|r| self.entry(r, now))
            .collect())
    }

    /// Claims a record (认领) for the regulator's department, once. Another
    /// department's record is not found.
    pub async fn claim_feed_record(
        &self,
        session: &Session,
        id: i64,
    ) -> Result<FeedEntry, AppError> {
        session.require(&[Role::Regulator])?;
        let reach = self.feed_reach(session).await?;
        let not_found = || AppError::NotFound(format!("审批信息推送记录 {id} "));
        let record = self.store.feed_record(id).await?.ok_or_else(not_found)?;
        if !reach.covers(&record.department) {
            return Err(not_found());
        }
        feed::check_claim(record.claimed_at)?;
        let now = self.clock.now();
        let fact = feed::claim_fact(
            now,
            session.user.id,
            id,
            &record.case_number,
            &record.department,
        );
        if !self
            .store
            .claim_record(id, session.user.id, now, fact)
            .await?
        {
            feed::check_claim(Some(now))?;
        }
        tracing::info!(record = id, case_no = %record.case_number, department = %record.department, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "supervision record claimed");
        let record = self.store.feed_record(id).await?.ok_or_else(not_found)?;
        Ok(self.entry(record, now))
    }

    /// The record of a case's decision (`approve`, `deny`), when its item
    /// names a supervising department, and its message to the department.
    pub(crate) async fn decision_feed(
        &self,
        case: &Case,
        item: &Item,
        event: &CaseEvent,
    ) -> Result<(Vec<NewFeedRecord>, Vec<NewMessage>), AppError> {
        let Some(kind) = FeedKind::of_action(&event.action) else {
            return Ok((Vec::new(), Vec::new()));
        };
        let input = decision_input(kind, case, item, event, decision_licence(case, item, None));
        self.feed_of(&input, &item.name).await
    }

    /// What a new case tells the regulators, written once the store numbers
    /// it: the approval of a 秒批 case (with its licence) and, for a renewal,
    /// the old licence replaced (and its holder told).
    pub(crate) async fn new_case_feed(
        &self,
        item: &Item,
        events: &[CaseEvent],
        sealed: Option<&Sealed>,
    ) -> Result<PendingFeed, AppError> {
        let (fixed, fixed_messages) = match sealed {
            Some(s) => self.renewal_feed(s).await?,
            None => (Vec::new(), Vec::new()),
        };
        let decision = events
            .iter()
            .rev()
            .find_map(|e| FeedKind::of_action(&e.action).map(|k| (k, e.clone())));
        let audience = match (&decision, item.supervising_department.as_deref()) {
            (Some(_), Some(department)) => self.regulators_of(department).await?,
            _ => Vec::new(),
        };
        if decision.is_none() && fixed.is_empty() && fixed_messages.is_empty() {
            return Ok(PendingFeed::default());
        }
        let item = item.clone();
        let licence = sealed.map(|s| s.licence.clone());
        let calendar = self.settings.calendar.clone();
        let (claim_days, warn_share) = (
            self.settings.supervision_claim_days,
            self.settings.warn_share,
        );
        Ok(PendingFeed {
            draft: Some(std::sync::Arc::new(move |case: &Case| {
                let mut records = Vec::new();
                let mut messages = Vec::new();
                if let Some((kind, event)) = &decision {
                    let licence = decision_licence(case, &item, licence.as_ref());
                    let input = decision_input(*kind, case, &item, event, licence);
                    if let Some(record) = feed::record(&input, &calendar, claim_days, warn_share) {
                        messages.push(record_message(
                            &record,
                            audience.clone(),
                            &item.name,
                            &calendar,
                        ));
                        records.push(record);
                    }
                }
                // The decision first, then the licence it replaces.
                records.extend(fixed.iter().cloned());
                messages.extend(fixed_messages.iter().cloned());
                (records, messages)
            })),
        })
    }

    /// A renewal's replaced licence: its holder's `licence.replaced` message
    /// and the regulators' record, as the admin's replacement writes them.
    pub(crate) async fn renewal_feed(
        &self,
        sealed: &Sealed,
    ) -> Result<(Vec<NewFeedRecord>, Vec<NewMessage>), AppError> {
        let Some((old_id, _)) = sealed.retire() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let Some(old) = self.store.licence(&old_id).await? else {
            return Ok((Vec::new(), Vec::new()));
        };
        let now = self.clock.now();
        let new_id = &sealed.licence.id;
        let mut messages = self.licence_messages(&old, Event::LicenceReplaced, new_id, now);
        let (feed, feed_messages) = self
            .licence_feed(&old, FeedKind::Replaced, "许可延续", Some(new_id), now)
            .await?;
        messages.extend(feed_messages);
        Ok((feed, messages))
    }

    /// The record of a licence's revocation or replacement (by `replaced_by`),
    /// when its item names a supervising department.
    pub(crate) async fn licence_feed(
        &self,
        stored: &StoredLicence,
        kind: FeedKind,
        reason: &str,
        replaced_by: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(Vec<NewFeedRecord>, Vec<NewMessage>), AppError> {
        let Some(item) = self.store.item(&stored.item_code).await? else {
            return Ok((Vec::new(), Vec::new()));
        };
        let item = item.item;
        let Some(case) = self.store.case(stored.case_id).await? else {
            return Ok((Vec::new(), Vec::new()));
        };
        let doc = self.genuine(stored).await?;
        let licence = FeedLicence {
            id: Some(stored.id.clone()),
            type_code: stored.type_code.clone(),
            type_name: stored.type_name.clone(),
            scope: doc.map(|d| d.scope),
            issued_on: Some(stored.issued_on),
            valid_until: stored.valid_until,
        };
        let input = FeedInput {
            kind,
            supervising_department: item.supervising_department.as_deref(),
            item_code: &item.code,
            item_name: &item.name,
            item_masks: item.mask_identity,
            case_id: case.id,
            case_number: &case.number,
            submitted_at: case.submitted_at,
            applicant: &case.applicant,
            opinion: Some(reason),
            licence: Some(licence),
            replaced_by,
            at,
        };
        self.feed_of(&input, &item.name).await
    }

    /// The record `input` makes and its message to every active regulator
    /// whose profile covers the department.
    async fn feed_of(
        &self,
        input: &FeedInput<'_>,
        item_name: &str,
    ) -> Result<(Vec<NewFeedRecord>, Vec<NewMessage>), AppError> {
        let Some(record) = feed::record(
            input,
            &self.settings.calendar,
            self.settings.supervision_claim_days,
            self.settings.warn_share,
        ) else {
            return Ok((Vec::new(), Vec::new()));
        };
        let audience = self.regulators_of(&record.department).await?;
        let msg = record_message(&record, audience, item_name, &self.settings.calendar);
        Ok((vec![record], vec![msg]))
    }

    /// Every active regulator whose profile covers `department`.
    async fn regulators_of(&self, department: &str) -> Result<Vec<Audience>, AppError> {
        Ok(self
            .store
            .staff_of_role(Role::Regulator)
            .await?
            .into_iter()
            .filter(|m| feed::covers(&m.profile.departments, department))
            .map(|m| Audience::User(m.user.id))
            .collect())
    }

    /// A regulator of the licence's supervising department sends back what
    /// they found (监管结果); the bureau's officers and supervisors are told.
    pub async fn send_supervision_result(
        &self,
        session: &Session,
        licence_id: &str,
        kind: &str,
        note: &str,
    ) -> Result<ResultView, AppError> {
        session.require(&[Role::Regulator])?;
        let (kind, note) = feed::check_result(kind, note)?;
        let stored = self.visible_licence(session, licence_id).await?;
        let department = stored.supervising_department.clone().unwrap_or_default();
        let now = self.clock.now();
        let fact = feed::result_fact(now, session.user.id, &stored.id, &department, kind, &note);
        let m = message::supervision_result(kind.label_zh(), &stored.type_name, &stored.id, now);
        let msg = NewMessage {
            message: m,
            case_id: Some(stored.case_id),
            case_number: None,
            licence_id: Some(stored.id.clone()),
            department: Some(department.clone()),
            data: serde_json::json!({
                "licence": crate::messages::licence_data(&stored),
                "result": kind.as_str(),
                "result_label": kind.label_zh(),
                "note": note,
            }),
        };
        let new = NewSupervisionResult {
            licence_id: stored.id.clone(),
            case_id: stored.case_id,
            department,
            kind,
            note,
            by: session.user.id,
            at: now,
        };
        let result = self.store.record_result(new, fact, vec![msg]).await?;
        tracing::info!(licence = %stored.id, result = kind.as_str(), actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "supervision result sent back");
        Ok(ResultView::of(result))
    }

    /// The supervision results about a licence, oldest first: for the
    /// bureau's staff and the regulators of its department.
    pub async fn supervision_results(
        &self,
        session: &Session,
        licence_id: &str,
    ) -> Result<Vec<ResultView>, AppError> {
        if !session.is_staff() {
            return Err(AppError::Forbidden(
                "监管结果仅供工作人员和监管部门查看".into(),
            ));
        }
        let stored = self.visible_licence(session, licence_id).await?;
        Ok(self
            .store
            .results_of(&stored.id)
            .await?
            .into_iter()
            .map(ResultView::of)
            .collect())
    }

    /// An officer marks a result handled (已处理), saying what the bureau did
    /// (e.g. revoked the licence through [`App::revoke_licence`]).
    pub async fn handle_supervision_result(
        &self,
        session: &Session,
        id: i64,
        note: &str,
    ) -> Result<ResultView, AppError> {
        session.require(&[Role::Officer])?;
        let not_found = || AppError::NotFound(format!("监管结果 {id} "));
        let result = self
            .store
            .supervision_result(id)
            .await?
            .ok_or_else(not_found)?;
        let note = feed::check_handling(result.handled_at.is_some(), note)?;
        let now = self.clock.now();
        let fact = feed::handled_fact(now, session.user.id, &result.licence_id, id, &note);
        if !self
            .store
            .handle_result(id, session.user.id, &note, now, fact)
            .await?
        {
            feed::check_handling(true, &note)?;
        }
        tracing::info!(licence = %result.licence_id, result = id, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "supervision result handled");
        let result = self
            .store
            .supervision_result(id)
            .await?
            .ok_or_else(not_found)?;
        Ok(ResultView::of(result))
    }
}

/// The kinds a result may have, with their Chinese names (for forms).
pub fn result_kinds() -> Vec<(&'static str, &'static str)> {
    ResultKind::ALL
        .into_iter()
        .map(|k| (k.as_str(), k.label_zh()))
        .collect()
}
