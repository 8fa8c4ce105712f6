//! The materials library (电子材料库) and prefilling from licences.

use axum::Json;
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

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiQuery, Caller, UploadBody};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list, upload))
        .routes(routes!(download))
        .routes(routes!(prefill))
        // The upload reads its own limit, the configured material size.
        .layer(DefaultBodyLimit::disable())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// File name, e.g. 租赁合同.pdf.
    pub name: String,
    /// Clerks at the window: the applicant (user id) the file is uploaded for;
    /// it goes into their library.
    #[serde(rename = "for")]
    #[param(rename = "for")]
    pub for_applicant: Option<i64>,
}

/// Upload a file to my materials library (applicants), or, with `for`, to the
/// library of the applicant a clerk serves at the window (一窗受理): the raw
/// bytes of a PDF, JPEG or PNG as the body. Kept by content; the same file twice
/// is kept once.
#[utoipa::path(post, path = "/api/v1/materials", tag = "materials", security(("bearer" = [])), params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "The file as kept", body = schema::MaterialFile),
        (status = 400, description = "`bad_query`: no `name`, `for` not a number; `bad_request`: the body could not be read", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: applicants, or clerks with `for`", body = ErrorBody),
        (status = 404, description = "`not_found`: no applicant with the id given as `for`", body = ErrorBody),
        (status = 413, description = "`payload_too_large`: over the configured material size", body = ErrorBody),
        (status = 422, description = "`invalid_input`: empty, a bad name, not a PDF, JPEG or PNG; `for` is not an applicant", body = ErrorBody)))]
async fn upload(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<UploadParams>,
    UploadBody(body): UploadBody,
) -> Result<(StatusCode, Json<MaterialFile>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            app.upload_material(&s, &p.name, body.to_vec(), p.for_applicant)
                .await?,
        ),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForParams {
    /// Clerks at the window: the applicant (user id) served.
    #[serde(rename = "for")]
    #[param(rename = "for")]
    pub for_applicant: Option<i64>,
}

/// My materials library (applicants), or, with `for`, the library of the
/// applicant a clerk serves at the window.
#[utoipa::path(get, path = "/api/v1/materials", tag = "materials", security(("bearer" = [])), params(ForParams),
    responses(
        (status = 200, description = "The files", body = Vec<schema::MaterialFile>),
        (status = 400, description = "`bad_query`: `for` is not a number", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: applicants, or clerks with `for`", body = ErrorBody),
        (status = 404, description = "`not_found`: no applicant with the id given as `for`", body = ErrorBody),
        (status = 422, description = "`invalid_input`: `for` is not an applicant", body = ErrorBody)))]
async fn list(
    State(app): State<App>,
    Caller(s): Caller,
    ApiQuery(p): ApiQuery<ForParams>,
) -> Result<Json<Vec<MaterialFile>>, ApiError> {
    Ok(Json(match p.for_applicant {
        None => app.my_materials(&s).await?,
        Some(id) => app.applicant_materials(&s, id).await?,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadParams {
    /// Staff: the case that references the file.
    pub case: Option<i64>,
}

/// A stored file: its owner, or staff through a case that references it.
#[utoipa::path(get, path = "/api/v1/materials/{hash}", tag = "materials", security(("bearer" = [])), params(("hash" = String, Path), DownloadParams),
    responses(
        (status = 200, description = "The file, as an attachment, with the type it was kept as",
            content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"))),
        (status = 400, description = "`bad_query`: `case` is not a number", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody)))]
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
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = attachment(&file.name).parse() {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok((headers, bytes).into_response())
}

/// `Content-Disposition` of a download: always saved, never shown inline, with
/// the file's own name (RFC 6266 `filename*`, UTF-8, percent-encoded) and an
/// ASCII fallback for old clients.
pub(crate) fn attachment(name: &str) -> String {
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| !e.is_empty() && e.len() <= 8 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or("bin");
    format!("attachment; filename=\"material.{extension}\"; filename*=UTF-8''{encoded}")
}

/// What my valid licences fill in for an item: form values and the materials
/// they stand in for (免提交); with `for`, those of the applicant a clerk serves
/// at the window.
#[utoipa::path(get, path = "/api/v1/items/{code}/prefill", tag = "materials", security(("bearer" = [])), params(("code" = String, Path), ForParams),
    responses(
        (status = 200, description = "What the licences fill in", body = schema::Prefill),
        (status = 400, description = "`bad_query`: `for` is not a number", body = ErrorBody),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`, `wrong_role`: applicants, or clerks with `for`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such item, or no applicant with the id given as `for`", body = ErrorBody),
        (status = 422, description = "`invalid_input`: `for` is not an applicant", body = ErrorBody)))]
async fn prefill(
    State(app): State<App>,
    Caller(s): Caller,
    Path(code): Path<String>,
    ApiQuery(p): ApiQuery<ForParams>,
) -> Result<Json<Prefill>, ApiError> {
    Ok(Json(match p.for_applicant {
        None => app.prefill(&s, &code).await?,
        Some(id) => app.prefill_for(&s, &code, id).await?,
    }))
}

#[cfg(test)]
mod tests {
    use super::attachment;

    #[test]
    fn a_chinese_file_name_is_percent_encoded_and_kept_as_an_attachment() {
        assert_eq!(
            attachment("租赁 合同.pdf"),
            "attachment; filename=\"material.pdf\"; filename*=UTF-8''%E7%A7%9F%E8%B5%81%20%E5%90%88%E5%90%8C.pdf"
        );
        assert!(attachment("a\"b;.x").starts_with("attachment; filename=\"material.x\""));
        assert!(attachment("noext").contains("material.bin"));
    }
}
