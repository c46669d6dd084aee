//! Provenance registry benchmark: prints figures, asserts nothing.
//!
//!     cargo bench --bench registry                  # 20k articles
//!     cargo bench --bench registry -- --articles 100000
//!
//! Builds a synthetic corpus of mixed Chinese and English articles (2–8 KB each), then
//! measures: import rate into SQLite; match latency p50/p95 beside a brute-force scan of
//! the same data; and `takedown hash` throughput beside `sha256sum` on 256 MB of text.

use std::io::Write;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use takedown::services::matching::MatchIndex;
use takedown_text::fingerprint;

const HAN: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严";
const WORDS: &[&str] = &[
    "the",
    "harbour",
    "authority",
    "said",
    "on",
    "tuesday",
    "that",
    "old",
    "ferry",
    "pier",
    "will",
    "close",
    "for",
    "urgent",
    "structural",
    "repairs",
    "after",
    "divers",
    "found",
    "corroded",
    "piles",
    "beneath",
    "waiting",
    "hall",
    "commuters",
    "were",
    "told",
    "to",
    "use",
    "temporary",
    "landing",
    "metres",
    "east",
    "council",
    "budget",
    "election",
    "minister",
    "police",
    "court",
    "report",
    "market",
    "shares",
    "rose",
    "fell",
    "percent",
    "company",
    "workers",
    "strike",
    "school",
    "hospital",
    "weather",
    "storm",
    "flood",
    "river",
    "bridge",
    "road",
    "traffic",
    "city",
    "government",
    "plan",
    "project",
    "cost",
    "million",
    "billion",
    "dollars",
    "year",
    "month",
    "week",
    "today",
    "yesterday",
    "morning",
    "evening",
    "people",
    "residents",
    "officials",
    "spokesperson",
    "statement",
    "investigation",
    "evidence",
    "law",
    "new",
    "rules",
    "policy",
    "public",
    "safety",
    "health",
    "education",
    "housing",
    "prices",
    "rent",
    "families",
    "children",
    "students",
    "teachers",
    "doctors",
    "nurses",
    "police",
    "fire",
    "accident",
    "injured",
    "killed",
    "rescued",
    "festival",
    "concert",
    "museum",
    "exhibition",
    "artist",
    "film",
    "book",
    "author",
    "team",
    "match",
    "win",
    "lost",
    "season",
];

struct Args {
    articles: usize,
    hash_mb: usize,
    /// Brute-force queries to time (`--brute 0` skips them: at 1M each reads every body).
    brute: usize,
    /// News that re-uses sentences (`--overlap`) instead of text of its own.
    overlap: bool,
    /// `MATCH_COMMON_DF` values to time the queries under (`--common-df 0,2000`).
    common_df: Vec<usize>,
}

fn args() -> Args {
    let mut a = Args {
        articles: 20_000,
        hash_mb: 256,
        brute: 3,
        overlap: false,
        common_df: vec![0, takedown::services::matching::DEFAULT_COMMON_DF],
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--articles" => {
                a.articles = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.articles)
            }
            "--hash-mb" => a.hash_mb = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.hash_mb),
            "--brute" => a.brute = it.next().and_then(|v| v.parse().ok()).unwrap_or(a.brute),
            "--overlap" => a.overlap = true,
            "--common-df" => {
                if let Some(list) = it.next() {
                    a.common_df = list.split(',').filter_map(|v| v.parse().ok()).collect();
                }
            }
            _ => {}
        }
    }
    a
}

fn chinese_paragraph(rng: &mut StdRng, chars: usize) -> String {
    let han: Vec<char> = HAN.chars().collect();
    let mut s = String::new();
    for i in 0..chars {
        s.push(han[rng.random_range(0..han.len())]);
        if i % 23 == 22 {
            s.push(if rng.random::<bool>() { '，' } else { '。' });
        }
    }
    s.push('。');
    s
}

