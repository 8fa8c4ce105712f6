//! The catalogue (事项库): departments, items with their stage plans, limits,
//! materials and forms, and themes that bundle items.
//!
//! A [`Catalogue`] is what an operator imports from YAML or JSON. It is validated
//! whole before anything is stored: [`Catalogue::validate`] returns every problem,
//! each naming the entry and what is wrong, so a bad file is refused entire.
//! Items are versioned by the store; a case pins the version it was filed under.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::case::{ApplicantKind, Stage};

/// A department whose permits the bureau handles (e.g. 市场监督管理局).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub code: String,
    pub name: String,
}

/// The legal category of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// 行政许可
    Licensing,
    /// 行政确认
    Confirmation,
    /// 其他行政权力
    OtherPower,
    /// 公共服务
    PublicService,
}

impl ItemKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            ItemKind::Licensing => "行政许可",
            ItemKind::Confirmation => "行政确认",
            ItemKind::OtherPower => "其他行政权力",
            ItemKind::PublicService => "公共服务",
        }
    }
}

/// A time limit, in working days or working hours of the bureau's calendar.
/// Serialised as `{days: 5}` or `{hours: 3}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TimeLimitRepr", into = "TimeLimitRepr")]
pub enum TimeLimit {
    Days(u32),
    Hours(u32),
}

/// The file form of a limit: exactly one of `days` and `hours`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimeLimitRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hours: Option<u32>,
}

impl TryFrom<TimeLimitRepr> for TimeLimit {
    type Error = String;

    fn try_from(r: TimeLimitRepr) -> Result<Self, String> {
        match (r.days, r.hours) {
            (Some(d), None) => Ok(TimeLimit::Days(d)),
            (None, Some(h)) => Ok(TimeLimit::Hours(h)),
            _ => Err("a time limit is either {days: N} or {hours: N}".into()),
        }
    }
}

impl From<TimeLimit> for TimeLimitRepr {
    fn from(t: TimeLimit) -> Self {
        match t {
            TimeLimit::Days(d) => TimeLimitRepr {
                days: Some(d),
                hours: None,
            },
            TimeLimit::Hours(h) => TimeLimitRepr {
                days: None,
                hours: Some(h),
            },
        }
    }
}

impl TimeLimit {
    /// Rough size in working hours (8-hour days), for comparing limits.
    pub fn approx_hours(self) -> u32 {
        match self {
            TimeLimit::Days(d) => d.saturating_mul(8),
            TimeLimit::Hours(h) => h,
        }
    }

    /// When a limit starting at `start` falls due by `calendar` (the start day is
    /// not counted for day limits; hour limits count office minutes only).
    pub fn due_from(
        self,
        calendar: &crate::calendar::Calendar,
        start: chrono::DateTime<chrono::Utc>,
    ) -> chrono::DateTime<chrono::Utc> {
        match self {
            TimeLimit::Days(d) => calendar.add_working_days(start, d),
            TimeLimit::Hours(h) => calendar.add_working_hours(start, h),
        }
    }

    pub fn is_zero(self) -> bool {
        matches!(self, TimeLimit::Days(0) | TimeLimit::Hours(0))
    }
}

impl std::fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeLimit::Days(d) => write!(f, "{d} 个工作日"),
            TimeLimit::Hours(h) => write!(f, "{h} 个工作小时"),
        }
    }
}

/// One stage of an item's plan with its own limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagePlanEntry {
    pub stage: Stage,
    pub limit: TimeLimit,
    /// Whether the clock stops during this stage (e.g. site inspection or expert
    /// review, 行政许可法 Art. 45). Defaults to false.
    #[serde(default)]
    pub clock_stops: bool,
}

/// Whether a material is always needed or only in some situations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    Required,
    Conditional,
}

/// The form in which a material is submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialForm {
    /// 原件
    Original,
    /// 复印件
    Copy,
    /// 电子文件
    Electronic,
}

/// A material (申请材料) an item asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Material {
    pub code: String,
    pub name: String,
    pub requirement: Requirement,
    /// When `requirement` is conditional: in which situation it is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    pub form: MaterialForm,
    #[serde(default = "one")]
    pub copies: u32,
    /// Licence types whose valid licence stands in for this material (免提交).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licence_types: Vec<String>,
    /// Notes for the applicant (e.g. 需法定代表人签字).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// 样表: a sample of the filled-in material — an address (`https://…`,
    /// `http://…` or a path of this site starting with `/`) the guide links to,
    /// or a text it shows (填写示例).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
}

