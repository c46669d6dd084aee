//! The deadline sweep: due reminders and breaches, each handled once.
//!
//! Reads due steps from the database (`state = 'pending' AND due_at <= now`, indexed),
//! so its cost follows what is due, not what is open, and a restart loses nothing.
//! Each batch is one write transaction (serialised across instances, see
//! `db::begin_write`): a step's new state, its emails and its audit events commit
//! together, and a step another instance finished is no longer pending.

use crate::services::error::ServiceResult;
use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Value,
};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::db::{self, stmt};
use crate::domain::deadline::{OnBreach, StepKind, StepState, latest_only, round};
use crate::domain::validate::truncate_micros;
use crate::entities::{complaint, complaint_target, deadline_step};
use crate::mail::letters::Reminder;
use crate::mail::notice::{Occasion, Owed};
use crate::mail::outbox::{self};
use crate::services::breaches::{self, summary_of};
use crate::services::site::Site;
use crate::services::{counter_notices, info_requests};

/// Steps read per transaction.
const BATCH: u64 = 500;
const ACTOR: &str = "scheduler";

pub struct DeadlinePolicy<'a> {
    pub on_breach: OnBreach,
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
) -> ServiceResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let backend = txn.get_database_backend();
    // Given many ids, SQLite's planner reads `state = 'pending'` through the
    // (state, due_at) index, every pending step of every open complaint, instead of
    // looking the ids up: NOT INDEXED leaves it the rowid lookups.
    let table = match backend {
        DbBackend::Sqlite => "deadline_steps NOT INDEXED",
        _ => "deadline_steps",
    };
    let places = vec!["?"; ids.len()].join(", ");
    let mut values = vec![
        Value::from(state),
        Value::from(now),
        Value::from(note.map(str::to_string)),
    ];
    values.extend(ids.iter().map(|id| Value::from(*id)));
    values.push(Value::from(StepState::Pending));
    txn.execute_raw(stmt(
        backend,
        &format!(
            "UPDATE {table} SET state = ?, done_at = ?, note = ? WHERE id IN ({places}) AND state = ?"
        ),
        values,
    ))
    .await?;
    Ok(())
}

/// What a batch gathers to write once before it commits: step states, reminder
/// emails and their audit events, so a hundred reminders cost a handful of statements.
#[derive(Default)]
struct Gathered {
    states: Vec<(StepState, Option<&'static str>, Vec<i64>)>,
    mail: outbox::Batch,
    audit: audit::Batch,
}

impl Gathered {
    fn set(&mut self, ids: &[i64], state: StepState, note: Option<&'static str>) {
        if ids.is_empty() {
            return;
        }
        match self
            .states
            .iter_mut()
            .find(|(s, n, _)| *s == state && *n == note)
        {
            Some((_, _, all)) => all.extend_from_slice(ids),
            None => self.states.push((state, note, ids.to_vec())),
        }
    }

    /// Writes the gathered states: before a service that reads steps runs, and at the
    /// end of the batch.
    async fn write_states(
        &mut self,
        txn: &impl ConnectionTrait,
        now: OffsetDateTime,
    ) -> ServiceResult<()> {
        for (state, note, ids) in std::mem::take(&mut self.states) {
            for chunk in ids.chunks(BATCH as usize) {
                set_state(txn, chunk, state, note, now).await?;
            }
        }
        Ok(())
    }

