//! The durable outbox: an email owed is a row, written in the same transaction as the
//! change that owes it, and delivered later.

use sea_orm::{ConnectionTrait, DbErr, Value};
use time::OffsetDateTime;

use crate::db::stmt;
use crate::domain::complaint::Language;
use crate::domain::validate::{EmailAddress, truncate_micros};
use crate::mail::letter::{Layout, Letter, Recipient, RenderError, Rendered, Signer};
use crate::mail::notice::{NoticeKey, NoticeKind, Owed};

/// Posting a letter failed: it could not be written (a bug), or the row not stored.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Posts `letter` to each recipient, written in the recipient's language, as the owed
/// email `owed` of the letter's kind: each recipient gets one row, and posting the
/// same owed email again writes nothing. Renders each language once.
pub async fn post<L: Letter>(
    txn: &impl ConnectionTrait,
    owed: &Owed,
    letter: &L,
    to: &[Recipient],
    signer: &Signer<'_>,
    now: OffsetDateTime,
) -> Result<(), PostError> {
    post_counted(txn, owed, letter, to, signer, now, None).await
}

/// `post`, with each row counted under `rate_key` by a limit that is not the
/// recipient's (the staff notices one client address causes).
pub async fn post_counted<L: Letter>(
    txn: &impl ConnectionTrait,
    owed: &Owed,
    letter: &L,
    to: &[Recipient],
    signer: &Signer<'_>,
    now: OffsetDateTime,
    rate_key: Option<&str>,
) -> Result<(), PostError> {
    let callback = match owed.complaint_id {
        Some(id) => callback_of(txn, id).await?,
        None => None,
    };
    let callback = callback.as_ref().map(|(u, c)| (u.as_str(), c.as_str()));
    post_known(txn, owed, letter, to, signer, now, rate_key, callback).await
}

/// `post_counted`, with the complaint's status callback given instead of read: its
/// callback URL and its claimant's address, when it has a callback. All the rows are
/// written in one statement.
#[allow(clippy::too_many_arguments)]
async fn post_known<L: Letter>(
    txn: &impl ConnectionTrait,
    owed: &Owed,
    letter: &L,
    to: &[Recipient],
    signer: &Signer<'_>,
    now: OffsetDateTime,
    rate_key: Option<&str>,
    callback: Option<(&str, &str)>,
) -> Result<(), PostError> {
    let mut batch = Batch::default();
    batch.post_counted(owed, letter, to, signer, now, rate_key, callback)?;
    batch.write(txn, signer.base_url, now).await?;
    Ok(())
}

/// An email or event rendered for one recipient, ready to be written.
struct Outgoing {
    kind: &'static str,
    recipient: String,
    subject: String,
    body_text: String,
    body_html: Option<String>,
    dedupe_key: String,
    complaint_id: Option<i64>,
    rate_key: Option<String>,
}

impl Outgoing {
    fn row(&self) -> Row<'_> {
        Row {
            kind: self.kind,
            recipient: &self.recipient,
            subject: &self.subject,
            body_text: &self.body_text,
            body_html: self.body_html.as_deref(),
            dedupe_key: &self.dedupe_key,
            complaint_id: self.complaint_id,
            rate_key: self.rate_key.clone(),
        }
    }
}

/// The rows posting `letter` to `to` writes: one a recipient, each language rendered once.
fn letters_for<L: Letter>(
    notice: &NoticeKey,
    letter: &L,
    to: &[Recipient],
    signer: &Signer<'_>,
    rate_key: Option<&str>,
) -> Result<Vec<Outgoing>, RenderError> {
    let mut rendered: [Option<Rendered>; 2] = [None, None];
    let mut out = Vec::with_capacity(to.len());
    for r in to {
        let slot = &mut rendered[usize::from(r.language == Language::Zh)];
        if slot.is_none() {
            *slot = Some(letter.render(&Layout::new(r.language, signer))?);
        }
        let Some(text) = slot.as_ref() else { continue };
        out.push(Outgoing {
            kind: notice.kind.outbox_kind(),
            recipient: r.address.as_str().to_string(),
            subject: text.subject.clone(),
            body_text: text.text.clone(),
            body_html: Some(text.html.clone()),
            dedupe_key: notice.dedupe_key(r.address.as_str()),
            complaint_id: notice.complaint_id,
            rate_key: receipt_rate_key(notice.kind, &r.address, rate_key),
        });
    }
    Ok(out)
}

