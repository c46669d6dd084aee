//! A story's cast and props: the app with two staff tokens and a CMS URL, and the
//! calls a story makes (file, confirm, decide, appeal, miss a deadline) and counts
//! (emails by kind and recipient, webhooks, audit events).

use std::time::Duration;

use super::filing::{complaint_json, file_json};
use super::{TestApp, article};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use takedown::entities::{article as article_entity, audit_event, complaint, outbox};
use time::OffsetDateTime;

pub const CLAIMANT: &str = "wang@citydaily.example";
pub const SOURCE: &str = "rights@citydaily.example";
pub const ESCALATION: &str = "escalation@news.example";

pub struct Story {
    pub app: TestApp,
    pub mailer: takedown::mail::delivery::Mailer,
    pub alice: String,
    pub bob: String,
}

impl Story {
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    pub async fn with(adjust: impl FnOnce(&mut takedown::config::Config)) -> Self {
        let app = TestApp::spawn_with(|c| {
            c.cms_webhook_url = Some("http://127.0.0.1:9/hooks".into());
            adjust(c);
        })
        .await;
        let mailer = takedown::jobs::mailer(&app.state.config).unwrap();
        let alice = crate::common::staff::account_token(&app, "alice").await;
        let bob = crate::common::staff::account_token(&app, "bob").await;
        Self {
            app,
            mailer,
            alice,
            bob,
        }
    }

    pub async fn article(&self, n: u32, body: Value) -> i64 {
        let mut a = article(n, "正文。");
        if let Value::Object(extra) = body {
            for (k, v) in extra {
                a[k] = v;
            }
        }
        let resp = self.app.post_article(&a).await;
        assert_eq!(resp.status(), 201);
        resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    /// A complaint about article `n` from `email`, in Chinese; its id and tracking code.
    pub async fn complaint(&self, n: u32, email: &str, confirmed: bool) -> (i64, String) {
        self.complaint_in(n, email, "zh", confirmed).await
    }

    /// The same in `language` (`zh` or `en`).
    pub async fn complaint_in(
        &self,
        n: u32,
        email: &str,
        language: &str,
        confirmed: bool,
    ) -> (i64, String) {
        let mut body = complaint_json(n, email);
        body["language"] = json!(language);
        if language == "en" {
            body["claimant"]["name"] = json!("Jane Roe");
            body["signature"] = json!("Jane Roe");
            body["work"]["title"] = json!(format!("Ferry pier opens {n}"));
            body["work"]["description"] = json!("Our staff reporter’s original story");
        }
        let (id, code, _) = file_json(&self.app, &body).await;
        if confirmed {
            self.app.confirm(id).await;
        }
        (id, code)
    }

    pub async fn decide(&self, token: &str, id: i64, action: &str, reason: &str) -> Value {
        let (status, v) = self
            .decide_as(token, id, json!({"action": action, "reason": reason}))
            .await;
        assert_eq!(status, 200, "{v}");
        v
    }

    /// A decision with per-URL outcomes, by alice.
    pub async fn decide_with(&self, id: i64, body: Value) -> Value {
        let (status, v) = self.decide_as(&self.alice, id, body).await;
        assert_eq!(status, 200, "{v}");
        v
    }

    /// Any decision body, by `token`: the status and the answer.
    pub async fn decide_as(&self, token: &str, id: i64, body: Value) -> (u16, Value) {
        let resp = self
            .app
            .client
            .post(self.app.url(&format!("/api/v1/complaints/{id}/decision")))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap())
    }

    /// The claimant's view of the complaint with tracking code `code`.
    pub async fn view(&self, code: &str) -> Value {
        self.app
            .client
            .get(self.app.url(&format!("/api/v1/complaints/{code}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let resp = self
            .app
            .client
            .post(self.app.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn appeal(&self, code: &str) {
        let (status, v) = self
            .post(
                &format!("/api/v1/complaints/{code}/appeal"),
                json!({"statement": "许可已于去年到期，转载方无权转载。"}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }

    pub async fn row(&self, id: i64) -> complaint::Model {
        complaint::Entity::find_by_id(id)
            .one(&self.app.db)
            .await
            .unwrap()
            .unwrap()
    }

    /// Runs every sweep a minute after complaint `id`'s deadline.
    pub async fn miss_deadline(&self, id: i64) -> takedown::jobs::TickReport {
        let at = self.row(id).await.deadline_at + Duration::from_secs(60);
        self.tick(at).await
    }

    pub async fn tick(&self, at: OffsetDateTime) -> takedown::jobs::TickReport {
        takedown::jobs::tick(&self.app.state.jobs(), &self.mailer, at)
            .await
            .unwrap()
    }

    pub async fn status(&self, article_id: i64) -> String {
        article_entity::Entity::find_by_id(article_id)
            .one(&self.app.db)
            .await
            .unwrap()
            .unwrap()
            .status
            .to_string()
    }

    /// Every email owed about complaint `id`: (kind, recipient, subject).
    pub async fn emails(&self, id: i64) -> Vec<(String, String, String)> {
        outbox::Entity::find()
            .filter(outbox::Column::ComplaintId.eq(id))
            .filter(outbox::Column::Kind.ne("webhook"))
            .order_by_asc(outbox::Column::Id)
            .all(&self.app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.kind, m.recipient, m.subject))
            .collect()
    }

    /// The kinds of email complaint `id` sent to `to`, in order.
    pub async fn kinds(&self, id: i64, to: &str) -> Vec<String> {
        self.emails(id)
            .await
            .into_iter()
            .filter(|(_, r, _)| r == to)
            .map(|(k, _, _)| k)
            .collect()
    }

    pub async fn count(&self, id: i64, kind: &str, to: &str) -> usize {
        self.emails(id)
            .await
            .iter()
            .filter(|(k, r, _)| k == kind && r == to)
            .count()
    }

    /// The CMS webhooks queued about article `article_id`, in order.
    pub async fn webhooks(&self, article_id: i64) -> Vec<Value> {
        outbox::Entity::find()
            .filter(outbox::Column::Kind.eq("webhook"))
            .order_by_asc(outbox::Column::Id)
            .all(&self.app.db)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|m| serde_json::from_str::<Value>(&m.body_text).ok())
            .filter(|v| v["article_id"].as_i64() == Some(article_id))
            .collect()
    }

    pub async fn events(&self, action: &str) -> Vec<Value> {
        audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq(action))
            .order_by_asc(audit_event::Column::Seq)
            .all(&self.app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| serde_json::from_str(&e.details).unwrap())
            .collect()
    }

    pub fn audit_verifies(&self) {
        let out = super::takedown_cmd(&self.app.test_db)
            .args(["audit", "verify"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
