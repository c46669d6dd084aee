//! The deadline sweep: due reminders and breaches, each handled once.
//!
//! Reads due steps from the database (`state = 'pending' AND due_at <= now`, indexed),
//! so its cost follows what is due, not what is open, and a restart loses nothing.
//! Each batch is one write transaction (serialised across instances, see
//! `db::begin_write`): a step's new state, its emails and its audit events commit
//! together, and a step another instance finished is no longer pending.

use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::db;
use crate::domain::article::ArticleStatus;
use crate::domain::complaint::ComplaintStatus;
use crate::domain::deadline::{OnBreach, StepKind, StepState, latest_only};
use crate::domain::display_time::{display, span_words};
use crate::domain::validate::{EmailAddress, format_timestamp, truncate_micros};
use crate::entities::{article, article_revision, complaint, complaint_target, deadline_step};
use crate::mail::outbox::{self, Email};
use crate::mail::templates::{
    DeadlineSummary, EscalationEn, ReminderEn, Removal, RemovalEn, RemovalSourceEn, RemovalZh,
    render_email,
};
use crate::services::complaints::status_url;
use crate::services::takedowns::{self, Change, Site};
use crate::services::{audit, counter_notices, info_requests};

/// Steps read per transaction.
const BATCH: u64 = 500;
const ACTOR: &str = "scheduler";

pub struct DeadlinePolicy<'a> {
    pub on_breach: OnBreach,
    pub escalation_to: &'a [EmailAddress],
    pub site: Site<'a>,
}

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineReport {
    pub reminders: u64,
    pub skipped: u64,
    pub breaches: u64,
    pub removed_articles: u64,
    pub cancelled: u64,
    /// Complaints closed because the claimant did not answer in time.
    pub closed_incomplete: u64,
    /// Articles restored when a counter-notice's wait ended.
    pub restored_articles: u64,
    /// Closed complaints whose personal data `RETENTION` erased.
    pub erased: u64,
}

impl std::fmt::Display for DeadlineReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "deadlines: {} reminders, {} skipped, {} breaches, {} articles removed, {} cancelled, {} closed incomplete, {} articles restored, {} erased",
            self.reminders,
            self.skipped,
            self.breaches,
            self.removed_articles,
            self.cancelled,
            self.closed_incomplete,
            self.restored_articles,
            self.erased
        )
    }
}

