//! The licence sweep: reminders before a licence ends, and its end, each handled once.
//!
//! Reads due steps (`state = 'pending' AND due_at <= now`, indexed), so its cost
//! follows what is due, not how many licences or articles there are. Each batch is one
//! write transaction: a step's new state, its holds, its emails and audit events
//! commit together, and a step another instance finished is no longer pending.

use std::collections::BTreeMap;

use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel, Set};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::deadline::StepState;
use crate::domain::display_time::display;
use crate::domain::licence::{LicenceSettings, LicenceVerdict, OnLicenceExpiry};
use crate::domain::validate::truncate_micros;
use crate::entities::licence_step::LicenceStepKind;
use crate::entities::{article, article_revision, licence, licence_step};
use crate::mail::letter::Recipient;
use crate::mail::letters::{LicenceArticle, LicenceExpired, LicenceReminder};
use crate::mail::notice::Owed;
use crate::mail::outbox;
use crate::services::error::ServiceResult;
use crate::services::licences;
use crate::services::site::Site;

const BATCH: u64 = 500;
const ACTOR: &str = "scheduler";
/// Articles an email lists by name; the rest are counted.
const LISTED: usize = 50;

pub struct LicencePolicy<'a> {
    pub settings: &'a LicenceSettings,
    pub site: Site<'a>,
}

impl LicencePolicy<'_> {
    /// `LICENCE_NOTIFY`, or the desk.
    fn recipients(&self) -> Vec<Recipient> {
        self.settings
            .notify
            .as_deref()
            .unwrap_or(self.site.staff_notify)
            .iter()
            .map(|a| Recipient::new(a.clone(), self.site.staff_language))
            .collect()
    }

    /// Posts `letter` for step `step_id` to the licence desk.
    async fn post<L: crate::mail::letter::Letter>(
        &self,
        txn: &impl ConnectionTrait,
        step_id: i64,
        letter: &L,
        now: OffsetDateTime,
    ) -> ServiceResult<()> {
        outbox::post(
            txn,
            &Owed::licence_step(step_id),
            letter,
            &self.recipients(),
            &self.site.signer,
            now,
        )
        .await
        .map_err(crate::services::error::ServiceError::from)
    }

    fn licence_url(&self, reference: &str) -> String {
        licences::staff_url(self.site.public_base_url, reference)
    }
}

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct LicenceReport {
    pub reminders: u64,
    pub skipped: u64,
    /// Licences whose end was handled.
    pub expiries: u64,
    pub held_articles: u64,
    pub restored_articles: u64,
}

impl std::fmt::Display for LicenceReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "licences: {} reminders, {} skipped, {} expiries, {} articles held, {} articles restored",
            self.reminders, self.skipped, self.expiries, self.held_articles, self.restored_articles
        )
    }
}

async fn finish(
    txn: &impl ConnectionTrait,
    step: &licence_step::Model,
    state: StepState,
    note: Option<&str>,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let mut am = step.clone().into_active_model();
    am.state = Set(state);
    am.done_at = Set(Some(now));
    am.note = Set(note.map(str::to_string));
    am.update(txn).await?;
    Ok(())
}

/// Handles every licence step due at `now`.
pub async fn sweep(
    db: &DatabaseConnection,
    policy: &LicencePolicy<'_>,
    now: OffsetDateTime,
) -> ServiceResult<LicenceReport> {
    let now = truncate_micros(now);
    let mut report = LicenceReport::default();
    loop {
        let txn = db::begin_write(db).await?;
        let due = licence_step::Entity::find()
            .filter(licence_step::Column::State.eq(StepState::Pending))
            .filter(licence_step::Column::DueAt.lte(now))
            .order_by_asc(licence_step::Column::LicenceId)
            .order_by_asc(licence_step::Column::DueAt)
            .limit(BATCH)
            .all(&txn)
            .await?;
        let full = due.len() as u64 == BATCH;
        let mut by_licence: BTreeMap<i64, Vec<licence_step::Model>> = BTreeMap::new();
        for s in due {
            by_licence.entry(s.licence_id).or_default().push(s);
        }
        // A full batch may have cut the last licence's steps short: leave it whole.
        if full && by_licence.len() > 1 {
            by_licence.pop_last();
        }
        if by_licence.is_empty() {
            txn.commit().await?;
            return Ok(report);
        }
        for (licence_id, steps) in by_licence {
            handle_licence(&txn, policy, licence_id, steps, now, &mut report).await?;
        }
        txn.commit().await?;
        if !full {
            return Ok(report);
        }
    }
}

