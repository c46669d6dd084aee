//! The `takedown` command line, run as a user would, against a real database.

use crate::common::{TestApp, TestDb, article, takedown_cmd};
use migrations::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;
use serde_json::json;
use sha2::{Digest, Sha256};

fn run(cmd: &mut std::process::Command) -> (i32, String, String) {
    let out = cmd.output().expect("takedown runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn import_keeps_good_lines_reports_bad_ones_and_is_rerunnable() {
    let db = TestDb::new().await;
    let file = db.data_dir().join("articles.jsonl");
    let mut edited = article(2, "Second body");
    edited["title"] = json!("Second, first version");
    let lines = [
        article(1, "First body").to_string(),
        "{not json".to_string(),
        edited.to_string(),
        String::new(),
        json!({"url": "https://news.example/x", "title": "No body"}).to_string(),
        article(2, "Second body, corrected").to_string(),
        article(3, "Third body").to_string(),
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();

    let (code, stdout, stderr) = run(takedown_cmd(&db).arg("import").arg(&file));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("recorded 3, unchanged 0, new revisions 1, rejected 2"),
        "{stdout}"
    );
    assert!(stderr.contains("line 2: not valid JSON"), "{stderr}");
    assert!(
        stderr.contains("line 5:") && stderr.contains("body is required"),
        "{stderr}"
    );

    let (_, stdout, _) = run(takedown_cmd(&db).arg("import").arg(&file));
    // Line 3 is now an older version of article 2, so it counts as a new revision; the
    // final state of every article is what the file ends with.
    assert!(stdout.contains("rejected 2"), "{stdout}");
    let (_, stdout, _) = run(takedown_cmd(&db).arg("import").arg(&file));
    assert!(stdout.contains("rejected 2"), "{stdout}");

    let conn = db.connect().await;
    let n = |sql: &'static str| {
        let conn = conn.clone();
        async move {
            let row = conn
                .query_one_raw(sea_orm::Statement::from_string(
                    conn.get_database_backend(),
                    sql,
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<i64>("", "n").unwrap()
        }
    };
    assert_eq!(n("SELECT COUNT(*) AS n FROM articles").await, 3);
    let (code, stdout, _) = run(takedown_cmd(&db).args(["audit", "verify"]));
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("intact"));
}

#[tokio::test]
async fn reimporting_an_unchanged_file_changes_nothing() {
    let db = TestDb::new().await;
    let file = db.data_dir().join("a.jsonl");
    let lines: Vec<String> = (0..25)
        .map(|n| article(n, &format!("Body {n}")).to_string())
        .collect();
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let (code, stdout, _) = run(takedown_cmd(&db).arg("import").arg(&file));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("recorded 25, unchanged 0, new revisions 0, rejected 0"),
        "{stdout}"
    );
    let (code, stdout, _) = run(takedown_cmd(&db).arg("import").arg(&file));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("recorded 0, unchanged 25, new revisions 0, rejected 0"),
        "{stdout}"
    );
}

#[tokio::test]
async fn hash_prints_the_canonical_content_hash() {
    let db = TestDb::new().await;
    let file = db.data_dir().join("text.txt");
    std::fs::write(&file, "  Ｈｅｌｌｏ,\u{200B}\n\n  world\t!\n").unwrap();
    let (code, stdout, stderr) = run(takedown_cmd(&db).arg("hash").arg(&file));
    assert_eq!(code, 0, "{stderr}");
    let expected = hex::encode(Sha256::digest(b"Hello, world !"));
    assert!(stdout.starts_with(&expected), "{stdout}");
    assert!(stderr.contains("normalizer version 1"));

    std::fs::write(&file, b"ok\n\xff\xfe\n").unwrap();
    let (code, _, stderr) = run(takedown_cmd(&db).arg("hash").arg(&file));
    assert_eq!(code, 2);
    assert!(stderr.contains("not UTF-8 at byte 3"), "{stderr}");

    // Large enough to be hashed in several blocks on both threads.
    let para = "第一段文字，含全角标点。\n  English   words\u{200B} here.\r\n";
    let big = para.repeat(150_000);
    std::fs::write(&file, &big).unwrap();
    let (code, stdout, _) = run(takedown_cmd(&db).arg("hash").arg(&file));
    assert_eq!(code, 0);
    let whole = takedown_text::canonical::content_sha256(&big);
    assert!(stdout.starts_with(&whole), "{stdout}");
}

