//! A reviewer's decision: upheld (its targets taken down, the claimant and the source
//! told why) or rejected (the claimant told why and how to appeal, a provisional
//! removal undone). Each target has its own outcome under the one statement of
//! reasons: an uphold may leave a target up, or find it is not ours. The decision, its
//! takedowns or restorations, its emails and its audit events commit in one
//! transaction. A decision is final: a second one is refused.

use crate::services::error::{Conflict, ServiceError, ServiceResult};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::complaint::ComplaintStatus;
use crate::domain::deadline::round;
use crate::domain::holds::{HoldKind, Release};
use crate::domain::target_outcome::TargetOutcome;
use crate::domain::validate::{FieldError, FieldErrors, Problem, truncate_micros};
use crate::entities::{complaint, complaint_target};
use crate::mail::letter::{Layout, Letter, Rendered};
use crate::mail::letters::{DecidedTarget, Decision as DecisionLetter};
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

/// A decision as the reviewer made it.
#[derive(Debug, Clone, Copy)]
pub struct Ruling<'a> {
    pub decision: Decision,
    /// Outcomes for some of the targets, by URL; the rest follow the decision.
    pub targets: &'a [(String, TargetOutcome)],
    /// The statement of reasons, checked by the caller.
    pub reason: &'a str,
}

impl<'a> Ruling<'a> {
    /// Every target follows the decision.
    pub fn whole(decision: Decision, reason: &'a str) -> Self {
        Self {
            decision,
            targets: &[],
            reason,
        }
    }
}

/// Each target's outcome: the one given for its URL, else what the decision means for
/// it. Errors are keyed `targets[i]` by the given list's order.
pub fn rule(
    targets: &[complaint_target::Model],
    ruling: &Ruling<'_>,
) -> Result<Vec<TargetOutcome>, FieldErrors> {
    let upheld = ruling.decision == Decision::Uphold;
    let mut out: Vec<TargetOutcome> = targets
        .iter()
        .map(|t| TargetOutcome::default_for(upheld, t.article_id.is_some()))
        .collect();
    let mut errors = FieldErrors::new();
    let invalid = |m: String| FieldError::new(Problem::Invalid, m);
    for (i, (url, outcome)) in ruling.targets.iter().enumerate() {
        let key = format!("targets[{i}]");
        let Some(pos) = targets.iter().position(|t| t.url == url.trim()) else {
            errors.insert(
                key,
                invalid(format!(
                    "{url} is not one of the URLs this complaint names."
                )),
            );
            continue;
        };
        let recorded = targets[pos].article_id.is_some();
        let wrong = match (outcome, recorded, upheld) {
            (TargetOutcome::Upheld, false, _) => Some(
                "is not an article we republished, so there is nothing of ours to take down: choose \"not ours\" or \"reject\".",
            ),
            (TargetOutcome::NotOurs, true, _) => {
                Some("is an article we republished: uphold or reject it.")
            }
            (TargetOutcome::Upheld, true, false) => {
                Some("cannot be taken down by a rejection: uphold the complaint to remove it.")
            }
            _ => None,
        };
        match wrong {
            Some(why) => {
                errors.insert(key, invalid(format!("{url} {why}")));
            }
            None => out[pos] = *outcome,
        }
    }
    if errors.is_empty() && upheld && !out.contains(&TargetOutcome::Upheld) {
        errors.insert(
            "targets".into(),
            invalid(
                "An uphold must take down at least one article we republished: reject the complaint instead, giving the outcome for each URL."
                    .into(),
            ),
        );
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Records `ruling` on complaint `complaint_id`.
pub async fn decide(
    db: &DatabaseConnection,
    site: &Site<'_>,
    complaint_id: i64,
    ruling: &Ruling<'_>,
    by: &StaffMember,
    now: OffsetDateTime,
) -> ServiceResult<Decided> {
    let (decision, reason) = (ruling.decision, ruling.reason);
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
    let outcomes = rule(&targets, ruling).map_err(ServiceError::Invalid)?;
    let upheld: Vec<complaint_target::Model> = upheld_of(&targets, &outcomes).cloned().collect();
    let held = if upheld.is_empty() {
        Vec::new()
    } else {
        let up = Upholding {
            c: &c,
            round,
            reason,
            actor,
        };
        uphold(&txn, site, &up, &upheld, now).await?
    };
    // Whatever this complaint took down provisionally and the decision does not
    // uphold comes back.
    let why = Release::Rejected;
    let back = holds::end_provisional_except(&txn, site, &c, round, why, reason, actor, &held, now);
    let restored = back.await?;
    record(&txn, &c, decision, reason, actor, now).await?;
    record_outcomes(&txn, &targets, &outcomes).await?;
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
            "targets": targets.iter().zip(&outcomes)
                .map(|(t, o)| json!({"url": t.url, "outcome": o.as_str()}))
                .collect::<Vec<_>>(),
        }),
    )
    .await?;
    let decided = decided_targets(&targets, &outcomes);
    let told = Told {
        decision,
        restored: !restored.is_empty(),
        reason,
        targets: &decided,
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

/// The targets whose outcome is `upheld`.
fn upheld_of<'t>(
    targets: &'t [complaint_target::Model],
    outcomes: &'t [TargetOutcome],
) -> impl Iterator<Item = &'t complaint_target::Model> {
    targets
        .iter()
        .zip(outcomes)
        .filter(|(_, o)| **o == TargetOutcome::Upheld)
        .map(|(t, _)| t)
}

