//! 一次性告知补正 (行政许可法 第三十二条): a correction request names, item by
//! item, every material that is missing or wrong and every form field to change,
//! once per stage; the resubmission may change exactly those and nothing else.
//!
//! Guarantees: a request names at least one material or field of the item, each
//! once, with a printable reason; a stage that already asked once cannot ask
//! again unless a supervisor allowed it with a recorded reason; a resubmission
//! gives every named material anew, changes every named field, touches nothing
//! else, and leaves a form that passes the item's checks.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Case, MaterialRef, Stage, UserId, validate_form};
use crate::calendar::Calendar;
use crate::catalogue::Item;
use crate::error::{DomainError, FieldProblem};
use crate::text::{self, Lines};

/// Longest reason given for one item of a request, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// A request made later than this many working days after submission is
/// flagged to the supervisors (the law's five days).
pub const LATE_AFTER_WORKING_DAYS: u32 = 5;

/// What is wrong with a material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Defect {
    /// 缺少: not given at all.
    Missing,
    /// 不清晰: unreadable scan or photo.
    Unclear,
    /// 已过期: out of its validity.
    Expired,
    /// 与要求不符: not what the guide asks for (wrong document, unsigned…).
    Mismatch,
}

impl Defect {
    pub const ALL: [Defect; 4] = [
        Defect::Missing,
        Defect::Unclear,
        Defect::Expired,
        Defect::Mismatch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Defect::Missing => "missing",
            Defect::Unclear => "unclear",
            Defect::Expired => "expired",
            Defect::Mismatch => "mismatch",
        }
    }

    pub fn parse(s: &str) -> Option<Defect> {
        Defect::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Defect::Missing => "缺少",
            Defect::Unclear => "不清晰",
            Defect::Expired => "已过期",
            Defect::Mismatch => "与要求不符",
        }
    }
}

/// One material a request names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialDefect {
    /// The material's code in the item.
    pub code: String,
    pub defect: Defect,
    /// What exactly to give (optional: the defect may say enough).
    #[serde(default)]
    pub reason: String,
}

/// One form field a request names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDefect {
    /// The field's key in the item's form.
    pub key: String,
    /// What is wrong with the value (required).
    pub reason: String,
}

/// What staff name in a correction request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionList {
    #[serde(default)]
    pub materials: Vec<MaterialDefect>,
    #[serde(default)]
    pub fields: Vec<FieldDefect>,
}

/// A correction request as the case keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionRequest {
    /// The stage that asked, to which the resubmission returns.
    pub stage: Stage,
    pub requested_at: DateTime<Utc>,
    /// Who asked (not shown to the applicant: 双盲).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<UserId>,
    #[serde(flatten)]
    pub list: CorrectionList,
    /// Made later than [`LATE_AFTER_WORKING_DAYS`] working days after submission.
    #[serde(default)]
    pub late: bool,
}

/// A supervisor's permission for a second request at a stage that already asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowance {
    pub stage: Stage,
    pub by: UserId,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// What an applicant gives back: the changed fields and the new materials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resubmission {
    /// The new values of the fields the request named.
    pub form: serde_json::Map<String, serde_json::Value>,
    /// The materials the request named, given anew (already checked as the
    /// applicant's own files or licences).
    pub materials: BTreeMap<String, MaterialRef>,
    /// The bureau's local date, which date-bound checks use.
    pub today: NaiveDate,
}

/// The particulars of a command beyond action, opinion and version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Detail {
    #[default]
    None,
    /// With `request_correction`: what to correct, and whether the request is late.
    Correction { list: CorrectionList, late: bool },
    /// With `resubmit`.
    Resubmission(Resubmission),
}

/// Whether a request made at `now` comes later than the law's five working days
/// after the submission.
pub fn is_late(calendar: &Calendar, submitted_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    calendar.add_working_days(submitted_at, LATE_AFTER_WORKING_DAYS) < now
}

fn problem(field: String, message: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field,
        message: message.into(),
    }
}

