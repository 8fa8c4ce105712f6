//! The written documents of a case (办件文书): written and sealed with the
//! bureau's seal in the transaction of the step that produces them — the
//! receipt of every submission (受理回执), the notice of acceptance (受理通知书),
//! the one-time notice of corrections (补正告知书), the refusals (不予受理通知书,
//! 不予许可决定书) and the inspector's record (踏勘记录) —, listed and printed as
//! PDFs for whoever may see the case. The query code (查询码) of a case is made
//! here too.
//!
//! The wording is the domain's ([`onestamp_domain::document`]); the canonical
//! bytes and the page are the certificate crate's. Each document's fact
//! (`document.issue`) carries the digest of its sealed content.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use onestamp_certificate::{FontSource, Verifier, notice_canonical_bytes};
use onestamp_domain::audit::document_issued;
use onestamp_domain::case::{Action, Case, CaseEvent, SYSTEM_ACTOR, UserId};
use onestamp_domain::catalogue::Item;
use onestamp_domain::document::{
    self as doc, DocumentContent, DocumentKind, InspectionInput, InspectionRecord, Letterhead,
};

use crate::auth::Session;
use crate::licences::Sealing;
use crate::store::{AuditFact, PendingDocuments, StoreError, StoredDocument};
use crate::{App, AppError};

/// A document of a case as listed.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentSummary {
    pub id: i64,
    pub kind: DocumentKind,
    pub kind_label: String,
    pub number: String,
    pub issued_at: DateTime<Utc>,
    /// Whether the stored content carries a good signature of the bureau's seal.
    pub genuine: bool,
}

/// What the bureau's documents are printed with: its name, the reconsideration
/// body and the seal.
#[derive(Clone)]
struct Writer {
    issuer: String,
    reconsideration_body: String,
    sealing: Sealing,
}

impl Writer {
    /// Seals `content` and states its audit fact.
    fn seal(
        &self,
        content: &DocumentContent,
        actor_id: Option<UserId>,
        at: DateTime<Utc>,
    ) -> Result<(StoredDocument, AuditFact), String> {
        let canonical = String::from_utf8(notice_canonical_bytes(content))
            .map_err(|e| format!("document content: {e}"))?;
        let signature = self
            .sealing
            .seal
            .sign(canonical.as_bytes())
            .map_err(|e| e.to_string())?;
        let fact = document_issued(
            at,
            actor_id,
            &content.number,
            &content.case_number,
            content.kind.as_str(),
            &canonical,
            &signature,
        );
        Ok((
            StoredDocument {
                id: 0,
                case_id: 0,
                number: content.number.clone(),
                kind: content.kind,
                issued_at: at,
                actor_id,
                canonical,
                signature,
                key_id: self.sealing.seal.key_id().to_string(),
            },
            fact,
        ))
    }
}

/// Who an event's documents are written by: `None` for the system.
fn author(event: &CaseEvent) -> Option<UserId> {
    (event.actor_id != SYSTEM_ACTOR).then_some(event.actor_id)
}

impl App {
    fn document_writer(&self) -> Result<Writer, AppError> {
        Ok(Writer {
            issuer: self.settings.bureau_name.clone(),
            reconsideration_body: self.settings.reconsideration_body.clone(),
            sealing: self.sealing()?.clone(),
        })
    }

    /// A new query code (查询码) for a case being submitted.
    pub(crate) fn new_query_code(&self) -> String {
        self.with_rng(doc::new_query_code)
    }

    /// The documents of a submission, sealed by the store once it has numbered
    /// the case: the receipt, and the notice of acceptance if the case was
    /// accepted in the same request (秒批).
    pub(crate) fn submission_documents(
        &self,
        item: &Item,
        query_code: String,
        events: &[CaseEvent],
    ) -> Result<PendingDocuments, AppError> {
        let writer = self.document_writer()?;
        let item = item.clone();
        let code = query_code.clone();
        let calendar = self.settings.calendar.clone();
        let submitted = events.first().map(|e| (e.at, author(e)));
        let accepted = events
            .iter()
            .find(|e| e.action == Action::Accept.as_str())
            .map(|e| (e.at, author(e)));
        let draft =
            move |case: &Case| -> Result<(Vec<StoredDocument>, Vec<AuditFact>), StoreError> {
                let head = |at: DateTime<Utc>| Letterhead {
                    issuer: &writer.issuer,
                    reconsideration_body: &writer.reconsideration_body,
                    today: calendar.date_of(at),
                    deadline: case.deadline.map(|d| calendar.date_of(d)),
                    submitted_on: calendar.date_of(case.submitted_at),
                };
                let mut contents = Vec::new();
                if let Some((at, by)) = submitted {
                    contents.push((doc::receipt(case, &item, &code, 1, &head(at)), by, at));
                }
                if let Some((at, by)) = accepted {
                    contents.push((doc::acceptance(case, &item, &code, 1, &head(at)), by, at));
                }
                let mut documents = Vec::new();
                let mut facts = Vec::new();
                for (content, by, at) in contents {
                    let (d, f) = writer
                        .seal(&content, by, at)
                        .map_err(|e| StoreError::database(format!("sealing a document: {e}")))?;
                    documents.push(d);
                    facts.push(f);
                }
                Ok((documents, facts))
            };
        Ok(PendingDocuments {
            query_code,
            draft: Some(Arc::new(draft)),
        })
    }

