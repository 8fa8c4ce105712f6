//! The shapes of the API's answers as the OpenAPI document describes them.
//!
//! The answers themselves are the app's and the domain's types, serialised as
//! they are; those crates know nothing of OpenAPI, so their JSON shape is
//! written down here once, field for field, and the routes name these types
//! in their `responses(...)`. Nothing here is built at run time: a change of
//! an app or domain type's JSON needs the same change here. The testkit test
//! `openapi` checks real answers against these schemas, and schemathesis
//! (`scripts/schemathesis.sh`) does so for generated requests.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A JSON value of any shape (form values, signed content).
type Any = serde_json::Value;

/// A stage of the pipeline.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    PreReview,
    Intake,
    Review,
    Inspection,
    Approval,
    Production,
    Issuance,
}

/// Where a case stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    PreReview,
    Intake,
    Review,
    Inspection,
    Approval,
    Production,
    Issuance,
    Correction,
    Issued,
    NotAccepted,
    Denied,
    Withdrawn,
}

/// How an application came in.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Counter,
    Web,
    Mobile,
    Kiosk,
}

/// An action on a case.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Accept,
    NotAccept,
    RequestCorrection,
    Resubmit,
    Review,
    Inspect,
    Approve,
    Deny,
    Produce,
    Issue,
    Withdraw,
}

/// A traffic light against a deadline.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Yellow,
    Red,
}

/// A role a user holds.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Applicant,
    Clerk,
    Reviewer,
    Inspector,
    Approver,
    Officer,
    Supervisor,
    Regulator,
    Admin,
}

/// What an applicant registered as.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Person,
    Organisation,
}

/// A licence's standing as verification reports it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Valid,
    Expired,
    Revoked,
    NotGenuine,
}

/// A user (no password).
#[derive(Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    /// Applicants: citizen ID or credit code; staff: empty.
    pub identity: String,
    /// `null` for staff.
    pub identity_kind: Option<ApplicantKind>,
    /// Applicants: a mainland mobile number, or empty.
    pub mobile: String,
    /// Where email messages go (消息设置), or empty.
    pub email: String,
    pub active: bool,
}

/// An applicant as the window sees them (一窗受理): identity unmasked.
#[derive(Serialize, ToSchema)]
pub struct ApplicantSummary {
    /// The user id, to name in `applicant` of `POST /api/v1/cases` and `for` of
    /// `POST /api/v1/materials`.
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub kind: ApplicantKind,
    /// Citizen ID (person) or unified social credit code (organisation).
    pub identity: String,
    /// Mainland mobile number, or empty.
    pub mobile: String,
}

/// A member of staff's qualifications (持证上岗) and availability.
#[derive(Serialize, ToSchema)]
pub struct StaffProfile {
    /// On duty; staff on leave get no new tasks (default true).
    #[serde(default)]
    pub available: bool,
    /// Department codes whose items they handle; `*` for every department.
    #[serde(default)]
    pub departments: Vec<String>,
    /// Individual item codes they handle besides their departments'.
    #[serde(default)]
    pub items: Vec<String>,
    /// Qualification certificates held.
    #[serde(default)]
    pub certificates: Vec<String>,
}

/// A line of a case list.
#[derive(Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: i64,
    pub number: String,
    pub item_code: String,
    pub applicant_name: String,
    pub status: CaseStatus,
    pub priority: bool,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub task_stage: Option<Stage>,
    pub task_deadline: Option<DateTime<Utc>>,
    pub task_warn_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    /// The open task's traffic light now.
    pub light: Option<Light>,
}

/// Who applies.
#[derive(Serialize, ToSchema)]
pub struct Applicant {
    pub user_id: i64,
    pub kind: ApplicantKind,
    pub name: String,
    /// Citizen ID number or unified social credit code (masked where the viewer may not see it).
    pub identity: String,
}

/// The open task as shown: `assignee` is `null` where it is hidden.
#[derive(Serialize, ToSchema)]
pub struct ShownTask {
    pub stage: Stage,
    pub assignee: Option<i64>,
    pub started_at: DateTime<Utc>,
    pub deadline: Option<DateTime<Utc>>,
    pub warn_at: Option<DateTime<Utc>>,
}

