//! Licences revoked and replaced, an instant decision sealed in the
//! submission, and the audit replay of what the use cases wrote.

use super::*;

#[tokio::test]
async fn a_revoked_licence_verifies_as_revoked_and_a_replaced_one_names_its_successor() {
    let t = TestApp::start().await;
    let (_, id) = issue_sole_trader(&t).await;
    let officer = session(&t, "officer").await;
    let clerk = session(&t, "clerk").await;
    assert!(matches!(
        t.app.revoke_licence(&clerk, &id, "吊销").await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        t.app
            .replace_licence(&officer, &id, " ", BTreeMap::new())
            .await,
        Err(AppError::Invalid { .. })
    ));
    let changes = BTreeMap::from([("经营范围".to_string(), "小吃服务".to_string())]);
    let new = t
        .app
        .replace_licence(&officer, &id, "经营范围变更", changes)
        .await
        .unwrap();
    assert_ne!(new.stored.id, id);
    assert_eq!(new.standing, Standing::Valid);
    let old = t.app.verify_licence(&id).await.unwrap();
    assert_eq!(old.standing, Standing::Revoked);
    assert_eq!(old.replaced_by.as_deref(), Some(new.stored.id.as_str()));
    assert_eq!(old.reason.as_deref(), Some("经营范围变更"));
    assert!(matches!(
        t.app.revoke_licence(&officer, &new.stored.id, "").await,
        Err(AppError::Invalid { .. })
    ));
    t.app
        .revoke_licence(&officer, &new.stored.id, "以欺骗手段取得许可")
        .await
        .unwrap();
    let revoked = t.app.verify_licence(&new.stored.id).await.unwrap();
    assert_eq!(revoked.standing, Standing::Revoked);
    assert_eq!(revoked.replaced_by, None);
    assert_eq!(
        t.app
            .verify_licence("not-a-licence")
            .await
            .unwrap()
            .standing,
        Standing::NotGenuine
    );
}

#[tokio::test]
async fn an_instant_item_is_issued_by_the_system_within_the_submission() {
    let t = TestApp::start().await;
    let (_, business_licence) = issue_sole_trader(&t).await;
    let owner = session(&t, "zhangsan").await;
    let mut app = application(NAME_CHANGE, onestamp_testkit::fixtures::name_change_form());
    app.materials.insert(
        "M02".into(),
        MaterialChoice {
            licence: Some(business_licence),
            ..Default::default()
        },
    );
    let v = t.app.submit_application(&owner, app).await.unwrap();
    assert_eq!(
        v.case.status,
        CaseStatus::Issued,
        "{:?}",
        v.case.machine_review
    );
    assert!(v.case.machine_review.as_ref().unwrap().passed);
    let by: Vec<(&str, Hand)> = v.events.iter().map(|e| (e.action.as_str(), e.by)).collect();
    assert_eq!(
        by,
        [
            ("submit", Hand::Applicant),
            ("accept", Hand::System),
            ("approve", Hand::System),
            ("produce", Hand::System),
            ("issue", Hand::System),
        ]
    );
    let licence = v.licence_id.expect("sealed in the same submission");
    assert_eq!(
        t.app.verify_licence(&licence).await.unwrap().standing,
        Standing::Valid
    );
}

#[tokio::test]
async fn the_audit_chain_replays_every_case_and_licence_the_use_cases_wrote() {
    let t = TestApp::start().await;
    issue_sole_trader(&t).await;
    let id = submit(&t, "jinjiang_books", FOOD, food_form())
        .await
        .case
        .id;
    let supervisor = session(&t, "supervisor").await;
    t.app
        .set_priority(&supervisor, id, true, "区重点项目", 1)
        .await
        .unwrap();
    let owner = session(&t, "jinjiang_books").await;
    act(&t, &owner, id, Action::Withdraw, Some("暂不经营"))
        .await
        .unwrap();
    let mut walked = 0;
    let report = t.app.verify_audit(&[], |n| walked = n).await.unwrap();
    assert!(report.intact(), "{:?}", report.findings);
    assert_eq!((report.cases, report.licences), (2, 1));
    assert_eq!(walked, report.entries);
}
