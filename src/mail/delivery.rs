//! Delivering the outbox: claim due rows with a lease, send, record the result.
//!
//! At-least-once with a stable Message-ID: a row is claimed (lease written and
//! committed) before it is sent, and marked sent after the server accepted it. A crash
//! in between lets the lease expire and the message go again, with the same
//! Message-ID; nothing else sends twice. Temporary failures retry with backoff and
//! jitter for as long as it takes; permanent ones (5xx) are marked failed after a few
//! tries and kept, to be listed and retried by an admin.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::db;
use crate::domain::deadline::backoff;
use crate::domain::validate::{EmailAddress, truncate_micros};
use crate::entities::outbox;
use crate::services::audit;

/// Rows claimed per round.
const BATCH: u64 = 50;
/// How long a claimed row is reserved for the instance sending it.
const LEASE: Duration = Duration::from_secs(300);
/// Permanent refusals tolerated before a message is marked failed.
pub const MAX_PERMANENT_TRIES: i32 = 3;

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// One `.eml` file per message.
    Dir(PathBuf),
}

/// Where mail goes and from whom.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

/// Why a send failed.
#[derive(Debug)]
pub enum SendError {
    Temporary(String),
    Permanent(String),
}

impl Mailer {
    /// From `MAIL_URL`: `smtp://[user:pass@]host[:port]`, `smtps://…`, or `file://DIR`.
    pub fn from_url(url: &str, from: &EmailAddress) -> anyhow::Result<Self> {
        let from: Mailbox = from
            .as_str()
            .parse()
            .map_err(|e| anyhow::anyhow!("MAIL_FROM: {e}"))?;
        let transport = if let Some(dir) = url.strip_prefix("file://") {
            Transport::Dir(PathBuf::from(dir))
        } else if url.starts_with("smtp://") || url.starts_with("smtps://") {
            let t = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| anyhow::anyhow!("MAIL_URL: {e}"))?
                .timeout(Some(Duration::from_secs(30)))
                .build();
            Transport::Smtp(t)
        } else {
            anyhow::bail!("MAIL_URL must start with smtp://, smtps:// or file://");
        };
        Ok(Self { transport, from })
    }

    fn build(&self, row: &outbox::Model) -> Result<Message, SendError> {
        let to: Mailbox = row
            .recipient
            .parse()
            .map_err(|e| SendError::Permanent(format!("recipient: {e}")))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.clone())
            .message_id(Some(row.message_id.clone()));
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

    pub async fn send(&self, row: &outbox::Model) -> Result<(), SendError> {
        let msg = self.build(row)?;
        match &self.transport {
            Transport::Smtp(t) => t.send(msg).await.map(|_| ()).map_err(|e| {
                if e.is_permanent() {
                    SendError::Permanent(e.to_string())
                } else {
                    SendError::Temporary(e.to_string())
                }
            }),
            Transport::Dir(dir) => write_eml(dir, row.id, &msg.formatted())
                .await
                .map_err(|e| SendError::Temporary(format!("writing mail file: {e}"))),
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
async fn claim(db: &DatabaseConnection, now: OffsetDateTime) -> Result<Vec<outbox::Model>, DbErr> {
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
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(now + LEASE))
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

/// Sends every email due at `now`, one claimed batch after another.
pub async fn deliver_due(
    db: &DatabaseConnection,
    mailer: &Mailer,
    now: OffsetDateTime,
) -> Result<DeliveryReport, DbErr> {
    let now = truncate_micros(now);
    let mut report = DeliveryReport::default();
    loop {
        let rows = claim(db, now).await?;
        let n = rows.len() as u64;
        for row in rows {
            let result = mailer.send(&row).await;
            record(db, &row, result, now, &mut report).await?;
        }
        if n < BATCH {
            return Ok(report);
        }
    }
}

async fn record(
    db: &DatabaseConnection,
    row: &outbox::Model,
    result: Result<(), SendError>,
    now: OffsetDateTime,
    report: &mut DeliveryReport,
) -> Result<(), DbErr> {
    let txn = db::begin_write(db).await?;
    let update = outbox::Entity::update_many().filter(outbox::Column::Id.eq(row.id));
    let (action, error) = match result {
        Ok(()) => {
            update
                .col_expr(outbox::Column::SentAt, Expr::value(now))
                .col_expr(outbox::Column::LastError, Expr::value(None::<String>))
                .exec(&txn)
                .await?;
            report.sent += 1;
            ("email.sent", None)
        }
        Err(SendError::Permanent(e)) if row.attempts >= MAX_PERMANENT_TRIES => {
            update
                .col_expr(outbox::Column::FailedAt, Expr::value(now))
                .col_expr(outbox::Column::LastError, Expr::value(e.clone()))
                .exec(&txn)
                .await?;
            report.failed += 1;
            tracing::error!(id = row.id, error = %e, "email failed permanently; kept for an admin to retry");
            ("email.failed", Some(e))
        }
        Err(SendError::Permanent(e) | SendError::Temporary(e)) => {
            let jitter = rand::rng().random::<f64>();
            update
                .col_expr(
                    outbox::Column::NextAttemptAt,
                    Expr::value(truncate_micros(now + backoff(row.attempts, jitter))),
                )
                .col_expr(outbox::Column::LastError, Expr::value(e.clone()))
                .exec(&txn)
                .await?;
            report.retrying += 1;
            tracing::warn!(id = row.id, attempts = row.attempts, error = %e, "email will be retried");
            txn.commit().await?;
            return Ok(());
        }
    };
    audit::append(
        &txn,
        now,
        "mailer",
        action,
        &format!("email:{}", row.id),
        &json!({"kind": row.kind, "message_id": row.message_id, "attempts": row.attempts, "error": error}),
    )
    .await?;
    txn.commit().await
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
pub async fn retry(db: &DatabaseConnection, id: i64, now: OffsetDateTime) -> Result<bool, DbErr> {
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
            "admin",
            "email.requeued",
            &format!("email:{id}"),
            &json!({}),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(res.rows_affected == 1)
}
