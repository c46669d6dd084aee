//! Malformed and random input at every endpoint: always a 4xx (or success) with a JSON
//! body, never a 5xx, and never a half-written record.

use crate::common::{TestApp, article};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..9) {
        0 => Value::Null,
        1 => json!(rng.random::<bool>()),
        2 => json!(rng.random::<i64>()),
        3 => json!(rng.random::<f64>()),
        4 => json!("x".repeat(rng.random_range(0..3000))),
        5 => json!("\u{0}\r\n<script>\u{202E}臺灣\u{FFFF}"),
        6 if depth < 3 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        7 if depth < 3 => {
            let mut m = serde_json::Map::new();
            for k in ["url", "body", "outlet", "reference", "text"] {
                if rng.random::<bool>() {
                    m.insert(k.into(), random_value(rng, depth + 1));
                }
            }
            Value::Object(m)
        }
        _ => json!("2022-02-30T25:61:61Z"),
    }
}

/// A valid article with one field replaced, removed, or the text mangled.
fn mutated_article(rng: &mut StdRng, n: u32) -> Vec<u8> {
    let mut a = article(n, "A body of text.");
    let fields = [
        "url",
        "title",
        "body",
        "republished_at",
        "editor",
        "source",
        "licence",
        "rights_contact",
    ];
    let f = fields[rng.random_range(0..fields.len())];
    match rng.random_range(0..4) {
        0 => a[f] = random_value(rng, 0),
        1 => {
            a.as_object_mut().unwrap().remove(f);
        }
        2 => {
            a["source"][["outlet", "url", "published_at", "body"][rng.random_range(0..4)]] =
                random_value(rng, 1)
        }
        _ => {
            let mut bytes = a.to_string().into_bytes();
            for _ in 0..rng.random_range(1..6) {
                let i = rng.random_range(0..bytes.len());
                bytes[i] = rng.random();
            }
            let cut = rng.random_range(0..=bytes.len());
            bytes.truncate(cut.max(1));
            return bytes;
        }
    }
    a.to_string().into_bytes()
}

fn random_bytes(rng: &mut StdRng) -> Vec<u8> {
    match rng.random_range(0..5) {
        0 => (0..rng.random_range(0..200))
            .map(|_| rng.random())
            .collect(),
        1 => "[".repeat(rng.random_range(1..5000)).into_bytes(),
        2 => b"{\"text\": \"\xff\xfe invalid utf-8\"}".to_vec(),
        3 => random_value(rng, 0).to_string().into_bytes(),
        _ => b"".to_vec(),
    }
}

