//! Email delivery over real SMTP (邮件通知): a case walked to its licence sends
//! the applicant one mail per stage, through an aiosmtpd sink on 127.0.0.1;
//! the settings (消息设置) switch an event's email off without touching the
//! inbox; a user without an address gets no email delivery; an unreachable
//! server leaves the delivery to be tried again, and the case goes on.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use chrono::{DateTime, Utc};

use onestamp_app::delivery::DeliveryRun;
use onestamp_app::email::EmailChannel;
use onestamp_app::store::{Delivery, DeliveryState};
use onestamp_testkit::fixtures::{SOLE_TRADER, sole_trader_form};
use onestamp_testkit::reqwest::{Method, StatusCode};
use onestamp_testkit::smtp::{SinkMail, SmtpSink};
use onestamp_testkit::visitor::{Visitor, hidden};
use onestamp_testkit::{TestApp, json};

fn monday_morning() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:30:00+08:00")
        .unwrap()
        .with_timezone(&Utc)
}

async fn app_with_mail(smtp_url: &str) -> TestApp {
    let url = smtp_url.to_string();
    TestApp::start_configured(monday_morning(), move |s| s.smtp_url = url).await
}

async fn walk(t: &TestApp) -> i64 {
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
    id
}

/// Runs the email channel until nothing is due; the passes' sum.
async fn deliver_all(t: &TestApp, channel: &EmailChannel) -> DeliveryRun {
    let mut total = DeliveryRun::default();
    loop {
        let run = t.app.deliver(channel, 50).await.unwrap();
        if run.claimed == 0 {
            return total;
        }
        total.claimed += run.claimed;
        total.delivered += run.delivered;
        total.failed += run.failed;
        total.lost += run.lost;
    }
}

fn to<'a>(mails: &'a [SinkMail], address: &str) -> Vec<&'a SinkMail> {
    mails
        .iter()
        .filter(|m| m.rcpt_tos.iter().any(|r| r == address))
        .collect()
}

async fn user_id(t: &TestApp, username: &str) -> i64 {
    let (user, _) = t.store.user_credentials(username).await.unwrap().unwrap();
    user.id
}

async fn email_deliveries(t: &TestApp, user: i64) -> Vec<Delivery> {
    t.store
        .deliveries(Some("email"), Some(&user.to_string()), None, 200)
        .await
        .unwrap()
}

