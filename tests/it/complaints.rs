//! Complaint intake through the JSON API.

use crate::common::{TestApp, article};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const ORIGINAL: &str = "The harbour authority said on Tuesday that the old ferry pier will close for urgent structural repairs after divers found corroded piles beneath the waiting hall. Commuters were told to use the temporary landing two hundred metres to the east.";

fn complaint(lang: &str) -> Value {
    json!({
        "claimant": {"name": "Wang Fang", "organisation": "City Daily", "email": "rights@citydaily.example",
                     "phone": "+86 10 1234 5678", "address": "1 Press Road, Beijing", "capacity": "owner",
                     "on_behalf_of": null},
        "work": {"title": "Ferry pier to close", "description": "Our staff report of 23 August",
                 "original_url": "https://citydaily.example/news/1", "original_text": ORIGINAL},
        "infringing_urls": ["https://news.example/2022/08/24/article-1.html", "https://news.example/unknown.html"],
        "evidence_urls": ["https://citydaily.example/archive/1.pdf"],
        "statements": {"good_faith": true, "accurate": true},
        "signature": "Wang Fang",
        "language": lang
    })
}

async fn submit(app: &TestApp, body: &Value, key: Option<&str>) -> reqwest::Response {
    let mut req = app.client.post(app.url("/api/v1/complaints")).json(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    req.send().await.unwrap()
}

async fn outbox(app: &TestApp) -> Vec<(String, String, String, String)> {
    use sea_orm::{EntityTrait, QueryOrder};
    takedown::entities::outbox::Entity::find()
        .order_by_asc(takedown::entities::outbox::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| (o.kind, o.recipient, o.subject, o.body_text))
        .collect()
}

#[tokio::test]
async fn a_complete_complaint_is_received_matched_and_acknowledged() {
    let app = TestApp::spawn().await;
    let copy = app
        .post_article(&article(1, ORIGINAL))
        .await
        .json::<Value>()
        .await
        .unwrap();

    let before = OffsetDateTime::now_utc();
    let resp = submit(&app, &complaint("en"), None).await;
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    let code = v["tracking_code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 40);
    assert_eq!(v["status"], "received");
    assert_eq!(
        v["status_url"],
        format!("{}/complaints/{code}", app.address)
    );
    let received = OffsetDateTime::parse(v["received_at"].as_str().unwrap(), &Rfc3339).unwrap();
    let deadline = OffsetDateTime::parse(v["deadline_at"].as_str().unwrap(), &Rfc3339).unwrap();
    assert!(received >= before - time::Duration::seconds(1));
    assert_eq!(deadline - received, time::Duration::hours(24));
    assert_eq!(v["targets"][0]["article_id"], copy["id"]);
    assert_eq!(v["targets"][1]["article_id"], Value::Null);
    assert_eq!(v["matches"][0]["article_id"], copy["id"]);
    assert_eq!(v["matches"][0]["identical"], true);

    let mail = outbox(&app).await;
    assert_eq!(mail.len(), 2, "{mail:?}");
    let (kind, to, subject, body) = &mail[0];
    assert_eq!(
        (kind.as_str(), to.as_str()),
        ("receipt", "rights@citydaily.example")
    );
    // The tracking code is a secret: the body carries it, the subject only the id.
    let id = v["id"].as_i64().unwrap();
    assert!(!subject.contains(&code), "{subject}");
    assert!(subject.contains(&format!("#{id}")), "{subject}");
    assert!(body.contains(&code) && body.contains(&format!("/complaints/{code}")));
    // The receipt shows the deadline as people read it: DISPLAY_TZ, with the offset.
    let due = takedown::domain::display_time::shown(v["deadline_at"].as_str().unwrap());
    assert!(body.contains(&due) && due.ends_with("(UTC+8)"), "{due}");
    assert!(
        !body.contains(v["deadline_at"].as_str().unwrap()),
        "raw UTC is not shown to people"
    );
    assert!(body.contains("What happens next"));
    let (kind, to, _, body) = &mail[1];
    assert_eq!(
        (kind.as_str(), to.as_str()),
        ("new_complaint", "staff@news.example")
    );
    assert!(
        body.contains("https://news.example/unknown.html (not in the registry)"),
        "{body}"
    );
    // Staff are sent to the staff page, never given the claimant's code or page.
    assert!(body.contains(&format!("/staff/complaints/{id}")), "{body}");
    assert!(!body.contains(&code), "{body}");
    assert!(body.contains("identical"), "{body}");

    let events = takedown::audit::for_subject(&app.db, &format!("complaint:{}", v["id"]))
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "complaint.received");

    // The claimant can look it up by code, and only by code.
    let status: Value = app
        .client
        .get(app.url(&format!("/api/v1/complaints/{code}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["tracking_code"], code.as_str());
    assert_eq!(status["deadline_at"], v["deadline_at"]);
    let other = "0".repeat(40);
    assert_eq!(
        app.client
            .get(app.url(&format!("/api/v1/complaints/{other}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        app.client
            .get(app.url("/api/v1/complaints/1"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn the_receipt_is_in_the_claimants_language() {
    let app = TestApp::spawn().await;
    let v: Value = submit(&app, &complaint("zh"), None)
        .await
        .json()
        .await
        .unwrap();
    let mail = outbox(&app).await;
    let (_, _, subject, body) = &mail[0];
    assert!(subject.contains("我们已收到您的版权投诉"));
    assert!(body.contains("查询编号") && body.contains(v["tracking_code"].as_str().unwrap()));
    assert!(body.contains("处理期限"));
}

#[tokio::test]
async fn the_receipt_has_an_html_alternative_and_carries_no_claimant_input_up_front() {
    use sea_orm::EntityTrait;
    let app = TestApp::spawn().await;
    let mut c = complaint("en");
    c["claimant"]["name"] = json!("<script>alert(1)</script> Buy cheap pills at spam.example");
    let v: Value = submit(&app, &c, None).await.json().await.unwrap();
    let receipt = takedown::entities::outbox::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(receipt.kind, "receipt");
    let html = receipt.body_html.expect("an HTML alternative");
    assert!(
        html.contains(&format!(
            "<a href=\"{}\">",
            v["status_url"].as_str().unwrap()
        )),
        "{html}"
    );
    // Nothing the claimant typed reaches the subject, the opening or the HTML: the
    // receipt cannot be made to carry someone else's message.
    for text in [&receipt.subject, &receipt.body_text, &html] {
        assert!(!text.contains("spam.example"), "{text}");
        assert!(!text.contains("<script>"), "{text}");
    }
    assert!(receipt.body_text.starts_with("Hello,"));
    // The confirmation link is in both parts.
    assert!(receipt.body_text.contains("/complaints/confirm/"));
    assert!(html.contains("/complaints/confirm/"));
}

#[tokio::test]
async fn each_missing_element_is_named_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    type Breaker = fn(&mut Value);
    let cases: [(&str, Breaker); 10] = [
        ("claimant.name", |v| v["claimant"]["name"] = Value::Null),
        ("claimant.email", |v| {
            v["claimant"]["email"] = json!("x@y.z\r\nBcc: a@b.example")
        }),
        ("claimant.phone", |v| v["claimant"]["phone"] = Value::Null),
        ("claimant.address", |v| {
            v["claimant"]["address"] = json!("   ")
        }),
        ("claimant.on_behalf_of", |v| {
            v["claimant"]["capacity"] = json!("agent")
        }),
        ("work.original_url", |v| {
            v["work"]["original_url"] = json!("nope")
        }),
        ("infringing_urls", |v| v["infringing_urls"] = json!([])),
        ("statements.good_faith", |v| {
            v["statements"]["good_faith"] = json!(false)
        }),
        ("statements.accurate", |v| {
            v["statements"]["accurate"] = Value::Null
        }),
        ("signature", |v| v["signature"] = json!("")),
    ];
    for (field, break_it) in cases {
        let mut body = complaint("en");
        break_it(&mut body);
        let resp = submit(&app, &body, None).await;
        assert_eq!(resp.status(), 422, "{field}");
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["error"], "validation");
        assert!(v["fields"][field].is_string(), "{field}: {v}");
    }
    assert_eq!(app.count("complaints").await, 0);
    assert_eq!(app.count("outbox").await, 0);
    assert_eq!(app.count("audit_events").await, 0);
}

#[tokio::test]
async fn concurrent_retries_with_one_idempotency_key_make_one_complaint() {
    let app = TestApp::spawn().await;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let client = app.client.clone();
        let url = app.url("/api/v1/complaints");
        tasks.push(tokio::spawn(async move {
            let resp = client
                .post(url)
                .header("Idempotency-Key", "retry-123")
                .json(&complaint("en"))
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap())
        }));
    }
    let mut codes = Vec::new();
    let mut created = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            // Still being processed: the client retries later.
            409 => assert_eq!(body["error"], "idempotency_key_in_progress", "{body}"),
            200 | 201 => codes.push(body["tracking_code"].as_str().unwrap().to_string()),
            other => panic!("unexpected {other}: {body}"),
        }
        created += usize::from(status == 201);
    }
    assert_eq!(created, 1);
    codes.dedup();
    assert_eq!(codes.len(), 1);
    assert_eq!(app.count("complaints").await, 1);
    assert_eq!(app.count("outbox WHERE kind = 'receipt'").await, 1);

    // A different key is a different submission.
    assert_eq!(
        submit(&app, &complaint("en"), Some("retry-456"))
            .await
            .status(),
        201
    );
    assert_eq!(
        submit(&app, &complaint("en"), Some("bad key"))
            .await
            .status(),
        422
    );
    assert_eq!(app.count("complaints").await, 2);
}

/// A second claimant's notice, different in every personal field.
fn other_claimant() -> Value {
    let mut v = complaint("zh");
    v["claimant"] = json!({"name": "Zhao Lei", "email": "legal@harbour-weekly.example",
        "phone": "+86 21 8765 4321", "address": "9 Bund Road, Shanghai", "capacity": "owner"});
    v["signature"] = json!("Zhao Lei");
    v
}

#[tokio::test]
async fn an_idempotency_key_is_bound_to_its_first_request() {
    let app = TestApp::spawn().await;
    let first = submit(&app, &complaint("en"), Some("shared-key")).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let code = first["tracking_code"].as_str().unwrap().to_string();

    // The same request again, even re-ordered and re-spaced: the first result.
    let mut reordered = serde_json::Map::new();
    let original = complaint("en");
    for (k, v) in original.as_object().unwrap().iter().rev() {
        reordered.insert(k.clone(), v.clone());
    }
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .header("Idempotency-Key", "shared-key")
        .header("content-type", "application/json")
        .body(serde_json::to_string_pretty(&Value::Object(reordered)).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let again: Value = resp.json().await.unwrap();
    assert_eq!(again["tracking_code"], code.as_str());

    // Another claimant with the same key: refused, nothing filed, nothing revealed.
    let resp = submit(&app, &other_claimant(), Some("shared-key")).await;
    assert_eq!(resp.status(), 422);
    let text = resp.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"], "idempotency_key_reused");
    assert!(!text.contains(&code), "{text}");
    assert!(!text.contains("Wang Fang"), "{text}");
    assert_eq!(app.count("complaints").await, 1);
    assert_eq!(app.count("outbox WHERE kind = 'receipt'").await, 1);
}

#[tokio::test]
async fn concurrent_different_requests_under_one_key_file_one_and_refuse_the_rest() {
    let app = TestApp::spawn().await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let client = app.client.clone();
        let url = app.url("/api/v1/complaints");
        let mut body = other_claimant();
        body["work"]["title"] = json!(format!("Harbour story {i}"));
        tasks.push(tokio::spawn(async move {
            let resp = client
                .post(url)
                .header("Idempotency-Key", "one-key")
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap())
        }));
    }
    let mut created = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            201 => created += 1,
            422 => assert_eq!(body["error"], "idempotency_key_reused", "{body}"),
            409 => assert_eq!(body["error"], "idempotency_key_in_progress", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(app.count("complaints").await, 1);
}

#[tokio::test]
async fn an_idempotency_key_is_released_after_24_hours() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    assert_eq!(
        submit(&app, &complaint("en"), Some("daily")).await.status(),
        201
    );
    // The first use is now 25 hours old.
    let old = OffsetDateTime::now_utc() - time::Duration::hours(25);
    let backend = app.db.get_database_backend();
    app.db
        .execute_raw(takedown::db::stmt(
            backend,
            "UPDATE complaints SET received_at = ?",
            vec![old.into()],
        ))
        .await
        .unwrap();
    let resp = submit(&app, &other_claimant(), Some("daily")).await;
    assert_eq!(resp.status(), 201);
    assert_eq!(app.count("complaints").await, 2);
}

#[tokio::test]
async fn infringing_urls_must_be_on_this_sites_hosts() {
    // SITE_HOSTS set (the test default: news.example).
    let app = TestApp::spawn().await;
    let mut c = complaint("en");
    c["infringing_urls"] = json!([
        "https://news.example/a.html",
        "https://elsewhere.example/b.html"
    ]);
    let resp = submit(&app, &c, None).await;
    assert_eq!(resp.status(), 422);
    let body: Value = resp.json().await.unwrap();
    let msg = body["fields"]["infringing_urls"].as_str().unwrap();
    assert!(
        msg.contains("elsewhere.example") && msg.contains("news.example"),
        "{msg}"
    );
    assert_eq!(app.count("complaints").await, 0);
    assert_eq!(app.count("outbox").await, 0);

    // The form says the same in Chinese, and explains the rule up front.
    let form = "language=zh&claimant.name=%E7%8E%8B%E8%8A%B3&claimant.email=a%40b.example&claimant.phone=12345678&claimant.address=x&claimant.capacity=owner&work.title=t&work.description=d&work.original_url=https%3A%2F%2Fa.example%2F&infringing_urls=https%3A%2F%2Felsewhere.example%2Fa&statements.good_faith=on&statements.accurate=on&signature=W";
    let resp = app
        .client
        .post(app.url("/complaints"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("只能填写本站的网页网址"), "{html}");
    assert!(html.contains("此处只受理本站的网页"), "{html}");

    // SITE_HOSTS unset: the hosts of recorded articles are ours.
    let app = TestApp::spawn_with(|c| c.site_hosts = None).await;
    assert_eq!(submit(&app, &complaint("en"), None).await.status(), 422);
    assert_eq!(app.post_article(&article(1, ORIGINAL)).await.status(), 201);
    assert_eq!(submit(&app, &complaint("en"), None).await.status(), 201);
    let mut c = complaint("en");
    c["infringing_urls"] = json!(["https://news.example.evil.example/a.html"]);
    assert_eq!(submit(&app, &c, None).await.status(), 422);
}

/// Keys belong to their caller: the same key from another client address, or with a
/// submitter token, is a different request. While the first request with a key is
/// still being processed (here: held behind an open write transaction), the same key
/// again is 409; once answered, it replays.
#[tokio::test]
async fn idempotency_keys_are_scoped_per_caller_and_refused_while_in_progress() {
    use takedown::services::tokens::{self, Scope};
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let from = |ip: &str, key: &str| {
        app.client
            .post(app.url("/api/v1/complaints"))
            .header("x-forwarded-for", ip)
            .header("Idempotency-Key", key)
            .json(&complaint("en"))
    };
    let a = from("198.51.100.7", "k1").send().await.unwrap();
    assert_eq!(a.status(), 201);
    let a: Value = a.json().await.unwrap();
    // Another address, the same key and body: its own complaint, not the first's.
    let b = from("203.0.113.9", "k1").send().await.unwrap();
    assert_eq!(b.status(), 201);
    let b: Value = b.json().await.unwrap();
    assert_ne!(a["tracking_code"], b["tracking_code"]);
    // A token's key is the token's.
    let token = tokens::create(
        &app.db,
        "agency",
        Scope::Submitter,
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    let t = from("198.51.100.7", "k1")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(t.status(), 201);
    // The first address again: its own first complaint.
    let again = from("198.51.100.7", "k1").send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(
        again.json::<Value>().await.unwrap()["tracking_code"],
        a["tracking_code"]
    );
    assert_eq!(app.count("complaints").await, 3);

    // Hold the writer, so the next request under "k2" stays in progress.
    let held = takedown::db::begin_write(&app.db).await.unwrap();
    let first = tokio::spawn(from("198.51.100.7", "k2").send());
    while app.state.intake.keys_in_flight() == 0 {
        tokio::task::yield_now().await;
    }
    let second = from("198.51.100.7", "k2").send().await.unwrap();
    assert_eq!(second.status(), 409);
    assert_eq!(
        second.json::<Value>().await.unwrap()["error"],
        "idempotency_key_in_progress"
    );
    held.rollback().await.unwrap();
    let first = first.await.unwrap().unwrap();
    assert_eq!(first.status(), 201);
    let code = first.json::<Value>().await.unwrap()["tracking_code"].clone();
    let third = from("198.51.100.7", "k2").send().await.unwrap();
    assert_eq!(third.status(), 200);
    assert_eq!(third.json::<Value>().await.unwrap()["tracking_code"], code);
    assert_eq!(app.count("complaints").await, 4);
}

/// Complaints filed together in one group commit count each other's emails against
/// the limits, get their own rows, codes, receipts and audit events, and a retry among
/// them is answered with its first complaint.
#[tokio::test]
async fn complaints_filed_in_one_group_keep_the_limits_and_their_own_rows() {
    let app = TestApp::spawn_with(|c| {
        c.receipt_rate_limit = 3;
        c.staff_notify_rate_limit = 2;
    })
    .await;
    let body = |i: usize| {
        let mut b = complaint(if i.is_multiple_of(2) { "zh" } else { "en" });
        b["infringing_urls"] = json!([format!("https://news.example/group/{i}.html")]);
        b
    };
    let first = submit(&app, &body(0), Some("group-0")).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();

    // With the writer held, the first to arrive wait inside it and the rest queue
    // behind as the next group, the retry of the first complaint among them.
    let held = takedown::db::begin_write(&app.db).await.unwrap();
    let mut sent = Vec::new();
    for i in 1..=8 {
        let app_url = app.url("/api/v1/complaints");
        let client = app.client.clone();
        let (b, key) = if i == 5 {
            (body(0), "group-0".to_string())
        } else {
            (body(i), format!("group-{i}"))
        };
        sent.push((
            i,
            tokio::spawn(async move {
                let resp = client
                    .post(app_url)
                    .header("Idempotency-Key", key)
                    .json(&b)
                    .send()
                    .await
                    .unwrap();
                (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
            }),
        ));
    }
    while app.state.intake.with_writer() < 8 {
        tokio::task::yield_now().await;
    }
    held.rollback().await.unwrap();

    let mut codes = std::collections::HashMap::new();
    codes.insert(
        first["id"].as_i64().unwrap(),
        first["tracking_code"].as_str().unwrap().to_string(),
    );
    for (i, reply) in sent {
        let (status, view) = reply.await.unwrap();
        if i == 5 {
            assert_eq!(
                status, 200,
                "the retry is answered with the first complaint"
            );
            assert_eq!(view["id"], first["id"]);
            assert_eq!(view["tracking_code"], first["tracking_code"]);
            continue;
        }
        assert_eq!(status, 201);
        let want = format!("https://news.example/group/{i}.html");
        assert_eq!(view["targets"][0]["url"], want.as_str());
        let id = view["id"].as_i64().unwrap();
        let code = view["tracking_code"].as_str().unwrap().to_string();
        assert!(
            !codes.values().any(|c| *c == code),
            "each complaint has its own code"
        );
        codes.insert(id, code.clone());
        assert_eq!(
            app.count(&format!(
                "complaint_targets WHERE complaint_id = {id} AND url = '{want}'"
            ))
            .await,
            1
        );
        assert!(
            app.count(&format!("deadline_steps WHERE complaint_id = {id}"))
                .await
                > 0
        );
        // Its code is found again by the status page's lookup.
        let status = app
            .client
            .get(app.url(&format!("/api/v1/complaints/{code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(status.status(), 200);
        assert_eq!(status.json::<Value>().await.unwrap()["id"], id);
    }
    assert_eq!(app.count("complaints").await, 8);

    // Three receipts an hour to the one address, counting the group's own; the desk
    // hears of two complaints from the one client address.
    assert_eq!(app.count("outbox WHERE kind = 'receipt'").await, 3);
    assert_eq!(app.count("complaints WHERE receipt_deferred").await, 5);
    assert_eq!(
        app.count("outbox WHERE kind = 'new_complaint' AND recipient = 'staff@news.example'")
            .await,
        2
    );
    assert_eq!(app.count("complaints WHERE staff_notice_deferred").await, 6);
    // Each receipt carries its own complaint's code.
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        use takedown::entities::outbox;
        let receipts = outbox::Entity::find()
            .filter(outbox::Column::Kind.eq("receipt"))
            .all(&app.db)
            .await
            .unwrap();
        for r in receipts {
            let id = r.complaint_id.unwrap();
            assert!(
                r.body_text.contains(codes[&id].as_str()),
                "the receipt for complaint {id} carries its code"
            );
        }
    }
    assert_eq!(
        app.count("audit_events WHERE action = 'complaint.received'")
            .await,
        8
    );
    assert!(matches!(
        takedown::audit::verify(&app.db, None).await.unwrap(),
        takedown::audit::Verdict::Intact { .. }
    ));
}

/// One client address filing faster than STAFF_NOTIFY_RATE_LIMIT: the desk gets that
/// many new-complaint emails an hour, then one digest of the rest once the hour has
/// room. Every complaint is still filed, queued and acknowledged to its claimant. A
/// submitter token's filings are not limited.
#[tokio::test]
async fn staff_notices_are_limited_per_client_address_with_a_digest_beyond() {
    use takedown::services::tokens::{self, Scope};
    let app = TestApp::spawn_with(|c| c.staff_notify_rate_limit = 2).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let mut body = complaint("en");
        body["work"]["title"] = json!(format!("Ferry story {i}"));
        let resp = submit(&app, &body, None).await;
        assert_eq!(resp.status(), 201);
        ids.push(resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let token = tokens::create(
        &app.db,
        "agency",
        Scope::Submitter,
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .bearer_auth(&token)
        .json(&complaint("en"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let staff = "outbox WHERE kind = 'new_complaint' AND recipient = 'staff@news.example'";
    assert_eq!(
        app.count(staff).await,
        3,
        "two from the address, one from the token"
    );
    assert_eq!(app.count("outbox WHERE kind = 'receipt'").await, 5);
    assert_eq!(app.count("complaints WHERE staff_notice_deferred").await, 2);

    // Within the hour the digest waits; after it, one digest holds both.
    let mailer = takedown::jobs::mailer(&app.state.config).unwrap();
    let now = OffsetDateTime::now_utc();
    takedown::jobs::tick(&app.state.jobs(), &mailer, now)
        .await
        .unwrap();
    assert_eq!(app.count(staff).await, 3);
    let later = now + time::Duration::minutes(61);
    takedown::jobs::tick(&app.state.jobs(), &mailer, later)
        .await
        .unwrap();
    takedown::jobs::tick(&app.state.jobs(), &mailer, later)
        .await
        .unwrap();
    assert_eq!(app.count(staff).await, 4, "one digest, once");
    assert_eq!(app.count("complaints WHERE staff_notice_deferred").await, 0);
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    use takedown::entities::outbox;
    let digest = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("new_complaint"))
        .order_by_desc(outbox::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        digest.subject.starts_with("2 new complaints"),
        "{}",
        digest.subject
    );
    for id in &ids[2..] {
        assert!(
            digest
                .body_text
                .contains(&format!("/staff/complaints/{id}")),
            "{}",
            digest.body_text
        );
    }
    assert!(
        !digest
            .body_text
            .contains(&format!("/staff/complaints/{}\n", ids[0]))
    );
}
