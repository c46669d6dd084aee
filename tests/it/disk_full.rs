//! A full disk on SQLite: every 201 is durable, every refusal is a clear 507 (never a
//! 201 for a complaint that was not stored), and writing resumes once space returns.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::{TestApp, TestDb, takedown_cmd};
use serde_json::{Value, json};

/// A paragraph of news copy with full-width punctuation, about 300 bytes.
const PARAGRAPH: &str = "本报讯（记者 李伟）昨日上午，市轮渡公司新建的东港码头正式启用，\
首班渡轮于七时三十分离港。据介绍，新码头设有两个泊位、一座候船厅，日均可接待旅客约一万二千人次。\
“我们每天通勤要过江，新码头离家更近了。”市民王女士说。";

/// A notice whose original text is `kb` KB of news copy, varied by `n`.
fn notice(n: usize, kb: usize) -> Value {
    let mut text = String::with_capacity(kb * 1024);
    let mut i = 0;
    while text.len() < kb * 1024 {
        text.push_str(&format!("第{n}篇第{i}段。"));
        text.push_str(PARAGRAPH);
        text.push('\n');
        i += 1;
    }
    json!({
        "claimant": {"name": "Wang Fang", "email": "rights@citydaily.example", "phone": "+86 10 1234 5678",
                     "address": "1 Press Road", "capacity": "owner"},
        "work": {"title": format!("Ferry pier {n}"), "description": "Our report",
                 "original_url": format!("https://citydaily.example/{n}"), "original_text": text},
        "infringing_urls": [format!("https://news.example/copy-{n}.html")],
        "statements": {"good_faith": true, "accurate": true},
        "signature": "Wang Fang", "language": "zh"
    })
}

/// What filing until the disk refused produced.
#[derive(Default)]
struct Outcome {
    acknowledged: Vec<String>,
    refused_507: usize,
    refused_503: usize,
}

/// Files complaints from 6 clients until `refusals` answers were 507/503 (or a bound
/// on attempts is reached). Any other answer fails the test.
async fn file_until_full(app: &TestApp, refusals: usize) -> Outcome {
    let next = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (client, url) = (app.client.clone(), app.url("/api/v1/complaints"));
        let (next, refused) = (next.clone(), refused.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Outcome::default();
            while refused.load(Ordering::SeqCst) < refusals {
                let n = next.fetch_add(1, Ordering::SeqCst);
                assert!(n < 5_000, "the disk never filled");
                let resp = client
                    .post(&url)
                    .json(&notice(n, 20 + n % 40))
                    .send()
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                let body: Value = resp.json().await.unwrap();
                match status {
                    201 => out
                        .acknowledged
                        .push(body["tracking_code"].as_str().unwrap().to_string()),
                    507 => {
                        assert_eq!(body["error"], "storage_full", "{body}");
                        out.refused_507 += 1;
                        refused.fetch_add(1, Ordering::SeqCst);
                    }
                    503 => {
                        assert_eq!(body["error"], "unavailable", "{body}");
                        out.refused_503 += 1;
                        refused.fetch_add(1, Ordering::SeqCst);
                    }
                    other => panic!("complaint {n}: unexpected {other}: {body}"),
                }
            }
            out
        }));
    }
    let mut all = Outcome::default();
    for t in tasks {
        let o = t.await.unwrap();
        all.acknowledged.extend(o.acknowledged);
        all.refused_507 += o.refused_507;
        all.refused_503 += o.refused_503;
    }
    all
}

/// Every acknowledged complaint is there, as the server answers it.
async fn assert_all_present(app: &TestApp, codes: &[String]) {
    for code in codes {
        let status = app
            .client
            .get(app.url(&format!("/api/v1/complaints/{code}")))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "acknowledged complaint {code} is missing");
    }
}

