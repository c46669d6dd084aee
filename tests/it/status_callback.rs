//! A rights agency files through the API with a status callback: each time the
//! claimant is emailed about the complaint, the agency's URL is POSTed a signed event,
//! once, through the outbox. A URL it may not use is refused at intake; one that leads
//! to a private address is never called.

use crate::common::cms::Cms;
use crate::common::filing::complaint_json;
use crate::common::story::{SOURCE, Story};
use serde_json::{Value, json};
use time::OffsetDateTime;

const SECRET: &str = "cb_7Hq2mV9xLr4Tz8Ns1Kw6Yp3Ud5Fg0Jc";
const AGENCY: &str = "filings@rights-agency.example";

/// The complaint body an agency sends, with its callback.
fn with_callback(url: &str, secret: &str) -> Value {
    let mut body = complaint_json(1, AGENCY);
    body["callback"] = json!({"url": url, "secret": secret});
    body
}

/// `http://localhost:PORT/...` for the receiver, a host name the contract accepts.
fn localhost(cms: &Cms) -> String {
    cms.url.replace("127.0.0.1", "localhost")
}

async fn file(s: &Story, body: &Value) -> (u16, Value) {
    s.post("/api/v1/complaints", body.clone()).await
}

async fn deliver(s: &Story) -> takedown::mail::delivery::DeliveryReport {
    takedown::mail::delivery::deliver_due(&s.app.db, &s.mailer, OffsetDateTime::now_utc())
        .await
        .unwrap()
}

/// Checks `X-Takedown-Signature: t=…,v1=…` over the body with the agency's secret.
fn signed_with(secret: &str, header: &str, body: &str) -> bool {
    let t: i64 = header
        .split(',')
        .find_map(|p| p.strip_prefix("t="))
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    takedown::mail::webhook::signature(secret.as_bytes(), t, body.as_bytes()) == header
}

/// The agency's complaint is received, questioned, answered and upheld. Every email
/// the claimant address is owed comes with one callback, in the same order, each
/// signed with the agency's secret; staff and source emails bring none; delivering
/// again sends nothing twice.
#[tokio::test]
async fn each_email_to_the_claimant_brings_one_signed_callback() {
    let s = Story::with(|c| c.callback_allow_private = true).await;
    s.article(1, json!({})).await;
    let cms = Cms::start_on_short_port().await;
    let (status, created) = file(&s, &with_callback(&localhost(&cms), SECRET)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let code = created["tracking_code"].as_str().unwrap().to_string();
    s.app.confirm(id).await;
    s.decide(&s.alice, id, "request_info", "请提供授权证明。")
        .await;
    let (status, _) = s
        .post(
            &format!("/api/v1/complaints/{code}/answer"),
            json!({"answer": "授权书已于昨日寄出。"}),
        )
        .await;
    assert_eq!(status, 200);
    s.decide(&s.bob, id, "uphold", "与原文逐字相同。").await;
    deliver(&s).await;
    deliver(&s).await;

    let to_claimant: Vec<String> = s
        .emails(id)
        .await
        .into_iter()
        .filter(|(kind, to, _)| to == AGENCY && kind != "status_callback")
        .map(|(kind, _, _)| kind)
        .collect();
    assert_eq!(to_claimant, ["receipt", "info_request", "decision"]);
    // Sent side by side, they may arrive in any order: each says when it happened.
    let mut got = cms.received();
    let at = |r: &crate::common::cms::Received| {
        serde_json::from_str::<Value>(&r.body).unwrap()["occurred_at"]
            .as_str()
            .unwrap()
            .to_string()
    };
    got.sort_by_key(at);
    let events: Vec<&str> = got.iter().map(|r| r.event.as_str()).collect();
    assert_eq!(events, ["receipt", "info_request", "decision"], "{got:?}");
    for r in &got {
        assert!(signed_with(SECRET, &r.signature, &r.body), "{r:?}");
        assert!(!signed_with(
            "another secret of thirty-two chars!",
            &r.signature,
            &r.body
        ));
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["complaint_id"], id);
        assert_eq!(body["event"], r.event.as_str());
        assert!(!r.body.contains(SECRET) && !r.body.contains(&code));
    }
    // The staff and the source were emailed too; no callback came with those.
    assert_eq!(s.count(id, "removal", SOURCE).await, 1);
    assert!(s.count(id, "info_answered", "staff@news.example").await == 1);
    // The secret is never shown back.
    let view = s.view(&code).await;
    assert!(!view.to_string().contains(SECRET), "{view}");
    assert_eq!(
        s.app
            .count("audit_events WHERE action = 'callback.delivered'")
            .await,
        3
    );
}

