//! 大数据决策分析: the figures as the API answers them.

use super::*;

/// The period and department a figure covers.
#[derive(Serialize, ToSchema)]
pub struct AnalyticsScope {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub department: Option<String>,
    pub department_name: Option<String>,
    /// `2026-03-01 至 2026-03-31`, and the department's name.
    pub label: String,
}

/// Counts of cases with their shares and rates (per cent, one decimal).
#[derive(Serialize, ToSchema)]
pub struct VolumeLine {
    /// The item code, department code, channel, day or `total`.
    pub key: String,
    pub label: String,
    /// 办件量: submissions in the period.
    pub submitted: i64,
    /// Cases that ended in the period.
    pub ended: i64,
    pub issued: i64,
    pub not_accepted: i64,
    pub denied: i64,
    pub withdrawn: i64,
    /// 即办件: issued on the day of submission.
    pub same_day: i64,
    /// 秒批: issued by the system.
    pub instant: i64,
    pub on_time_committed: i64,
    pub on_time_legal: i64,
    /// Correction requests.
    pub corrections: i64,
    /// 即办件比例 of issued cases.
    pub same_day_share: Option<f64>,
    /// 秒批 share of issued cases.
    pub instant_share: Option<f64>,
    /// 承诺时限办结率 of decided cases.
    pub on_time_committed_rate: Option<f64>,
    /// 法定时限办结率 of decided cases.
    pub on_time_legal_rate: Option<f64>,
}

/// 办件量 in total and by item, department, channel and day.
#[derive(Serialize, ToSchema)]
pub struct Volumes {
    pub scope: AnalyticsScope,
    pub total: VolumeLine,
    pub by_item: Vec<VolumeLine>,
    pub by_department: Vec<VolumeLine>,
    pub by_channel: Vec<VolumeLine>,
    pub by_day: Vec<VolumeLine>,
}

/// Median and 90th percentile of working time, in working hours.
#[derive(Serialize, ToSchema)]
pub struct TimeLine {
    /// The stage (`total`: the whole case) or the item code.
    pub key: String,
    pub label: String,
    /// Issued cases counted.
    pub cases: i64,
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
}

/// Working time per stage and per item of the cases issued in the period.
#[derive(Serialize, ToSchema)]
pub struct Times {
    pub scope: AnalyticsScope,
    pub by_stage: Vec<TimeLine>,
    pub by_item: Vec<TimeLine>,
}

/// Overdue open tasks of one person at one stage.
#[derive(Serialize, ToSchema)]
pub struct OverdueLine {
    pub user_id: i64,
    pub name: String,
    pub stage: Stage,
    pub stage_label: String,
    pub tasks: i64,
}

/// Open tasks past their deadline now, per person and stage (the whole
/// bureau's: with a department filter the list is empty).
#[derive(Serialize, ToSchema)]
pub struct Overdue {
    pub scope: AnalyticsScope,
    pub total: i64,
    pub by_person: Vec<OverdueLine>,
}

/// A material named by corrections, with its defect.
#[derive(Serialize, ToSchema)]
pub struct CorrectionLine {
    pub item_code: String,
    pub item_name: String,
    pub material: String,
    pub material_name: String,
    /// `missing`, `unclear`, `expired`, `mismatch`.
    pub defect: String,
    pub defect_label: String,
    pub times: i64,
}

/// Correction requests per item and the materials most often named.
#[derive(Serialize, ToSchema)]
pub struct Corrections {
    pub scope: AnalyticsScope,
    pub by_item: Vec<VolumeLine>,
    pub materials: Vec<CorrectionLine>,
}

/// A refusal reason with its count.
#[derive(Serialize, ToSchema)]
pub struct RefusalLine {
    pub item_code: String,
    pub item_name: String,
    /// `not_accepted` (不予受理) or `denied` (不予许可).
    pub kind: String,
    pub kind_label: String,
    pub reason: String,
    pub cases: i64,
}

/// Refusals and denials in the period, with their most frequent reasons.
#[derive(Serialize, ToSchema)]
pub struct Refusals {
    pub scope: AnalyticsScope,
    pub not_accepted: i64,
    pub denied: i64,
    pub reasons: Vec<RefusalLine>,
}

