//! The append-only, hash-chained audit log: a base layer beside `db`, written in the
//! transaction of every audited change by services and by mail delivery.

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::Value;
use time::OffsetDateTime;

use crate::domain::audit_chain::{
    Broken, ChainEvent, Checker, ExportedEvent, GENESIS, Head, canonical_json, event_hash,
    format_time,
};
use crate::domain::validate::truncate_micros;
use crate::entities::audit_event;

/// Appends one event. Call inside the transaction of the change it records, opened with
/// `db::begin_write` so appends are serialised and the chain stays linear.
pub async fn append(
    txn: &impl ConnectionTrait,
    now: OffsetDateTime,
    actor: &str,
    action: &str,
    subject: &str,
    details: &Value,
) -> Result<Head, sea_orm::DbErr> {
    append_after(txn, None, now, actor, action, subject, details).await
}

/// `append`, chained after `head` when the caller knows it is the chain's head in this
/// transaction (it appended it), which saves reading it. Were it not, the insert would
/// fail on the taken sequence number rather than fork the chain.
pub async fn append_after(
    txn: &impl ConnectionTrait,
    head: Option<Head>,
    now: OffsetDateTime,
    actor: &str,
    action: &str,
    subject: &str,
    details: &Value,
) -> Result<Head, sea_orm::DbErr> {
    let mut chain = Chain::after(head);
    let head = chain
        .link(txn, now, actor, action, subject, details)
        .await?;
    chain.write(txn).await?;
    Ok(head)
}

/// The row for `event` chained after `prev_hash`, and the head it makes.
fn linked(prev_hash: String, event: &ChainEvent<'_>) -> (audit_event::ActiveModel, Head) {
    let hash = event_hash(&prev_hash, event);
    let row = audit_event::ActiveModel {
        seq: Set(event.seq),
        occurred_at: Set(event.occurred_at),
        actor: Set(event.actor.to_string()),
        action: Set(event.action.to_string()),
        subject: Set(event.subject.to_string()),
        details: Set(canonical_json(event.details)),
        prev_hash: Set(prev_hash),
        hash: Set(hash.clone()),
    };
    (
        row,
        Head {
            seq: event.seq,
            hash,
        },
    )
}

/// The next event's sequence number and the hash it chains from.
async fn next_link(txn: &impl ConnectionTrait) -> Result<(i64, String), sea_orm::DbErr> {
    let last: Option<(i64, String)> = audit_event::Entity::find()
        .select_only()
        .columns([audit_event::Column::Seq, audit_event::Column::Hash])
        .order_by_desc(audit_event::Column::Seq)
        .into_tuple()
        .one(txn)
        .await?;
    Ok(match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS.to_string()),
    })
}

/// Events gathered by a sweep and appended together: one read of the chain's head and
/// one insert for many events, in the transaction of the changes they record.
#[derive(Default)]
pub struct Batch {
    events: Vec<(String, &'static str, String, Value)>,
}

impl Batch {
    pub fn push(&mut self, actor: &str, action: &'static str, subject: String, details: Value) {
        self.events
            .push((actor.to_string(), action, subject, details));
    }

    /// Appends the gathered events, in the order pushed, all at `now`.
    pub async fn append(
        self,
        txn: &impl ConnectionTrait,
        now: OffsetDateTime,
    ) -> Result<Option<Head>, sea_orm::DbErr> {
        let mut chain = Chain::default();
        let mut head = None;
        for (actor, action, subject, details) in &self.events {
            head = Some(
                chain
                    .link(txn, now, actor, action, subject, details)
                    .await?,
            );
        }
        chain.write(txn).await?;
        Ok(head)
    }
}

/// Events chained in memory as they happen, each with its head at once, and written
/// together: one read of the chain's head and one insert for all of them.
#[derive(Default)]
pub struct Chain {
    /// The next event's sequence number and the hash it chains from, once read.
    next: Option<(i64, String)>,
    rows: Vec<audit_event::ActiveModel>,
}

impl Chain {
    /// A chain that goes on from `head`, when the caller knows it is the head (see
    /// `append_after`); from the stored head, read at the first event, when not.
    pub fn after(head: Option<Head>) -> Self {
        Self {
            next: head.map(|h| (h.seq + 1, h.hash)),
            rows: Vec::new(),
        }
    }

    /// Chains an event after the last one; it is stored by `write`.
    pub async fn link(
        &mut self,
        txn: &impl ConnectionTrait,
        now: OffsetDateTime,
        actor: &str,
        action: &str,
        subject: &str,
        details: &Value,
    ) -> Result<Head, sea_orm::DbErr> {
        let (seq, prev_hash) = match self.next.take() {
            Some(next) => next,
            None => next_link(txn).await?,
        };
        let event = ChainEvent {
            seq,
            occurred_at: truncate_micros(now),
            actor,
            action,
            subject,
            details,
        };
        let (row, head) = linked(prev_hash, &event);
        self.rows.push(row);
        self.next = Some((head.seq + 1, head.hash.clone()));
        Ok(head)
    }

    /// Stores the chained events, in order.
    pub async fn write(self, txn: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
        crate::db::insert_all(txn, self.rows).await
    }
}

/// Result of recomputing the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact { events: u64, head: Option<Head> },
    Broken { seq: i64, reason: String },
}

