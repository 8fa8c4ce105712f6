//! Quality review samples.

use std::sync::Arc;

use onestamp_app::Store;
use onestamp_app::store::SampleCriteria;
use onestamp_domain::case::{CaseStatus, SYSTEM_ACTOR, Stage};
use onestamp_domain::role::Role;

use crate::common::{DAY, at, case, fact, new_case, user};

pub async fn samples_hold_their_cases_and_findings(store: Arc<dyn Store>) {
    let applicant = user(&store, "alice", &[Role::Applicant]).await;
    let supervisor = user(&store, "sup", &[Role::Supervisor]).await;
    let mut ids = Vec::new();
    // (item, closed, instant, minutes updated)
    for (item, closed, instant, minutes) in [
        ("ITEM-A", true, true, 10),
        ("ITEM-A", true, false, 20),
        ("ITEM-B", true, true, 30),
        ("ITEM-A", false, false, 40),
    ] {
        let mut c = case(&applicant, item, None, None);
        if closed {
            c.status = CaseStatus::Issued;
        }
        if instant {
            c.handlers.insert(Stage::Approval, SYSTEM_ACTOR);
        }
        c.updated_at = at(minutes);
        ids.push(store.create_case(new_case(c, DAY)).await.unwrap().id);
    }
    let all = SampleCriteria::default();
    assert_eq!(
        store.finished_case_ids(&all, 10).await.unwrap(),
        [ids[2], ids[1], ids[0]],
        "closed cases, latest first"
    );
    let instant_a = SampleCriteria {
        item_code: Some("ITEM-A".into()),
        instant_only: true,
        size: 5,
    };
    assert_eq!(
        store.finished_case_ids(&instant_a, 10).await.unwrap(),
        [ids[0]]
    );
    assert_eq!(store.finished_case_ids(&all, 1).await.unwrap(), [ids[2]]);

    let sample_id = store
        .create_sample(
            supervisor.id,
            at(100),
            &all,
            &[ids[0], ids[2]],
            fact("quality.sample", ""),
        )
        .await
        .unwrap();
    let sample = store.sample(sample_id).await.unwrap().unwrap();
    assert_eq!(sample.drawn_by, supervisor.id);
    assert_eq!(sample.drawn_at, at(100));
    let cases: Vec<(i64, bool)> = sample
        .cases
        .iter()
        .map(|c| (c.case_id, c.instant))
        .collect();
    assert_eq!(cases, [(ids[0], true), (ids[2], true)]);
    assert!(sample.cases.iter().all(|c| c.verdict.is_none()));

    let recorded = store
        .record_finding(
            sample_id,
            ids[2],
            "defect",
            "材料缺少签字",
            supervisor.id,
            at(120),
            fact("quality.finding", ""),
        )
        .await
        .unwrap();
    assert!(recorded);
    let not_in_sample = store
        .record_finding(
            sample_id,
            ids[1],
            "ok",
            "",
            supervisor.id,
            at(121),
            fact("quality.finding", ""),
        )
        .await
        .unwrap();
    assert!(!not_in_sample, "a case outside the sample takes no finding");
    let sample = store.sample(sample_id).await.unwrap().unwrap();
    let reviewed = &sample.cases[1];
    assert_eq!(reviewed.verdict.as_deref(), Some("defect"));
    assert_eq!(reviewed.notes.as_deref(), Some("材料缺少签字"));
    assert_eq!(reviewed.reviewed_by, Some(supervisor.id));
    assert_eq!(reviewed.reviewed_at, Some(at(120)));
    assert!(sample.cases[0].verdict.is_none());
    assert!(store.sample(sample_id + 100).await.unwrap().is_none());
}
