//! The composition root: used by `main` and by every test.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::db;
use crate::services::intake_queue::IntakeQueue;
use crate::services::matching::MatchIndex;
use crate::services::site_hosts::SiteHosts;
use crate::web::limits::RateLimiter;
use crate::web::{self, AppState};

pub struct App {
    listener: TcpListener,
    /// `METRICS_BIND`'s listener, bound with the main one so a bad address fails at
    /// start.
    metrics_listener: Option<TcpListener>,
    /// `LMTP_BIND`'s listener, bound at start for the same reason.
    lmtp_listener: Option<TcpListener>,
    state: AppState,
}

impl App {
    /// Connects and migrates the database, binds the listener (port 0 picks a free
    /// port), and warms the match index.
    pub async fn build(config: Config) -> Result<Self> {
        let listener = TcpListener::bind(config.bind_addr)
            .await
            .with_context(|| format!("binding {}", config.bind_addr))?;
        Self::build_on(config, listener).await
    }

    /// As `build`, serving on a listener the caller bound (so it can know the address,
    /// say for `PUBLIC_BASE_URL`, before the app is built).
    pub async fn build_on(config: Config, listener: TcpListener) -> Result<Self> {
        let db = db::connect_with(&config.database_url, config.db_options()).await?;
        db::migrate_up(&db).await?;
        let moved = crate::services::evidence::recover(&db, &config.data_dir)
            .await
            .context("recovering staged evidence files")?;
        if moved > 0 {
            tracing::warn!(
                moved,
                "moved committed evidence files left staged by a crash into place"
            );
        }
        let stale = crate::services::reindex::stale(&db).await?;
        if stale > 0 {
            // Fingerprints from an older release would match wrongly: redo them first.
            tracing::info!(
                stale,
                "fingerprinting stored revisions again for this release"
            );
            let started = std::time::Instant::now();
            crate::services::reindex::run(&db, |_| {})
                .await
                .context("fingerprinting stored revisions again")?;
            tracing::info!(
                stale,
                seconds = started.elapsed().as_secs_f64(),
                "fingerprints up to date"
            );
        }
        let index = Arc::new(
            MatchIndex::with_snapshot(config.data_dir.join("index").join("postings.bin"))
                .common_df(config.match_common_df),
        );
        index.sync(&db).await.context("loading the match index")?;
        let mailer = Arc::new(crate::jobs::mailer(&config)?);
        let login_key = crate::services::login_guard::TokenKey::load(&db)
            .await
            .context("loading the sign-in form key")?;
        let codes = crate::services::tracking_codes::CodeKey::load(&db, &config.tracking_key_file)
            .await
            .context("loading the tracking-code key")?;
        let config = Arc::new(config);
        let state = AppState {
            mailer,
            telemetry: Arc::default(),
            intake: Arc::new(IntakeQueue::start(
                db.clone(),
                config.clone(),
                codes.clone(),
            )),
            codes,
            db,
            limiter: Arc::new(RateLimiter::new(config.intake_rate_limit)),
            site_hosts: Arc::new(SiteHosts::new(config.site_hosts.clone())),
            in_flight: Arc::new(tokio::sync::Semaphore::new(config.max_concurrent_requests)),
            login_key,
            config,
            index,
        };
        let metrics_listener = match state.config.metrics_bind {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding METRICS_BIND {addr}"))?,
            ),
            None => None,
        };
        let lmtp_listener = match state.config.lmtp_bind {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding LMTP_BIND {addr}"))?,
            ),
            None => None,
        };
        Ok(Self {
            listener,
            metrics_listener,
            lmtp_listener,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| self.state.config.bind_addr)
    }

    /// Where the LMTP listener accepts mail, when `LMTP_BIND` is set.
    pub fn lmtp_addr(&self) -> Option<SocketAddr> {
        self.lmtp_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let scheduler = match self.state.config.scheduler_cron.clone() {
            Some(cron) => Some(crate::jobs::start_scheduler(self.state.jobs(), &cron).await?),
            None => None,
        };
        let db = self.state.db.clone();
        let header_read_timeout = self.state.config.header_read_timeout;
        let shutdown = futures_util::FutureExt::shared(Box::pin(shutdown));
        let private = self.metrics_listener.map(|l| {
            let router = web::metrics::private_router(self.state.clone());
            tokio::spawn(web::serve::serve(
                l,
                router,
                header_read_timeout,
                shutdown.clone(),
            ))
        });
        let imap = self
            .state
            .config
            .imap
            .clone()
            .map(|cfg| tokio::spawn(imap_polls(cfg, self.state.clone(), shutdown.clone())));
        let lmtp = self
            .lmtp_listener
            .map(|l| tokio::spawn(lmtp(l, self.state.clone(), shutdown.clone())));
        let router = web::router(self.state);
        web::serve::serve(self.listener, router, header_read_timeout, shutdown).await;
        if let Some(p) = private {
            let _ = p.await;
        }
        if let Some(l) = lmtp {
            let _ = l.await;
        }
        if let Some(i) = imap {
            let _ = i.await;
        }
        if let Some(s) = scheduler {
            s.stop().await;
        }
        db::release_writer(&db).await;
        Ok(())
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run(self) -> Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

/// Serves LMTP: each message is received as `takedown mail receive` receives one, with
/// this instance's match index.
async fn lmtp(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send,
) {
    use crate::mail::lmtp::{self, Handler, Incoming, Settings};
    let host = url::Url::parse(&state.config.public_base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "takedown".into());
    let settings = Settings {
        host,
        max_bytes: state.config.mail_max_bytes,
        spool_dir: state.config.data_dir.join("inbound"),
    };
    let handler: Handler = Arc::new(move |m: Incoming| {
        let state = state.clone();
        Box::pin(async move {
            let inbox = crate::services::inbound::Inbox::of(
                &state.config,
                &state.codes,
                &state.index,
                &state.site_hosts,
            );
            let now = time::OffsetDateTime::now_utc();
            crate::services::inbound::deliver(
                &state.db,
                &inbox,
                m,
                state.config.mail_max_bytes,
                now,
            )
            .await
        })
    });
    tracing::info!(addr = ?listener.local_addr().ok(), "LMTP listening");
    lmtp::serve(listener, settings, handler, shutdown).await;
}

/// Polls `IMAP_URL` every `IMAP_POLL` until shutdown; instances sharing the database
/// take turns by lease.
async fn imap_polls(
    cfg: crate::config::ImapConfig,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send,
) {
    let instance = format!("{}:{}", std::process::id(), uuid::Uuid::new_v4().simple());
    tracing::info!(mailbox = %cfg.display(), every = ?cfg.poll, "polling IMAP");
    tokio::pin!(shutdown);
    loop {
        let inbox = crate::services::inbound::Inbox::of(
            &state.config,
            &state.codes,
            &state.index,
            &state.site_hosts,
        );
        let polled = crate::services::imap_poll::poll_once(
            &state.db,
            &inbox,
            &cfg,
            &instance,
            state.config.mail_max_bytes,
            state.config.mail_timeout,
        );
        tokio::select! {
            () = &mut shutdown => break,
            p = polled => match p {
                Ok(p) if !p.received.is_empty() || p.stopped.is_some() => tracing::info!(
                    received = p.received.len(),
                    stopped = ?p.stopped,
                    "IMAP poll"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "IMAP poll failed; trying again at the next"),
            },
        }
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(cfg.poll) => {}
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
