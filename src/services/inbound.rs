//! Receiving a message, whichever way it came (the MTA's pipe, LMTP, an IMAP poll): its
//! bytes are kept first, durably, as `DATA_DIR/inbound/<sha256>.eml`; then one
//! transaction records what it was and does what it says. A new notice becomes a
//! complaint (`email_notices`), a delivery report marks its email bounced (`bounces`),
//! a reply is kept on its complaint and may answer it. The same message handed over
//! again is a duplicate and changes nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::validate::truncate_micros;
use crate::entities::{complaint, inbound_message, outbox};
use crate::mail::inbound::{self, Bounce, Kind, Read};
use crate::services::email_notices::{self, Intake, Prepared};
use crate::services::info_requests;
use crate::services::site::Site;
use takedown_text::canonical::sha256_hex;

/// What was made of a message, as `takedown mail receive` prints it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Received {
    /// `new_complaint`, `reply`, `bounce`, `auto_reply`, `duplicate` or `rejected`
    /// (kept for a person, not acted on).
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complaint_id: Option<i64>,
    /// The new complaint's tracking code, for the operator's log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_code: Option<String>,
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
    #[error("answering the request: {0}")]
    Answer(#[from] crate::services::error::ServiceError),
}

/// Where messages are kept and what acting on them needs.
pub struct Inbox<'a> {
    pub data_dir: &'a Path,
    /// Our return path (`MAIL_BOUNCE_ADDRESS`), whose `+id` names an email.
    pub bounce_address: Option<&'a str>,
    pub site: Site<'a>,
    pub intake: Intake<'a>,
}