/// What a row is counted under by a limit: the given key, or a receipt's recipient.
fn receipt_rate_key(
    kind: NoticeKind,
    recipient: &EmailAddress,
    rate_key: Option<&str>,
) -> Option<String> {
    rate_key.map(str::to_string).or_else(|| {
        matches!(kind, NoticeKind::Receipt | NoticeKind::ReceiptDigest)
            .then(|| recipient.rate_key())
    })
}

/// Emails gathered by a sweep and written together, one statement for many rows,
/// in the transaction of the changes that owe them.
#[derive(Default)]
pub struct Batch {
    rows: Vec<Outgoing>,
}

impl Batch {
    /// As `post`, gathered. `callback` is the complaint's status callback URL and its
    /// claimant's address, when it has one: the callback is owed when the claimant is
    /// among `to`.
    pub fn post<L: Letter>(
        &mut self,
        owed: &Owed,
        letter: &L,
        to: &[Recipient],
        signer: &Signer<'_>,
        now: OffsetDateTime,
        callback: Option<(&str, &str)>,
    ) -> Result<(), RenderError> {
        self.post_counted(owed, letter, to, signer, now, None, callback)
    }

    /// `post`, each row counted under `rate_key` (see `outbox::post_counted`).
    #[allow(clippy::too_many_arguments)]
    pub fn post_counted<L: Letter>(
        &mut self,
        owed: &Owed,
        letter: &L,
        to: &[Recipient],
        signer: &Signer<'_>,
        now: OffsetDateTime,
        rate_key: Option<&str>,
        callback: Option<(&str, &str)>,
    ) -> Result<(), RenderError> {
        let notice = owed.key(L::KIND);
        self.rows
            .extend(letters_for(&notice, letter, to, signer, rate_key)?);
        if let (Some(id), Some((url, claimant))) = (notice.complaint_id, callback) {
            self.rows
                .extend(callback_row(&notice, id, to, url, claimant, now));
        }
        Ok(())
    }

    /// Writes every gathered row (a row whose notice was already owed writes nothing).
    pub async fn write(
        self,
        txn: &impl ConnectionTrait,
        public_base_url: &str,
        now: OffsetDateTime,
    ) -> Result<(), DbErr> {
        for chunk in self.rows.chunks(ROWS_A_STATEMENT) {
            let rows: Vec<Row<'_>> = chunk.iter().map(Outgoing::row).collect();
            insert_many(txn, &rows, public_base_url, now).await?;
        }
        Ok(())
    }
}

/// Outbox rows a multi-row insert carries (11 values each; far under both databases'
/// limits on bound values).
const ROWS_A_STATEMENT: usize = 200;

/// The outbox kind of a status callback row.
pub const CALLBACK_KIND: &str = "status_callback";

/// A complaint's status callback, and the claimant it follows.
async fn callback_of(
    txn: &impl ConnectionTrait,
    complaint_id: i64,
) -> Result<Option<(String, String)>, DbErr> {
    let row = txn
        .query_one_raw(stmt(
            txn.get_database_backend(),
            "SELECT callback_url, claimant_email FROM complaints WHERE id = ? AND callback_url IS NOT NULL",
            vec![Value::from(complaint_id)],
        ))
        .await?;
    row.map(|r| {
        Ok((
            r.try_get("", "callback_url")?,
            r.try_get("", "claimant_email")?,
        ))
    })
    .transpose()
}

