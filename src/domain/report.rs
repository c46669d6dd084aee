//! The transparency report's arithmetic: what happened to each complaint received in a
//! period (its facts), summed into the figures the page, the JSON and the CSV all show.
//! No personal data enters here: a complaint is its status and its times.

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, Duration, OffsetDateTime, Weekday};

/// What happened to one complaint, from its row and its audit events.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub status: String,
    pub received_at: Option<OffsetDateTime>,
    /// The first decision (an appeal's decision is a reversal or not, never the first).
    pub first_decision_at: Option<OffsetDateTime>,
    /// The deadline passed undecided at least once.
    pub breached: bool,
    /// The first of its articles taken down, for whatever ground.
    pub first_removal_at: Option<OffsetDateTime>,
    pub provisional_removals: u64,
    pub counter_notices: u64,
    pub restorations: u64,
    pub appealed: bool,
    /// An appeal's decision came out the other way.
    pub reversed: bool,
    /// The source outlets of the articles it names.
    pub outlets: Vec<String>,
    /// How it arrived: `form`, `api` or `email`.
    pub channel: String,
}

/// The figures for one set of complaints.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub received: u64,
    pub upheld: u64,
    pub rejected: u64,
    /// Closed because the claimant did not answer a request for information in time.
    pub incomplete: u64,
    /// Withdrawn by the claimant before a decision.
    pub withdrawn: u64,
    /// Not yet decided (received, in review, waiting for information, appealed).
    pub pending: u64,
    pub decided: u64,
    pub decided_within_deadline: u64,
    /// `decided_within_deadline / decided`, or none before anything is decided.
    pub share_within_deadline: Option<f64>,
    pub removals: u64,
    pub removal_median_hours: Option<f64>,
    pub removal_p90_hours: Option<f64>,
    pub breaches: u64,
    pub provisional_removals: u64,
    pub counter_notices: u64,
    pub restorations: u64,
    pub appeals: u64,
    pub reversals: u64,
}

/// Column names of the CSV, in order; `Figures::row` gives the values.
pub const CSV_COLUMNS: [&str; 19] = [
    "received",
    "upheld",
    "rejected",
    "incomplete",
    "withdrawn",
    "pending",
    "decided",
    "decided_within_deadline",
    "share_within_deadline",
    "removals",
    "removal_median_hours",
    "removal_p90_hours",
    "breaches",
    "provisional_removals",
    "counter_notices",
    "restorations",
    "appeals",
    "reversals",
    "reversal_share",
];

impl Figures {
    pub fn of<'a>(facts: impl IntoIterator<Item = &'a Facts>) -> Self {
        let mut f = Figures::default();
        let mut removal_hours = Vec::new();
        for c in facts {
            f.received += 1;
            match c.status.as_str() {
                "upheld" => f.upheld += 1,
                "rejected" => f.rejected += 1,
                "incomplete" => f.incomplete += 1,
                "withdrawn" => f.withdrawn += 1,
                _ => f.pending += 1,
            }
            if c.first_decision_at.is_some() {
                f.decided += 1;
                if !c.breached {
                    f.decided_within_deadline += 1;
                }
            }
            if let (Some(r), Some(at)) = (c.received_at, c.first_removal_at) {
                f.removals += 1;
                removal_hours.push(hours(at - r));
            }
            f.breaches += u64::from(c.breached);
            f.provisional_removals += c.provisional_removals;
            f.counter_notices += c.counter_notices;
            f.restorations += c.restorations;
            f.appeals += u64::from(c.appealed);
            f.reversals += u64::from(c.reversed);
        }
        f.share_within_deadline =
            (f.decided > 0).then(|| f.decided_within_deadline as f64 / f.decided as f64);
        removal_hours.sort_by(f64::total_cmp);
        f.removal_median_hours = percentile(&removal_hours, 0.5);
        f.removal_p90_hours = percentile(&removal_hours, 0.9);
        f
    }

    /// The CSV values, in `CSV_COLUMNS` order.
    pub fn row(&self) -> Vec<String> {
        let opt = |v: Option<f64>| v.map(|x| format!("{x:.2}")).unwrap_or_default();
        let reversal_share =
            (self.appeals > 0).then(|| self.reversals as f64 / self.appeals as f64);
        vec![
            self.received.to_string(),
            self.upheld.to_string(),
            self.rejected.to_string(),
            self.incomplete.to_string(),
            self.withdrawn.to_string(),
            self.pending.to_string(),
            self.decided.to_string(),
            self.decided_within_deadline.to_string(),
            opt(self.share_within_deadline),
            self.removals.to_string(),
            opt(self.removal_median_hours),
            opt(self.removal_p90_hours),
            self.breaches.to_string(),
            self.provisional_removals.to_string(),
            self.counter_notices.to_string(),
            self.restorations.to_string(),
            self.appeals.to_string(),
            self.reversals.to_string(),
            opt(reversal_share),
        ]
    }
}