fn check_reason(
    reason: &str,
    field: &str,
    required: bool,
    out: &mut Vec<FieldProblem>,
) -> Option<String> {
    let reason = reason.trim();
    if reason.is_empty() {
        if required {
            out.push(problem(field.into(), "须写明需如何补正"));
        }
        return Some(String::new());
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        out.push(problem(
            field.into(),
            format!("说明过长（最多 {MAX_REASON_CHARS} 字）"),
        ));
        return None;
    }
    if let Some(why) = text::forbidden(reason, Lines::One) {
        out.push(problem(field.into(), format!("说明{why}")));
        return None;
    }
    Some(reason.to_string())
}

impl CorrectionList {
    /// The list checked against the item, reasons trimmed: every entry names a
    /// material or field of the item, once, and the list is not empty.
    pub fn checked(&self, item: &Item) -> Result<CorrectionList, DomainError> {
        let mut problems = Vec::new();
        let mut out = CorrectionList::default();
        let mut seen = BTreeSet::new();
        for (i, m) in self.materials.iter().enumerate() {
            let at = format!("correction.materials.{}", m.code);
            if !item.materials.iter().any(|x| x.code == m.code) {
                problems.push(problem(
                    format!("correction.materials[{i}]"),
                    format!("材料 {} 不是该事项的申请材料", m.code),
                ));
                continue;
            }
            if !seen.insert(("m", m.code.clone())) {
                problems.push(problem(at, "同一材料只能列一次"));
                continue;
            }
            if let Some(reason) = check_reason(&m.reason, &at, false, &mut problems) {
                out.materials.push(MaterialDefect {
                    code: m.code.clone(),
                    defect: m.defect,
                    reason,
                });
            }
        }
        for (i, f) in self.fields.iter().enumerate() {
            let at = format!("correction.fields.{}", f.key);
            if !item.form.iter().any(|x| x.key == f.key) {
                problems.push(problem(
                    format!("correction.fields[{i}]"),
                    format!("{} 不是该事项申请表的栏目", f.key),
                ));
                continue;
            }
            if !seen.insert(("f", f.key.clone())) {
                problems.push(problem(at, "同一栏目只能列一次"));
                continue;
            }
            if let Some(reason) = check_reason(&f.reason, &at, true, &mut problems) {
                out.fields.push(FieldDefect {
                    key: f.key.clone(),
                    reason,
                });
            }
        }
        if problems.is_empty() && out.materials.is_empty() && out.fields.is_empty() {
            problems.push(problem(
                "correction".into(),
                "一次性告知须逐项列明需补正的材料或申请表栏目，至少一项",
            ));
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(DomainError::InvalidCorrection(problems))
        }
    }

    /// The request as the notice and the timeline read it, one line per entry.
    pub fn summary_zh(&self, item: &Item) -> String {
        let mut lines = Vec::new();
        for m in &self.materials {
            let name = item
                .materials
                .iter()
                .find(|x| x.code == m.code)
                .map_or(m.code.as_str(), |x| x.name.as_str());
            let mut line = format!("{}. 材料「{name}」{}", lines.len() + 1, m.defect.label_zh());
            if !m.reason.is_empty() {
                line.push('：');
                line.push_str(&m.reason);
            }
            lines.push(line);
        }
        for f in &self.fields {
            let label = item
                .form
                .iter()
                .find(|x| x.key == f.key)
                .map_or(f.key.as_str(), |x| x.label.as_str());
            lines.push(format!(
                "{}. 申请表「{label}」须修改：{}",
                lines.len() + 1,
                f.reason
            ));
        }
        lines.join("\n")
    }
}

/// Whether `stage` of `case` may ask for a correction now: once per stage,
/// again only with a supervisor's allowance for that stage.
pub fn may_request(case: &Case, stage: Stage) -> Result<(), DomainError> {
    let asked = case.corrected_stages.contains(&stage);
    let allowed = case
        .correction_allowance
        .as_ref()
        .is_some_and(|a| a.stage == stage);
    if asked && !allowed {
        return Err(DomainError::CorrectionAlreadyRequested(stage));
    }
    Ok(())
}

/// A case's form and materials after a resubmission.
pub type Corrected = (
    serde_json::Map<String, serde_json::Value>,
    BTreeMap<String, MaterialRef>,
);