async fn set_state(
    txn: &impl ConnectionTrait,
    ids: &[i64],
    state: StepState,
    note: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    deadline_step::Entity::update_many()
        .col_expr(deadline_step::Column::State, Expr::value(state.as_str()))
        .col_expr(deadline_step::Column::DoneAt, Expr::value(now))
        .col_expr(
            deadline_step::Column::Note,
            Expr::value(note.map(str::to_string)),
        )
        .filter(deadline_step::Column::Id.is_in(ids.to_vec()))
        .filter(deadline_step::Column::State.eq(StepState::Pending.as_str()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Handles every step due at `now`.
pub async fn sweep(
    db: &DatabaseConnection,
    policy: &DeadlinePolicy<'_>,
    now: OffsetDateTime,
) -> Result<DeadlineReport, DbErr> {
    let now = truncate_micros(now);
    let mut report = DeadlineReport::default();
    loop {
        let txn = db::begin_write(db).await?;
        let due = deadline_step::Entity::find()
            .filter(deadline_step::Column::State.eq(StepState::Pending.as_str()))
            .filter(deadline_step::Column::DueAt.lte(now))
            .order_by_asc(deadline_step::Column::ComplaintId)
            .order_by_asc(deadline_step::Column::DueAt)
            .limit(BATCH)
            .all(&txn)
            .await?;
        let full = due.len() as u64 == BATCH;
        let mut by_complaint: BTreeMap<i64, Vec<deadline_step::Model>> = BTreeMap::new();
        for s in due {
            by_complaint.entry(s.complaint_id).or_default().push(s);
        }
        // A full batch may have cut the last complaint's steps short: leave it whole
        // for the next batch, so "only the latest reminder" sees all of them.
        if full && by_complaint.len() > 1 {
            by_complaint.pop_last();
        }
        if by_complaint.is_empty() {
            txn.commit().await?;
            return Ok(report);
        }
        let ids: Vec<i64> = by_complaint.keys().copied().collect();
        let complaints: HashMap<i64, complaint::Model> = complaint::Entity::find()
            .filter(complaint::Column::Id.is_in(ids))
            .all(&txn)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        for (cid, steps) in by_complaint {
            let Some(c) = complaints.get(&cid) else {
                continue;
            };
            handle_complaint(&txn, policy, c, steps, now, &mut report).await?;
        }
        txn.commit().await?;
        if !full {
            return Ok(report);
        }
    }
}

async fn handle_complaint(
    txn: &impl ConnectionTrait,
    policy: &DeadlinePolicy<'_>,
    c: &complaint::Model,
    steps: Vec<deadline_step::Model>,
    now: OffsetDateTime,
    report: &mut DeadlineReport,
) -> Result<(), DbErr> {
    let mut breach = Vec::new();
    let mut reminders = Vec::new();
    let mut info_wait = Vec::new();
    for s in steps {
        match StepKind::of(&s.step) {
            Some(StepKind::Restore(cn)) => {
                set_state(txn, &[s.id], StepState::Done, None, now).await?;
                if counter_notices::restore_due(txn, &policy.site, c, cn, now).await? {
                    report.restored_articles += 1;
                }
            }
            Some(StepKind::InfoWait) => info_wait.push(s),
            Some(StepKind::Breach) => breach.push(s),
            Some(StepKind::Reminder) | None => reminders.push(s),
        }
    }
    if !ComplaintStatus::is_open(&c.status) {
        let ids: Vec<i64> = breach
            .iter()
            .chain(&reminders)
            .chain(&info_wait)
            .map(|s| s.id)
            .collect();
        report.cancelled += ids.len() as u64;
        return set_state(
            txn,
            &ids,
            StepState::Cancelled,
            Some("decided before it was due"),
            now,
        )
        .await;
    }
    if let Some(step) = info_wait.first() {
        set_state(txn, &[step.id], StepState::Done, None, now).await?;
        info_requests::close_incomplete(txn, &policy.site, c, now).await?;
        report.closed_incomplete += 1;
        return Ok(());
    }
    let (send, skip) = latest_only(reminders);
    let skipped: Vec<i64> = skip.iter().map(|s| s.id).collect();
    report.skipped += skipped.len() as u64;
    set_state(
        txn,
        &skipped,
        StepState::Skipped,
        Some("a later reminder was due too"),
        now,
    )
    .await?;

    let targets = complaint_target::Entity::find()
        .filter(complaint_target::Column::ComplaintId.eq(c.id))
        .order_by_asc(complaint_target::Column::Id)
        .all(txn)
        .await?;
    let target_urls: Vec<String> = targets.iter().map(|t| t.url.clone()).collect();
    let url = status_url(policy.site.public_base_url, &c.tracking_code);
    let received = display(c.received_at);
    let due = display(c.deadline_at);
    // An appeal's breach escalates only: the first review already found the claim wanting.
    let removes = policy.on_breach == OnBreach::Remove && c.appealed_at.is_none();
    // Nothing is taken down on the word of an address no one has shown is theirs.
    let unconfirmed = c.confirmed_at.is_none();
    let summary = DeadlineSummary {
        id: c.id,
        deadline_at: &due,
        received_at: &received,
        claimant: &c.claimant_name,
        work_title: &c.work_title,
        targets: &target_urls,
        status_url: &url,
        removes,
        unconfirmed,
    };

    if let Some(step) = send {
        set_state(txn, &[step.id], StepState::Done, None, now).await?;
        report.reminders += 1;
        let left = span_words((c.deadline_at - now).whole_seconds().max(0).unsigned_abs());
        let body = render_email(ReminderEn {
            s: &summary,
            time_left: &left,
        })?;
        let reviewer = c
            .assigned_reviewer
            .as_deref()
            .and_then(|r| EmailAddress::parse(r).ok());
        for to in policy.site.staff_notify.iter().chain(reviewer.as_ref()) {
            outbox::enqueue(
                txn,
                &Email {
                    kind: "reminder",
                    recipient: to,
                    subject: format!("Reminder: complaint #{} due {due} ({left} left)", c.id),
                    body_text: body.clone(),
                    body_html: None,
                    dedupe_key: format!("complaint:{}:{}:{}", c.id, step.step, to.as_str()),
                    complaint_id: Some(c.id),
                },
                policy.site.public_base_url,
                now,
            )
            .await?;
        }
        audit::append(
            txn,
            now,
            ACTOR,
            "complaint.reminded",
            &format!("complaint:{}", c.id),
            &json!({"step": step.step, "skipped": skip.iter().map(|s| &s.step).collect::<Vec<_>>()}),
        )
        .await?;
    }

    if let Some(step) = breach.into_iter().next() {
        set_state(txn, &[step.id], StepState::Done, None, now).await?;
        report.breaches += 1;
        let mut am: complaint::ActiveModel = c.clone().into();
        am.overdue = Set(true);
        am.update(txn).await?;
        let removed = if removes && !unconfirmed {
            remove_targets(txn, &policy.site, c, &targets, now).await?
        } else {
            Vec::new()
        };
        report.removed_articles += removed.len() as u64;
        let body = render_email(EscalationEn { s: &summary })?;
        for to in policy.escalation_to {
            outbox::enqueue(
                txn,
                &Email {
                    kind: "escalation",
                    recipient: to,
                    subject: format!("Deadline missed: complaint #{} was due {due}", c.id),
                    body_text: body.clone(),
                    body_html: None,
                    dedupe_key: format!("complaint:{}:breach:{}", c.id, to.as_str()),
                    complaint_id: Some(c.id),
                },
                policy.site.public_base_url,
                now,
            )
            .await?;
        }
        if !removed.is_empty() {
            tell_of_removal(txn, policy, c, &removed, &url, now).await?;
        }
        audit::append(
            txn,
            now,
            ACTOR,
            "complaint.breached",
            &format!("complaint:{}", c.id),
            &json!({
                "deadline_at": format_timestamp(c.deadline_at),
                "on_breach": if removes { "remove" } else { "escalate" },
                "confirmed": !unconfirmed,
                "removed_articles": removed.iter().map(|r| r.article_id).collect::<Vec<_>>(),
            }),
        )
        .await?;
    }
    Ok(())
}

/// An article taken down provisionally, and whom at its source to tell.
struct Removed {
    article_id: i64,
    url: String,
    outlet: String,
    rights_contact: Option<String>,
}

async fn remove_targets(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    targets: &[complaint_target::Model],
    now: OffsetDateTime,
) -> Result<Vec<Removed>, DbErr> {
    let mut removed = Vec::new();
    for t in targets {
        let Some(article_id) = t.article_id else {
            continue;
        };
        let Some(a) = article::Entity::find_by_id(article_id).one(txn).await? else {
            continue;
        };
        if a.status == ArticleStatus::Removed.as_str() {
            continue;
        }
        let rev = article_revision::Entity::find()
            .filter(article_revision::Column::ArticleId.eq(a.id))
            .filter(article_revision::Column::Revision.eq(a.current_revision))
            .one(txn)
            .await?;
        takedowns::change_status(
            txn,
            site,
            &a,
            Change {
                to: ArticleStatus::Removed,
                complaint_id: c.id,
                actor: ACTOR,
                ground: "provisional",
            },
            now,
        )
        .await?;
        removed.push(Removed {
            article_id: a.id,
            url: a.url,
            outlet: rev
                .as_ref()
                .map(|r| r.source_outlet.clone())
                .unwrap_or_default(),
            rights_contact: rev.and_then(|r| r.rights_contact),
        });
    }
    Ok(removed)
}

async fn tell_of_removal(
    txn: &impl ConnectionTrait,
    policy: &DeadlinePolicy<'_>,
    c: &complaint::Model,
    removed: &[Removed],
    url: &str,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let urls: Vec<String> = removed.iter().map(|r| r.url.clone()).collect();
    let r = &Removal {
        name: &c.claimant_name,
        code: &c.tracking_code,
        targets: &urls,
        status_url: url,
    };
    let (subject, body) = if c.language == "zh" {
        (
            format!(
                "内容已暂时删除 / Content removed provisionally: complaint {}",
                c.tracking_code
            ),
            render_email(RemovalZh { r })?,
        )
    } else {
        (
            format!(
                "Content removed provisionally: complaint {}",
                c.tracking_code
            ),
            render_email(RemovalEn { r })?,
        )
    };
    if let Ok(claimant) = EmailAddress::parse(&c.claimant_email) {
        outbox::enqueue(
            txn,
            &Email {
                kind: "removal",
                recipient: &claimant,
                subject,
                body_text: body,
                body_html: None,
                dedupe_key: format!("complaint:{}:removal:claimant", c.id),
                complaint_id: Some(c.id),
            },
            policy.site.public_base_url,
            now,
        )
        .await?;
    }
    let mut by_contact: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for r in removed {
        if let Some(contact) = &r.rights_contact {
            let e = by_contact
                .entry(contact.clone())
                .or_insert_with(|| (r.outlet.clone(), Vec::new()));
            e.1.push(r.url.clone());
        }
    }
    for (contact, (outlet, urls)) in by_contact {
        let Ok(to) = EmailAddress::parse(&contact) else {
            continue;
        };
        // The tracking code is the claimant's own handle: the source gets our reference.
        let body = render_email(RemovalSourceEn {
            outlet: &outlet,
            id: c.id,
            targets: &urls,
        })?;
        outbox::enqueue(
            txn,
            &Email {
                kind: "removal",
                recipient: &to,
                subject: format!(
                    "Republished content removed provisionally: complaint #{}",
                    c.id
                ),
                body_text: body,
                body_html: None,
                dedupe_key: format!("complaint:{}:removal:source:{}", c.id, to.as_str()),
                complaint_id: Some(c.id),
            },
            policy.site.public_base_url,
            now,
        )
        .await?;
    }
    Ok(())
}
