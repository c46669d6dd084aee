//! Delivering the outbox: claim due rows with a lease, send, record the result.
//!
//! At-least-once with a stable Message-ID: a row is claimed (lease written and
//! committed) before it is sent, and marked sent after the server accepted it. A crash
//! in between lets the lease expire and the message go again, with the same
//! Message-ID; nothing else sends twice. Temporary failures retry with backoff and
//! jitter for as long as it takes; permanent ones (5xx) are marked failed after a few
//! tries and kept, to be listed and retried by an admin.

use crate::services::confirmation::erase_secrets;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::{StreamExt, stream};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::deadline::backoff;
use crate::domain::validate::{EmailAddress, truncate_micros};
use crate::entities::outbox;
use crate::mail::smtp::{RelayError, SmtpPool};
use crate::mail::webhook::WebhookSender;

/// Rows claimed per round.
const BATCH: u64 = 50;
/// The shortest time a claimed row is reserved for the instance sending it.
const MIN_LEASE: Duration = Duration::from_secs(300);
/// SMTP exchanges in one send, a failed pooled attempt included (connect, greeting,
/// STARTTLS, AUTH, MAIL, RCPT, DATA, body, twice): each may take up to the timeout.
const EXCHANGES_PER_SEND: u32 = 12;
/// Attempts (of any kind) after which a permanent refusal marks a message failed.
pub const MAX_ATTEMPTS_WHEN_REFUSED: i32 = 3;

pub enum Transport {
    Smtp(SmtpPool),
    /// One `.eml` file per message.
    Dir(PathBuf),
}

/// How mail is sent: where, from whom, how many at once, and how long to wait.
#[derive(Debug, Clone)]
pub struct MailSettings<'a> {
    pub url: &'a str,
    pub from: &'a EmailAddress,
    pub concurrency: usize,
    /// Connect and per-command timeout.
    pub timeout: Duration,
    /// Signs CMS webhooks delivered from the outbox.
    pub webhook_secret: Option<&'a str>,
    /// The sender's name beside `from`.
    pub from_name: Option<&'a str>,
    /// Every message's `Reply-To`.
    pub reply_to: Option<&'a EmailAddress>,
    /// Whether status callbacks may reach loopback and private addresses.
    pub callbacks_to_private: bool,
    /// The return path, to which each email's id is added (VERP).
    pub bounce_address: Option<&'a EmailAddress>,
}

impl<'a> MailSettings<'a> {
    /// `url` and `from` with the documented defaults for the rest.
    pub fn new(url: &'a str, from: &'a EmailAddress) -> Self {
        Self {
            url,
            from,
            concurrency: 4,
            timeout: Duration::from_secs(20),
            webhook_secret: None,
            from_name: None,
            reply_to: None,
            callbacks_to_private: false,
            bounce_address: None,
        }
    }
}

/// Where mail goes and from whom.
pub struct Mailer {
    transport: Transport,
    /// `MAIL_BOUNCE_ADDRESS`: each email's return path is it with `+<outbox id>`.
    bounce_address: Option<String>,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    concurrency: usize,
    /// The longest one send may take before it is abandoned as a temporary failure.
    send_limit: Duration,
    plaintext: bool,
    webhook: WebhookSender,
    /// The last relay probe and when it ran: probes within `PROBE_TTL` share it.
    probe: tokio::sync::Mutex<Option<(std::time::Instant, Result<(), String>)>>,
}

/// How long one relay probe answers for: a burst of `/readyz` opens one SMTP session.
pub const PROBE_TTL: Duration = Duration::from_secs(10);

/// Why a send failed.
#[derive(Debug)]
pub enum SendError {
    Temporary(String),
    Permanent(String),
}

