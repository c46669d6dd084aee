//! Tracking codes at rest: a complaint is found by its code's hash, the code is kept
//! sealed under a key outside the database, emails once sent keep no code, and the
//! service will not start with another key or none.

use crate::common::filing::{complaint_json, file_json, target};
use crate::common::smtp::SmtpServer;
use crate::common::story::{CLAIMANT, Story};
use crate::common::{TestApp, config_for};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};
use takedown::entities::{audit_event, complaint, outbox};
use takedown::mail::delivery::Mailer;
use time::OffsetDateTime;

/// Every stored row that could hold a code, written out.
async fn stored_text(app: &TestApp) -> String {
    let db = &app.db;
    let mut all = String::new();
    for c in complaint::Entity::find().all(db).await.unwrap() {
        all.push_str(&format!("{c:?}\n"));
    }
    for o in outbox::Entity::find()
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await
        .unwrap()
    {
        all.push_str(&format!("{o:?}\n"));
    }
    for e in audit_event::Entity::find().all(db).await.unwrap() {
        all.push_str(&format!("{e:?}\n"));
    }
    all
}

async fn status(app: &TestApp, code: &str) -> (u16, Value) {
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/complaints/{code}")))
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn a_code_is_stored_nowhere_yet_every_email_to_the_claimant_carries_it() {
    let s = Story::new().await;
    let app = &s.app;
    s.article(1, json!({})).await;
    // A hex run of a code's shape in a URL the claimant names is not a code: it stays.
    let commit = "9f2c1e7a5b3d4c6e8f0a1b2c3d4e5f6a7b8c9d0e";
    let mut body = complaint_json(1, CLAIMANT);
    body["infringing_urls"] = json!([target(1), format!("https://news.example/c/{commit}.html")]);
    let (id, code, _) = file_json(app, &body).await;
    app.confirm(id).await;

    let smtp = SmtpServer::start().await;
    let mailer = Mailer::from_url(&smtp.url(), &app.state.config.mail_from).unwrap();
    let now = OffsetDateTime::now_utc();
    takedown::jobs::tick(&app.state.jobs(), &mailer, now)
        .await
        .unwrap();

    let row = s.row(id).await;
    assert!(!row.tracking_code_sealed.contains(&code), "{row:?}");
    assert_eq!(
        row.tracking_code_sha256.as_deref(),
        Some(takedown::services::tracking_codes::lookup_hash(&code).as_str())
    );
    let stored = stored_text(app).await;
    assert!(!stored.contains(&code), "a sent email kept the code");
    assert!(stored.contains(commit), "other hex is kept as sent");

    // The receipt as sent carried the code and its status link.
    let receipts = smtp.to(CLAIMANT);
    assert_eq!(receipts.len(), 1);
    let receipt = receipts[0].text();
    assert!(
        receipt.contains(&format!("{}/complaints/{code}", app.address)),
        "{receipt}"
    );

    // The code still opens the complaint, and a claimant's act by it works.
    let (st, v) = status(app, &code).await;
    assert_eq!((st, v["id"].as_i64()), (200, Some(id)), "{v}");
    let other = takedown::domain::complaint::TrackingCode::generate();
    assert_eq!(status(app, other.as_str()).await.0, 404);

    // A later email, composed long after filing, opens the seal for its link.
    s.decide(&s.alice, id, "reject", "转载已获授权。").await;
    takedown::jobs::tick(&app.state.jobs(), &mailer, OffsetDateTime::now_utc())
        .await
        .unwrap();
    let to_claimant = smtp.to(CLAIMANT);
    assert_eq!(to_claimant.len(), 2, "the receipt, then the decision");
    let decision = to_claimant[1].text();
    assert!(
        decision.contains(&format!("{}/complaints/{code}", app.address)),
        "{decision}"
    );
    assert!(!stored_text(app).await.contains(&code));
    s.appeal(&code).await;
    assert_eq!(status(app, &code).await.1["status"], "appealed");
}

#[tokio::test]
async fn the_service_refuses_to_start_with_another_key_or_none() {
    let first = TestApp::spawn().await;
    let (_, code, _) = file_json(&first, &complaint_json(1, CLAIMANT)).await;
    let key_file = first.state.config.tracking_key_file.clone();
    let test_db = first.test_db.clone();
    first.stop().await;
    let kept = std::fs::read_to_string(&key_file).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "readable by its owner only");
    }

    let start = |key: std::path::PathBuf| {
        let mut c = config_for(&test_db);
        c.tracking_key_file = key;
        async move {
            takedown::app::App::build(c)
                .await
                .err()
                .map(|e| format!("{e:#}"))
        }
    };
    // Another key: refused, and the file is left as it is.
    let other = test_db.data_dir().join("other.key");
    std::fs::write(&other, "ab".repeat(32)).unwrap();
    let refused = start(other.clone()).await.expect("refused");
    assert!(refused.contains("is not the key"), "{refused}");
    // No key at all: refused, and no new key is made in its place.
    let missing = test_db.data_dir().join("missing.key");
    let refused = start(missing.clone()).await.expect("refused");
    assert!(refused.contains("is missing"), "{refused}");
    assert!(!missing.exists());
    // A file that is not a key.
    std::fs::write(&other, "not a key").unwrap();
    let refused = start(other).await.expect("refused");
    assert!(refused.contains("must hold 64 hex digits"), "{refused}");

    // The right key: the claimant's code opens their complaint again.
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), kept);
    let again = TestApp::spawn_on(test_db, |_| {}).await;
    assert_eq!(status(&again, &code).await.0, 200);
}
