//! The append-only, hash-chained audit log.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::Value;
use time::OffsetDateTime;

use crate::domain::audit_chain::{ChainEvent, GENESIS, canonical_json, event_hash};
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
) -> Result<i64, sea_orm::DbErr> {
    let last = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Seq)
        .one(txn)
        .await?;
    let (seq, prev_hash) = match last {
        Some(e) => (e.seq + 1, e.hash),
        None => (1, GENESIS.to_string()),
    };
    let occurred_at = truncate_micros(now);
    let hash = event_hash(
        &prev_hash,
        &ChainEvent {
            seq,
            occurred_at,
            actor,
            action,
            subject,
            details,
        },
    );
    audit_event::ActiveModel {
        seq: Set(seq),
        occurred_at: Set(occurred_at),
        actor: Set(actor.to_string()),
        action: Set(action.to_string()),
        subject: Set(subject.to_string()),
        details: Set(canonical_json(details)),
        prev_hash: Set(prev_hash),
        hash: Set(hash),
    }
    .insert(txn)
    .await?;
    Ok(seq)
}

/// Result of recomputing the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact { events: u64 },
    Broken { seq: i64, reason: String },
}

/// Recomputes every hash from the first event on; names the first event that does not fit.
pub async fn verify(db: &impl ConnectionTrait) -> Result<Verdict, sea_orm::DbErr> {
    const PAGE: u64 = 1000;
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_string();
    loop {
        let page = audit_event::Entity::find()
            .filter(audit_event::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_event::Column::Seq)
            .paginate(db, PAGE)
            .fetch_page(0)
            .await?;
        let n = page.len() as u64;
        for e in page {
            if e.seq != expected_seq {
                return Ok(Verdict::Broken {
                    seq: expected_seq,
                    reason: format!("event {expected_seq} is missing (next is {})", e.seq),
                });
            }
            if e.prev_hash != prev {
                return Ok(Verdict::Broken {
                    seq: e.seq,
                    reason: "prev_hash does not equal the previous event's hash".into(),
                });
            }
            let Ok(details) = serde_json::from_str::<Value>(&e.details) else {
                return Ok(Verdict::Broken {
                    seq: e.seq,
                    reason: "details are not valid JSON".into(),
                });
            };
            let recomputed = event_hash(
                &prev,
                &ChainEvent {
                    seq: e.seq,
                    occurred_at: e.occurred_at,
                    actor: &e.actor,
                    action: &e.action,
                    subject: &e.subject,
                    details: &details,
                },
            );
            if recomputed != e.hash {
                return Ok(Verdict::Broken {
                    seq: e.seq,
                    reason: "content does not match its hash".into(),
                });
            }
            prev = e.hash;
            expected_seq += 1;
        }
        if n < PAGE {
            return Ok(Verdict::Intact {
                events: (expected_seq - 1) as u64,
            });
        }
    }
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
