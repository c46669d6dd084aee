//! The deadline clock: which steps a complaint has, and what a sweep does with the ones
//! that are due. Pure: time is a parameter.

use std::time::Duration;

use time::OffsetDateTime;

pub const BREACH: &str = "breach";

/// What a step is, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Reminder,
    Breach,
    /// The claimant did not answer a request for information in time.
    InfoWait,
    /// A counter-notice's wait is over: restore (the counter-notice's id).
    Restore(i64),
}

impl StepKind {
    pub fn of(step: &str) -> Option<Self> {
        let head = step.split(':').next().unwrap_or_default();
        match head {
            "reminder" => Some(Self::Reminder),
            BREACH => Some(Self::Breach),
            "info_wait" => Some(Self::InfoWait),
            "restore" => step
                .strip_prefix("restore:")
                .and_then(|id| id.parse().ok())
                .map(Self::Restore),
            _ => None,
        }
    }
}

/// The step that closes a complaint whose request for information went unanswered.
pub fn info_wait_step(requested_at: OffsetDateTime) -> String {
    format!("info_wait:{}", requested_at.unix_timestamp())
}

/// The step that restores an article when a counter-notice's wait is over.
pub fn restore_step(counter_notice_id: i64) -> String {
    format!("restore:{counter_notice_id}")
}

/// The steps of an appeal: the same plan from the appeal, named apart from the first.
pub fn plan_appeal(
    appealed_at: OffsetDateTime,
    deadline: Duration,
    reminders: &[Duration],
) -> Vec<(String, OffsetDateTime)> {
    plan(appealed_at, deadline, reminders)
        .into_iter()
        .map(|(name, at)| (format!("{name}:appeal"), at))
        .collect()
}

/// What happens to a step when a sweep finds it due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Pending,
    Done,
    /// A later reminder fell due too (after downtime): only the latest is sent.
    Skipped,
    /// The complaint was decided first.
    Cancelled,
    /// The clock is paused while the complaint waits on the claimant.
    Paused,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Skipped => "skipped",
            Self::Cancelled => "cancelled",
            Self::Paused => "paused",
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
    fn step_kinds_from_names() {
        assert_eq!(StepKind::of("reminder:12h"), Some(StepKind::Reminder));
        assert_eq!(
            StepKind::of("reminder:12h:appeal"),
            Some(StepKind::Reminder)
        );
        assert_eq!(StepKind::of("breach"), Some(StepKind::Breach));
        assert_eq!(StepKind::of("breach:appeal"), Some(StepKind::Breach));
        assert_eq!(
            StepKind::of("info_wait:1790000000"),
            Some(StepKind::InfoWait)
        );
        assert_eq!(StepKind::of(&restore_step(42)), Some(StepKind::Restore(42)));
        assert_eq!(StepKind::of("restore:x"), None);
        assert_eq!(StepKind::of("restore"), None);
        assert_eq!(StepKind::of("other"), None);
        let t0 = datetime!(2026-11-27 10:00 UTC);
        let h = |n: u64| Duration::from_secs(n * 3600);
        let names: Vec<String> = plan_appeal(t0, h(24), &[h(12)])
            .into_iter()
            .map(|s| s.0)
            .collect();
        assert_eq!(names, ["reminder:12h:appeal", "breach:appeal"]);
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