    /// The documents an action writes: its notice, and the inspection record
    /// when one was given.
    pub(crate) async fn step_documents(
        &self,
        next: &Case,
        item: &Item,
        event: &CaseEvent,
        inspection: Option<&InspectionRecord>,
    ) -> Result<(Vec<StoredDocument>, Vec<AuditFact>), AppError> {
        let action = Action::parse(&event.action);
        let kind = action.and_then(DocumentKind::of_action);
        if kind.is_none() && inspection.is_none() {
            return Ok((Vec::new(), Vec::new()));
        }
        let writer = self.document_writer()?;
        let existing = self.store.case_documents(next.id).await?;
        let nth = |k: DocumentKind| existing.iter().filter(|d| d.kind == k).count() + 1;
        let code = self.store.query_code(next.id).await?.unwrap_or_default();
        let head = Letterhead {
            issuer: &writer.issuer,
            reconsideration_body: &writer.reconsideration_body,
            today: self.local_date(event.at),
            deadline: next.deadline.map(|d| self.local_date(d)),
            submitted_on: self.local_date(next.submitted_at),
        };
        let opinion = event.opinion.as_deref().unwrap_or_default();
        let mut contents = Vec::new();
        if let Some(record) = inspection {
            let n = nth(DocumentKind::Inspection);
            contents.push(doc::inspection(next, item, record, n, &head));
        }
        if let Some(kind) = kind {
            let n = nth(kind);
            contents.push(match kind {
                DocumentKind::Acceptance => doc::acceptance(next, item, &code, n, &head),
                DocumentKind::Correction => doc::correction(next, item, opinion, n, &head),
                DocumentKind::NotAccepted => doc::not_accepted(next, item, opinion, n, &head),
                _ => doc::denial(next, item, opinion, n, &head),
            });
        }
        let mut documents = Vec::new();
        let mut facts = Vec::new();
        for content in contents {
            let (d, f) = writer
                .seal(&content, author(event), event.at)
                .map_err(AppError::sealing)?;
            documents.push(d);
            facts.push(f);
        }
        Ok((documents, facts))
    }

    /// Checks an inspection record given with an action: only with `inspect`,
    /// the domain's checks, and each photo a JPEG or PNG of the inspector's own
    /// materials library.
    pub(crate) async fn inspection_record(
        &self,
        session: &Session,
        case: &Case,
        action: Action,
        input: &InspectionInput,
    ) -> Result<InspectionRecord, AppError> {
        let refuse = |problems: Vec<onestamp_domain::error::FieldProblem>| AppError::Invalid {
            message: format!(
                "踏勘记录填写有误：{}",
                problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("；")
            ),
            problems,
        };
        if action != Action::Inspect {
            return Err(AppError::invalid(format!(
                "只有「{}」可以附踏勘记录",
                Action::Inspect.label_zh()
            )));
        }
        let mut record =
            doc::check_inspection(input, self.local_date(case.submitted_at), self.today())
                .map_err(refuse)?;
        for photo in &mut record.photos {
            match self.store.material(session.user.id, &photo.hash).await? {
                Some(f) if matches!(f.content_type.as_str(), "image/jpeg" | "image/png") => {
                    photo.name = f.name;
                }
                Some(f) => {
                    return Err(refuse(vec![onestamp_domain::error::FieldProblem {
                        field: "现场照片".into(),
                        message: format!("「{}」不是 JPEG 或 PNG 图片", f.name),
                    }]));
                }
                None => {
                    return Err(refuse(vec![onestamp_domain::error::FieldProblem {
                        field: "现场照片".into(),
                        message: "照片须先由踏勘员本人上传".into(),
                    }]));
                }
            }
        }
        Ok(record)
    }

