//! The written notices of a case (办件文书): what the bureau hands the applicant
//! at each decisive step — the receipt of a submission (受理回执), the notice of
//! acceptance (受理通知书), the one-time notice of corrections (补正告知书), the
//! notice of refusal at intake (不予受理通知书), the decision to deny
//! (不予许可决定书) — and the inspector's record of a site inspection (踏勘记录).
//!
//! Everything here is pure: the wording of each document as a function of the
//! case, its item and the step, the checks of an inspection record, and the
//! query code (查询码) of a case from a random source given in. Sealing and
//! printing are the certificate crate's; storing is the store's.

use chrono::NaiveDate;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::case::{Action, Case, MaterialRef};
use crate::catalogue::Item;
use crate::error::FieldProblem;
use crate::text::{Lines, forbidden};

/// The kinds of document a case produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 受理回执: every submission, printed at the window.
    Receipt,
    /// 受理通知书: the case is accepted.
    Acceptance,
    /// 补正告知书: corrections asked for, once and completely.
    Correction,
    /// 不予受理通知书: refused at intake.
    NotAccepted,
    /// 不予许可决定书: denied by the approver.
    Denial,
    /// 踏勘记录: the inspector's record of the site inspection.
    Inspection,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::Receipt,
        DocumentKind::Acceptance,
        DocumentKind::Correction,
        DocumentKind::NotAccepted,
        DocumentKind::Denial,
        DocumentKind::Inspection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "receipt",
            DocumentKind::Acceptance => "acceptance",
            DocumentKind::Correction => "correction",
            DocumentKind::NotAccepted => "not_accepted",
            DocumentKind::Denial => "denial",
            DocumentKind::Inspection => "inspection",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The document's title, as printed.
    pub fn label_zh(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "受理回执",
            DocumentKind::Acceptance => "受理通知书",
            DocumentKind::Correction => "补正告知书",
            DocumentKind::NotAccepted => "不予受理通知书",
            DocumentKind::Denial => "不予许可决定书",
            DocumentKind::Inspection => "踏勘记录",
        }
    }

    /// The suffix of the document's number after the case number.
    pub fn suffix(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "HZ",
            DocumentKind::Acceptance => "SL",
            DocumentKind::Correction => "BZ",
            DocumentKind::NotAccepted => "BSL",
            DocumentKind::Denial => "BXK",
            DocumentKind::Inspection => "TK",
        }
    }

    /// The document an action on a case produces, if any.
    pub fn of_action(action: Action) -> Option<DocumentKind> {
        match action {
            Action::Accept => Some(DocumentKind::Acceptance),
            Action::RequestCorrection => Some(DocumentKind::Correction),
            Action::NotAccept => Some(DocumentKind::NotAccepted),
            Action::Deny => Some(DocumentKind::Denial),
            _ => None,
        }
    }
}

/// The number of a case's `n`-th document of `kind` (from 1): the case number,
/// the kind's suffix and a two-digit count, e.g. `510107-20261122-000123-BZ01`.
pub fn document_number(case_number: &str, kind: DocumentKind, n: usize) -> String {
    format!("{case_number}-{}{n:02}", kind.suffix())
}

/// One block of a document's body, printed in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    /// A paragraph, indented two characters.
    Text(String),
    /// A `label：value` row.
    Field(String, String),
    /// A heading and numbered items under it.
    List(String, Vec<String>),
}

/// The content of a document: what is sealed and printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentContent {
    pub kind: DocumentKind,
    pub number: String,
    pub title: String,
    pub case_number: String,
    /// Whom the document is addressed to (the applicant), printed `某某：`.
    pub recipient: String,
    pub body: Vec<Block>,
    /// The issuing authority, printed above the date under the seal.
    pub issuer: String,
    pub issued_on: NaiveDate,
}

/// The facts of the bureau and of the moment a document is written.
#[derive(Debug, Clone)]
pub struct Letterhead<'a> {
    pub issuer: &'a str,
    /// Where the applicant may apply for reconsideration (行政复议机关).
    pub reconsideration_body: &'a str,
    pub today: NaiveDate,
    /// The case's committed deadline as a date, if it has one.
    pub deadline: Option<NaiveDate>,
    /// The day the case was submitted.
    pub submitted_on: NaiveDate,
}

/// A date as printed: `2026年11月22日`.
pub fn date_zh(date: NaiveDate) -> String {
    date.format("%Y年%-m月%-d日").to_string()
}

fn base(case: &Case, kind: DocumentKind, n: usize, head: &Letterhead<'_>) -> DocumentContent {
    DocumentContent {
        kind,
        number: document_number(&case.number, kind, n),
        title: kind.label_zh().to_string(),
        case_number: case.number.clone(),
        recipient: case.applicant.name.clone(),
        body: Vec::new(),
        issuer: head.issuer.to_string(),
        issued_on: head.today,
    }
}