/// Whose hand an event was.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Hand {
    Applicant,
    System,
    Staff,
}

/// One event of a case's log: `actor_id` is `null` where hidden.
#[derive(Serialize, ToSchema)]
pub struct ShownEvent {
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_role: Role,
    pub by: Hand,
    pub action: String,
    pub opinion: Option<String>,
    pub from_status: Option<CaseStatus>,
    pub to_status: CaseStatus,
    pub version: i64,
}

/// One machine-review rule's result.
#[derive(Serialize, ToSchema)]
pub struct RuleResult {
    pub code: String,
    pub passed: bool,
    pub message: String,
    /// Why the rule could not be evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The machine's pre-review (机器看材料) of a submission.
#[derive(Serialize, ToSchema)]
pub struct RuleReport {
    pub passed: bool,
    pub results: Vec<RuleResult>,
}

/// A material given by reference: a licence of the applicant's (免提交) or a
/// file of their materials library.
#[derive(Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MaterialRef {
    Licence {
        id: String,
        type_name: String,
    },
    File {
        hash: String,
        name: String,
    },
    /// Several files for one material.
    Files {
        files: Vec<FileRef>,
    },
}

/// A file of the applicant's materials library.
#[derive(Serialize, ToSchema)]
pub struct FileRef {
    pub hash: String,
    pub name: String,
}

/// What is wrong with a material in a correction request.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Defect {
    /// 缺少
    Missing,
    /// 不清晰
    Unclear,
    /// 已过期
    Expired,
    /// 与要求不符
    Mismatch,
}

/// One material a correction request names.
#[derive(Serialize, ToSchema)]
pub struct MaterialDefect {
    pub code: String,
    pub defect: Defect,
    /// What exactly to give (optional).
    pub reason: Option<String>,
}

/// One form field a correction request names.
#[derive(Serialize, ToSchema)]
pub struct FieldDefect {
    pub key: String,
    /// What is wrong with the value.
    pub reason: String,
}

/// The items of a correction request (一次性告知): at least one.
#[derive(Serialize, ToSchema)]
pub struct CorrectionList {
    pub materials: Option<Vec<MaterialDefect>>,
    pub fields: Option<Vec<FieldDefect>>,
}

/// The correction request a case carries.
#[derive(Serialize, ToSchema)]
pub struct CorrectionRequest {
    /// The stage that asked, to which the resubmission returns.
    pub stage: Stage,
    pub requested_at: DateTime<Utc>,
    /// Staff only.
    pub requested_by: Option<i64>,
    pub materials: Vec<MaterialDefect>,
    pub fields: Vec<FieldDefect>,
    /// Made later than 5 working days after submission (flagged to supervisors).
    pub late: bool,
}

/// A supervisor's permission for one more correction request at a stage.
#[derive(Serialize, ToSchema)]
pub struct Allowance {
    pub stage: Stage,
    pub by: i64,
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// A case as the caller may see it, with its open task, lights, log and the
/// actions the caller may take now.
#[derive(Serialize, ToSchema)]
pub struct Case {
    pub id: i64,
    pub number: String,
    pub item_code: String,
    pub item_version: i64,
    pub applicant: Applicant,
    pub channel: Channel,
    /// The application form, by field key.
    pub form: BTreeMap<String, Any>,
    pub status: CaseStatus,
    /// While in correction: the stage the case returns to on resubmission.
    pub correction_return: Option<Stage>,
    /// Green channel (绿色通道).
    pub priority: bool,
    /// When the committed limit (承诺时限) runs out.
    pub deadline: Option<DateTime<Utc>>,
    /// When the legal limit (法定时限) runs out.
    pub legal_deadline: Option<DateTime<Utc>>,
    /// Pass back as `version` with the next action.
    pub version: i64,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who handled each stage so far, by stage.
    pub handlers: BTreeMap<String, i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine_review: Option<RuleReport>,
    pub suspended_since: Option<DateTime<Utc>>,
    pub suspended_minutes: i64,
    /// Working minutes used by each stage's tasks so far, by stage.
    pub stage_minutes: BTreeMap<String, i64>,
    /// Materials given by reference, by material code.
    pub materials: BTreeMap<String, MaterialRef>,
    /// The latest correction request (open while the status is `correction`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction: Option<CorrectionRequest>,
    /// The stages that asked for a correction (each may ask once).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub corrected_stages: Vec<Stage>,
    /// Staff only: a supervisor's permission for one more request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction_allowance: Option<Allowance>,
    pub task: Option<ShownTask>,
    pub light: Light,
    pub task_light: Option<Light>,
    /// Working minutes the clock stood, including a suspension still running.
    pub suspended_minutes_total: i64,
    pub item_name: String,
    pub status_label: String,
    /// The actions the caller may take now.
    pub actions: Vec<Action>,
    pub events: Vec<ShownEvent>,
    /// The licence the case issued, once issued.
    pub licence_id: Option<String>,
    /// The query code (查询码): present for the case's applicant and staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_code: Option<String>,
}

// --- Case documents (办件文书) ---

/// The kind of a case document.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 受理回执
    Receipt,
    /// 受理通知书
    Acceptance,
    /// 补正告知书
    Correction,
    /// 不予受理通知书
    NotAccepted,
    /// 不予许可决定书
    Denial,
    /// 踏勘记录
    Inspection,
}