impl Material {
    /// The sample as a link the guide may offer, when it is an address.
    pub fn sample_link(&self) -> Option<&str> {
        self.sample.as_deref().map(str::trim).filter(|s| is_link(s))
    }
}

/// Whether a sample is an address rather than a text.
fn is_link(s: &str) -> bool {
    (s.starts_with("https://")
        || s.starts_with("http://")
        || (s.starts_with('/') && !s.starts_with("//")))
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>')
}

fn one() -> u32 {
    1
}

/// The type of a form field; typed fields are checked by the validators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Textarea,
    Number,
    Date,
    Bool,
    Select,
    CitizenId,
    CreditCode,
    Mobile,
    PostalCode,
    Address,
    /// A licence identifier (GB/T 36904), e.g. the licence a renewal continues.
    LicenceId,
}

/// A field of an item's application form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    /// Choices of a `select` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// A machine-review rule (机器看材料): an expression and the message shown when it fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub code: String,
    pub expr: String,
    pub message: String,
}

/// The certificate an item issues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateSpec {
    /// Licence type code (GB/T 36904 licence type), e.g. `11100000MB0143028L001`-style codes
    /// are national; a short local code is accepted.
    pub type_code: String,
    pub name: String,
    /// Validity in years; absent means long-term (长期).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_years: Option<u32>,
    /// The form field printed as the licence's scope (经营范围/许可范围).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_field: Option<String>,
    /// A renewal (延续): the form field (of type `licence_id`) naming the
    /// applicant's licence it continues. The new licence keeps that licence's
    /// scope and data, runs on from its expiry, and replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renews_field: Option<String>,
}

/// An item (事项) as defined in the catalogue, without its stored version number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Implementation code (实施编码).
    pub code: String,
    pub name: String,
    pub kind: ItemKind,
    pub department: String,
    pub legal_basis: String,
    #[serde(default)]
    pub conditions: Vec<String>,
    pub legal_limit: TimeLimit,
    pub committed_limit: TimeLimit,
    /// Fee in fen (分); 0 for free.
    #[serde(default)]
    pub fee_fen: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_note: Option<String>,
    pub stages: Vec<StagePlanEntry>,
    pub materials: Vec<Material>,
    #[serde(default)]
    pub form: Vec<FormField>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub instant: bool,
    /// Offered at the self-service kiosks (自助终端) besides the instant items.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kiosk: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervising_department: Option<String>,
    /// The staff qualification (持证上岗) needed to handle the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification: Option<String>,
    /// Whether staff other than intake see identity numbers masked (双盲).
    #[serde(default)]
    pub mask_identity: bool,
    /// Committed limit for the green channel (绿色通道), when shorter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub green_channel_limit: Option<TimeLimit>,
    /// Who may apply (服务对象): persons (个人办事), organisations (法人办事) or
    /// both; empty means both.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applicant_kinds: Vec<ApplicantKind>,
    /// Words the portal's search also finds the item by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// 办理地点: where the item is handled in person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// 办理时间: when the window is open for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_hours: Option<String>,
    /// 咨询电话
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consult_phone: Option<String>,
    /// 投诉电话
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complaint_phone: Option<String>,
    /// 到现场次数: 0 (全程网办) or 1 (最多跑一次); absent when not stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visits: Option<u8>,
}

impl Item {
    /// Whether an applicant of `kind` may apply (an empty list admits both).
    pub fn admits(&self, kind: ApplicantKind) -> bool {
        self.applicant_kinds.is_empty() || self.applicant_kinds.contains(&kind)
    }
}

/// A theme (主题式服务, 一件事一次办): items applied for together.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub items: Vec<String>,
    /// Items that wait for others: an item's code and the items whose licence
    /// it needs first (the licence is cited in it automatically). Items not
    /// named run in parallel from the start.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub waits_for: BTreeMap<String, Vec<String>>,
    /// What happens to the other items when one is denied.
    #[serde(default)]
    pub on_denial: crate::theme::OnDenial,
    /// 一企一证: one combined licence listing every permit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub combined_licence: Option<crate::theme::CombinedLicence>,
    /// Materials of different names that are one and the same paper, asked once
    /// (materials of the same name are shared anyway).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub same_materials: Vec<Vec<crate::theme::MaterialUse>>,
}

/// A whole catalogue file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    #[serde(default)]
    pub departments: Vec<Department>,
    #[serde(default)]
    pub items: Vec<Item>,
    #[serde(default)]
    pub themes: Vec<Theme>,
}

