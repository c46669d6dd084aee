//! Scheduled work. Each sweep is a plain function of the state and `now`, returning
//! what it did; the scheduler only decides when to call them.

pub mod deadlines;
pub mod licences;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context as _, Result};
use std::time::Duration;
use time::OffsetDateTime;

use tokio::sync::{Mutex, RwLock};
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::config::Config;
use crate::mail::delivery::{self, DeliveryReport, MailSettings, Mailer};
use crate::services::receipts;
use crate::services::site::Site;
use crate::services::tracking_codes::CodeKey;
use crate::telemetry::Telemetry;
use deadlines::{DeadlinePolicy, DeadlineReport};
use sea_orm::DatabaseConnection;

/// What the sweeps run on, built at the composition root: no listener, no index.
#[derive(Clone)]
pub struct Context {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub mailer: Arc<Mailer>,
    pub telemetry: Arc<Telemetry>,
    pub codes: CodeKey,
}

impl Context {
    /// The sweeps' context for `config` over `db`, with its configured mailer and
    /// the tracking-code key.
    pub async fn load(db: DatabaseConnection, config: Arc<Config>) -> Result<Self> {
        Ok(Self {
            mailer: Arc::new(mailer(&config)?),
            codes: CodeKey::load(&db, &config.tracking_key_file).await?,
            db,
            config,
            telemetry: Arc::default(),
        })
    }
}

/// What one pass of every sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TickReport {
    pub deadlines: DeadlineReport,
    pub licences: licences::LicenceReport,
    /// Digests of receipts that waited for the per-address limit.
    pub receipt_digests: u64,
    pub outbox: DeliveryReport,
}

impl std::fmt::Display for TickReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}\n{}\nreceipts: {} digests\n{}",
            self.deadlines, self.licences, self.receipt_digests, self.outbox
        )
    }
}

/// The deadline sweep, then the receipts that waited: the work that must not wait on
/// the mail relay.
async fn deadline_pass(
    state: &Context,
    now: OffsetDateTime,
) -> Result<(DeadlineReport, licences::LicenceReport, u64)> {
    let (db, config) = (&state.db, &*state.config);
    let site = Site::of(config, &state.codes);
    let policy = DeadlinePolicy {
        on_breach: config.on_breach,
        site,
    };
    let mut deadlines = deadlines::sweep(db, &policy, now)
        .await
        .context("deadline sweep")?;
    deadlines.erased =
        crate::services::retention::sweep(db, &config.data_dir, config.retention, now)
            .await
            .context("retention sweep")?;
    crate::services::login_guard::prune(db, now)
        .await
        .context("forgetting old sign-in failures")?;
    let digests = receipts::send_digests(db, &site, config.receipt_rate_limit, now)
        .await
        .context("receipt digests")?;
    let digests = digests
        + crate::services::staff_notices::send_digests(
            db,
            &site,
            config.staff_notify_rate_limit,
            now,
        )
        .await
        .context("new-complaint digests")?;
    let licences = licences::sweep(
        db,
        &licences::LicencePolicy {
            settings: &config.licences,
            site,
        },
        now,
    )
    .await
    .context("licence sweep")?;
    Ok((deadlines, licences, digests))
}

/// One pass of every sweep: deadlines first, so the emails they owe go out at once.
pub async fn tick(state: &Context, mailer: &Mailer, now: OffsetDateTime) -> Result<TickReport> {
    let started = std::time::Instant::now();
    let pass = deadline_pass(state, now).await;
    state
        .telemetry
        .sweep("deadlines", started.elapsed(), pass.is_err());
    let (deadlines, licences, receipt_digests) = pass?;
    let started = std::time::Instant::now();
    let outbox = delivery::deliver_due(&state.db, mailer, now)
        .await
        .context("outbox delivery");
    state
        .telemetry
        .sweep("outbox", started.elapsed(), outbox.is_err());
    let outbox = outbox?;
    state
        .telemetry
        .deliveries(outbox.sent, outbox.retrying + outbox.failed);
    Ok(TickReport {
        deadlines,
        licences,
        receipt_digests,
        outbox,
    })
}

/// The mailer the configuration describes; warns when mail would travel in plain text.
pub fn mailer(config: &Config) -> Result<Mailer> {
    let m = Mailer::new(&MailSettings {
        url: &config.mail_url,
        from: &config.mail_from,
        concurrency: config.mail_concurrency,
        timeout: config.mail_timeout,
        webhook_secret: config.webhook_secret.as_deref(),
        callbacks_to_private: config.callback_allow_private,
        bounce_address: config.mail_bounce_address.as_ref(),
        from_name: config.site_name.as_deref(),
        reply_to: config.site_contact.as_ref(),
    })?;
    if m.is_plaintext() {
        tracing::warn!(
            mail_url = %crate::config::redact_url(&config.mail_url),
            "MAIL_URL has tls=none: email, claimants' personal data and any SMTP password travel unencrypted"
        );
    }
    Ok(m)
}

/// Remembers whether a sweep's last pass failed, so an outage is logged once when it
/// starts and once when it ends, not on every wake-up.
#[derive(Default)]
struct OutageLog {
    down: AtomicBool,
}

