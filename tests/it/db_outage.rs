//! PostgreSQL goes away under a running service: submissions answer 503 with
//! Retry-After (the form keeps what was typed), and the same process serves again once
//! the database is back. Runs against PostgreSQL (TEST_DATABASE_URL); on SQLite there
//! is no server to lose.

use std::sync::Arc;
use std::time::Duration;

use crate::common::proxy::Proxy;
use crate::common::{TestApp, TestDb};
use serde_json::{Value, json};

fn notice(n: u32) -> Value {
    json!({
        "claimant": {"name": "Wang Fang", "email": "rights@citydaily.example", "phone": "+86 10 1234 5678",
                     "address": "1 Press Road", "capacity": "owner"},
        "work": {"title": format!("Ferry pier {n}"), "description": "Our report",
                 "original_url": "https://citydaily.example/1"},
        "infringing_urls": ["https://news.example/a.html"],
        "statements": {"good_faith": true, "accurate": true},
        "signature": "Wang Fang", "language": "en"
    })
}

async fn file(app: &TestApp, n: u32) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/complaints"))
        .json(&notice(n))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_unreachable_database_answers_503_and_service_resumes_by_itself() {
    let test_db = Arc::new(TestDb::new().await);
    if !test_db.is_postgres() {
        crate::common::skipped("the database outage test needs TEST_DATABASE_URL (PostgreSQL)");
        return;
    }
    let (proxy, proxied) = Proxy::in_front_of(&test_db.url).await;
    let app = TestApp::spawn_on(test_db.clone(), move |c| {
        c.database_url = proxied;
        c.db_acquire_timeout = Duration::from_secs(2);
    })
    .await;
    assert_eq!(file(&app, 1).await.status(), 201);

    proxy.stop();
    let resp = file(&app, 2).await;
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("retry-after"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "unavailable");

    // The form says so in the reader's language and keeps what they typed.
    let form = "language=zh&claimant.name=%E7%8E%8B%E8%8A%B3&claimant.email=a%40b.example&claimant.phone=12345678&claimant.address=x&claimant.capacity=owner&work.title=%E6%B8%A1%E8%BD%AE&work.description=d&work.original_url=https%3A%2F%2Fa.example%2F&infringing_urls=https%3A%2F%2Fnews.example%2Fa&statements.good_faith=on&statements.accurate=on&signature=W";
    let resp = app
        .client
        .post(app.url("/complaints"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("retry-after"));
    let html = resp.text().await.unwrap();
    assert!(html.contains("服务暂时不可用"), "{html}");
    assert!(html.contains("王芳") && html.contains("渡轮"), "{html}");

    // Alive, not ready: an orchestrator routes traffic away but does not restart it.
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(
        ready.json::<serde_json::Value>().await.unwrap()["database"],
        "unreachable"
    );

    // The database is back: the same process files again.
    proxy.resume();
    assert_eq!(file(&app, 3).await.status(), 201);
    assert_eq!(app.count("complaints").await, 2);
    app.stop().await;
}
