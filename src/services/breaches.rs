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
use crate::domain::complaint::Language;
use crate::domain::deadline::{FIRST_ROUND, OnBreach, round};
use crate::domain::display_time::display;
use crate::domain::holds::HoldKind;
use crate::domain::validate::{EmailAddress, format_timestamp};
use crate::entities::{complaint, complaint_target};
use crate::mail::notice::{NoticeKey, NoticeKind, Occasion};
use crate::mail::outbox::{self, Email};
use crate::mail::templates::{
    DeadlineSummary, EscalationEn, Removal, RemovalEn, RemovalZh, render_email,
};
use crate::services::complaints::{status_url, targets_of};
use crate::services::holds::{self, Moved};
use crate::services::site::Site;
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
    status_url: String,
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
            status_url: &self.status_url,
            removes: self.removes,
            unconfirmed: self.unconfirmed,
        }
    }
}

/// Whether a breach of `c` takes its targets down.
fn removes(on_breach: OnBreach, c: &complaint::Model) -> bool {
    on_breach == OnBreach::Remove && round(c.appealed_at.is_some()) == FIRST_ROUND
}

/// The summary of `c`'s deadline, and its deadline as shown.
pub fn summary_of(
    on_breach: OnBreach,
    site: &Site<'_>,
    c: &complaint::Model,
    targets: &[complaint_target::Model],
) -> (Summary, String) {
    let due = display(c.deadline_at);
    (
        Summary {
            id: c.id,
            deadline_at: due.clone(),
            received_at: display(c.received_at),
            claimant: c.claimant_name.clone(),
            work_title: c.work_title.clone(),
            targets: targets.iter().map(|t| t.url.clone()).collect(),
            status_url: status_url(site.public_base_url, &c.tracking_code),
            removes: removes(on_breach, c),
            // Nothing is taken down on the word of an address no one has shown is theirs.
            unconfirmed: c.confirmed_at.is_none(),
        },
        due,
    )
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
    let (summary, due) = summary_of(on_breach, site, c, &targets);
    let held = if summary.removes && !summary.unconfirmed {
        let kind = HoldKind::Provisional;
        holds::place_on_targets(txn, site, &targets, kind, c.id, ACTOR, now).await?
    } else {
        Vec::new()
    };
    let body = render_email(EscalationEn { s: &summary.view() })?;
    let key = NoticeKey::new(c.id, round, NoticeKind::Escalation, Occasion::Once);
    let subject = format!("Deadline missed: complaint #{} was due {due}", c.id);
    outbox::enqueue_each(
        txn,
        &key,
        site.escalation_to.iter().collect(),
        &subject,
        &body,
        site.public_base_url,
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
    let Ok(claimant) = EmailAddress::parse(&c.claimant_email) else {
        return Ok(());
    };
    let urls: Vec<String> = held.iter().map(|m| m.article.url.clone()).collect();
    let url = status_url(site.public_base_url, &c.tracking_code);
    let r = &Removal {
        name: &c.claimant_name,
        code: &c.tracking_code,
        targets: &urls,
        status_url: &url,
    };
    let (subject, body) = match c.language {
        Language::Zh => (
            format!(
                "内容已暂时删除 / Content removed provisionally: complaint {}",
                c.tracking_code
            ),
            render_email(RemovalZh { r })?,
        ),
        Language::En => (
            format!(
                "Content removed provisionally: complaint {}",
                c.tracking_code
            ),
            render_email(RemovalEn { r })?,
        ),
    };
    outbox::enqueue(
        txn,
        &Email {
            notice: NoticeKey::new(c.id, round, NoticeKind::ProvisionalRemoval, Occasion::Once),
            recipient: &claimant,
            subject,
            body_text: body,
            body_html: None,
        },
        site.public_base_url,
        now,
    )
    .await?;
    Ok(())
}
