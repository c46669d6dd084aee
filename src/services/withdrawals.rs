//! A claimant withdraws a complaint that is still open, from the status page or the
//! API. The deadline's steps are cancelled, anything its missed deadline took down
//! provisionally goes back up, staff and the claimant are told, and it counts as
//! withdrawn in the transparency report.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde_json::json;
use time::OffsetDateTime;

use crate::db;
use crate::domain::article::ArticleStatus;
use crate::domain::complaint::{ComplaintStatus, Language};
use crate::domain::personal;
use crate::domain::validate::{EmailAddress, truncate_micros};
use crate::entities::{article, complaint, complaint_target};
use crate::mail::outbox::{self, Email};
use crate::services::complaints::{row_by_code, status_url};
use crate::services::takedowns::{self, Change, Site};
use crate::services::{audit, steps};

#[derive(Debug, PartialEq, Eq)]
pub enum Withdrawn {
    /// Withdrawn; these articles were restored.
    Done {
        restored: Vec<i64>,
    },
    NotFound,
    /// Decided or closed already: there is nothing left to withdraw.
    NotOpen,
}

pub async fn withdraw(
    db: &DatabaseConnection,
    site: &Site<'_>,
    tracking_code: &str,
    reason: Option<&str>,
    now: OffsetDateTime,
) -> Result<Withdrawn, DbErr> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let Some(c) = row_by_code(&txn, tracking_code).await? else {
        return Ok(Withdrawn::NotFound);
    };
    if !ComplaintStatus::is_open(&c.status) {
        return Ok(Withdrawn::NotOpen);
    }
    // Only a removal this complaint's own missed deadline made is undone.
    let mut restored = Vec::new();
    if c.overdue {
        let targets = complaint_target::Entity::find()
            .filter(complaint_target::Column::ComplaintId.eq(c.id))
            .order_by_asc(complaint_target::Column::Id)
            .all(&txn)
            .await?;
        for t in targets {
            let Some(id) = t.article_id else { continue };
            let Some(a) = article::Entity::find_by_id(id).one(&txn).await? else {
                continue;
            };
            if a.status == ArticleStatus::Removed.as_str() {
                takedowns::change_status(
                    &txn,
                    site,
                    &a,
                    Change {
                        to: ArticleStatus::Restored,
                        complaint_id: c.id,
                        actor: "claimant",
                        ground: "withdrawn",
                    },
                    now,
                )
                .await?;
                restored.push(a.id);
            }
        }
    }
    let salt = c.personal_salt.clone().unwrap_or_else(personal::new_salt);
    let mut am: complaint::ActiveModel = c.clone().into();
    am.status = Set(ComplaintStatus::Withdrawn.as_str().to_string());
    am.decision = Set(Some(ComplaintStatus::Withdrawn.as_str().to_string()));
    am.decision_reason = Set(reason.map(str::to_string));
    am.decided_at = Set(Some(now));
    am.decided_by = Set(Some("claimant".into()));
    am.paused_at = Set(None);
    am.personal_salt = Set(Some(salt.clone()));
    am.update(&txn).await?;
    steps::cancel_waiting(&txn, c.id, "withdrawn by the claimant", now).await?;
    audit::append(
        &txn,
        now,
        "claimant",
        "complaint.withdrawn",
        &format!("complaint:{}", c.id),
        &json!({
            "reason_hmac": reason.map(|r| personal::keyed_hash(&salt, r)),
            "restored_articles": restored,
        }),
    )
    .await?;
    tell(&txn, site, &c, reason, &restored, now).await?;
    txn.commit().await?;
    Ok(Withdrawn::Done { restored })
}

/// Staff (the assigned reviewer, else `STAFF_NOTIFY`) and the claimant hear of it.
async fn tell(
    txn: &impl sea_orm::ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    reason: Option<&str>,
    restored: &[i64],
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let staff_url = format!("{}/staff/complaints/{}", site.public_base_url, c.id);
    let restored_line = if restored.is_empty() {
        String::new()
    } else {
        format!(
            "\nArticles restored (they had been taken down at the missed deadline): {}\n",
            restored
                .iter()
                .map(|id| format!("#{id}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let body = format!(
        "The claimant withdrew complaint #{} ({}).\nReason given: {}\n{restored_line}\n{staff_url}\n",
        c.id,
        c.work_title,
        reason.unwrap_or("none"),
    );
    let reviewer = c
        .assigned_reviewer
        .as_deref()
        .and_then(|r| EmailAddress::parse(r).ok());
    let staff: Vec<EmailAddress> = match reviewer {
        Some(r) => vec![r],
        None => site.staff_notify.to_vec(),
    };
    for to in &staff {
        outbox::enqueue(
            txn,
            &Email {
                kind: "withdrawn",
                recipient: to,
                subject: format!("Withdrawn: complaint #{}", c.id),
                body_text: body.clone(),
                body_html: None,
                dedupe_key: format!("complaint:{}:withdrawn:{}", c.id, to.as_str()),
                complaint_id: Some(c.id),
            },
            site.public_base_url,
            now,
        )
        .await?;
    }
    if let Ok(to) = EmailAddress::parse(&c.claimant_email) {
        let url = status_url(site.public_base_url, &c.tracking_code);
        let (subject, body) = match Language::parse(&c.language) {
            Some(Language::Zh) => (
                format!("您的投诉 {} 已撤回 / Complaint withdrawn", c.tracking_code),
                format!(
                    "您好：\n\n您已撤回版权投诉 {}。我们不再处理此投诉。\n\n查看：{url}\n",
                    c.tracking_code
                ),
            ),
            _ => (
                format!("Your complaint {} is withdrawn", c.tracking_code),
                format!(
                    "Hello,\n\nYou withdrew copyright complaint {}. We will take no further action on it.\n\nStatus: {url}\n",
                    c.tracking_code
                ),
            ),
        };
        outbox::enqueue(
            txn,
            &Email {
                kind: "withdrawn_ack",
                recipient: &to,
                subject,
                body_text: body,
                body_html: None,
                dedupe_key: format!("complaint:{}:withdrawn_ack", c.id),
                complaint_id: Some(c.id),
            },
            site.public_base_url,
            now,
        )
        .await?;
    }
    Ok(())
}