impl OutageLog {
    /// Records a failed pass; returns whether it was logged (the first of an outage).
    fn failed(&self, sweep: &str, e: &anyhow::Error) -> bool {
        let first = !self.down.swap(true, Ordering::Relaxed);
        if first {
            tracing::error!(sweep, error = ?e, "sweep failed; it retries on every wake-up until it succeeds");
        } else {
            tracing::debug!(sweep, error = %e, "sweep still failing");
        }
        first
    }

    /// Records a good pass; returns whether it was logged (the end of an outage).
    fn succeeded(&self, sweep: &str) -> bool {
        let recovered = self.down.swap(false, Ordering::Relaxed);
        if recovered {
            tracing::info!(sweep, "sweep succeeded again");
        }
        recovered
    }
}

/// A cron job running `pass` whenever it is due, unless its previous pass is still
/// running: each sweep guards only against overlapping itself.
fn guarded<F, Fut>(
    cron: &str,
    sweep: &'static str,
    passes: Arc<RwLock<()>>,
    telemetry: Arc<Telemetry>,
    pass: F,
) -> Result<Job>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String>> + Send + 'static,
{
    let pass = Arc::new(pass);
    let running = Arc::new(Mutex::new(()));
    let outages = Arc::new(OutageLog::default());
    Job::new_async(cron, move |_id, _sched| {
        let (pass, running, outages) = (pass.clone(), running.clone(), outages.clone());
        let (passes, telemetry) = (passes.clone(), telemetry.clone());
        Box::pin(async move {
            let Ok(_guard) = running.try_lock() else {
                return;
            };
            // Shutdown holds this for writing: no pass starts once it has begun.
            let Ok(_pass) = passes.try_read() else {
                return;
            };
            let started = std::time::Instant::now();
            let result = pass().await;
            telemetry.sweep(sweep, started.elapsed(), result.is_err());
            match result {
                Ok(report) => {
                    let _ = outages.succeeded(sweep);
                    if !report.is_empty() {
                        tracing::info!(sweep, report = %report, "sweep ran");
                    }
                }
                Err(e) => {
                    let _ = outages.failed(sweep, &e);
                }
            }
        })
    })
    .with_context(|| format!("SCHEDULER_CRON {cron:?} is not a six-field cron expression"))
}

/// How long shutdown waits for a sweep pass under way; what it leaves is safe to cut
/// (each pass commits per complaint, and outbox rows are leased, not lost).
const SWEEP_DRAIN: Duration = Duration::from_secs(60);

/// The running scheduler and the passes it has under way.
pub struct Scheduler {
    sched: JobScheduler,
    passes: Arc<RwLock<()>>,
}

impl Scheduler {
    /// Stops starting passes and waits for the ones under way to finish.
    pub async fn stop(mut self) {
        let _ = self.sched.shutdown().await;
        if tokio::time::timeout(SWEEP_DRAIN, self.passes.write())
            .await
            .is_err()
        {
            tracing::warn!(
                "a sweep pass still running after {} s; stopping anyway",
                SWEEP_DRAIN.as_secs()
            );
        }
    }
}

/// Starts the cron wake-up: the deadline sweep and outbox delivery as two jobs, so a
/// slow, hung or absent mail relay never delays a reminder or a breach.
pub async fn start_scheduler(state: Context, cron: &str) -> Result<Scheduler> {
    let mailer = state.mailer.clone();
    let passes = Arc::new(RwLock::new(()));
    let sched = JobScheduler::new()
        .await
        .context("creating the scheduler")?;
    let st = state.clone();
    let deadlines = guarded(
        cron,
        "deadlines",
        passes.clone(),
        state.telemetry.clone(),
        move || {
            let st = st.clone();
            async move {
                let (r, l, digests) = deadline_pass(&st, OffsetDateTime::now_utc()).await?;
                let quiet = r == DeadlineReport::default()
                    && l == licences::LicenceReport::default()
                    && digests == 0;
                Ok(if quiet {
                    String::new()
                } else {
                    format!("{r}; {l}; {digests} receipt digests")
                })
            }
        },
    )?;
    let telemetry = state.telemetry.clone();
    let outbox = guarded(
        cron,
        "outbox",
        passes.clone(),
        state.telemetry.clone(),
        move || {
            let (db, mailer, telemetry) = (state.db.clone(), mailer.clone(), telemetry.clone());
            async move {
                let r = delivery::deliver_due(&db, &mailer, OffsetDateTime::now_utc()).await?;
                telemetry.deliveries(r.sent, r.retrying + r.failed);
                Ok(if r == DeliveryReport::default() {
                    String::new()
                } else {
                    r.to_string()
                })
            }
        },
    )?;
    sched
        .add(deadlines)
        .await
        .context("adding the deadline sweep")?;
    sched.add(outbox).await.context("adding outbox delivery")?;
    sched.start().await.context("starting the scheduler")?;
    Ok(Scheduler { sched, passes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_is_logged_once_when_it_starts_and_once_when_it_ends() {
        let log = OutageLog::default();
        let e = anyhow::anyhow!("database unreachable");
        assert!(!log.succeeded("deadlines"));
        assert!(log.failed("deadlines", &e));
        assert!(!log.failed("deadlines", &e));
        assert!(!log.failed("deadlines", &e));
        assert!(log.succeeded("deadlines"));
        assert!(!log.succeeded("deadlines"));
        assert!(log.failed("deadlines", &e));
    }
}
