//! Typed settings from the environment (and an optional `.env`). Every setting and its
//! default is documented in `.env.example`.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::domain::deadline::OnBreach;
use crate::domain::validate::EmailAddress;

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub bind_addr: SocketAddr,
    pub public_base_url: String,
    pub data_dir: PathBuf,
    /// Largest accepted article request body, in bytes.
    pub max_article_bytes: usize,
    /// Time from receipt to the decision deadline.
    pub deadline: std::time::Duration,
    /// Staff addresses told of every new complaint.
    pub staff_notify: Vec<EmailAddress>,
    /// Public submissions per client address per minute; 0 turns the limit off.
    pub intake_rate_limit: u32,
    /// Reminders to staff, as times after receipt.
    pub reminders: Vec<std::time::Duration>,
    /// Who is told when a deadline passes without a decision.
    pub escalation_to: Vec<EmailAddress>,
    pub on_breach: OnBreach,
    /// Six-field cron (seconds first) that wakes the sweeps; None turns the scheduler off.
    pub scheduler_cron: Option<String>,
    /// `smtp://`, `smtps://` or `file://DIR`.
    pub mail_url: String,
    pub mail_from: EmailAddress,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind_addr", &self.bind_addr)
            .field("public_base_url", &self.public_base_url)
            .field("data_dir", &self.data_dir)
            .field("max_article_bytes", &self.max_article_bytes)
            .field("deadline", &self.deadline)
            .field("staff_notify", &self.staff_notify)
            .field("intake_rate_limit", &self.intake_rate_limit)
            .field("reminders", &self.reminders)
            .field("escalation_to", &self.escalation_to)
            .field("on_breach", &self.on_breach)
            .field("scheduler_cron", &self.scheduler_cron)
            .field("mail_url", &redact_url(&self.mail_url))
            .field("mail_from", &self.mail_from)
            .finish()
    }
}

/// The URL with any password replaced, for logs.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => raw.to_string(),
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Parses a byte size such as `4MB`, `512KB` or `1048576`.
pub fn parse_bytes(raw: &str) -> Result<usize> {
    let s = raw.trim().to_ascii_uppercase();
    let (num, mult) = if let Some(n) = s.strip_suffix("GB") {
        (n, 1 << 30)
    } else if let Some(n) = s.strip_suffix("MB") {
        (n, 1 << 20)
    } else if let Some(n) = s.strip_suffix("KB") {
        (n, 1 << 10)
    } else if let Some(n) = s.strip_suffix('B') {
        (n, 1)
    } else {
        (s.as_str(), 1)
    };
    let n: usize = num
        .trim()
        .parse()
        .with_context(|| format!("not a byte size: {raw:?}"))?;
    n.checked_mul(mult)
        .with_context(|| format!("byte size too large: {raw:?}"))
}

/// A comma-separated list of email addresses.
pub fn parse_addresses(raw: &str) -> Result<Vec<EmailAddress>> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| EmailAddress::parse(s).map_err(|e| anyhow::anyhow!("{s}: {e}")))
        .collect()
}

impl Config {
    /// Reads `.env` (if present) and the environment.
    pub fn from_env() -> Result<Self> {
        let _ = dotenvy::dotenv();
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/takedown.db?mode=rwc", data_dir.display()));
        let bind_addr: SocketAddr = var("BIND_ADDR")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .context("BIND_ADDR must be host:port, e.g. 127.0.0.1:8080")?;
        let public_base_url = var("PUBLIC_BASE_URL")
            .unwrap_or_else(|| format!("http://{bind_addr}"))
            .trim_end_matches('/')
            .to_string();
        if url::Url::parse(&public_base_url).is_err() {
            bail!("PUBLIC_BASE_URL is not a URL: {public_base_url}");
        }
        let max_article_bytes = match var("MAX_ARTICLE_BYTES") {
            Some(v) => parse_bytes(&v).context("MAX_ARTICLE_BYTES")?,
            None => 4 << 20,
        };
        let deadline = match var("DEADLINE") {
            Some(v) => humantime::parse_duration(&v).context("DEADLINE (e.g. 24h)")?,
            None => std::time::Duration::from_secs(24 * 3600),
        };
        let staff_notify = parse_addresses(
            &var("STAFF_NOTIFY").unwrap_or_else(|| "staff@localhost.localdomain".into()),
        )
        .context("STAFF_NOTIFY")?;
        let intake_rate_limit = match var("INTAKE_RATE_LIMIT") {
            Some(v) => v
                .trim()
                .parse()
                .context("INTAKE_RATE_LIMIT must be a whole number (0 turns it off)")?,
            None => 20,
        };
        let reminders = var("REMINDERS")
            .unwrap_or_else(|| "12h,20h,23h".into())
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| humantime::parse_duration(s).with_context(|| format!("REMINDERS: {s}")))
            .collect::<Result<Vec<_>>>()?;
        let escalation_to = match var("ESCALATION_TO") {
            Some(v) => parse_addresses(&v).context("ESCALATION_TO")?,
            None => staff_notify.clone(),
        };
        let on_breach = OnBreach::parse(&var("ON_BREACH").unwrap_or_else(|| "remove".into()))
            .context("ON_BREACH must be remove or escalate")?;
        let scheduler_cron = match var("SCHEDULER_CRON").as_deref().map(str::trim) {
            Some("off") => None,
            Some(c) => Some(c.to_string()),
            None => Some("0 * * * * *".to_string()),
        };
        let mail_url =
            var("MAIL_URL").unwrap_or_else(|| format!("file://{}/mail", data_dir.display()));
        let mail_from = EmailAddress::parse(
            &var("MAIL_FROM").unwrap_or_else(|| "takedown@localhost.localdomain".into()),
        )
        .map_err(|e| anyhow::anyhow!("MAIL_FROM: {e}"))?;
        Ok(Self {
            reminders,
            escalation_to,
            on_breach,
            scheduler_cron,
            mail_url,
            mail_from,
            intake_rate_limit,
            database_url,
            bind_addr,
            public_base_url,
            data_dir,
            max_article_bytes,
            deadline,
            staff_notify,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_bytes("4MB").unwrap(), 4 << 20);
        assert_eq!(parse_bytes("512kb").unwrap(), 512 << 10);
        assert_eq!(parse_bytes("100").unwrap(), 100);
        assert!(parse_bytes("lots").is_err());
    }

    #[test]
    fn debug_redacts_passwords() {
        let c = Config {
            database_url: "postgres://u:secret@db/x".into(),
            bind_addr: "127.0.0.1:1".parse().unwrap(),
            public_base_url: "http://x".into(),
            data_dir: "data".into(),
            max_article_bytes: 1,
            deadline: std::time::Duration::from_secs(1),
            staff_notify: vec![],
            intake_rate_limit: 0,
            reminders: vec![],
            escalation_to: vec![],
            on_breach: OnBreach::Remove,
            scheduler_cron: None,
            mail_url: "smtp://u:secret2@mail".into(),
            mail_from: EmailAddress::parse("a@b.example").unwrap(),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(!shown.contains("secret2"), "{shown}");
        assert!(shown.contains("***"));
    }
}
