//! The deadline clock: which steps a complaint has, and what a sweep does with the ones
//! that are due. Pure: time is a parameter.

use std::time::Duration;

use time::OffsetDateTime;

pub const BREACH: &str = "breach";

/// What happens to a step when a sweep finds it due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Pending,
    Done,
    /// A later reminder fell due too (after downtime): only the latest is sent.
    Skipped,
    /// The complaint was decided first.
    Cancelled,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Skipped => "skipped",
            Self::Cancelled => "cancelled",
        }
    }
}

/// What the site does when a deadline passes without a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnBreach {
    /// Take the targeted articles down provisionally, and escalate.
    Remove,
    /// Only escalate.
    Escalate,
}

impl OnBreach {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "remove" => Some(Self::Remove),
            "escalate" => Some(Self::Escalate),
            _ => None,
        }
    }
}

/// The name of the reminder step at `after` from receipt, e.g. `reminder:12h`.
pub fn reminder_step(after: Duration) -> String {
    format!("reminder:{}", humantime::format_duration(after))
}

/// Every step of a complaint received at `received_at`: reminders that fall before the
/// deadline, then the breach at the deadline.
pub fn plan(
    received_at: OffsetDateTime,
    deadline: Duration,
    reminders: &[Duration],
) -> Vec<(String, OffsetDateTime)> {
    let mut steps: Vec<(String, OffsetDateTime)> = reminders
        .iter()
        .filter(|r| **r < deadline)
        .map(|r| (reminder_step(*r), received_at + *r))
        .collect();
    steps.sort_by_key(|(_, at)| *at);
    steps.dedup_by(|a, b| a.0 == b.0);
    steps.push((BREACH.to_string(), received_at + deadline));
    steps
}

/// Of the reminders due at once (sorted by due time), the one to send and the ones to
/// record as skipped.
pub fn latest_only<T>(due_reminders: Vec<T>) -> (Option<T>, Vec<T>) {
    let mut v = due_reminders;
    let last = v.pop();
    (last, v)
}

/// Delay before the next attempt at an email: 30 s doubling per attempt, capped at an
/// hour, stretched by `jitter` (0.0–1.0) of up to a quarter so that retries spread.
pub fn backoff(attempts: i32, jitter: f64) -> Duration {
    let exp = attempts.clamp(1, 16) as u32 - 1;
    let base = (30u64 << exp).min(3600);
    Duration::from_secs_f64(base as f64 * (1.0 + 0.25 * jitter.clamp(0.0, 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn default_policy_plans_three_reminders_and_a_breach() {
        let t0 = datetime!(2026-11-27 10:00 UTC);
        let h = |n: u64| Duration::from_secs(n * 3600);
        let steps = plan(t0, h(24), &[h(20), h(12), h(23), h(30)]);
        let names: Vec<&str> = steps.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            names,
            ["reminder:12h", "reminder:20h", "reminder:23h", "breach"]
        );
        assert_eq!(steps[0].1, datetime!(2026-11-27 22:00 UTC));
        assert_eq!(steps[3].1, datetime!(2026-11-28 10:00 UTC));
    }

    #[test]
    fn only_the_latest_due_reminder_is_sent() {
        let (send, skip) = latest_only(vec!["12h", "20h"]);
        assert_eq!(send, Some("20h"));
        assert_eq!(skip, ["12h"]);
        let (send, skip) = latest_only(Vec::<&str>::new());
        assert_eq!((send, skip.len()), (None, 0));
    }

    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(backoff(1, 0.0), Duration::from_secs(30));
        assert_eq!(backoff(2, 0.0), Duration::from_secs(60));
        assert_eq!(backoff(10, 0.0), Duration::from_secs(3600));
        assert_eq!(backoff(3, 1.0), Duration::from_secs(150));
    }
}
