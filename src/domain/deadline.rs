//! The deadline clock: which steps a complaint has, and what a sweep does with the ones
//! that are due. Pure: time is a parameter.

use std::time::Duration;

use sea_orm::{DeriveActiveEnum, EnumIter};
use time::OffsetDateTime;

/// What a step does when it falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum StepKind {
    #[sea_orm(string_value = "reminder")]
    Reminder,
    #[sea_orm(string_value = "breach")]
    Breach,
    /// The claimant did not answer a request for information in time.
    #[sea_orm(string_value = "info_wait")]
    InfoWait,
    /// A counter-notice's wait is over: restore (the occasion is its id).
    #[sea_orm(string_value = "restore")]
    Restore,
}

impl StepKind {
    /// Steps that wait on the round's clock (a restoration runs on its own).
    pub const ON_THE_CLOCK: [Self; 3] = [Self::Reminder, Self::Breach, Self::InfoWait];
}

/// The complaint as filed.
pub const FIRST_ROUND: i32 = 1;
/// The complaint's appeal.
pub const APPEAL_ROUND: i32 = 2;

/// The round under way: an appealed complaint is in its appeal.
pub fn round(appealed: bool) -> i32 {
    if appealed { APPEAL_ROUND } else { FIRST_ROUND }
}

/// One step to schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub kind: StepKind,
    pub round: i32,
    pub occasion: String,
    pub due_at: OffsetDateTime,
}

/// The step that closes a complaint whose `n`-th request for information in `round`
/// went unanswered.
pub fn info_wait_step(round: i32, n: u32, answer_by: OffsetDateTime) -> Planned {
    Planned {
        kind: StepKind::InfoWait,
        round,
        occasion: n.to_string(),
        due_at: answer_by,
    }
}

/// The step that restores an article when a counter-notice's wait is over.
pub fn restore_step(round: i32, counter_notice_id: i64, at: OffsetDateTime) -> Planned {
    Planned {
        kind: StepKind::Restore,
        round,
        occasion: counter_notice_id.to_string(),
        due_at: at,
    }
}

/// Whether an open complaint is past its round's deadline: the sweep found it breached,
/// or its clock is running and the deadline is reached. The one definition the queue,
/// the pages and the metrics use.
pub fn is_overdue(
    open: bool,
    breached: bool,
    deadline_at: OffsetDateTime,
    paused_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> bool {
    open && (breached || (paused_at.is_none() && deadline_at <= now))
}

/// How near its deadline an open complaint is, by the share of its window left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    Overdue,
    /// Under a tenth of the window left.
    Red,
    /// Under a quarter left.
    Amber,
    /// The clock is paused while the complaint waits on the claimant.
    Paused,
    InTime,
}

/// Below these shares of the window left, a complaint turns amber, then red.
pub const AMBER_SHARE: f64 = 0.25;
pub const RED_SHARE: f64 = 0.10;

impl Urgency {
    pub fn of(
        overdue: bool,
        deadline_at: OffsetDateTime,
        paused_at: Option<OffsetDateTime>,
        window: std::time::Duration,
        now: OffsetDateTime,
    ) -> Self {
        if overdue {
            return Self::Overdue;
        }
        if paused_at.is_some() {
            return Self::Paused;
        }
        let left = (deadline_at - now).as_seconds_f64();
        let share = left / window.as_secs_f64().max(1.0);
        if left <= 0.0 {
            Self::Overdue
        } else if share < RED_SHARE {
            Self::Red
        } else if share < AMBER_SHARE {
            Self::Amber
        } else {
            Self::InTime
        }
    }

    /// The deadline before which a running clock is in this stage or a worse one.
    pub fn due_by(share: f64, window: std::time::Duration, now: OffsetDateTime) -> OffsetDateTime {
        now + window.mul_f64(share)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Overdue => "overdue",
            Self::Red => "red",
            Self::Amber => "amber",
            Self::Paused => "paused",
            Self::InTime => "in-time",
        }
    }
}

