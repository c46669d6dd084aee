//! Deciding complaints: uphold takes the targets down and tells the claimant and the
//! source why; reject tells the claimant why and how to appeal and undoes a provisional
//! removal; a decision is final.

use std::time::Duration;

use crate::common::smtp::SmtpServer;
use crate::common::{TestApp, article};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use takedown::entities::{article as article_entity, outbox};
use takedown::jobs::tick;
use takedown::mail::delivery::Mailer;
use time::OffsetDateTime;

const TARGET: &str = "https://news.example/2022/08/24/article-1.html";

async fn setup() -> (TestApp, String, i64) {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.post_article(&article(1, "渡轮码头今日启用。"))
            .await
            .status(),
        201
    );
    let staff = crate::common::staff::account_token(&app, "desk").await;
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&json!({
            "claimant": {"name": "王芳", "email": "claimant@citydaily.example", "phone": "+86 10 1234 5678",
                         "address": "1 Press Road", "capacity": "owner"},
            "work": {"title": "渡轮码头", "description": "本报原创", "original_url": "https://citydaily.example/1"},
            "infringing_urls": [TARGET],
            "statements": {"good_faith": true, "accurate": true},
            "signature": "王芳", "language": "zh"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    (app, staff, id)
}

async fn decide(app: &TestApp, token: &str, id: i64, body: Value) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{id}/decision")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
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

async fn emails(app: &TestApp, kind: &str) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(kind))
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn upholding_takes_the_targets_down_and_says_why() {
    let (app, staff, id) = setup().await;
    let reason = "The article copies the claimant's report of 23 August word for word; our licence SYND-2022-017 does not cover it.";
    let (status, v) = decide(
        &app,
        &staff,
        id,
        json!({"action": "uphold", "reason": reason}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "upheld");
    assert_eq!(v["removed_articles"], 1);
    assert_eq!(article_status(&app).await, "removed");

    let decision = emails(&app, "decision").await;
    assert_eq!(decision.len(), 1);
    assert_eq!(decision[0].recipient, "claimant@citydaily.example");
    assert!(decision[0].body_text.contains("投诉成立") && decision[0].body_text.contains(reason));
    let removal = emails(&app, "removal").await;
    assert_eq!(removal.len(), 1);
    assert_eq!(removal[0].recipient, "rights@citydaily.example");
    assert!(removal[0].body_text.contains(reason));

    // Final: a second decision is refused and changes nothing.
    let (status, v) = decide(
        &app,
        &staff,
        id,
        json!({"action": "reject", "reason": "changed my mind"}),
    )
    .await;
    assert_eq!(
        (status, v["error"].as_str()),
        (409, Some("already_decided"))
    );
    assert_eq!(article_status(&app).await, "removed");
    assert_eq!(
        app.count("deadline_steps WHERE state = 'pending'").await,
        0,
        "no reminders or breach after a decision"
    );
    assert_eq!(
        app.count("audit_events WHERE action = 'complaint.decided'")
            .await,
        1
    );
    let code_status: Value = app
        .client
        .get(app.url(&format!(
            "/api/v1/complaints/{}",
            app.tracking_code(id).await
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(code_status["decision"], "upheld");
    assert_eq!(code_status["decision_reason"], reason);
}

#[tokio::test]
async fn rejecting_undoes_a_provisional_removal_and_tells_how_to_appeal() {
    let (app, staff, id) = setup().await;
    app.confirm(id).await;
    let smtp = SmtpServer::start().await;
    let m = Mailer::from_url(&smtp.url(), &app.state.config.mail_from).unwrap();
    let later = OffsetDateTime::now_utc() + Duration::from_secs(24 * 3600 + 60);
    tick(&app.state.jobs(), &m, later).await.unwrap();
    assert_eq!(
        article_status(&app).await,
        "removed",
        "provisional removal at the breach"
    );

    let (status, v) = decide(
        &app,
        &staff,
        id,
        json!({"action": "reject", "reason": "  "}),
    )
    .await;
    assert_eq!(
        (status, v["fields"]["reason"].is_string()),
        (422, true),
        "{v}"
    );
    let (status, v) = decide(&app, &staff, id, json!({"action": "ignore", "reason": "x"})).await;
    assert_eq!(
        (status, v["fields"]["action"].is_string()),
        (422, true),
        "{v}"
    );
    let (status, _) = decide(
        &app,
        &app.token,
        id,
        json!({"action": "reject", "reason": "x"}),
    )
    .await;
    assert_eq!(status, 403, "a CMS token may not decide");
    let (status, _) = decide(
        &app,
        "td_nope",
        id,
        json!({"action": "reject", "reason": "x"}),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        decide(
            &app,
            &staff,
            999_999,
            json!({"action": "reject", "reason": "x"})
        )
        .await
        .0,
        404
    );

    let reason = "We republished this under licence SYND-2022-017 from City Daily itself.";
    let (status, v) = decide(
        &app,
        &staff,
        id,
        json!({"action": "reject", "reason": reason}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["restored_articles"], 1);
    assert_eq!(article_status(&app).await, "restored");
    let decision = emails(&app, "decision").await;
    assert_eq!(decision.len(), 1);
    assert!(decision[0].body_text.contains("投诉不成立"));
    assert!(decision[0].body_text.contains("申诉"));
    assert!(decision[0].body_text.contains("此前暂时删除的内容已恢复"));
}
