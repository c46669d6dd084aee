//! The audit log as proof for outsiders: the export recomputes with nothing but
//! SHA-256 and sorted JSON, `takedown audit verify --from` checks it offline and names
//! an edited event, and the receipt's event (`SEQ:HASH`, handed to the claimant) shows
//! events cut from the end of the chain, which a plain verify cannot.

use crate::common::filing::{complaint_json, file_json, run};
use crate::common::{TestApp, article, takedown_cmd};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use takedown::entities::outbox;
use takedown::services::tokens::{self, Scope};
use time::OffsetDateTime;

async fn complaint(app: &TestApp) -> Value {
    file_json(app, &complaint_json(1, "wang@citydaily.example"))
        .await
        .2
}

/// What a third party computes, knowing only the README: SHA-256 over the previous
/// hash (hex) followed by the event's JSON with sorted keys and no spaces.
fn recompute(prev: &str, e: &Value) -> String {
    let event = json!({
        "seq": e["seq"], "occurred_at": e["occurred_at"], "actor": e["actor"],
        "action": e["action"], "subject": e["subject"], "details": e["details"],
    });
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(event.to_string().as_bytes());
    hex::encode(h.finalize())
}

#[tokio::test]
async fn an_export_verifies_offline_and_an_edited_one_does_not() {
    let app = TestApp::spawn().await;
    for n in 1..=3 {
        let a = article(
            n,
            &format!("第{n}篇：国务院今日召开常务会议，研究部署稳就业工作。"),
        );
        assert_eq!(app.post_article(&a).await.status(), 201);
    }
    let c = complaint(&app).await;
    let staff = tokens::create(&app.db, "auditor", Scope::Staff, OffsetDateTime::now_utc())
        .await
        .unwrap();

    // Who may read it.
    let get = |q: &str, token: Option<&str>| {
        let mut r = app.client.get(app.url(&format!("/api/v1/audit{q}")));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    assert_eq!(get("", None).await.unwrap().status(), 401);
    assert_eq!(
        get("", Some(&app.token)).await.unwrap().status(),
        403,
        "articles token"
    );
    assert_eq!(get("?after=-1", Some(&staff)).await.unwrap().status(), 422);
    assert_eq!(get("?after=x", Some(&staff)).await.unwrap().status(), 400);

    let resp = get("", Some(&staff)).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/x-ndjson");
    let export = resp.text().await.unwrap();
    let events: Vec<Value> = export
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 4, "three articles and a complaint");
    let mut prev = "0".repeat(64);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["seq"], i as i64 + 1);
        assert_eq!(e["prev_hash"], prev.as_str());
        prev = recompute(&prev, e);
        assert_eq!(e["hash"], prev.as_str(), "event {}", i + 1);
    }
    // The claimant's proof of receipt is the complaint's event in that chain.
    let receipt = c["receipt_event"].as_str().unwrap();
    assert_eq!(receipt, format!("4:{prev}"));

    // Only what follows a point.
    let tail = get("?after=2", Some(&staff))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(tail.lines().count(), 2);

    let dir = app.test_db.data_dir();
    let file = dir.join("audit.jsonl");
    std::fs::write(&file, &export).unwrap();
    let (code, out) = run(takedown_cmd(&app.test_db)
        .args(["audit", "verify", "--from"])
        .arg(&file)
        .args(["--head", receipt]));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("intact: 4 events") && out.contains(&format!("holds {receipt}")),
        "{out}"
    );
    let part = dir.join("tail.jsonl");
    std::fs::write(&part, &tail).unwrap();
    let (code, out) = run(takedown_cmd(&app.test_db)
        .args(["audit", "verify", "--from"])
        .arg(&part));
    assert_eq!(
        code, 0,
        "a partial export checks from its first event: {out}"
    );

    // One edited field in event 2 of the export.
    let edited = export.replacen("article-2.html", "article-9.html", 1);
    assert_ne!(edited, export);
    std::fs::write(&file, edited).unwrap();
    let (code, out) = run(takedown_cmd(&app.test_db)
        .args(["audit", "verify", "--from"])
        .arg(&file));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("broken at event 2"), "{out}");
    std::fs::write(&file, "not json\n").unwrap();
    let (code, out) = run(takedown_cmd(&app.test_db)
        .args(["audit", "verify", "--from"])
        .arg(&file));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("line 1: not an exported event"), "{out}");

    // The CLI export is the API's.
    let (code, out) = run(takedown_cmd(&app.test_db).args(["audit", "export"]));
    assert_eq!(code, 0);
    assert_eq!(out, export);
    app.stop().await;
}

#[tokio::test]
async fn a_receipt_head_shows_events_cut_from_the_end() {
    let app = TestApp::spawn().await;
    assert_eq!(app.post_article(&article(1, "正文")).await.status(), 201);
    let c = complaint(&app).await;
    let receipt = c["receipt_event"].as_str().unwrap().to_string();
    let (seq, _) = receipt.split_once(':').unwrap();

    // The claimant holds it in their receipt email and on the status page.
    let mail = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("receipt"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        mail.body_text
            .contains(&format!("收件凭证：审计日志事件 {receipt}")),
        "{}",
        mail.body_text
    );
    let code = c["tracking_code"].as_str().unwrap();
    let page = app
        .client
        .get(app.url(&format!("/complaints/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("<code id=\"receipt-event\">{receipt}</code>")));

    let verify =
        |head: &str| run(takedown_cmd(&app.test_db).args(["audit", "verify", "--head", head]));
    let (code, out) = verify(&receipt);
    assert_eq!(code, 0, "{out}");

    // A different hash at that point is not our chain.
    let forged = format!("{seq}:{}", "ab".repeat(32));
    let (code, out) = verify(&forged);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("event {seq} has hash")), "{out}");

    // Someone removes the complaint's receipt from the end of the log. What is left is
    // a perfectly consistent chain; only the head handed out shows the cut.
    app.db
        .execute_unprepared(&format!("DELETE FROM audit_events WHERE seq >= {seq}"))
        .await
        .unwrap();
    let (code, out) = run(takedown_cmd(&app.test_db).args(["audit", "verify"]));
    assert_eq!(code, 0, "{out}");
    let (code, out) = verify(&receipt);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("event {seq} is not in the chain")),
        "{out}"
    );

    let (code, out) = verify("12");
    assert_eq!(code, 2);
    assert!(out.contains("--head: a head is SEQ:HASH"), "{out}");
    app.stop().await;
}
