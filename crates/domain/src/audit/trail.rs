//! What each audited change did, stated so that the rows can be replayed from
//! the chain: a case fact carries the digest of the event it wrote and the
//! status and version it left; a licence fact carries the digest of the sealed
//! content or the status it set. `audit verify` follows the facts of each case
//! and licence ([`CaseTrail`], [`LicenceTrail`]) and compares them with the rows,
//! and public verification compares a licence's status with its trail.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sm3::{Digest, Sm3};

use crate::case::{CaseEvent, SYSTEM_ACTOR, UserId};
use crate::licence::LicenceStatus;

/// A fact for the audit chain, stated by the decision that caused it, at the
/// decision's time.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditFact {
    pub at: DateTime<Utc>,
    /// `None` for the system (秒批, timers) and the public.
    pub actor_id: Option<UserId>,
    /// e.g. `case.accept`, `licence.issue`, `user.save`.
    pub kind: String,
    /// The case number, licence id or user name. Left empty on the facts of a
    /// case being opened: the store fills in the number it gives the case.
    pub subject: String,
    pub detail: Value,
}

fn sm3_of(parts: &[&str]) -> String {
    let mut h = Sm3::new();
    for part in parts {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The SM3 digest of a case event as the store keeps it (its instant to the
/// millisecond).
pub fn event_digest(e: &CaseEvent) -> String {
    let (has_opinion, opinion) = match &e.opinion {
        Some(o) => ("1", o.as_str()),
        None => ("0", ""),
    };
    sm3_of(&[
        &e.at.timestamp_millis().to_string(),
        &e.actor_id.to_string(),
        e.actor_role.as_str(),
        &e.action,
        has_opinion,
        opinion,
        e.from_status.map_or("", |s| s.as_str()),
        e.to_status.as_str(),
        &e.version.to_string(),
    ])
}

/// The SM3 digest of a licence's sealed content and signature.
pub fn licence_digest(canonical: &str, signature: &str) -> String {
    sm3_of(&[canonical, signature])
}

/// The fact of a case event: its kind is the event's action; it records the
/// status and version the event left and the event's digest, with `extra`
/// (an object) merged in. `subject` is the case number (empty for a case
/// being opened).
pub fn case_fact(subject: &str, event: &CaseEvent, extra: Value) -> AuditFact {
    let mut detail = Map::new();
    detail.insert("from".into(), json!(event.from_status.map(|s| s.as_str())));
    detail.insert("to".into(), json!(event.to_status.as_str()));
    detail.insert("version".into(), json!(event.version + 1));
    detail.insert("event".into(), json!(event_digest(event)));
    if let Some(o) = &event.opinion {
        detail.insert("opinion".into(), json!(o));
    }
    if let Value::Object(more) = extra {
        detail.extend(more);
    }
    AuditFact {
        at: event.at,
        actor_id: (event.actor_id != SYSTEM_ACTOR).then_some(event.actor_id),
        kind: format!("case.{}", event.action),
        subject: subject.to_string(),
        detail: Value::Object(detail),
    }
}

/// The fact of an overdue alert raised by the scheduler (`alert.<kind>`), against
/// the person responsible.
pub fn alert_fact(
    at: DateTime<Utc>,
    case_number: &str,
    kind: &str,
    stage: Option<crate::case::Stage>,
    responsible: Option<UserId>,
    deadline: DateTime<Utc>,
) -> AuditFact {
    AuditFact {
        at,
        actor_id: None,
        kind: format!("alert.{kind}"),
        subject: case_number.to_string(),
        detail: json!({"stage": stage, "responsible": responsible, "deadline": deadline}),
    }
}

/// The fact of a sealed licence entering the register.
pub fn licence_issued(
    at: DateTime<Utc>,
    actor_id: Option<UserId>,
    id: &str,
    canonical: &str,
    signature: &str,
    replaces: Option<&str>,
) -> AuditFact {
    let mut detail = json!({"digest": licence_digest(canonical, signature)});
    if let Some(old) = replaces {
        detail["replaces"] = json!(old);
    }
    AuditFact {
        at,
        actor_id,
        kind: LICENCE_ISSUE.into(),
        subject: id.to_string(),
        detail,
    }
}

/// The fact of a licence's status changing to revoked or replaced.
pub fn licence_status_set(
    at: DateTime<Utc>,
    actor_id: Option<UserId>,
    id: &str,
    status: &LicenceStatus,
) -> AuditFact {
    let (kind, detail) = match status {
        LicenceStatus::Valid => (LICENCE_ISSUE, json!({})),
        LicenceStatus::Revoked { reason } => (LICENCE_REVOKE, json!({"reason": reason})),
        LicenceStatus::Replaced { by, reason } => {
            (LICENCE_REPLACE, json!({"reason": reason, "new": by}))
        }
    };
    AuditFact {
        at,
        actor_id,
        kind: kind.into(),
        subject: id.to_string(),
        detail,
    }
}

/// The kind of the fact of a sealed case document (受理通知书, 补正告知书 …).
pub const DOCUMENT_ISSUE: &str = "document.issue";

/// The fact of a sealed document of a case: its subject is the document's
/// number; it records the case, the kind and the digest of the sealed content
/// and signature, so that a stored document can be checked against it.
pub fn document_issued(
    at: DateTime<Utc>,
    actor_id: Option<UserId>,
    number: &str,
    case_number: &str,
    kind: &str,
    canonical: &str,
    signature: &str,
) -> AuditFact {
    AuditFact {
        at,
        actor_id,
        kind: DOCUMENT_ISSUE.into(),
        subject: number.to_string(),
        detail: json!({
            "case": case_number,
            "kind": kind,
            "digest": licence_digest(canonical, signature),
        }),
    }
}

const LICENCE_ISSUE: &str = "licence.issue";
const LICENCE_REVOKE: &str = "licence.revoke";
const LICENCE_REPLACE: &str = "licence.replace";

/// Where a row and its audited history disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrailFault {
    /// The row's status is not the one its last audited change left.
    Status { recorded: String, stored: String },
    /// The case row's version is not the one its last audited change left.
    Version { recorded: i64, stored: i64 },
    /// The stored events are not the audited ones (edited, inserted or removed).
    Events { recorded: u64, stored: u64 },
    /// The stored licence content is not what was audited as sealed.
    Content,
    /// The row has no audited history at all.
    Unaudited,
    /// An audit fact of the subject cannot be read.
    Unreadable { kind: String },
}

impl TrailFault {
    /// The fault in words, for the operator.
    pub fn describe_zh(&self) -> String {
        match self {
            TrailFault::Status { recorded, stored } => {
                format!("状态为「{stored}」，审计记录为「{recorded}」")
            }
            TrailFault::Version { recorded, stored } => {
                format!("版本为 {stored}，审计记录为 {recorded}")
            }
            TrailFault::Events { recorded, stored } => format!(
                "办理记录与审计记录不符（库中 {stored} 条，审计记录 {recorded} 条，或内容被改动）"
            ),
            TrailFault::Content => "证照内容与签发时的审计记录不符".into(),
            TrailFault::Unaudited => "没有审计记录".into(),
            TrailFault::Unreadable { kind } => format!("审计记录 {kind} 无法读取"),
        }
    }
}

/// The case as its audit facts leave it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseTrail {
    status: String,
    version: i64,
    events: u64,
    digest: String,
}

impl CaseTrail {
    /// Follows one fact of the case. Facts that wrote no event (none today) are
    /// passed over.
    pub fn follow(&mut self, kind: &str, detail: &Value) -> Result<(), TrailFault> {
        let Some(event) = detail.get("event") else {
            return Ok(());
        };
        let unreadable = || TrailFault::Unreadable {
            kind: kind.to_string(),
        };
        let event = event.as_str().ok_or_else(unreadable)?;
        self.status = detail
            .get("to")
            .and_then(Value::as_str)
            .ok_or_else(unreadable)?
            .to_string();
        self.version = detail
            .get("version")
            .and_then(Value::as_i64)
            .ok_or_else(unreadable)?;
        self.digest = fold(&self.digest, event);
        self.events += 1;
        Ok(())
    }

    /// Whether a stored case (its status, version and events in order) is the
    /// one the trail leads to.
    pub fn check(
        &self,
        status: &str,
        version: i64,
        events: &[CaseEvent],
    ) -> Result<(), TrailFault> {
        let stored = events
            .iter()
            .fold(String::new(), |d, e| fold(&d, &event_digest(e)));
        if stored != self.digest {
            return Err(TrailFault::Events {
                recorded: self.events,
                stored: events.len() as u64,
            });
        }
        if status != self.status {
            return Err(TrailFault::Status {
                recorded: self.status.clone(),
                stored: status.to_string(),
            });
        }
        if version != self.version {
            return Err(TrailFault::Version {
                recorded: self.version,
                stored: version,
            });
        }
        Ok(())
    }
}

fn fold(prev: &str, digest: &str) -> String {
    sm3_of(&[prev, digest])
}

/// What the register's audit facts say of one licence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LicenceTrail {
    digest: Option<String>,
    status: Option<Recorded>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Recorded {
    Valid,
    Revoked,
    Replaced { by: String },
}

impl Recorded {
    fn of(status: &LicenceStatus) -> Recorded {
        match status {
            LicenceStatus::Valid => Recorded::Valid,
            LicenceStatus::Revoked { .. } => Recorded::Revoked,
            LicenceStatus::Replaced { by, .. } => Recorded::Replaced { by: by.clone() },
        }
    }

    fn label(&self) -> String {
        match self {
            Recorded::Valid => "有效".into(),
            Recorded::Revoked => "已撤销".into(),
            Recorded::Replaced { by } => format!("已换发为 {by}"),
        }
    }
}

impl LicenceTrail {
    /// Follows one fact whose subject is the licence; reports and other facts
    /// that change nothing are passed over.
    pub fn follow(&mut self, kind: &str, detail: &Value) -> Result<(), TrailFault> {
        let unreadable = || TrailFault::Unreadable {
            kind: kind.to_string(),
        };
        match kind {
            LICENCE_ISSUE => {
                let digest = detail.get("digest").and_then(Value::as_str);
                self.digest = Some(digest.ok_or_else(unreadable)?.to_string());
                self.status = Some(Recorded::Valid);
            }
            LICENCE_REVOKE => self.status = Some(Recorded::Revoked),
            LICENCE_REPLACE => {
                let by = detail.get("new").and_then(Value::as_str);
                self.status = Some(Recorded::Replaced {
                    by: by.ok_or_else(unreadable)?.to_string(),
                });
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether the stored status is the audited one.
    pub fn check_status(&self, status: &LicenceStatus) -> Result<(), TrailFault> {
        let recorded = self.status.as_ref().ok_or(TrailFault::Unaudited)?;
        let stored = Recorded::of(status);
        if *recorded != stored {
            return Err(TrailFault::Status {
                recorded: recorded.label(),
                stored: stored.label(),
            });
        }
        Ok(())
    }

    /// Whether a stored licence (status, sealed content and signature) is the
    /// one audited.
    pub fn check(
        &self,
        status: &LicenceStatus,
        canonical: &str,
        signature: &str,
    ) -> Result<(), TrailFault> {
        self.check_status(status)?;
        if self.digest.as_deref() != Some(&licence_digest(canonical, signature)) {
            return Err(TrailFault::Content);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::CaseStatus;
    use crate::role::Role;

    fn event(action: &str, from: Option<CaseStatus>, to: CaseStatus, version: i64) -> CaseEvent {
        CaseEvent {
            at: DateTime::from_timestamp_millis(1_780_000_000_123 + version).unwrap(),
            actor_id: 7,
            actor_role: Role::Clerk,
            action: action.into(),
            opinion: Some("材料齐全".into()),
            from_status: from,
            to_status: to,
            version,
        }
    }

    fn history() -> Vec<CaseEvent> {
        vec![
            event("submit", None, CaseStatus::Intake, 0),
            event("accept", Some(CaseStatus::Intake), CaseStatus::Review, 1),
        ]
    }

    fn trail(events: &[CaseEvent]) -> CaseTrail {
        let mut t = CaseTrail::default();
        for e in events {
            let f = case_fact("510107-20260302-000001", e, json!({"assignee": 3}));
            t.follow(&f.kind, &f.detail).unwrap();
        }
        t
    }

    #[test]
    fn a_case_replayed_from_its_facts_matches_its_rows() {
        let events = history();
        assert_eq!(trail(&events).check("review", 2, &events), Ok(()));
    }

    #[test]
    fn an_edited_inserted_or_removed_event_and_a_changed_status_are_found() {
        let events = history();
        let t = trail(&events);
        let mut edited = events.clone();
        edited[1].opinion = Some("不同意".into());
        assert!(matches!(
            t.check("review", 2, &edited),
            Err(TrailFault::Events { .. })
        ));
        let mut inserted = events.clone();
        inserted.push(event(
            "review",
            Some(CaseStatus::Review),
            CaseStatus::Approval,
            2,
        ));
        assert!(matches!(
            t.check("review", 2, &inserted),
            Err(TrailFault::Events { .. })
        ));
        assert!(matches!(
            t.check("review", 2, &events[..1]),
            Err(TrailFault::Events { .. })
        ));
        assert!(matches!(
            t.check("issued", 2, &events),
            Err(TrailFault::Status { .. })
        ));
        assert!(matches!(
            t.check("review", 5, &events),
            Err(TrailFault::Version { .. })
        ));
    }

    #[test]
    fn the_system_actor_is_recorded_as_nobody() {
        let mut e = event("accept", Some(CaseStatus::Intake), CaseStatus::Review, 1);
        e.actor_id = SYSTEM_ACTOR;
        assert_eq!(case_fact("x", &e, Value::Null).actor_id, None);
    }

    #[test]
    fn a_licence_set_back_to_valid_disagrees_with_its_trail() {
        let mut t = LicenceTrail::default();
        let issued = licence_issued(Utc::now(), None, "L1", "content", "sig", None);
        t.follow(&issued.kind, &issued.detail).unwrap();
        assert_eq!(t.check(&LicenceStatus::Valid, "content", "sig"), Ok(()));
        assert_eq!(
            t.check(&LicenceStatus::Valid, "content2", "sig"),
            Err(TrailFault::Content)
        );
        let revoked = LicenceStatus::Revoked {
            reason: "吊销".into(),
        };
        let fact = licence_status_set(Utc::now(), Some(3), "L1", &revoked);
        t.follow(&fact.kind, &fact.detail).unwrap();
        assert_eq!(t.check_status(&revoked), Ok(()));
        assert!(matches!(
            t.check_status(&LicenceStatus::Valid),
            Err(TrailFault::Status { .. })
        ));
        assert_eq!(
            LicenceTrail::default().check_status(&LicenceStatus::Valid),
            Err(TrailFault::Unaudited)
        );
    }
}
