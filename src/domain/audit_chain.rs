//! The audit log's hash chain: `hash = SHA-256(prev_hash ‖ canonical event JSON)`.
//!
//! The canonical event is compact JSON with keys in sorted order (serde_json's default
//! map is a BTreeMap), so anyone can recompute a hash from an exported event.

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
    let at = e
        .occurred_at
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default();
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
