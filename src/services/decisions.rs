//! A reviewer's decision: upheld (every target taken down, the claimant and the source
//! told why) or rejected (the claimant told why and how to appeal, a provisional
//! removal undone). The decision, its takedowns or restorations, its emails and its
//! audit events commit in one transaction. A decision is final: a second one is refused.

use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use time::OffsetDateTime;

use crate::db;
use crate::domain::article::ArticleStatus;
use crate::domain::complaint::{ComplaintStatus, Language};
use crate::domain::validate::{EmailAddress, truncate_micros};
use crate::entities::{article, article_revision, complaint, complaint_target};
use crate::mail::outbox::{self, Email};
use crate::mail::templates::{
    DecisionEn, DecisionNotice, DecisionZh, RemovalDecidedEn, render_email,
};
use crate::services::complaints::status_url;
use crate::services::takedowns::{self, Change, Site};
use crate::services::{audit, steps};

/// Longest statement of reasons.
pub const MAX_REASON_CHARS: usize = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Uphold,
    Reject,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "uphold" => Some(Self::Uphold),
            "reject" => Some(Self::Reject),
            _ => None,
        }
    }

    fn status(self) -> ComplaintStatus {
        match self {
            Self::Uphold => ComplaintStatus::Upheld,
            Self::Reject => ComplaintStatus::Rejected,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    Done {
        removed: usize,
        restored: usize,
    },
    AlreadyDecided,
    NotFound,
    /// An appeal must be decided by someone other than the first reviewer.
    SameReviewer,
}

/// Records `decision` with its statement of reasons, checked by the caller.
pub async fn decide(
    db: &DatabaseConnection,
    site: &Site<'_>,
    complaint_id: i64,
    decision: Decision,
    reason: &str,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Decided, DbErr> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let Some(c) = complaint::Entity::find_by_id(complaint_id)
        .one(&txn)
        .await?
    else {
        return Ok(Decided::NotFound);
    };
    if !ComplaintStatus::is_open(&c.status) {
        return Ok(Decided::AlreadyDecided);
    }
    if c.prior_decided_by.as_deref() == Some(actor) {
        return Ok(Decided::SameReviewer);
    }
    let targets = complaint_target::Entity::find()
        .filter(complaint_target::Column::ComplaintId.eq(c.id))
        .order_by_asc(complaint_target::Column::Id)
        .all(&txn)
        .await?;
    let mut removed = Vec::new();
    let mut restored = Vec::new();
    for t in &targets {
        let Some(a) = t.article_id else { continue };
        let Some(a) = article::Entity::find_by_id(a).one(&txn).await? else {
            continue;
        };
        let is_removed = a.status == ArticleStatus::Removed.as_str();
        let new_status = match decision {
            Decision::Uphold if !is_removed => ArticleStatus::Removed,
            // Only a removal this complaint's breach made is undone.
            Decision::Reject if is_removed && c.overdue => ArticleStatus::Restored,
            _ => continue,
        };
        takedowns::change_status(
            &txn,
            site,
            &a,
            Change {
                to: new_status,
                complaint_id: c.id,
                actor,
                ground: decision.status().as_str(),
            },
            now,
        )
        .await?;
        match new_status {
            ArticleStatus::Removed => removed.push(a),
            _ => restored.push(a),
        }
    }

    let mut am: complaint::ActiveModel = c.clone().into();
    am.status = Set(decision.status().as_str().to_string());
    am.decision = Set(Some(decision.status().as_str().to_string()));
    am.decision_reason = Set(Some(reason.to_string()));
    am.decided_at = Set(Some(now));
    am.decided_by = Set(Some(actor.to_string()));
    am.update(&txn).await?;
    steps::cancel_waiting(&txn, c.id, "decided before it was due", now).await?;
    audit::append(
        &txn,
        now,
        actor,
        "complaint.decided",
        &format!("complaint:{}", c.id),
        &json!({
            "outcome": decision.status().as_str(),
            "appeal": c.appealed_at.is_some(),
            "reason": reason,
            "removed_articles": removed.iter().map(|a| a.id).collect::<Vec<_>>(),
            "restored_articles": restored.iter().map(|a| a.id).collect::<Vec<_>>(),
        }),
    )
    .await?;

    let urls: Vec<String> = targets.iter().map(|t| t.url.clone()).collect();
    tell_claimant(
        &txn,
        site.public_base_url,
        &c,
        decision,
        !restored.is_empty(),
        reason,
        &urls,
        now,
    )
    .await?;
    if decision == Decision::Uphold {
        tell_sources(&txn, site, &c, &removed, reason, now).await?;
    }
    txn.commit().await?;
    Ok(Decided::Done {
        removed: removed.len(),
        restored: restored.len(),
    })
}

#[allow(clippy::too_many_arguments)]
async fn tell_claimant(
    txn: &impl ConnectionTrait,
    public_base_url: &str,
    c: &complaint::Model,
    decision: Decision,
    restored: bool,
    reason: &str,
    targets: &[String],
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let Ok(to) = EmailAddress::parse(&c.claimant_email) else {
        return Ok(());
    };
    let url = status_url(public_base_url, &c.tracking_code);
    let d = &DecisionNotice {
        code: &c.tracking_code,
        upheld: decision == Decision::Uphold,
        restored,
        reason,
        targets,
        status_url: &url,
    };
    let (subject, body) = match Language::parse(&c.language) {
        Some(Language::Zh) => (
            format!(
                "您的版权投诉已有处理结果 / Decision on complaint {}",
                c.tracking_code
            ),
            render_email(DecisionZh { d })?,
        ),
        _ => (
            format!("Decision on your copyright complaint {}", c.tracking_code),
            render_email(DecisionEn { d })?,
        ),
    };
    outbox::enqueue(
        txn,
        &Email {
            kind: "decision",
            recipient: &to,
            subject,
            body_text: body,
            body_html: None,
            dedupe_key: format!("complaint:{}:decision", c.id),
            complaint_id: Some(c.id),
        },
        public_base_url,
        now,
    )
    .await?;
    Ok(())
}

/// A removal notice to each source's rights contact, grouped by contact.
async fn tell_sources(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    removed: &[article::Model],
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let mut by_contact: BTreeMap<String, (String, Vec<(String, String)>)> = BTreeMap::new();
    for a in removed {
        let rev = article_revision::Entity::find()
            .filter(article_revision::Column::ArticleId.eq(a.id))
            .filter(article_revision::Column::Revision.eq(a.current_revision))
            .one(txn)
            .await?;
        if let Some(r) = rev
            && let Some(contact) = r.rights_contact
        {
            by_contact
                .entry(contact)
                .or_insert_with(|| (r.source_outlet.clone(), Vec::new()))
                .1
                .push((
                    a.url.clone(),
                    counter_notice_url(site.public_base_url, a.id),
                ));
        }
    }
    for (contact, (outlet, urls)) in by_contact {
        let Ok(to) = EmailAddress::parse(&contact) else {
            continue;
        };
        let body = render_email(RemovalDecidedEn {
            outlet: &outlet,
            id: c.id,
            targets: &urls,
            reason,
        })?;
        outbox::enqueue(
            txn,
            &Email {
                kind: "removal",
                recipient: &to,
                subject: format!("Republished content removed: complaint #{}", c.id),
                body_text: body,
                body_html: None,
                dedupe_key: format!("complaint:{}:decision:source:{}", c.id, to.as_str()),
                complaint_id: Some(c.id),
            },
            site.public_base_url,
            now,
        )
        .await?;
    }
    Ok(())
}

/// The public form on which a removed article's source may contest the removal.
pub fn counter_notice_url(public_base_url: &str, article_id: i64) -> String {
    format!("{public_base_url}/counter-notices/new?article={article_id}")
}
