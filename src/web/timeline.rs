//! A complaint's audit events as a desk reads them: who (a reviewer by address, not
//! `staff:3`), and what happened, in a sentence; the raw event stays a click away.

use std::collections::HashMap;

use serde_json::Value;

use crate::domain::display_time::display;
use crate::entities::audit_event;
use crate::web::desk::Desk;

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
fn who(actor: &str, staff: &HashMap<String, String>, tr: &Desk) -> String {
    if let Some(email) = staff.get(actor) {
        return email.clone();
    }
    match actor.split_once(':') {
        Some(("claimant", _)) => tr.s("the claimant").into(),
        Some(("token", name)) => tr.f("API token {}", name),
        Some(("staff", id)) => tr.f("staff account {} (removed)", id),
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
fn sentence(action: &str, details: &Value, tr: &Desk) -> String {
    let n = |key: &str| details.get(key).and_then(Value::as_i64).unwrap_or(0);
    let said = |en: &str| tr.s(en).to_string();
    match action {
        "complaint.received" => tr.f(
            "Received through the {}.",
            text(details, "channel").unwrap_or_else(|| "API".into()),
        ),
        "complaint.confirmed" => said("The claimant confirmed their email address."),
        "complaint.assigned" => said("Assigned."),
        "complaint.claim_overridden" => said("Decided over another reviewer's claim."),
        "complaint.decided" => {
            let outcome = text(details, "outcome").unwrap_or_else(|| "decided".into());
            let outcome = tr.outcome(&outcome);
            let on_appeal = details.get("appeal").and_then(Value::as_bool) == Some(true);
            let head = if on_appeal {
                tr.f("Decided on appeal: {}.", outcome)
            } else {
                tr.f("Decided: {}.", outcome)
            };
            let counts = tr.f2(
                "{} article(s) taken down, {} put back.",
                n("removed_articles"),
                n("restored_articles"),
            );
            // Chinese runs sentences together; English spaces them.
            let gap = if tr.zh() { "" } else { " " };
            format!("{head}{gap}{counts}")
        }
        "complaint.info_requested" => {
            said("Asked the claimant for more information; the clock paused.")
        }
        "complaint.info_answered" => said("The claimant answered."),
        "complaint.clock_paused" => said("The clock paused."),
        "complaint.clock_resumed" => said("The clock started again."),
        "complaint.closed_incomplete" => said("Closed as incomplete: no answer in time."),
        "complaint.reminded" => said("Reminder sent to staff."),
        "complaint.breached" => said("The deadline passed without a decision; escalated."),
        "complaint.appealed" => said("The claimant appealed."),
        "complaint.withdrawn" => said("The claimant withdrew."),
        "complaint.legal_action_reported" => said("The claimant reported legal action."),
        "complaint.legal_action_recorded" => said("Legal action recorded."),
        "complaint.personal_data_erased" => said("Personal data erased (retention)."),
        "complaint.noted" => said("An internal note was added."),
        "counter_notice.received" => said("A counter-notice arrived."),
        "counter_notice.restored" => said("Restored after the counter-notice wait."),
        "hold.released" => said("A hold on an article was released."),
        "email.bounced" => said("Email bounced."),
        "complaint.reply_received" => said("A reply came by email."),
        "callback.delivered" => said("The submitter's status callback was told."),
        "callback.failed" => said("The submitter's status callback could not be told."),
        "email.sent" => match text(details, "kind") {
            Some(k) => tr.f("Email sent ({}).", k),
            None => said("Email sent."),
        },
        other => other.replace(['.', '_'], " "),
    }
}

pub fn entries(
    events: &[audit_event::Model],
    staff: &HashMap<String, String>,
    tr: &Desk,
) -> Vec<Entry> {
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
                who: who(&e.actor, staff, tr),
                what: sentence(&e.action, &details, tr),
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
        let en = Desk::of(crate::domain::complaint::Language::En);
        let zh = Desk::of(crate::domain::complaint::Language::Zh);
        let staff = HashMap::from([("staff:3".to_string(), "ann@news.example".to_string())]);
        assert_eq!(who("staff:3", &staff, &en), "ann@news.example");
        assert_eq!(who("claimant:33afd5", &staff, &en), "the claimant");
        assert_eq!(who("claimant:33afd5", &staff, &zh), "投诉人");
        assert_eq!(who("staff:9", &staff, &en), "staff account 9 (removed)");
        let d = json!({"outcome": "upheld", "appeal": true, "removed_articles": 1, "restored_articles": 0});
        assert_eq!(
            sentence("complaint.decided", &d, &en),
            "Decided on appeal: upheld. 1 article(s) taken down, 0 put back."
        );
        assert_eq!(
            sentence("complaint.decided", &d, &zh),
            "申诉决定：成立。删除文章 1 篇，恢复 0 篇。"
        );
    }
}