impl<'a> Inbox<'a> {
    pub fn of(
        config: &'a crate::config::Config,
        codes: &'a crate::services::tracking_codes::CodeKey,
        index: &'a crate::services::matching::MatchIndex,
        site_hosts: &'a crate::services::site_hosts::SiteHosts,
    ) -> Self {
        Self {
            data_dir: &config.data_dir,
            bounce_address: config.mail_bounce_address.as_ref().map(|a| a.as_str()),
            site: Site::of(config, codes),
            intake: Intake::of(config, codes, index, site_hosts),
        }
    }
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

/// Streams a message too large to read into memory to its place, hashing it on the
/// way: `head` is what was read already, `rest` the remainder. Returns its SHA-256 and
/// size.
fn keep_stream(
    data_dir: &Path,
    head: &[u8],
    rest: &mut dyn std::io::Read,
) -> std::io::Result<(String, u64)> {
    use sha2::Digest;
    let dir = data_dir.join("inbound");
    std::fs::create_dir_all(&dir)?;
    let tmp = dir.join(format!(".large.{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        let mut hasher = sha2::Sha256::new();
        hasher.update(head);
        f.write_all(head)?;
        let mut size = head.len() as u64;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = rest.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            f.write_all(&buf[..n])?;
            size += n as u64;
        }
        f.sync_all()?;
        let sha = hex::encode(hasher.finalize());
        let path = kept_path(data_dir, &sha);
        if path.exists() {
            std::fs::remove_file(&tmp)?;
        } else {
            std::fs::rename(&tmp, &path)?;
        }
        std::fs::File::open(&dir)?.sync_all()?;
        Ok((sha, size))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Receives a message larger than `MAIL_MAX_BYTES`: kept whole as evidence, recorded
/// from its headers (in `head`), and left for a person; nothing answers it.
pub async fn receive_oversize(
    db: &DatabaseConnection,
    inbox: &Inbox<'_>,
    head: Vec<u8>,
    mut rest: Box<dyn std::io::Read + Send>,
    limit: usize,
    now: OffsetDateTime,
) -> Result<Received, ReceiveError> {
    let dir = inbox.data_dir.to_path_buf();
    let header_bytes = head.clone();
    let (sha256, size) =
        tokio::task::spawn_blocking(move || keep_stream(&dir, &head, rest.as_mut()))
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))??;
    let read = inbound::read(&header_bytes, None, inbox.bounce_address);
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    if let Some(first) = already(&txn, &sha256, &read).await? {
        return Ok(first);
    }
    let detail = format!(
        "larger than MAIL_MAX_BYTES ({limit} bytes): {size} bytes, kept whole and not read; the sender was not answered"
    );
    record(
        &txn,
        &read,
        &sha256,
        size,
        "rejected",
        Some(detail),
        None,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Received {
        outcome: "rejected",
        complaint_id: None,
        tracking_code: None,
        outbox_id: None,
        sha256,
    })
}

/// The first receipt of the same bytes, or of the same Message-ID from another hop.
async fn already(
    txn: &impl ConnectionTrait,
    sha256: &str,
    read: &Read,
) -> Result<Option<Received>, DbErr> {
    let mut same = Condition::any().add(inbound_message::Column::RawSha256.eq(sha256));
    if let Some(mid) = &read.message_id {
        same = same.add(inbound_message::Column::MessageId.eq(mid.as_str()));
    }
    let seen = inbound_message::Entity::find()
        .filter(same)
        .one(txn)
        .await?;
    Ok(seen.map(|first| Received {
        outcome: "duplicate",
        complaint_id: first.complaint_id,
        tracking_code: None,
        outbox_id: first.outbox_id,
        sha256: sha256.to_string(),
    }))
}

/// The row that says what a message was and what was done.
#[allow(clippy::too_many_arguments)]
async fn record(
    txn: &impl ConnectionTrait,
    read: &Read,
    sha256: &str,
    size: u64,
    outcome: &str,
    detail: Option<String>,
    email: Option<i64>,
    complaint_id: Option<i64>,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    inbound_message::ActiveModel {
        received_at: Set(now),
        raw_sha256: Set(sha256.to_string()),
        size_bytes: Set(size as i64),
        message_id: Set(read.message_id.clone()),
        from_address: Set(read.from.clone()),
        subject: Set(read.subject.clone()),
        outcome: Set(outcome.to_string()),
        detail: Set(detail),
        outbox_id: Set(email),
        complaint_id: Set(complaint_id),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// What `receive` does with a message, decided before its transaction (reading only).
enum Plan {
    Bounce(Bounce),
    AutoReply,
    Unreadable,
    Reply(Box<Reply>),
    Notice(Box<Prepared>),
    Keep(String),
}

/// Decides what a message is, reading only: a reply to our email, a new notice (read,
/// matched and its files staged here, outside the write transaction), or mail for a
/// person.
async fn plan(
    db: &DatabaseConnection,
    inbox: &Inbox<'_>,
    read: &Read,
) -> Result<Plan, ReceiveError> {
    Ok(match &read.kind {
        Kind::Bounce(b) => Plan::Bounce(b.clone()),
        Kind::AutoReply => Plan::AutoReply,
        Kind::Unreadable => Plan::Unreadable,
        Kind::Other => {
            let answered = replied_to(db, &read.thread).await?;
            let by_reference = match &answered {
                Some(_) => None,
                None => referenced(db, read.subject.as_deref()).await?,
            };
            let complaint_id = answered
                .as_ref()
                .and_then(|o| o.complaint_id)
                .or(by_reference);
            if let Some(complaint_id) = complaint_id {
                let (files, refused) = email_notices::stage(inbox.data_dir, read).await?;
                return Ok(Plan::Reply(Box::new(Reply {
                    complaint_id,
                    answered,
                    files,
                    refused,
                })));
            }
            if let Some(why) = email_notices::not_a_notice(read) {
                return Ok(Plan::Keep(why.into()));
            }
            match email_notices::prepare(db, &inbox.intake, inbox.data_dir, read).await? {
                Some(p) => Plan::Notice(Box::new(p)),
                None => Plan::Keep(
                    "not a reply to our email, and names no page on this site; kept for a person"
                        .into(),
                ),
            }
        }
    })
}

/// Receives one message: `delivered_to` is the envelope recipient the MTA names.
pub async fn receive(
    db: &DatabaseConnection,
    inbox: &Inbox<'_>,
    raw: &[u8],
    delivered_to: Option<&str>,
    now: OffsetDateTime,
) -> Result<Received, ReceiveError> {
    let sha256 = sha256_hex(raw);
    let (dir, bytes, sha) = (inbox.data_dir.to_path_buf(), raw.to_vec(), sha256.clone());
    tokio::task::spawn_blocking(move || keep(&dir, &sha, &bytes))
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
    let read = inbound::read(raw, delivered_to, inbox.bounce_address);
    let now = truncate_micros(now);
    // Handed over again: nothing to read, match or stage (checked again below, in
    // the transaction, for one that arrives meanwhile).
    if let Some(first) = already(db, &sha256, &read).await? {
        return Ok(first);
    }
    let plan = plan(db, inbox, &read).await?;
    let txn = db::begin_write(db).await?;
    if let Some(first) = already(&txn, &sha256, &read).await? {
        return Ok(first);
    }
    let mut code = None;
    let mut filed = None;
    let mut staged = Vec::new();
    let (outcome, detail, email, complaint_id) = match plan {
        Plan::Bounce(b) => {
            let (email, complaint_id) =
                crate::services::bounces::bounced(&txn, &inbox.site, &b, now).await?;
            ("bounce", Some(b.summary()), email, complaint_id)
        }
        Plan::AutoReply => ("auto_reply", None, None, None),
        Plan::Unreadable => (
            "rejected",
            Some("not readable as mail; kept".to_string()),
            None,
            None,
        ),
        Plan::Reply(r) => {
            let id = r.complaint_id;
            match complaint::Entity::find_by_id(id).one(&txn).await? {
                Some(c) => {
                    let detail = reply(&txn, &inbox.site, c, &read, &r, &sha256, now).await?;
                    staged = r.files;
                    ("reply", Some(detail), None, Some(id))
                }
                None => (
                    "rejected",
                    Some("its complaint is gone; kept".into()),
                    None,
                    None,
                ),
            }
        }
        Plan::Keep(why) => ("rejected", Some(why), None, None),
        Plan::Notice(p) => match email_notices::file_in(&txn, &inbox.intake, &p, &read, now).await?
        {
            Ok(opened) => {
                code = Some(opened.tracking_code);
                let id = opened.complaint_id;
                filed = Some(p);
                (
                    "new_complaint",
                    Some(opened.detail).filter(|d| !d.is_empty()),
                    None,
                    Some(id),
                )
            }
            Err(why) => ("rejected", Some(why), None, None),
        },
    };
    let size = raw.len() as u64;
    record(
        &txn,
        &read,
        &sha256,
        size,
        outcome,
        detail,
        email,
        complaint_id,
        now,
    )
    .await?;
    txn.commit().await?;
    if let Some(p) = filed {
        staged = p.files;
    }
    // After commit, as the form does; a crash before this is finished at start-up.
    if let Err(e) = crate::services::evidence::persist(inbox.data_dir, staged).await {
        tracing::error!(error = %e, "moving mail's evidence files into place");
    }
    Ok(Received {
        outcome,
        complaint_id,
        tracking_code: code,
        outbox_id: email,
        sha256,
    })
}

/// A message that belongs to a complaint: what it answers, and its files.
struct Reply {
    complaint_id: i64,
    /// The email of ours it answers, when its thread names one.
    answered: Option<outbox::Model>,
    files: Vec<crate::services::evidence::EvidenceFile>,
    /// Attachments not kept as evidence, and why.
    refused: Vec<String>,
}

/// The email of ours about a complaint that `thread` names.
async fn replied_to(
    db: &impl ConnectionTrait,
    thread: &[String],
) -> Result<Option<outbox::Model>, DbErr> {
    if thread.is_empty() {
        return Ok(None);
    }
    let ids: Vec<String> = thread.iter().map(|t| format!("<{t}>")).collect();
    outbox::Entity::find()
        .filter(outbox::Column::MessageId.is_in(ids))
        .filter(outbox::Column::ComplaintId.is_not_null())
        .one(db)
        .await
}

/// The complaint whose public reference ("complaint #12", as our subjects carry it) a
/// subject names, if there is one.
async fn referenced(
    db: &impl ConnectionTrait,
    subject: Option<&str>,
) -> Result<Option<i64>, DbErr> {
    let Some(subject) = subject else {
        return Ok(None);
    };
    let lower = subject.to_lowercase();
    let Some(at) = lower.find("complaint #") else {
        return Ok(None);
    };
    let digits: String = lower[at + "complaint #".len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let Ok(id) = digits.parse::<i64>() else {
        return Ok(None);
    };
    Ok(complaint::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|c| c.id))
}

/// A reply about complaint `c`: kept on the complaint, its attachments as evidence.
/// From the claimant's address while the complaint waits on them, it is their answer,
/// and the clock restarts; from the address our removal notice went to, it is from the
/// source; from any other address it answers nothing. Says which, for staff.
async fn reply(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: complaint::Model,
    read: &inbound::Read,
    r: &Reply,
    sha256: &str,
    now: OffsetDateTime,
) -> Result<String, ReceiveError> {
    let from = read.from.as_deref().unwrap_or_default();
    let from_claimant = from.eq_ignore_ascii_case(&c.claimant_email);
    let from_source = !from_claimant
        && r.answered
            .as_ref()
            .is_some_and(|o| o.kind == "removal" && o.recipient.eq_ignore_ascii_case(from));
    let files: Vec<&str> = r.files.iter().map(|f| f.sha256.as_str()).collect();
    audit::append(
        txn,
        now,
        "mail:receive",
        "complaint.reply_received",
        &format!("complaint:{}", c.id),
        &json!({"raw_sha256": sha256, "from_claimant": from_claimant,
                "from_source": from_source, "evidence_files": files}),
    )
    .await?;
    let waiting = c.status == crate::domain::complaint::ComplaintStatus::NeedsInfo;
    let id = c.id;
    let answers = from_claimant && waiting && read.text.is_some();
    let mut said: String = match read.text.as_deref() {
        Some(text) if answers => {
            info_requests::answer_in(txn, site, c, text, &r.files, "claimant:email", now).await?;
            "from the claimant: their answer to the request; the clock runs again".into()
        }
        _ if from_claimant => "from the claimant".into(),
        _ if from_source => {
            "from the source, in answer to our removal notice: it answers nothing by itself".into()
        }
        _ => "from another address than the claimant's: it answers nothing".into(),
    };
    if !answers && !r.files.is_empty() {
        use crate::services::evidence::{SentWith, record_later};
        record_later(txn, id, SentWith::Email, &r.files).await?;
    }
    if !r.files.is_empty() {
        said.push_str(&format!(" · {} file(s) kept as evidence", r.files.len()));
    }
    for why in &r.refused {
        said.push_str(&format!(" · attachment not kept: {why}"));
    }
    Ok(said)
}

/// What was sent to us about complaint `id` by email (the notice that opened it, and
/// replies), oldest first, with the sender's own words read again from the kept message.
pub async fn replies(
    db: &impl ConnectionTrait,
    data_dir: &Path,
    id: i64,
) -> Result<Vec<(inbound_message::Model, Option<String>)>, DbErr> {
    let rows = inbound_message::Entity::find()
        .filter(inbound_message::Column::ComplaintId.eq(id))
        .filter(inbound_message::Column::Outcome.is_in(["new_complaint", "reply"]))
        .order_by_asc(inbound_message::Column::Id)
        .all(db)
        .await?;
    Ok(with_text(rows, data_dir))
}

/// The email a complaint was opened from, with its whole text read again from the
/// kept message: what staff complete the notice from.
pub async fn notice_of(
    db: &impl ConnectionTrait,
    data_dir: &Path,
    id: i64,
) -> Result<Option<(inbound_message::Model, Option<String>)>, DbErr> {
    let row = inbound_message::Entity::find()
        .filter(inbound_message::Column::ComplaintId.eq(id))
        .filter(inbound_message::Column::Outcome.eq("new_complaint"))
        .one(db)
        .await?;
    Ok(row.map(|r| {
        let text = std::fs::read(kept_path(data_dir, &r.raw_sha256))
            .ok()
            .and_then(|raw| inbound::read(&raw, None, None).body);
        (r, text)
    }))
}

/// The sender's display name in kept message `sha256`, read again from its bytes.
pub fn sender_name(data_dir: &Path, sha256: &str) -> Option<String> {
    let raw = std::fs::read(kept_path(data_dir, sha256)).ok()?;
    inbound::read(&raw, None, None).from_name
}

/// Whether a kept reply came from the source (the address our removal notice went
/// to), as `reply` recorded it.
pub fn from_source(m: &inbound_message::Model) -> bool {
    m.outcome == "reply"
        && m.detail
            .as_deref()
            .is_some_and(|d| d.starts_with("from the source"))
}

/// Each message with the sender's words, read again from the kept bytes.
fn with_text(
    rows: Vec<inbound_message::Model>,
    data_dir: &Path,
) -> Vec<(inbound_message::Model, Option<String>)> {
    rows.into_iter()
        .map(|r| {
            let text = std::fs::read(kept_path(data_dir, &r.raw_sha256))
                .ok()
                .and_then(|raw| inbound::read(&raw, None, None).text);
            (r, text)
        })
        .collect()
}

/// The most messages `unsorted` lists.
const UNSORTED_SHOWN: u64 = 200;

/// Messages nothing acted on (outcome `rejected`), newest first, each with the
/// sender's words read again from the kept message.
pub async fn unsorted(
    db: &impl ConnectionTrait,
    data_dir: &Path,
) -> Result<Vec<(inbound_message::Model, Option<String>)>, DbErr> {
    use sea_orm::QuerySelect;
    let rows = inbound_message::Entity::find()
        .filter(inbound_message::Column::Outcome.eq("rejected"))
        .order_by_desc(inbound_message::Column::Id)
        .limit(UNSORTED_SHOWN)
        .all(db)
        .await?;
    Ok(with_text(rows, data_dir))
}

/// How many messages wait for a person (outcome `rejected`).
pub async fn unsorted_count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    inbound_message::Entity::find()
        .filter(inbound_message::Column::Outcome.eq("rejected"))
        .count(db)
        .await
}

/// Receives a message an LMTP client handed over: the envelope recipient a VERP
/// return path names, else the first, is where it was delivered to. A message
/// spooled for its size is kept whole and the spool removed.
pub async fn deliver(
    db: &DatabaseConnection,
    inbox: &Inbox<'_>,
    m: crate::mail::lmtp::Incoming,
    max_bytes: usize,
    now: OffsetDateTime,
) -> crate::mail::lmtp::Delivered {
    use crate::mail::lmtp::Delivered;
    let to = m
        .recipients
        .iter()
        .find(|r| {
            inbox
                .bounce_address
                .is_some_and(|b| inbound::verp_id(r, b).is_some())
        })
        .or(m.recipients.first())
        .cloned();
    let received = match &m.spooled {
        None => receive(db, inbox, &m.raw, to.as_deref(), now).await,
        Some(path) => {
            let opened = std::fs::File::open(path).and_then(|mut f| {
                use std::io::Read;
                let mut head = Vec::new();
                (&mut f).take(1 << 20).read_to_end(&mut head)?;
                Ok((head, f))
            });
            match opened {
                Ok((head, rest)) => {
                    receive_oversize(db, inbox, head, Box::new(rest), max_bytes, now).await
                }
                Err(e) => Err(e.into()),
            }
        }
    };
    if let Some(path) = &m.spooled {
        let _ = std::fs::remove_file(path);
    }
    match received {
        Ok(r) => {
            tracing::info!(outcome = r.outcome, complaint_id = r.complaint_id, sha256 = %r.sha256, "mail received by LMTP");
            Delivered::Stored(r.outcome.to_string())
        }
        Err(e) => Delivered::TempFail(e.to_string()),
    }
}
