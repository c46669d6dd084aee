//! A complaint's audit events as a desk reads them: who (a reviewer by address, not
//! `staff:3`), and what happened, in a sentence; the raw event stays a click away.

use std::collections::HashMap;

use serde_json::Value;

use crate::domain::display_time::display;
use crate::entities::audit_event;

/// One event as the complaint's page shows it.
pub struct Entry {
    pub when: String,
    pub who: String,
    pub what: String,
    /// The decision's or the question's own words, when the event carries them.
    pub words: Option<String>,
    pub action: String,
    pub raw: String,
}

/// Who an actor is, for people: staff by address, the claimant, a token, the service.
fn who(actor: &str, staff: &HashMap<String, String>) -> String {
    if let Some(email) = staff.get(actor) {
        return email.clone();
    }
    match actor.split_once(':') {
        Some(("claimant", _)) => "the claimant".into(),
        Some(("token", name)) => format!("API token {name}"),
        Some(("staff", id)) => format!("staff account {id} (removed)"),
        _ if actor.is_empty() || actor == "system" || actor == "scheduler" => "takedown".into(),
        _ => actor.to_string(),
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

/// What happened, as a sentence.
fn sentence(action: &str, details: &Value) -> String {
    let n = |key: &str| details.get(key).and_then(Value::as_i64).unwrap_or(0);
    match action {
        "complaint.received" => format!(
            "Received through the {}.",
            text(details, "channel").unwrap_or_else(|| "API".into())
        ),
        "complaint.confirmed" => "The claimant confirmed their email address.".into(),
        "complaint.assigned" => "Assigned.".into(),
        "complaint.claim_overridden" => "Decided over another reviewer's claim.".into(),
        "complaint.decided" => {
            let outcome = text(details, "outcome").unwrap_or_else(|| "decided".into());
            let appeal = if details.get("appeal").and_then(Value::as_bool) == Some(true) {
                " on appeal"
            } else {
                ""
            };
            format!(
                "Decided{appeal}: {outcome}. {} article(s) taken down, {} put back.",
                n("removed_articles"),
                n("restored_articles")
            )
        }
        "complaint.info_requested" => {
            "Asked the claimant for more information; the clock paused.".into()
        }
        "complaint.info_answered" => "The claimant answered.".into(),
        "complaint.clock_paused" => "The clock paused.".into(),
        "complaint.clock_resumed" => "The clock started again.".into(),
        "complaint.closed_incomplete" => "Closed as incomplete: no answer in time.".into(),
        "complaint.reminded" => "Reminder sent to staff.".into(),
        "complaint.breached" => "The deadline passed without a decision; escalated.".into(),
        "complaint.appealed" => "The claimant appealed.".into(),
        "complaint.withdrawn" => "The claimant withdrew.".into(),
        "complaint.legal_action_recorded" => "Legal action recorded.".into(),
        "complaint.personal_data_erased" => "Personal data erased (retention).".into(),
        "counter_notice.received" => "A counter-notice arrived.".into(),
        "counter_notice.restored" => "Restored after the counter-notice wait.".into(),
        "hold.released" => "A hold on an article was released.".into(),
        "email.sent" => format!(
            "Email sent{}.",
            text(details, "kind")
                .map(|k| format!(" ({k})"))
                .unwrap_or_default()
        ),
        other => other.replace(['.', '_'], " "),
    }
}

pub fn entries(events: &[audit_event::Model], staff: &HashMap<String, String>) -> Vec<Entry> {
    events
        .iter()
        .map(|e| {
            let details: Value = serde_json::from_str(&e.details).unwrap_or(Value::Null);
            let words = match e.action.as_str() {
                "complaint.decided" | "complaint.info_requested" => {
                    text(&details, "reason").or_else(|| text(&details, "question"))
                }
                _ => None,
            };
            Entry {
                when: display(e.occurred_at),
                who: who(&e.actor, staff),
                what: sentence(&e.action, &details),
                words,
                action: e.action.clone(),
                raw: e.details.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn actors_and_decisions_read_as_people_say_them() {
        let staff = HashMap::from([("staff:3".to_string(), "ann@news.example".to_string())]);
        assert_eq!(who("staff:3", &staff), "ann@news.example");
        assert_eq!(who("claimant:33afd5", &staff), "the claimant");
        assert_eq!(who("staff:9", &staff), "staff account 9 (removed)");
        let d = json!({"outcome": "upheld", "appeal": false, "removed_articles": 1, "restored_articles": 0});
        assert_eq!(
            sentence("complaint.decided", &d),
            "Decided: upheld. 1 article(s) taken down, 0 put back."
        );
    }
}