/// The case's form and materials after a resubmission, or every problem with it.
pub fn apply_resubmission(
    case: &Case,
    item: &Item,
    given: &Resubmission,
) -> Result<Corrected, DomainError> {
    let Some(request) = &case.correction else {
        // A case put in correction before requests were itemised resubmits as it is.
        if given.form.is_empty() && given.materials.is_empty() {
            return Ok((case.form.clone(), case.materials.clone()));
        }
        return Err(DomainError::InvalidResubmission(vec![problem(
            "correction".into(),
            "办件没有待答复的补正告知",
        )]));
    };
    let mut problems = Vec::new();
    let named_fields: BTreeSet<&str> = request.list.fields.iter().map(|f| f.key.as_str()).collect();
    let named_materials: BTreeSet<&str> = request
        .list
        .materials
        .iter()
        .map(|m| m.code.as_str())
        .collect();
    for key in given.form.keys() {
        if !named_fields.contains(key.as_str()) {
            problems.push(problem(
                format!("form.{key}"),
                "该栏目不在补正告知之列，不能修改",
            ));
        }
    }
    for code in given.materials.keys() {
        if !named_materials.contains(code.as_str()) {
            problems.push(problem(
                format!("materials.{code}"),
                "该材料不在补正告知之列，无需提交",
            ));
        }
    }
    for f in &request.list.fields {
        match given.form.get(&f.key) {
            None => problems.push(problem(format!("form.{}", f.key), "须按补正告知修改此栏")),
            Some(v) if case.form.get(&f.key) == Some(v) => problems.push(problem(
                format!("form.{}", f.key),
                "与原填写相同，请按补正告知修改",
            )),
            Some(_) => {}
        }
    }
    for m in &request.list.materials {
        match (given.materials.get(&m.code), case.materials.get(&m.code)) {
            (None, _) => problems.push(problem(
                format!("materials.{}", m.code),
                format!("须补正此材料（{}）", m.defect.label_zh()),
            )),
            (Some(new), Some(old)) if new == old => problems.push(problem(
                format!("materials.{}", m.code),
                "仍是原来的材料，请上传或引用新的材料",
            )),
            _ => {}
        }
    }
    if !problems.is_empty() {
        return Err(DomainError::InvalidResubmission(problems));
    }
    let mut form = case.form.clone();
    for (k, v) in &given.form {
        if v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()) {
            form.remove(k);
        } else {
            form.insert(k.clone(), v.clone());
        }
    }
    let form_problems = validate_form(item, &form, given.today);
    if !form_problems.is_empty() {
        return Err(DomainError::InvalidForm(form_problems));
    }
    let mut materials = case.materials.clone();
    for (code, r) in &given.materials {
        materials.insert(code.clone(), r.clone());
    }
    Ok((form, materials))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::CaseStatus;
    use crate::case::tests::case_in;
    use crate::catalogue::tests::sample_item;

    fn list(materials: &[(&str, Defect, &str)], fields: &[(&str, &str)]) -> CorrectionList {
        CorrectionList {
            materials: materials
                .iter()
                .map(|(c, d, r)| MaterialDefect {
                    code: (*c).into(),
                    defect: *d,
                    reason: (*r).into(),
                })
                .collect(),
            fields: fields
                .iter()
                .map(|(k, r)| FieldDefect {
                    key: (*k).into(),
                    reason: (*r).into(),
                })
                .collect(),
        }
    }

    fn problems(e: DomainError) -> Vec<String> {
        match e {
            DomainError::InvalidCorrection(p)
            | DomainError::InvalidResubmission(p)
            | DomainError::InvalidForm(p) => p.into_iter().map(|p| p.field).collect(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_list_names_only_the_items_materials_and_fields_once_each() {
        let item = sample_item(true);
        let material = item.materials[0].code.clone();
        let field = item.form[0].key.clone();
        let ok = list(
            &[(&material, Defect::Unclear, " 重新扫描 ")],
            &[(&field, "名称有误")],
        )
        .checked(&item)
        .unwrap();
        assert_eq!(ok.materials[0].reason, "重新扫描");
        let bad = list(
            &[
                ("NOPE", Defect::Missing, ""),
                (&material, Defect::Missing, ""),
                (&material, Defect::Expired, ""),
            ],
            &[(&field, ""), ("nope", "x")],
        )
        .checked(&item)
        .unwrap_err();
        assert_eq!(
            problems(bad),
            vec![
                "correction.materials[0]".to_string(),
                format!("correction.materials.{material}"),
                format!("correction.fields.{field}"),
                "correction.fields[1]".to_string(),
            ]
        );
        assert_eq!(
            problems(CorrectionList::default().checked(&item).unwrap_err()),
            vec!["correction".to_string()]
        );
        let long = "长".repeat(MAX_REASON_CHARS + 1);
        assert!(list(&[], &[(&field, &long)]).checked(&item).is_err());
    }

    #[test]
    fn the_summary_reads_item_by_item_in_chinese() {
        let item = sample_item(true);
        let m = &item.materials[0];
        let f = &item.form[0];
        let s = list(
            &[(&m.code, Defect::Expired, "")],
            &[(&f.key, "与营业执照不一致")],
        )
        .summary_zh(&item);
        assert_eq!(
            s,
            format!(
                "1. 材料「{}」已过期\n2. 申请表「{}」须修改：与营业执照不一致",
                m.name, f.label
            )
        );
    }

    #[test]
    fn once_per_stage_unless_a_supervisor_allowed_another() {
        let mut case = case_in(CaseStatus::Intake);
        assert!(may_request(&case, Stage::Intake).is_ok());
        case.corrected_stages.push(Stage::Intake);
        assert_eq!(
            may_request(&case, Stage::Intake),
            Err(DomainError::CorrectionAlreadyRequested(Stage::Intake))
        );
        assert!(may_request(&case, Stage::Review).is_ok());
        case.correction_allowance = Some(Allowance {
            stage: Stage::Intake,
            by: 9,
            at: case.submitted_at,
            reason: "申请人补交材料出现新问题".into(),
        });
        assert!(may_request(&case, Stage::Intake).is_ok());
    }

    fn in_correction(item: &Item) -> Case {
        let mut case = case_in(CaseStatus::Correction);
        case.correction_return = Some(Stage::Intake);
        case.form.insert(item.form[0].key.clone(), "旧名称".into());
        case.materials.insert(
            item.materials[0].code.clone(),
            MaterialRef::File {
                hash: "a".repeat(64),
                name: "旧.pdf".into(),
            },
        );
        case.correction = Some(CorrectionRequest {
            stage: Stage::Intake,
            requested_at: case.submitted_at,
            requested_by: Some(5),
            list: list(
                &[(&item.materials[0].code, Defect::Unclear, "")],
                &[(&item.form[0].key, "名称有误")],
            ),
            late: false,
        });
        case
    }

    fn new_file() -> MaterialRef {
        MaterialRef::File {
            hash: "b".repeat(64),
            name: "新.pdf".into(),
        }
    }

    #[test]
    fn a_resubmission_changes_exactly_what_was_named() {
        let item = sample_item(true);
        let case = in_correction(&item);
        let (m, f) = (item.materials[0].code.clone(), item.form[0].key.clone());
        let mut given = Resubmission {
            today: case.submitted_at.date_naive(),
            ..Default::default()
        };
        given.form.insert(f.clone(), "新名称小酒馆".into());
        given.materials.insert(m.clone(), new_file());
        let (form, materials) = apply_resubmission(&case, &item, &given).unwrap();
        assert_eq!(form[&f], "新名称小酒馆");
        assert_eq!(materials[&m], new_file());

        // Nothing given: both named items are asked for.
        let empty = Resubmission {
            today: given.today,
            ..Default::default()
        };
        assert_eq!(
            problems(apply_resubmission(&case, &item, &empty).unwrap_err()),
            vec![format!("form.{f}"), format!("materials.{m}")]
        );
        // The same value and the same file again are not a correction.
        let mut same = given.clone();
        same.form.insert(f.clone(), case.form[&f].clone());
        same.materials.insert(m.clone(), case.materials[&m].clone());
        assert_eq!(
            problems(apply_resubmission(&case, &item, &same).unwrap_err()).len(),
            2
        );
        // Anything not named is refused.
        let mut more = given.clone();
        more.form.insert("other".into(), "x".into());
        more.materials.insert("M99".into(), new_file());
        assert_eq!(
            problems(apply_resubmission(&case, &item, &more).unwrap_err()),
            vec!["form.other".to_string(), "materials.M99".to_string()]
        );
        // Without an open request there is nothing to answer.
        let mut plain = case.clone();
        plain.correction = None;
        assert!(apply_resubmission(&plain, &item, &given).is_err());
    }
}
