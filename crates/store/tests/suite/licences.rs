//! The licence library, reminders, notifications, public reports and the
//! materials library.

use std::sync::Arc;

use chrono::NaiveDate;

use onestamp_app::Store;
use onestamp_app::store::{LicenceQuery, MaterialFile, StoreError, StoredLicence, User};
use onestamp_domain::case::Case;
use onestamp_domain::licence::LicenceStatus;
use onestamp_domain::role::Role;

use super::moved_on;
use crate::common::{DAY, at, case, fact, new_case, user};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(crate) fn licence(id: &str, holder: &User, case: &Case, dept: Option<&str>) -> StoredLicence {
    StoredLicence {
        seq: 0,
        id: id.into(),
        type_code: "FOOD".into(),
        type_name: "食品经营许可证".into(),
        holder_user_id: holder.id,
        holder_name: holder.display_name.clone(),
        holder_is_person: true,
        case_id: case.id,
        item_code: case.item_code.clone(),
        supervising_department: dept.map(Into::into),
        issued_on: day(2026, 3, 2),
        valid_until: Some(day(2031, 3, 1)),
        canonical: format!("{{\"id\":\"{id}\"}}"),
        signature: "30440220".into(),
        key_id: "key-1".into(),
        status: LicenceStatus::Valid,
    }
}

fn ids(list: &[StoredLicence]) -> Vec<&str> {
    list.iter().map(|l| l.id.as_str()).collect()
}