async fn put_settings(
    t: &TestApp,
    token: &str,
    body: serde_json::Value,
) -> onestamp_testkit::Reply {
    t.call(
        Method::PUT,
        "/api/v1/me/notification-settings",
        Some(token),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn every_stage_of_a_case_reaches_the_applicants_mailbox_once() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let t = app_with_mail(&sink.url()).await;
    let id = walk(&t).await;
    let channel = EmailChannel::new(t.app.settings()).unwrap();
    assert!(channel.configured());
    let run = deliver_all(&t, &channel).await;
    assert_eq!(run.failed, 0, "{run:?}");
    assert_eq!(run.delivered, run.claimed);

    let case = t.store.case(id).await.unwrap().unwrap();
    let messages = t.store.case_messages(id).await.unwrap();
    let applicants: Vec<_> = messages
        .iter()
        .filter(|m| m.event.starts_with("case."))
        .collect();
    assert_eq!(applicants.len(), 5, "{messages:?}");

    let mails = sink.messages();
    let zhangsan = user_id(&t, "zhangsan").await;
    let theirs = to(&mails, "zhangsan@example.com");
    assert_eq!(
        theirs.len(),
        applicants.len(),
        "one mail per applicant-facing stage"
    );
    // A batch goes out at once, so mails arrive in any order: each is found
    // by the Message-ID its message gives it.
    for message in &applicants {
        let message_id = format!("<msg-{}-{zhangsan}@onestamp>", message.id);
        let sent: Vec<_> = theirs
            .iter()
            .filter(|m| m.header("Message-ID").as_deref() == Some(message_id.as_str()))
            .collect();
        assert_eq!(sent.len(), 1, "{message_id} sent once");
        let mail = sent[0];
        assert_eq!(mail.subject(), message.subject, "{}", mail.data);
        assert!(mail.subject().contains(&case.number));
        assert!(mail.header("From").unwrap().contains("noreply@example.cn"));
        let body = mail.body();
        assert!(
            body.contains(&format!("办件编号：{}", case.number)),
            "{body}"
        );
        assert!(body.contains(&message.text), "{body}");
        assert!(
            body.contains(&format!("http://127.0.0.1:8080/cases/{id}")),
            "{body}"
        );
        assert!(body.contains("http://127.0.0.1:8080/lookup"), "{body}");
    }
    let subjects: Vec<String> = theirs.iter().map(|m| m.subject()).collect();
    for word in [
        "申请已提交",
        "申请已受理",
        "审批已核准",
        "环节办理完成",
        "证照已发放",
    ] {
        assert!(
            subjects.iter().any(|s| s.starts_with(word)),
            "{word} missing from {subjects:?}"
        );
    }
    // Staff are mailed the tasks given to them.
    let approver = to(&mails, "approver@example.com");
    assert_eq!(approver.len(), 1, "{:?}", approver);
    assert!(approver[0].subject().contains("核准"));

    // Each delivery is recorded as delivered with the server's answer, once.
    let done = email_deliveries(&t, zhangsan).await;
    assert_eq!(done.len(), 5);
    for d in &done {
        assert_eq!(d.state, DeliveryState::Delivered, "{d:?}");
        assert_eq!(d.attempts, 1);
        assert_eq!(d.last_status, Some(250));
    }
    assert_eq!(deliver_all(&t, &channel).await.claimed, 0);
    assert_eq!(sink.messages().len(), mails.len());
}

#[tokio::test]
async fn an_event_switched_off_for_email_still_reaches_the_inbox() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let t = app_with_mail(&sink.url()).await;
    let token = t.login("zhangsan").await;

    let before = t.get("/api/v1/me/notification-settings", &token).await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(before.body["email"], "zhangsan@example.com");
    let events = before.body["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .all(|e| e["inbox"] == true && e["email"] == true)
    );
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "case.accepted" && e["label"] == "申请已受理"),
        "{events:?}"
    );
    assert!(
        !events.iter().any(|e| e["event"] == "task.assigned"),
        "an applicant is not offered staff events"
    );

    // Unknown events, or another role's, are refused naming them.
    let refused = put_settings(
        &t,
        &token,
        json!({"events": [
            {"event": "case.teleported", "inbox": true, "email": false},
            {"event": "task.assigned", "inbox": true, "email": false}
        ]}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.code(), "invalid_input");
    let said = refused.body["error"]["message"].as_str().unwrap();
    assert!(
        said.contains("case.teleported") && said.contains("task.assigned"),
        "{said}"
    );
    let bad_email = put_settings(&t, &token, json!({"email": "zhangsan@"})).await;
    assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_email.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("电子邮箱")
    );

    // The answer of GET goes back as it is, with one switch turned off.
    let mut change = before.body.clone();
    for e in change["events"].as_array_mut().unwrap() {
        if e["event"] == "case.accepted" {
            e["email"] = json!(false);
        }
    }
    let saved = put_settings(&t, &token, change).await;
    assert_eq!(saved.status, StatusCode::OK, "{:?}", saved.body);
    let accepted = saved.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "case.accepted")
        .unwrap()
        .clone();
    assert_eq!(
        accepted,
        json!({"event": "case.accepted", "label": "申请已受理", "inbox": true, "email": false})
    );

    let id = walk(&t).await;
    let number = t.store.case(id).await.unwrap().unwrap().number;
    let channel = EmailChannel::new(t.app.settings()).unwrap();
    deliver_all(&t, &channel).await;
    let mails = sink.messages();
    let theirs = to(&mails, "zhangsan@example.com");
    assert_eq!(theirs.len(), 4, "every stage but the acceptance");
    assert!(
        !theirs.iter().any(|m| m.subject().starts_with("申请已受理")),
        "{:?}",
        theirs.iter().map(|m| m.subject()).collect::<Vec<_>>()
    );
    // The inbox still has it.
    t.app.deliver_inbox().await.unwrap();
    let inbox = t.get("/api/v1/notifications", &token).await;
    assert!(
        inbox
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "case.accepted"
                && n["subject"].as_str().unwrap().contains(&number)),
        "{:?}",
        inbox.body
    );
}

#[tokio::test]
async fn a_user_without_an_email_address_gets_no_email_delivery() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let t = app_with_mail(&sink.url()).await;
    let token = t.login("zhangsan").await;
    let cleared = put_settings(&t, &token, json!({"email": "", "mobile": "138 0013 8000"})).await;
    assert_eq!(cleared.status, StatusCode::OK, "{:?}", cleared.body);
    assert_eq!(cleared.body["email"], "");
    assert_eq!(cleared.body["mobile"], "13800138000");
    let me = t.get("/api/v1/me", &token).await;
    assert_eq!(me.body["email"], "", "{:?}", me.body);

    walk(&t).await;
    let zhangsan = user_id(&t, "zhangsan").await;
    assert!(email_deliveries(&t, zhangsan).await.is_empty());
    let channel = EmailChannel::new(t.app.settings()).unwrap();
    deliver_all(&t, &channel).await;
    assert!(to(&sink.messages(), "zhangsan@example.com").is_empty());
    // Staff with addresses are still mailed.
    assert!(!to(&sink.messages(), "approver@example.com").is_empty());
}

