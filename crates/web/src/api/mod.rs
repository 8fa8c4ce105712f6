//! The JSON API under `/api/v1`, one module per resource.

mod analytics;
mod applicants;
mod appointments;
mod auth;
mod bundles;
mod cases;
mod catalogue;
mod documents;
mod feed;
mod hall;
mod kiosks;
mod licences;
mod materials;
mod messages;
mod prefs;
mod progress;
mod quality;
mod ratings;
mod register;
mod supervision;
mod users;
mod validate;
mod webhooks;

pub mod schema;

pub(crate) use materials::attachment;

use utoipa_axum::router::OpenApiRouter;

use onestamp_app::App;

/// Every API route, with its OpenAPI description.
pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .merge(auth::router())
        .merge(users::router())
        .merge(applicants::router())
        .merge(catalogue::router())
        .merge(cases::router())
        .merge(bundles::router())
        .merge(validate::router())
        .merge(supervision::router())
        .merge(quality::router())
        .merge(licences::router())
        .merge(materials::router())
        .merge(messages::router())
        .merge(prefs::router())
        .merge(documents::router())
        .merge(ratings::router())
        .merge(feed::router())
        .merge(hall::router())
        .merge(kiosks::router())
        .merge(appointments::router())
        .merge(progress::router())
        .merge(register::router())
        .merge(webhooks::router())
        .merge(analytics::router())
}
