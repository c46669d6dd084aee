//! Typed settings from the environment (and an optional `.env`). Every setting and its
//! default is documented in `.env.example`.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};

use crate::domain::calendar::{Calendar, Wait, parse_dates};
use crate::domain::display_time::parse_zone;

use crate::domain::deadline::OnBreach;
use crate::domain::validate::EmailAddress;

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub bind_addr: SocketAddr,
    pub public_base_url: String,
    pub data_dir: PathBuf,
    /// The key tracking codes are sealed under (`TRACKING_KEY_FILE`); made on first
    /// start.
    pub tracking_key_file: PathBuf,
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
    /// The site's name (`SITE_NAME`): the sender's name on every email.
    pub site_name: Option<String>,
    /// Where people write to the site (`SITE_CONTACT`): every email's `Reply-To`, so
    /// "reply to this email" reaches a person.
    pub site_contact: Option<EmailAddress>,
    /// The site's privacy policy (`PRIVACY_URL`), linked from every page and email.
    pub privacy_url: Option<String>,
    /// The return path of every email (`MAIL_BOUNCE_ADDRESS`), with the outbox id
    /// added (`bounces+1234@…`) so a delivery report names the email it reports.
    pub mail_bounce_address: Option<EmailAddress>,
    /// The largest message `takedown mail receive` reads (`MAIL_MAX_BYTES`).
    pub mail_max_bytes: usize,
    /// The authserv-id of the receiving server whose `Authentication-Results` we
    /// trust (`MAIL_AUTHSERV_ID`): a DMARC pass it records confirms a notice's sender.
    pub mail_authserv_id: Option<String>,
    /// New notices by email one sender may open an hour (`MAIL_SENDER_LIMIT`); more
    /// are kept for a person, unanswered. 0: no limit.
    pub mail_sender_limit: u32,
    /// A fingerprint held by more revisions than this is common (`MATCH_COMMON_DF`):
    /// it counts towards an article another fingerprint found, but finds none of its
    /// own. 0: every fingerprint finds.
    pub match_common_df: usize,
    /// Where the LMTP listener accepts mail from the MTA (`LMTP_BIND`).
    pub lmtp_bind: Option<std::net::SocketAddr>,
    /// A hosted mailbox to poll for notices (`IMAP_URL`, `IMAP_POLL`,
    /// `IMAP_DONE_FOLDER`, `IMAP_CA_FILE`).
    pub imap: Option<ImapConfig>,
    /// Emails sent at once by one delivery pass.
    pub mail_concurrency: usize,
    /// Connect and per-command timeout for the mail relay.
    pub mail_timeout: Duration,
    /// How long a request waits for a database connection before answering 503.
    pub db_acquire_timeout: Duration,
    /// SQLite only: the largest the database file may grow to; writes past it get 507.
    pub sqlite_max_bytes: Option<u64>,
    /// Receipts per claimant address per hour; over it they wait for a digest. 0: off.
    pub receipt_rate_limit: u32,
    /// New-complaint emails to staff per client address an hour; past it they wait
    /// for a digest (0: no limit).
    pub staff_notify_rate_limit: u32,
    /// This site's hosts: infringing URLs must be on one. None: the hosts of recorded
    /// articles.
    pub site_hosts: Option<Vec<String>>,
    /// Reverse proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Longest a request may take, body included.
    pub request_timeout: Duration,
    /// Longest a form submission with evidence files may take.
    pub upload_timeout: Duration,
    /// Longest a client may take to send its request headers.
    pub header_read_timeout: Duration,
    /// Requests served at once; more are answered 503 at once.
    pub max_concurrent_requests: usize,
    /// The zone times are shown to people in.
    pub display_tz: chrono_tz::Tz,
    /// How long a complaint waits for the claimant's answer before it closes.
    pub info_wait: Duration,
    /// How long after a counter-notice the content returns, unless legal action.
    pub counter_notice_wait: Wait,
    pub holidays: BTreeSet<time::Date>,
    pub workdays: BTreeSet<time::Date>,
    /// How long after a rejection the claimant may appeal.
    pub appeal_window: Duration,
    /// The bearer a Prometheus scraper sends to `/metrics` (`METRICS_TOKEN`).
    pub metrics_token: Option<String>,
    /// A second listener serving only `/metrics`, without a token (a private
    /// interface or loopback, for a scraper on the same network).
    pub metrics_bind: Option<std::net::SocketAddr>,
    /// The language of the emails to staff and the escalation address (`STAFF_LANGUAGE`).
    pub staff_language: crate::domain::complaint::Language,
    /// Where removals and restorations are POSTed, signed with `webhook_secret`.
    pub cms_webhook_url: Option<String>,
    pub webhook_secret: Option<String>,
    /// Serve the transparency report at `/transparency` to anyone (`PUBLIC_REPORT`).
    pub public_report: bool,
    /// Let status callbacks reach loopback and private addresses
    /// (`CALLBACK_ALLOW_PRIVATE`): a test machine or an intranet.
    pub callback_allow_private: bool,
    /// How long after a complaint closes its personal data is kept (`RETENTION`).
    pub retention: Duration,
    /// Licence reminders, who gets them, what a licence's end does, and when a
    /// republished text counts as altered.
    pub licences: crate::domain::licence::LicenceSettings,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind_addr", &self.bind_addr)
            .field("public_base_url", &self.public_base_url)
            .field("data_dir", &self.data_dir)
            .field("tracking_key_file", &self.tracking_key_file)
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
            .field("site_name", &self.site_name)
            .field("site_contact", &self.site_contact)
            .field("privacy_url", &self.privacy_url)
            .field("mail_concurrency", &self.mail_concurrency)
            .field("mail_timeout", &self.mail_timeout)
            .field("db_acquire_timeout", &self.db_acquire_timeout)
            .field("sqlite_max_bytes", &self.sqlite_max_bytes)
            .field("receipt_rate_limit", &self.receipt_rate_limit)
            .field("mail_authserv_id", &self.mail_authserv_id)
            .field("mail_sender_limit", &self.mail_sender_limit)
            .field("match_common_df", &self.match_common_df)
            .field("lmtp_bind", &self.lmtp_bind)
            .field("imap", &self.imap.as_ref().map(|i| i.display()))
            .field("staff_notify_rate_limit", &self.staff_notify_rate_limit)
            .field("site_hosts", &self.site_hosts)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("request_timeout", &self.request_timeout)
            .field("upload_timeout", &self.upload_timeout)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field("display_tz", &self.display_tz)
            .field("info_wait", &self.info_wait)
            .field("counter_notice_wait", &self.counter_notice_wait)
            .field("holidays", &self.holidays.len())
            .field("workdays", &self.workdays.len())
            .field("appeal_window", &self.appeal_window)
            .field("staff_language", &self.staff_language)
            .field("metrics_token", &self.metrics_token.is_some())
            .field("metrics_bind", &self.metrics_bind)
            .field("cms_webhook_url", &self.cms_webhook_url)
            .field("webhook_signed", &self.webhook_secret.is_some())
            .field("licences", &self.licences)
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

