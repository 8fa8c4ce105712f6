//! Connections a client opens and leaves: idle ones and ones sending their
//! headers slowly are closed after the header timeout, no more than the cap are
//! served at once, memory comes back once they are gone, and shutdown ends
//! within its grace period while they are open.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers stop the test at once"
)]

use std::time::{Duration, Instant};

use onestamp_testkit::TestApp;
use onestamp_web::ConnectionLimits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LIMITS: ConnectionLimits = ConnectionLimits {
    header_timeout: Duration::from_secs(1),
    max_connections: 64,
    shutdown_grace: Duration::from_secs(2),
};

async fn server(
    t: &TestApp,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let app = t.app.clone();
    let served = tokio::spawn(async move {
        onestamp_web::serve_with(app, listener, LIMITS, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (addr, tx, served)
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Whether the server closed the connection within `within`.
async fn closed_within(conn: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 256];
    loop {
        match tokio::time::timeout(within, conn.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

async fn healthz(addr: &str) -> reqwest::StatusCode {
    reqwest::Client::new()
        .get(format!("http://{addr}/healthz"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map(|r| r.status())
        .unwrap_or(reqwest::StatusCode::SERVICE_UNAVAILABLE)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_are_closed_capped_and_do_not_hold_memory() {
    let t = TestApp::start().await;
    let (addr, stop, served) = server(&t).await;
    assert_eq!(healthz(&addr).await, reqwest::StatusCode::OK);
    let before = rss_kib();

    // 300 idle connections and 50 that send half a request head, slowly.
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect(&addr).await.unwrap());
    }
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut c = TcpStream::connect(&addr).await.unwrap();
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        slow.push(c);
    }
    // Served connections are capped; the rest wait and are served as the
    // first are closed for saying nothing, so an ordinary request gets through.
    let started = Instant::now();
    assert_eq!(healthz(&addr).await, reqwest::StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    let mut closed = 0;
    for c in idle.iter_mut().chain(slow.iter_mut()) {
        if closed_within(c, Duration::from_secs(8)).await {
            closed += 1;
        }
    }
    assert_eq!(closed, 350, "every silent or slow connection is closed");
    drop(idle);
    drop(slow);
    let after = rss_kib();
    assert!(
        after < before + 64 * 1024,
        "memory held after the connections are gone: {before} KiB before, {after} KiB after"
    );

    // Shutdown with connections open ends within the grace period.
    let mut open = Vec::new();
    for _ in 0..40 {
        open.push(TcpStream::connect(&addr).await.unwrap());
    }
    let mut keep_alive = TcpStream::connect(&addr).await.unwrap();
    keep_alive
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let n = keep_alive.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let stopping = Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), served)
        .await
        .expect("the server stops within its grace period")
        .unwrap();
    assert!(
        stopping.elapsed() < Duration::from_secs(4),
        "{:?}",
        stopping.elapsed()
    );
    assert!(
        closed_within(&mut keep_alive, Duration::from_secs(2)).await,
        "an idle keep-alive connection is closed on shutdown"
    );
    drop(open);
}
