//! The transparency report against a history worked out by hand: one complaint upheld
//! at once, one rejected and reversed on appeal, one whose deadline passed (provisional
//! removal) and was then rejected (restoration), and one still pending from a second
//! outlet. The page, the JSON, the CSV and `takedown report` must all tell the same.

use std::time::Duration;

use crate::common::filing::{complaint_json, file_json};
use crate::common::staff::{add, client, session};
use crate::common::{TestApp, article, takedown_cmd};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use takedown::entities::complaint;
use takedown::jobs::tick;
use takedown::services::staff::Role;
use time::OffsetDateTime;

const THEIRS: &str = "據新華社報道，國務院今日召開常務會議，研究部署穩就業工作。會議指出，「要把穩就業擺在更加突出的位置」，並要求各地加快落實援企穩崗政策。";

async fn file(app: &TestApp, n: u32) -> (i64, String) {
    let (id, code, _) = file_json(app, &complaint_json(n, "claimant@citydaily.example")).await;
    (id, code)
}

async fn decide(app: &TestApp, token: &str, id: i64, action: &str) {
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{id}/decision")))
        .bearer_auth(token)
        .json(&json!({"action": action, "reason": "Checked against the licence."}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{action} #{id}");
}

/// The four-complaint history; returns the app and the hours from receipt to removal
/// of the breached complaint, which the tick's clock fixes.
async fn history() -> (TestApp, f64) {
    let app = TestApp::spawn().await;
    for n in 1..=4 {
        let mut a = article(n, &format!("第{n}篇。{}", THEIRS));
        if n == 4 {
            a["source"]["outlet"] = json!("Harbour Post");
        }
        assert_eq!(app.post_article(&a).await.status(), 201);
    }
    let first = crate::common::staff::account_token(&app, "desk-a").await;
    let second = crate::common::staff::account_token(&app, "desk-b").await;

    let (upheld, _) = file(&app, 1).await;
    decide(&app, &first, upheld, "uphold").await;

    let (reversed, code) = file(&app, 2).await;
    decide(&app, &first, reversed, "reject").await;
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{code}/appeal")))
        .json(&json!({"statement": "许可不包括原创报道。"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    decide(&app, &second, reversed, "uphold").await;

    let (breached, _) = file(&app, 3).await;
    app.confirm(breached).await;
    let c = complaint::Entity::find_by_id(breached)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mailer = takedown::jobs::mailer(&app.state.config).unwrap();
    let at = c.deadline_at + Duration::from_secs(60);
    let r = tick(&app.state.jobs(), &mailer, at).await.unwrap();
    assert_eq!(r.deadlines.breaches, 1, "{r}");
    decide(&app, &first, breached, "reject").await;
    let _pending = file(&app, 4).await;
    let hours = (at - c.received_at).as_seconds_f64() / 3600.0;
    (app, hours)
}

fn today() -> String {
    OffsetDateTime::now_utc().date().to_string()
}

#[tokio::test]
async fn the_report_matches_the_history_in_every_format() {
    let (app, breach_hours) = history().await;
    add(&app, "admin@news.example", Role::Admin).await;
    let staff = client();
    let (cookie, _) = session(&app, &staff, "admin@news.example").await;
    let get = |q: String| {
        let staff = staff.clone();
        let cookie = cookie.clone();
        let u = app.url(&format!("/staff/report{q}"));
        async move { staff.get(u).header("cookie", cookie).send().await.unwrap() }
    };

    let resp = get(format!("?from={0}&to={0}&format=json", today())).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    let t = &v["totals"];
    let expect = [
        ("received", 4),
        ("upheld", 2),
        ("rejected", 1),
        ("incomplete", 0),
        ("withdrawn", 0),
        ("pending", 1),
        ("decided", 3),
        ("decided_within_deadline", 2),
        ("removals", 3),
        ("breaches", 1),
        ("provisional_removals", 1),
        ("counter_notices", 0),
        ("restorations", 1),
        ("appeals", 1),
        ("reversals", 1),
    ];
    for (k, n) in expect {
        assert_eq!(t[k], n, "{k}: {t}");
    }
    assert!((t["share_within_deadline"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    // Removals: two within seconds of receipt, one at the breach; nearest rank.
    assert!(t["removal_median_hours"].as_f64().unwrap() < 0.1, "{t}");
    assert!((t["removal_p90_hours"].as_f64().unwrap() - breach_hours).abs() < 0.01);
    let outlets = v["outlets"].as_array().unwrap();
    let names: Vec<&str> = outlets
        .iter()
        .map(|o| o["outlet"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["City Daily", "Harbour Post"]);
    assert_eq!(
        (
            outlets[0]["received"].as_u64(),
            outlets[1]["received"].as_u64()
        ),
        (Some(3), Some(1))
    );
    assert_eq!(outlets[1]["pending"], 1);
    // By channel: every channel listed, the complaints split among them.
    let channels: Vec<(String, u64)> = v["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["channel"].as_str().unwrap().to_string(),
                c["received"].as_u64().unwrap(),
            )
        })
        .collect();
    let names: Vec<&str> = channels.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(names, ["form", "api", "email"]);
    assert_eq!(channels.iter().map(|(_, n)| n).sum::<u64>(), 4);
    assert_eq!(channels[2].1, 0, "none came by email");

    // The CSV carries the same figures.
    let resp = get(format!("?from={0}&to={0}&format=csv", today())).await;
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    let csv = resp.text().await.unwrap();
    let csv = csv
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte-order mark for spreadsheets");
    let lines: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    let header = &lines[0];
    let all = lines.iter().find(|l| l[0] == "all").unwrap();
    let received = header.iter().position(|h| *h == "received").unwrap();
    for (ch, n) in &channels {
        let row = lines
            .iter()
            .find(|l| l[0] == format!("channel:{ch}"))
            .unwrap();
        assert_eq!(row[received], n.to_string(), "csv channel:{ch}");
    }
    for (k, n) in expect {
        let i = header.iter().position(|h| *h == k).unwrap();
        assert_eq!(all[i], n.to_string(), "csv {k}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l[0] == "outlet:Harbour Post" && l[1] == "1")
    );

    // The page shows them, with both charts inline.
    let html = get(format!("?from={0}&to={0}", today()))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<tr data-k=\"received\"><td>Complaints received</td><td>4</td>"));
    assert!(html.contains("66.7% (2 of 3)"), "share on the page");
    assert_eq!(html.matches("<svg").count(), 2, "two charts");
    assert!(html.contains("deadline (24 h)"));
    assert!(
        !html.contains("王芳") && !html.contains("claimant@"),
        "no personal data"
    );

    // The command line agrees with the API.
    let out = takedown_cmd(&app.test_db)
        .args([
            "report",
            "--from",
            &today(),
            "--to",
            &today(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli["totals"], v["totals"]);
    assert_eq!(cli["outlets"], v["outlets"]);

    // A period before any of it is empty, not an error.
    let v: Value = get("?from=2020-01-01&to=2020-01-31&format=json".into())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["totals"]["received"], 0);
    assert_eq!(v["totals"]["share_within_deadline"], Value::Null);
    app.stop().await;
}

#[tokio::test]
async fn bad_periods_are_named_and_the_public_report_is_opt_in() {
    let app = TestApp::spawn().await;
    add(&app, "admin@news.example", Role::Admin).await;
    let staff = client();
    let (cookie, _) = session(&app, &staff, "admin@news.example").await;
    for (q, field) in [
        ("?from=2026-13-01&to=2026-12-01", "from"),
        ("?from=2026-11-01&to=yesterday", "to"),
        ("?from=2026-11-02&to=2026-11-01", "to"),
        ("?from=2026-11-01", "to"),
        ("?from=2000-01-01&to=2026-11-01", "to"),
        ("?format=pdf", "format"),
    ] {
        let resp = staff
            .get(app.url(&format!("/staff/report{q}")))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{q}");
        let v: Value = resp.json().await.unwrap();
        assert!(v["fields"][field].is_string(), "{q}: {v}");
    }
    // Not signed in: to the login page, no figures.
    let resp = client()
        .get(app.url("/staff/report?format=json"))
        .send()
        .await
        .unwrap();
    assert_ne!(resp.status(), 200);
    let resp = app
        .client
        .get(app.url("/transparency"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404, "off unless PUBLIC_REPORT=true");
    app.stop().await;

    let app = TestApp::spawn_with(|c| c.public_report = true).await;
    let resp = app
        .client
        .get(app.url("/transparency"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("Transparency report"));
    app.stop().await;
}

#[test]
fn the_command_line_names_a_bad_date() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .args(["report", "--from", "2026-11-31", "--to", "2026-12-01"])
        .env("DATA_DIR", dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/t.db?mode=rwc", dir.path().display()),
        )
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--from must be a date"), "{err}");
}