fn english_paragraph(rng: &mut StdRng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.random_range(0..WORDS.len())]);
        if i % 17 == 16 {
            s.push('.');
        }
    }
    s.push('.');
    s
}

/// An article body of 2–8 KB.
fn body(rng: &mut StdRng) -> String {
    let target = rng.random_range(2048..8192);
    let chinese = rng.random::<bool>();
    let mut out = String::new();
    while out.len() < target {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        if chinese {
            out.push_str(&chinese_paragraph(rng, 120));
        } else {
            out.push_str(&english_paragraph(rng, 80));
        }
    }
    out
}

/// News that re-uses sentences, as wire copy and portals do: each article is 2–8 KB of
/// sentences, 70 % drawn from a pool shared by the whole corpus (a few sentences in
/// thousands of articles, most in a handful) and 30 % its own, under one of twenty
/// outlets' standing header and footer lines. Chinese with full-width punctuation,
/// English with curly quotes and dashes.
struct Overlap {
    pool: Vec<String>,
    outlets: Vec<(String, String)>,
}

const ZH_MARKS: &[char] = &['，', '、', '；', '：'];

fn zh_sentence(rng: &mut StdRng) -> String {
    let han: Vec<char> = HAN.chars().collect();
    let len = rng.random_range(18..40);
    let mut s = String::new();
    for i in 0..len {
        if i > 0 && i % 9 == 0 {
            s.push(ZH_MARKS[rng.random_range(0..ZH_MARKS.len())]);
        }
        if i == 4 && rng.random_range(0..4) == 0 {
            s.push('“');
        }
        s.push(han[rng.random_range(0..han.len())]);
        if i == 10 && s.contains('“') {
            s.push('”');
        }
    }
    if rng.random_range(0..6) == 0 {
        s.push_str(&format!(
            "（{}年{}月）",
            rng.random_range(2019..2027),
            rng.random_range(1..13)
        ));
    }
    s.push(if rng.random_range(0..8) == 0 {
        '！'
    } else {
        '。'
    });
    s
}

fn en_sentence(rng: &mut StdRng) -> String {
    let len = rng.random_range(12..26);
    let mut s = String::new();
    for i in 0..len {
        if i > 0 {
            s.push_str(if i == len / 2 && rng.random::<bool>() {
                " — "
            } else {
                " "
            });
        }
        let w = WORDS[rng.random_range(0..WORDS.len())];
        if i == 2 && rng.random_range(0..4) == 0 {
            s.push_str(&format!("“{w}”"));
        } else if i == 0 {
            let mut c = w.chars();
            s.extend(c.next().map(|f| f.to_ascii_uppercase()));
            s.push_str(c.as_str());
        } else {
            s.push_str(w);
        }
        if i == 5 && rng.random_range(0..5) == 0 {
            s.push_str("’s");
        }
    }
    s.push('.');
    s
}

impl Overlap {
    fn new(rng: &mut StdRng, articles: usize) -> Self {
        let size = (articles * 2).max(4_000);
        let pool = (0..size)
            .map(|i| {
                if i % 2 == 0 {
                    zh_sentence(rng)
                } else {
                    en_sentence(rng)
                }
            })
            .collect();
        let outlets = (0..20)
            .map(|o| {
                (
                    format!("本报讯（记者 {}）", zh_sentence(rng).chars().take(3).collect::<String>()),
                    format!(
                        "责任编辑：{} | Copyright © 2026 Outlet {o} — all rights reserved. 未经授权，不得转载。",
                        zh_sentence(rng).chars().take(2).collect::<String>()
                    ),
                )
            })
            .collect();
        Self { pool, outlets }
    }

    /// A pool sentence of this script, popular ones far more often (index ~ u²).
    fn shared(&self, rng: &mut StdRng, chinese: bool) -> &str {
        let u: f64 = rng.random();
        let i = ((u * u) * self.pool.len() as f64) as usize & !1;
        &self.pool[(i + usize::from(!chinese)).min(self.pool.len() - 1)]
    }

