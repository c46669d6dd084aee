//! Receiving a message handed over by the MTA (`takedown mail receive`): its bytes are
//! kept first, durably, as `DATA_DIR/inbound/<sha256>.eml`; then one transaction
//! records what it was and does what it says. A delivery report marks the email it
//! reports as bounced, and a bounce of the claimant's address flags the complaint. The
//! same message handed over again is a duplicate and changes nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, Set,
};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::validate::truncate_micros;
use crate::entities::{complaint, inbound_message, outbox};
use crate::mail::inbound::{self, Bounce, Kind};
use takedown_text::canonical::sha256_hex;

/// What was made of a message, as `takedown mail receive` prints it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Received {
    /// `bounce`, `auto_reply`, `duplicate` or `rejected` (kept, not acted on).
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complaint_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox_id: Option<i64>,
    pub sha256: String,
}

/// Why a message was not stored; the MTA keeps it and tries again (EX_TEMPFAIL).
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("keeping the message: {0}")]
    Storage(#[from] std::io::Error),
    #[error("the database: {0}")]
    Db(#[from] DbErr),
}

/// Where a message's bytes are kept.
pub fn kept_path(data_dir: &Path, sha256: &str) -> PathBuf {
    data_dir.join("inbound").join(format!("{sha256}.eml"))
}

/// Writes `raw` to its place, unless it is there already: a temporary file, synced,
/// renamed, and the directory synced, so a message acknowledged is on disk.
fn keep(data_dir: &Path, sha256: &str, raw: &[u8]) -> std::io::Result<()> {
    let path = kept_path(data_dir, sha256);
    if path.exists() {
        return Ok(());
    }
    let dir = data_dir.join("inbound");
    std::fs::create_dir_all(&dir)?;
    let tmp = dir.join(format!(".{sha256}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(raw)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        std::fs::File::open(&dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Receives one message: `delivered_to` is the envelope recipient the MTA names, and
/// `bounce_address` our return path (`MAIL_BOUNCE_ADDRESS`).
pub async fn receive(
    db: &DatabaseConnection,
    data_dir: &Path,
    raw: &[u8],
    delivered_to: Option<&str>,
    bounce_address: Option<&str>,
    now: OffsetDateTime,
) -> Result<Received, ReceiveError> {
    let sha256 = sha256_hex(raw);
    let (dir, bytes, sha) = (data_dir.to_path_buf(), raw.to_vec(), sha256.clone());
    tokio::task::spawn_blocking(move || keep(&dir, &sha, &bytes))
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
    let read = inbound::read(raw, delivered_to, bounce_address);
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    // The same bytes, or the same Message-ID handed over again by another hop.
    let mut same = Condition::any().add(inbound_message::Column::RawSha256.eq(sha256.as_str()));
    if let Some(mid) = &read.message_id {
        same = same.add(inbound_message::Column::MessageId.eq(mid.as_str()));
    }
    let seen = inbound_message::Entity::find()
        .filter(same)
        .one(&txn)
        .await?;
    if let Some(first) = seen {
        return Ok(Received {
            outcome: "duplicate",
            complaint_id: first.complaint_id,
            outbox_id: first.outbox_id,
            sha256,
        });
    }
    let (outcome, detail, email, complaint_id) = match &read.kind {
        Kind::Bounce(b) => {
            let (email, complaint_id) = bounced(&txn, b, now).await?;
            ("bounce", Some(b.summary()), email, complaint_id)
        }
        Kind::AutoReply => ("auto_reply", None, None, None),
        Kind::Unreadable => (
            "rejected",
            Some("not readable as mail; kept".to_string()),
            None,
            None,
        ),
        Kind::Other => (
            "rejected",
            Some("not a delivery report; kept for staff".to_string()),
            None,
            None,
        ),
    };
    inbound_message::ActiveModel {
        received_at: Set(now),
        raw_sha256: Set(sha256.clone()),
        size_bytes: Set(raw.len() as i64),
        message_id: Set(read.message_id.clone()),
        from_address: Set(read.from.clone()),
        subject: Set(read.subject.clone()),
        outcome: Set(outcome.to_string()),
        detail: Set(detail),
        outbox_id: Set(email),
        complaint_id: Set(complaint_id),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Received {
        outcome,
        complaint_id,
        outbox_id: email,
        sha256,
    })
}

/// Marks the email a failed delivery report names as bounced (it failed for good, and
/// says why), and flags its complaint when the address was the claimant's. Returns the
/// email and its complaint, when the report names one of ours.
async fn bounced(
    txn: &impl ConnectionTrait,
    b: &Bounce,
    now: OffsetDateTime,
) -> Result<(Option<i64>, Option<i64>), DbErr> {
    let by_id = match b.outbox_id {
        Some(id) => outbox::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    let row = match (by_id, &b.original_message_id) {
        (Some(r), _) => Some(r),
        (None, Some(mid)) => {
            outbox::Entity::find()
                .filter(outbox::Column::MessageId.eq(format!("<{mid}>")))
                .one(txn)
                .await?
        }
        (None, None) => None,
    };
    let Some(row) = row else {
        return Ok((None, None));
    };
    if !b.failed() || row.bounced_at.is_some() {
        return Ok((Some(row.id), row.complaint_id));
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::BouncedAt, Expr::value(now))
        .col_expr(
            outbox::Column::FailedAt,
            Expr::value(row.failed_at.unwrap_or(now)),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(format!("bounced: {}", b.summary())),
        )
        .filter(outbox::Column::Id.eq(row.id))
        .exec(txn)
        .await?;
    let mut flagged = false;
    if let Some(cid) = row.complaint_id {
        let res = complaint::Entity::update_many()
            .col_expr(complaint::Column::ClaimantBouncedAt, Expr::value(now))
            .filter(complaint::Column::Id.eq(cid))
            .filter(complaint::Column::ClaimantEmail.eq(row.recipient.as_str()))
            .filter(complaint::Column::ClaimantBouncedAt.is_null())
            .exec(txn)
            .await?;
        flagged = res.rows_affected > 0;
    }
    let subject = row.complaint_id.map_or_else(
        || format!("outbox:{}", row.id),
        |c| format!("complaint:{c}"),
    );
    audit::append(
        txn,
        now,
        "mail:receive",
        "email.bounced",
        &subject,
        &json!({
            "outbox_id": row.id,
            "kind": row.kind,
            "status": b.status,
            "diagnostic": b.diagnostic,
            "claimant_address": flagged,
        }),
    )
    .await?;
    Ok((Some(row.id), row.complaint_id))
}
