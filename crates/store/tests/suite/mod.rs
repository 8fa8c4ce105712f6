//! The conformance tests, by area, and the checks they share. Every test is a
//! function of the store alone (or of the store and raw SQL access) so that it
//! runs unchanged on every backend.

mod alerts;
mod analytics;
mod analytics_hall;
mod audit;
mod cases;
mod catalogue;
mod counts;
mod documents;
mod feed;
mod hall;
mod kiosks;
mod licences;
mod messages;
mod prefs;
mod quality;
mod ratings;
mod search;
mod staff;
mod switches;
mod users;

pub use alerts::*;
pub use analytics::*;
pub use analytics_hall::*;
pub use audit::*;
pub use cases::*;
pub use catalogue::*;
pub use counts::*;
pub use documents::*;
pub use feed::*;
pub use hall::*;
pub use kiosks::*;
pub use licences::*;
pub use messages::*;
pub use prefs::*;
pub use quality::*;
pub use ratings::*;
pub use search::*;
pub use staff::*;
pub use switches::*;
pub use users::*;

use std::sync::Arc;

use chrono::Duration;

use onestamp_app::Store;
use onestamp_app::catalogue::{Format, parse_catalogue};
use onestamp_app::store::CaseChange;
use onestamp_domain::audit::{AuditEntry, GENESIS, verify_chain};
use onestamp_domain::case::{Case, CaseEvent, CaseStatus, Stage, Task};
use onestamp_domain::catalogue::Catalogue;
use onestamp_domain::role::Role;

use crate::common::{at, fact};

/// Every audit entry, read in pages of `page` to exercise `after`.
pub async fn audit_log(store: &Arc<dyn Store>, page: u32) -> Vec<AuditEntry> {
    let mut all: Vec<AuditEntry> = Vec::new();
    loop {
        let after = all.last().map_or(0, |e| e.seq);
        let batch = store.audit_entries(after, page).await.unwrap();
        assert!(batch.len() <= page as usize, "a page holds at most `limit`");
        if batch.is_empty() {
            return all;
        }
        all.extend(batch);
    }
}

/// Asserts the chain verifies from genesis with seq 1, 2, 3 … and no gaps.
pub fn assert_unbroken(entries: &[AuditEntry]) {
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    let expected: Vec<i64> = (1..=entries.len() as i64).collect();
    assert_eq!(
        seqs, expected,
        "audit seq must be 1..=n without gaps or duplicates"
    );
    let head = verify_chain(GENESIS, entries).unwrap();
    assert_eq!(
        head,
        entries
            .last()
            .map_or(GENESIS.to_string(), |e| e.hash.clone())
    );
}

pub fn demo_catalogue() -> Catalogue {
    parse_catalogue(onestamp_app::demo::CATALOGUE_YAML, Format::Yaml).unwrap()
}

/// The case moved on one stage by `actor`: what the app would commit.
pub fn moved_on(case: &Case, actor: i64, next_assignee: Option<i64>) -> CaseChange {
    let mut next = case.clone();
    next.status = CaseStatus::Review;
    next.version = case.version + 1;
    next.updated_at = case.updated_at + Duration::minutes(5);
    next.handlers.insert(Stage::Intake, actor);
    next.task = next_assignee.map(|assignee| Task {
        stage: Stage::Review,
        assignee,
        started_at: next.updated_at,
        deadline: Some(at(60 * 24 * 5)),
        warn_at: None,
    });
    CaseChange {
        event: CaseEvent {
            at: next.updated_at,
            actor_id: actor,
            actor_role: Role::Clerk,
            action: "accept".into(),
            opinion: Some("材料齐全，予以受理".into()),
            from_status: Some(case.status),
            to_status: next.status,
            version: case.version,
        },
        audit: vec![fact("case.accept", &case.number)],
        expected_version: case.version,
        case: next,
        licence: None,
        retire: None,
        documents: Vec::new(),
        alerts: Vec::new(),
        messages: Vec::new(),
        feed: Vec::new(),
        bundle: None,
        tally: Default::default(),
    }
}