    /// Whose library holds a photo that an inspection record of the case lists:
    /// the inspector who recorded it.
    pub(crate) async fn inspection_photo_owner(
        &self,
        case_id: i64,
        hash: &str,
    ) -> Result<Option<UserId>, AppError> {
        for d in self.store.case_documents(case_id).await? {
            if d.kind != DocumentKind::Inspection {
                continue;
            }
            let Ok(content) =
                onestamp_certificate::notice_from_canonical_bytes(d.canonical.as_bytes())
            else {
                continue;
            };
            let listed = content.body.iter().any(|b| match b {
                doc::Block::List(_, items) => items.iter().any(|i| i.contains(&hash[..16])),
                _ => false,
            });
            if listed && let Some(owner) = d.actor_id {
                // The record lists a photo by its hash's head; the whole hash must
                // be in the inspector's library.
                if self.store.material(owner, hash).await?.is_some() {
                    return Ok(Some(owner));
                }
            }
        }
        Ok(None)
    }

    fn document_genuine(&self, keys: &[(String, String)], d: &StoredDocument) -> bool {
        keys.iter()
            .find(|(k, _)| *k == d.key_id)
            .and_then(|(_, hex)| Verifier::from_public_key_hex(hex).ok())
            .is_some_and(|v| v.verify(d.canonical.as_bytes(), &d.signature))
    }

    /// The documents of a case, oldest first, for whoever may see the case.
    pub async fn case_documents(
        &self,
        session: &Session,
        case_id: i64,
    ) -> Result<Vec<DocumentSummary>, AppError> {
        let case = self.visible_case(session, case_id).await?;
        let keys = self.store.seal_keys().await?;
        Ok(self
            .store
            .case_documents(case.id)
            .await?
            .into_iter()
            .map(|d| DocumentSummary {
                genuine: self.document_genuine(&keys, &d),
                id: d.id,
                kind: d.kind,
                kind_label: d.kind.label_zh().to_string(),
                number: d.number,
                issued_at: d.issued_at,
            })
            .collect())
    }

    /// One document of a case as a printable PDF (its number and the bytes),
    /// rendered from the stored, verified content.
    pub async fn document_pdf(
        &self,
        session: &Session,
        case_id: i64,
        document_id: i64,
    ) -> Result<(String, Vec<u8>), AppError> {
        let case = self.visible_case(session, case_id).await?;
        let not_found = || AppError::NotFound(format!("文书 {document_id} "));
        let stored = self
            .store
            .case_documents(case.id)
            .await?
            .into_iter()
            .find(|d| d.id == document_id)
            .ok_or_else(not_found)?;
        let keys = self.store.seal_keys().await?;
        if !self.document_genuine(&keys, &stored) {
            return Err(AppError::invalid("文书签章验证未通过，不能打印"));
        }
        let content =
            onestamp_certificate::notice_from_canonical_bytes(stored.canonical.as_bytes())
                .map_err(AppError::rendering)?;
        let sealing = self.sealing()?.clone();
        let seal_name = self.settings.bureau_name.clone();
        let verify_line = format!(
            "本文书由{}以电子印章（SM2/SM3，密钥 {}）签章，与纸质文书具有同等效力；\
             凭办件编号和查询码可查询办理进度。",
            seal_name, stored.key_id
        );
        let pdf = tokio::task::spawn_blocking(move || {
            let font = sealing
                .font
                .get_or_init(|| FontSource::system().map_err(|e| e.to_string()));
            let font = font.as_ref().map_err(|e| AppError::rendering(e.clone()))?;
            onestamp_certificate::render_notice_pdf(&content, &seal_name, &verify_line, font)
                .map_err(AppError::rendering)
        })
        .await
        .map_err(AppError::rendering)??;
        Ok((stored.number, pdf))
    }

    /// Whether the caller sees the case's query code: its applicant and staff.
    pub(crate) async fn shown_query_code(
        &self,
        session: &Session,
        case: &Case,
    ) -> Result<Option<String>, AppError> {
        let own = case.applicant.user_id == session.user.id;
        if onestamp_domain::case::sees_query_code(&session.user.roles, own) {
            Ok(self.store.query_code(case.id).await?)
        } else {
            Ok(None)
        }
    }
}
