//! Renewals (延续) over the API: the renewed licence continues the old one's
//! number, holder, scope and data and its validity, and replaces it in the
//! same transaction.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::fixtures::{FOOD, food_form};
use onestamp_testkit::reqwest::{Method, StatusCode};
use onestamp_testkit::{TestApp, json};

/// Takes jinjiang_books' food business licence (食品经营许可) to issued; its id.
async fn issue_food_licence(t: &TestApp) -> String {
    let (_, _, licence) = t
        .file_through(
            "jinjiang_books",
            json!({"item": FOOD, "channel": "counter", "form": food_form()}),
            &[
                ("clerk", "accept"),
                ("reviewer", "review"),
                ("inspector", "inspect"),
                ("approver", "approve"),
                ("officer", "produce"),
                ("officer", "issue"),
            ],
        )
        .await;
    licence.expect("licence id")
}

/// The 秒批 renewal (食品经营许可延续) of a licence: its whole identifier fits the
/// form; the new licence keeps the old one's scope and data, runs on from its
/// expiry and replaces it in the same transaction; a second renewal of the old
/// one, someone else's licence or a mistyped number are refused naming the field.
#[tokio::test]
async fn a_renewal_continues_the_old_licence_and_replaces_it() {
    const RENEWAL: &str = "510107-SCJG-005";
    let t = TestApp::start().await;
    let old_id = issue_food_licence(&t).await;
    assert!(old_id.len() > 32, "{old_id}");
    let applicant = t.login("jinjiang_books").await;
    let old = t
        .get(&format!("/api/v1/licences/{old_id}"), &applicant)
        .await;
    assert_eq!(old.status, StatusCode::OK, "{:?}", old.body);
    let form = |licence: &str| {
        json!({
            "entity_name": "成都锦江书香文化有限公司", "credit_code": "91510107MA6C11110G",
            "licence_no": licence, "address": "成都市武侯区玉林街道玉林北路12号",
            "mobile": "13800281234", "conditions_unchanged": true
        })
    };
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": RENEWAL, "form": form(&old_id)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["status"], "issued", "{:?}", r.body["machine_review"]);
    let new_id = r.body["licence_id"].as_str().unwrap().to_string();
    assert!(
        new_id.contains(".002."),
        "the next version of the same licence: {new_id}"
    );
    let new = t
        .get(&format!("/api/v1/licences/{new_id}"), &applicant)
        .await;
    let (o, n) = (&old.body["document"], &new.body["document"]);
    assert_eq!(n["scope"], o["scope"], "the scope carries over");
    assert_eq!(n["scope"], "自制饮品制售、预包装食品销售");
    assert_eq!(n["fields"], o["fields"], "the data carries over");
    assert!(
        !n["fields"].to_string().contains("许可条件未发生变化"),
        "{}",
        n["fields"]
    );
    let day = |v: &serde_json::Value| {
        chrono::NaiveDate::parse_from_str(v.as_str().unwrap(), "%Y-%m-%d").unwrap()
    };
    let old_until = day(&o["valid_until"]);
    assert_eq!(
        day(&n["valid_until"]),
        onestamp_domain::licence::renewal_valid_until(old_until, Some(5)).unwrap(),
        "validity runs on from the old expiry"
    );
    assert!(day(&n["valid_until"]) > old_until);
    let v = t
        .call(Method::GET, &format!("/api/v1/verify/{old_id}"), None, None)
        .await;
    assert_eq!(v.body["standing"], "revoked", "{:?}", v.body);
    assert_eq!(v.body["replaced_by"], new_id);
    let v = t
        .call(Method::GET, &format!("/api/v1/verify/{new_id}"), None, None)
        .await;
    assert_eq!(v.body["standing"], "valid", "{:?}", v.body);

    // 审管分离: the regulator hears of the instant approval, with its licence,
    // and of the old licence replaced; the holder is told of the replacement.
    let regulator = t.login("regulator").await;
    let feed = t.get("/api/v1/supervision/feed", &regulator).await;
    assert_eq!(feed.status, StatusCode::OK, "{:?}", feed.body);
    let records = feed.body["records"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = records
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap(),
                r["licence_id"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("approved", ""),
            ("approved", new_id.as_str()),
            ("replaced", old_id.as_str())
        ],
        "{records:?}"
    );
    let instant = &records[1];
    assert_eq!(instant["case_id"], r.body["id"]);
    assert_eq!(instant["summary"]["licence"]["id"], new_id);
    assert!(
        instant["summary"]["licence"]["issued_on"].is_string(),
        "{instant:?}"
    );
    assert_eq!(records[2]["summary"]["replaced_by"], new_id);
    let events_of = |case_id: i64| {
        let store = t.store.clone();
        async move {
            store
                .case_messages(case_id)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.event)
                .collect::<Vec<String>>()
        }
    };
    let old_case = records[2]["case_id"].as_i64().unwrap();
    assert_eq!(records[0]["case_id"], old_case);
    let old_events = events_of(old_case).await;
    assert!(
        old_events.iter().any(|e| e == "licence.replaced"),
        "the holder hears of the replacement: {old_events:?}"
    );
    let new_events = events_of(r.body["id"].as_i64().unwrap()).await;
    assert_eq!(
        new_events
            .iter()
            .filter(|e| *e == "supervision.record")
            .count(),
        1,
        "{new_events:?}"
    );

    // The old licence cannot be renewed twice; a wrong number is named.
    let again = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": RENEWAL, "form": form(&old_id)}),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        again.body
    );
    assert!(
        again.body.to_string().contains("原许可证编号"),
        "{:?}",
        again.body
    );
    assert!(
        again.body.to_string().contains("已撤销或已换发"),
        "{:?}",
        again.body
    );
    let typo = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": RENEWAL, "form": form(&new_id[..new_id.len() - 1])}),
        )
        .await;
    assert_eq!(
        typo.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        typo.body
    );
    let stranger = t.login("zhangsan").await;
    let theirs = t
        .post(
            "/api/v1/cases",
            &stranger,
            json!({"item": RENEWAL, "form": form(&new_id)}),
        )
        .await;
    assert_eq!(
        theirs.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        theirs.body
    );
    assert!(
        theirs.body.to_string().contains("不是申请人的证照"),
        "{:?}",
        theirs.body
    );
    let report = t.app.verify_audit(&[], |_| {}).await.unwrap();
    assert!(report.intact(), "{report:?}");
}