pub fn hours(d: Duration) -> f64 {
    d.as_seconds_f64() / 3600.0
}

/// Nearest-rank percentile of sorted values: the smallest value with at least `q` of
/// the values at or below it.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

/// Complaints received in one week (weeks start on Monday).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    /// The Monday, `YYYY-MM-DD`.
    pub week_of: String,
    pub received: u64,
    pub upheld: u64,
}

/// One count per week from the week of `from` to the week of `to_inclusive`, empty
/// weeks included so a chart shows the gaps.
pub fn weeks(facts: &[Facts], from: Date, to_inclusive: Date) -> Vec<Week> {
    let monday = |d: Date| d - Duration::days(i64::from(d.weekday().number_days_from_monday()));
    let mut by_week: BTreeMap<Date, (u64, u64)> = BTreeMap::new();
    let mut w = monday(from);
    while w <= to_inclusive {
        by_week.insert(w, (0, 0));
        w += Duration::weeks(1);
    }
    for c in facts {
        if let Some(at) = c.received_at {
            let e = by_week.entry(monday(at.date())).or_default();
            e.0 += 1;
            e.1 += u64::from(c.status == "upheld");
        }
    }
    debug_assert!(by_week.keys().all(|d| d.weekday() == Weekday::Monday));
    by_week
        .into_iter()
        .map(|(d, (received, upheld))| Week {
            week_of: d.to_string(),
            received,
            upheld,
        })
        .collect()
}

/// Hours from receipt to first removal, for the distribution chart.
pub fn removal_hours(facts: &[Facts]) -> Vec<f64> {
    let mut v: Vec<f64> = facts
        .iter()
        .filter_map(|c| Some(hours(c.first_removal_at? - c.received_at?)))
        .collect();
    v.sort_by(f64::total_cmp);
    v
}

/// The same figures for each source outlet a complaint named (a complaint naming two
/// outlets counts under each), by outlet name.
pub fn per_outlet(facts: &[Facts]) -> Vec<(String, Figures)> {
    let mut groups: BTreeMap<&str, Vec<&Facts>> = BTreeMap::new();
    for c in facts {
        let mut seen: Vec<&str> = c.outlets.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for o in seen {
            groups.entry(o).or_default().push(c);
        }
    }
    groups
        .into_iter()
        .map(|(o, cs)| (o.to_string(), Figures::of(cs)))
        .collect()
}

/// The same figures for each way complaints arrive, every channel listed (a channel no
/// complaint came by shows zeros: that none came by email is itself a figure).
pub fn per_channel(facts: &[Facts], channels: &[&str]) -> Vec<(String, Figures)> {
    channels
        .iter()
        .map(|ch| {
            let of: Vec<&Facts> = facts.iter().filter(|f| f.channel == *ch).collect();
            (ch.to_string(), Figures::of(of))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn nearest_rank_percentiles() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(percentile(&v, 0.5), Some(5.0));
        assert_eq!(percentile(&v, 0.9), Some(9.0));
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn a_breached_decision_is_not_within_the_deadline() {
        let at = datetime!(2026-11-02 10:00 UTC);
        let on_time = Facts {
            status: "upheld".into(),
            received_at: Some(at),
            first_decision_at: Some(at + Duration::hours(3)),
            first_removal_at: Some(at + Duration::hours(3)),
            ..Facts::default()
        };
        let late = Facts {
            status: "upheld".into(),
            received_at: Some(at),
            first_decision_at: Some(at + Duration::hours(30)),
            first_removal_at: Some(at + Duration::hours(24)),
            breached: true,
            provisional_removals: 1,
            ..Facts::default()
        };
        let f = Figures::of([&on_time, &late]);
        assert_eq!((f.decided, f.decided_within_deadline), (2, 1));
        assert_eq!(f.share_within_deadline, Some(0.5));
        assert_eq!(f.removal_median_hours, Some(3.0));
        assert_eq!(f.removal_p90_hours, Some(24.0));
        assert_eq!((f.breaches, f.provisional_removals), (1, 1));
    }

    #[test]
    fn weeks_start_on_monday_and_keep_empty_weeks() {
        let c = Facts {
            status: "upheld".into(),
            // A Wednesday.
            received_at: Some(datetime!(2026-11-18 10:00 UTC)),
            ..Facts::default()
        };
        let w = weeks(
            &[c],
            time::macros::date!(2026 - 11 - 04),
            time::macros::date!(2026 - 11 - 24),
        );
        let got: Vec<(&str, u64)> = w.iter().map(|w| (w.week_of.as_str(), w.received)).collect();
        assert_eq!(
            got,
            [
                ("2026-11-02", 0),
                ("2026-11-09", 0),
                ("2026-11-16", 1),
                ("2026-11-23", 0)
            ]
        );
    }
}
