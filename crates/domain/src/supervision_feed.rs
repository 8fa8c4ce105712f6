//! The supervision feed (审管分离): what the bureau pushes to the department
//! that supervises an item after it decides (an approval, a denial) or
//! changes a licence (a revocation, a replacement), when each record must be
//! claimed (认领), and what a regulator sends back (监管结果).
//!
//! Pure: the app gathers the case, the item and the licence, asks
//! [`record`] and writes the answer in the transaction of the change.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::AuditFact;
use crate::calendar::Calendar;
use crate::case::{Applicant, ApplicantKind};
use crate::error::DomainError;
use crate::privacy::{self, Surface, Viewer};
use crate::role::Role;
use crate::timing::{self, Light};

/// The longest note of a supervision result or of its handling, in characters.
pub const NOTE_MAX: usize = 1000;

/// What a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedKind {
    Approved,
    Denied,
    Revoked,
    Replaced,
}

impl FeedKind {
    pub const ALL: [FeedKind; 4] = [
        FeedKind::Approved,
        FeedKind::Denied,
        FeedKind::Revoked,
        FeedKind::Replaced,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Approved => "approved",
            FeedKind::Denied => "denied",
            FeedKind::Revoked => "revoked",
            FeedKind::Replaced => "replaced",
        }
    }

    pub fn parse(s: &str) -> Option<FeedKind> {
        FeedKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            FeedKind::Approved => "准予许可",
            FeedKind::Denied => "不予许可",
            FeedKind::Revoked => "证照注销",
            FeedKind::Replaced => "证照换发",
        }
    }

    /// The record a case action makes: only `approve` and `deny`.
    pub fn of_action(action: &str) -> Option<FeedKind> {
        match action {
            "approve" => Some(FeedKind::Approved),
            "deny" => Some(FeedKind::Denied),
            _ => None,
        }
    }
}

/// The licence as a record carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedLicence {
    /// Absent on an approval: the licence is made after it.
    pub id: Option<String>,
    pub type_code: String,
    pub type_name: String,
    pub scope: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

/// What a record is made from.
#[derive(Debug, Clone)]
pub struct FeedInput<'a> {
    pub kind: FeedKind,
    /// The item's supervising department; no record without one.
    pub supervising_department: Option<&'a str>,
    pub item_code: &'a str,
    pub item_name: &'a str,
    /// Whether the item masks identities (双盲).
    pub item_masks: bool,
    pub case_id: i64,
    pub case_number: &'a str,
    pub submitted_at: DateTime<Utc>,
    pub applicant: &'a Applicant,
    /// The decision's opinion, or the reason of the licence's change.
    pub opinion: Option<&'a str>,
    pub licence: Option<FeedLicence>,
    /// The licence that replaces the one of `licence` (a replacement).
    pub replaced_by: Option<&'a str>,
    pub at: DateTime<Utc>,
}

/// A record to write.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRecord {
    pub department: String,
    pub kind: FeedKind,
    pub case_id: i64,
    pub case_number: String,
    pub licence_id: Option<String>,
    pub summary: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
    pub claim_warn: DateTime<Utc>,
    pub claim_due: DateTime<Utc>,
}

