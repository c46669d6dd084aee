//! The staff queue page with 10k open complaints: prints figures, asserts nothing.
//!
//!     cargo bench --bench review_queue
//!
//! Seeds 10,000 open complaints on SQLite (deadlines spread over a day, a quarter of
//! them assigned), signs a reviewer in, and times `GET /staff` through HTTP: the first
//! page, the page after the 7,500th (a keyset cursor), and the unassigned filter; and `/staff/search`, the archive, on
//! its first page and after the 7,500th newest complaint; 4 clients at a time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use takedown::app::App;
use takedown::config::Config;
use takedown::domain::validate::EmailAddress;
use takedown::services::staff::{self, Role};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const OPEN: usize = 10_000;

async fn seed(db: &DatabaseConnection, now: OffsetDateTime) {
    let backend = db.get_database_backend();
    let txn = takedown::db::begin_write(db).await.expect("txn");
    for chunk in (0..OPEN).step_by(500) {
        let rows: Vec<String> = (chunk..(chunk + 500).min(OPEN))
            .map(|i| {
                let id = i as i64 + 1;
                let received = now - Duration::from_secs((i as u64 * 7919) % 86_400);
                let r = received.format(&Rfc3339).expect("ts");
                let d = (received + Duration::from_secs(86_400)).format(&Rfc3339).expect("ts");
                let assigned = if i % 4 == 0 { "'ana@news.example'" } else { "NULL" };
                format!(
                    "({id}, 'code{id:036}', 'received', 'api', 'zh', '王芳{id}', NULL, 'c{id}@bench.example', '12345', '北京', 'owner', NULL, '渡轮码头启用报道之{id}', '本报原创', 'https://bench.example/', NULL, TRUE, TRUE, '王芳', NULL, '{r}', '{d}', NULL, NULL, NULL, FALSE, {assigned})"
                )
            })
            .collect();
        txn.execute_raw(Statement::from_string(
            backend,
            format!(
                "INSERT INTO complaints (id, tracking_code_sealed, status, channel, language, claimant_name, claimant_organisation, claimant_email, claimant_phone, claimant_address, capacity, on_behalf_of, work_title, work_description, work_original_url, work_original_text, good_faith, accurate, signature, idempotency_key, received_at, deadline_at, decided_at, decision, decision_reason, overdue, assigned_reviewer) VALUES {}",
                rows.join(",")
            ),
        ))
        .await
        .expect("complaints");
    }
    txn.commit().await.expect("commit");
}

async fn drive(url: &str, cookie: &str, total: usize, clients: usize) -> Vec<Duration> {
    let client = reqwest::Client::new();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url, cookie, next) = (
            client.clone(),
            url.to_string(),
            cookie.to_string(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < total {
                let t = Instant::now();
                let r = client.get(&url).header("cookie", &cookie).send().await;
                if let Ok(r) = r {
                    assert_eq!(r.status(), 200, "queue page");
                    let _ = r.bytes().await;
                }
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.expect("task"));
    }
    lat.sort();
    lat
}

fn pct(lat: &[Duration], p: f64) -> f64 {
    lat[((lat.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("dir");
    let mut config = Config::defaults(dir.path().to_path_buf());
    config.bind_addr = "127.0.0.1:0".parse().expect("addr");
    config.scheduler_cron = None;
    let app = App::build(config).await.expect("app");
    let db = app.state().db.clone();
    let now = OffsetDateTime::now_utc();
    seed(&db, now).await;
    let email = EmailAddress::parse("ana@news.example").expect("email");
    staff::add(
        &db,
        &email,
        Role::Reviewer,
        "bench password 123".into(),
        now,
    )
    .await
    .expect("staff");
    let session = staff::login(&db, email.as_str(), "bench password 123".into(), now)
        .await
        .expect("login")
        .expect("session");
    let cookie = format!("td_session={}", session.secret);
    let base = format!("http://127.0.0.1:{}", app.port());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    // The archive's deep page starts after the 7,500th newest complaint, as page 150
    // of the queue starts after its 7,500th.
    let deep = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id, received_at FROM complaints ORDER BY received_at DESC, id DESC LIMIT 1 OFFSET 7499",
        ))
        .await
        .expect("cursor")
        .expect("row");
    let cursor = takedown::services::archive::Cursor {
        at: deep.try_get("", "received_at").expect("received_at"),
        id: deep.try_get("", "id").expect("id"),
    }
    .to_param();
    let archive_deep = format!("/staff/search?after={cursor}");
    let deep = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id, deadline_at FROM complaints ORDER BY deadline_at, id LIMIT 1 OFFSET 7499",
        ))
        .await
        .expect("cursor")
        .expect("row");
    let queue_deep = format!(
        "/staff?after={}",
        takedown::services::archive::Cursor {
            at: deep.try_get("", "deadline_at").expect("deadline_at"),
            id: deep.try_get("", "id").expect("id"),
        }
        .to_param()
    );
    for (label, path) in [
        ("queue, first", "/staff"),
        ("queue, after 7,500", queue_deep.as_str()),
        ("unassigned", "/staff?assigned=unassigned"),
        ("archive, first", "/staff/search"),
        ("archive, after 7,500", archive_deep.as_str()),
    ] {
        let lat = drive(&format!("{base}{path}"), &cookie, 400, 4).await;
        println!(
            "{OPEN} open, {label:<21}: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms  (400 requests, 4 clients; target p95 ≤ 100 ms)",
            pct(&lat, 0.5),
            pct(&lat, 0.95),
            pct(&lat, 1.0)
        );
    }
    let _ = tx.send(());
    let _ = server.await;
}