/// One thing wrong with a catalogue, naming the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueProblem {
    /// e.g. `item 510107-SC-001` or `theme T-BOOKSHOP`.
    pub entry: String,
    pub problem: String,
}

impl std::fmt::Display for CatalogueProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.entry, self.problem)
    }
}

impl Item {
    /// The stages of this item in pipeline order (the plan is validated to be ordered).
    pub fn stage_plan(&self) -> impl Iterator<Item = Stage> + '_ {
        self.stages.iter().map(|s| s.stage)
    }

    pub fn has_stage(&self, stage: Stage) -> bool {
        self.stages.iter().any(|s| s.stage == stage)
    }

    pub fn stage_entry(&self, stage: Stage) -> Option<&StagePlanEntry> {
        self.stages.iter().find(|s| s.stage == stage)
    }

    /// The stage that follows `stage` in this item's plan.
    pub fn next_stage(&self, stage: Stage) -> Option<Stage> {
        self.stage_plan().find(|s| *s > stage)
    }

    /// Every problem with this item on its own (references are checked by the catalogue).
    pub fn problems(&self) -> Vec<CatalogueProblem> {
        let entry = format!("item {}", self.code);
        let mut out = Vec::new();
        let mut bad = |problem: String| {
            out.push(CatalogueProblem {
                entry: entry.clone(),
                problem,
            })
        };
        if !valid_code(&self.code) {
            bad("code must be 1-64 characters of letters, digits, '-' or '_'".into());
        }
        if self.name.trim().is_empty() {
            bad("name is empty".into());
        }
        if self.legal_basis.trim().is_empty() {
            bad("legal_basis is empty".into());
        }
        if self.legal_limit.is_zero() {
            bad("legal_limit must be more than zero".into());
        }
        if self.committed_limit.is_zero() {
            bad("committed_limit must be more than zero".into());
        }
        if self.committed_limit.approx_hours() > self.legal_limit.approx_hours() {
            bad(format!(
                "committed_limit ({}) is longer than legal_limit ({})",
                self.committed_limit, self.legal_limit
            ));
        }
        if let Some(g) = self.green_channel_limit
            && g.approx_hours() > self.committed_limit.approx_hours()
        {
            bad(format!(
                "green_channel_limit ({g}) is longer than committed_limit ({})",
                self.committed_limit
            ));
        }
        // Stage plan: ordered, no repeats, the stages every case needs.
        if self.stages.iter().any(|s| s.stage == Stage::PreReview) {
            bad("stages: pre_review is added by the channel and must not be listed".into());
        }
        for w in self.stages.windows(2) {
            if w[0].stage >= w[1].stage {
                bad(format!(
                    "stages: {} must come before {} and appear once",
                    w[1].stage.as_str(),
                    w[0].stage.as_str()
                ));
            }
        }
        for needed in [Stage::Intake, Stage::Approval, Stage::Issuance] {
            if !self.has_stage(needed) {
                bad(format!(
                    "stages: the plan needs a {} stage",
                    needed.as_str()
                ));
            }
        }
        if self.has_stage(Stage::Production) && self.certificate.is_none() {
            bad("stages: a production stage needs a certificate".into());
        }
        for s in &self.stages {
            if s.limit.is_zero() {
                bad(format!("stages: {} has a zero limit", s.stage.as_str()));
            }
        }
        if self.materials.is_empty() {
            bad("materials: at least one material is needed".into());
        }
        let mut seen = BTreeSet::new();
        for m in &self.materials {
            if !valid_code(&m.code) {
                bad(format!("material '{}': bad code", m.code));
            }
            if !seen.insert(m.code.as_str()) {
                bad(format!("material {}: code appears twice", m.code));
            }
            if m.name.trim().is_empty() {
                bad(format!("material {}: name is empty", m.code));
            }
            if m.requirement == Requirement::Conditional && m.condition.is_none() {
                bad(format!(
                    "material {}: a conditional material needs a condition",
                    m.code
                ));
            }
            if m.copies == 0 {
                bad(format!("material {}: copies must be at least 1", m.code));
            }
            if let Some(sample) = &m.sample {
                let sample = sample.trim();
                let looks_like_address = sample.starts_with("http") || sample.starts_with('/');
                if sample.is_empty() || sample.chars().count() > 500 {
                    bad(format!(
                        "material {}: sample must be 1-500 characters",
                        m.code
                    ));
                } else if looks_like_address && !is_link(sample) {
                    bad(format!(
                        "material {}: sample address must be https://…, http://… or a path starting with '/', without spaces or quotes",
                        m.code
                    ));
                } else if crate::text::forbidden(sample, crate::text::Lines::Many).is_some() {
                    bad(format!(
                        "material {}: sample holds control or invisible characters",
                        m.code
                    ));
                }
            }
        }
        if let Some(v) = self.visits
            && v > 1
        {
            bad(format!(
                "visits must be 0 (全程网办) or 1 (最多跑一次), not {v}"
            ));
        }
        for (name, value) in [
            ("consult_phone", &self.consult_phone),
            ("complaint_phone", &self.complaint_phone),
        ] {
            if let Some(phone) = value
                && !valid_phone(phone)
            {
                bad(format!(
                    "{name} must be 3-40 characters of digits, spaces, '-', '+', '(', ')', '/' or '、'"
                ));
            }
        }
        for (name, value) in [("place", &self.place), ("office_hours", &self.office_hours)] {
            if let Some(text) = value
                && (text.trim().is_empty()
                    || text.chars().count() > 500
                    || crate::text::forbidden(text, crate::text::Lines::Many).is_some())
            {
                bad(format!(
                    "{name} must be 1-500 characters without control characters"
                ));
            }
        }
        let mut kinds = BTreeSet::new();
        for k in &self.applicant_kinds {
            if !kinds.insert(format!("{k:?}")) {
                bad("applicant_kinds: a kind appears twice".into());
            }
        }
        for k in &self.keywords {
            if k.trim().is_empty() || k.chars().count() > 30 {
                bad("keywords: each keyword must be 1-30 characters".into());
            }
        }
        let mut keys = BTreeSet::new();
        for f in &self.form {
            if !valid_key(&f.key) {
                bad(format!(
                    "form field '{}': key must start with a lower-case letter and hold only a-z, 0-9 and '_'",
                    f.key
                ));
            }
            if !keys.insert(f.key.as_str()) {
                bad(format!("form field {}: key appears twice", f.key));
            }
            if f.label.trim().is_empty() {
                bad(format!("form field {}: label is empty", f.key));
            }
            if f.field_type == FieldType::Select && f.options.is_empty() {
                bad(format!("form field {}: a select needs options", f.key));
            }
            if let (Some(lo), Some(hi)) = (f.min, f.max)
                && lo > hi
            {
                bad(format!("form field {}: min is above max", f.key));
            }
        }
        let mut rules = BTreeSet::new();
        for r in &self.rules {
            if !valid_code(&r.code) {
                bad(format!("rule '{}': bad code", r.code));
            }
            if !rules.insert(r.code.as_str()) {
                bad(format!("rule {}: code appears twice", r.code));
            }
            if r.expr.trim().is_empty() {
                bad(format!("rule {}: expression is empty", r.code));
            }
            if r.message.trim().is_empty() {
                bad(format!("rule {}: message is empty", r.code));
            }
        }
        for p in crate::rules::check_item_rules(self) {
            bad(p.to_string());
        }
        if self.instant && self.rules.is_empty() {
            bad("instant: an instant item needs at least one rule".into());
        }
        if let Some(c) = &self.certificate {
            if !valid_code(&c.type_code) {
                bad("certificate: type_code must be letters, digits, '-' or '_'".into());
            }
            if c.name.trim().is_empty() {
                bad("certificate: name is empty".into());
            }
            if let Some(f) = &c.scope_field
                && !self.form.iter().any(|x| &x.key == f)
            {
                bad(format!(
                    "certificate: scope_field '{f}' is not a form field"
                ));
            }
            if let Some(f) = &c.renews_field {
                match self.form.iter().find(|x| &x.key == f) {
                    None => bad(format!(
                        "certificate: renews_field '{f}' is not a form field"
                    )),
                    Some(x) if x.field_type != FieldType::LicenceId || !x.required => bad(format!(
                        "certificate: renews_field '{f}' must be a required field of type licence_id"
                    )),
                    Some(_) => {}
                }
                if c.validity_years.is_none() {
                    bad("certificate: a renewal needs validity_years (a long-term licence is not renewed)".into());
                }
            }
            if c.validity_years == Some(0) {
                bad("certificate: validity_years must be at least 1 (omit it for 长期)".into());
            }
        }
        out
    }
}