/// A sealed document of a case, as listed.
#[derive(Serialize, ToSchema)]
pub struct DocumentSummary {
    pub id: i64,
    pub kind: DocumentKind,
    /// The kind in Chinese, e.g. 受理通知书.
    pub kind_label: String,
    /// The document's number: the case number and a suffix, e.g. `…-SL01`.
    pub number: String,
    pub issued_at: DateTime<Utc>,
    /// Whether the stored content carries a good signature of the bureau's seal.
    pub genuine: bool,
}

/// The inspector's record of a site inspection (踏勘记录), given with `inspect`.
#[derive(Serialize, ToSchema)]
pub struct InspectionInput {
    /// `YYYY-MM-DD`: not in the future, not before the submission.
    pub date: String,
    pub place: String,
    /// Persons present, separated by commas or lines.
    pub present: String,
    /// Required unless the conclusion is `conforms`.
    pub findings: String,
    /// `conforms` (符合), `does_not_conform` (不符合), `conforms_after_rectification`
    /// (整改后符合), or the Chinese label.
    pub conclusion: String,
    /// Hashes of JPEG or PNG photos the inspector uploaded (`POST /api/v1/materials`).
    #[serde(default)]
    pub photos: Vec<String>,
}

/// A department of the catalogue.
#[derive(Serialize, ToSchema)]
pub struct Department {
    pub code: String,
    pub name: String,
}

/// The kind of power an item is.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Licensing,
    Confirmation,
    OtherPower,
    PublicService,
}

/// A time limit: either `{"days": n}` or `{"hours": n}` (working time).
#[derive(Serialize, ToSchema)]
pub struct TimeLimit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<u32>,
}

/// A stage of an item's plan with its limit.
#[derive(Serialize, ToSchema)]
pub struct StagePlanEntry {
    pub stage: Stage,
    pub limit: TimeLimit,
    #[serde(default)]
    pub clock_stops: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    Required,
    Conditional,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MaterialForm {
    Original,
    Copy,
    Electronic,
}

/// A material (申请材料) an item asks for.
#[derive(Serialize, ToSchema)]
pub struct Material {
    pub code: String,
    pub name: String,
    pub requirement: Requirement,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    pub form: MaterialForm,
    #[serde(default)]
    pub copies: u32,
    /// Licence types whose valid licence stands in for this material (免提交).
    #[serde(default)]
    pub licence_types: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// 样表: an address (`https://…`, `http://…`, `/…`) or a text (填写示例).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
}

#[derive(Serialize, ToSchema)]
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
    LicenceId,
}

