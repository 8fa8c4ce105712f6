//! 大数据决策分析: one figure per route, for a month or a period and a
//! department; supervisors and administrators see every department, regulators
//! theirs. The hall display's figures are public (no personal data).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::analytics::{
    AnalyticsQuery, Corrections, Display, Licences, Overdue, Ratings, Refusals, Times, Volumes,
};
use onestamp_app::analytics_hall::HallFigures;
use onestamp_app::analytics_themes::ThemeFigures;
use onestamp_app::{App, AppError};

use crate::api::schema;
use crate::error::{ApiError, Code, ErrorBody};
use crate::extract::{ApiQuery, Caller};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(volumes))
        .routes(routes!(times))
        .routes(routes!(overdue))
        .routes(routes!(corrections))
        .routes(routes!(refusals))
        .routes(routes!(ratings))
        .routes(routes!(licences))
        .routes(routes!(themes))
        .routes(routes!(hall))
        .routes(routes!(display))
}

/// The period and department of a figure. Nothing given: this month so far.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsParams {
    /// A month, `yyyy-mm` (instead of `from` and `to`).
    pub month: Option<String>,
    /// First day, `yyyy-mm-dd` (default: the first of the month of `to`).
    pub from: Option<String>,
    /// Last day, `yyyy-mm-dd` (default: today); at most 366 days after `from`.
    pub to: Option<String>,
    /// Only this department's items (its code).
    pub department: Option<String>,
}

impl AnalyticsParams {
    pub fn query(self) -> AnalyticsQuery {
        AnalyticsQuery {
            month: self.month,
            from: self.from,
            to: self.to,
            department: self.department,
        }
    }
}

/// A period or department that cannot be read is a bad query (400).
pub fn scope_error(e: AppError) -> ApiError {
    match e {
        AppError::Invalid { message, .. } => ApiError::new(Code::BadQuery, message),
        other => other.into(),
    }
}

macro_rules! figure {
    ($name:ident, $path:literal, $method:ident, $ty:ty, $schema:ty, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(get, path = $path, tag = "analytics", security(("bearer" = [])),
            params(AnalyticsParams),
            responses(
                (status = 200, description = "The figure for the period and department", body = $schema),
                (status = 400, description = "`bad_query`: a month or date that cannot be read, `from` after `to`, a period over 366 days, an unknown department", body = ErrorBody),
                (status = 401, description = "`unauthenticated`", body = ErrorBody),
                (status = 403, description = "`forbidden`: supervisors, administrators and regulators (their departments) only", body = ErrorBody)))]
        async fn $name(
            State(app): State<App>,
            Caller(s): Caller,
            ApiQuery(p): ApiQuery<AnalyticsParams>,
        ) -> Result<Json<$ty>, ApiError> {
            Ok(Json(app.$method(&s, &p.query()).await.map_err(scope_error)?))
        }
    };
}

figure!(
    volumes,
    "/api/v1/analytics/volumes",
    analytics_volumes,
    Volumes,
    schema::Volumes,
    "办件量 in total and by item, department, channel and day, with 即办件比例, 秒批 share and the on-time rates against the committed and legal limits."
);
figure!(
    times,
    "/api/v1/analytics/times",
    analytics_times,
    Times,
    schema::Times,
    "Median and 90th-percentile working time per stage and per item of the cases issued in the period."
);
figure!(
    overdue,
    "/api/v1/analytics/overdue",
    analytics_overdue,
    Overdue,
    schema::Overdue,
    "Open tasks past their deadline now, per person and stage."
);
figure!(
    corrections,
    "/api/v1/analytics/corrections",
    analytics_corrections,
    Corrections,
    schema::Corrections,
    "Correction requests per item and the materials they name most often (with the defect)."
);
figure!(
    refusals,
    "/api/v1/analytics/refusals",
    analytics_refusals,
    Refusals,
    schema::Refusals,
    "Refusals (不予受理) and denials (不予许可) with their most frequent reasons."
);
figure!(
    ratings,
    "/api/v1/analytics/ratings",
    analytics_ratings,
    Ratings,
    schema::AnalyticsRatings,
    "好评率, 差评率, 未评价率 of the cases that ended in the period, per item, department, staff and channel."
);
figure!(
    licences,
    "/api/v1/analytics/licences",
    analytics_licences,
    Licences,
    schema::AnalyticsLicences,
    "Licences issued in the period; valid, expiring within 30 days and revoked now."
);

figure!(
    themes,
    "/api/v1/analytics/themes",
    analytics_themes,
    ThemeFigures,
    schema::AnalyticsThemes,
    "一件事一次办: each theme's bundles submitted in the period, finished (all issued, partly issued, stopped) and the on-time rate of the finished ones, by theme and channel; a department sees the themes holding one of its items."
);

figure!(
    hall,
    "/api/v1/analytics/hall",
    analytics_hall,
    HallFigures,
    schema::AnalyticsHall,
    "办事大厅: queue tickets taken, called, served, no-shows and cancelled, the wait to the first call and the handling time (mean, median, 90th percentile, minutes), by group and source (walk-in, remote, booking); appointments made, cancelled (by the applicant or the bureau), kept and missed, and the kept rate (days before today); a department sees the groups holding one of its items."
);

/// The hall display (过程实时监控): today's intake and issues, the cases in
/// progress, this month's on-time rate and the overdue tasks. Public: it holds
/// no personal data.
#[utoipa::path(get, path = "/api/v1/analytics/display", tag = "analytics",
    responses((status = 200, description = "The figures of the hall display", body = schema::HallDisplay)))]
async fn display(State(app): State<App>) -> Result<Json<Display>, ApiError> {
    Ok(Json(app.hall_display().await?))
}
