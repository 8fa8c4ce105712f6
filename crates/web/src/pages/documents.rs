//! The case page's documents (办件文书): the list on the case page, each one as
//! a PDF for the page session, and the fields of the inspection record
//! (踏勘记录) in the inspector's `inspect` panel. Photos of an inspection are
//! given through the API (`POST /api/v1/materials`, then their hashes in
//! `inspection.photos`); the page form takes the record's text.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use onestamp_app::App;
use onestamp_domain::case::Action;
use onestamp_domain::document::{Conclusion, InspectionInput};

use super::error_page;
use super::session::PageUser;

/// One line of the case page's document list.
pub struct DocumentLine {
    pub id: i64,
    pub label: String,
    pub number: String,
    pub at: String,
    pub genuine: bool,
}

/// What the case page shows of documents, and what the inspection fields need.
pub struct DocumentsPart {
    pub lines: Vec<DocumentLine>,
    /// The case's query code, for its applicant and staff.
    pub query_code: Option<String>,
    /// Today, the default inspection date (`YYYY-MM-DD`).
    pub today: String,
    /// The conclusions to choose from: (name, label).
    pub conclusions: Vec<(&'static str, &'static str)>,
}

/// The documents of a case as the page user may see them (none if refused:
/// the page itself says why it cannot be seen).
pub async fn part(
    app: &App,
    user: &PageUser,
    case_id: i64,
    query_code: Option<String>,
) -> DocumentsPart {
    let lines = app
        .case_documents(&user.session, case_id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|d| DocumentLine {
            id: d.id,
            label: d.kind_label,
            number: d.number,
            at: app.local_time(d.issued_at),
            genuine: d.genuine,
        })
        .collect();
    DocumentsPart {
        lines,
        query_code,
        today: app.today().format("%Y-%m-%d").to_string(),
        conclusions: Conclusion::ALL
            .into_iter()
            .map(|c| (c.as_str(), c.label_zh()))
            .collect(),
    }
}

/// The inspection record's fields of the `inspect` panel.
#[derive(Debug, Default, Deserialize)]
pub struct InspectionFields {
    #[serde(default)]
    inspection_date: Option<String>,
    #[serde(default)]
    inspection_place: Option<String>,
    #[serde(default)]
    inspection_present: Option<String>,
    #[serde(default)]
    inspection_findings: Option<String>,
    #[serde(default)]
    inspection_conclusion: Option<String>,
}

impl InspectionFields {
    /// The record typed with `inspect`, if any of its fields was filled in.
    pub fn record(&self, action: Action) -> Option<InspectionInput> {
        let text = |v: &Option<String>| v.as_deref().unwrap_or_default().trim().to_string();
        let input = InspectionInput {
            date: text(&self.inspection_date),
            place: text(&self.inspection_place),
            present: text(&self.inspection_present),
            findings: text(&self.inspection_findings),
            conclusion: text(&self.inspection_conclusion),
            photos: Vec::new(),
        };
        let typed = !(input.place.is_empty()
            && input.present.is_empty()
            && input.findings.is_empty()
            && input.conclusion.is_empty());
        (action == Action::Inspect && typed).then_some(input)
    }
}

/// `GET /cases/{id}/documents/{doc}/pdf`: one document for the page session,
/// by the same use case as the API.
pub async fn pdf(
    State(app): State<App>,
    user: PageUser,
    Path((id, doc)): Path<(String, String)>,
) -> Response {
    let back = Some(format!("/cases/{id}"));
    let (Ok(case_id), Ok(doc_id)) = (id.parse::<i64>(), doc.parse::<i64>()) else {
        return error_page(
            user.chrome(&app),
            onestamp_app::AppError::NotFound(format!("文书 {doc} ")),
            back,
        );
    };
    match app.document_pdf(&user.session, case_id, doc_id).await {
        Ok((number, pdf)) => {
            let name = format!(
                "inline; filename=\"document-{}.pdf\"",
                number.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
            );
            (
                [
                    (header::CONTENT_TYPE, "application/pdf".to_string()),
                    (header::CONTENT_DISPOSITION, name),
                    // Personal data: never kept by a shared cache or the browser's.
                    (header::CACHE_CONTROL, "no-store".to_string()),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
                ],
                pdf,
            )
                .into_response()
        }
        Err(e) => error_page(user.chrome(&app), e, back),
    }
}