/// `MAIL_URL` as lettre should read it: `smtp://` requires STARTTLS unless `tls=none`
/// is given explicitly. Returns the URL and whether mail would travel in plain text.
fn smtp_url(raw: &str) -> anyhow::Result<(String, bool)> {
    let mut url = url::Url::parse(raw).map_err(|e| anyhow::anyhow!("MAIL_URL: {e}"))?;
    let tls: Option<String> = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let others: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "tls")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let (tls, plaintext) = match (url.scheme(), tls.as_deref()) {
        ("smtps", None | Some("required")) => (None, false),
        ("smtp", None | Some("required")) => (Some("required"), false),
        ("smtp", Some("none")) => (None, true),
        (scheme, Some(t)) => anyhow::bail!(
            "MAIL_URL: tls={t} is not understood for {scheme}:// (use tls=required, the default, or tls=none for plain text)"
        ),
        (scheme, None) => anyhow::bail!("MAIL_URL: unknown scheme {scheme}"),
    };
    url.set_query(None);
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in &others {
            q.append_pair(k, v);
        }
        if let Some(t) = tls {
            q.append_pair("tls", t);
        }
    }
    let mut out = url.to_string();
    if out.ends_with('?') {
        out.pop();
    }
    Ok((out, plaintext))
}

impl Mailer {
    /// From `MAIL_URL` with default concurrency and timeout.
    pub fn from_url(url: &str, from: &EmailAddress) -> anyhow::Result<Self> {
        Self::new(&MailSettings::new(url, from))
    }

    /// `smtp://[user:pass@]host[:port][?tls=none]` (STARTTLS required unless
    /// `tls=none`), `smtps://…` (implicit TLS), or `file://DIR`.
    pub fn new(settings: &MailSettings<'_>) -> anyhow::Result<Self> {
        let address = settings
            .from
            .as_str()
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM: {e}"))?;
        let from = Mailbox::new(settings.from_name.map(str::to_string), address);
        let reply_to = settings
            .reply_to
            .map(|a| a.as_str().parse())
            .transpose()
            .map_err(|e| anyhow::anyhow!("SITE_CONTACT: {e}"))?
            .map(|a| Mailbox::new(None, a));
        let concurrency = settings.concurrency.max(1);
        let url = settings.url;
        let (transport, plaintext) = if let Some(dir) = url.strip_prefix("file://") {
            (Transport::Dir(PathBuf::from(dir)), false)
        } else if url.starts_with("smtp://") || url.starts_with("smtps://") {
            let (url, plaintext) = smtp_url(url)?;
            let url = url::Url::parse(&url).map_err(|e| anyhow::anyhow!("MAIL_URL: {e}"))?;
            let pool = SmtpPool::new(&url, plaintext, settings.timeout, concurrency)?;
            (Transport::Smtp(pool), plaintext)
        } else {
            anyhow::bail!("MAIL_URL must start with smtp://, smtps:// or file://");
        };
        Ok(Self {
            transport,
            bounce_address: settings.bounce_address.map(|a| a.as_str().to_string()),
            from,
            reply_to,
            concurrency,
            send_limit: settings.timeout * EXCHANGES_PER_SEND,
            plaintext,
            webhook: WebhookSender::new(
                settings.webhook_secret,
                settings.timeout,
                settings.callbacks_to_private,
            ),
            probe: tokio::sync::Mutex::new(None),
        })
    }

    /// Whether mail can leave now: the relay answers and accepts us, or the mail
    /// directory can be written. `Err` says why not. Concurrent callers wait for one
    /// probe, and its answer stands for `PROBE_TTL`.
    pub async fn check(&self) -> Result<(), String> {
        let mut last = self.probe.lock().await;
        if let Some((at, answer)) = last.as_ref()
            && at.elapsed() < PROBE_TTL
        {
            return answer.clone();
        }
        let answer = self.probe_now().await;
        *last = Some((std::time::Instant::now(), answer.clone()));
        answer
    }

