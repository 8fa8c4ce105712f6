//! Signed webhooks (Standard Webhooks): an administrator registers a receiver
//! on 127.0.0.1 through the API, a case is walked, and the webhook channel
//! posts one signed request per message, which the receiver verifies with the
//! secret it was given. Failures are retried on the schedule with the same
//! `webhook-id`; 410 and a spent schedule switch the webhook off; the
//! administrator sees every answer and can put a failed delivery back.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use chrono::Duration;
use serde_json::Value;

use onestamp_app::webhooks::WebhookChannel;
use onestamp_domain::webhook;
use onestamp_testkit::fixtures::{SOLE_TRADER, sole_trader_form};
use onestamp_testkit::reqwest::{Method, StatusCode};
use onestamp_testkit::{TestApp, assert_error, json};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: i64,
    signature: String,
    raw: String,
    body: Value,
    verified: bool,
}

#[derive(Default)]
struct Inner {
    secret: String,
    /// The statuses to answer, in turn; 200 once they run out.
    answers: VecDeque<u16>,
    /// Answer this to everything, when set (after `answers`).
    always: Option<u16>,
    got: Vec<Received>,
}

#[derive(Clone, Default)]
struct Receiver(Arc<Mutex<Inner>>);

impl Receiver {
    fn set_secret(&self, s: &str) {
        self.0.lock().unwrap().secret = s.to_string();
    }
    fn answer(&self, statuses: &[u16]) {
        self.0.lock().unwrap().answers.extend(statuses);
    }
    fn always(&self, status: u16) {
        self.0.lock().unwrap().always = Some(status);
    }
    fn got(&self) -> Vec<Received> {
        self.0.lock().unwrap().got.clone()
    }
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, raw: String) -> (AxumStatus, String) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let id = header("webhook-id");
    let timestamp: i64 = header("webhook-timestamp").parse().unwrap_or(-1);
    let signature = header("webhook-signature");
    let mut inner = r.0.lock().unwrap();
    let verified = webhook::verify(&inner.secret, &id, timestamp, &raw, &signature);
    inner.got.push(Received {
        id,
        timestamp,
        signature,
        body: serde_json::from_str(&raw).unwrap_or(Value::Null),
        raw,
        verified,
    });
    let status = inner.answers.pop_front().or(inner.always).unwrap_or(200);
    let text = if status == 200 { "ok" } else { "boom" };
    (AxumStatus::from_u16(status).unwrap(), text.to_string())
}

/// A receiver on 127.0.0.1 and its address.
async fn receiver() -> (Receiver, String) {
    let r = Receiver::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (r, url)
}