/// The record of a decision or a licence's change, pushed to the item's
/// supervising department and to be claimed within `claim_days` working
/// days on `calendar`; `None` when the item names no supervising department.
/// The holder's identity is shown as the privacy policy lets a regulator see
/// it on a licence.
pub fn record(
    input: &FeedInput<'_>,
    calendar: &Calendar,
    claim_days: u32,
    warn_share: f64,
) -> Option<FeedRecord> {
    let department = input
        .supervising_department
        .map(str::trim)
        .filter(|d| !d.is_empty())?;
    let shown = privacy::exposure(
        Viewer::Staff(&[Role::Regulator]),
        Surface::Licence,
        input.item_masks,
        input.applicant.kind,
    );
    let claim_due = calendar.add_working_days(input.at, claim_days);
    let claim_warn = timing::warn_at(calendar, input.at, claim_due, warn_share);
    let summary = serde_json::json!({
        "kind": input.kind.as_str(),
        "kind_label": input.kind.label_zh(),
        "item_code": input.item_code,
        "item_name": input.item_name,
        "case_number": input.case_number,
        "applicant_name": shown.name(&input.applicant.name),
        "holder": {
            "kind": match input.applicant.kind {
                ApplicantKind::Person => "person",
                ApplicantKind::Organisation => "organisation",
            },
            "name": shown.name(&input.applicant.name),
            "identity": shown.identity(&input.applicant.identity),
            "identity_masked": shown.identity != privacy::Shown::Full,
        },
        "opinion": input.opinion,
        "submitted_on": calendar.date_of(input.submitted_at),
        "decided_on": calendar.date_of(input.at),
        "licence": input.licence,
        "replaced_by": input.replaced_by,
    });
    Some(FeedRecord {
        department: department.to_string(),
        kind: input.kind,
        case_id: input.case_id,
        case_number: input.case_number.to_string(),
        licence_id: input.licence.as_ref().and_then(|l| l.id.clone()),
        summary,
        recorded_at: input.at,
        claim_warn,
        claim_due,
    })
}

/// Whether a regulator whose profile names `departments` covers `department`
/// (`*`: every department).
pub fn covers(departments: &[String], department: &str) -> bool {
    departments.iter().any(|d| d == "*" || d == department)
}

/// The light of a record's claim clock: `None` once claimed.
pub fn claim_light(
    now: DateTime<Utc>,
    claimed: bool,
    warn: DateTime<Utc>,
    due: DateTime<Utc>,
) -> Option<Light> {
    (!claimed).then(|| timing::light(now, Some(warn), Some(due)))
}

/// A record may be claimed once.
pub fn check_claim(claimed_at: Option<DateTime<Utc>>) -> Result<(), DomainError> {
    match claimed_at {
        Some(_) => Err(DomainError::SupervisionStep(
            "该条审批信息已认领，不能重复认领".into(),
        )),
        None => Ok(()),
    }
}

/// What a regulator found (监管结果).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    InspectionPassed,
    RectificationOrdered,
    Penalty,
    RevocationRequested,
}

impl ResultKind {
    pub const ALL: [ResultKind; 4] = [
        ResultKind::InspectionPassed,
        ResultKind::RectificationOrdered,
        ResultKind::Penalty,
        ResultKind::RevocationRequested,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResultKind::InspectionPassed => "inspection_passed",
            ResultKind::RectificationOrdered => "rectification_ordered",
            ResultKind::Penalty => "penalty",
            ResultKind::RevocationRequested => "revocation_requested",
        }
    }

    pub fn parse(s: &str) -> Option<ResultKind> {
        ResultKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ResultKind::InspectionPassed => "检查合格",
            ResultKind::RectificationOrdered => "责令整改",
            ResultKind::Penalty => "行政处罚",
            ResultKind::RevocationRequested => "建议撤销许可",
        }
    }
}

/// Checks a supervision result: a known kind and a note of 1 to
/// [`NOTE_MAX`] printable characters. The kind and the trimmed note.
pub fn check_result(kind: &str, note: &str) -> Result<(ResultKind, String), DomainError> {
    let kind = ResultKind::parse(kind).ok_or_else(|| {
        DomainError::InvalidSupervision(format!(
            "监管结果类型「{kind}」无效，应为检查合格、责令整改、行政处罚或建议撤销许可之一"
        ))
    })?;
    let note = check_note(note, "监管结果说明")?;
    Ok((kind, note))
}

/// Checks the note of a result's handling (处理情况).
pub fn check_handling(handled: bool, note: &str) -> Result<String, DomainError> {
    if handled {
        return Err(DomainError::SupervisionStep(
            "该监管结果已处理，不能重复处理".into(),
        ));
    }
    check_note(note, "处理情况")
}