/// A telephone number as a guide prints it: digits and the usual separators,
/// several numbers allowed (e.g. `028-85553000、12345`).
fn valid_phone(s: &str) -> bool {
    let s = s.trim();
    (3..=40).contains(&s.chars().count())
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || " -+()/、,".contains(c))
}

fn valid_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn valid_key(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_lowercase())
        && s.len() <= 64
        && cs.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl Catalogue {
    /// Every problem in the catalogue. Items and themes may refer to departments
    /// and items already stored (`known_departments`, `known_items` by code) as
    /// well as to those in this file, which win over stored ones of their code.
    pub fn validate(
        &self,
        known_departments: &BTreeSet<String>,
        known_items: &BTreeMap<String, Item>,
    ) -> Vec<CatalogueProblem> {
        let mut out = Vec::new();
        let mut deps: BTreeSet<String> = known_departments.clone();
        let mut seen_deps = BTreeSet::new();
        for d in &self.departments {
            let entry = format!("department {}", d.code);
            if !valid_code(&d.code) {
                out.push(problem(&entry, "code must be letters, digits, '-' or '_'"));
            }
            if !seen_deps.insert(d.code.clone()) {
                out.push(problem(&entry, "appears twice"));
            }
            if d.name.trim().is_empty() {
                out.push(problem(&entry, "name is empty"));
            }
            deps.insert(d.code.clone());
        }
        let mut items: BTreeSet<String> = known_items.keys().cloned().collect();
        let mut defined = known_items.clone();
        for i in &self.items {
            defined.insert(i.code.clone(), i.clone());
        }
        let mut seen_items = BTreeSet::new();
        for i in &self.items {
            out.extend(i.problems());
            let entry = format!("item {}", i.code);
            if !seen_items.insert(i.code.clone()) {
                out.push(problem(&entry, "appears twice"));
            }
            if !deps.contains(&i.department) {
                out.push(problem(
                    &entry,
                    &format!("department '{}' is not defined", i.department),
                ));
            }
            if let Some(s) = &i.supervising_department
                && !deps.contains(s)
            {
                out.push(problem(
                    &entry,
                    &format!("supervising_department '{s}' is not defined"),
                ));
            }
            items.insert(i.code.clone());
        }
        let mut seen_themes = BTreeSet::new();
        for t in &self.themes {
            let entry = format!("theme {}", t.code);
            if !valid_code(&t.code) {
                out.push(problem(&entry, "code must be letters, digits, '-' or '_'"));
            }
            if !seen_themes.insert(t.code.clone()) {
                out.push(problem(&entry, "appears twice"));
            }
            if t.name.trim().is_empty() {
                out.push(problem(&entry, "name is empty"));
            }
            if t.items.len() < 2 {
                out.push(problem(&entry, "a theme bundles at least two items"));
            }
            let mut once = BTreeSet::new();
            for code in &t.items {
                if !items.contains(code) {
                    out.push(problem(&entry, &format!("item '{code}' is not defined")));
                }
                if !once.insert(code) {
                    out.push(problem(&entry, &format!("item '{code}' appears twice")));
                }
            }
            for p in crate::theme::problems(t, &defined) {
                out.push(problem(&entry, &p));
            }
        }
        out
    }
}

