//! The provenance registry through its HTTP API.

use crate::common::{TestApp, article};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[tokio::test]
async fn healthz_answers_while_the_process_lives() {
    let app = TestApp::spawn().await;
    let resp = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["status"], "ok");
}

#[tokio::test]
async fn recording_returns_recomputable_hashes() {
    let app = TestApp::spawn().await;
    let body = "  First\u{200B} paragraph.\r\n\r\nＳｅｃｏｎｄ\tparagraph.  ";
    let mut rec = article(1, body);
    rec["source"]["body"] = json!("Source   text\n");
    let resp = app.post_article(&rec).await;
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    assert!(v["id"].as_i64().unwrap() > 0);
    assert_eq!(v["revision"], 1);
    assert_eq!(v["status"], "published");
    assert_eq!(v["url"], "https://news.example/2022/08/24/article-1.html");
    assert_eq!(v["licence"]["reference"], "SYND-2022-017");
    assert_eq!(v["republished_at"], "2022-08-24T01:19:16Z");
    // Recomputed here from the definition, independently of the service's code.
    assert_eq!(v["hashes"]["raw_sha256"], sha256(body));
    assert_eq!(
        v["hashes"]["content_sha256"],
        sha256("First paragraph. Second paragraph.")
    );
    assert_eq!(v["hashes"]["source_sha256"], sha256("Source text"));
    assert_eq!(v["hashes"]["normalizer_version"], 1);

    let plain = app
        .post_article(&article(2, "x"))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(plain["hashes"]["source_sha256"], Value::Null);
}

#[tokio::test]
async fn same_record_is_idempotent_and_a_changed_body_is_a_new_revision() {
    let app = TestApp::spawn().await;
    let first: Value = app
        .post_article(&article(1, "Original text."))
        .await
        .json()
        .await
        .unwrap();
    let id = first["id"].as_i64().unwrap();

    let again = app.post_article(&article(1, "Original text.")).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], id);
    assert_eq!(again["revision"], 1);
    assert_eq!(again["hashes"], first["hashes"]);

    let changed = app.post_article(&article(1, "Corrected text.")).await;
    assert_eq!(changed.status(), 201);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["id"], id);
    assert_eq!(changed["revision"], 2);

    let full: Value = app.get_article(id).await.json().await.unwrap();
    assert_eq!(full["revision"], 2);
    assert_eq!(full["status"], "published");
    let revs = full["revisions"].as_array().unwrap();
    assert_eq!(revs.len(), 2);
    assert_eq!(revs[0]["revision"], 1);
    assert_eq!(revs[0]["body"], "Original text.");
    assert_eq!(
        revs[0]["hashes"]["content_sha256"],
        sha256("Original text.")
    );
    assert_eq!(
        revs[1]["hashes"]["content_sha256"],
        sha256("Corrected text.")
    );
    assert_eq!(app.count("articles").await, 1);
    assert_eq!(app.count("article_revisions").await, 2);
    // Recorded and revised, not the idempotent repeat.
    assert_eq!(app.count("audit_events").await, 2);
}

#[tokio::test]
async fn unknown_article_is_404_and_bad_id_is_422() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get_article(999).await.status(), 404);
    let resp = app
        .client
        .get(app.url("/api/v1/articles/abc"))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["fields"]["id"],
        "must be a whole number"
    );
}

#[tokio::test]
async fn tokens_are_required_and_scoped() {
    let app = TestApp::spawn().await;
    let url = app.url("/api/v1/articles");
    let none = app
        .client
        .post(&url)
        .json(&article(1, "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    let wrong = app
        .client
        .post(&url)
        .bearer_auth("td_nope")
        .json(&article(1, "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let staff = takedown::services::tokens::create(
        &app.db,
        "reviewer",
        takedown::services::tokens::Scope::Staff,
        time::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    let forbidden = app
        .client
        .post(&url)
        .bearer_auth(&staff)
        .json(&article(1, "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);
    assert_eq!(app.count("articles").await, 0);
}

#[tokio::test]
async fn every_missing_or_malformed_field_is_named_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let resp = app.post_article(&json!({})).await;
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"], "validation");
    for f in [
        "url",
        "title",
        "body",
        "republished_at",
        "editor",
        "source",
        "licence",
    ] {
        assert_eq!(v["fields"][f], "is required", "{f}: {v}");
    }

    let mut bad = article(1, "text");
    bad["url"] = json!("not a url");
    bad["source"]["url"] = json!("ftp://x.example/a");
    bad["republished_at"] = json!("24/08/2022");
    bad["licence"]["expires_at"] = json!("soon");
    bad["rights_contact"] = json!("rights at example");
    let v: Value = app.post_article(&bad).await.json().await.unwrap();
    let fields = v["fields"].as_object().unwrap();
    let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "licence.expires_at",
            "republished_at",
            "rights_contact",
            "source.url",
            "url"
        ]
    );

    let mut typed = article(1, "text");
    typed["source"]["url"] = json!(42);
    let resp = app.post_article(&typed).await;
    assert_eq!(resp.status(), 400);
    let msg = resp.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.starts_with("source.url"), "{msg}");

    let dup = r#"{"url":"https://a.example/1","url":"https://a.example/2"}"#;
    let resp = app
        .client
        .post(app.url("/api/v1/articles"))
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body(dup)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("duplicate field"));

    let resp = app
        .client
        .post(app.url("/api/v1/articles"))
        .bearer_auth(&app.token)
        .header("content-type", "text/plain")
        .body(article(1, "x").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);

    let resp = app.post_article(&article(1, "nul\u{0}byte")).await;
    assert_eq!(resp.status(), 422);
    assert!(resp.json::<Value>().await.unwrap()["fields"]["body"].is_string());

    assert_eq!(app.count("articles").await, 0);
    assert_eq!(app.count("article_revisions").await, 0);
    assert_eq!(app.count("audit_events").await, 0);
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let app = TestApp::spawn_with(|c| c.max_article_bytes = 10_000).await;
    let resp = app.post_article(&article(1, &"x".repeat(20_000))).await;
    assert_eq!(resp.status(), 413);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "too_large");
    let ok = app.post_article(&article(1, &"x".repeat(5_000))).await;
    assert_eq!(ok.status(), 201);
    assert_eq!(app.count("articles").await, 1);
}

#[tokio::test]
async fn concurrent_writers_keep_one_linear_audit_chain() {
    let app = TestApp::spawn().await;
    let mut tasks = Vec::new();
    for n in 0..16 {
        let client = app.client.clone();
        let url = app.url("/api/v1/articles");
        let token = app.token.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&article(n, &format!("Body number {n}")))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    assert_eq!(app.count("audit_events").await, 16);
    assert!(matches!(
        takedown::audit::verify(&app.db, None).await.unwrap(),
        takedown::audit::Verdict::Intact { events: 16, .. }
    ));
}