/// A true-or-false setting, when it is set.
fn flag(name: &str) -> Result<Option<bool>> {
    let Some(v) = var(name) else {
        return Ok(None);
    };
    match v.trim() {
        "true" | "1" | "yes" => Ok(Some(true)),
        "false" | "0" | "no" => Ok(Some(false)),
        _ => bail!("{name} must be true or false"),
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
    /// Every setting at its documented default, keeping data under `data_dir`.
    pub fn defaults(data_dir: PathBuf) -> Self {
        let bind_addr = SocketAddr::from(([127, 0, 0, 1], 8080));
        let staff = vec![EmailAddress::local("staff")];
        Self {
            database_url: format!("sqlite://{}/takedown.db?mode=rwc", data_dir.display()),
            bind_addr,
            public_base_url: format!("http://{bind_addr}"),
            max_article_bytes: 4 << 20,
            deadline: Duration::from_secs(24 * 3600),
            escalation_to: staff.clone(),
            staff_notify: staff,
            intake_rate_limit: 20,
            reminders: [12, 20, 23].map(|h| Duration::from_secs(h * 3600)).to_vec(),
            on_breach: OnBreach::Remove,
            scheduler_cron: Some("0 * * * * *".into()),
            mail_url: format!("file://{}/mail", data_dir.display()),
            mail_from: EmailAddress::local("takedown"),
            mail_bounce_address: None,
            mail_max_bytes: 25 << 20,
            mail_authserv_id: None,
            mail_sender_limit: 10,
            match_common_df: crate::services::matching::DEFAULT_COMMON_DF,
            lmtp_bind: None,
            imap: None,
            site_name: None,
            site_contact: None,
            privacy_url: None,
            mail_concurrency: 4,
            mail_timeout: Duration::from_secs(20),
            db_acquire_timeout: Duration::from_secs(5),
            sqlite_max_bytes: None,
            receipt_rate_limit: 30,
            staff_notify_rate_limit: 60,
            site_hosts: None,
            trusted_proxies: Vec::new(),
            request_timeout: Duration::from_secs(30),
            upload_timeout: Duration::from_secs(300),
            header_read_timeout: Duration::from_secs(10),
            max_concurrent_requests: 512,
            display_tz: crate::domain::display_time::DEFAULT_ZONE,
            info_wait: Duration::from_secs(14 * 86_400),
            counter_notice_wait: Wait::BusinessDays(10),
            holidays: BTreeSet::new(),
            workdays: BTreeSet::new(),
            appeal_window: Duration::from_secs(183 * 86_400),
            staff_language: crate::domain::complaint::Language::En,
            metrics_token: None,
            metrics_bind: None,
            cms_webhook_url: None,
            webhook_secret: None,
            public_report: false,
            callback_allow_private: false,
            retention: Duration::from_secs(3 * 365 * 86_400),
            licences: Default::default(),
            tracking_key_file: data_dir.join("tracking-code.key"),
            data_dir,
        }
    }

    /// Reads `.env` (if present) and the environment over the defaults.
    pub fn from_env() -> Result<Self> {
        let _ = dotenvy::dotenv();
        let mut c = Self::defaults(PathBuf::from(
            var("DATA_DIR").unwrap_or_else(|| "data".into()),
        ));
        c.site_from_env()?;
        c.clock_from_env()?;
        c.licences_from_env()?;
        c.mail_from_env()?;
        c.limits_from_env()?;
        Ok(c)
    }

    /// Where the service lives and what it serves.
    fn site_from_env(&mut self) -> Result<()> {
        if let Some(v) = var("DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = var("TRACKING_KEY_FILE") {
            self.tracking_key_file = PathBuf::from(v);
        }
        if let Some(v) = var("BIND_ADDR") {
            self.bind_addr = v
                .parse()
                .context("BIND_ADDR must be host:port, e.g. 127.0.0.1:8080")?;
            self.public_base_url = format!("http://{}", self.bind_addr);
        }
        if let Some(v) = var("PUBLIC_BASE_URL") {
            self.public_base_url = v.trim_end_matches('/').to_string();
        }
        if url::Url::parse(&self.public_base_url).is_err() {
            bail!("PUBLIC_BASE_URL is not a URL: {}", self.public_base_url);
        }
        if let Some(v) = var("MAX_ARTICLE_BYTES") {
            self.max_article_bytes = parse_bytes(&v).context("MAX_ARTICLE_BYTES")?;
        }
        if let Some(v) = var("SITE_HOSTS") {
            let hosts: Vec<String> = v
                .split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect();
            if let Some(bad) = hosts
                .iter()
                .find(|h| url::Host::parse(h).is_err() || h.contains(['/', ':']))
            {
                bail!("SITE_HOSTS: {bad:?} is not a host name (e.g. news.example)");
            }
            self.site_hosts = Some(hosts);
        }
        if let Some(v) = var("TRUSTED_PROXIES") {
            self.trusted_proxies =
                parse_trusted(&v).map_err(|e| anyhow::anyhow!("TRUSTED_PROXIES: {e}"))?;
        }
        if let Some(v) = var("DISPLAY_TZ") {
            self.display_tz = parse_zone(&v).map_err(|e| anyhow::anyhow!("DISPLAY_TZ: {e}"))?;
        }
        if let Some(v) = flag("PUBLIC_REPORT")? {
            self.public_report = v;
        }
        if let Some(v) = flag("CALLBACK_ALLOW_PRIVATE")? {
            self.callback_allow_private = v;
        }
        Ok(())
    }

    /// Licence reminders and what a licence's end does.
    fn licences_from_env(&mut self) -> Result<()> {
        use crate::domain::licence::{OnLicenceExpiry, parse_offsets};
        let l = &mut self.licences;
        if let Some(v) = var("LICENCE_REMINDERS") {
            l.reminders =
                parse_offsets(&v).map_err(|e| anyhow::anyhow!("LICENCE_REMINDERS: {e}"))?;
        }
        if let Some(v) = var("LICENCE_NOTIFY") {
            l.notify = Some(parse_addresses(&v).context("LICENCE_NOTIFY")?);
        }
        if let Some(v) = var("ON_LICENCE_EXPIRY") {
            l.on_expiry =
                OnLicenceExpiry::parse(&v).context("ON_LICENCE_EXPIRY must be flag or remove")?;
        }
        if let Some(v) = var("ALTERATION_THRESHOLD") {
            let t: f64 = v
                .trim()
                .parse()
                .ok()
                .filter(|t: &f64| (0.0..=1.0).contains(t))
                .context("ALTERATION_THRESHOLD must be a number from 0 to 1, e.g. 0.9")?;
            l.alteration_threshold = t;
        }
        Ok(())
    }

    /// The deadline, its reminders and breaches, and the waits and calendars around it.
    fn clock_from_env(&mut self) -> Result<()> {
        if let Some(v) = var("DEADLINE") {
            self.deadline = humantime::parse_duration(&v).context("DEADLINE (e.g. 24h)")?;
        }
        if let Some(v) = var("REMINDERS") {
            self.reminders = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| humantime::parse_duration(s).with_context(|| format!("REMINDERS: {s}")))
                .collect::<Result<Vec<_>>>()?;
        }
        if let Some(v) = var("METRICS_TOKEN") {
            if v.trim().len() < 16 {
                anyhow::bail!("METRICS_TOKEN must be at least 16 characters");
            }
            self.metrics_token = Some(v.trim().to_string());
        }
        if let Some(v) = var("METRICS_BIND") {
            self.metrics_bind = Some(
                v.trim()
                    .parse()
                    .context("METRICS_BIND must be an address and port, e.g. 10.0.0.5:9464")?,
            );
        }
        if let Some(v) = var("STAFF_LANGUAGE") {
            self.staff_language = crate::domain::complaint::Language::parse(&v)
                .context("STAFF_LANGUAGE must be zh or en")?;
        }
        if let Some(v) = var("ON_BREACH") {
            self.on_breach = OnBreach::parse(&v).context("ON_BREACH must be remove or escalate")?;
        }
        if let Some(v) = var("SCHEDULER_CRON") {
            self.scheduler_cron = (v.trim() != "off").then(|| v.trim().to_string());
        }
        for (name, slot) in [
            ("INFO_WAIT", &mut self.info_wait),
            ("APPEAL_WINDOW", &mut self.appeal_window),
        ] {
            if let Some(v) = var(name) {
                *slot =
                    humantime::parse_duration(&v).with_context(|| format!("{name} (e.g. 14d)"))?;
            }
        }
        if let Some(v) = var("COUNTER_NOTICE_WAIT") {
            self.counter_notice_wait =
                Wait::parse(&v).map_err(|e| anyhow::anyhow!("COUNTER_NOTICE_WAIT: {e}"))?;
        }
        if let Some(v) = var("HOLIDAYS") {
            self.holidays = parse_dates(&v).map_err(|e| anyhow::anyhow!("HOLIDAYS: {e}"))?;
        }
        if let Some(v) = var("WORKDAYS") {
            self.workdays = parse_dates(&v).map_err(|e| anyhow::anyhow!("WORKDAYS: {e}"))?;
        }
        if let Some(v) = var("RETENTION") {
            self.retention = humantime::parse_duration(&v).context("RETENTION (e.g. 3years)")?;
            if self.retention < self.appeal_window {
                bail!(
                    "RETENTION must be at least APPEAL_WINDOW: an appeal needs the claimant's address"
                );
            }
        }
        Ok(())
    }

    /// Who is told, how email leaves, and the CMS webhook.
    fn mail_from_env(&mut self) -> Result<()> {
        if let Some(v) = var("STAFF_NOTIFY") {
            self.staff_notify = parse_addresses(&v).context("STAFF_NOTIFY")?;
            self.escalation_to = self.staff_notify.clone();
        }
        if let Some(v) = var("ESCALATION_TO") {
            self.escalation_to = parse_addresses(&v).context("ESCALATION_TO")?;
        }
        if let Some(v) = var("MAIL_URL") {
            self.mail_url = v;
        }
        if let Some(v) = var("MAIL_FROM") {
            self.mail_from =
                EmailAddress::parse(&v).map_err(|e| anyhow::anyhow!("MAIL_FROM: {e}"))?;
        }
        if let Some(v) = var("SITE_NAME") {
            let name = crate::domain::validate::line(&v, 100)
                .map_err(|e| anyhow::anyhow!("SITE_NAME: {e}"))?;
            self.site_name = Some(name);
        }
        if let Some(v) = var("MAIL_BOUNCE_ADDRESS") {
            let a =
                EmailAddress::parse(&v).map_err(|e| anyhow::anyhow!("MAIL_BOUNCE_ADDRESS: {e}"))?;
            if a.as_str().split('@').next().unwrap_or("").contains('+') {
                bail!("MAIL_BOUNCE_ADDRESS must not contain '+': the outbox id is added after one");
            }
            self.mail_bounce_address = Some(a);
        }
        if let Some(v) = var("MAIL_MAX_BYTES") {
            self.mail_max_bytes = v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1024)
                .ok_or_else(|| {
                    anyhow::anyhow!("MAIL_MAX_BYTES must be a whole number of bytes, at least 1024")
                })?;
        }
        if let Some(v) = var("SITE_CONTACT") {
            self.site_contact =
                Some(EmailAddress::parse(&v).map_err(|e| anyhow::anyhow!("SITE_CONTACT: {e}"))?);
        }
        if let Some(v) = var("PRIVACY_URL") {
            let url = crate::domain::validate::HttpUrl::parse(&v)
                .map_err(|e| anyhow::anyhow!("PRIVACY_URL: {e}"))?;
            self.privacy_url = Some(url.as_str().to_string());
        }
        if let Some(v) = var("MAIL_CONCURRENCY") {
            self.mail_concurrency = v
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .context("MAIL_CONCURRENCY must be a whole number from 1 to 64")?;
        }
        if let Some(v) = var("MAIL_TIMEOUT") {
            self.mail_timeout = humantime::parse_duration(&v).context("MAIL_TIMEOUT (e.g. 20s)")?;
        }
        if let Some(v) = var("MAIL_AUTHSERV_ID") {
            let id = v.trim();
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_graphic() && b != b';') {
                bail!(
                    "MAIL_AUTHSERV_ID must be the receiving server's authserv-id (e.g. mx.news.example)"
                );
            }
            self.mail_authserv_id = Some(id.to_string());
        }
        if let Some(v) = var("MAIL_SENDER_LIMIT") {
            self.mail_sender_limit = v
                .trim()
                .parse()
                .context("MAIL_SENDER_LIMIT must be a whole number (0 turns it off)")?;
        }
        if let Some(v) = var("MATCH_COMMON_DF") {
            self.match_common_df = v
                .trim()
                .parse()
                .context("MATCH_COMMON_DF must be a whole number of revisions (0: no limit)")?;
        }
        if let Some(v) = var("LMTP_BIND") {
            self.lmtp_bind = Some(
                v.trim()
                    .parse()
                    .context("LMTP_BIND must be an address and port (e.g. 127.0.0.1:2424)")?,
            );
        }
        if let Some(v) = var("IMAP_URL") {
            let mut imap = ImapConfig::parse(&v)?;
            if let Some(p) = var("IMAP_POLL") {
                imap.poll = humantime::parse_duration(&p)
                    .ok()
                    .filter(|d| *d >= Duration::from_secs(1))
                    .ok_or_else(|| {
                        anyhow::anyhow!("IMAP_POLL must be a duration of at least 1s (e.g. 60s)")
                    })?;
            }
            imap.done_folder = var("IMAP_DONE_FOLDER")
                .map(|f| f.trim().to_string())
                .filter(|f| !f.is_empty());
            imap.ca_file = var("IMAP_CA_FILE").map(PathBuf::from);
            self.imap = Some(imap);
        }
        if let Some(v) = var("RECEIPT_RATE_LIMIT") {
            self.receipt_rate_limit = v
                .trim()
                .parse()
                .context("RECEIPT_RATE_LIMIT must be a whole number (0 turns it off)")?;
        }
        if let Some(v) = var("STAFF_NOTIFY_RATE_LIMIT") {
            self.staff_notify_rate_limit = v
                .trim()
                .parse()
                .context("STAFF_NOTIFY_RATE_LIMIT must be a whole number (0 turns it off)")?;
        }
        if let Some(v) = var("CMS_WEBHOOK_URL") {
            match url::Url::parse(v.trim()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {
                    self.cms_webhook_url = Some(v.trim().to_string())
                }
                _ => bail!("CMS_WEBHOOK_URL must be an http:// or https:// URL"),
            }
        }
        self.webhook_secret = var("WEBHOOK_SECRET");
        if self.cms_webhook_url.is_some()
            && self.webhook_secret.as_deref().is_none_or(|s| s.len() < 16)
        {
            bail!("CMS_WEBHOOK_URL is set: WEBHOOK_SECRET must be set too, at least 16 characters");
        }
        Ok(())
    }

    /// Throttles, timeouts and storage limits.
    fn limits_from_env(&mut self) -> Result<()> {
        if let Some(v) = var("INTAKE_RATE_LIMIT") {
            self.intake_rate_limit = v
                .trim()
                .parse()
                .context("INTAKE_RATE_LIMIT must be a whole number (0 turns it off)")?;
        }
        if let Some(v) = var("DB_ACQUIRE_TIMEOUT") {
            self.db_acquire_timeout =
                humantime::parse_duration(&v).context("DB_ACQUIRE_TIMEOUT (e.g. 5s)")?;
        }
        for (name, slot) in [
            ("REQUEST_TIMEOUT", &mut self.request_timeout),
            ("UPLOAD_TIMEOUT", &mut self.upload_timeout),
            ("HEADER_READ_TIMEOUT", &mut self.header_read_timeout),
        ] {
            if let Some(v) = var(name) {
                *slot =
                    humantime::parse_duration(&v).with_context(|| format!("{name} (e.g. 30s)"))?;
            }
        }
        if let Some(v) = var("MAX_CONCURRENT_REQUESTS") {
            self.max_concurrent_requests = v
                .trim()
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .context("MAX_CONCURRENT_REQUESTS must be a whole number above 0")?;
        }
        if let Some(v) = var("SQLITE_MAX_SIZE") {
            self.sqlite_max_bytes =
                Some(parse_bytes(&v).context("SQLITE_MAX_SIZE (e.g. 2GB)")? as u64);
        }
        Ok(())
    }

    /// The working calendar business-day waits count on.
    pub fn calendar(&self) -> Calendar {
        Calendar {
            zone: self.display_tz,
            holidays: self.holidays.clone(),
            workdays: self.workdays.clone(),
        }
    }

    pub fn db_options(&self) -> crate::db::DbOptions {
        crate::db::DbOptions {
            acquire_timeout: self.db_acquire_timeout,
            sqlite_max_bytes: self.sqlite_max_bytes,
        }
    }
}