fn check_note(note: &str, what: &str) -> Result<String, DomainError> {
    let note = note.trim();
    if note.is_empty() {
        return Err(DomainError::InvalidSupervision(format!("请填写{what}")));
    }
    if note.chars().count() > NOTE_MAX {
        return Err(DomainError::InvalidSupervision(format!(
            "{what}过长（最多 {NOTE_MAX} 字）"
        )));
    }
    if let Some(problem) = crate::text::forbidden(note, crate::text::Lines::Many) {
        return Err(DomainError::InvalidSupervision(format!("{what}{problem}")));
    }
    Ok(note.to_string())
}

/// The audit fact of a claim (认领) of record `id` about case `case_number`.
pub fn claim_fact(
    at: DateTime<Utc>,
    by: crate::case::UserId,
    id: i64,
    case_number: &str,
    department: &str,
) -> AuditFact {
    AuditFact {
        at,
        actor_id: Some(by),
        kind: "supervision.claim".into(),
        subject: case_number.to_string(),
        detail: serde_json::json!({"record": id, "department": department}),
    }
}

/// The audit fact of a supervision result sent back about a licence.
pub fn result_fact(
    at: DateTime<Utc>,
    by: crate::case::UserId,
    licence_id: &str,
    department: &str,
    kind: ResultKind,
    note: &str,
) -> AuditFact {
    AuditFact {
        at,
        actor_id: Some(by),
        kind: "supervision.result".into(),
        subject: licence_id.to_string(),
        detail: serde_json::json!({
            "department": department,
            "result": kind.as_str(),
            "note": note,
        }),
    }
}

