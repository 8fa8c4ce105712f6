//! The HTTP surface of onestamp: the JSON API under `/api/v1` (described by the
//! OpenAPI document at `/api/openapi.json`), `/healthz`, Prometheus `/metrics` ([`metrics`]) and the pages.
//! Handlers are thin: they parse, call one use case of [`onestamp_app::App`],
//! and map its errors once, in [`error`].

pub mod api;
pub mod code;
pub mod error;
pub mod export;
pub mod extract;
pub mod metrics;
pub mod pages;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::routing::get;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
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
    // Installs the process's metrics recorder before the first request.
    let _ = metrics::handle();
    api.merge(pages::router())
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::scrape))
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = openapi_json.clone();
                async move { axum::Json(doc) }
            }),
        )
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            refuse_oversized,
        ))
        .layer(
            tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                axum::http::header::X_CONTENT_TYPE_OPTIONS,
                axum::http::HeaderValue::from_static("nosniff"),
            ),
        )
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(axum::middleware::from_fn(metrics::track))
        .with_state(app)
}

/// Answers a request that declares a body larger than its route reads at once,
/// before any of it is read: JSON for the API, a page for the pages.
async fn refuse_oversized(
    axum::extract::State(app): axum::extract::State<App>,
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let limit = extract::body_limit(&app, req.method(), req.uri().path());
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(n) if n > limit as u64 => {
            if req.uri().path().starts_with("/api/") {
                error::ApiError::new(
                    code::Code::PayloadTooLarge,
                    format!("请求内容过大（最多 {}）", extract::size_zh(limit)),
                )
                .into_response()
            } else {
                pages::too_large(&app, limit)
            }
        }
        _ => next.run(req).await,
    }
}

/// The span of a request: method and matched route (never the raw path, which can
/// hold identity numbers typed into a live check); the caller's user id
/// and roles are recorded on it once the bearer token is checked
/// ([`extract::Caller`]), so every log line of the request carries them.
fn request_span(req: &Request) -> tracing::Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    tracing::info_span!(
        "request",
        method = %req.method(),
        route,
        actor_id = tracing::field::Empty,
        actor_role = tracing::field::Empty,
    )
}

async fn healthz() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"status": "ok"}))
}

/// Limits of the connections a server keeps.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// A connection that sends no complete request head within this time — a
    /// new one, one idle between requests, or one sending its headers slowly —
    /// is closed.
    pub header_timeout: std::time::Duration,
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: usize,
    /// On shutdown, requests in flight have this long to finish; connections
    /// still open after it are dropped.
    pub shutdown_grace: std::time::Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_timeout: std::time::Duration::from_secs(30),
            max_connections: 1024,
            shutdown_grace: std::time::Duration::from_secs(10),
        }
    }
}

/// Serves until `shutdown` resolves, finishing in-flight requests, with the
/// default [`ConnectionLimits`].
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(app, listener, ConnectionLimits::default(), shutdown).await
}

/// Serves HTTP/1.1 until `shutdown` resolves: at most `limits.max_connections`
/// at once, each closed when it sends no request head within
/// `limits.header_timeout`; then stops accepting, lets requests in flight
/// finish (idle connections close at once) and returns after at most
/// `limits.shutdown_grace`.
pub async fn serve_with(
    app: App,
    listener: tokio::net::TcpListener,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?addr, ?limits, "listening");
    let upkeep = metrics::spawn_upkeep();
    let router = router(app);
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let shutdown = std::pin::pin!(shutdown);
    let mut shutdown = shutdown;
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors and the like: wait a little, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Small responses go out at once, not held back to fill a segment.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                router.clone().oneshot(req.map(axum::body::Body::new))
            });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A closed, reset or timed-out connection is no fault of the server.
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!("shutting down: finishing requests in flight");
    let finished = tokio::time::timeout(limits.shutdown_grace, graceful.shutdown()).await;
    if finished.is_err() {
        tracing::warn!(grace = ?limits.shutdown_grace, "connections still open after the grace period are dropped");
    }
    upkeep.abort();
    Ok(())
}
