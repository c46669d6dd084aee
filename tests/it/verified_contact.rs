//! Nothing is taken down on the word of an unverified address: a claimant confirms
//! through a link sent only by email (a GET shows a button, only the POST confirms),
//! or a trusted agency files with a `submitter` token. Receipts to one address are
//! limited per hour and the rest go out as one digest.

use std::time::Duration;

use crate::common::smtp::SmtpServer;
use crate::common::{TestApp, article, confirm_link_in};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use takedown::entities::{article as article_entity, outbox};
use takedown::jobs::tick;
use takedown::mail::delivery::Mailer;
use takedown::services::receipts;
use takedown::services::tokens::{self, Scope};
use time::OffsetDateTime;

const TARGET: &str = "https://news.example/2022/08/24/article-1.html";

fn notice(email: &str) -> Value {
    json!({
        "claimant": {"name": "Wang Fang", "email": email, "phone": "+86 10 1234 5678",
                     "address": "1 Press Road", "capacity": "owner"},
        "work": {"title": "Ferry pier", "description": "Our report", "original_url": "https://citydaily.example/1"},
        "infringing_urls": [TARGET],
        "statements": {"good_faith": true, "accurate": true},
        "signature": "Wang Fang", "language": "zh"
    })
}

async fn file(app: &TestApp, token: Option<&str>) -> Value {
    let mut req = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&notice("claimant@citydaily.example"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

async fn with_article() -> TestApp {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.post_article(&article(1, "渡轮码头今日启用。"))
            .await
            .status(),
        201
    );
    app
}

async fn article_status(app: &TestApp) -> String {
    article_entity::Entity::find()
        .filter(article_entity::Column::Url.eq(TARGET))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .status
        .to_string()
}

async fn status_of(app: &TestApp, code: &str) -> Value {
    app.client
        .get(app.url(&format!("/api/v1/complaints/{code}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Runs every sweep a day and a minute after now, delivering to `smtp`.
async fn after_deadline(app: &TestApp, smtp: &SmtpServer) {
    let m = Mailer::from_url(&smtp.url(), &app.state.config.mail_from).unwrap();
    let at = OffsetDateTime::now_utc() + Duration::from_secs(24 * 3600 + 60);
    let r = tick(&app.state.jobs(), &m, at).await.unwrap();
    assert_eq!(r.deadlines.breaches, 1);
}

#[tokio::test]
async fn an_unconfirmed_complaint_is_only_escalated_and_the_escalation_says_why() {
    let smtp = SmtpServer::start().await;
    let app = with_article().await;
    let v = file(&app, None).await;
    assert_eq!(v["confirmed"], false);
    after_deadline(&app, &smtp).await;
    assert_eq!(article_status(&app).await, "published");
    let escalation = smtp.to("escalation@news.example");
    assert_eq!(escalation.len(), 1);
    assert!(
        escalation[0].data.contains("has not confirmed"),
        "{}",
        escalation[0].data
    );
    // The deadline itself did not move.
    let s = status_of(&app, v["tracking_code"].as_str().unwrap()).await;
    assert_eq!(s["deadline_at"], v["deadline_at"]);
}

#[tokio::test]
async fn opening_the_link_confirms_nothing_the_button_does() {
    let smtp = SmtpServer::start().await;
    let app = with_article().await;
    let v = file(&app, None).await;
    let code = v["tracking_code"].as_str().unwrap();
    let link = app.confirm_link(v["id"].as_i64().unwrap()).await;

    // A mail scanner opening the link sees a page with one button, and that is all.
    let page = app.client.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(html.contains("确认我的邮箱"), "{html}");
    assert!(html.contains("method=\"post\""), "{html}");
    assert_eq!(status_of(&app, code).await["confirmed"], false);

    let done = app.client.post(&link).send().await.unwrap();
    assert_eq!(done.status(), 200);
    let html = done.text().await.unwrap();
    assert!(html.contains("已确认"));
    // From here the claimant follows the complaint on its status page.
    assert!(
        html.contains(&format!(
            "id=\"status-link\">{}/complaints/{code}<",
            app.state.config.public_base_url
        )),
        "{html}"
    );
    assert_eq!(status_of(&app, code).await["confirmed"], true);
    let status_page = app
        .client
        .get(app.url(&format!("/complaints/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(status_page.headers()["cache-control"], "no-store");
    let html = status_page.text().await.unwrap();
    assert!(html.contains("<dd id=\"confirmed\">已确认</dd>"), "{html}");
    // Again: already confirmed, still fine.
    let again = app.client.post(&link).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(
        app.count("audit_events WHERE action = 'complaint.confirmed'")
            .await,
        1
    );

    // A made-up or mangled token is unknown.
    let bogus = format!("{}/complaints/confirm/{}", app.address, "ab".repeat(32));
    assert_eq!(app.client.post(&bogus).send().await.unwrap().status(), 404);
    assert_eq!(
        app.client
            .get(app.url("/complaints/confirm/..%2F..%2Fetc"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    after_deadline(&app, &smtp).await;
    assert_eq!(article_status(&app).await, "removed");
    // Sent, the receipt keeps no secret in the outbox: the link was the claimant's.
    let secret = link.rsplit('/').next().unwrap().to_string();
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let receipt = takedown::entities::outbox::Entity::find()
        .filter(takedown::entities::outbox::Column::Kind.eq("receipt"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(receipt.sent_at.is_some());
    assert!(
        !receipt.body_text.contains(&secret),
        "{}",
        receipt.body_text
    );
    assert!(!receipt.body_html.unwrap_or_default().contains(&secret));
    assert!(
        receipt
            .body_text
            .contains("/complaints/confirm/[erased-after-sending]")
    );
    let delivered = smtp.to("rights@citydaily.example");
    assert!(!delivered.is_empty(), "the receipt itself went out");
}

#[tokio::test]
async fn a_submitter_token_files_confirmed_complaints() {
    let smtp = SmtpServer::start().await;
    let app = with_article().await;
    let agency = tokens::create(
        &app.db,
        "rights-agency",
        Scope::Submitter,
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    let v = file(&app, Some(&agency)).await;
    assert_eq!(v["confirmed"], true);
    // The receipt carries no confirmation link: there is nothing to confirm.
    let receipt = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("receipt"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(confirm_link_in(&receipt.body_text).is_none());

    // A token that is sent must be valid and of the submitter scope.
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .bearer_auth("td_not_a_token")
        .json(&notice("claimant@citydaily.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .bearer_auth(&app.token)
        .json(&notice("claimant@citydaily.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(app.count("complaints").await, 1);

    after_deadline(&app, &smtp).await;
    assert_eq!(article_status(&app).await, "removed");
}

#[tokio::test]
async fn receipts_over_the_hourly_limit_wait_for_one_digest() {
    let app = TestApp::spawn_with(|c| c.receipt_rate_limit = 3).await;
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(
            file(&app, None).await["tracking_code"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(app.count("complaints").await, 5);
    assert_eq!(app.count("outbox WHERE kind = 'receipt'").await, 3);
    assert_eq!(
        app.count("complaints WHERE receipt_deferred = TRUE").await,
        2
    );
    let site = app.state.site();
    let now = OffsetDateTime::now_utc();
    // Within the hour the window is full: nothing more goes to that address.
    assert_eq!(
        receipts::send_digests(&app.db, &site, 3, now)
            .await
            .unwrap(),
        0
    );

    let later = now + Duration::from_secs(3660);
    assert_eq!(
        receipts::send_digests(&app.db, &site, 3, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        receipts::send_digests(&app.db, &site, 3, later)
            .await
            .unwrap(),
        0
    );
    let digest = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("receipt_digest"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(digest.recipient, "claimant@citydaily.example");
    for code in &codes[3..] {
        assert!(digest.body_text.contains(code.as_str()));
    }
    for code in &codes[..3] {
        assert!(!digest.body_text.contains(code.as_str()));
    }
    // The digest's links confirm their complaints.
    let link = confirm_link_in(&digest.body_text).unwrap();
    assert_eq!(app.client.post(&link).send().await.unwrap().status(), 200);
    assert_eq!(status_of(&app, &codes[3]).await["confirmed"], true);
}

/// The limit counts a mailbox, however its address is spelled: case, `+tag` and the
/// domain's case all name one mailbox, so only two receipts go to it and the rest wait
/// for one digest; another mailbox is not held back.
#[tokio::test]
async fn the_receipt_limit_counts_a_mailbox_not_a_spelling() {
    let app = TestApp::spawn_with(|c| c.receipt_rate_limit = 2).await;
    let spellings = [
        "victim@target.example",
        "Victim@target.example",
        "VICTIM@target.example",
        "victim@Target.Example",
        "victim+1@target.example",
        "victim+2@TARGET.example",
    ];
    for to in spellings {
        let resp = app
            .client
            .post(app.url("/api/v1/complaints"))
            .json(&notice(to))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "{to}");
    }
    let other = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&notice("someone.else@target.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 201);
    assert_eq!(app.count("complaints").await, 7);
    assert_eq!(
        app.count("outbox WHERE kind = 'receipt' AND recipient <> 'someone.else@target.example'")
            .await,
        2
    );
    assert_eq!(
        app.count("outbox WHERE kind = 'receipt' AND recipient = 'someone.else@target.example'")
            .await,
        1
    );
    assert_eq!(
        app.count("complaints WHERE receipt_deferred = TRUE").await,
        4
    );
    // An hour on, the four that waited go out as one digest to the mailbox.
    let site = app.state.site();
    let later = OffsetDateTime::now_utc() + Duration::from_secs(3660);
    assert_eq!(
        receipts::send_digests(&app.db, &site, 2, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        app.count("complaints WHERE receipt_deferred = TRUE").await,
        0
    );
}
