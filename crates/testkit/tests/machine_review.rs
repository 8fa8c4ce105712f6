//! Machine review (机器看材料) and instant approval (秒批) over the API.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::fixtures::{NAME_CHANGE, name_change_form};
use onestamp_testkit::reqwest::{Method, StatusCode};
use onestamp_testkit::{TestApp, json};

#[tokio::test]
async fn an_instant_application_that_fails_a_rule_goes_to_people_with_the_reasons() {
    let t = TestApp::start().await;
    let applicant = t.login("zhangsan").await;
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": NAME_CHANGE, "form": name_change_form()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["status"], "pre_review", "routed to a clerk");
    let review = &r.body["machine_review"];
    assert_eq!(review["passed"], false);
    let failed: Vec<&str> = review["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["passed"] == false)
        .map(|x| x["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        ["R01"],
        "no business licence on file yet: {review:?}"
    );
    let clerk = t.login("clerk").await;
    let seen = t
        .get(&format!("/api/v1/cases/{}", r.body["id"]), &clerk)
        .await;
    assert_eq!(
        seen.body["machine_review"]["results"][0]["message"],
        "未查询到申请人有效的个体工商户营业执照"
    );
}

#[tokio::test]
async fn a_valid_instant_application_comes_back_issued_in_the_response() {
    let t = TestApp::start().await;
    let admin = t.login("admin").await;
    let mut cat = t
        .call(Method::GET, "/api/v1/catalogue", None, None)
        .await
        .body;
    let items = cat["items"].as_array_mut().unwrap();
    let mut item = items
        .iter()
        .find(|i| i["code"] == NAME_CHANGE)
        .unwrap()
        .clone();
    item["code"] = json!("510107-SCJG-903");
    item["name"] = json!("个体工商户名称变更登记（经营者本人）");
    let rules = item["rules"].as_array_mut().unwrap();
    rules.retain(|r| r["code"] != "R01");
    *items = vec![item];
    cat["themes"] = json!([]);
    let r = t.post("/api/v1/catalogue", &admin, cat).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);

    let applicant = t.login("zhangsan").await;
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": "510107-SCJG-903", "form": name_change_form()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    assert_eq!(r.body["status"], "issued", "{:?}", r.body["machine_review"]);
    assert_eq!(r.body["machine_review"]["passed"], true);
    let actions: Vec<&str> = r.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["submit", "accept", "approve", "produce", "issue"]);
    // The applicant sees that the system decided, apart from any hidden person.
    let by: Vec<(&str, i64)> = r.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["by"].as_str().unwrap(),
                e["actor_id"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(by[0].0, "applicant");
    assert!(by[1..].iter().all(|b| *b == ("system", 0)), "{by:?}");

    let mut bad = name_change_form();
    bad["new_name"] = bad["old_name"].clone();
    let r = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": "510107-SCJG-903", "form": bad}),
        )
        .await;
    assert_eq!(r.body["status"], "pre_review");
    let failed: Vec<&str> = r.body["machine_review"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["passed"] == false)
        .map(|x| x["code"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["R04"]);
}

#[tokio::test]
async fn bad_rules_are_refused_at_import_naming_the_item_and_rule() {
    let t = TestApp::start().await;
    let admin = t.login("admin").await;
    let mut cat = t
        .call(Method::GET, "/api/v1/catalogue", None, None)
        .await
        .body;
    let item = cat["items"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["code"] == NAME_CHANGE)
        .unwrap();
    item["rules"] = json!([
        {"code": "R01", "expr": "size(form.new_name >= 2", "message": "语法错误"},
        {"code": "R02", "expr": "form.shoe_size > 40.0", "message": "未知字段"},
        {"code": "R03", "expr": "launch_rockets(form.new_name)", "message": "未知函数"}
    ]);
    let r = t.post("/api/v1/catalogue", &admin, cat).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = r.body["error"]["message"].as_str().unwrap();
    for needle in [
        "item 510107-SCJG-003",
        "R01",
        "R02",
        "shoe_size",
        "R03",
        "launch_rockets",
    ] {
        assert!(message.contains(needle), "{needle} not in {message}");
    }
}

#[tokio::test]
async fn an_admin_switches_instant_decisions_off_at_once_and_a_supervisor_samples_them() {
    let t = TestApp::start().await;
    let admin = t.login("admin").await;
    let mut cat = t
        .call(Method::GET, "/api/v1/catalogue", None, None)
        .await
        .body;
    let items = cat["items"].as_array_mut().unwrap();
    let mut item = items
        .iter()
        .find(|i| i["code"] == NAME_CHANGE)
        .unwrap()
        .clone();
    item["code"] = json!("510107-SCJG-903");
    item["rules"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["code"] != "R01");
    *items = vec![item];
    cat["themes"] = json!([]);
    assert_eq!(
        t.post("/api/v1/catalogue", &admin, cat).await.status,
        StatusCode::OK
    );
    let applicant = t.login("zhangsan").await;
    let path = "/api/v1/items/510107-SCJG-903/instant";
    assert_eq!(
        t.call(Method::GET, path, None, None).await.body["instant"],
        true
    );

    let clerk = t.login("clerk").await;
    let off = json!({"enabled": false, "reason": "规则复核期间暂停秒批"});
    assert_eq!(
        t.call(Method::PUT, path, Some(&clerk), Some(off.clone()))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = t
        .call(
            Method::PUT,
            path,
            Some(&admin),
            Some(json!({"enabled": false, "reason": ""})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .call(
            Method::PUT,
            "/api/v1/items/510107-WGLT-001/instant",
            Some(&admin),
            Some(off.clone()),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not an instant item"
    );
    let r = t.call(Method::PUT, path, Some(&admin), Some(off)).await;
    assert_eq!(r.body["instant"], false);
    let held = t
        .post(
            "/api/v1/cases",
            &applicant,
            json!({"item": "510107-SCJG-903", "form": name_change_form()}),
        )
        .await;
    assert_eq!(
        held.body["status"], "pre_review",
        "every rule passes, but people decide while it is off"
    );
    assert_eq!(held.body["machine_review"]["passed"], true);

    t.call(
        Method::PUT,
        path,
        Some(&admin),
        Some(json!({"enabled": true, "reason": "复核完毕"})),
    )
    .await;
    for _ in 0..3 {
        let r = t
            .post(
                "/api/v1/cases",
                &applicant,
                json!({"item": "510107-SCJG-903", "form": name_change_form()}),
            )
            .await;
        assert_eq!(r.body["status"], "issued");
    }
    let supervisor = t.login("supervisor").await;
    let sample = t
        .post(
            "/api/v1/quality/samples",
            &supervisor,
            json!({"size": 2, "instant_only": true}),
        )
        .await;
    assert_eq!(sample.status, StatusCode::CREATED, "{:?}", sample.body);
    let cases = sample.body["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    assert!(cases.iter().all(|c| c["instant"] == true));
    let entries = t.store.audit_entries(0, 10_000).await.unwrap();
    assert_eq!(
        entries.iter().filter(|e| e.kind == "item.instant").count(),
        2
    );
}