fn audit_verifies(db: &TestDb) {
    let out = takedown_cmd(db).args(["audit", "verify"]).output().unwrap();
    assert!(
        out.status.success(),
        "audit chain broken: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_size_cap_refuses_with_507_and_loses_nothing_acknowledged() {
    let db = Arc::new(TestDb::sqlite_in(tempfile::tempdir().unwrap()));
    let app = TestApp::spawn_on(db.clone(), |c| c.sqlite_max_bytes = Some(3 << 20)).await;
    let out = file_until_full(&app, 30).await;
    assert!(out.refused_507 > 0, "no 507 seen");
    assert!(
        out.acknowledged.len() > 10,
        "only {}",
        out.acknowledged.len()
    );
    assert_all_present(&app, &out.acknowledged).await;

    // The form says so in the reader's language, keeping what was typed.
    let mut text = String::new();
    while text.len() < 40 << 10 {
        text.push_str(PARAGRAPH);
    }
    let form: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("language", "en"),
            ("claimant.name", "Wang Fang"),
            ("claimant.email", "rights@citydaily.example"),
            ("claimant.phone", "+86 10 1234 5678"),
            ("claimant.address", "1 Press Road"),
            ("claimant.capacity", "owner"),
            ("work.title", "Ferry pier"),
            ("work.description", "Our report"),
            ("work.original_url", "https://citydaily.example/1"),
            ("work.original_text", text.as_str()),
            ("infringing_urls", "https://news.example/a.html"),
            ("statements.good_faith", "on"),
            ("statements.accurate", "on"),
            ("signature", "Wang Fang"),
        ])
        .finish();
    let resp = app
        .client
        .post(app.url("/complaints"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 507);
    let html = resp.text().await.unwrap();
    assert!(html.contains("our storage is full"), "{html}");
    assert!(html.contains("value=\"Wang Fang\""), "{html}");
    app.stop().await;

    // After a restart without the cap: every 201 is still there, the chain verifies,
    // and filing works again.
    audit_verifies(&db);
    let app = TestApp::spawn_on(db.clone(), |_| {}).await;
    assert_all_present(&app, &out.acknowledged).await;
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&notice(9_999, 20))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let complaints = app.count("complaints").await as usize;
    assert_eq!(complaints, out.acknowledged.len() + 1);
    app.stop().await;
}

/// A tmpfs mounted for the test's lifetime, unmounted when dropped.
struct Tmpfs {
    dir: Option<tempfile::TempDir>,
}

impl Tmpfs {
    /// None when this process may not mount (not root): the test says so and skips.
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Self { dir: Some(dir) })
    }

    fn take_dir(&mut self) -> tempfile::TempDir {
        self.dir.take().unwrap()
    }
}

#[tokio::test]
async fn a_full_tmpfs_refuses_with_507_and_the_same_process_writes_again_once_space_returns() {
    let Some(mut fs) = Tmpfs::mount("16m") else {
        crate::common::skipped(
            "the tmpfs disk-full test needs root to mount; the size-cap test covers disk full",
        );
        return;
    };
    let dir = fs.take_dir();
    let path = dir.path().to_path_buf();
    let db = Arc::new(TestDb::sqlite_in(dir));
    let app = TestApp::spawn_on(db.clone(), |_| {}).await;
    // Leave about 4 MB free for complaints.
    let ballast = path.join("ballast");
    std::fs::write(&ballast, vec![0u8; 11 << 20]).unwrap();

    let out = file_until_full(&app, 30).await;
    assert!(
        out.refused_507 > 0,
        "no 507 seen ({} 503s)",
        out.refused_503
    );
    assert!(!out.acknowledged.is_empty());
    assert_all_present(&app, &out.acknowledged).await;

    // Space returns: the same process files again.
    std::fs::remove_file(&ballast).unwrap();
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&notice(9_999, 20))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let extra: Value = resp.json().await.unwrap();
    app.stop().await;

    audit_verifies(&db);
    let app = TestApp::spawn_on(db.clone(), |_| {}).await;
    assert_all_present(&app, &out.acknowledged).await;
    assert_all_present(
        &app,
        &[extra["tracking_code"].as_str().unwrap().to_string()],
    )
    .await;
    assert_eq!(
        app.count("complaints").await as usize,
        out.acknowledged.len() + 1
    );
    app.stop().await;
    // Lazy: the file system goes as soon as the last file on it is closed.
    let _ = std::process::Command::new("umount")
        .arg("-l")
        .arg(&path)
        .status();
    drop(db);
}