async fn handle_licence(
    txn: &impl ConnectionTrait,
    policy: &LicencePolicy<'_>,
    licence_id: i64,
    steps: Vec<licence_step::Model>,
    now: OffsetDateTime,
    report: &mut LicenceReport,
) -> ServiceResult<()> {
    let Some(l) = licence::Entity::find_by_id(licence_id).one(txn).await? else {
        for s in &steps {
            finish(txn, s, StepState::Cancelled, Some("no such licence"), now).await?;
        }
        return Ok(());
    };
    let Some((l, rev)) = licences::current_of(txn, l).await? else {
        // A licence commits with its first revision, so this is never expected; the
        // steps are finished all the same, or every sweep would read them again.
        for s in &steps {
            finish(txn, s, StepState::Cancelled, Some("no current terms"), now).await?;
        }
        return Ok(());
    };
    let terms = licences::terms_of(&l, &rev);
    let (expiries, reminders): (Vec<_>, Vec<_>) = steps
        .into_iter()
        .partition(|s| s.kind == LicenceStepKind::Expiry);
    let ended = terms.ends_at.is_some_and(|e| e <= now);
    if !expiries.is_empty() {
        let on_expiry = policy.settings.on_expiry;
        let (held, released) =
            licences::enforce(txn, &policy.site, on_expiry, &l, &terms, ACTOR, now).await?;
        // Only articles this end took down count: a second pass holds nothing new.
        let taken_down = held.iter().filter(|m| m.went_down()).count();
        report.held_articles += taken_down as u64;
        report.restored_articles += released.iter().filter(|m| m.came_back()).count() as u64;
        for s in &expiries {
            finish(txn, s, StepState::Done, s.note.as_deref(), now).await?;
        }
        // The licence's own end (not a check for one article) is told to the desk.
        if let Some(end) = expiries
            .iter()
            .find(|s| s.occasion.starts_with("end@") && ended)
        {
            report.expiries += 1;
            // Under `remove` the articles are down by now; under `flag` they are live.
            let live = on_expiry != OnLicenceExpiry::Remove;
            let articles =
                licences::articles_with(txn, &l.reference, LicenceVerdict::Expired, live).await?;
            audit::append(
                txn,
                now,
                ACTOR,
                "licence.expired",
                &format!("licence:{}", l.id),
                &json!({"reference": l.reference, "on_expiry": on_expiry.as_str(), "articles": articles.len(), "held": taken_down}),
            )
            .await?;
            let (listed, more) = listed(txn, &articles).await?;
            let url = policy.licence_url(&l.reference);
            let ends_at = terms.ends_at.map(display).unwrap_or_default();
            let letter = LicenceExpired {
                reference: &l.reference,
                licensor: &terms.licensor,
                ends_at: &ends_at,
                removed: on_expiry == OnLicenceExpiry::Remove,
                articles: &listed,
                more,
                url: &url,
            };
            policy.post(txn, end.id, &letter, now).await?;
        }
    }
    // After downtime only the latest reminder is sent, and none once the end is here.
    let latest = reminders.iter().map(|s| s.due_at).max();
    for s in &reminders {
        if ended || Some(s.due_at) != latest {
            let why = if ended {
                "the licence ended first"
            } else {
                "a later reminder fell due too"
            };
            finish(txn, s, StepState::Skipped, Some(why), now).await?;
            report.skipped += 1;
            continue;
        }
        remind(txn, policy, &l, &terms, s, now).await?;
        finish(txn, s, StepState::Done, None, now).await?;
        report.reminders += 1;
    }
    Ok(())
}

async fn remind(
    txn: &impl ConnectionTrait,
    policy: &LicencePolicy<'_>,
    l: &licence::Model,
    terms: &crate::domain::licence::Terms,
    step: &licence_step::Model,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let Some(end) = terms.ends_at else {
        return Ok(());
    };
    let articles =
        licences::articles_with(txn, &l.reference, LicenceVerdict::Covered, true).await?;
    let (listed, more) = listed(txn, &articles).await?;
    let url = policy.licence_url(&l.reference);
    let ends_at = display(end);
    let left = (end - now).whole_hours().max(0);
    let letter = LicenceReminder {
        reference: &l.reference,
        licensor: &terms.licensor,
        ends_at: &ends_at,
        left_days: left / 24,
        left_hours: left,
        articles: &listed,
        more,
        url: &url,
    };
    policy.post(txn, step.id, &letter, now).await?;
    audit::append(
        txn,
        now,
        ACTOR,
        "licence.reminded",
        &format!("licence:{}", l.id),
        &json!({"reference": l.reference, "step": step.occasion, "live_articles": articles.len()}),
    )
    .await?;
    Ok(())
}

/// The first `LISTED` articles with their current titles, and how many more.
async fn listed(
    txn: &impl ConnectionTrait,
    articles: &[article::Model],
) -> ServiceResult<(Vec<LicenceArticle>, usize)> {
    let shown = &articles[..articles.len().min(LISTED)];
    let mut out = Vec::with_capacity(shown.len());
    for a in shown {
        let title = article_revision::Entity::find()
            .filter(article_revision::Column::ArticleId.eq(a.id))
            .filter(article_revision::Column::Revision.eq(a.current_revision))
            .one(txn)
            .await?
            .map(|r| r.title)
            .unwrap_or_default();
        out.push(LicenceArticle {
            id: a.id,
            url: a.url.clone(),
            title,
        });
    }
    Ok((out, articles.len() - shown.len()))
}
