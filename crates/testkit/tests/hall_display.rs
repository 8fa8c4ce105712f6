//! The hall display: its event stream gives each call and recall within a
//! second, from the store's call log (so a call made through another node's
//! app is seen too), resumes after `Last-Event-ID`, and carries nothing
//! personal; the display page and a ticket's follow page render.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use std::time::{Duration, Instant};

use onestamp_app::hall::TicketRequest;
use onestamp_domain::hall::TicketSource;
use onestamp_testkit::TestApp;
use onestamp_testkit::reqwest::StatusCode;

/// Reads the stream into `text` until it holds `n` events, or panics after `within`.
async fn events(
    resp: &mut onestamp_testkit::reqwest::Response,
    text: &mut String,
    n: usize,
    within: Duration,
) -> Vec<(String, serde_json::Value)> {
    let start = Instant::now();
    loop {
        let parsed: Vec<(String, serde_json::Value)> = text
            .split("\n\n")
            .filter(|block| block.contains("event: call"))
            .filter_map(|block| {
                let id = block.lines().find_map(|l| l.strip_prefix("id: "))?;
                let data = block.lines().find_map(|l| l.strip_prefix("data: "))?;
                Some((id.to_string(), serde_json::from_str(data).ok()?))
            })
            .collect();
        if parsed.len() >= n {
            return parsed;
        }
        let left = within
            .checked_sub(start.elapsed())
            .unwrap_or_else(|| panic!("{} of {n} events after {within:?}: {text}", parsed.len()));
        match tokio::time::timeout(left, resp.chunk()).await {
            Ok(Ok(Some(bytes))) => text.push_str(&String::from_utf8_lossy(&bytes)),
            Ok(Ok(None)) => panic!("the stream ended: {text}"),
            Ok(Err(e)) => panic!("the stream failed: {e}"),
            Err(_) => panic!("{} of {n} events after {within:?}: {text}", parsed.len()),
        }
    }
}

async fn walk_in(t: &TestApp, group: &str) {
    t.app
        .take_ticket(
            None,
            TicketSource::Hall,
            TicketRequest {
                group: Some(group.into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_display_stream_gives_each_call_within_a_second() {
    let t = TestApp::start().await;
    let clerk = t.login("clerk").await;
    let session = t.app.authenticate(&clerk).await.unwrap();
    t.app.sit_at_window(&session, 1).await.unwrap();
    for _ in 0..3 {
        walk_in(&t, "A").await;
    }
    let mut stream = t
        .client
        .get(format!("{}/hall/display/stream", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    // The stream starts from now: give it a moment to read where the log stands.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut seen = String::new();
    let mut latencies = Vec::new();
    let mut ids = Vec::new();
    for n in 1..=3 {
        let at = Instant::now();
        let called = t.app.call_next(&session, 1).await.unwrap();
        let got = events(&mut stream, &mut seen, n, Duration::from_secs(1)).await;
        latencies.push(at.elapsed());
        let (id, last) = got.last().unwrap().clone();
        assert_eq!(last["label"], called.ticket.label);
        assert_eq!(last["window_number"], "1");
        assert_eq!(last["kind"], "call");
        assert_eq!(
            last["voice"],
            format!("请{}号到1号窗口办理", called.ticket.label)
        );
        assert!(last.get("applicant").is_none(), "nothing personal: {last}");
        ids.push(id);
        t.app.no_show(&session, called.ticket.id).await.unwrap();
    }
    eprintln!("display stream latency per call: {latencies:?}");
    assert!(latencies.iter().all(|l| *l < Duration::from_secs(1)));
    drop(stream);

    // A reconnecting display resumes after the last event it had.
    let mut resumed = t
        .client
        .get(format!("{}/hall/display/stream", t.base))
        .header("last-event-id", ids[0].as_str())
        .send()
        .await
        .unwrap();
    let again = events(&mut resumed, &mut String::new(), 2, Duration::from_secs(2)).await;
    assert_eq!(again[0].0, ids[1]);
    assert_eq!(again[1].0, ids[2]);
    drop(resumed);

    // The display page shows the latest calls and the queue, nobody's name.
    let page = t
        .client
        .get(format!("{}/hall/display", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("A003"), "{html}");
    assert!(html.contains("1 号窗口"));
    assert!(html.contains("市场准入"));
    let bad = t
        .client
        .get(format!("{}/hall/display/stream?after=x", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
