//! A reviewer's decision: upheld (every target taken down, the claimant and the source
//! told why) or rejected (the claimant told why and how to appeal, a provisional
//! removal undone). The decision, its takedowns or restorations, its emails and its
//! audit events commit in one transaction. A decision is final: a second one is refused.

use crate::services::error::{Conflict, ServiceError, ServiceResult};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::complaint::ComplaintStatus;
use crate::domain::deadline::round;
use crate::domain::holds::{HoldKind, Release};
use crate::domain::validate::truncate_micros;
use crate::entities::{complaint, complaint_target};
use crate::mail::letters::Decision as DecisionLetter;
use crate::mail::notice::Owed;
use crate::mail::outbox;
use crate::services::complaints::targets_of;
use crate::services::holds::{self};
use crate::services::pauses::{self, Ended};
use crate::services::site::{self, Site};
use crate::services::sources::{self, News};
use crate::services::staff::StaffMember;
use crate::services::{review_queue, steps};

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
pub struct Decided {
    /// Articles that went down.
    pub removed: usize,
    /// Articles that came back.
    pub restored: usize,
}

/// Records `decision` with its statement of reasons, checked by the caller.
pub async fn decide(
    db: &DatabaseConnection,
    site: &Site<'_>,
    complaint_id: i64,
    decision: Decision,
    reason: &str,
    by: &StaffMember,
    now: OffsetDateTime,
) -> ServiceResult<Decided> {
    let actor = &by.actor();
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let Some(c) = complaint::Entity::find_by_id(complaint_id)
        .one(&txn)
        .await?
    else {
        return Err(ServiceError::NotFound);
    };
    if !c.status.is_open() {
        return Err(Conflict::AlreadyDecided.into());
    }
    if review_queue::decided_first_by(&c, by) {
        return Err(Conflict::DifferentReviewerRequired.into());
    }
    review_queue::check_may_decide(&txn, &c, by, now).await?;
    let round = round(c.appealed_at.is_some());
    let targets = targets_of(&txn, c.id).await?;
    let (held, restored) = match decision {
        Decision::Uphold => {
            let up = Upholding {
                c: &c,
                round,
                reason,
                actor,
            };
            (uphold(&txn, site, &up, &targets, now).await?, Vec::new())
        }
        Decision::Reject => {
            let why = Release::Rejected;
            let back = holds::end_provisional(&txn, site, &c, round, why, reason, actor, now);
            (Vec::new(), back.await?)
        }
    };
    record(&txn, &c, decision, reason, actor, now).await?;
    audit::append(
        &txn,
        now,
        actor,
        "complaint.decided",
        &format!("complaint:{}", c.id),
        &json!({
            "outcome": decision.status().as_str(),
            "appeal": c.appealed_at.is_some(),
            "round": round,
            "reason": reason,
            "removed_articles": held,
            "restored_articles": restored,
        }),
    )
    .await?;
    let urls: Vec<String> = targets.iter().map(|t| t.url.clone()).collect();
    let told = Told {
        decision,
        restored: !restored.is_empty(),
        reason,
        targets: &urls,
        round,
    };
    tell_claimant(&txn, site, &c, &told, now).await?;
    txn.commit().await?;
    Ok(Decided {
        removed: held.len(),
        restored: restored.len(),
    })
}

/// Who upholds which complaint, and why.
struct Upholding<'a> {
    c: &'a complaint::Model,
    round: i32,
    reason: &'a str,
    actor: &'a str,
}

/// An upheld hold on every target in the registry (a provisional hold this complaint's
/// breach placed becomes an upheld one), and the sources told. Returns the articles held.
async fn uphold(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    up: &Upholding<'_>,
    targets: &[complaint_target::Model],
    now: OffsetDateTime,
) -> ServiceResult<Vec<i64>> {
    let kind = HoldKind::Upheld;
    let moved = holds::place_on_targets(txn, site, targets, kind, up.c.id, up.actor, now).await?;
    let affected = holds::affected(&moved);
    if !affected.is_empty() {
        let news = News::Removed { reason: up.reason };
        sources::tell(txn, site, up.c, up.round, &affected, news, now).await?;
    }
    Ok(moved.iter().map(|m| m.article.id).collect())
}

/// The decision on the complaint's row; what still waited on its clock is cancelled.
async fn record(
    txn: &impl ConnectionTrait,
    c: &complaint::Model,
    decision: Decision,
    reason: &str,
    actor: &str,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let mut am: complaint::ActiveModel = c.clone().into();
    am.status = Set(decision.status());
    am.decision = Set(Some(decision.status().as_str().to_string()));
    am.decision_reason = Set(Some(reason.to_string()));
    am.decided_at = Set(Some(now));
    am.decided_by = Set(Some(actor.to_string()));
    am.paused_at = Set(None);
    am.update(txn).await?;
    steps::cancel_waiting(txn, c.id, "decided before it was due", now).await?;
    pauses::end(txn, c.id, Ended::Decided, now).await?;
    Ok(())
}

/// What the claimant is told of a decision.
struct Told<'a> {
    decision: Decision,
    restored: bool,
    reason: &'a str,
    targets: &'a [String],
    round: i32,
}

async fn tell_claimant(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    told: &Told<'_>,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let url = site.status_url(c)?;
    let letter = DecisionLetter {
        id: c.id,
        upheld: told.decision == Decision::Uphold,
        restored: told.restored,
        reason: told.reason,
        targets: told.targets,
        status_url: &url,
        appeal_window: site.appeal_window.as_secs(),
    };
    outbox::post(
        txn,
        &Owed::once(c.id, told.round),
        &letter,
        &site::claimant(c),
        site.public_base_url,
        now,
    )
    .await?;
    Ok(())
}
