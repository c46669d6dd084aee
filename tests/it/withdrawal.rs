//! A claimant withdraws a complaint: after its missed deadline took the article down,
//! withdrawing puts it back, stops the clock, tells staff and the claimant, and the
//! report counts it as withdrawn, not decided.

use std::time::Duration;

use crate::common::filing::{complaint_json, file_json};
use crate::common::staff::client;
use crate::common::{TestApp, article, takedown_cmd};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use takedown::entities::{article as article_entity, complaint, deadline_step, outbox};

#[tokio::test]
async fn withdrawing_after_a_missed_deadline_restores_and_stops_the_clock() {
    let app = TestApp::spawn().await;
    let resp = app.post_article(&article(1, "正文。")).await;
    let article_id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let (id, code, _) = file_json(&app, &complaint_json(1, "wang@citydaily.example")).await;
    app.confirm(id).await;
    let c = complaint::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mailer = takedown::jobs::mailer(&app.state.config).unwrap();
    let r = takedown::jobs::tick(
        &app.state.jobs(),
        &mailer,
        c.deadline_at + Duration::from_secs(60),
    )
    .await
    .unwrap();
    assert_eq!(r.deadlines.removed_articles, 1, "{r}");
    let status = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            article_entity::Entity::find_by_id(article_id)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .status
                .to_string()
        }
    };
    assert_eq!(status(&app).await, "removed");

    // Bad input is refused and changes nothing.
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{code}/withdraw")))
        .json(&json!({"reason": "a\u{0}b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{}/withdraw", "a".repeat(40))))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);

    // From the status page, as the claimant would.
    let page = app
        .client
        .get(app.url(&format!("/complaints/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("action=\"/complaints/{code}/withdraw\"")));
    let resp = client()
        .post(app.url(&format!("/complaints/{code}/withdraw")))
        .form(&[("reason", "已与转载方达成许可协议。")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);

    let c = complaint::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        c.status,
        takedown::domain::complaint::ComplaintStatus::Withdrawn
    );
    assert_eq!(
        status(&app).await,
        "restored",
        "the provisional removal is undone"
    );
    let waiting = deadline_step::Entity::find()
        .filter(deadline_step::Column::ComplaintId.eq(id))
        .filter(deadline_step::Column::State.is_in(["pending", "paused"]))
        .all(&app.db)
        .await
        .unwrap();
    assert!(waiting.is_empty(), "{waiting:?}");
    let kinds: Vec<String> = outbox::Entity::find()
        .filter(outbox::Column::ComplaintId.eq(id))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.kind)
        .collect();
    assert!(
        kinds.iter().any(|k| k == "withdrawn") && kinds.iter().any(|k| k == "withdrawn_ack"),
        "{kinds:?}"
    );
    let page = app
        .client
        .get(app.url(&format!("/complaints/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("投诉人已撤回") && !page.contains("/withdraw\""),
        "no second button"
    );

    // Once is enough.
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{code}/withdraw")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    assert_eq!(resp.json::<Value>().await.unwrap()["error"], "not_open");

    // The report counts it apart from decisions.
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let out = takedown_cmd(&app.test_db)
        .args(["report", "--from", &today, "--to", &today])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &v["totals"];
    assert_eq!(
        (
            t["withdrawn"].as_u64(),
            t["pending"].as_u64(),
            t["decided"].as_u64()
        ),
        (Some(1), Some(0), Some(0)),
        "{t}"
    );
    assert_eq!(
        (t["breaches"].as_u64(), t["restorations"].as_u64()),
        (Some(1), Some(1))
    );
    let out = takedown_cmd(&app.test_db)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(out.status.success());

    // The reason is the claimant's own words: kept in the row, erased with the rest.
    let c = complaint::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        c.decision_reason.as_deref(),
        Some("已与转载方达成许可协议。")
    );
    let later = c.decided_at.unwrap() + app.state.config.retention + Duration::from_secs(60);
    let r = takedown::jobs::tick(&app.state.jobs(), &mailer, later)
        .await
        .unwrap();
    assert_eq!(r.deadlines.erased, 1);
    let c = complaint::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.decision_reason.as_deref(), Some("[erased]"));
    app.stop().await;
}