/// What happens to a step when a sweep finds it due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum StepState {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "done")]
    Done,
    /// A later reminder fell due too (after downtime): only the latest is sent.
    #[sea_orm(string_value = "skipped")]
    Skipped,
    /// The complaint was decided first.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    /// The clock is paused while the complaint waits on the claimant.
    #[sea_orm(string_value = "paused")]
    Paused,
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

/// Every step of `round` of a complaint, opened at `opened_at`: reminders that fall
/// before the deadline, then the breach at the deadline.
pub fn plan(
    round: i32,
    opened_at: OffsetDateTime,
    deadline: Duration,
    reminders: &[Duration],
) -> Vec<Planned> {
    let mut offsets: Vec<Duration> = reminders
        .iter()
        .copied()
        .filter(|r| *r < deadline)
        .collect();
    offsets.sort();
    offsets.dedup();
    let mut steps: Vec<Planned> = offsets
        .into_iter()
        .map(|r| Planned {
            kind: StepKind::Reminder,
            round,
            occasion: humantime::format_duration(r).to_string(),
            due_at: opened_at + r,
        })
        .collect();
    steps.push(Planned {
        kind: StepKind::Breach,
        round,
        occasion: String::new(),
        due_at: opened_at + deadline,
    });
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

    #[test]
    fn urgency_follows_the_share_of_the_window_left() {
        let now = time::macros::datetime!(2026-12-02 12:00 UTC);
        let day = std::time::Duration::from_secs(86_400);
        let at = |mins: i64| now + time::Duration::minutes(mins);
        let u = |deadline, paused| Urgency::of(false, deadline, paused, day, now);
        assert_eq!(u(at(23 * 60), None), Urgency::InTime);
        assert_eq!(u(at(6 * 60 + 1), None), Urgency::InTime);
        assert_eq!(u(at(6 * 60 - 1), None), Urgency::Amber);
        assert_eq!(u(at(144), None), Urgency::Amber);
        assert_eq!(u(at(143), None), Urgency::Red);
        assert_eq!(u(at(1), None), Urgency::Red);
        assert_eq!(u(at(0), None), Urgency::Overdue);
        assert_eq!(u(at(1), Some(now)), Urgency::Paused);
        assert_eq!(Urgency::of(true, at(600), None, day, now), Urgency::Overdue);
    }
    use time::macros::datetime;

    #[test]
    fn default_policy_plans_three_reminders_and_a_breach() {
        let t0 = datetime!(2026-11-27 10:00 UTC);
        let h = |n: u64| Duration::from_secs(n * 3600);
        let steps = plan(1, t0, h(24), &[h(20), h(12), h(23), h(30), h(12)]);
        let names: Vec<(StepKind, &str)> = steps
            .iter()
            .map(|s| (s.kind, s.occasion.as_str()))
            .collect();
        use StepKind::*;
        assert_eq!(
            names,
            [
                (Reminder, "12h"),
                (Reminder, "20h"),
                (Reminder, "23h"),
                (Breach, "")
            ]
        );
        assert_eq!(steps[0].due_at, datetime!(2026-11-27 22:00 UTC));
        assert_eq!(steps[3].due_at, datetime!(2026-11-28 10:00 UTC));
        assert!(
            plan(APPEAL_ROUND, t0, h(24), &[h(12)])
                .iter()
                .all(|s| s.round == 2)
        );
    }

    #[test]
    fn overdue_means_open_and_breached_or_past_the_deadline() {
        let t0 = datetime!(2026-11-27 10:00 UTC);
        let later = datetime!(2026-11-27 11:00 UTC);
        assert!(is_overdue(true, false, t0, None, t0));
        assert!(is_overdue(true, false, t0, None, later));
        assert!(!is_overdue(true, false, later, None, t0));
        assert!(!is_overdue(false, false, t0, None, later));
        assert!(!is_overdue(true, false, t0, Some(t0), later));
        assert!(
            is_overdue(true, true, later, Some(t0), t0),
            "a breach stays missed"
        );
        assert!(!is_overdue(false, true, t0, None, later));
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
