//! The HTTP surface of onestamp: the JSON API under `/api/v1` (described by the
//! OpenAPI document at `/api/openapi.json`), `/healthz`, and later the pages.
//! Handlers are thin: they parse, call one use case of [`onestamp_app::App`],
//! and map its errors once, in [`error`].

pub mod api;
pub mod error;
pub mod extract;
pub mod pages;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use onestamp_app::App;

/// Largest request body accepted (catalogue imports are the largest), in bytes.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(title = "onestamp API", description = "行政审批局 一枚印章管审批：事项、办件、任务与证照的 JSON 接口"),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The whole application router.
pub fn router(app: App) -> Router {
    let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(api::router())
        .split_for_parts();
    let openapi_json = serde_json::to_value(&openapi).unwrap_or_default();
    api.merge(pages::router())
        .route("/healthz", get(healthz))
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = openapi_json.clone();
                async move { axum::Json(doc) }
            }),
        )
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

async fn healthz() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"status": "ok"}))
}

/// Serves until `shutdown` resolves, finishing in-flight requests.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?addr, "listening");
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown)
        .await
}