/// Registers a webhook for `events` as the administrator; its id.
async fn register(t: &TestApp, admin: &str, r: &Receiver, url: &str, events: &[&str]) -> i64 {
    let reply = t
        .post(
            "/api/v1/webhooks",
            admin,
            json!({"url": url, "events": events, "description": "短信网关", "department": "scjg"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let secret = reply.body["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    r.set_secret(secret);
    reply.body["id"].as_i64().unwrap()
}

async fn submit(t: &TestApp) -> i64 {
    let token = t.login("zhangsan").await;
    let r = t
        .post(
            "/api/v1/cases",
            &token,
            json!({"item": SOLE_TRADER, "channel": "web", "form": sole_trader_form()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body["id"].as_i64().unwrap()
}

async fn deliveries(t: &TestApp, admin: &str, hook: i64) -> Vec<Value> {
    let r = t
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"), admin)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body.as_array().unwrap().clone()
}

const CASE_EVENTS: [&str; 5] = [
    "case.submitted",
    "case.accepted",
    "case.approved",
    "case.stage_passed",
    "case.issued",
];

#[tokio::test]
async fn every_message_of_a_case_reaches_the_receiver_once_signed() {
    let t = TestApp::start().await;
    let (r, url) = receiver().await;
    let admin = t.login("admin").await;
    let hook = register(&t, &admin, &r, &url, &CASE_EVENTS).await;

    // Lists never show the secret.
    let list = t.get("/api/v1/webhooks", &admin).await;
    assert_eq!(list.status, StatusCode::OK);
    let listed = &list.body.as_array().unwrap()[0];
    assert_eq!(listed["id"], hook);
    assert!(listed.get("secret").is_none(), "{listed:?}");
    let one = t.get(&format!("/api/v1/webhooks/{hook}"), &admin).await;
    assert!(one.body.get("secret").is_none());
    assert_eq!(one.body["enabled"], true);

    let (id, _, licence) = t
        .file_through(
            "zhangsan",
            json!({"item": SOLE_TRADER, "channel": "web", "form": sole_trader_form()}),
            &[
                ("clerk", "accept"),
                ("approver", "approve"),
                ("officer", "produce"),
                ("officer", "issue"),
            ],
        )
        .await;
    assert!(licence.is_some());
    let messages: Vec<_> = t
        .store
        .case_messages(id)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| CASE_EVENTS.contains(&m.event.as_str()))
        .collect();
    assert!(messages.len() >= 5, "{messages:?}");
    let number = messages[0].case_number.clone().unwrap();

    let channel = WebhookChannel::new().unwrap();
    let run = t.app.deliver(&channel, 50).await.unwrap();
    assert_eq!(run.delivered as usize, messages.len(), "{run:?}");
    assert_eq!(t.app.deliver(&channel, 50).await.unwrap().claimed, 0);

    let got = r.got();
    assert_eq!(got.len(), messages.len());
    let ids: BTreeSet<String> = got.iter().map(|g| g.id.clone()).collect();
    let expected: BTreeSet<String> = messages.iter().map(|m| format!("msg_{}", m.id)).collect();
    assert_eq!(ids, expected, "one request per message, by its id");
    let public = t
        .app
        .settings()
        .public_url
        .trim_end_matches('/')
        .to_string();
    for g in &got {
        assert!(g.verified, "signature of {} does not verify", g.id);
        let m = messages
            .iter()
            .find(|m| format!("msg_{}", m.id) == g.id)
            .unwrap();
        assert_eq!(g.body["type"], m.event.as_str());
        let d = &g.body["data"];
        assert_eq!(d["message_id"], m.id);
        assert_eq!(d["case_number"], number.as_str());
        let word = d["stage_word"].as_str().unwrap();
        assert!(!word.is_empty() && word.chars().count() <= 5, "{word}");
        let text = d["text"].as_str().unwrap();
        assert!(!text.is_empty() && text.chars().count() <= 70, "{text}");
        assert_eq!(d["link"], format!("{public}/cases/{id}"));
        assert_eq!(d["lookup_url"], format!("{public}/lookup"));
        assert!(d["subject"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(g.body["timestamp"].as_str().is_some());
        assert_eq!(g.timestamp, t.clock_now().timestamp());
    }
    let issued = got
        .iter()
        .find(|g| g.body["type"] == "case.issued")
        .unwrap();
    assert!(issued.body["data"]["licence"]["id"].is_string());

    // A tampered body, timestamp or id does not verify with the same signature.
    let g = &got[0];
    let secret = r.0.lock().unwrap().secret.clone();
    assert!(webhook::verify(
        &secret,
        &g.id,
        g.timestamp,
        &g.raw,
        &g.signature
    ));
    let tampered = g.raw.replace(&number, "510107-20260302-9999");
    assert_ne!(tampered, g.raw);
    assert!(!webhook::verify(
        &secret,
        &g.id,
        g.timestamp,
        &tampered,
        &g.signature
    ));
    assert!(!webhook::verify(
        &secret,
        &g.id,
        g.timestamp + 1,
        &g.raw,
        &g.signature
    ));
    assert!(!webhook::verify(
        &secret,
        "msg_0",
        g.timestamp,
        &g.raw,
        &g.signature
    ));

    // The administrator sees each delivery with the receiver's answer.
    let list = deliveries(&t, &admin, hook).await;
    assert_eq!(list.len(), messages.len());
    for d in &list {
        assert_eq!(d["state"], "delivered", "{d:?}");
        assert_eq!(d["last_status"], 200);
        assert_eq!(d["last_answer"], "ok");
        assert_eq!(d["attempts"], 1);
        assert!(d["delivered_at"].is_string());
        assert_eq!(d["channel"], "webhook");
        assert_eq!(d["target"], hook.to_string());
    }
    let page = t
        .get(
            &format!("/api/v1/webhooks/{hook}/deliveries?limit=2"),
            &admin,
        )
        .await;
    let first = page.body.as_array().unwrap();
    assert_eq!(first.len(), 2);
    let before = first[1]["id"].as_i64().unwrap();
    let next = t
        .get(
            &format!("/api/v1/webhooks/{hook}/deliveries?before={before}&limit=200"),
            &admin,
        )
        .await;
    assert_eq!(next.body.as_array().unwrap().len(), messages.len() - 2);
    let bad = t
        .get(
            &format!("/api/v1/webhooks/{hook}/deliveries?limit=0"),
            &admin,
        )
        .await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "bad_query");
    // A delivered delivery cannot be retried.
    let again = t
        .post(
            &format!("/api/v1/deliveries/{}/retry", list[0]["id"]),
            &admin,
            json!({}),
        )
        .await;
    assert_error(&again, StatusCode::CONFLICT, "not_retryable");
}

#[tokio::test]
async fn a_failed_attempt_is_retried_after_five_seconds_with_the_same_id() {
    let t = TestApp::start().await;
    let (r, url) = receiver().await;
    let admin = t.login("admin").await;
    let hook = register(&t, &admin, &r, &url, &["case.submitted"]).await;
    r.answer(&[500]);
    submit(&t).await;
    let channel = WebhookChannel::new().unwrap();

    let run = t.app.deliver(&channel, 50).await.unwrap();
    assert_eq!((run.claimed, run.failed), (1, 1), "{run:?}");
    let list = deliveries(&t, &admin, hook).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["state"], "pending");
    assert_eq!(list[0]["attempts"], 1);
    assert_eq!(list[0]["last_status"], 500);
    assert_eq!(list[0]["last_answer"], "boom");
    assert!(list[0]["last_error"].as_str().unwrap().contains("500"));

    // Not before 5 s.
    assert_eq!(t.app.deliver(&channel, 50).await.unwrap().claimed, 0);
    t.clock.advance(Duration::seconds(4));
    assert_eq!(t.app.deliver(&channel, 50).await.unwrap().claimed, 0);
    t.clock.advance(Duration::seconds(1));
    let run = t.app.deliver(&channel, 50).await.unwrap();
    assert_eq!((run.claimed, run.delivered), (1, 1), "{run:?}");

    let got = r.got();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id, got[1].id, "the same webhook-id on every retry");
    assert_eq!(got[1].timestamp - got[0].timestamp, 5);
    assert!(got.iter().all(|g| g.verified));
    assert_eq!(got[0].raw, got[1].raw, "the same body on every retry");
    let list = deliveries(&t, &admin, hook).await;
    assert_eq!(list[0]["state"], "delivered");
    assert_eq!(list[0]["attempts"], 2);
    assert_eq!(list[0]["last_status"], 200);
    assert_eq!(list[0]["last_answer"], "ok");
}

#[tokio::test]
async fn gone_switches_the_webhook_off_until_an_administrator_retries() {
    let t = TestApp::start().await;
    let (r, url) = receiver().await;
    let admin = t.login("admin").await;
    let hook = register(&t, &admin, &r, &url, &["case.submitted", "case.accepted"]).await;
    r.answer(&[410]);
    let case = submit(&t).await;
    let channel = WebhookChannel::new().unwrap();
    let run = t.app.deliver(&channel, 50).await.unwrap();
    assert_eq!(run.failed, 1, "{run:?}");

    let one = t.get(&format!("/api/v1/webhooks/{hook}"), &admin).await;
    assert_eq!(one.body["enabled"], false, "{:?}", one.body);
    assert!(
        one.body["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("410"),
        "{:?}",
        one.body
    );
    let list = deliveries(&t, &admin, hook).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["state"], "failed");
    assert_eq!(list[0]["last_status"], 410);

    // Switched off, it gets no new deliveries.
    let clerk = t.login("clerk").await;
    let accepted = t.act(case, &clerk, "accept", Some("同意")).await;
    assert_eq!(accepted.status, StatusCode::OK, "{:?}", accepted.body);
    assert_eq!(deliveries(&t, &admin, hook).await.len(), 1);

    // Switched on again: the reason goes; the failed delivery is put back.
    let on = t
        .call(
            Method::PATCH,
            &format!("/api/v1/webhooks/{hook}"),
            Some(&admin),
            Some(json!({"enabled": true})),
        )
        .await;
    assert_eq!(on.status, StatusCode::OK, "{:?}", on.body);
    assert_eq!(on.body["enabled"], true);
    assert!(on.body["disabled_reason"].is_null());
    let delivery = list[0]["id"].as_i64().unwrap();
    let retried = t
        .post(
            &format!("/api/v1/deliveries/{delivery}/retry"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(retried.status, StatusCode::OK, "{:?}", retried.body);
    assert_eq!(retried.body["state"], "pending");
    assert_eq!(retried.body["attempts"], 0);
    let twice = t
        .post(
            &format!("/api/v1/deliveries/{delivery}/retry"),
            &admin,
            json!({}),
        )
        .await;
    assert_error(&twice, StatusCode::CONFLICT, "not_retryable");
    let run = t.app.deliver(&channel, 50).await.unwrap();
    assert_eq!(run.delivered, 1, "{run:?}");
    let got = r.got();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id, got[1].id);
    assert!(got.iter().all(|g| g.verified));
    assert_eq!(deliveries(&t, &admin, hook).await[0]["state"], "delivered");

    // Switched off by hand, with its reason; removed, it is gone.
    let off = t
        .call(
            Method::PATCH,
            &format!("/api/v1/webhooks/{hook}"),
            Some(&admin),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(off.body["enabled"], false);
    assert!(
        off.body["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("管理员")
    );
    let gone = t
        .call(
            Method::DELETE,
            &format!("/api/v1/webhooks/{hook}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let missing = t.get(&format!("/api/v1/webhooks/{hook}"), &admin).await;
    assert_error(&missing, StatusCode::NOT_FOUND, "not_found");

    // Every change is in the audit chain.
    let entries = t.store.audit_entries(0, 10_000).await.unwrap();
    let kinds: Vec<&str> = entries.iter().map(|e| e.kind.as_str()).collect();
    for k in [
        "webhook.create",
        "webhook.disable",
        "webhook.enable",
        "delivery.retry",
        "webhook.delete",
    ] {
        assert!(kinds.contains(&k), "{k} not audited: {kinds:?}");
    }
}

#[tokio::test]
async fn a_spent_schedule_switches_the_webhook_off() {
    let t = TestApp::start().await;
    let (r, url) = receiver().await;
    let admin = t.login("admin").await;
    let hook = register(&t, &admin, &r, &url, &["case.submitted"]).await;
    r.always(503);
    submit(&t).await;
    let channel = WebhookChannel::new().unwrap();
    for attempt in 1..=8 {
        let run = t.app.deliver(&channel, 50).await.unwrap();
        assert_eq!(run.failed, 1, "attempt {attempt}: {run:?}");
        t.clock.advance(Duration::hours(11));
    }
    assert_eq!(t.app.deliver(&channel, 50).await.unwrap().claimed, 0);
    // Days have passed: a fresh login.
    let admin = t.login("admin").await;
    let list = deliveries(&t, &admin, hook).await;
    assert_eq!(list[0]["state"], "failed");
    assert_eq!(list[0]["attempts"], 8);
    assert_eq!(list[0]["last_status"], 503);
    let one = t.get(&format!("/api/v1/webhooks/{hook}"), &admin).await;
    assert_eq!(one.body["enabled"], false);
    assert!(
        one.body["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("连续投递失败")
    );
    assert_eq!(r.got().len(), 8);
}

#[tokio::test]
async fn registration_is_checked_and_for_administrators_only() {
    let t = TestApp::start().await;
    let admin = t.login("admin").await;
    let bad = t
        .post(
            "/api/v1/webhooks",
            &admin,
            json!({
                "url": "ftp://example.cn/hook",
                "events": ["case.accepted", "case.nothing"],
                "description": "长".repeat(201),
                "department": "nowhere",
            }),
        )
        .await;
    assert_error(&bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
    let fields: Vec<&str> = bad.body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["url", "events", "description", "department"]);
    let message = bad.body["error"]["message"].as_str().unwrap();
    for words in [
        "接收地址",
        "未知的事件：case.nothing",
        "200",
        "未知的部门：nowhere",
    ] {
        assert!(message.contains(words), "{words} not in {message}");
    }
    for body in [
        json!({"url": "http://127.0.0.1:9/h", "events": []}),
        json!({"url": "http://", "events": ["*"]}),
        json!({"url": "", "events": ["*"]}),
    ] {
        let r = t.post("/api/v1/webhooks", &admin, body.clone()).await;
        assert_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_input");
        assert_eq!(
            r.body["error"]["problems"].as_array().unwrap().len(),
            1,
            "{body}"
        );
    }
    let shape = t
        .post("/api/v1/webhooks", &admin, json!({"url": "http://x.cn/h"}))
        .await;
    assert_eq!(shape.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        t.get("/api/v1/webhooks", &admin)
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Anyone but an administrator is refused.
    let clerk = t.login("clerk").await;
    let ok = json!({"url": "http://127.0.0.1:9/h", "events": ["*"]});
    let refused = t.post("/api/v1/webhooks", &clerk, ok.clone()).await;
    assert_error(&refused, StatusCode::FORBIDDEN, "forbidden");
    assert_error(
        &t.get("/api/v1/webhooks", &clerk).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let made = t.post("/api/v1/webhooks", &admin, ok).await;
    assert_eq!(made.status, StatusCode::CREATED);
    let id = made.body["id"].as_i64().unwrap();
    for path in [
        format!("/api/v1/webhooks/{id}"),
        format!("/api/v1/webhooks/{id}/deliveries"),
    ] {
        assert_error(
            &t.get(&path, &clerk).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        );
    }
    let patch = t
        .call(
            Method::PATCH,
            &format!("/api/v1/webhooks/{id}"),
            Some(&clerk),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_error(&patch, StatusCode::FORBIDDEN, "forbidden");
    let retry = t
        .post("/api/v1/deliveries/1/retry", &clerk, json!({}))
        .await;
    assert_error(&retry, StatusCode::FORBIDDEN, "forbidden");
    let missing = t
        .post("/api/v1/deliveries/999999/retry", &admin, json!({}))
        .await;
    assert_error(&missing, StatusCode::NOT_FOUND, "not_found");
    assert_error(
        &t.get("/api/v1/webhooks/999999", &admin).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
}

#[tokio::test]
async fn the_administrators_page_registers_switches_and_retries() {
    use onestamp_testkit::visitor::Visitor;

    let t = TestApp::start().await;
    let (r, url) = receiver().await;
    let admin = Visitor::logged_in(&t, "admin").await;
    let page = admin.get("/admin/webhooks").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("尚未登记 Webhook"), "{}", page.html);
    assert!(
        page.html.contains("href=\"/admin/webhooks\""),
        "linked from the admin nav"
    );
    let csrf = admin.csrf().await;

    // A refused form comes back 422 with each problem, the values kept.
    let bad = admin
        .post(
            "/admin/webhooks",
            &[
                ("csrf", &csrf),
                ("url", "ftp://x.cn/h"),
                ("description", "网关"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.html);
    assert!(bad.html.contains("id=\"webhook-problems\""));
    assert!(bad.html.contains("接收地址须以 http:// 或 https:// 开头"));
    assert!(bad.html.contains("请至少选择一个事件"));
    assert!(bad.html.contains("value=\"ftp://x.cn/h\""));

    // Registered: the secret is shown this once.
    let made = admin
        .post(
            "/admin/webhooks",
            &[
                ("csrf", &csrf),
                ("url", &url),
                ("description", "短信网关"),
                ("department", ""),
                ("events", "case.submitted"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.html);
    assert!(made.html.contains("只显示这一次"));
    let start = made.html.find("<code id=\"secret\">").unwrap() + "<code id=\"secret\">".len();
    let secret = made.html[start..].split('<').next().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    r.set_secret(&secret);
    let again = admin.get("/admin/webhooks").await;
    assert!(
        !again.html.contains(&secret),
        "the secret is shown once only"
    );
    assert!(again.html.contains("短信网关"));
    assert!(again.html.contains("启用中"));
    let hook = t
        .get("/api/v1/webhooks", &t.login("admin").await)
        .await
        .body[0]["id"]
        .as_i64()
        .unwrap();

    // A failed delivery shows its answer and 重新投递.
    r.answer(&[410]);
    submit(&t).await;
    let channel = WebhookChannel::new().unwrap();
    t.app.deliver(&channel, 50).await.unwrap();
    let failed = admin.get("/admin/webhooks").await;
    assert!(failed.html.contains("已停用"));
    assert!(failed.html.contains("410"));
    assert!(failed.html.contains("boom"));
    assert!(failed.html.contains("重新投递"));
    let marker = "action=\"/admin/deliveries/";
    let start = failed.html.find(marker).unwrap() + marker.len();
    let delivery = failed.html[start..].split('/').next().unwrap().to_string();

    let on = admin
        .post(
            &format!("/admin/webhooks/{hook}/enabled"),
            &[("csrf", &csrf), ("enabled", "on")],
        )
        .await;
    assert_eq!(on.status, StatusCode::SEE_OTHER, "{}", on.html);
    let retried = admin
        .post(
            &format!("/admin/deliveries/{delivery}/retry"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(retried.status, StatusCode::SEE_OTHER, "{}", retried.html);
    assert_eq!(t.app.deliver(&channel, 50).await.unwrap().delivered, 1);
    let done = admin.get("/admin/webhooks").await;
    assert!(done.html.contains("启用中"));
    assert!(done.html.contains("已送达"));
    assert!(r.got().iter().all(|g| g.verified));

    // Without the form's token, or as someone else, nothing changes.
    let forged = admin
        .post(
            &format!("/admin/webhooks/{hook}/enabled"),
            &[("enabled", "off")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let clerk = Visitor::logged_in(&t, "clerk").await;
    assert_eq!(
        clerk.get("/admin/webhooks").await.status,
        StatusCode::FORBIDDEN
    );
}