fn decided_targets(
    targets: &[complaint_target::Model],
    outcomes: &[TargetOutcome],
) -> Vec<DecidedTarget> {
    targets
        .iter()
        .zip(outcomes)
        .map(|(t, o)| DecidedTarget {
            url: t.url.clone(),
            outcome: o.as_str(),
        })
        .collect()
}

/// Where a preview shows the status link: the tracking code in it is the claimant's
/// alone, and staff pages never show it.
pub const PREVIEW_STATUS_LINK: &str = "[the claimant's status link]";

/// The email the claimant would get for `ruling`, in their language, with nothing
/// recorded. Refused as `decide` would refuse the ruling's outcomes.
pub async fn preview(
    db: &DatabaseConnection,
    site: &Site<'_>,
    complaint_id: i64,
    ruling: &Ruling<'_>,
) -> ServiceResult<Rendered> {
    let c = complaint::Entity::find_by_id(complaint_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !c.status.is_open() {
        return Err(Conflict::AlreadyDecided.into());
    }
    let targets = targets_of(db, c.id).await?;
    let outcomes = rule(&targets, ruling).map_err(ServiceError::Invalid)?;
    let kept: Vec<i64> = upheld_of(&targets, &outcomes)
        .filter_map(|t| t.article_id)
        .collect();
    let restored = holds::of_complaint(db, c.id)
        .await?
        .iter()
        .any(|h| !kept.contains(&h.article_id));
    let decided = decided_targets(&targets, &outcomes);
    let letter = DecisionLetter {
        id: c.id,
        upheld: ruling.decision == Decision::Uphold,
        restored,
        reason: ruling.reason,
        targets: &decided,
        status_url: PREVIEW_STATUS_LINK,
        appeal_window: site.appeal_window.as_secs(),
    };
    Ok(letter.render(&Layout::new(c.language, &site.signer))?)
}

/// Each target's outcome on its row: the claimant's page and the archive show it.
async fn record_outcomes(
    txn: &impl ConnectionTrait,
    targets: &[complaint_target::Model],
    outcomes: &[TargetOutcome],
) -> ServiceResult<()> {
    for (t, o) in targets.iter().zip(outcomes) {
        if t.outcome != Some(*o) {
            let mut am: complaint_target::ActiveModel = t.clone().into();
            am.outcome = Set(Some(*o));
            am.update(txn).await?;
        }
    }
    Ok(())
}

/// What the claimant is told of a decision.
struct Told<'a> {
    decision: Decision,
    restored: bool,
    reason: &'a str,
    targets: &'a [DecidedTarget],
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
        &site.signer,
        now,
    )
    .await?;
    Ok(())
}