/// A field of an item's application form.
#[derive(Serialize, ToSchema)]
pub struct FormField {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// A machine-review rule (机器看材料).
#[derive(Serialize, ToSchema)]
pub struct Rule {
    pub code: String,
    pub expr: String,
    pub message: String,
}

/// The certificate an item issues.
#[derive(Serialize, ToSchema)]
pub struct CertificateSpec {
    pub type_code: String,
    pub name: String,
    /// Absent: long-term (长期).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validity_years: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope_field: Option<String>,
    /// A renewal (延续): the `licence_id` field naming the licence it continues.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renews_field: Option<String>,
}

/// An item (事项) as the catalogue defines it.
#[derive(Serialize, ToSchema)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee_note: Option<String>,
    pub stages: Vec<StagePlanEntry>,
    pub materials: Vec<Material>,
    #[serde(default)]
    pub form: Vec<FormField>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub instant: bool,
    /// Offered at the self-service kiosks besides the instant items; left
    /// out when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kiosk: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supervising_department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualification: Option<String>,
    #[serde(default)]
    pub mask_identity: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub green_channel_limit: Option<TimeLimit>,
    /// Who may apply: `person` (个人办事), `organisation` (法人办事); absent or empty: both.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub applicant_kinds: Vec<ApplicantKind>,
    /// Words the portal's search also finds the item by.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// 办理地点
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// 办理时间
    #[serde(skip_serializing_if = "Option::is_none")]
    pub office_hours: Option<String>,
    /// 咨询电话
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consult_phone: Option<String>,
    /// 投诉电话
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complaint_phone: Option<String>,
    /// 到现场次数: 0 (全程网办) or 1 (最多跑一次).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1)]
    pub visits: Option<u8>,
}

/// An item's current version: the public service guide (办事指南).
#[derive(Serialize, ToSchema)]
pub struct StoredItem {
    /// The item's stored version; a case pins the version it was filed under.
    pub version: i64,
    #[serde(flatten)]
    pub item: Item,
}

/// A theme (主题式服务): items applied for together.
#[derive(Serialize, ToSchema)]
pub struct Theme {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub items: Vec<String>,
    /// Items that wait for others: an item's code and the items whose licence it
    /// needs first (cited in it automatically). Absent: all run in parallel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waits_for: Option<std::collections::BTreeMap<String, Vec<String>>>,
    /// When a child is denied: `continue` (the others go on) or `stop`.
    #[schema(value_type = String)]
    pub on_denial: String,
    /// 一企一证: one combined licence listing every permit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub combined_licence: Option<themes::CombinedLicence>,
    /// Materials of different names that are the same paper, asked once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_materials: Option<Vec<Vec<themes::MaterialUse>>>,
}

/// A whole catalogue, in the import format.
#[derive(Serialize, ToSchema)]
pub struct Catalogue {
    #[serde(default)]
    pub departments: Vec<Department>,
    #[serde(default)]
    pub items: Vec<Item>,
    #[serde(default)]
    pub themes: Vec<Theme>,
}

/// What an import changed.
#[derive(Serialize, ToSchema)]
pub struct ImportSummary {
    pub departments: u64,
    pub items_new: u64,
    pub items_changed: u64,
    pub items_unchanged: u64,
    pub themes: u64,
}

/// What an officer did to a licence after issue.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    Valid,
    Revoked,
    Replaced,
}

/// A licence as its holder, staff or a regulator sees it.
#[derive(Serialize, ToSchema)]
pub struct Licence {
    /// Position in the library; pass as `before` for the next page.
    pub seq: i64,
    pub id: String,
    pub type_code: String,
    pub type_name: String,
    pub holder_user_id: i64,
    pub holder_name: String,
    pub holder_is_person: bool,
    pub case_id: i64,
    pub item_code: String,
    pub supervising_department: Option<String>,
    pub issued_on: NaiveDate,
    /// `null`: long-term (长期).
    pub valid_until: Option<NaiveDate>,
    /// The signed canonical content; absent when the viewer sees the identity masked.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub canonical: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub signature: String,
    pub key_id: String,
    pub status: LicenceStatus,
    /// Why it was revoked or replaced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The licence that replaced it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    pub standing: Standing,
    /// The signed content, for display.
    pub document: BTreeMap<String, Any>,
    pub verify_url: String,
    /// Whether the holder's identity number is masked for this viewer (双盲).
    pub masked: bool,
}

/// What may be shown to the public of a licence.
#[derive(Serialize, ToSchema)]
pub struct PublicLicence {
    pub id: String,
    pub type_code: String,
    pub type_name: String,
    pub holder_name: String,
    pub scope: String,
    pub issuer: String,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub standing: Standing,
}