fn field(label: &str, value: impl Into<String>) -> Block {
    Block::Field(label.to_string(), value.into())
}

/// What was received of each material the item asks for.
fn materials_received(case: &Case, item: &Item) -> Vec<String> {
    item.materials
        .iter()
        .map(|m| {
            let how = match case.materials.get(&m.code) {
                Some(MaterialRef::File { name, .. }) => format!("电子材料（{name}）"),
                Some(MaterialRef::Files { files }) => format!(
                    "电子材料 {} 个文件（{}）",
                    files.len(),
                    files
                        .iter()
                        .map(|f| f.name.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                Some(MaterialRef::Licence { type_name, id }) => {
                    format!("证照复用，免提交（{type_name} {id}）")
                }
                None => format!("纸质材料 {} 份，窗口核收", m.copies),
            };
            format!("{}：{how}", m.name)
        })
        .collect()
}

/// The lines of an opinion, one item each; blank lines and list markers
/// (`1.`, `1、`, `（1）`, `-`) the writer typed are dropped.
pub fn opinion_items(opinion: &str) -> Vec<String> {
    opinion
        .lines()
        .map(|l| {
            let l = l.trim();
            let unnumbered = l
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start_matches(['.', '、', '．', ')', '）']);
            let l = if unnumbered.len() < l.len() && l.starts_with(|c: char| c.is_ascii_digit()) {
                unnumbered
            } else {
                l
            };
            let l = l.strip_prefix(['-', '•', '·']).unwrap_or(l);
            let l = match l.strip_prefix('（') {
                Some(rest) => rest
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .strip_prefix('）')
                    .unwrap_or(l),
                None => l,
            };
            l.trim().to_string()
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// The statement of remedies (救济途径) closing a refusal.
pub fn remedies(reconsideration_body: &str) -> String {
    format!(
        "如不服本决定，可以自收到本决定书之日起六十日内向{reconsideration_body}申请行政复议，\
         或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
    )
}

/// 受理回执: number, item, materials received, query code, date.
pub fn receipt(
    case: &Case,
    item: &Item,
    query_code: &str,
    n: usize,
    head: &Letterhead<'_>,
) -> DocumentContent {
    let mut doc = base(case, DocumentKind::Receipt, n, head);
    doc.body = vec![
        Block::Text(format!(
            "您申请办理的「{}」事项，本局已收到申请材料，现出具回执。",
            item.name
        )),
        field("办件编号", &case.number),
        field("申请事项", &item.name),
        field("申请人", &case.applicant.name),
        field("收件日期", date_zh(head.today)),
        field("办理渠道", case.channel.label_zh()),
        field("查询码", query_code),
        Block::List("收到材料".into(), materials_received(case, item)),
        Block::Text(
            "请妥善保管本回执及查询码，凭办件编号和查询码可查询办理进度。本回执仅证明收到申请材料，\
             是否受理以受理通知书或不予受理通知书为准。"
                .into(),
        ),
    ];
    doc
}

/// 受理通知书: the case is accepted; the committed deadline and the query code.
pub fn acceptance(
    case: &Case,
    item: &Item,
    query_code: &str,
    n: usize,
    head: &Letterhead<'_>,
) -> DocumentContent {
    let mut doc = base(case, DocumentKind::Acceptance, n, head);
    let deadline = head.deadline.map_or_else(
        || format!("{}内", item.committed_limit),
        |d| format!("{}前（承诺时限{}）", date_zh(d), item.committed_limit),
    );
    doc.body = vec![
        Block::Text(format!(
            "您于{}提出的「{}」申请，经审查，申请材料齐全、符合法定形式，根据《中华人民共和国行政许可法》第三十二条的规定，本局决定予以受理。",
            date_zh(head.submitted_on),
            item.name
        )),
        field("办件编号", &case.number),
        field("申请事项", &item.name),
        field("申请人", &case.applicant.name),
        field("受理日期", date_zh(head.today)),
        field("承诺办结", deadline),
        field("查询码", query_code),
        Block::Text(
            "本局将在承诺时限内作出决定；依法需要补正、现场踏勘、听证、检验检测或专家评审的，\
             所需时间不计算在内。凭办件编号和查询码可查询办理进度。"
                .into(),
        ),
    ];
    doc
}

/// 补正告知书: everything to correct, told once, and the stopped clock.
pub fn correction(
    case: &Case,
    item: &Item,
    opinion: &str,
    n: usize,
    head: &Letterhead<'_>,
) -> DocumentContent {
    let mut doc = base(case, DocumentKind::Correction, n, head);
    doc.body = vec![
        Block::Text(format!(
            "您申请办理的「{}」事项（办件编号 {}），经审查，申请材料不齐全或者不符合法定形式。\
             根据《中华人民共和国行政许可法》第三十二条的规定，现一次性告知您需要补正的全部内容如下：",
            item.name, case.number
        )),
        Block::List("需补正的内容".into(), opinion_items(opinion)),
        Block::Text(
            "请按上述要求一次补正全部内容后重新提交。自本告知书送达之日起至您提交全部补正材料之日止，\
             办理时限暂停计算；补正材料提交后，时限继续计算。"
                .into(),
        ),
        field("告知日期", date_zh(head.today)),
    ];
    doc
}

fn refusal(
    case: &Case,
    item: &Item,
    kind: DocumentKind,
    opinion: &str,
    n: usize,
    head: &Letterhead<'_>,
) -> DocumentContent {
    let mut doc = base(case, kind, n, head);
    let (what, article) = match kind {
        DocumentKind::Denial => (
            "经审查，本局决定不予行政许可",
            "《中华人民共和国行政许可法》第三十八条第二款",
        ),
        _ => (
            "经审查，本局决定不予受理",
            "《中华人民共和国行政许可法》第三十二条第一款",
        ),
    };
    doc.body = vec![
        Block::Text(format!(
            "您于{}提出的「{}」申请（办件编号 {}），{}，理由如下：",
            date_zh(head.submitted_on),
            item.name,
            case.number,
            what
        )),
        Block::Text(opinion.trim().to_string()),
        Block::Text(format!("依据：{article}。")),
    ];
    if !item.legal_basis.trim().is_empty() {
        doc.body
            .push(field("事项设定依据", item.legal_basis.trim()));
    }
    doc.body
        .push(Block::Text(remedies(head.reconsideration_body)));
    doc
}

/// 不予受理通知书: the reason, the legal basis and the remedies.
pub fn not_accepted(
    case: &Case,
    item: &Item,
    opinion: &str,
    n: usize,
    head: &Letterhead<'_>,
) -> DocumentContent {
    refusal(case, item, DocumentKind::NotAccepted, opinion, n, head)
}

/// 不予许可决定书: the reason, the legal basis and the remedies.
pub fn denial(
    case: &Case,
    item: &Item,
    opinion: &str,
    n: usize,
    head: &Letterhead<'_>,
) -> DocumentContent {
    refusal(case, item, DocumentKind::Denial, opinion, n, head)
}

/// The conclusion of a site inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// 符合
    Conforms,
    /// 不符合
    DoesNotConform,
    /// 整改后符合
    ConformsAfterRectification,
}

impl Conclusion {
    pub const ALL: [Conclusion; 3] = [
        Conclusion::Conforms,
        Conclusion::DoesNotConform,
        Conclusion::ConformsAfterRectification,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Conforms => "conforms",
            Conclusion::DoesNotConform => "does_not_conform",
            Conclusion::ConformsAfterRectification => "conforms_after_rectification",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Conclusion::Conforms => "符合",
            Conclusion::DoesNotConform => "不符合",
            Conclusion::ConformsAfterRectification => "整改后符合",
        }
    }

    /// By its name or its Chinese label.
    pub fn parse(s: &str) -> Option<Conclusion> {
        let s = s.trim();
        Conclusion::ALL
            .into_iter()
            .find(|c| c.as_str() == s || c.label_zh() == s)
    }
}

/// An inspection record as typed: every part as text, checked by
/// [`check_inspection`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InspectionInput {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub place: String,
    /// Persons present, as typed (names separated by commas or lines).
    pub present: String,
    pub findings: String,
    /// `conforms`, `does_not_conform`, `conforms_after_rectification` or the
    /// Chinese label.
    pub conclusion: String,
    /// SM3 hashes of photos in the inspector's materials library.
    #[serde(default)]
    pub photos: Vec<String>,
}

/// A photo of an inspection, by the hash of its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    pub hash: String,
    pub name: String,
}

/// A checked inspection record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionRecord {
    pub date: NaiveDate,
    pub place: String,
    pub present: Vec<String>,
    pub findings: String,
    pub conclusion: Conclusion,
    pub photos: Vec<Photo>,
}