/// A callback the contract does not allow is a 422 naming the field, and nothing is
/// filed; a URL that resolves to a private address is never called, and the row says
/// why, for an admin.
#[tokio::test]
async fn callbacks_are_checked_at_intake_and_at_the_door() {
    let s = Story::new().await;
    s.article(1, json!({})).await;
    let cms = Cms::start_on_short_port().await;
    for (body, field) in [
        (
            with_callback("http://agency.example/hook", SECRET),
            "callback.url",
        ),
        (
            with_callback("ftp://agency.example/hook", SECRET),
            "callback.url",
        ),
        (
            with_callback("https://agency.example/hook", "too short"),
            "callback.secret",
        ),
        (
            with_callback(
                "https://agency.example/hook",
                &format!("{SECRET} with spaces"),
            ),
            "callback.secret",
        ),
        (
            {
                let mut b = complaint_json(1, AGENCY);
                b["callback"] = json!({"url": "https://agency.example/hook"});
                b
            },
            "callback.secret",
        ),
    ] {
        let (status, err) = file(&s, &body).await;
        assert_eq!(status, 422, "{err}");
        assert!(err["fields"][field].is_string(), "{field}: {err}");
    }
    assert_eq!(s.app.count("complaints").await, 0, "nothing half-written");

    // Accepted (localhost is allowed for trying it out), but this service may not
    // call private addresses: the callback is refused at the door, never sent.
    let (status, created) = file(&s, &with_callback(&localhost(&cms), SECRET)).await;
    assert_eq!(status, 201, "{created}");
    let report = deliver(&s).await;
    assert!(report.sent >= 1, "the receipt still goes: {report:?}");
    assert!(cms.received().is_empty(), "{:?}", cms.received());
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let row = takedown::entities::outbox::Entity::find()
        .filter(takedown::entities::outbox::Column::Kind.eq("status_callback"))
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.sent_at.is_none());
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.contains("not at a public address")),
        "{row:?}"
    );
}

#[test]
fn only_public_addresses_are_public() {
    use takedown::mail::webhook::is_public;
    for private in [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "172.16.5.4",
        "169.254.1.1",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fc00::1",
        "fe80::1",
        "::ffff:127.0.0.1",
    ] {
        assert!(!is_public(private.parse().unwrap()), "{private}");
    }
    for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
        assert!(is_public(public.parse().unwrap()), "{public}");
    }
}

/// The contract says what intake checks: https (or http to localhost), a secret of 32
/// to 200 characters, and the whole callback optional.
#[tokio::test]
async fn the_contract_describes_the_callback() {
    let s = Story::new().await;
    let spec: Value = s
        .app
        .client
        .get(s.app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schemas = &spec["components"]["schemas"];
    let cb = &schemas["CallbackInput"];
    let pattern = cb["properties"]["url"]["pattern"].as_str().unwrap();
    assert!(pattern.starts_with("^(https://"), "{pattern}");
    assert!(pattern.contains("|http://localhost)"), "{pattern}");
    assert_eq!(cb["properties"]["secret"]["minLength"], 32);
    assert_eq!(cb["required"], json!(["url", "secret"]));
    let required = schemas["ComplaintInput"]["required"].as_array().unwrap();
    assert!(!required.contains(&json!("callback")));
    let url = regex::Regex::new(pattern).unwrap();
    assert!(url.is_match("https://agency.example/takedown/events"));
    assert!(url.is_match("http://localhost:8080/cb"));
    assert!(!url.is_match("http://agency.example/cb"));
}