#[tokio::test]
async fn no_input_produces_a_server_error() {
    let app = TestApp::spawn().await;
    let mut rng = StdRng::seed_from_u64(0x7a6b_d0e1);
    let content_types = [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "",
        "multipart/form-data",
    ];
    let mut successes = 0;
    for i in 0..400u32 {
        let (method, path, body) = match rng.random_range(0..6) {
            0 | 1 => (
                "POST",
                "/api/v1/articles".to_string(),
                mutated_article(&mut rng, i),
            ),
            2 => (
                "POST",
                "/api/v1/articles".to_string(),
                random_bytes(&mut rng),
            ),
            3 => ("POST", "/api/v1/match".to_string(), random_bytes(&mut rng)),
            4 => {
                let text = random_value(&mut rng, 1);
                (
                    "POST",
                    "/api/v1/match".to_string(),
                    json!({"text": text, "limit": random_value(&mut rng, 2)})
                        .to_string()
                        .into_bytes(),
                )
            }
            _ => {
                let id: String = match rng.random_range(0..4) {
                    0 => rng.random::<i64>().to_string(),
                    1 => "%FF%00".into(),
                    2 => "99999999999999999999999".into(),
                    _ => "..%2F..%2Fetc".into(),
                };
                ("GET", format!("/api/v1/articles/{id}"), Vec::new())
            }
        };
        let mut req = app
            .client
            .request(method.parse().unwrap(), app.url(&path))
            .body(body.clone());
        if rng.random_range(0..10) > 0 {
            req = req.bearer_auth(&app.token);
        }
        let ct = content_types[rng.random_range(0..content_types.len())];
        if !ct.is_empty() {
            req = req.header("content-type", ct);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert!(
            status.is_success() || status.is_client_error(),
            "{method} {path} -> {status}: {text}\nbody: {}",
            String::from_utf8_lossy(&body)
        );
        if status.is_success() {
            successes += 1;
        }
        assert!(
            serde_json::from_str::<Value>(&text).is_ok(),
            "{status} body is not JSON: {text}"
        );
    }
    // The fuzzing reached the success path too, not only the rejections.
    assert!(successes > 0);

    // Nothing half-written: every article has its revisions, every revision its event.
    let revisions = app.count("article_revisions").await;
    assert_eq!(app.count("audit_events").await, revisions);
    let orphans = app.count("articles a WHERE NOT EXISTS (SELECT 1 FROM article_revisions r WHERE r.article_id = a.id)").await;
    assert_eq!(orphans, 0);
    assert!(matches!(
        takedown::audit::verify(&app.db, None).await.unwrap(),
        takedown::audit::Verdict::Intact { .. }
    ));
}

#[tokio::test]
async fn unknown_routes_and_methods_are_4xx() {
    let app = TestApp::spawn().await;
    let resp = app.client.get(app.url("/nope")).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "not_found");
    let resp = app
        .client
        .delete(app.url("/api/v1/articles"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
}

#[tokio::test]
async fn random_complaints_never_produce_a_server_error() {
    let app = TestApp::spawn().await;
    let mut rng = StdRng::seed_from_u64(0x0c0f_fee5);
    let mut created = 0;
    for _ in 0..200 {
        let mut c = json!({
            "claimant": {"name": "A", "email": "a@b.example", "phone": "12345", "address": "x", "capacity": "owner"},
            "work": {"title": "t", "description": "d", "original_url": "https://a.example/"},
            "infringing_urls": ["https://news.example/a"],
            "statements": {"good_faith": true, "accurate": true},
            "signature": "A", "language": "en"
        });
        let body = match rng.random_range(0..5) {
            // Some valid notices, so the checks below see stored complaints.
            4 => c.to_string().into_bytes(),
            0 => {
                let keys = [
                    "claimant",
                    "work",
                    "infringing_urls",
                    "evidence_urls",
                    "statements",
                    "signature",
                    "language",
                ];
                c[keys[rng.random_range(0..keys.len())]] = random_value(&mut rng, 0);
                c.to_string().into_bytes()
            }
            1 => {
                let keys = [
                    "name",
                    "email",
                    "phone",
                    "address",
                    "capacity",
                    "on_behalf_of",
                ];
                c["claimant"][keys[rng.random_range(0..keys.len())]] = random_value(&mut rng, 1);
                c.to_string().into_bytes()
            }
            2 => random_bytes(&mut rng),
            _ => {
                let mut b = c.to_string().into_bytes();
                let i = rng.random_range(0..b.len());
                b[i] = rng.random();
                b
            }
        };
        let resp = app
            .client
            .post(app.url("/api/v1/complaints"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert!(
            status.is_success() || status.is_client_error(),
            "{status}: {text}"
        );
        assert!(serde_json::from_str::<Value>(&text).is_ok(), "{text}");
        created += i64::from(status == 201);
    }
    // Every stored complaint is whole: its receipt and its audit event exist.
    let complaints = app.count("complaints").await;
    assert!(
        complaints >= 30,
        "only {complaints} valid notices were filed"
    );
    assert_eq!(complaints, created);
    assert_eq!(app.count("outbox WHERE kind = 'receipt'").await, complaints);
    assert_eq!(app.count("audit_events").await, complaints);
}

#[tokio::test]
async fn random_form_posts_never_produce_a_server_error() {
    let app = TestApp::spawn().await;
    let mut rng = StdRng::seed_from_u64(0xf0_4d5);
    let names = [
        "claimant.name",
        "claimant.email",
        "claimant.phone",
        "claimant.address",
        "claimant.capacity",
        "work.title",
        "work.description",
        "work.original_url",
        "infringing_urls",
        "statements.good_faith",
        "statements.accurate",
        "signature",
        "language",
        "submission_id",
        "evidence",
        "x\u{0}y",
    ];
    let valid = "language=zh&claimant.name=%E7%8E%8B%E8%8A%B3&claimant.email=a%40b.example&claimant.phone=12345678&claimant.address=x&claimant.capacity=owner&work.title=t&work.description=d&work.original_url=https%3A%2F%2Fa.example%2F&infringing_urls=https%3A%2F%2Fnews.example%2Fa&statements.good_faith=on&statements.accurate=on&signature=W";
    let mut created = 0;
    for _ in 0..150 {
        let (ct, body): (String, Vec<u8>) = match rng.random_range(0..5) {
            // Some valid forms, each with its own form id.
            4 => (
                "application/x-www-form-urlencoded".into(),
                format!("{valid}&submission_id={}", uuid::Uuid::new_v4()).into_bytes(),
            ),
            0 => {
                // urlencoded, possibly with repeated or odd keys and invalid escapes
                let mut parts = Vec::new();
                for _ in 0..rng.random_range(0..20) {
                    let k = names[rng.random_range(0..names.len())];
                    let v = random_value(&mut rng, 2).to_string();
                    parts.push(format!(
                        "{}={}",
                        k,
                        if rng.random::<bool>() {
                            "%ZZ%FF".to_string()
                        } else {
                            v
                        }
                    ));
                }
                (
                    "application/x-www-form-urlencoded".into(),
                    parts.join("&").into_bytes(),
                )
            }
            1 => {
                // multipart with random parts, some files of random bytes
                let b = "XyZboundary";
                let mut body = Vec::new();
                for _ in 0..rng.random_range(0..12) {
                    let k = names[rng.random_range(0..names.len())];
                    body.extend_from_slice(
                        format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"").as_bytes(),
                    );
                    if rng.random::<bool>() {
                        body.extend_from_slice(b"; filename=\"../../x.pdf\"");
                    }
                    body.extend_from_slice(b"\r\n\r\n");
                    body.extend(random_bytes(&mut rng));
                    body.extend_from_slice(b"\r\n");
                }
                if rng.random::<bool>() {
                    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
                }
                (format!("multipart/form-data; boundary={b}"), body)
            }
            2 => ("multipart/form-data".into(), random_bytes(&mut rng)),
            _ => ("text/html".into(), random_bytes(&mut rng)),
        };
        let resp = crate::common::filing::no_redirects()
            .post(app.url("/complaints"))
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        // Filed means redirected to the status page.
        assert!(
            status == 303 || status.is_client_error(),
            "{status}: {text}"
        );
        created += i64::from(status == 303);
    }
    let complaints = app.count("complaints").await;
    assert!(complaints >= 20, "only {complaints} valid forms were filed");
    assert_eq!(complaints, created);
    assert_eq!(app.count("outbox WHERE kind = 'receipt'").await, complaints);
    assert_eq!(app.count("audit_events").await, complaints);
}
