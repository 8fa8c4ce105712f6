//! The written documents of a case (办件文书): the list and each one as a PDF.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use onestamp_app::App;
use onestamp_app::documents::DocumentSummary;

use crate::api::schema;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Caller, path_id};

pub fn router() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_documents))
        .routes(routes!(document_pdf))
}

/// The sealed documents of a case, oldest first: 受理回执, 受理通知书, 补正告知书,
/// 不予受理通知书, 不予许可决定书, 踏勘记录 — for whoever may see the case.
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents", tag = "cases", security(("bearer" = [])), params(("id" = i64, Path)),
    responses(
        (status = 200, description = "The case's documents", body = Vec<schema::DocumentSummary>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such case, or not the caller's", body = ErrorBody)))]
async fn list_documents(
    State(app): State<App>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<DocumentSummary>>, ApiError> {
    Ok(Json(app.case_documents(&s, path_id(&id, "办件")?).await?))
}

/// One document of a case as a printable A4 PDF with the bureau's seal,
/// rendered from its sealed content.
#[utoipa::path(get, path = "/api/v1/cases/{id}/documents/{doc}/pdf", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path), ("doc" = i64, Path)),
    responses(
        (status = 200, description = "The PDF, shown inline", content_type = "application/pdf", body = Vec<u8>),
        (status = 401, description = "`unauthenticated`", body = ErrorBody),
        (status = 403, description = "`forbidden`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such case or document, or not the caller's", body = ErrorBody),
        (status = 422, description = "`invalid_input`: the stored document fails its seal", body = ErrorBody)))]
async fn document_pdf(
    State(app): State<App>,
    Caller(s): Caller,
    Path((id, doc)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "办件")?;
    let doc = path_id(&doc, "文书")?;
    let (number, pdf) = app.document_pdf(&s, id, doc).await?;
    Ok(pdf_response(&number, pdf))
}

/// A PDF shown inline, named after the document's number.
pub(crate) fn pdf_response(number: &str, pdf: Vec<u8>) -> Response {
    let name = format!(
        "inline; filename=\"document-{}.pdf\"",
        number.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        pdf,
    )
        .into_response()
}
