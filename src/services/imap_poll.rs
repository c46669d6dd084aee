//! Polling a hosted mailbox (`IMAP_URL`): each new message, by UID, is received as
//! the pipe and LMTP receive one, at its `INTERNALDATE`, and marked on the server only
//! once stored. Where the poll got to is kept per mailbox with its UIDVALIDITY (a new
//! UIDVALIDITY starts again from the first message; what was stored is then a
//! duplicate). Instances sharing a database take a lease, so one polls at a time.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Value};
use time::OffsetDateTime;

use crate::config::ImapConfig;
use crate::db::{self, stmt};
use crate::domain::validate::truncate_micros;
use crate::mail::imap::{self, ImapError};
use crate::services::inbound::{self, Inbox, ReceiveError, Received};

/// Most messages one poll takes; the rest wait for the next.
const BATCH: usize = 100;
/// How long a poll holds its lease; a crashed instance's lease runs out.
const LEASE: time::Duration = time::Duration::minutes(10);

/// What one poll did.
#[derive(Debug, Default)]
pub struct Polled {
    /// Another instance holds the poll now.
    pub skipped: bool,
    pub received: Vec<Received>,
    /// What stopped the poll early (the database away, say); what came before it
    /// is stored and marked.
    pub stopped: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error("the database: {0}")]
    Db(#[from] DbErr),
}

/// Takes the poll of `mailbox` for `instance` until `now + LEASE`, unless another
/// instance holds it. Returns where the poll got to: (UIDVALIDITY, last UID).
async fn lease(
    db: &DatabaseConnection,
    mailbox: &str,
    instance: &str,
    now: OffsetDateTime,
) -> Result<Option<(Option<i64>, i64)>, DbErr> {
    let txn = db::begin_write(db).await?;
    let b = txn.get_database_backend();
    txn.execute_raw(stmt(
        b,
        "INSERT INTO imap_mailboxes (mailbox, last_uid) VALUES (?, 0) ON CONFLICT (mailbox) DO NOTHING",
        vec![mailbox.into()],
    ))
    .await?;
    let taken = txn
        .execute_raw(stmt(
            b,
            "UPDATE imap_mailboxes SET leased_by = ?, lease_until = ? \
             WHERE mailbox = ? AND (lease_until IS NULL OR lease_until < ? OR leased_by = ?)",
            vec![
                instance.into(),
                (now + LEASE).into(),
                mailbox.into(),
                now.into(),
                instance.into(),
            ],
        ))
        .await?
        .rows_affected()
        > 0;
    let state = if taken {
        let row = txn
            .query_one_raw(stmt(
                b,
                "SELECT uid_validity, last_uid FROM imap_mailboxes WHERE mailbox = ?",
                vec![mailbox.into()],
            ))
            .await?;
        row.map(|r| {
            Ok::<_, DbErr>((
                r.try_get::<Option<i64>>("", "uid_validity")?,
                r.try_get::<i64>("", "last_uid")?,
            ))
        })
        .transpose()?
    } else {
        None
    };
    txn.commit().await?;
    Ok(state)
}

/// Records where the poll got to.
async fn advance(
    db: &DatabaseConnection,
    mailbox: &str,
    uid_validity: u32,
    last_uid: u32,
) -> Result<(), DbErr> {
    let txn = db::begin_write(db).await?;
    txn.execute_raw(stmt(
        txn.get_database_backend(),
        "UPDATE imap_mailboxes SET uid_validity = ?, last_uid = ? WHERE mailbox = ?",
        vec![
            i64::from(uid_validity).into(),
            i64::from(last_uid).into(),
            mailbox.into(),
        ],
    ))
    .await?;
    txn.commit().await
}

/// Gives the lease back, with how the poll ended.
async fn release(
    db: &DatabaseConnection,
    mailbox: &str,
    instance: &str,
    error: Option<&str>,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let txn = db::begin_write(db).await?;
    txn.execute_raw(stmt(
        txn.get_database_backend(),
        "UPDATE imap_mailboxes SET lease_until = NULL, leased_by = NULL, polled_at = ?, last_error = ? \
         WHERE mailbox = ? AND leased_by = ?",
        vec![
            now.into(),
            Value::from(error.map(str::to_string)),
            mailbox.into(),
            instance.into(),
        ],
    ))
    .await?;
    txn.commit().await
}

/// Polls the mailbox once: receives each new message and marks it on the server.
pub async fn poll_once(
    db: &DatabaseConnection,
    inbox: &Inbox<'_>,
    cfg: &ImapConfig,
    instance: &str,
    max_bytes: usize,
    timeout: std::time::Duration,
) -> Result<Polled, PollError> {
    let name = cfg.display();
    let now = truncate_micros(OffsetDateTime::now_utc());
    let Some((validity, last)) = lease(db, &name, instance, now).await? else {
        return Ok(Polled {
            skipped: true,
            ..Polled::default()
        });
    };
    let polled = match imap::open(cfg, timeout).await {
        Ok(mut mailbox) => {
            let r = take_new(db, inbox, &mut mailbox, &name, validity, last, max_bytes).await;
            mailbox.logout().await;
            r
        }
        Err(e) => Err(e.into()),
    };
    let error = match &polled {
        Ok(p) => p.stopped.clone(),
        Err(e) => Some(e.to_string()),
    };
    release(
        db,
        &name,
        instance,
        error.as_deref(),
        OffsetDateTime::now_utc(),
    )
    .await?;
    polled
}

/// The messages above where the poll got to, each received and then marked.
async fn take_new(
    db: &DatabaseConnection,
    inbox: &Inbox<'_>,
    mailbox: &mut imap::Mailbox,
    name: &str,
    validity: Option<i64>,
    last: i64,
    max_bytes: usize,
) -> Result<Polled, PollError> {
    // A new UIDVALIDITY means the UIDs were renumbered: start from the first message.
    let from = match validity {
        Some(v) if v == i64::from(mailbox.uid_validity) => u32::try_from(last).unwrap_or(0),
        _ => 0,
    };
    let mut polled = Polled::default();
    for uid in mailbox.new_since(from, BATCH).await? {
        let Some(m) = mailbox.fetch(uid).await? else {
            continue;
        };
        // Received when the mailbox received it, never later than now.
        let now = OffsetDateTime::now_utc();
        let at = m.internal_date.map_or(now, |d| d.min(now));
        let received: Result<Received, ReceiveError> = if m.raw.len() > max_bytes {
            inbound::receive_oversize(db, inbox, m.raw, Box::new(std::io::empty()), max_bytes, at)
                .await
        } else {
            inbound::receive(db, inbox, &m.raw, None, at).await
        };
        match received {
            Ok(r) => {
                mailbox.done(uid).await?;
                advance(db, name, mailbox.uid_validity, uid).await?;
                polled.received.push(r);
            }
            Err(e) => {
                // Not marked: the next poll takes it again.
                polled.stopped = Some(e.to_string());
                break;
            }
        }
    }
    Ok(polled)
}