/// `TRUSTED_PROXIES`: addresses and CIDRs, comma-separated.
pub fn parse_trusted(raw: &str) -> Result<Vec<ipnet::IpNet>, String> {
    use ipnet::IpNet;
    use std::net::IpAddr;
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{s:?} is not an address or CIDR (e.g. 10.0.0.0/8)"))
        })
        .collect()
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
    fn defaults_are_the_documented_ones() {
        let c = Config::defaults("data".into());
        assert_eq!(c.database_url, "sqlite://data/takedown.db?mode=rwc");
        assert_eq!(c.mail_url, "file://data/mail");
        assert_eq!(c.mail_from.as_str(), "takedown@localhost.localdomain");
        assert_eq!(c.staff_notify.len(), 1);
        assert_eq!(c.reminders.len(), 3);
        assert_eq!(c.deadline, Duration::from_secs(86_400));
    }

    #[test]
    fn debug_redacts_passwords() {
        let mut c = Config::defaults("data".into());
        c.database_url = "postgres://u:secret@db/x".into();
        c.mail_url = "smtp://u:secret2@mail".into();
        let shown = format!("{c:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(!shown.contains("secret2"), "{shown}");
        assert!(shown.contains("***"));
    }
}

/// A hosted mailbox to poll: `imaps://user:password@host[:port]/MAILBOX`, or plain
/// `imap://` to this machine only (a password never crosses a network in clear).
#[derive(Clone, PartialEq, Eq)]
pub struct ImapConfig {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    pub mailbox: String,
    pub poll: Duration,
    /// Where a stored message is moved; without one it is flagged `\Seen` and
    /// `$TakedownStored` where it is.
    pub done_folder: Option<String>,
    /// A CA certificate (PEM) to trust beside the public roots, for a private server.
    pub ca_file: Option<PathBuf>,
}

