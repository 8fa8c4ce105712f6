//! The materials library (电子材料库) and prefilling from licences.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::materials::Prefill;
use onestamp_app::store::MaterialFile;

use crate::error::{ApiError, Code, ErrorBody};
use crate::extract::{ApiQuery, Caller};

/// Largest upload the HTTP layer reads; the app applies the configured limit.
const MAX_UPLOAD: usize = 100 * 1024 * 1024;

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list, upload))
        .routes(routes!(download))
        .routes(routes!(prefill))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// File name, e.g. 租赁合同.pdf.
    pub name: String,
}

/// Upload a file to my materials library (applicants): the raw bytes of a PDF,
/// JPEG or PNG as the body. Kept by content; the same file twice is kept once.
#[utoipa::path(post, path = "/api/v1/materials", tag = "materials", security(("bearer" = [])), params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn upload(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<UploadParams>,
    body: Bytes,
) -> Result<(StatusCode, Json<MaterialFile>), ApiError> {
    if body.len() > app.settings.max_upload_bytes {
        return Err(ApiError::new(
            Code::PayloadTooLarge,
            format!(
                "文件超过 {} MB",
                app.settings.max_upload_bytes / 1024 / 1024
            ),
        ));
    }
    Ok((
        StatusCode::CREATED,
        Json(app.upload_material(&s, &p.name, body.to_vec()).await?),
    ))
}

/// My materials library.
#[utoipa::path(get, path = "/api/v1/materials", tag = "materials", security(("bearer" = [])),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list(
    State(app): State<App>,
    Caller(s): Caller,
) -> Result<Json<Vec<MaterialFile>>, ApiError> {
    Ok(Json(app.my_materials(&s).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadParams {
    /// Staff: the case that references the file.
    pub case: Option<i64>,
}

/// A stored file: its owner, or staff through a case that references it.
#[utoipa::path(get, path = "/api/v1/materials/{hash}", tag = "materials", security(("bearer" = [])), params(("hash" = String, Path), DownloadParams),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn download(
    State(app): State<App>,
    Caller(s): Caller,
    Path(hash): Path<String>,
    ApiQuery(p): ApiQuery<DownloadParams>,
) -> Result<Response, ApiError> {
    let (file, bytes) = app.material_content(&s, &hash, p.case).await?;
    let mut headers = HeaderMap::new();
    if let Ok(v) = file.content_type.parse() {
        headers.insert(header::CONTENT_TYPE, v);
    }
    Ok((headers, bytes).into_response())
}

/// What my valid licences fill in for an item: form values and the materials they stand in for (免提交).
#[utoipa::path(get, path = "/api/v1/items/{code}/prefill", tag = "materials", security(("bearer" = [])), params(("code" = String, Path)),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn prefill(
    State(app): State<App>,
    Caller(s): Caller,
    Path(code): Path<String>,
) -> Result<Json<Prefill>, ApiError> {
    Ok(Json(app.prefill(&s, &code).await?))
}
