//! Personal data never enters the audit log, and `RETENTION` after a complaint closes
//! the sweep erases it everywhere else (row, emails, evidence file), while the chain
//! still verifies and the complaint still counts in the report.

use std::time::Duration;

use crate::common::filing::complaint_form;
use crate::common::staff::client;
use crate::common::{TestApp, article, takedown_cmd};
use reqwest::multipart::Form;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use serde_json::{Value, json};
use takedown::entities::{complaint, complaint_evidence};
use takedown::services::tokens::{self, Scope};
use time::OffsetDateTime;

const EMAIL: &str = "erase-me@citydaily.example";
const NAME: &str = "欧阳芳菲";
const PHONE: &str = "+86 10 5555 0199";
const ANSWER: &str = "我的许可合同编号是 CD-77341，联系电话 +86 10 5555 0199。";

fn form() -> Form {
    complaint_form(
        NAME,
        EMAIL,
        PHONE,
        b"%PDF-1.4 signed licence of the claimant".to_vec(),
    )
}

/// Every text column of the tables that could hold personal data, joined.
async fn everything(app: &TestApp) -> String {
    let mut all = String::new();
    for table in [
        "complaints",
        "outbox",
        "audit_events",
        "counter_notices",
        "complaint_evidence",
    ] {
        let rows = app
            .db
            .query_all_raw(Statement::from_string(
                app.db.get_database_backend(),
                format!("SELECT * FROM {table}"),
            ))
            .await
            .unwrap();
        for r in rows {
            for col in r.column_names() {
                if let Ok(Some(v)) = r.try_get::<Option<String>>("", &col) {
                    all.push_str(&v);
                    all.push('\n');
                }
            }
        }
    }
    all
}

#[tokio::test]
async fn personal_data_stays_out_of_the_chain_and_is_erased_after_retention() {
    let app = TestApp::spawn().await;
    assert_eq!(app.post_article(&article(1, "正文。")).await.status(), 201);
    let resp = client()
        .post(app.url("/complaints"))
        .multipart(form())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let c = complaint::Entity::find()
        .filter(complaint::Column::ClaimantEmail.eq(EMAIL))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let desk = crate::common::staff::account_token(&app, "desk").await;
    let decide = |action: &'static str, reason: &'static str| {
        app.client
            .post(app.url(&format!("/api/v1/complaints/{}/decision", c.id)))
            .bearer_auth(&desk)
            .json(&json!({"action": action, "reason": reason}))
            .send()
    };
    assert_eq!(
        decide("request_info", "Which licence?")
            .await
            .unwrap()
            .status(),
        200
    );
    let resp = app
        .client
        .post(app.url(&format!(
            "/api/v1/complaints/{}/answer",
            app.tracking_code(c.id).await
        )))
        .json(&json!({"answer": ANSWER}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        decide("uphold", "Copied word for word.")
            .await
            .unwrap()
            .status(),
        200
    );
    let mailer = takedown::jobs::mailer(&app.state.config).unwrap();
    takedown::jobs::tick(&app.state.jobs(), &mailer, OffsetDateTime::now_utc())
        .await
        .unwrap();

    // The chain holds hashes, never the data.
    let staff = tokens::create(&app.db, "auditor", Scope::Staff, OffsetDateTime::now_utc())
        .await
        .unwrap();
    let export = app
        .client
        .get(app.url("/api/v1/audit"))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for secret in [EMAIL, NAME, PHONE, ANSWER, "CD-77341"] {
        assert!(!export.contains(secret), "{secret} in the audit log");
    }
    let received: Value = export
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|e| e["action"] == "complaint.received")
        .unwrap();
    let salt = complaint::Entity::find_by_id(c.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .personal_salt
        .unwrap();
    assert_eq!(
        received["actor"],
        format!(
            "claimant:{}",
            takedown::domain::personal::keyed_hash(&salt, EMAIL)
        ),
        "the salt in the row links the hash to the claimant, until it is erased"
    );
    let before = everything(&app).await;
    assert!(
        before.contains(EMAIL) && before.contains(ANSWER),
        "kept in the rows meanwhile"
    );
    let evidence = complaint_evidence::Entity::find()
        .filter(complaint_evidence::Column::ComplaintId.eq(c.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let file = app
        .state
        .config
        .data_dir
        .join("evidence")
        .join(evidence.sha256.clone().unwrap());
    assert!(file.exists());

    // A day before the three years are up, nothing happens; just after, it is erased.
    let decided_at = complaint::Entity::find_by_id(c.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .decided_at
        .unwrap();
    let three_years = Duration::from_secs(3 * 365 * 86_400);
    let r = takedown::jobs::tick(
        &app.state.jobs(),
        &mailer,
        decided_at + three_years - Duration::from_secs(86_400),
    )
    .await
    .unwrap();
    assert_eq!(r.deadlines.erased, 0);
    let r = takedown::jobs::tick(
        &app.state.jobs(),
        &mailer,
        decided_at + three_years + Duration::from_secs(60),
    )
    .await
    .unwrap();
    assert_eq!(r.deadlines.erased, 1, "{r}");
    let r = takedown::jobs::tick(
        &app.state.jobs(),
        &mailer,
        decided_at + three_years + Duration::from_secs(120),
    )
    .await
    .unwrap();
    assert_eq!(r.deadlines.erased, 0, "once");

    let after = everything(&app).await;
    for secret in [EMAIL, NAME, PHONE, ANSWER] {
        assert!(!after.contains(secret), "{secret} left after erasure");
    }
    assert!(!file.exists(), "the evidence file is gone");
    let row = complaint::Entity::find_by_id(c.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.claimant_email, "[erased]");
    assert!(row.personal_salt.is_none() && row.erased_at.is_some());
    assert_eq!(
        row.status,
        takedown::domain::complaint::ComplaintStatus::Upheld,
        "the facts stay"
    );
    assert!(evidence.sha256.is_some());

    // The chain is whole, and says what happened.
    let out = takedown_cmd(&app.test_db)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(after.contains("complaint.personal_data_erased"));
    // The public status page still answers for the code.
    let resp = app
        .client
        .get(app.url(&format!(
            "/api/v1/complaints/{}",
            app.tracking_code(c.id).await
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    app.stop().await;
}