    async fn probe_now(&self) -> Result<(), String> {
        match &self.transport {
            Transport::Smtp(pool) => pool.check().await.map_err(|e| match e {
                RelayError::Permanent(m) | RelayError::Temporary(m) => m,
            }),
            Transport::Dir(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| format!("mail directory {}: {e}", dir.display()))?;
                let meta = tokio::fs::metadata(dir)
                    .await
                    .map_err(|e| format!("mail directory {}: {e}", dir.display()))?;
                if meta.permissions().readonly() {
                    return Err(format!("mail directory {} is read-only", dir.display()));
                }
                Ok(())
            }
        }
    }

    /// Whether mail (and any credentials) would cross the network unencrypted.
    pub fn is_plaintext(&self) -> bool {
        self.plaintext
    }

    /// How long a claimed row stays reserved: longer than a whole batch can take to
    /// send, so no other instance picks it up while it is still in flight.
    fn lease(&self) -> Duration {
        let rounds = (BATCH as u32).div_ceil(self.concurrency as u32);
        (self.send_limit * rounds * 2).max(MIN_LEASE)
    }

    fn build(&self, row: &outbox::Model) -> Result<Message, SendError> {
        let to: Mailbox = row
            .recipient
            .parse()
            .map_err(|e| SendError::Permanent(format!("recipient: {e}")))?;
        let mut builder = Message::builder().from(self.from.clone());
        if let Some(r) = &self.reply_to {
            builder = builder.reply_to(r.clone());
        }
        let mut builder = builder
            .to(to)
            .subject(row.subject.clone())
            .message_id(Some(row.message_id.clone()));
        // An acknowledgement threads under the notice it answers.
        if let Some(parent) = &row.in_reply_to {
            builder = builder
                .in_reply_to(parent.clone())
                .references(parent.clone());
        }
        let msg = match &row.body_html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                row.body_text.clone(),
                html.clone(),
            )),
            None => builder
                .header(ContentType::TEXT_PLAIN)
                .body(row.body_text.clone()),
        };
        msg.map_err(|e| SendError::Permanent(format!("building message: {e}")))
    }

    /// Sends one message, abandoning it as a temporary failure after `send_limit`.
    pub async fn send(&self, row: &outbox::Model) -> Result<(), SendError> {
        tokio::time::timeout(self.send_limit, self.send_now(row))
            .await
            .unwrap_or_else(|_| {
                Err(SendError::Temporary(format!(
                    "no answer from the mail relay within {} s",
                    self.send_limit.as_secs()
                )))
            })
    }

    /// Posts one status callback, signed under its complaint's `secret`.
    pub async fn send_callback(&self, row: &outbox::Model, secret: &str) -> Result<(), SendError> {
        self.webhook.post_callback(row, secret.as_bytes()).await
    }

    async fn send_now(&self, row: &outbox::Model) -> Result<(), SendError> {
        if row.kind == "webhook" {
            return self.webhook.post(row).await;
        }
        let msg = self.build(row)?;
        // The return path names this email, so a delivery report says which bounced.
        let verp = self
            .bounce_address
            .as_deref()
            .and_then(|b| crate::mail::inbound::verp_address(b, row.id));
        match &self.transport {
            Transport::Smtp(pool) => {
                let envelope = match &verp {
                    Some(v) => {
                        let from = v
                            .parse()
                            .map_err(|e| SendError::Permanent(format!("return path: {e}")))?;
                        lettre::address::Envelope::new(Some(from), msg.envelope().to().to_vec())
                            .map_err(|e| SendError::Permanent(format!("envelope: {e}")))?
                    }
                    None => msg.envelope().clone(),
                };
                pool.send(&envelope, &msg.formatted())
                    .await
                    .map_err(|e| match e {
                        RelayError::Permanent(m) => SendError::Permanent(m),
                        RelayError::Temporary(m) => SendError::Temporary(m),
                    })
            }
            Transport::Dir(dir) => {
                // A mail file records the return path as the receiving MTA would.
                let mut bytes = verp
                    .map(|v| format!("Return-Path: <{v}>\r\n").into_bytes())
                    .unwrap_or_default();
                bytes.extend_from_slice(&msg.formatted());
                write_eml(dir, row.id, &bytes)
                    .await
                    .map_err(|e| SendError::Temporary(format!("writing mail file: {e}")))
            }
        }
    }
}

/// Writes `<id>.eml` durably; rewriting the same message replaces it whole.
async fn write_eml(dir: &std::path::Path, id: i64, bytes: &[u8]) -> std::io::Result<()> {
    let dir = dir.to_path_buf();
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)?;
        let tmp = dir.join(format!(".{id}.eml.tmp"));
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, dir.join(format!("{id:08}.eml")))
    })
    .await
    .map_err(std::io::Error::other)?
}

/// What one delivery pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub sent: u64,
    pub retrying: u64,
    pub failed: u64,
}