impl Verdict {
    /// Also requires `head` to be in the chain: an event cut from the end of the chain
    /// shows here, when nothing else could notice it.
    pub fn holding(self, head: Option<&Head>) -> Self {
        let (Some(want), Verdict::Intact { head: last, .. }) = (head, &self) else {
            return self;
        };
        match last {
            Some(l) if l.seq >= want.seq => self,
            _ => Verdict::Broken {
                seq: want.seq,
                reason: format!(
                    "event {} is not in the chain: it ends at {}",
                    want.seq,
                    last.as_ref().map_or(0, |l| l.seq)
                ),
            },
        }
    }
}

/// Feeds events to a checker, also holding each against `head` when it passes by.
pub struct Verifier<'h> {
    checker: Checker,
    head: Option<&'h Head>,
}

impl<'h> Verifier<'h> {
    pub fn new(checker: Checker, head: Option<&'h Head>) -> Self {
        Self { checker, head }
    }

    pub fn check(&mut self, e: &ChainEvent<'_>, prev_hash: &str, hash: &str) -> Result<(), Broken> {
        self.checker.check(e, prev_hash, hash)?;
        self.holds(e.seq, hash)
    }

    pub fn check_exported(&mut self, x: &ExportedEvent) -> Result<(), Broken> {
        self.checker.check_exported(x)?;
        self.holds(x.seq, &x.hash)
    }

    /// The event at the head's place, if this is it, has the head's hash.
    fn holds(&self, seq: i64, hash: &str) -> Result<(), Broken> {
        match self.head {
            Some(h) if h.seq == seq && h.hash != hash => Err(Broken {
                seq,
                reason: format!(
                    "event {seq} has hash {hash}, not the head given ({})",
                    h.hash
                ),
            }),
            _ => Ok(()),
        }
    }

    pub fn finish(self) -> Verdict {
        Verdict::Intact {
            events: self.checker.events,
            head: self.checker.last,
        }
        .holding(self.head)
    }
}

/// Recomputes every hash from the first event on; names the first event that does not
/// fit, or a `head` the chain no longer holds.
pub async fn verify(
    db: &impl ConnectionTrait,
    head: Option<&Head>,
) -> Result<Verdict, sea_orm::DbErr> {
    let mut v = Verifier::new(Checker::from_genesis(), head);
    let mut after = 0i64;
    loop {
        let page = page_after(db, after, PAGE).await?;
        let n = page.len() as u64;
        for e in page {
            let Ok(details) = serde_json::from_str::<Value>(&e.details) else {
                return Ok(Verdict::Broken {
                    seq: e.seq,
                    reason: "details are not valid JSON".into(),
                });
            };
            let event = ChainEvent {
                seq: e.seq,
                occurred_at: e.occurred_at,
                actor: &e.actor,
                action: &e.action,
                subject: &e.subject,
                details: &details,
            };
            if let Err(b) = v.check(&event, &e.prev_hash, &e.hash) {
                return Ok(Verdict::Broken {
                    seq: b.seq,
                    reason: b.reason,
                });
            }
            after = e.seq;
        }
        if n < PAGE {
            return Ok(v.finish());
        }
    }
}

/// Events read per query when walking the chain.
pub const PAGE: u64 = 1000;

/// Up to `limit` events with `seq > after`, in order.
pub async fn page_after(
    db: &impl ConnectionTrait,
    after: i64,
    limit: u64,
) -> Result<Vec<audit_event::Model>, sea_orm::DbErr> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Seq.gt(after))
        .order_by_asc(audit_event::Column::Seq)
        .limit(limit)
        .all(db)
        .await
}

/// An event as exported; details that are not JSON (a tampered row) go out as a string
/// so the export still shows them and verification fails on them.
pub fn export(e: &audit_event::Model) -> ExportedEvent {
    ExportedEvent {
        seq: e.seq,
        occurred_at: format_time(e.occurred_at),
        actor: e.actor.clone(),
        action: e.action.clone(),
        subject: e.subject.clone(),
        details: serde_json::from_str(&e.details)
            .unwrap_or_else(|_| Value::String(e.details.clone())),
        prev_hash: e.prev_hash.clone(),
        hash: e.hash.clone(),
    }
}

/// The newest event: the chain's head now.
pub async fn head(db: &impl ConnectionTrait) -> Result<Option<Head>, sea_orm::DbErr> {
    Ok(audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Seq)
        .one(db)
        .await?
        .map(|e| Head {
            seq: e.seq,
            hash: e.hash,
        }))
}

/// The event that recorded a complaint's receipt.
pub async fn receipt_event(
    db: &impl ConnectionTrait,
    complaint_id: i64,
) -> Result<Option<Head>, sea_orm::DbErr> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::Subject.eq(format!("complaint:{complaint_id}")))
        .filter(audit_event::Column::Action.eq("complaint.received"))
        .one(db)
        .await?
        .map(|e| Head {
            seq: e.seq,
            hash: e.hash,
        }))
}

/// Events about one subject, oldest first.
pub async fn for_subject(
    db: &impl ConnectionTrait,
    subject: &str,
) -> Result<Vec<audit_event::Model>, sea_orm::DbErr> {
    audit_event::Entity::find()
        .filter(audit_event::Column::Subject.eq(subject))
        .order_by_asc(audit_event::Column::Seq)
        .all(db)
        .await
}