/// The secret that signs complaint `complaint_id`'s callbacks, if it has one.
pub async fn callback_secret(
    db: &impl ConnectionTrait,
    complaint_id: Option<i64>,
) -> Result<Option<String>, DbErr> {
    let Some(id) = complaint_id else {
        return Ok(None);
    };
    let row = db
        .query_one_raw(stmt(
            db.get_database_backend(),
            "SELECT callback_secret FROM complaints WHERE id = ?",
            vec![Value::from(id)],
        ))
        .await?;
    Ok(row.and_then(|r| {
        r.try_get::<Option<String>>("", "callback_secret")
            .ok()
            .flatten()
    }))
}

/// A status callback owed with the notice: whenever the claimant of a complaint filed
/// with a callback is emailed about it, the submitter's URL is told too, once per
/// notice, in the same transaction. The event is thin (what happened, to which
/// complaint, when): the submitter reads the rest from the complaint's status view.
fn callback_row(
    notice: &NoticeKey,
    complaint_id: i64,
    to: &[Recipient],
    url: &str,
    claimant: &str,
    now: OffsetDateTime,
) -> Option<Outgoing> {
    if !to
        .iter()
        .any(|r| r.address.as_str().eq_ignore_ascii_case(claimant))
    {
        return None;
    }
    let event = notice.kind.key_name();
    let body = serde_json::json!({
        "event": event,
        "complaint_id": complaint_id,
        "occurred_at": crate::domain::validate::format_timestamp(now),
    });
    Some(Outgoing {
        kind: CALLBACK_KIND,
        recipient: url.to_string(),
        subject: event.to_string(),
        body_text: body.to_string(),
        body_html: None,
        dedupe_key: format!("callback:{}", notice.dedupe_key(claimant)),
        complaint_id: Some(complaint_id),
        rate_key: None,
    })
}

/// Emails counted under `rate_key` since `since`: rows, or with `per_complaint`
/// the complaints they are about (a notice to several staff addresses counts once).
pub async fn count_rate_key(
    db: &impl ConnectionTrait,
    rate_key: &str,
    since: OffsetDateTime,
    per_complaint: bool,
) -> Result<u64, DbErr> {
    let what = if per_complaint {
        "COUNT(DISTINCT complaint_id)"
    } else {
        "COUNT(*)"
    };
    let row = db
        .query_one_raw(stmt(
            db.get_database_backend(),
            &format!("SELECT {what} AS n FROM outbox WHERE rate_key = ? AND created_at > ?"),
            vec![rate_key.into(), truncate_micros(since).into()],
        ))
        .await?;
    let n: i64 = match row {
        Some(r) => r.try_get("", "n")?,
        None => 0,
    };
    Ok(n.max(0) as u64)
}

/// The rows counted under any of `rate_keys` created after `since`: each one's key,
/// complaint and time, for a caller that counts several windows at once (intake's
/// group; `count_rate_key` counts one).
pub async fn rate_key_rows(
    db: &impl ConnectionTrait,
    rate_keys: &[String],
    since: OffsetDateTime,
) -> Result<Vec<(String, Option<i64>, OffsetDateTime)>, DbErr> {
    let mut out = Vec::new();
    for keys in rate_keys.chunks(500) {
        let marks = vec!["?"; keys.len()].join(", ");
        let mut values: Vec<Value> = keys.iter().map(|k| Value::from(k.as_str())).collect();
        values.push(truncate_micros(since).into());
        let rows = db
            .query_all_raw(stmt(
                db.get_database_backend(),
                &format!(
                    "SELECT rate_key, complaint_id, created_at FROM outbox \
                     WHERE rate_key IN ({marks}) AND created_at > ?"
                ),
                values,
            ))
            .await?;
        for r in rows {
            out.push((
                r.try_get("", "rate_key")?,
                r.try_get("", "complaint_id")?,
                r.try_get("", "created_at")?,
            ));
        }
    }
    Ok(out)
}

