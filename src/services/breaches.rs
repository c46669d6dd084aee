//! A deadline passed with no decision: the escalation address is told, and with
//! `ON_BREACH=remove` each target in the registry gets a provisional hold (only on a
//! confirmed complaint, and only in its first round: an appeal's breach escalates).
//! The claimant and the sources hear of a provisional removal as they would of a
//! decided one.

use crate::services::error::ServiceResult;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::domain::deadline::{FIRST_ROUND, OnBreach, round};
use crate::domain::display_time::display;
use crate::domain::holds::HoldKind;
use crate::domain::validate::format_timestamp;
use crate::entities::{complaint, complaint_target};
use crate::mail::letters::{DeadlineSummary, Escalation, ProvisionalRemoval};
use crate::mail::notice::Owed;
use crate::mail::outbox;
use crate::services::complaints::targets_of;
use crate::services::holds::{self, Moved};
use crate::services::site::{self, Site};
use crate::services::sources::{self, News};

const ACTOR: &str = "scheduler";

/// What staff emails about a complaint's deadline say, owned.
pub struct Summary {
    id: i64,
    deadline_at: String,
    received_at: String,
    claimant: String,
    work_title: String,
    pub targets: Vec<String>,
    url: String,
    removes: bool,
    unconfirmed: bool,
}

impl Summary {
    pub fn view(&self) -> DeadlineSummary<'_> {
        DeadlineSummary {
            id: self.id,
            deadline_at: &self.deadline_at,
            received_at: &self.received_at,
            claimant: &self.claimant,
            work_title: &self.work_title,
            targets: &self.targets,
            url: &self.url,
            removes: self.removes,
            unconfirmed: self.unconfirmed,
        }
    }
}

/// Whether a breach of `c` takes its targets down.
fn removes(on_breach: OnBreach, c: &complaint::Model) -> bool {
    on_breach == OnBreach::Remove && round(c.appealed_at.is_some()) == FIRST_ROUND
}

/// The summary of `c`'s deadline.
pub fn summary_of(
    on_breach: OnBreach,
    site: &Site<'_>,
    c: &complaint::Model,
    targets: &[complaint_target::Model],
) -> Summary {
    Summary {
        id: c.id,
        deadline_at: display(c.deadline_at),
        received_at: display(c.received_at),
        claimant: c.claimant_name.clone(),
        work_title: c.work_title.clone(),
        targets: targets.iter().map(|t| t.url.clone()).collect(),
        url: site.staff_url(c.id),
        removes: removes(on_breach, c),
        // Nothing is taken down on the word of an address no one has shown is theirs.
        unconfirmed: c.confirmed_at.is_none(),
    }
}

/// Handles `c`'s missed deadline; returns how many articles went down.
pub async fn breach(
    txn: &impl ConnectionTrait,
    on_breach: OnBreach,
    site: &Site<'_>,
    c: &complaint::Model,
    now: OffsetDateTime,
) -> ServiceResult<u64> {
    let round = round(c.appealed_at.is_some());
    let mut am: complaint::ActiveModel = c.clone().into();
    am.overdue = Set(true);
    am.update(txn).await?;
    let targets = targets_of(txn, c.id).await?;
    let summary = summary_of(on_breach, site, c, &targets);
    let held = if summary.removes && !summary.unconfirmed {
        let kind = HoldKind::Provisional;
        holds::place_on_targets(txn, site, &targets, kind, c.id, ACTOR, now).await?
    } else {
        Vec::new()
    };
    outbox::post(
        txn,
        &Owed::once(c.id, round),
        &Escalation { s: &summary.view() },
        &site.escalation(),
        &site.signer,
        now,
    )
    .await?;
    if !held.is_empty() {
        tell_claimant(txn, site, c, round, &held, now).await?;
        let affected = holds::affected(&held);
        sources::tell(txn, site, c, round, &affected, News::Provisional, now).await?;
    }
    let went_down: Vec<i64> = held
        .iter()
        .filter(|m| m.went_down())
        .map(|m| m.article.id)
        .collect();
    audit::append(
        txn,
        now,
        ACTOR,
        "complaint.breached",
        &format!("complaint:{}", c.id),
        &json!({
            "round": round,
            "deadline_at": format_timestamp(c.deadline_at),
            "on_breach": if summary.removes { "remove" } else { "escalate" },
            "confirmed": !summary.unconfirmed,
            "removed_articles": went_down,
            "held_articles": held.iter().map(|m| m.article.id).collect::<Vec<_>>(),
        }),
    )
    .await?;
    Ok(went_down.len() as u64)
}

async fn tell_claimant(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    round: i32,
    held: &[Moved],
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let urls: Vec<String> = held.iter().map(|m| m.article.url.clone()).collect();
    let url = site.status_url(c)?;
    let letter = ProvisionalRemoval {
        id: c.id,
        name: &c.claimant_name,
        targets: &urls,
        status_url: &url,
    };
    outbox::post(
        txn,
        &Owed::once(c.id, round),
        &letter,
        &site::claimant(c),
        &site.signer,
        now,
    )
    .await?;
    Ok(())
}
