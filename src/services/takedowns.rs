//! Taking an article down and putting it back. Every change of an article's status
//! goes through here, so each one is audited and, when `CMS_WEBHOOK_URL` is set,
//! announced to the CMS through the outbox (signed, retried, never lost).

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use serde_json::json;
use time::OffsetDateTime;

use crate::config::Config;
use crate::domain::article::ArticleStatus;
use crate::domain::validate::{EmailAddress, format_timestamp};
use crate::entities::article;
use crate::mail::outbox;
use crate::services::audit;

/// What the services that change articles need to know about the site.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    pub public_base_url: &'a str,
    pub webhook_url: Option<&'a str>,
    pub staff_notify: &'a [EmailAddress],
}

impl<'a> Site<'a> {
    pub fn of(config: &'a Config) -> Self {
        Self {
            public_base_url: &config.public_base_url,
            webhook_url: config.cms_webhook_url.as_deref(),
            staff_notify: &config.staff_notify,
        }
    }

    /// The public notice for a removed article.
    pub fn removed_url(&self, article_id: i64) -> String {
        format!("{}/removed/{article_id}", self.public_base_url)
    }
}

/// Why an article's status changes.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub to: ArticleStatus,
    pub complaint_id: i64,
    pub actor: &'a str,
    /// `upheld`, `provisional`, `rejected`, `counter_notice`.
    pub ground: &'a str,
}

/// Sets `a`'s status, audits it, and queues the CMS webhook.
pub async fn change_status(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    a: &article::Model,
    change: Change<'_>,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let mut am: article::ActiveModel = a.clone().into();
    am.status = Set(change.to.as_str().to_string());
    am.updated_at = Set(now);
    am.update(txn).await?;
    let event = match change.to {
        ArticleStatus::Removed => "article.removed",
        _ => "article.restored",
    };
    audit::append(
        txn,
        now,
        change.actor,
        event,
        &format!("article:{}", a.id),
        &json!({
            "complaint_id": change.complaint_id,
            "ground": change.ground,
            "provisional": change.ground == "provisional",
        }),
    )
    .await?;
    if let Some(url) = site.webhook_url {
        let body = json!({
            "event": event,
            "article_id": a.id,
            "url": a.url,
            "status": change.to.as_str(),
            "complaint_id": change.complaint_id,
            "ground": change.ground,
            "notice_url": (change.to == ArticleStatus::Removed).then(|| site.removed_url(a.id)),
            "at": format_timestamp(now),
        });
        outbox::enqueue_webhook(
            txn,
            url,
            event,
            &body,
            change.complaint_id,
            site.public_base_url,
            now,
        )
        .await?;
    }
    Ok(())
}