#[tokio::test]
async fn token_create_prints_a_working_token_stored_only_as_a_hash() {
    let app = TestApp::spawn().await;
    let (code, stdout, stderr) = run(takedown_cmd(&app.test_db)
        .args(["token", "create", "--name", "cms-2", "--scope", "articles"]));
    assert_eq!(code, 0, "{stderr}");
    let secret = stdout.trim().to_string();
    assert!(secret.starts_with("td_") && secret.len() > 40);
    let resp = app
        .client
        .post(app.url("/api/v1/articles"))
        .bearer_auth(&secret)
        .json(&article(1, "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT token_sha256 FROM api_tokens WHERE name = 'cms-2'",
        ))
        .await
        .unwrap()
        .unwrap();
    let stored: String = row.try_get("", "token_sha256").unwrap();
    assert_eq!(stored, hex::encode(Sha256::digest(secret.as_bytes())));

    let (code, _, _) =
        run(takedown_cmd(&app.test_db).args(["token", "create", "--name", "x", "--scope", "root"]));
    assert_ne!(code, 0);
}

#[tokio::test]
async fn tokens_are_listed_revoked_at_once_and_expire() {
    let app = TestApp::spawn().await;
    let create = |name: &str, extra: &[&str]| {
        let mut cmd = takedown_cmd(&app.test_db);
        cmd.args(["token", "create", "--name", name, "--scope", "articles"])
            .args(extra);
        run(&mut cmd)
    };
    let post = |secret: String, n: u32| {
        let req = app
            .client
            .post(app.url("/api/v1/articles"))
            .bearer_auth(secret)
            .json(&article(n, "正文。"));
        async move { req.send().await.unwrap().status().as_u16() }
    };
    let (code, cms, err) = create("cms", &[]);
    assert_eq!(code, 0, "{err}");
    let cms = cms.trim().to_string();
    assert_eq!(post(cms.clone(), 1).await, 201);
    let (code, _, err) = create("cms", &[]);
    assert_ne!(code, 0);
    assert!(err.contains("already called \"cms\""), "{err}");
    let (code, _, err) = create("old", &["--expires", "2020-01-01"]);
    assert_ne!(code, 0);
    assert!(err.contains("--expires must be in the future"), "{err}");
    let (code, _, err) = create("old", &["--expires", "soon"]);
    assert_ne!(code, 0);
    assert!(err.contains("--expires must be a span"), "{err}");
    let (code, brief, err) = create("brief", &["--expires", "30d"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("expires "), "{err}");
    let brief = brief.trim().to_string();
    assert_eq!(post(brief.clone(), 2).await, 201);

    let (code, list, _) = run(takedown_cmd(&app.test_db).args(["token", "list"]));
    assert_eq!(code, 0);
    let line = |name: &str| -> Vec<String> {
        list.lines()
            .find(|l| l.starts_with(&format!("{name}\t")))
            .unwrap_or_else(|| panic!("{name} listed: {list}"))
            .split('\t')
            .map(String::from)
            .collect()
    };
    let cms_line = line("cms");
    assert_eq!(cms_line[1..3], ["articles", "active"]);
    assert_ne!(cms_line[4], "-", "last use noted: {list}");
    assert_eq!(cms_line[5], "-", "no expiry");
    assert_ne!(line("brief")[5], "-");

    // Revoked: the very next call is refused.
    let (code, out, _) = run(takedown_cmd(&app.test_db).args(["token", "revoke", "cms"]));
    assert_eq!(code, 0);
    assert!(out.contains("revoked 1"), "{out}");
    assert_eq!(post(cms, 3).await, 401);
    let (code, _, err) = run(takedown_cmd(&app.test_db).args(["token", "revoke", "cms"]));
    assert_ne!(code, 0);
    assert!(err.contains("no unrevoked token"), "{err}");

    // Expired: refused, and listed as such.
    app.db
        .execute_unprepared(
            "UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00+00:00' WHERE name = 'brief'",
        )
        .await
        .unwrap();
    assert_eq!(post(brief, 4).await, 401);
    let (_, list, _) = run(takedown_cmd(&app.test_db).args(["token", "list"]));
    assert!(list.contains("brief\tarticles\texpired"), "{list}");
    assert!(list.contains("cms\tarticles\trevoked"), "{list}");
}

#[tokio::test]
async fn audit_verify_names_the_first_tampered_event() {
    let app = TestApp::spawn().await;
    for n in 0..4 {
        assert_eq!(
            app.post_article(&article(n, &format!("Body {n}")))
                .await
                .status(),
            201
        );
    }
    let (code, stdout, _) = run(takedown_cmd(&app.test_db).args(["audit", "verify"]));
    assert_eq!(code, 0);
    assert!(stdout.contains("audit chain intact: 4 events"), "{stdout}");

    // Someone rewrites history: event 3 now claims a different hash was recorded.
    app.db
        .execute_unprepared(
            "UPDATE audit_events SET details = REPLACE(details, 'SYND-2022-017', 'SYND-FORGED') WHERE seq = 3",
        )
        .await
        .unwrap();
    let (code, stdout, _) = run(takedown_cmd(&app.test_db).args(["audit", "verify"]));
    assert_eq!(code, 1);
    assert!(stdout.contains("broken at event 3"), "{stdout}");

    // Deleting an event is caught too.
    app.db
        .execute_unprepared("DELETE FROM audit_events WHERE seq = 2")
        .await
        .unwrap();
    let (code, stdout, _) = run(takedown_cmd(&app.test_db).args(["audit", "verify"]));
    assert_eq!(code, 1);
    assert!(stdout.contains("broken at event 2"), "{stdout}");
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let db = TestDb::new().await;
    let conn = takedown::db::connect(&db.url).await.unwrap();
    Migrator::up(&conn, None).await.unwrap();
    assert!(
        Migrator::get_pending_migrations(&conn)
            .await
            .unwrap()
            .is_empty()
    );
    Migrator::down(&conn, None).await.unwrap();
    assert!(
        Migrator::get_applied_migrations(&conn)
            .await
            .unwrap()
            .is_empty()
    );
    Migrator::up(&conn, None).await.unwrap();
    conn.execute_unprepared("SELECT COUNT(*) FROM audit_events")
        .await
        .unwrap();
    drop(conn);

    let (code, stdout, stderr) = run(takedown_cmd(&db).args(["migrate", "status"]));
    assert_eq!(code, 0, "{stderr}");
    let n = Migrator::migrations().len();
    assert!(
        stdout.contains(&format!("{n} applied, 0 pending")),
        "{stdout}"
    );
    let (code, stdout, _) = run(takedown_cmd(&db).args(["migrate", "down"]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains(&format!("{} applied, 1 pending", n - 1)),
        "{stdout}"
    );
}

#[tokio::test]
async fn tick_runs_the_sweeps_and_writes_mail_files_by_default() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&json!({
            "claimant": {"name": "A", "email": "a@claimant.example", "phone": "123456", "address": "x", "capacity": "owner"},
            "work": {"title": "t", "description": "d", "original_url": "https://a.example/"},
            "infringing_urls": ["https://news.example/a"],
            "statements": {"good_faith": true, "accurate": true},
            "signature": "A", "language": "en"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let (code, stdout, stderr) = run(takedown_cmd(&app.test_db)
        .env("STAFF_NOTIFY", "staff@news.example")
        .arg("tick"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("deadlines: 0 reminders"), "{stdout}");
    assert!(
        stdout.contains("outbox: 2 sent, 0 to retry, 0 failed"),
        "{stdout}"
    );
    let mail = app.test_db.data_dir().join("mail");
    let mut files: Vec<_> = std::fs::read_dir(&mail)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2);
    let receipt = std::fs::read_to_string(&files[0]).unwrap();
    assert!(receipt.contains("To: a@claimant.example"), "{receipt}");
    assert!(receipt.contains("Message-ID: <"));
    let (_, stdout, _) = run(takedown_cmd(&app.test_db).arg("tick"));
    assert!(
        stdout.contains("outbox: 0 sent"),
        "nothing is sent twice: {stdout}"
    );
}
