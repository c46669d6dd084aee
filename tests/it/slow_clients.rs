//! Clients that stall: headers never finished, a body that never comes, and more
//! requests at once than the service takes. Each is bounded, and the answer is a clear
//! 408 or 503, never a connection held for ever.

use std::time::{Duration, Instant};

use crate::common::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Waits (bounded) for the server's first bytes on `sock`; "" if it closed.
async fn answer(sock: &mut TcpStream) -> String {
    let mut buf = vec![0u8; 2048];
    let n = tokio::time::timeout(Duration::from_secs(30), sock.read(&mut buf))
        .await
        .expect("the server never answered a stalled client")
        .unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

fn host(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_string()
}

#[tokio::test]
async fn headers_that_never_end_are_cut_off() {
    let app = TestApp::spawn_with(|c| c.header_read_timeout = Duration::from_secs(1)).await;
    let mut sock = TcpStream::connect(host(&app)).await.unwrap();
    sock.write_all(b"POST /api/v1/complaints HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let got = answer(&mut sock).await;
    assert!(got.is_empty() || got.starts_with("HTTP/1.1 408"), "{got}");
}

#[tokio::test]
async fn a_body_that_never_comes_is_answered_408() {
    let app = TestApp::spawn_with(|c| c.request_timeout = Duration::from_secs(1)).await;
    let mut sock = TcpStream::connect(host(&app)).await.unwrap();
    sock.write_all(
        b"POST /api/v1/complaints HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"claimant\":",
    )
    .await
    .unwrap();
    let got = answer(&mut sock).await;
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(got.contains("\"error\":\"timeout\""), "{got}");
    assert_eq!(app.count("complaints").await, 0);
}

#[tokio::test]
async fn past_the_concurrency_limit_requests_get_503_at_once() {
    let app = TestApp::spawn_with(|c| c.max_concurrent_requests = 2).await;
    // Two stalled uploads hold both places.
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut sock = TcpStream::connect(host(&app)).await.unwrap();
        sock.write_all(
            b"POST /api/v1/complaints HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
        )
        .await
        .unwrap();
        stalled.push(sock);
    }
    let start = Instant::now();
    while app.state.in_flight.available_permits() > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "stalled requests never arrived"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let resp = app
        .client
        .get(app.url("/complaints/new"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("retry-after"));
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["error"],
        "overloaded"
    );
    // Monitoring still gets through.
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);

    // The stalled clients go away: their places come back.
    drop(stalled);
    let start = Instant::now();
    while app.state.in_flight.available_permits() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "places never came back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let resp = app
        .client
        .get(app.url("/complaints/new"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}