impl std::fmt::Display for DeliveryReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "outbox: {} sent, {} to retry, {} failed",
            self.sent, self.retrying, self.failed
        )
    }
}

/// Claims up to a batch of due rows for this instance.
async fn claim(
    db: &DatabaseConnection,
    now: OffsetDateTime,
    lease: Duration,
) -> Result<Vec<outbox::Model>, DbErr> {
    let txn = db::begin_write(db).await?;
    let rows = outbox::Entity::find()
        .filter(outbox::Column::SentAt.is_null())
        .filter(outbox::Column::FailedAt.is_null())
        .filter(outbox::Column::NextAttemptAt.lte(now))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .order_by_asc(outbox::Column::Id)
        .limit(BATCH)
        .all(&txn)
        .await?;
    if !rows.is_empty() {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        outbox::Entity::update_many()
            .col_expr(
                outbox::Column::NextAttemptAt,
                Expr::value(truncate_micros(now + lease)),
            )
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).add(1),
            )
            .filter(outbox::Column::Id.is_in(ids))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .map(|mut r| {
            r.attempts += 1;
            r
        })
        .collect())
}

/// Sends every email due at `now`, one claimed batch after another, up to the
/// mailer's concurrency at once. Results are recorded as they come in, several per
/// transaction.
pub async fn deliver_due(
    db: &DatabaseConnection,
    mailer: &Mailer,
    now: OffsetDateTime,
) -> Result<DeliveryReport, DbErr> {
    let now = truncate_micros(now);
    let mut report = DeliveryReport::default();
    loop {
        let rows = claim(db, now, mailer.lease()).await?;
        let n = rows.len() as u64;
        // Sending and recording run side by side: results are recorded, several per
        // transaction, while the next sends are on the wire.
        let (tx, mut rx) = tokio::sync::mpsc::channel(BATCH as usize);
        let sending = async move {
            stream::iter(rows)
                .map(|row| async move {
                    let result = if row.kind == crate::mail::outbox::CALLBACK_KIND {
                        match crate::mail::outbox::callback_secret(db, row.complaint_id).await {
                            Ok(Some(secret)) => mailer.send_callback(&row, &secret).await,
                            Ok(None) => Err(SendError::Permanent(
                                "the complaint has no callback secret any more".into(),
                            )),
                            Err(e) => Err(SendError::Temporary(format!("reading the secret: {e}"))),
                        }
                    } else {
                        mailer.send(&row).await
                    };
                    (row, result)
                })
                .buffer_unordered(mailer.concurrency)
                .for_each(|done| {
                    let tx = tx.clone();
                    async move {
                        let _ = tx.send(done).await;
                    }
                })
                .await;
        };
        let recording = async {
            let mut done = Vec::with_capacity(BATCH as usize);
            while rx.recv_many(&mut done, BATCH as usize).await > 0 {
                record(db, std::mem::take(&mut done), now, &mut report).await?;
            }
            Ok::<(), DbErr>(())
        };
        let ((), recorded) = tokio::join!(sending, recording);
        recorded?;
        if n < BATCH {
            return Ok(report);
        }
    }
}

/// Records the results of sends in one transaction, with an audit event for each
/// message sent or failed for good.
async fn record(
    db: &DatabaseConnection,
    done: Vec<(outbox::Model, Result<(), SendError>)>,
    now: OffsetDateTime,
    report: &mut DeliveryReport,
) -> Result<(), DbErr> {
    let txn = db::begin_write(db).await?;
    for (row, result) in done {
        record_one(&txn, &row, result, now, report).await?;
    }
    txn.commit().await
}

/// An email's body as kept once sent: its confirmation secrets and tracking codes
/// blanked. `None` when there was none.
async fn erased(txn: &db::WriteTxn, body: &str) -> Result<Option<String>, DbErr> {
    let confirmed = erase_secrets(body);
    let text = confirmed.as_deref().unwrap_or(body);
    Ok(crate::services::tracking_codes::erase_codes(txn, text)
        .await?
        .or(confirmed))
}