#[tokio::test]
async fn an_unreachable_mail_server_leaves_the_delivery_to_be_tried_again() {
    // A port nothing listens on any more.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let t = app_with_mail(&format!("smtp://127.0.0.1:{port}")).await;
    let token = t.login("zhangsan").await;
    let r = t
        .post(
            "/api/v1/cases",
            &token,
            json!({"item": SOLE_TRADER, "channel": "web", "form": sole_trader_form()}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "the case goes on: {:?}",
        r.body
    );
    let channel = EmailChannel::new(t.app.settings()).unwrap();
    let run = t.app.deliver(&channel, 50).await.unwrap();
    assert!(run.failed >= 1 && run.delivered == 0, "{run:?}");
    let zhangsan = user_id(&t, "zhangsan").await;
    let pending = email_deliveries(&t, zhangsan).await;
    assert_eq!(pending.len(), 1);
    let d = &pending[0];
    assert_eq!(d.state, DeliveryState::Pending, "{d:?}");
    assert_eq!(d.attempts, 1);
    assert!(
        d.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("SMTP")),
        "{d:?}"
    );
    assert!(d.due_at > t.clock_now(), "tried again later: {d:?}");
    // Not due yet: the next pass leaves it alone.
    assert_eq!(t.app.deliver(&channel, 50).await.unwrap().claimed, 0);
    // The applicant's next step still works.
    let clerk = t.login("clerk").await;
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(
        t.act(id, &clerk, "accept", Some("同意")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_permanent_refusal_is_not_tried_again() {
    let Some(sink) = SmtpSink::start_refusing(&["zhangsan@example.com"]) else {
        return;
    };
    let t = app_with_mail(&sink.url()).await;
    let token = t.login("zhangsan").await;
    let r = t
        .post(
            "/api/v1/cases",
            &token,
            json!({"item": SOLE_TRADER, "channel": "web", "form": sole_trader_form()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let channel = EmailChannel::new(t.app.settings()).unwrap();
    deliver_all(&t, &channel).await;
    let zhangsan = user_id(&t, "zhangsan").await;
    let refused = email_deliveries(&t, zhangsan).await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].state, DeliveryState::Failed, "{:?}", refused[0]);
    assert_eq!(refused[0].last_status, Some(550));
}

#[tokio::test]
async fn without_a_mail_server_email_deliveries_are_skipped() {
    let t = TestApp::start().await;
    let token = t.login("zhangsan").await;
    let r = t
        .post(
            "/api/v1/cases",
            &token,
            json!({"item": SOLE_TRADER, "channel": "web", "form": sole_trader_form()}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let channel = EmailChannel::new(t.app.settings()).unwrap();
    assert!(!channel.configured());
    deliver_all(&t, &channel).await;
    let zhangsan = user_id(&t, "zhangsan").await;
    let skipped = email_deliveries(&t, zhangsan).await;
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].state, DeliveryState::Skipped);
    assert_eq!(skipped[0].last_error.as_deref(), Some("未配置邮件服务器"));
}

#[tokio::test]
async fn the_settings_page_saves_contacts_and_switches() {
    let t = TestApp::start().await;
    let v = Visitor::logged_in(&t, "zhangsan").await;
    let home = v.get("/").await;
    assert!(
        home.html.contains("href=\"/settings/messages\""),
        "linked from the header"
    );
    let page = v.get("/settings/messages").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("消息设置") && page.html.contains("保存"));
    assert!(page.html.contains("value=\"zhangsan@example.com\""));
    assert!(
        page.html
            .contains("name=\"email.case.accepted\" id=\"email-case.accepted\" checked")
    );
    let csrf = hidden(&page.html, "csrf");

    // Every event listed, acceptance unticked for email, a new address.
    let events = t
        .call(
            Method::GET,
            "/api/v1/me/notification-settings",
            Some(&t.login("zhangsan").await),
            None,
        )
        .await;
    let names: Vec<String> = events.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect();
    let mut form: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("email".into(), "zhang.san@example.cn".into()),
        ("mobile".into(), "".into()),
    ];
    for n in &names {
        form.push(("event".into(), n.clone()));
        form.push((format!("inbox.{n}"), "on".into()));
        if n != "case.accepted" {
            form.push((format!("email.{n}"), "on".into()));
        }
    }
    let as_refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = v.post("/settings/messages", &as_refs).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let after = v.get("/settings/messages?saved=1").await;
    assert!(after.html.contains("已保存"));
    assert!(after.html.contains("value=\"zhang.san@example.cn\""));
    assert!(
        after
            .html
            .contains("name=\"email.case.accepted\" id=\"email-case.accepted\">")
    );
    assert!(
        after
            .html
            .contains("name=\"inbox.case.accepted\" id=\"inbox-case.accepted\" checked")
    );

    // A bad address comes back with the problem and what was typed.
    let mut bad = as_refs.clone();
    bad[1] = ("email", "zhangsan@@example.cn");
    let refused = v.post("/settings/messages", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.html.contains("电子邮箱地址无效"),
        "{}",
        refused.html
    );
    assert!(refused.html.contains("data-field=\"email\""));
    assert!(refused.html.contains("value=\"zhangsan@@example.cn\""));

    // Without the CSRF token nothing is saved.
    let mut forged = as_refs.clone();
    forged[0] = ("csrf", "forged");
    forged[1] = ("email", "evil@example.com");
    assert_eq!(
        v.post("/settings/messages", &forged).await.status,
        StatusCode::FORBIDDEN
    );
    let now = v.get("/settings/messages").await;
    assert!(now.html.contains("value=\"zhang.san@example.cn\""));
}
