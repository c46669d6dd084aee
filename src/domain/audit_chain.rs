//! The audit log's hash chain: `hash = SHA-256(prev_hash ‖ canonical event JSON)`.
//!
//! The canonical event is compact JSON with keys in sorted order (serde_json's default
//! map is a BTreeMap), so anyone can recompute a hash from an exported event.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event as it is hashed.
#[derive(Debug, Clone)]
pub struct ChainEvent<'a> {
    pub seq: i64,
    pub occurred_at: OffsetDateTime,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub details: &'a Value,
}

/// Canonical JSON text of any value (sorted keys, no insignificant whitespace).
pub fn canonical_json(value: &Value) -> String {
    // serde_json without `preserve_order` keeps object keys sorted.
    value.to_string()
}

/// Canonical JSON of the event.
pub fn canonical_event(e: &ChainEvent<'_>) -> String {
    let at = format_time(e.occurred_at);
    canonical_json(&json!({
        "seq": e.seq,
        "occurred_at": at,
        "actor": e.actor,
        "action": e.action,
        "subject": e.subject,
        "details": e.details,
    }))
}

/// The event's hash given the previous event's hash.
pub fn event_hash(prev_hash: &str, e: &ChainEvent<'_>) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical_event(e).as_bytes());
    hex::encode(h.finalize())
}

/// One event as `GET /api/v1/audit` exports it: everything a third party needs to
/// recompute `hash` from `prev_hash`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportedEvent {
    pub seq: i64,
    /// RFC 3339, UTC, as hashed.
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub details: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// A point in the chain handed to someone as proof: `SEQ:HASH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

impl std::fmt::Display for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl Head {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let (seq, hash) = raw
            .trim()
            .split_once(':')
            .ok_or("a head is SEQ:HASH, e.g. 42:9f86d0…")?;
        let seq = seq
            .parse::<i64>()
            .ok()
            .filter(|s| *s > 0)
            .ok_or("SEQ must be a whole number above 0")?;
        let hash = hash.to_ascii_lowercase();
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("HASH must be 64 hexadecimal digits".into());
        }
        Ok(Self { seq, hash })
    }
}

/// Where and why a chain stops fitting together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub reason: String,
}

/// Walks events in order and checks each against the one before. From genesis it
/// expects event 1; from a partial export it trusts the first event's link.
#[derive(Debug, Clone)]
pub struct Checker {
    next: Option<(i64, String)>,
    pub events: u64,
    pub last: Option<Head>,
}

impl Checker {
    pub fn from_genesis() -> Self {
        Self {
            next: Some((1, GENESIS.to_string())),
            events: 0,
            last: None,
        }
    }

    pub fn from_anywhere() -> Self {
        Self {
            next: None,
            events: 0,
            last: None,
        }
    }

    pub fn check(&mut self, e: &ChainEvent<'_>, prev_hash: &str, hash: &str) -> Result<(), Broken> {
        let broken = |reason: String| Broken { seq: e.seq, reason };
        let (want_seq, want_prev) = self.next.take().unwrap_or_else(|| match e.seq {
            1 => (1, GENESIS.to_string()),
            _ => (e.seq, prev_hash.to_string()),
        });
        if e.seq != want_seq {
            return Err(Broken {
                seq: want_seq,
                reason: format!("event {want_seq} is missing (next is {})", e.seq),
            });
        }
        if prev_hash != want_prev {
            return Err(broken(
                "prev_hash does not equal the previous event's hash".into(),
            ));
        }
        if event_hash(prev_hash, e) != hash {
            return Err(broken("content does not match its hash".into()));
        }
        self.next = Some((e.seq + 1, hash.to_string()));
        self.events += 1;
        self.last = Some(Head {
            seq: e.seq,
            hash: hash.to_string(),
        });
        Ok(())
    }

    /// Checks one exported event.
    pub fn check_exported(&mut self, x: &ExportedEvent) -> Result<(), Broken> {
        let occurred_at = OffsetDateTime::parse(&x.occurred_at, &Rfc3339).map_err(|_| Broken {
            seq: x.seq,
            reason: "occurred_at is not an RFC 3339 time".into(),
        })?;
        self.check(
            &ChainEvent {
                seq: x.seq,
                occurred_at,
                actor: &x.actor,
                action: &x.action,
                subject: &x.subject,
                details: &x.details,
            },
            &x.prev_hash,
            &x.hash,
        )
    }
}

/// RFC 3339 in UTC, the form hashed.
pub fn format_time(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(details: &Value) -> ChainEvent<'_> {
        ChainEvent {
            seq: 1,
            occurred_at: time::macros::datetime!(2026-11-27 10:00:00 UTC),
            actor: "token:cms",
            action: "article.recorded",
            subject: "article:1",
            details,
        }
    }

    #[test]
    fn key_order_does_not_matter_but_values_do() {
        let a = serde_json::from_str::<Value>(r#"{"b":1,"a":2}"#).unwrap();
        let b = serde_json::from_str::<Value>(r#"{"a":2,"b":1}"#).unwrap();
        let c = serde_json::from_str::<Value>(r#"{"a":3,"b":1}"#).unwrap();
        assert_eq!(
            event_hash(GENESIS, &event(&a)),
            event_hash(GENESIS, &event(&b))
        );
        assert_ne!(
            event_hash(GENESIS, &event(&a)),
            event_hash(GENESIS, &event(&c))
        );
    }

    #[test]
    fn hash_covers_previous_hash() {
        let d = json!({});
        assert_ne!(
            event_hash(GENESIS, &event(&d)),
            event_hash("ab", &event(&d))
        );
    }

    #[test]
    fn canonical_form_is_sorted_compact_json() {
        let d = json!({"z": [1, 2], "a": "x"});
        assert_eq!(
            canonical_event(&event(&d)),
            r#"{"action":"article.recorded","actor":"token:cms","details":{"a":"x","z":[1,2]},"occurred_at":"2026-11-27T10:00:00Z","seq":1,"subject":"article:1"}"#
        );
    }
}