async fn record_one(
    txn: &db::WriteTxn,
    row: &outbox::Model,
    result: Result<(), SendError>,
    now: OffsetDateTime,
    report: &mut DeliveryReport,
) -> Result<(), DbErr> {
    // A row another pass already delivered stays delivered, whatever this one saw.
    let update = outbox::Entity::update_many()
        .filter(outbox::Column::Id.eq(row.id))
        .filter(outbox::Column::SentAt.is_null());
    let (action, error) = match result {
        Ok(()) => {
            let mut update = update
                .col_expr(outbox::Column::SentAt, Expr::value(now))
                .col_expr(outbox::Column::LastError, Expr::value(None::<String>));
            if let Some(text) = erased(txn, &row.body_text).await? {
                update = update.col_expr(outbox::Column::BodyText, Expr::value(text));
            }
            if let Some(html) = row.body_html.as_deref()
                && let Some(html) = erased(txn, html).await?
            {
                update = update.col_expr(outbox::Column::BodyHtml, Expr::value(html));
            }
            update.exec(txn).await?;
            report.sent += 1;
            (
                match row.kind.as_str() {
                    "webhook" => "webhook.delivered",
                    crate::mail::outbox::CALLBACK_KIND => "callback.delivered",
                    _ => "email.sent",
                },
                None,
            )
        }
        Err(SendError::Permanent(e)) if row.attempts >= MAX_ATTEMPTS_WHEN_REFUSED => {
            update
                .col_expr(outbox::Column::FailedAt, Expr::value(now))
                .col_expr(outbox::Column::LastError, Expr::value(e.clone()))
                .exec(txn)
                .await?;
            report.failed += 1;
            tracing::error!(id = row.id, error = %e, "email failed permanently; kept for an admin to retry");
            (
                match row.kind.as_str() {
                    "webhook" => "webhook.failed",
                    crate::mail::outbox::CALLBACK_KIND => "callback.failed",
                    _ => "email.failed",
                },
                Some(e),
            )
        }
        Err(SendError::Permanent(e) | SendError::Temporary(e)) => {
            let jitter = rand::rng().random::<f64>();
            update
                .col_expr(
                    outbox::Column::NextAttemptAt,
                    Expr::value(truncate_micros(now + backoff(row.attempts, jitter))),
                )
                .col_expr(outbox::Column::LastError, Expr::value(e.clone()))
                .exec(txn)
                .await?;
            report.retrying += 1;
            tracing::warn!(id = row.id, attempts = row.attempts, error = %e, "email will be retried");
            return Ok(());
        }
    };
    audit::append(
        txn,
        now,
        "mailer",
        action,
        &format!("email:{}", row.id),
        &json!({"kind": row.kind, "message_id": row.message_id, "attempts": row.attempts, "error": error}),
    )
    .await?;
    Ok(())
}

/// Messages that failed for good, newest first.
pub async fn failed(db: &DatabaseConnection) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::FailedAt.is_not_null())
        .order_by_desc(outbox::Column::FailedAt)
        .all(db)
        .await
}

/// Puts a failed message back in the queue, due now. Returns whether one was found.
pub async fn retry(
    db: &DatabaseConnection,
    id: i64,
    actor: &str,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let res = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::FailedAt,
            Expr::value(None::<OffsetDateTime>),
        )
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::FailedAt.is_not_null())
        .exec(&txn)
        .await?;
    if res.rows_affected == 1 {
        audit::append(
            &txn,
            now,
            actor,
            "email.requeued",
            &format!("email:{id}"),
            &json!({}),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(res.rows_affected == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_requires_starttls_unless_told_otherwise() {
        let (u, plain) = smtp_url("smtp://u:p%40ss@mail.example:587").unwrap();
        assert_eq!(u, "smtp://u:p%40ss@mail.example:587?tls=required");
        assert!(!plain);
        let (u, plain) = smtp_url("smtp://mail.example?tls=none").unwrap();
        assert_eq!(u, "smtp://mail.example");
        assert!(plain);
        let (u, plain) = smtp_url("smtps://mail.example").unwrap();
        assert_eq!(u, "smtps://mail.example");
        assert!(!plain);
        assert!(smtp_url("smtp://mail.example?tls=opportunistic").is_err());
        assert!(smtp_url("smtps://mail.example?tls=none").is_err());
    }
}
