//! Case documents: written with a new case once it is numbered, and with a
//! commit; read back in order with the case's query code; never changed.

use std::sync::Arc;

use onestamp_app::Store;
use onestamp_app::store::{PendingDocuments, StoredDocument};
use onestamp_domain::case::Case;
use onestamp_domain::document::DocumentKind;
use onestamp_domain::role::Role;

use super::{assert_unbroken, audit_log, moved_on};
use crate::common::{DAY, at, case, fact, new_case, user};

fn document(number: String, kind: DocumentKind, actor_id: Option<i64>) -> StoredDocument {
    StoredDocument {
        id: 0,
        case_id: 0,
        number,
        kind,
        issued_at: at(1),
        actor_id,
        canonical: r#"{"format":"onestamp-document/1"}"#.into(),
        signature: "3045".into(),
        key_id: "k1".into(),
    }
}

pub async fn documents_are_written_with_their_case_and_read_back_in_order(store: Arc<dyn Store>) {
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;
    let mut new = new_case(case(&applicant, "ITEM-A", Some(1), None), DAY);
    let draft = |c: &Case| {
        let number = format!("{}-HZ01", c.number);
        Ok((
            vec![document(
                number.clone(),
                DocumentKind::Receipt,
                Some(c.applicant.user_id),
            )],
            vec![fact("document.issue", &number)],
        ))
    };
    new.documents = PendingDocuments {
        query_code: "ACDE3467".into(),
        draft: Some(Arc::new(draft)),
    };
    let created = store.create_case(new).await.unwrap();
    assert_eq!(
        store.query_code(created.id).await.unwrap().as_deref(),
        Some("ACDE3467")
    );
    let mut change = moved_on(&created, 1, None);
    change.documents = vec![document(
        format!("{}-SL01", created.number),
        DocumentKind::Acceptance,
        None,
    )];
    store.commit_case(change).await.unwrap();
    let docs = store.case_documents(created.id).await.unwrap();
    let shown: Vec<(String, DocumentKind, Option<i64>, i64)> = docs
        .iter()
        .map(|d| (d.number.clone(), d.kind, d.actor_id, d.case_id))
        .collect();
    assert_eq!(
        shown,
        [
            (
                format!("{}-HZ01", created.number),
                DocumentKind::Receipt,
                Some(applicant.id),
                created.id
            ),
            (
                format!("{}-SL01", created.number),
                DocumentKind::Acceptance,
                None,
                created.id
            ),
        ]
    );
    assert!(docs[0].id < docs[1].id);
    assert_eq!(docs[0].issued_at, at(1));
    assert!(
        store
            .case_documents(created.id + 1)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.query_code(created.id + 1).await.unwrap(), None);
    let log = audit_log(&store, 10).await;
    assert!(log.iter().any(|e| e.kind == "document.issue"));
    assert_unbroken(&log);
}
