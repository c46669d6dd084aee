//! Complaint intake under load: prints figures, asserts nothing.
//!
//!     cargo bench --bench intake                      # SQLite, then PostgreSQL if reachable
//!     cargo bench --bench intake -- --complaints 20000 --clients 64
//!     cargo bench --bench intake -- --external        # the release binary in its own process
//!
//! Starts the real server on port 0, drives `POST /api/v1/complaints` from many
//! concurrent clients, and prints accepted complaints/s and p50/p99 latency beside
//! `GET /healthz` on the same server in the same run. Every 201 has been committed with
//! fsync (SQLite `synchronous=FULL`; PostgreSQL's default `synchronous_commit=on`).
//!
//! `--external` runs `takedown serve` as a process of its own on SQLite, with
//! `--articles` Chinese news articles imported first; each complaint is unique Chinese
//! and quotes an article's paragraphs as its original text, so it is matched. Beside it
//! prints a raw commit loop on the same disk: single-row inserts into a SQLite file in
//! WAL mode with `synchronous=FULL`, each its own commit. `benches/intake.lua` sends
//! the same kind of load from wrk (the command is printed).

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
    external: bool,
    articles: usize,
}

fn args() -> Args {
    let mut a = Args {
        complaints: 5000,
        clients: 32,
        postgres: "postgres://postgres@127.0.0.1:5432/postgres".into(),
        external: false,
        articles: 10_000,
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
            "--external" => a.external = true,
            "--articles" => {
                a.articles = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.articles)
            }
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

const HAN: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严";

/// A Chinese news paragraph of `chars` characters with full-width punctuation, the
/// same for the same `seed`.
fn paragraph(seed: u64, chars: usize) -> String {
    let han: Vec<char> = HAN.chars().collect();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut s = String::new();
    for i in 0..chars {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push(han[(x % han.len() as u64) as usize]);
        if i % 19 == 18 {
            s.push(if x & 8 == 0 { '，' } else { '；' });
        }
    }
    s.push('。');
    s
}

/// Article `n`'s body: six paragraphs, about 2 KB.
fn article_body(n: usize) -> String {
    (0..6)
        .map(|p| paragraph((n * 6 + p) as u64, 110))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A unique Chinese complaint quoting two paragraphs of article `n % articles`.
fn chinese_complaint(n: usize, articles: usize) -> serde_json::Value {
    let a = n % articles.max(1);
    let quoted = format!(
        "{}\n\n{}\n\n（原文首发于本报，编号 {n}。）",
        paragraph((a * 6 + 2) as u64, 110),
        paragraph((a * 6 + 3) as u64, 110)
    );
    json!({
        "claimant": {"name": format!("王{}", paragraph(n as u64 + 1_000_000_007, 2)),
                     "email": format!("rights{n}@citydaily.example"),
                     "phone": "+86 571 8888 0000", "address": "浙江省杭州市体育场路 218 号", "capacity": "owner"},
        "work": {"title": format!("《{}》", paragraph(n as u64 + 7, 8)),
                 "description": format!("本报记者采写的独家报道，第 {n} 篇。"),
                 "original_url": format!("https://citydaily.example/news/{n}.html"),
                 "original_text": quoted},
        "infringing_urls": [format!("https://news.example/bench/{a}.html")],
        "statements": {"good_faith": true, "accurate": true},
        "signature": "王", "language": "zh"
    })
}

static REFUSAL_SHOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Sends `total` requests from `clients` concurrent tasks; returns (ok count, wall
/// time, sorted latencies).
async fn drive(
    url: String,
    total: usize,
    clients: usize,
    post: bool,
) -> (usize, Duration, Vec<Duration>) {
    drive_with(url, total, clients, post.then_some(complaint)).await
}

async fn drive_with(
    url: String,
    total: usize,
    clients: usize,
    body: Option<fn(usize) -> serde_json::Value>,
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
                let resp = match body {
                    Some(body) => client.post(&url).json(&body(n)).send().await,
                    None => client.get(&url).send().await,
                };
                if let Ok(r) = resp {
                    let status = r.status();
                    let good = status == 201 || status == 200;
                    let body = r.bytes().await.unwrap_or_default();
                    if good {
                        ok += 1;
                    } else if !REFUSAL_SHOWN.swap(true, std::sync::atomic::Ordering::Relaxed) {
                        // A run that accepts nothing says why, once.
                        eprintln!("refused: {status} {}", String::from_utf8_lossy(&body));
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
    // The complained-of pages are this site's: nothing is imported to show it.
    config.site_hosts = Some(vec!["news.example".into()]);
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

/// Single-row commits a second into a fresh SQLite file in `dir`, WAL mode with
/// `synchronous=FULL`, over `seconds`: what this disk allows one writer.
async fn raw_commits(dir: &std::path::Path, seconds: f64) -> f64 {
    let url = format!("sqlite://{}/raw.db?mode=rwc", dir.display());
    let db = takedown::db::connect(&url).await.expect("raw db");
    db.execute_unprepared("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")
        .await
        .expect("table");
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        db.execute_unprepared("INSERT INTO t (v) VALUES ('一行')")
            .await
            .expect("insert");
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// `takedown serve` in a process of its own on SQLite, with `articles` imported first,
/// driven by this process; beside it the raw commit loop on the same disk.
async fn external(a: &Args) {
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = env!("CARGO_BIN_EXE_takedown");
    let db_url = format!("sqlite://{}/takedown.db?mode=rwc", dir.path().display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let env = [
        ("DATA_DIR", dir.path().display().to_string()),
        ("DATABASE_URL", db_url),
        ("BIND_ADDR", format!("127.0.0.1:{port}")),
        ("INTAKE_RATE_LIMIT", "0".into()),
        ("RECEIPT_RATE_LIMIT", "0".into()),
        ("STAFF_NOTIFY_RATE_LIMIT", "0".into()),
        ("SCHEDULER_CRON", "off".into()),
        ("MAIL_URL", format!("file://{}/mail", dir.path().display())),
        ("RUST_LOG", "warn".into()),
    ];
    // The registry the complaints are matched against.
    let corpus = dir.path().join("corpus.jsonl");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&corpus).expect("corpus"));
        for n in 0..a.articles {
            let record = json!({
                "url": format!("https://news.example/bench/{n}.html"),
                "title": format!("转载稿件 {n}"),
                "body": article_body(n),
                "republished_at": "2026-08-24T09:19:16+08:00",
                "editor": "编辑部",
                "source": {"outlet": "城市日报", "url": format!("https://citydaily.example/news/{n}.html")},
                "licence": {"reference": "SYND-BENCH"}
            });
            writeln!(f, "{record}").expect("write");
        }
    }
    let import = std::process::Command::new(exe)
        .arg("import")
        .arg(&corpus)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("takedown import");
    assert!(import.status.success(), "import: {import:?}");
    let mut server = std::process::Command::new(exe)
        .arg("serve")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("takedown serve");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    // Readiness: poll until the server answers.
    while !client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let articles = a.articles;
    static ARTICLES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    let _ = ARTICLES.set(articles);
    fn body(n: usize) -> serde_json::Value {
        chinese_complaint(n, ARTICLES.get().copied().unwrap_or(1))
    }
    let (ok, wall, lat) = drive_with(
        format!("{base}/api/v1/complaints"),
        a.complaints,
        a.clients,
        Some(body),
    )
    .await;
    let rate = ok as f64 / wall.as_secs_f64();
    let raw = raw_commits(dir.path(), 3.0).await;
    println!(
        "external   complaints (unique Chinese, matched against {articles} articles): {ok}/{} accepted, {rate:.0}/s, p50 {:.1} ms, p99 {:.1} ms ({} clients) | raw single-row commits on the same disk {raw:.0}/s | ratio {:.2}  (targets: ≥ 1,000/s, ≥ 0.2x raw, p99 ≤ 100 ms)",
        a.complaints,
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        a.clients,
        rate / raw,
    );
    println!(
        "           the same load from wrk: wrk -t2 -c{} -d30s -s benches/intake.lua {base}/api/v1/complaints",
        a.clients
    );
    let _ = server.kill();
    let _ = server.wait();
}

#[tokio::main]
async fn main() {
    let a = args();
    if a.external {
        external(&a).await;
        return;
    }
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