/// Most photos one inspection record may list.
pub const MAX_PHOTOS: usize = 20;
const MAX_SHORT: usize = 200;
const MAX_FINDINGS: usize = 2000;

/// Checks an inspection record: a date not in the future nor before the case
/// was submitted, a place and persons present, findings whenever the conclusion
/// is not 符合, at most [`MAX_PHOTOS`] photos given by content hash. Every
/// problem is reported, each naming its field in Chinese. Photo names are the
/// caller's to fill in (from the materials library); here they are empty.
pub fn check_inspection(
    input: &InspectionInput,
    submitted_on: NaiveDate,
    today: NaiveDate,
) -> Result<InspectionRecord, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut bad = |field: &str, message: String| {
        problems.push(FieldProblem {
            field: field.to_string(),
            message,
        })
    };
    let date = match NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d") {
        Ok(d) if d > today => {
            bad("踏勘日期", format!("不能晚于今天（{}）", date_zh(today)));
            None
        }
        Ok(d) if d < submitted_on => {
            bad(
                "踏勘日期",
                format!("不能早于申请提交日（{}）", date_zh(submitted_on)),
            );
            None
        }
        Ok(d) => Some(d),
        Err(_) if input.date.trim().is_empty() => {
            bad("踏勘日期", "请填写踏勘日期".into());
            None
        }
        Err(_) => {
            bad("踏勘日期", "日期格式应为 年-月-日，例如 2026-11-22".into());
            None
        }
    };
    let mut text = |field: &str, value: &str, required: bool, max: usize, lines: Lines| {
        let value = value.trim();
        if value.is_empty() {
            if required {
                bad(field, format!("请填写{field}"));
            }
        } else if value.chars().count() > max {
            bad(field, format!("不能超过 {max} 字"));
        } else if let Some(reason) = forbidden(value, lines) {
            bad(field, reason);
        }
        value.to_string()
    };
    let place = text("踏勘地点", &input.place, true, MAX_SHORT, Lines::One);
    let present = text("在场人员", &input.present, true, MAX_SHORT, Lines::Many);
    let conclusion = Conclusion::parse(&input.conclusion);
    let findings_required = conclusion != Some(Conclusion::Conforms);
    let findings = text(
        "踏勘情况",
        &input.findings,
        findings_required && conclusion.is_some(),
        MAX_FINDINGS,
        Lines::Many,
    );
    if conclusion.is_none() {
        bad(
            "踏勘结论",
            if input.conclusion.trim().is_empty() {
                "请选择踏勘结论（符合、不符合或整改后符合）".into()
            } else {
                "只能是符合、不符合或整改后符合".into()
            },
        );
    }
    let mut photos: Vec<Photo> = Vec::new();
    if input.photos.len() > MAX_PHOTOS {
        bad("现场照片", format!("最多 {MAX_PHOTOS} 张"));
    }
    for hash in &input.photos {
        let hash = hash.trim().to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            bad(
                "现场照片",
                "须为上传后得到的文件编号（64 位十六进制）".into(),
            );
            break;
        }
        if !photos.iter().any(|p| p.hash == hash) {
            photos.push(Photo {
                hash,
                name: String::new(),
            });
        }
    }
    let present: Vec<String> = present
        .split(['\n', '，', ',', '、', '；', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    match (date, conclusion) {
        (Some(date), Some(conclusion)) if problems.is_empty() => Ok(InspectionRecord {
            date,
            place,
            present,
            findings,
            conclusion,
            photos,
        }),
        _ => Err(problems),
    }
}

/// 踏勘记录: the checked record of the inspector's visit. The inspector is not
/// named: the applicant may read the record, and never learns who handles
/// their case (双盲); the store keeps who wrote it.
pub fn inspection(
    case: &Case,
    item: &Item,
    record: &InspectionRecord,
    n: usize,
    head: &Letterhead<'_>,
) -> DocumentContent {
    let mut doc = base(case, DocumentKind::Inspection, n, head);
    // A record, not a letter: addressed to nobody.
    doc.recipient = String::new();
    doc.body = vec![
        field("办件编号", &case.number),
        field("申请事项", &item.name),
        field("申请人", &case.applicant.name),
        field("踏勘日期", date_zh(record.date)),
        field("踏勘地点", &record.place),
        field("踏勘单位", head.issuer),
        field("在场人员", record.present.join("、")),
        field(
            "踏勘情况",
            if record.findings.is_empty() {
                "经现场核查，现场情况与申请材料一致。".to_string()
            } else {
                record.findings.clone()
            },
        ),
        field("踏勘结论", record.conclusion.label_zh()),
    ];
    if !record.photos.is_empty() {
        doc.body.push(Block::List(
            "现场照片".into(),
            record
                .photos
                .iter()
                .map(|p| format!("{}（文件编号 {}）", p.name, &p.hash[..16.min(p.hash.len())]))
                .collect(),
        ));
    }
    doc
}

/// The letters of a query code: no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V.
pub const QUERY_CODE_ALPHABET: &[u8] = b"34679ACDEFGHJKMNPQRTWXY";

/// Length of a query code.
pub const QUERY_CODE_LEN: usize = 8;

/// A new query code (查询码) for a case: 8 letters of [`QUERY_CODE_ALPHABET`].
pub fn new_query_code(rng: &mut impl Rng) -> String {
    (0..QUERY_CODE_LEN)
        .map(|_| char::from(QUERY_CODE_ALPHABET[rng.random_range(0..QUERY_CODE_ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests;