/// 好评率, 差评率, 未评价率 of the cases that ended in the period.
#[derive(Serialize, ToSchema)]
pub struct AnalyticsRatings {
    pub scope: AnalyticsScope,
    pub total: StatLine,
    pub by_item: Vec<StatLine>,
    pub by_department: Vec<StatLine>,
    pub by_staff: Vec<StatLine>,
    pub by_channel: Vec<StatLine>,
}

/// Licences issued in the period; valid, expiring within 30 days and revoked now.
#[derive(Serialize, ToSchema)]
pub struct AnalyticsLicences {
    pub scope: AnalyticsScope,
    pub issued: i64,
    pub valid: i64,
    pub expiring: i64,
    pub revoked: i64,
}

/// One line of the themes' figure.
#[derive(Serialize, ToSchema)]
pub struct ThemeFigureLine {
    /// The theme's code, the channel, or `total`.
    pub key: String,
    pub label: String,
    pub submitted: i64,
    pub finished: i64,
    /// Every permit issued.
    pub issued: i64,
    /// Finished with some permits not granted.
    pub partly: i64,
    /// Stopped by a refusal, or nothing granted.
    pub stopped: i64,
    /// Finished within the bundle's committed limit, in percent of finished.
    pub on_time_rate: Option<f64>,
}

/// 一件事一次办: the themes' bundles in the period.
#[derive(Serialize, ToSchema)]
pub struct AnalyticsThemes {
    pub scope: AnalyticsScope,
    pub total: ThemeFigureLine,
    pub by_theme: Vec<ThemeFigureLine>,
    pub by_channel: Vec<ThemeFigureLine>,
}

/// One line of the hall queue's figure; minutes with one decimal, medians and
/// 90th percentiles read from minute buckets.
#[derive(Serialize, ToSchema)]
pub struct HallFigureLine {
    /// The group's code, the source (`walk_in`, `remote`, `booking`), or `total`.
    pub key: String,
    pub label: String,
    pub taken: i64,
    /// Tickets called (first calls).
    pub called: i64,
    /// Ended with their case (已办结).
    pub served: i64,
    pub no_show: i64,
    pub cancelled: i64,
    /// 平均等候: from taking, checking in or the booked slot (the latest) to the first call.
    pub mean_wait_minutes: Option<f64>,
    pub median_wait_minutes: Option<f64>,
    pub p90_wait_minutes: Option<f64>,
    /// From the first call to the end with its case.
    pub mean_handling_minutes: Option<f64>,
    pub median_handling_minutes: Option<f64>,
    pub p90_handling_minutes: Option<f64>,
}

/// One line of the appointments' figure, counted on the slot's day.
#[derive(Serialize, ToSchema)]
pub struct HallBookingLine {
    /// The group's code, or `total`.
    pub key: String,
    pub label: String,
    /// Confirmed appointments.
    pub made: i64,
    /// Cancelled by their applicant (本人取消).
    pub cancelled: i64,
    /// Cancelled by the bureau (节假日调整).
    pub cancelled_by_bureau: i64,
    /// Their ticket taken (履约).
    pub kept: i64,
    /// Neither cancelled nor kept, of the period's days before today.
    pub missed: i64,
    /// 预约履约率: kept among those due (days before today), in percent.
    pub kept_rate: Option<f64>,
}

/// 办事大厅: queue tickets and appointments in the period.
#[derive(Serialize, ToSchema)]
pub struct AnalyticsHall {
    pub scope: AnalyticsScope,
    pub total: HallFigureLine,
    pub by_group: Vec<HallFigureLine>,
    pub by_source: Vec<HallFigureLine>,
    pub bookings: HallBookingLine,
    pub bookings_by_group: Vec<HallBookingLine>,
}

/// The hall display (过程实时监控), without personal data.
#[derive(Serialize, ToSchema)]
pub struct HallDisplay {
    pub today: NaiveDate,
    pub intake_today: i64,
    pub issued_today: i64,
    /// Cases submitted and not ended.
    pub in_progress: i64,
    /// 承诺时限办结率 of this month so far.
    pub on_time_rate: Option<f64>,
    /// Open tasks past their deadline.
    pub overdue: i64,
    /// 即办件比例 of this month so far.
    pub same_day_share: Option<f64>,
}
