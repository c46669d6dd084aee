//! Complaint intake under load: prints figures, asserts nothing.
//!
//!     cargo bench --bench intake                      # SQLite, then PostgreSQL if reachable
//!     cargo bench --bench intake -- --complaints 20000 --clients 64
//!
//! Starts the real server on port 0, drives `POST /api/v1/complaints` from many
//! concurrent clients, and prints accepted complaints/s and p50/p99 latency beside
//! `GET /healthz` on the same server in the same run. Every 201 has been committed with
//! fsync (SQLite `synchronous=FULL`; PostgreSQL's default `synchronous_commit=on`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database};
use serde_json::json;
use takedown::app::App;
use takedown::config::Config;

struct Args {
    complaints: usize,
    clients: usize,
    postgres: String,
}

fn args() -> Args {
    let mut a = Args {
        complaints: 5000,
        clients: 32,
        postgres: "postgres://postgres@127.0.0.1:5432/postgres".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--complaints" => {
                a.complaints = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(a.complaints)
            }
            "--clients" => a.clients = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.clients),
            "--postgres" => a.postgres = it.next().unwrap_or(a.postgres),
            _ => {}
        }
    }
    a
}

fn complaint(n: usize) -> serde_json::Value {
    json!({
        "claimant": {"name": "Bench Claimant", "email": format!("claimant{n}@bench.example"),
                     "phone": "+1 555 0100", "address": "1 Bench Street", "capacity": "owner"},
        "work": {"title": format!("Work {n}"), "description": "A bench work",
                 "original_url": format!("https://bench.example/work/{n}")},
        "infringing_urls": [format!("https://news.example/bench/{n}.html")],
        "statements": {"good_faith": true, "accurate": true},
        "signature": "Bench Claimant", "language": if n.is_multiple_of(2) { "zh" } else { "en" }
    })
}

/// Sends `total` requests from `clients` concurrent tasks; returns (ok count, wall
/// time, sorted latencies).
async fn drive(
    url: String,
    total: usize,
    clients: usize,
    post: bool,
) -> (usize, Duration, Vec<Duration>) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url, next) = (client.clone(), url.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut ok = 0;
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let t = Instant::now();
                let resp = if post {
                    client.post(&url).json(&complaint(n)).send().await
                } else {
                    client.get(&url).send().await
                };
                if let Ok(r) = resp {
                    let good = r.status() == 201 || r.status() == 200;
                    let _ = r.bytes().await;
                    if good {
                        ok += 1;
                    }
                }
                lat.push(t.elapsed());
            }
            (ok, lat)
        }));
    }
    let mut ok = 0;
    let mut lat = Vec::with_capacity(total);
    for t in tasks {
        let (o, l) = t.await.expect("task");
        ok += o;
        lat.extend(l);
    }
    let wall = start.elapsed();
    lat.sort();
    (ok, wall, lat)
}

fn pct(lat: &[Duration], p: f64) -> f64 {
    lat[((lat.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

async fn run(label: &str, database_url: String, data_dir: std::path::PathBuf, a: &Args) {
    let mut config = Config::defaults(data_dir);
    config.database_url = database_url;
    config.bind_addr = "127.0.0.1:0".parse().expect("addr");
    config.intake_rate_limit = 0;
    config.scheduler_cron = None;
    let app = App::build(config).await.expect("app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    let (ok, wall, lat) = drive(
        format!("{base}/api/v1/complaints"),
        a.complaints,
        a.clients,
        true,
    )
    .await;
    let (hok, hwall, hlat) = drive(format!("{base}/healthz"), a.complaints, a.clients, false).await;
    println!(
        "{label:<10} complaints: {ok}/{} accepted, {:.0}/s, p50 {:.1} ms, p99 {:.1} ms | healthz: {hok} ok, {:.0}/s, p50 {:.1} ms, p99 {:.1} ms  ({} clients; targets ≥ 1,000/s, p99 ≤ 100 ms on SQLite)",
        a.complaints,
        ok as f64 / wall.as_secs_f64(),
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        hok as f64 / hwall.as_secs_f64(),
        pct(&hlat, 0.5),
        pct(&hlat, 0.99),
        a.clients,
    );
    let _ = tx.send(());
    let _ = server.await;
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().expect("temp dir");
    run(
        "sqlite",
        format!("sqlite://{}/intake.db?mode=rwc", dir.path().display()),
        dir.path().to_path_buf(),
        &a,
    )
    .await;

    let name = format!("td_bench_{}", uuid::Uuid::new_v4().simple());
    match Database::connect(&a.postgres).await {
        Ok(admin)
            if admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .is_ok() =>
        {
            let mut u = url::Url::parse(&a.postgres).expect("url");
            u.set_path(&name);
            run("postgres", u.to_string(), dir.path().to_path_buf(), &a).await;
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
        _ => println!("postgres   skipped: {} not reachable", a.postgres),
    }
}