/// The audit fact of a result marked handled by the bureau.
pub fn handled_fact(
    at: DateTime<Utc>,
    by: crate::case::UserId,
    licence_id: &str,
    result_id: i64,
    note: &str,
) -> AuditFact {
    AuditFact {
        at,
        actor_id: Some(by),
        kind: "supervision.result_handled".into(),
        subject: licence_id.to_string(),
        detail: serde_json::json!({
            "result": result_id,
            "note": note,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn applicant(kind: ApplicantKind) -> Applicant {
        Applicant {
            user_id: 7,
            kind,
            name: "张三".into(),
            identity: "510107199003071236".into(),
        }
    }

    fn input<'a>(a: &'a Applicant, masks: bool, department: Option<&'a str>) -> FeedInput<'a> {
        FeedInput {
            kind: FeedKind::Approved,
            supervising_department: department,
            item_code: "510107-SCJG-002",
            item_name: "个体工商户设立登记",
            item_masks: masks,
            case_id: 3,
            case_number: "510107-20261204-000001",
            submitted_at: at("2026-12-03T02:00:00Z"),
            applicant: a,
            opinion: Some("符合条件"),
            licence: Some(FeedLicence {
                id: None,
                type_code: "1101".into(),
                type_name: "营业执照".into(),
                scope: None,
                issued_on: None,
                valid_until: None,
            }),
            replaced_by: None,
            // Friday 2026-12-04, 10:00 in Chengdu.
            at: at("2026-12-04T02:00:00Z"),
        }
    }

    #[test]
    fn an_approval_is_to_be_claimed_two_working_days_later_across_the_weekend() {
        let a = applicant(ApplicantKind::Person);
        let cal = Calendar::china_default();
        let r = record(&input(&a, false, Some("scjg")), &cal, 2, 0.8);
        let r = r.unwrap_or_else(|| panic!("no record"));
        assert_eq!(r.department, "scjg");
        assert_eq!(r.kind, FeedKind::Approved);
        assert_eq!(
            r.claim_due,
            at("2026-12-08T09:00:00Z"),
            "Friday → the close of Tuesday"
        );
        assert!(r.claim_warn > r.recorded_at && r.claim_warn < r.claim_due);
        assert_eq!(r.summary["item_name"], "个体工商户设立登记");
        assert_eq!(r.summary["opinion"], "符合条件");
        assert_eq!(r.summary["decided_on"], "2026-12-04");
        assert_eq!(r.summary["licence"]["type_name"], "营业执照");
        assert_eq!(r.licence_id, None);
    }

    #[test]
    fn no_supervising_department_no_record() {
        let a = applicant(ApplicantKind::Person);
        let cal = Calendar::china_default();
        assert_eq!(record(&input(&a, false, None), &cal, 2, 0.8), None);
        assert_eq!(record(&input(&a, false, Some(" ")), &cal, 2, 0.8), None);
    }

    #[test]
    fn a_masking_item_shows_the_regulator_a_masked_identity() {
        let a = applicant(ApplicantKind::Person);
        let cal = Calendar::china_default();
        let masked = record(&input(&a, true, Some("scjg")), &cal, 2, 0.8);
        let masked = masked.map(|r| r.summary).unwrap_or_default();
        assert_eq!(masked["holder"]["identity"], "5101**********1236");
        assert_eq!(masked["holder"]["identity_masked"], true);
        assert_eq!(masked["holder"]["name"], "张三");
        let plain = record(&input(&a, false, Some("scjg")), &cal, 2, 0.8);
        let plain = plain.map(|r| r.summary).unwrap_or_default();
        assert_eq!(plain["holder"]["identity"], "510107199003071236");
    }

    #[test]
    fn only_approve_and_deny_make_records_among_case_actions() {
        assert_eq!(FeedKind::of_action("approve"), Some(FeedKind::Approved));
        assert_eq!(FeedKind::of_action("deny"), Some(FeedKind::Denied));
        for a in ["accept", "review", "issue", "produce", "withdraw"] {
            assert_eq!(FeedKind::of_action(a), None);
        }
        for k in FeedKind::ALL {
            assert_eq!(FeedKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn a_record_is_claimed_once_and_its_light_runs_until_then() {
        let (warn, due) = (at("2026-12-07T02:00:00Z"), at("2026-12-08T02:00:00Z"));
        assert_eq!(
            claim_light(at("2026-12-04T02:00:00Z"), false, warn, due),
            Some(Light::Green)
        );
        assert_eq!(
            claim_light(at("2026-12-07T03:00:00Z"), false, warn, due),
            Some(Light::Yellow)
        );
        assert_eq!(
            claim_light(at("2026-12-08T03:00:00Z"), false, warn, due),
            Some(Light::Red)
        );
        assert_eq!(
            claim_light(at("2026-12-08T03:00:00Z"), true, warn, due),
            None
        );
        assert!(check_claim(None).is_ok());
        assert!(matches!(
            check_claim(Some(warn)),
            Err(DomainError::SupervisionStep(_))
        ));
    }

    #[test]
    fn a_result_names_a_known_kind_and_a_note_of_at_most_a_thousand_characters() {
        let ok = check_result("penalty", "  罚款五千元  ");
        assert_eq!(ok.ok(), Some((ResultKind::Penalty, "罚款五千元".into())));
        for (kind, note) in [
            ("fine", "x"),
            ("penalty", ""),
            ("penalty", "   "),
            ("penalty", &"长".repeat(NOTE_MAX + 1)),
            ("penalty", "a\u{202e}b"),
        ] {
            let e = check_result(kind, note);
            assert!(
                matches!(e, Err(DomainError::InvalidSupervision(_))),
                "{kind} {note}"
            );
        }
        assert!(check_result("inspection_passed", &"长".repeat(NOTE_MAX)).is_ok());
        assert!(check_handling(false, "已撤销许可").is_ok());
        assert!(matches!(
            check_handling(true, "x"),
            Err(DomainError::SupervisionStep(_))
        ));
        assert!(covers(&["*".into()], "wjj"));
        assert!(covers(&["scjg".into()], "scjg") && !covers(&["scjg".into()], "wjj"));
    }
}