    async fn write(
        mut self,
        txn: &impl ConnectionTrait,
        site: &Site<'_>,
        now: OffsetDateTime,
    ) -> ServiceResult<()> {
        self.write_states(txn, now).await?;
        self.mail.write(txn, site.public_base_url, now).await?;
        self.audit.append(txn, now).await?;
        Ok(())
    }
}

/// The targets of each of `ids`, in one read.
async fn targets_by_complaint(
    txn: &impl ConnectionTrait,
    ids: &[i64],
) -> ServiceResult<HashMap<i64, Vec<complaint_target::Model>>> {
    let mut out: HashMap<i64, Vec<complaint_target::Model>> = HashMap::new();
    for t in complaint_target::Entity::find()
        .filter(complaint_target::Column::ComplaintId.is_in(ids.to_vec()))
        .order_by_asc(complaint_target::Column::Id)
        .all(txn)
        .await?
    {
        out.entry(t.complaint_id).or_default().push(t);
    }
    Ok(out)
}

/// Handles every step due at `now`.
pub async fn sweep(
    db: &DatabaseConnection,
    policy: &DeadlinePolicy<'_>,
    now: OffsetDateTime,
) -> ServiceResult<DeadlineReport> {
    let now = truncate_micros(now);
    let mut report = DeadlineReport::default();
    loop {
        let txn = db::begin_write(db).await?;
        let due = deadline_step::Entity::find()
            .filter(deadline_step::Column::State.eq(StepState::Pending))
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
            .filter(complaint::Column::Id.is_in(ids.clone()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let targets = targets_by_complaint(&txn, &ids).await?;
        let mut gathered = Gathered::default();
        for (cid, steps) in by_complaint {
            let Some(c) = complaints.get(&cid) else {
                continue;
            };
            let targets = targets.get(&cid).map_or(&[][..], Vec::as_slice);
            let mut batch = Batch {
                txn: &txn,
                policy,
                now,
                gathered: &mut gathered,
            };
            batch
                .handle_complaint(c, targets, steps, &mut report)
                .await?;
        }
        gathered.write(&txn, &policy.site, now).await?;
        txn.commit().await?;
        if !full {
            return Ok(report);
        }
    }
}

/// One batch's transaction, with what it gathers.
struct Batch<'b, 'p, C> {
    txn: &'b C,
    policy: &'b DeadlinePolicy<'p>,
    now: OffsetDateTime,
    gathered: &'b mut Gathered,
}

impl<C: ConnectionTrait> Batch<'_, '_, C> {
    async fn handle_complaint(
        &mut self,
        c: &complaint::Model,
        targets: &[complaint_target::Model],
        steps: Vec<deadline_step::Model>,
        report: &mut DeadlineReport,
    ) -> ServiceResult<()> {
        let (txn, policy, now) = (self.txn, self.policy, self.now);
        let open = c.status.is_open();
        let current = round(c.appealed_at.is_some());
        let mut breach = Vec::new();
        let mut reminders = Vec::new();
        let mut info_wait = Vec::new();
        let mut stale = Vec::new();
        let mut restore = Vec::new();
        for s in steps {
            match s.kind {
                StepKind::Restore => restore.push(s),
                // A step of a round that ended, or of a closed complaint, has nothing to do.
                _ if !open || s.round != current => stale.push(s.id),
                StepKind::InfoWait => info_wait.push(s),
                StepKind::Breach => breach.push(s),
                StepKind::Reminder => reminders.push(s),
            }
        }
        report.cancelled += stale.len() as u64;
        let why = Some("decided before it was due");
        self.gathered.set(&stale, StepState::Cancelled, why);
        // The services below read and change steps: what was gathered goes first.
        if !restore.is_empty() || !info_wait.is_empty() || !breach.is_empty() {
            self.gathered.write_states(txn, now).await?;
        }
        for s in restore {
            set_state(txn, &[s.id], StepState::Done, None, now).await?;
            let Ok(cn) = s.occasion.parse() else { continue };
            if counter_notices::restore_due(txn, &policy.site, c, cn, now).await? {
                report.restored_articles += 1;
            }
        }
        if !open {
            return Ok(());
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
        let why = Some("a later reminder was due too");
        self.gathered.set(&skipped, StepState::Skipped, why);
        // A reminder caught up after the deadline has nothing left to count down: the
        // escalation says what it would.
        let (send, late) = match send {
            Some(step) if c.deadline_at <= now => (None, Some(step)),
            send => (send, None),
        };
        if let Some(step) = late {
            report.skipped += 1;
            let why = Some("the deadline had passed");
            self.gathered.set(&[step.id], StepState::Skipped, why);
        }
        if let Some(step) = send {
            self.gathered.set(&[step.id], StepState::Done, None);
            report.reminders += 1;
            self.remind(c, targets, current, &step, &skip)?;
        }
        if let Some(step) = breach.into_iter().next() {
            self.gathered.write_states(txn, now).await?;
            breach_due(txn, policy, c, &step, now, report).await?;
        }
        Ok(())
    }

    fn remind(
        &mut self,
        c: &complaint::Model,
        targets: &[complaint_target::Model],
        round: i32,
        step: &deadline_step::Model,
        skipped: &[deadline_step::Model],
    ) -> ServiceResult<()> {
        let (policy, now) = (self.policy, self.now);
        let site = &policy.site;
        let summary = summary_of(policy.on_breach, site, c, targets);
        let left = (c.deadline_at - now).whole_seconds().max(0).unsigned_abs();
        let occasion = Occasion::Reminder(step.occasion.clone());
        let callback = c
            .callback_url
            .as_deref()
            .map(|url| (url, c.claimant_email.as_str()));
        self.gathered.mail.post(
            &Owed::on(c.id, round, occasion),
            &Reminder {
                s: &summary.view(),
                left,
            },
            &site.desk_and_reviewer(c.assigned_reviewer.as_deref()),
            &site.signer,
            now,
            callback,
        )?;
        self.gathered.audit.push(
            ACTOR,
            "complaint.reminded",
            format!("complaint:{}", c.id),
            json!({
                "round": round,
                "step": step.occasion,
                "skipped": skipped.iter().map(|s| &s.occasion).collect::<Vec<_>>(),
            }),
        );
        Ok(())
    }
}

/// The breach step woke the sweep: breach the round unless its deadline moved later
/// (an answer to a question), in which case the step waits for the new one.
async fn breach_due(
    txn: &impl ConnectionTrait,
    policy: &DeadlinePolicy<'_>,
    c: &complaint::Model,
    step: &deadline_step::Model,
    now: OffsetDateTime,
    report: &mut DeadlineReport,
) -> ServiceResult<()> {
    // The round's deadline is the one stored; the step only wakes the sweep.
    if c.deadline_at > now {
        deadline_step::Entity::update_many()
            .col_expr(deadline_step::Column::DueAt, Expr::value(c.deadline_at))
            .filter(deadline_step::Column::Id.eq(step.id))
            .exec(txn)
            .await?;
        return Ok(());
    }
    set_state(txn, &[step.id], StepState::Done, None, now).await?;
    report.breaches += 1;
    report.removed_articles +=
        breaches::breach(txn, policy.on_breach, &policy.site, c, now).await?;
    Ok(())
}
