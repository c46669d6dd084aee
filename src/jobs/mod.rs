//! Scheduled work. Each sweep is a plain function of the state and `now`, returning
//! what it did; the scheduler only decides when to call them.

pub mod deadlines;

use std::sync::Arc;

use anyhow::{Context, Result};
use time::OffsetDateTime;
use tokio::sync::Mutex;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::mail::delivery::{self, DeliveryReport, Mailer};
use crate::web::AppState;
use deadlines::{DeadlinePolicy, DeadlineReport};

/// What one pass of every sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TickReport {
    pub deadlines: DeadlineReport,
    pub outbox: DeliveryReport,
}

impl std::fmt::Display for TickReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\n{}", self.deadlines, self.outbox)
    }
}

/// One pass of every sweep: deadlines first, so the emails they owe go out at once.
pub async fn tick(state: &AppState, mailer: &Mailer, now: OffsetDateTime) -> Result<TickReport> {
    let c = &state.config;
    let policy = DeadlinePolicy {
        on_breach: c.on_breach,
        staff_notify: &c.staff_notify,
        escalation_to: &c.escalation_to,
        public_base_url: &c.public_base_url,
    };
    let deadlines = deadlines::sweep(&state.db, &policy, now)
        .await
        .context("deadline sweep")?;
    let outbox = delivery::deliver_due(&state.db, mailer, now)
        .await
        .context("outbox delivery")?;
    Ok(TickReport { deadlines, outbox })
}

/// Starts the cron wake-up. A pass still running when the next is due is not doubled.
pub async fn start_scheduler(state: AppState, cron: &str) -> Result<JobScheduler> {
    let mailer = Arc::new(Mailer::from_url(
        &state.config.mail_url,
        &state.config.mail_from,
    )?);
    let running = Arc::new(Mutex::new(()));
    let sched = JobScheduler::new()
        .await
        .context("creating the scheduler")?;
    let job = Job::new_async(cron, move |_id, _sched| {
        let (state, mailer, running) = (state.clone(), mailer.clone(), running.clone());
        Box::pin(async move {
            let Ok(_guard) = running.try_lock() else {
                return;
            };
            match tick(&state, &mailer, OffsetDateTime::now_utc()).await {
                Ok(r) if r != TickReport::default() => tracing::info!(report = %r, "sweeps ran"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = ?e, "sweep failed; the next wake-up retries"),
            }
        })
    })
    .with_context(|| format!("SCHEDULER_CRON {cron:?} is not a six-field cron expression"))?;
    sched.add(job).await.context("adding the sweep job")?;
    sched.start().await.context("starting the scheduler")?;
    Ok(sched)
}