impl ImapConfig {
    pub fn parse(raw: &str) -> Result<Self> {
        let u = url::Url::parse(raw.trim()).map_err(|e| {
            anyhow::anyhow!("IMAP_URL is not a URL ({e}): imaps://user:password@host/INBOX")
        })?;
        let tls = match u.scheme() {
            "imaps" => true,
            "imap" => false,
            _ => bail!("IMAP_URL must start with imaps:// (or imap:// to this machine)"),
        };
        let host = u
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| anyhow::anyhow!("IMAP_URL must name a host"))?
            .to_string();
        if !tls && !matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]") {
            bail!("IMAP_URL: plain imap:// only to this machine; use imaps:// for {host}");
        }
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let user = decode(u.username());
        let password = u.password().map(decode).unwrap_or_default();
        if user.is_empty() || password.is_empty() {
            bail!("IMAP_URL must carry the user and password: imaps://user:password@host/INBOX");
        }
        let mailbox = decode(u.path().trim_start_matches('/'));
        Ok(Self {
            tls,
            port: u.port().unwrap_or(if tls { 993 } else { 143 }),
            host,
            user,
            password,
            mailbox: if mailbox.is_empty() {
                "INBOX".into()
            } else {
                mailbox
            },
            poll: Duration::from_secs(60),
            done_folder: None,
            ca_file: None,
        })
    }

    /// The mailbox without its password: how it is named in logs and in the database.
    pub fn display(&self) -> String {
        let scheme = if self.tls { "imaps" } else { "imap" };
        format!(
            "{scheme}://{}@{}:{}/{}",
            self.user, self.host, self.port, self.mailbox
        )
    }
}
