//! What an on-call operator relies on: `/metrics` with every series, `/readyz` that
//! names a dead mail relay, a request id on every response and log line, JSON logs,
//! and a SIGTERM under load that loses no request the service answered.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use takedown::services::tracking_codes::lookup_hash;

use crate::common::filing::complaint_json;
use crate::common::smtp::SmtpServer;
use crate::common::{TestApp, TestDb, article};
use serde_json::Value;
use time::OffsetDateTime;

fn complaint_body(n: usize) -> Value {
    complaint_json(1, &format!("wang{n}@citydaily.example"))
}

/// The value of a series line `name{labels} value` (or `name value`).
fn series(text: &str, line_start: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_expose_every_series() {
    let app = TestApp::spawn().await;
    assert_eq!(app.post_article(&article(1, "正文。")).await.status(), 201);
    for n in 0..3 {
        let resp = app
            .client
            .post(app.url("/api/v1/complaints"))
            .json(&complaint_body(n))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
    let missing = app
        .client
        .get(app.url("/api/v1/articles/999999"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    // One sweep pass a day later: all three are overdue; one email fails for good.
    let mailer = takedown::jobs::mailer(&app.state.config).unwrap();
    let later = OffsetDateTime::now_utc() + Duration::from_secs(25 * 3600);
    takedown::jobs::tick(&app.state.jobs(), &mailer, later)
        .await
        .unwrap();

    let scraper = takedown::services::tokens::create(
        &app.db,
        "prometheus",
        takedown::services::tokens::Scope::Metrics,
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    let resp = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(&scraper)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = resp.text().await.unwrap();
    assert_eq!(
        series(&text, "takedown_complaints{status=\"received\"}"),
        Some(3.0),
        "{text}"
    );
    assert_eq!(series(&text, "takedown_complaints_overdue "), Some(3.0));
    // Unconfirmed complaints are escalated at the deadline, not taken down.
    assert_eq!(series(&text, "takedown_provisional_removals "), Some(0.0));
    assert_eq!(
        series(&text, "takedown_time_to_decision_seconds_count "),
        Some(0.0)
    );
    assert!(series(&text, "takedown_outbox_backlog ").is_some());
    // The article names a licence with no record on file.
    assert_eq!(
        series(
            &text,
            "takedown_live_articles_by_licence{verdict=\"unknown_licence\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        series(
            &text,
            "takedown_live_articles_by_licence{verdict=\"covered\"}"
        ),
        Some(0.0)
    );
    assert_eq!(series(&text, "takedown_licences_ending_30d "), Some(0.0));
    assert!(series(&text, "takedown_outbox_oldest_pending_seconds ").is_some());
    assert_eq!(series(&text, "takedown_outbox_failed "), Some(0.0));
    assert!(
        series(&text, "takedown_outbox_sent_total ").unwrap() >= 3.0,
        "receipts at least"
    );
    assert_eq!(
        series(&text, "takedown_outbox_send_failures_total "),
        Some(0.0)
    );
    assert!(series(&text, "takedown_outbox_retrying ").is_some());
    assert_eq!(
        series(
            &text,
            "takedown_sweep_duration_seconds_count{sweep=\"deadlines\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        series(
            &text,
            "takedown_sweep_duration_seconds_count{sweep=\"outbox\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        series(&text, "takedown_sweep_failures_total{sweep=\"deadlines\"}"),
        Some(0.0)
    );
    assert_eq!(
        series(
            &text,
            "takedown_http_requests_total{route=\"/api/v1/complaints\",method=\"POST\",status=\"201\"}"
        ),
        Some(3.0)
    );
    assert_eq!(
        series(
            &text,
            "takedown_http_requests_total{route=\"/api/v1/articles/{id}\",method=\"GET\",status=\"404\"}"
        ),
        Some(1.0),
        "routes by pattern, not by path"
    );
    assert_eq!(
        series(
            &text,
            "takedown_http_request_duration_seconds_count{route=\"/api/v1/complaints\"}"
        ),
        Some(3.0)
    );
    assert!(!text.contains("wang0@"), "no personal data");
    app.stop().await;
}

#[tokio::test]
async fn readiness_names_an_unreachable_mail_relay_and_responses_carry_a_request_id() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = TestApp::spawn_with(move |c| c.mail_url = url).await;
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        (v["database"].as_str(), v["mail"].as_str()),
        (Some("ok"), Some("ok"))
    );
    assert!(smtp.connections() >= 1, "it really talked to the relay");
    app.stop().await;

    // A port nobody listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let app = TestApp::spawn_with(move |c| {
        c.mail_url = format!("smtp://{dead}?tls=none");
        c.mail_timeout = Duration::from_secs(2);
    })
    .await;
    let resp = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(resp.status(), 503);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        (v["database"].as_str(), v["mail"].as_str()),
        (Some("ok"), Some("unreachable"))
    );
    // Alive all the same.
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    let id = resp.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let resp = app
        .client
        .get(app.url("/nowhere"))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(
        resp.headers()["x-request-id"],
        "trace-42",
        "a caller's id is kept"
    );
    // Too long, or not visible ASCII: replaced by one of ours.
    for bad in [
        "x".repeat(65).into_bytes(),
        b"trace 42".to_vec(),
        b"trace\t42".to_vec(),
        b"trace\xe9".to_vec(),
    ] {
        let value = reqwest::header::HeaderValue::from_bytes(&bad).unwrap();
        let resp = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", value)
            .send()
            .await
            .unwrap();
        let id = resp.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_eq!(id.len(), 36, "{bad:?} became {id}");
    }
    app.stop().await;
}

/// `takedown serve` as a child process, its stderr (JSON lines) collected.
struct Served {
    child: Child,
    base: String,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(db: &TestDb) -> Served {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = crate::common::takedown_cmd(db)
        .arg("serve")
        .env("RUST_LOG", "info")
        .env("LOG_FORMAT", "json")
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_BASE_URL", &base)
        .env("INTAKE_RATE_LIMIT", "0")
        .env("RECEIPT_RATE_LIMIT", "0")
        .env("SCHEDULER_CRON", "off")
        .env("SITE_HOSTS", "news.example")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("takedown serve starts");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let client = reqwest::Client::new();
    let start = Instant::now();
    while client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "server never came up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Served { child, base, lines }
}

#[tokio::test]
async fn logs_are_json_with_the_request_id() {
    let db = TestDb::new().await;
    let s = serve(&db).await;
    let resp = reqwest::Client::new()
        .get(format!("{}/no-such-page", s.base))
        .header("x-request-id", "req-7f3a")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let start = Instant::now();
    loop {
        let found = s.lines.lock().unwrap().iter().any(|l| {
            serde_json::from_str::<Value>(l).is_ok_and(|v| v["span"]["request_id"] == "req-7f3a")
        });
        if found {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no JSON line with the id: {:?}",
            s.lines.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let lines = s.lines.lock().unwrap().clone();
    for l in &lines {
        serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
    }
}

#[tokio::test]
async fn sigterm_under_load_loses_no_answered_complaint() {
    let db = TestDb::new().await;
    let mut s = serve(&db).await;
    let client = reqwest::Client::new();
    // Filers keep sending until the server stops answering.
    let mut tasks = Vec::new();
    let answered = Arc::new(Mutex::new(Vec::<String>::new()));
    for w in 0..8 {
        let (client, url, answered) = (
            client.clone(),
            format!("{}/api/v1/complaints", s.base),
            answered.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                match client
                    .post(&url)
                    .json(&complaint_body(w * 10_000 + i))
                    .send()
                    .await
                {
                    Ok(r) if r.status() == 201 => {
                        let v: Value = r.json().await.unwrap();
                        answered
                            .lock()
                            .unwrap()
                            .push(v["tracking_code"].as_str().unwrap().to_string());
                    }
                    Ok(r) => panic!("answered {} during shutdown", r.status()),
                    Err(_) => return,
                }
            }
        }));
    }
    // Let real load build up, then ask it to stop.
    while answered.lock().unwrap().len() < 40 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    for t in tasks {
        t.await.unwrap();
    }
    let exit = s.child.wait().unwrap();
    assert!(exit.success(), "exits cleanly on SIGTERM: {exit:?}");

    let codes = answered.lock().unwrap().clone();
    let conn = db.connect().await;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let stored = takedown::entities::complaint::Entity::find()
        .filter(
            takedown::entities::complaint::Column::TrackingCodeSha256
                .is_in(codes.iter().map(|c| lookup_hash(c))),
        )
        .count(&conn)
        .await
        .unwrap();
    assert_eq!(stored as usize, codes.len(), "every 201 is stored");
    eprintln!(
        "{} complaints answered before shutdown, all stored",
        codes.len()
    );
}

/// `/metrics` is closed to anonymous callers; a scraper shows `METRICS_TOKEN` or a
/// `metrics` token. Invented method names are counted as `other`, never as a series.
#[tokio::test]
async fn metrics_take_a_token_and_stay_bounded() {
    const SCRAPE: &str = "a-scrape-secret-of-32-characters";
    let app = TestApp::spawn_with(|c| c.metrics_token = Some(SCRAPE.into())).await;
    let get = |bearer: Option<&str>| {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(b) = bearer {
            req = req.bearer_auth(b);
        }
        req.send()
    };
    assert_eq!(get(None).await.unwrap().status(), 401);
    assert_eq!(get(Some("a-wrong-secret")).await.unwrap().status(), 401);
    assert_eq!(
        get(Some(&app.token)).await.unwrap().status(),
        403,
        "articles scope"
    );
    for i in 0..50 {
        let method = format!("X{}{i}", "Y".repeat(2000));
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let resp = app
            .client
            .request(method, app.url("/"))
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_client_error(), "{}", resp.status());
    }
    let resp = get(Some(SCRAPE)).await.unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert!(!text.contains("YYYY"), "an invented method became a label");
    assert!(text.contains("method=\"other\""), "{text}");
    assert!(text.len() < 200_000, "{} bytes", text.len());
}

