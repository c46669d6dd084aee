//! `takedown mail receive`: one RFC 5322 message on stdin, as an MTA's `pipe` hands it
//! over (Postfix `master.cf`, procmail, fetchmail). It prints one JSON line saying what
//! was made of it and exits as sysexits(3) says, so the MTA knows whether to try again.

use std::io::Read;
use std::process::ExitCode;

use clap::Subcommand;
use time::OffsetDateTime;

use crate::config::Config;
use crate::services::inbound;

/// Stored (or already stored): the MTA may forget the message.
const EX_OK: u8 = 0;
/// Not stored now (database away, disk full, configuration unreadable): the MTA keeps
/// the message and tries again.
const EX_TEMPFAIL: u8 = 75;
/// Asked to do what the configuration does not allow (no IMAP_URL).
const EX_USAGE: u8 = 64;

#[derive(Subcommand)]
pub enum MailCommand {
    /// Read one message on stdin and keep it; a delivery report marks the email it
    /// reports as bounced. Prints {"outcome": …}; exits 0 when stored, 75 to be
    /// tried again.
    Receive {
        /// The envelope recipient the MTA delivered to (Postfix `${recipient}`): a
        /// VERP return path names the email that bounced.
        #[arg(long)]
        recipient: Option<String>,
    },
    /// Poll IMAP_URL once, as the service does every IMAP_POLL: each new message is
    /// received and then marked on the server. Prints {"received": N, …}; exits 75
    /// when the mailbox or the database could not be reached.
    Poll,
}

pub async fn run(config: anyhow::Result<Config>, command: MailCommand) -> ExitCode {
    let config = match config {
        Ok(c) => c,
        Err(e) => return tempfail(&format!("configuration: {e:#}")),
    };
    let recipient = match command {
        MailCommand::Receive { recipient } => recipient,
        MailCommand::Poll => return poll(config).await,
    };
    let mut raw = Vec::new();
    let limit = config.mail_max_bytes as u64;
    if let Err(e) = std::io::stdin().take(limit + 1).read_to_end(&mut raw) {
        return tempfail(&format!("reading the message: {e}"));
    }
    let parts = match Parts::load(&config).await {
        Ok(p) => p,
        Err(why) => return tempfail(&why),
    };
    let (db, inbox) = (&parts.db, parts.inbox(&config));
    let now = OffsetDateTime::now_utc();
    let received = if raw.len() as u64 > limit {
        // Kept whole, streamed to disk; only its headers are read.
        inbound::receive_oversize(
            db,
            &inbox,
            raw,
            Box::new(std::io::stdin()),
            config.mail_max_bytes,
            now,
        )
        .await
    } else {
        inbound::receive(db, &inbox, &raw, recipient.as_deref(), now).await
    };
    match received {
        Ok(r) => {
            println!("{}", serde_json::to_string(&r).unwrap_or_default());
            ExitCode::from(EX_OK)
        }
        Err(e) => tempfail(&e.to_string()),
    }
}

/// What receiving needs beyond the configuration, as the service has it: the database,
/// the tracking-code key (a reply that answers a question sends the desk its email,
/// with the status link), the match index (a new notice is matched against the
/// registry as a form's original text is) and the site's hosts.
struct Parts {
    db: sea_orm::DatabaseConnection,
    codes: crate::services::tracking_codes::CodeKey,
    index: crate::services::matching::MatchIndex,
    hosts: crate::services::site_hosts::SiteHosts,
}

impl Parts {
    /// Loads them; the error says what could not be reached, for a tempfail.
    async fn load(config: &Config) -> Result<Self, String> {
        let db = super::connect(config)
            .await
            .map_err(|e| format!("database: {e:#}"))?;
        let codes = crate::services::tracking_codes::CodeKey::load(&db, &config.tracking_key_file)
            .await
            .map_err(|e| format!("tracking-code key: {e:#}"))?;
        let index = crate::services::matching::MatchIndex::with_snapshot(
            config.data_dir.join("index").join("postings.bin"),
        )
        .common_df(config.match_common_df);
        index
            .sync(&db)
            .await
            .map_err(|e| format!("match index: {e:#}"))?;
        let hosts = crate::services::site_hosts::SiteHosts::new(config.site_hosts.clone());
        Ok(Self {
            db,
            codes,
            index,
            hosts,
        })
    }

    fn inbox<'a>(&'a self, config: &'a Config) -> inbound::Inbox<'a> {
        inbound::Inbox::of(config, &self.codes, &self.index, &self.hosts)
    }
}

/// One IMAP poll, with the same match index and settings as the service.
async fn poll(config: Config) -> ExitCode {
    let Some(imap) = config.imap.clone() else {
        eprintln!("error: IMAP_URL is not set");
        return ExitCode::from(EX_USAGE);
    };
    let parts = match Parts::load(&config).await {
        Ok(p) => p,
        Err(why) => return tempfail(&why),
    };
    let (db, inbox) = (&parts.db, parts.inbox(&config));
    let instance = format!("cli:{}", std::process::id());
    match crate::services::imap_poll::poll_once(
        db,
        &inbox,
        &imap,
        &instance,
        config.mail_max_bytes,
        config.mail_timeout,
    )
    .await
    {
        Ok(p) => {
            let outcomes: Vec<&str> = p.received.iter().map(|r| r.outcome).collect();
            println!(
                "{}",
                serde_json::json!({"received": p.received.len(), "outcomes": outcomes, "skipped": p.skipped, "stopped": p.stopped})
            );
            if p.stopped.is_some() {
                ExitCode::from(EX_TEMPFAIL)
            } else {
                ExitCode::from(EX_OK)
            }
        }
        Err(e) => tempfail(&e.to_string()),
    }
}

fn tempfail(why: &str) -> ExitCode {
    println!(
        "{}",
        serde_json::json!({"outcome": "tempfail", "reason": why})
    );
    eprintln!("error: {why}");
    ExitCode::from(EX_TEMPFAIL)
}