/// One email to enqueue.
pub struct Email<'a> {
    /// Which owed email this is: enqueuing the same notice to the same recipient twice
    /// writes one row.
    pub notice: NoticeKey,
    pub recipient: &'a EmailAddress,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    /// What a limit counts this row under, when not its recipient's mailbox.
    pub rate_key: Option<String>,
}

/// A stable Message-ID for a new email, in the site's domain.
pub fn message_id(public_base_url: &str) -> String {
    let host = url::Url::parse(public_base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "localhost".into());
    format!("<{}@{host}>", uuid::Uuid::new_v4().simple())
}

/// Enqueues `email` unless an email with its dedupe key exists. Returns whether a row
/// was written.
pub async fn enqueue(
    txn: &impl ConnectionTrait,
    email: &Email<'_>,
    public_base_url: &str,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    insert(
        txn,
        Row {
            kind: email.notice.kind.outbox_kind(),
            recipient: email.recipient.as_str(),
            subject: &email.subject,
            body_text: &email.body_text,
            body_html: email.body_html.as_deref(),
            dedupe_key: &email.notice.dedupe_key(email.recipient.as_str()),
            complaint_id: email.notice.complaint_id,
            rate_key: receipt_rate_key(
                email.notice.kind,
                email.recipient,
                email.rate_key.as_deref(),
            ),
        },
        public_base_url,
        now,
    )
    .await
}

/// Enqueues one CMS webhook: a row of kind `webhook` whose recipient is the URL,
/// subject the event and body the JSON, delivered and retried like an email.
pub async fn enqueue_webhook(
    txn: &impl ConnectionTrait,
    url: &str,
    event: &str,
    body: &serde_json::Value,
    complaint_id: Option<i64>,
    public_base_url: &str,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    insert(
        txn,
        Row {
            kind: "webhook",
            recipient: url,
            subject: event,
            body_text: &body.to_string(),
            body_html: None,
            // Every change is its own delivery.
            dedupe_key: &format!("webhook:{}", uuid::Uuid::new_v4().simple()),
            complaint_id,
            rate_key: None,
        },
        public_base_url,
        now,
    )
    .await
}

/// One outbox row as written.
struct Row<'a> {
    kind: &'a str,
    recipient: &'a str,
    subject: &'a str,
    body_text: &'a str,
    body_html: Option<&'a str>,
    dedupe_key: &'a str,
    complaint_id: Option<i64>,
    rate_key: Option<String>,
}

async fn insert(
    txn: &impl ConnectionTrait,
    row: Row<'_>,
    public_base_url: &str,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    Ok(insert_many(txn, &[row], public_base_url, now).await? == 1)
}

/// Writes `rows` in one statement; a row whose dedupe key exists is skipped. Returns
/// the rows written.
async fn insert_many(
    txn: &impl ConnectionTrait,
    rows: &[Row<'_>],
    public_base_url: &str,
    now: OffsetDateTime,
) -> Result<u64, DbErr> {
    if rows.is_empty() {
        return Ok(0);
    }
    let now = truncate_micros(now);
    let mut values = Vec::with_capacity(rows.len() * 11);
    for row in rows {
        values.extend([
            Value::from(row.kind),
            Value::from(row.recipient),
            Value::from(row.subject),
            Value::from(row.body_text),
            Value::from(row.body_html),
            Value::from(row.dedupe_key),
            Value::from(message_id(public_base_url)),
            Value::from(row.complaint_id),
            Value::from(now),
            Value::from(now),
            Value::from(row.rate_key.clone()),
        ]);
    }
    let tuples = vec!["(?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)"; rows.len()].join(", ");
    let res = txn
        .execute_raw(stmt(
            txn.get_database_backend(),
            &format!(
                "INSERT INTO outbox (kind, recipient, subject, body_text, body_html, dedupe_key, \
                 message_id, complaint_id, attempts, next_attempt_at, created_at, rate_key) \
                 VALUES {tuples} ON CONFLICT (dedupe_key) DO NOTHING"
            ),
            values,
        ))
        .await?;
    Ok(res.rows_affected())
}