/// `METRICS_BIND` serves `/metrics` alone, without a token, on its own address; the
/// public listener still asks for one.
#[tokio::test]
async fn metrics_bind_serves_metrics_alone_without_a_token() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let app = TestApp::spawn_with(move |c| c.metrics_bind = Some(addr)).await;
    let private = format!("http://{addr}");
    let resp = app
        .client
        .get(format!("{private}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert!(text.contains("takedown_outbox_sent_total"), "{text}");
    for path in ["/", "/api/v1/complaints", "/staff", "/healthz"] {
        let resp = app
            .client
            .get(format!("{private}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "{path} is not on the metrics address");
    }
    assert_eq!(
        app.client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    app.stop().await;
    assert!(
        app_gone(&private).await,
        "the metrics listener stops with the service"
    );
}

async fn app_gone(base: &str) -> bool {
    reqwest::Client::new()
        .get(format!("{base}/metrics"))
        .send()
        .await
        .is_err()
}

/// Forty readiness probes at once open one relay session, and share its answer.
#[tokio::test]
async fn a_burst_of_readiness_probes_opens_one_relay_session() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = TestApp::spawn_with(move |c| c.mail_url = url).await;
    let before = smtp.connections();
    let probes = (0..40).map(|_| app.client.get(app.url("/readyz")).send());
    for resp in futures_util::future::join_all(probes).await {
        assert_eq!(resp.unwrap().status(), 200);
    }
    assert_eq!(smtp.connections() - before, 1);
}