/// What public verification reports.
#[derive(Serialize, ToSchema)]
pub struct Verification {
    pub id: String,
    pub standing: Standing,
    pub standing_label: String,
    /// Present only when the licence is genuine.
    pub licence: Option<PublicLicence>,
    /// Why it was revoked or replaced.
    pub reason: Option<String>,
    pub replaced_by: Option<String>,
    /// A combined licence (一企一证) only: each permit it lists, as it stands
    /// now (a revoked permit shows here).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub permits: Vec<PermitStanding>,
}

/// One permit of a combined licence, as verification shows it.
#[derive(Serialize, ToSchema)]
pub struct PermitStanding {
    pub id: String,
    pub type_name: String,
    pub standing: Standing,
    pub standing_label: String,
    pub valid_until: Option<NaiveDate>,
}

/// A message in my in-app inbox.
#[derive(Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    /// The event (`case.accepted`, `task.assigned`…; `licence_expiring` for
    /// reminders from before the outbox).
    pub kind: String,
    pub subject: String,
    /// The short text (at most 70 characters).
    pub body: String,
    /// Where to follow it up on this installation (a path), or empty.
    pub link: String,
    pub case_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// When it was read; `null` while unread.
    pub read_at: Option<DateTime<Utc>>,
}

/// A file of a materials library.
#[derive(Serialize, ToSchema)]
pub struct MaterialFile {
    /// SM3 hash of the content, hex: the file's address.
    pub hash: String,
    pub owner: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
    /// Who put it into the library: the owner, or a clerk for them at the window.
    pub uploaded_by: i64,
}

/// What the applicant's licences fill in for an item.
#[derive(Serialize, ToSchema)]
pub struct Prefill {
    /// Form values taken from licences, by field key.
    pub form: BTreeMap<String, Any>,
    /// For each material a licence can stand in for, the licences that can.
    pub materials: BTreeMap<String, Vec<String>>,
}

/// An overdue alert (超时追责) or a report from the public.
#[derive(Serialize, ToSchema)]
pub struct Alert {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    /// `task_overdue`, `case_overdue` or `public_report`.
    pub kind: String,
    pub stage: Option<Stage>,
    /// The person the overdue task was assigned to.
    pub responsible: Option<i64>,
    pub deadline: DateTime<Utc>,
    pub raised_at: DateTime<Utc>,
    /// What the public wrote, for `public_report` alerts.
    pub note: Option<String>,
}

/// A case of a quality-review sample.
#[derive(Serialize, ToSchema)]
pub struct SampleCase {
    pub case_id: i64,
    pub case_number: String,
    pub item_code: String,
    pub instant: bool,
    /// `compliant` or `defect`, once reviewed.
    pub verdict: Option<String>,
    pub notes: Option<String>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

/// A quality-review (质量评查) sample with its cases and findings.
#[derive(Serialize, ToSchema)]
pub struct QualitySample {
    pub id: i64,
    pub drawn_by: i64,
    pub drawn_at: DateTime<Utc>,
    /// The criteria it was drawn by.
    pub criteria: BTreeMap<String, Any>,
    pub cases: Vec<SampleCase>,
}

/// The answer of a live check.
#[derive(Serialize, ToSchema)]
pub struct Validation {
    pub valid: bool,
    /// Why the value is not valid; `null` when it is.
    pub reason: Option<String>,
}

/// A material given by reference in an application: a licence, or one or more files.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialChoice {
    /// Id of a licence of mine that stands in for the material (免提交).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    /// Hash of a file of my materials library.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Hashes of several files of my materials library, for a material given
    /// in more than one file (at most 10).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

/// A problem with one field (of a form, a catalogue entry).
#[derive(Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

mod analytics;
mod feed;
mod hall;
mod kiosks;
mod messages;
mod public;
mod ratings;
pub mod themes;
mod webhooks;
pub use analytics::*;
pub use feed::*;
pub use hall::*;
pub use kiosks::*;
pub use messages::*;
pub use public::*;
pub use ratings::*;
pub use webhooks::*;