pub async fn licence_serials_count_up_per_type_and_year(store: Arc<dyn Store>) {
    assert_eq!(store.next_licence_serial("FOOD", 2026).await.unwrap(), 1);
    assert_eq!(store.next_licence_serial("FOOD", 2026).await.unwrap(), 2);
    assert_eq!(store.next_licence_serial("FOOD", 2027).await.unwrap(), 1);
    assert_eq!(store.next_licence_serial("SHOP", 2026).await.unwrap(), 1);
    assert_eq!(store.next_licence_serial("FOOD", 2026).await.unwrap(), 3);

    assert!(
        store
            .register_seal_key("key-1", "04ab", at(0), fact("seal.key.register", "key-1"))
            .await
            .unwrap()
    );
    assert!(
        store
            .register_seal_key("key-2", "04cd", at(1), fact("seal.key.register", "key-2"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .register_seal_key(
                "key-1",
                "ignored",
                at(2),
                fact("seal.key.register", "key-1")
            )
            .await
            .unwrap()
    );
    let registered: Vec<String> = super::audit_log(&store, 100)
        .await
        .into_iter()
        .filter(|e| e.kind == "seal.key.register")
        .map(|e| e.subject)
        .collect();
    assert_eq!(registered, ["key-1", "key-2"], "each new key audited once");
    assert_eq!(
        store.seal_keys().await.unwrap(),
        [
            ("key-1".to_string(), "04ab".to_string()),
            ("key-2".to_string(), "04cd".to_string())
        ]
    );
}

pub async fn licences_are_stored_with_their_case_and_listed_by_filters(store: Arc<dyn Store>) {
    let alice = user(&store, "alice", &[Role::Applicant]).await;
    let bob = user(&store, "bob", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;

    // Issued with the new case (an instant decision).
    let c1 = case(&alice, "ITEM-A", None, None);
    let mut new = new_case(c1, DAY);
    new.licence = Some(licence("L-1", &alice, &new.case, Some("D-MARKET")));
    let c1 = store.create_case(new).await.unwrap();
    let l1 = store.licence("L-1").await.unwrap().unwrap();
    assert_eq!(l1.case_id, c1.id, "the licence gets the new case's id");
    assert_eq!(
        store.licence_of_case(c1.id).await.unwrap(),
        Some(l1.clone())
    );

    // Issued by a commit.
    let c2 = store
        .create_case(new_case(case(&bob, "ITEM-B", Some(clerk.id), None), DAY))
        .await
        .unwrap();
    let mut change = moved_on(&c2, clerk.id, None);
    change.licence = Some(licence("L-2", &bob, &c2, Some("D-HEALTH")));
    store.commit_case(change).await.unwrap();
    let l2 = store.licence("L-2").await.unwrap().unwrap();
    assert!(l2.seq > l1.seq);
    assert_eq!(l2.supervising_department.as_deref(), Some("D-HEALTH"));

    // A stale commit stores no licence.
    let mut stale = moved_on(&c2, clerk.id, None);
    stale.licence = Some(licence("L-X", &bob, &c2, None));
    assert!(matches!(
        store.commit_case(stale).await,
        Err(StoreError::VersionConflict { .. })
    ));
    assert_eq!(store.licence("L-X").await.unwrap(), None);

    let c3 = store
        .create_case(new_case(case(&alice, "ITEM-C", None, None), DAY))
        .await
        .unwrap();
    let mut new = new_case(case(&alice, "ITEM-C", None, None), DAY);
    new.licence = Some(licence("L-3", &alice, &c3, None));
    store.create_case(new).await.unwrap();

    let q = |f: fn(&mut LicenceQuery)| {
        let mut q = LicenceQuery {
            limit: 10,
            ..Default::default()
        };
        f(&mut q);
        q
    };
    let all = store.licences(&q(|_| {})).await.unwrap();
    assert_eq!(ids(&all), ["L-3", "L-2", "L-1"], "newest first");
    let mut of_alice = q(|_| {});
    of_alice.holder = Some(alice.id);
    assert_eq!(
        ids(&store.licences(&of_alice).await.unwrap()),
        ["L-3", "L-1"]
    );
    let market = q(|q| q.departments = Some(vec!["D-MARKET".into()]));
    assert_eq!(ids(&store.licences(&market).await.unwrap()), ["L-1"]);
    let every = q(|q| q.departments = Some(vec!["*".into()]));
    assert_eq!(
        ids(&store.licences(&every).await.unwrap()),
        ["L-3", "L-2", "L-1"]
    );
    let none = q(|q| q.departments = Some(vec![]));
    assert!(store.licences(&none).await.unwrap().is_empty());
    let by_id = q(|q| q.search = Some("L-2".into()));
    assert_eq!(ids(&store.licences(&by_id).await.unwrap()), ["L-2"]);
    let by_name = q(|q| q.search = Some("bob 的".into()));
    assert_eq!(ids(&store.licences(&by_name).await.unwrap()), ["L-2"]);
    let by_part = q(|q| q.search = Some("的名".into()));
    assert_eq!(store.licences(&by_part).await.unwrap().len(), 3);
    let by_type = q(|q| q.type_code = Some("SHOP".into()));
    assert!(store.licences(&by_type).await.unwrap().is_empty());
    let page = q(|q| {
        q.before_seq = Some(0);
        q.limit = 1;
    });
    assert!(store.licences(&page).await.unwrap().is_empty());
    let mut page = q(|_| {});
    page.before_seq = Some(all[0].seq);
    page.limit = 1;
    assert_eq!(ids(&store.licences(&page).await.unwrap()), ["L-2"]);

    // Revoked once; a second change finds it no longer valid.
    let revoked = LicenceStatus::Revoked {
        reason: "违法经营".into(),
    };
    store
        .change_licence(
            "L-1",
            &revoked,
            None,
            vec![fact("licence.revoke", "L-1")],
            Vec::new(),
            Vec::new(),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .change_licence(
                "L-1",
                &revoked,
                None,
                vec![fact("licence.revoke", "L-1")],
                Vec::new(),
                Vec::new()
            )
            .await,
        Err(StoreError::VersionConflict { .. })
    ));
    assert_eq!(store.licence("L-1").await.unwrap().unwrap().status, revoked);
    let valid = q(|q| q.only_status = Some("valid".into()));
    assert_eq!(ids(&store.licences(&valid).await.unwrap()), ["L-3", "L-2"]);

    // Replaced: the old one and the new one in one transaction.
    let replaced = LicenceStatus::Replaced {
        by: "L-2b".into(),
        reason: "变更地址".into(),
    };
    store
        .change_licence(
            "L-2",
            &replaced,
            Some(licence("L-2b", &bob, &c2, Some("D-HEALTH"))),
            vec![fact("licence.replace", "L-2")],
            Vec::new(),
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.licence("L-2").await.unwrap().unwrap().status,
        replaced
    );
    let new = store.licence("L-2b").await.unwrap().unwrap();
    assert_eq!(new.status, LicenceStatus::Valid);
    assert_eq!(store.licence_of_case(c2.id).await.unwrap(), Some(new));
    // A failed replacement stores no new licence.
    assert!(
        store
            .change_licence(
                "L-1",
                &replaced,
                Some(licence("L-1b", &alice, &c1, None)),
                vec![fact("licence.replace", "L-1")],
                Vec::new(),
                Vec::new(),
            )
            .await
            .is_err()
    );
    assert_eq!(store.licence("L-1b").await.unwrap(), None);

    // The figures' counts moved with each change, the failed ones included
    // (they moved nothing): L-3 and L-2b valid, L-1 revoked, L-2 replaced;
    // all expire on 2031-03-01.
    let counts = |until: NaiveDate, items: Option<Vec<String>>| {
        let store = store.clone();
        async move { store.licence_counts(until, items.as_deref()).await.unwrap() }
    };
    let all = counts(day(2026, 12, 31), None).await;
    assert_eq!((all.valid, all.expiring, all.revoked), (2, 0, 1));
    let later = counts(day(2031, 3, 1), None).await;
    assert_eq!((later.valid, later.expiring, later.revoked), (2, 2, 1));
    let b = counts(day(2031, 3, 1), Some(vec!["ITEM-B".into()])).await;
    assert_eq!((b.valid, b.expiring, b.revoked), (1, 1, 0));
    let a = counts(day(2031, 3, 1), Some(vec!["ITEM-A".into()])).await;
    assert_eq!((a.valid, a.expiring, a.revoked), (0, 0, 1));
    // A rebuild of the figures recounts them from the licences: the same.
    store
        .replace_analytics(onestamp_domain::analytics::Tally::default())
        .await
        .unwrap();
    let rebuilt = counts(day(2031, 3, 1), None).await;
    assert_eq!(
        (rebuilt.valid, rebuilt.expiring, rebuilt.revoked),
        (2, 2, 1)
    );
}

pub async fn expiring_licences_are_reminded_once_and_reports_raise_alerts(store: Arc<dyn Store>) {
    let alice = user(&store, "alice", &[Role::Applicant]).await;
    let c = store
        .create_case(new_case(case(&alice, "ITEM-A", None, None), DAY))
        .await
        .unwrap();
    let mut soon = licence("L-SOON", &alice, &c, None);
    soon.valid_until = Some(day(2026, 4, 1));
    let mut sooner = licence("L-SOONER", &alice, &c, None);
    sooner.valid_until = Some(day(2026, 3, 20));
    let mut revoked = licence("L-GONE", &alice, &c, None);
    revoked.valid_until = Some(day(2026, 3, 10));
    revoked.status = LicenceStatus::Revoked {
        reason: "注销".into(),
    };
    let mut forever = licence("L-FOREVER", &alice, &c, None);
    forever.valid_until = None;
    let later = licence("L-LATER", &alice, &c, None);
    for l in [soon, sooner, revoked, forever, later] {
        let mut change = moved_on(&store.case(c.id).await.unwrap().unwrap(), alice.id, None);
        change.licence = Some(l);
        store.commit_case(change).await.unwrap();
    }

    let (a, b) = (store.clone(), store.clone());
    let until = day(2026, 5, 1);
    let one = tokio::spawn(async move { a.remind_expiring(until, at(0), 10).await });
    let two = tokio::spawn(async move { b.remind_expiring(until, at(0), 10).await });
    let mut reminded = one.await.unwrap().unwrap();
    reminded.extend(two.await.unwrap().unwrap());
    reminded.sort_by_key(|l| l.valid_until);
    assert_eq!(ids(&reminded), ["L-SOONER", "L-SOON"], "each exactly once");
    assert!(
        store
            .remind_expiring(until, at(1), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.deliver_inbox(at(1), 100).await.unwrap(), 2);
    assert_eq!(
        store.deliver_inbox(at(1), 100).await.unwrap(),
        0,
        "delivered once"
    );
    let inbox = store.inbox(alice.id, None, 10, false).await.unwrap();
    assert_eq!(inbox.len(), 2);
    assert!(inbox.iter().all(|n| n.kind == "licence.expiring"));
    assert!(inbox[0].id > inbox[1].id, "newest first");
    assert!(inbox.iter().any(|n| n.body.contains("L-SOON")));
    assert_eq!(
        store.inbox(alice.id, None, 1, false).await.unwrap().len(),
        1
    );

    let l = store.licence("L-LATER").await.unwrap().unwrap();
    let first = store
        .report_licence(
            &l,
            "店铺已关门仍在公示",
            at(5),
            fact("licence.report", "L-LATER"),
        )
        .await
        .unwrap();
    let second = store
        .report_licence(&l, "第二次举报", at(6), fact("licence.report", "L-LATER"))
        .await
        .unwrap();
    assert_ne!(first, second, "every report is its own alert");
    let alerts = store.alerts(None, 10).await.unwrap();
    let report = alerts.iter().find(|a| a.id == first).unwrap();
    assert_eq!(report.kind, "public_report");
    assert_eq!(report.case_id, c.id);
    assert_eq!(report.case_number, c.number);
    assert_eq!(report.note.as_deref(), Some("店铺已关门仍在公示"));
    assert_eq!(report.raised_at, at(5));
}

pub async fn materials_are_saved_once_per_owner_and_hash(store: Arc<dyn Store>) {
    let alice = user(&store, "alice", &[Role::Applicant]).await;
    let bob = user(&store, "bob", &[Role::Applicant]).await;
    let file = |owner: i64, hash: &str, name: &str, minutes: i64| MaterialFile {
        hash: hash.into(),
        owner,
        name: name.into(),
        content_type: "application/pdf".into(),
        size: 1024,
        uploaded_at: at(minutes),
        uploaded_by: owner,
    };
    store
        .save_material(&file(alice.id, "aa", "营业执照.pdf", 0))
        .await
        .unwrap();
    store
        .save_material(&file(alice.id, "aa", "again.pdf", 1))
        .await
        .unwrap();
    store
        .save_material(&file(alice.id, "bb", "身份证.pdf", 2))
        .await
        .unwrap();
    store
        .save_material(&file(bob.id, "aa", "bob.pdf", 3))
        .await
        .unwrap();
    assert_eq!(
        store.material(alice.id, "aa").await.unwrap(),
        Some(file(alice.id, "aa", "营业执照.pdf", 0)),
        "the first save stands"
    );
    assert_eq!(
        store.material(bob.id, "aa").await.unwrap().unwrap().name,
        "bob.pdf"
    );
    assert_eq!(store.material(bob.id, "bb").await.unwrap(), None);
    let mine = store.materials_of(alice.id, 10).await.unwrap();
    let names: Vec<&str> = mine.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["身份证.pdf", "营业执照.pdf"], "latest first");
    assert_eq!(store.materials_of(alice.id, 1).await.unwrap().len(), 1);
    // A file a clerk (here bob) put into alice's library at the window.
    let for_alice = MaterialFile {
        uploaded_by: bob.id,
        ..file(alice.id, "cc", "代传.pdf", 4)
    };
    store.save_material(&for_alice).await.unwrap();
    assert_eq!(
        store.material(alice.id, "cc").await.unwrap(),
        Some(for_alice)
    );
}
