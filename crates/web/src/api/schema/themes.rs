//! Themes (一件事一次办): the plan of one theme — its shared form, its one set
//! of materials, the order its items run in — and how much less it asks than
//! applying item by item.

use super::*;

/// 一企一证: one combined licence listing every permit.
#[derive(Serialize, ToSchema)]
pub struct CombinedLicence {
    pub type_code: String,
    pub name: String,
}

/// An item's material a shared material stands for.
#[derive(Serialize, ToSchema)]
pub struct MaterialUse {
    pub item: String,
    pub material: String,
}

/// A field of the shared form and the items it feeds.
#[derive(Serialize, ToSchema)]
pub struct SharedField {
    #[serde(flatten)]
    pub field: FormField,
    pub items: Vec<String>,
}

/// A material of the shared set, asked once.
#[derive(Serialize, ToSchema)]
pub struct SharedMaterial {
    /// `S01`, `S02`…: the key an application gives it.
    pub key: String,
    pub name: String,
    /// `required` when any item requires it, else `conditional`.
    pub requirement: String,
    /// `original`, `copy` or `electronic`.
    pub form: String,
    pub licence_types: Vec<String>,
    pub uses: Vec<MaterialUse>,
}

/// A material a waiting item gets from its prerequisite's licence.
#[derive(Serialize, ToSchema)]
pub struct InheritedMaterial {
    pub item: String,
    pub material: String,
    pub name: String,
    pub from_item: String,
}

/// What applying for the theme asks, and in which order its items run.
#[derive(Serialize, ToSchema)]
pub struct ThemePlan {
    pub fields: Vec<SharedField>,
    pub materials: Vec<SharedMaterial>,
    pub inherited: Vec<InheritedMaterial>,
    /// The items of the first wave start at once; each later wave's once the
    /// items they wait for are issued.
    pub waves: Vec<Vec<String>>,
}

/// Applying item by item against applying for the theme.
#[derive(Serialize, ToSchema)]
pub struct Comparison {
    pub materials_separately: u32,
    pub materials_theme: u32,
    pub forms_separately: u32,
    pub forms_theme: u32,
    pub fields_separately: u32,
    pub fields_theme: u32,
    pub visits_separately: u32,
    pub visits_theme: u32,
    /// Committed working hours (8 a day): the items one after another…
    pub hours_separately: u32,
    /// …against the longest chain of waiting items.
    pub hours_theme: u32,
}

/// A theme item as the theme page lists it.
#[derive(Serialize, ToSchema)]
pub struct ThemeItem {
    pub code: String,
    pub name: String,
    pub department: String,
    pub committed_limit: TimeLimit,
    /// The licence it issues, if any.
    pub certificate: Option<String>,
    /// The items it waits for.
    pub waits_for: Vec<String>,
}

/// One theme with its plan.
#[derive(Serialize, ToSchema)]
pub struct ThemeView {
    pub theme: Theme,
    pub items: Vec<ThemeItem>,
    pub plan: ThemePlan,
    pub comparison: Comparison,
}

/// 联审联办: the status of a bundle, read from its children's.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BundleStatus {
    InProgress,
    Correction,
    Issued,
    PartlyIssued,
    Stopped,
    Refused,
    Withdrawn,
}

/// What happens to the other items when one is denied.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnDenial {
    Continue,
    Stop,
}

/// One child of a bundle: its item and its case once started.
#[derive(Serialize, ToSchema)]
pub struct BundleChild {
    pub item_code: String,
    pub item_name: String,
    pub department: String,
    /// The items it waits for (issued first).
    pub waits_for: Vec<String>,
    /// `waiting`, `started` or `cancelled`.
    pub state: String,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub status: Option<CaseStatus>,
    pub status_label: String,
    pub deadline: Option<DateTime<Utc>>,
    pub light: Option<Light>,
    pub licence_id: Option<String>,
}

/// What one child asks the applicant to correct.
#[derive(Serialize, ToSchema)]
pub struct BundleCorrection {
    pub case_id: i64,
    pub case_number: String,
    pub item_code: String,
    pub item_name: String,
    pub version: i64,
    pub request: CorrectionRequest,
}

/// One step of a bundle's one timeline.
#[derive(Serialize, ToSchema)]
pub struct BundleTimelineEntry {
    pub at: DateTime<Utc>,
    pub item_name: String,
    pub case_number: Option<String>,
    pub action: String,
    pub label: String,
    pub opinion: Option<String>,
}

/// A bundle: one application for a theme, one status, one timeline.
#[derive(Serialize, ToSchema)]
pub struct Bundle {
    pub id: i64,
    /// `<district>-<YYYYMMDD>-ZT<serial>`.
    pub number: String,
    pub theme_code: String,
    pub theme_name: String,
    pub channel: Channel,
    pub status: BundleStatus,
    pub status_label: String,
    pub on_denial: OnDenial,
    pub on_denial_note: String,
    pub submitted_at: DateTime<Utc>,
    /// The committed limit: the longest chain of the items' committed limits.
    pub deadline: DateTime<Utc>,
    pub light: Light,
    pub children: Vec<BundleChild>,
    /// Every child's correction request, to be answered in one resubmission.
    pub corrections: Vec<BundleCorrection>,
    pub timeline: Vec<BundleTimelineEntry>,
    /// The combined licence (一企一证), once every permit is issued.
    pub combined_licence: Option<String>,
}

/// A bundle in a list.
#[derive(Serialize, ToSchema)]
pub struct BundleSummary {
    pub id: i64,
    pub number: String,
    pub theme_code: String,
    pub theme_name: String,
    pub status: BundleStatus,
    pub status_label: String,
    pub submitted_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// How many items the bundle has, and how many are issued.
    pub children: u32,
    pub issued: u32,
}