fn problem(entry: &str, what: &str) -> CatalogueProblem {
    CatalogueProblem {
        entry: entry.to_string(),
        problem: what.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample_item(with_inspection: bool) -> Item {
        let mut stages = vec![
            StagePlanEntry {
                stage: Stage::Intake,
                limit: TimeLimit::Days(1),
                clock_stops: false,
            },
            StagePlanEntry {
                stage: Stage::Review,
                limit: TimeLimit::Days(2),
                clock_stops: false,
            },
        ];
        if with_inspection {
            stages.push(StagePlanEntry {
                stage: Stage::Inspection,
                limit: TimeLimit::Days(2),
                clock_stops: true,
            });
        }
        for (stage, h) in [
            (Stage::Approval, 4),
            (Stage::Production, 2),
            (Stage::Issuance, 2),
        ] {
            stages.push(StagePlanEntry {
                stage,
                limit: TimeLimit::Hours(h),
                clock_stops: false,
            });
        }
        Item {
            code: "510107-WH-001".into(),
            name: "公共场所卫生许可".into(),
            kind: ItemKind::Licensing,
            department: "wjw".into(),
            legal_basis: "《公共场所卫生管理条例》第八条".into(),
            conditions: vec![],
            legal_limit: TimeLimit::Days(20),
            committed_limit: TimeLimit::Days(5),
            fee_fen: 0,
            fee_note: None,
            stages,
            materials: vec![Material {
                code: "M01".into(),
                name: "卫生许可证申请表".into(),
                requirement: Requirement::Required,
                condition: None,
                form: MaterialForm::Original,
                copies: 1,
                licence_types: vec![],
                note: None,
                sample: None,
            }],
            form: vec![FormField {
                key: "venue_name".into(),
                label: "场所名称".into(),
                field_type: FieldType::Text,
                required: true,
                options: vec![],
                max_length: Some(100),
                min: None,
                max: None,
                help: None,
            }],
            rules: vec![],
            instant: false,
            kiosk: false,
            certificate: Some(CertificateSpec {
                type_code: "WSXK".into(),
                name: "公共场所卫生许可证".into(),
                validity_years: Some(4),
                scope_field: None,
                renews_field: None,
            }),
            supervising_department: None,
            qualification: None,
            mask_identity: false,
            green_channel_limit: None,
            applicant_kinds: vec![],
            keywords: vec![],
            place: None,
            office_hours: None,
            consult_phone: None,
            complaint_phone: None,
            visits: None,
        }
    }

    fn catalogue() -> Catalogue {
        Catalogue {
            departments: vec![Department {
                code: "wjw".into(),
                name: "卫生健康局".into(),
            }],
            items: vec![sample_item(true)],
            themes: vec![],
        }
    }

    #[test]
    fn a_sound_catalogue_has_no_problems() {
        assert_eq!(
            catalogue().validate(&BTreeSet::new(), &BTreeMap::new()),
            vec![]
        );
    }

    #[test]
    fn an_item_of_an_unknown_department_is_named() {
        let mut c = catalogue();
        c.items[0].department = "nowhere".into();
        let p = c.validate(&BTreeSet::new(), &BTreeMap::new());
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].entry, "item 510107-WH-001");
        assert!(p[0].problem.contains("nowhere"));
    }

    #[test]
    fn a_stage_plan_out_of_order_or_missing_approval_is_refused() {
        let mut c = catalogue();
        c.items[0].stages.swap(0, 1);
        c.items[0].stages.retain(|s| s.stage != Stage::Approval);
        let p = c.validate(&BTreeSet::new(), &BTreeMap::new());
        assert!(p.iter().any(|p| p.problem.contains("before")));
        assert!(p.iter().any(|p| p.problem.contains("approval")));
    }

    #[test]
    fn a_committed_limit_longer_than_the_legal_one_is_refused() {
        let mut c = catalogue();
        c.items[0].committed_limit = TimeLimit::Days(30);
        let p = c.validate(&BTreeSet::new(), &BTreeMap::new());
        assert!(p[0].problem.contains("committed_limit"));
    }

    #[test]
    fn a_renewal_must_name_a_required_licence_id_field() {
        let mut c = catalogue();
        let key = c.items[0].form[0].key.clone();
        if let Some(cert) = c.items[0].certificate.as_mut() {
            cert.renews_field = Some(key.clone());
        }
        let p = c.validate(&BTreeSet::new(), &BTreeMap::new());
        assert!(
            p.iter().any(|p| p.problem.contains("type licence_id")),
            "{p:?}"
        );
        c.items[0].form[0].field_type = FieldType::LicenceId;
        c.items[0].form[0].required = true;
        c.items[0].form[0].max_length = None;
        assert_eq!(c.validate(&BTreeSet::new(), &BTreeMap::new()), vec![]);
    }

    #[test]
    fn a_theme_of_unknown_items_is_refused() {
        let mut c = catalogue();
        c.themes.push(Theme {
            code: "T-1".into(),
            name: "我要开书店".into(),
            description: String::new(),
            items: vec!["510107-WH-001".into(), "ghost".into()],
            ..Default::default()
        });
        let p = c.validate(&BTreeSet::new(), &BTreeMap::new());
        assert_eq!(p.len(), 1);
        assert!(p[0].problem.contains("ghost"));
    }

    #[test]
    fn the_next_stage_follows_the_plan() {
        let with = sample_item(true);
        assert_eq!(with.next_stage(Stage::Review), Some(Stage::Inspection));
        let without = sample_item(false);
        assert_eq!(without.next_stage(Stage::Review), Some(Stage::Approval));
        assert_eq!(without.next_stage(Stage::Issuance), None);
        assert_eq!(without.next_stage(Stage::PreReview), Some(Stage::Intake));
    }
}