    fn body(&self, rng: &mut StdRng) -> String {
        let target = rng.random_range(2048..8192);
        let chinese = rng.random::<bool>();
        let (head, foot) = &self.outlets[rng.random_range(0..self.outlets.len())];
        let mut out = head.clone();
        while out.len() < target {
            out.push_str("\n\n");
            for _ in 0..rng.random_range(3..7) {
                if rng.random_range(0..10) < 7 {
                    out.push_str(self.shared(rng, chinese));
                } else if chinese {
                    out.push_str(&zh_sentence(rng));
                } else {
                    out.push_str(&en_sentence(rng));
                }
                if !chinese {
                    out.push(' ');
                }
            }
        }
        out.push_str("\n\n");
        out.push_str(foot);
        out
    }
}

fn record(n: usize, body: &str) -> serde_json::Value {
    json!({
        "url": format!("https://news.example/bench/{n}.html"),
        "title": format!("Bench article {n}"),
        "body": body,
        "republished_at": "2022-08-24T09:19:16+08:00",
        "editor": "Bench Editor",
        "source": {"outlet": "Bench Daily", "url": format!("https://bench.example/{n}")},
        "licence": {"reference": "SYND-BENCH"}
    })
}

/// A memory figure of this process from /proc, in KB (0 where there is no /proc).
fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Starts the peak-resident figure (VmHWM) afresh, so that it measures what follows.
fn reset_peak() {
    // "5" resets the peak resident set size (Linux 4.0 and later).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// What loading a match index took: time, and resident memory grown and at its peak.
struct Load {
    seconds: f64,
    grew_mb: f64,
    peak_mb: f64,
}

/// A start-up of the match index kept at `snapshot`: built, or read back from it.
async fn load_index(
    db: &sea_orm::DatabaseConnection,
    snapshot: &std::path::Path,
) -> anyhow::Result<(MatchIndex, Load)> {
    let rss_before = rss_kb("VmRSS");
    reset_peak();
    let index = MatchIndex::with_snapshot(snapshot.to_path_buf());
    let t = Instant::now();
    index.sync(db).await?;
    let load = Load {
        seconds: t.elapsed().as_secs_f64(),
        grew_mb: rss_kb("VmRSS").saturating_sub(rss_before) as f64 / 1024.0,
        peak_mb: rss_kb("VmHWM").saturating_sub(rss_before) as f64 / 1024.0,
    };
    Ok((index, load))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The same queries over HTTP (`POST /api/v1/match`) to the real server on this
/// database, from one client and then from eight at once.
async fn http_matches(
    database_url: &str,
    data_dir: &std::path::Path,
    queries: &[(usize, String)],
    common_df: Option<usize>,
) -> anyhow::Result<()> {
    let mut config = takedown::config::Config::defaults(data_dir.to_path_buf());
    config.database_url = database_url.to_string();
    config.bind_addr = "127.0.0.1:0".parse()?;
    config.scheduler_cron = None;
    config.match_common_df = common_df.unwrap_or(config.match_common_df);
    let cap = config.match_common_df;
    let app = takedown::app::App::build(config).await?;
    let token = takedown::services::tokens::create(
        &app.state().db,
        "bench",
        takedown::services::tokens::Scope::Articles,
        time::OffsetDateTime::now_utc(),
    )
    .await?;
    let url = format!("http://127.0.0.1:{}/api/v1/match", app.port());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    let client = reqwest::Client::new();
    for clients in [1usize, 8] {
        let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let queries = std::sync::Arc::new(queries.to_vec());
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (client, url, token, next, queries) = (
                client.clone(),
                url.clone(),
                token.clone(),
                next.clone(),
                queries.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((n, q)) = queries.get(i) else {
                        return out;
                    };
                    let t = Instant::now();
                    let found = match client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({"text": q}))
                        .send()
                        .await
                    {
                        Ok(r) if r.status() == 200 => r
                            .json::<Vec<serde_json::Value>>()
                            .await
                            .ok()
                            .and_then(|m| {
                                m.first()
                                    .and_then(|m| m["url"].as_str().map(str::to_string))
                            })
                            .is_some_and(|u| u.ends_with(&format!("/{n}.html"))),
                        _ => false,
                    };
                    out.push((t.elapsed(), found));
                }
            }));
        }
        let mut lat = Vec::new();
        let mut found = 0;
        for t in tasks {
            for (d, f) in t.await? {
                lat.push(d);
                found += usize::from(f);
            }
        }
        let wall = start.elapsed();
        lat.sort();
        println!(
            "http:     POST /api/v1/match, MATCH_COMMON_DF={cap}, {clients} client(s): p50 {:.2} ms, p95 {:.2} ms, {:.0} queries/s ({found} of {} found their source first)",
            ms(percentile(&lat, 0.5)),
            ms(percentile(&lat, 0.95)),
            lat.len() as f64 / wall.as_secs_f64(),
            lat.len(),
        );
    }
    let _ = tx.send(());
    let _ = server.await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args();
    let dir = tempfile::tempdir()?;
    let mut rng = StdRng::seed_from_u64(42);
    println!(
        "registry benchmark: {} articles{}, {} MB hash input",
        args.articles,
        if args.overlap {
            " re-using sentences (70 % from a shared pool)"
        } else {
            ""
        },
        args.hash_mb
    );

    // Corpus.
    let jsonl = dir.path().join("corpus.jsonl");
    let mut bodies = Vec::with_capacity(args.articles);
    let overlap = args.overlap.then(|| Overlap::new(&mut rng, args.articles));
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&jsonl)?);
        for n in 0..args.articles {
            let b = match &overlap {
                Some(o) => o.body(&mut rng),
                None => body(&mut rng),
            };
            writeln!(f, "{}", record(n, &b))?;
            bodies.push(b);
        }
    }
    let bytes = std::fs::metadata(&jsonl)?.len() as f64;

    // Import into SQLite.
    let url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    let db = takedown::db::connect(&url).await?;
    takedown::db::migrate_up(&db).await?;
    let t = Instant::now();
    let threshold = takedown::domain::licence::LicenceSettings::default().alteration_threshold;
    let summary = takedown::cli::import_file(&db, &jsonl, threshold).await?;
    let took = t.elapsed().as_secs_f64();
    println!(
        "import:   {} in {:.2}s = {:.0} articles/s, {:.1} MB/s  (target ≥ 2,000 articles/s)",
        summary,
        took,
        args.articles as f64 / took,
        bytes / took / 1e6
    );

    // Match latency: index built from the database, queries are three paragraphs copied
    // from a random article.
    let snapshot = dir.path().join("index").join("postings.bin");
    let (index, load) = load_index(&db, &snapshot).await?;
    println!(
        "index:    {} revisions built from the database in {:.2}s (snapshot of {:.0} MB written); postings {:.0} MB; resident memory grew {:.0} MB, at most {:.0} MB during the build  (target at 1M: ≤ 2 GB)",
        index.indexed().await,
        load.seconds,
        std::fs::metadata(&snapshot).map_or(0, |m| m.len()) as f64 / 1e6,
        index.memory_bytes().await as f64 / 1e6,
        load.grew_mb,
        load.peak_mb,
    );
    // A restart: the same postings read back from the snapshot.
    drop(index);
    let (index, load) = load_index(&db, &snapshot).await?;
    println!(
        "restart:  {} revisions from the snapshot in {:.2}s (read from it: {}); resident memory grew {:.0} MB, at most {:.0} MB  (target at 1M: ≤ 10 s, ≤ 2 GB)",
        index.indexed().await,
        load.seconds,
        index.loaded_from_snapshot(),
        load.grew_mb,
        load.peak_mb,
    );
    let queries: Vec<(usize, String)> = (0..200)
        .map(|_| {
            let n = rng.random_range(0..args.articles);
            let paras: Vec<&str> = bodies[n].split("\n\n").collect();
            let start = rng.random_range(0..paras.len().saturating_sub(3).max(1));
            (n, paras[start..(start + 3).min(paras.len())].join("\n"))
        })
        .collect();
    // The same queries under each `MATCH_COMMON_DF`, twice each (the first warms the
    // page cache for the rows the hits are read from).
    let mut index = index;
    let mut p95 = Duration::ZERO;
    for &cap in &args.common_df {
        index = index.common_df(cap);
        for round in 0..2 {
            let mut lat = Vec::with_capacity(queries.len());
            let (mut found, mut hits) = (0, 0);
            for (n, q) in &queries {
                let t = Instant::now();
                let m = index.search(&db, q, 20).await?;
                lat.push(t.elapsed());
                hits += m.len();
                if m.first()
                    .is_some_and(|m| m.url.ends_with(&format!("/{n}.html")))
                {
                    found += 1;
                }
            }
            lat.sort();
            p95 = percentile(&lat, 0.95);
            if round == 1 {
                println!(
                    "match:    MATCH_COMMON_DF={cap}: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms over {} queries ({found} found their source first, {:.1} hits a query)  (targets: p95 ≤ 50 ms at 1M, ≤ 10 ms at 100k)",
                    ms(percentile(&lat, 0.5)),
                    ms(p95),
                    ms(lat[lat.len() - 1]),
                    queries.len(),
                    hits as f64 / queries.len() as f64,
                );
            }
        }
    }

    // Brute force over the same stored data: read every revision's text, fingerprint
    // it and compare.
    let brute_runs = args.brute;
    let t = Instant::now();
    for (_, q) in queries.iter().take(brute_runs) {
        let qf = fingerprint::fingerprints(q);
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT id, body FROM article_revisions",
            ))
            .await?;
        let mut best = (0i64, 0.0f64);
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let body: String = row.try_get("", "body")?;
            let c = fingerprint::containment(&qf, &fingerprint::fingerprints(&body));
            if c > best.1 {
                best = (id, c);
            }
        }
        std::hint::black_box(best);
    }
    let brute = if brute_runs == 0 {
        "brute-force scan skipped".to_string()
    } else {
        let b = t.elapsed() / brute_runs as u32;
        format!(
            "brute-force scan {:.0} ms/query = {:.0}x slower than p95",
            ms(b),
            b.as_secs_f64() / p95.as_secs_f64()
        )
    };
    println!("brute:    {brute} (the last p95 above; target ≥ 100x)");
    drop(index);
    http_matches(&url, dir.path(), &queries, args.common_df.last().copied()).await?;
    drop(db);

    // Hashing: `takedown hash` (canonicalising included) beside `sha256sum`.
    let text = dir.path().join("text.txt");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&text)?);
        let mut written = 0;
        let mut i = 0;
        while written < args.hash_mb << 20 {
            let b = &bodies[i % bodies.len()];
            f.write_all(b.as_bytes())?;
            f.write_all(b"\n")?;
            written += b.len() + 1;
            i += 1;
        }
    }
    let size = std::fs::metadata(&text)?.len() as f64;
    let best_of = |mut cmd: std::process::Command| -> anyhow::Result<f64> {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            let out = cmd.output()?;
            anyhow::ensure!(out.status.success(), "{:?} failed", cmd);
            best = best.min(t.elapsed().as_secs_f64());
        }
        Ok(best)
    };
    let mut ours = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"));
    ours.arg("hash").arg(&text);
    let mut theirs = std::process::Command::new("sha256sum");
    theirs.arg(&text);
    let ours_s = best_of(ours)?;
    let theirs_s = best_of(theirs)?;
    println!(
        "hash:     takedown hash {:.0} MB/s, sha256sum {:.0} MB/s on {:.0} MB = {:.2}x  (target ≥ 1x)",
        size / ours_s / 1e6,
        size / theirs_s / 1e6,
        size / 1e6,
        theirs_s / ours_s
    );
    Ok(())
}
