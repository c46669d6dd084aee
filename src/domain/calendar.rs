//! Business days for counter-notice waits: weekends and `HOLIDAYS` are skipped,
//! `WORKDAYS` (make-up working days that fall on a weekend, as in China's calendar)
//! are counted. Dates are local to `DISPLAY_TZ`.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono_tz::Tz;
use time::{Date, OffsetDateTime, Weekday};

use super::display_time::local_date;

/// How long a wait lasts: a fixed duration, or a number of business days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wait {
    Fixed(Duration),
    BusinessDays(u32),
}

impl Wait {
    /// `10 business days`, or a duration such as `14d` or `90s`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim().to_ascii_lowercase();
        for suffix in ["business days", "business day"] {
            if let Some(n) = s.strip_suffix(suffix) {
                return n
                    .trim()
                    .parse()
                    .map(Wait::BusinessDays)
                    .map_err(|_| format!("{raw:?}: expected e.g. \"10 business days\""));
            }
        }
        humantime::parse_duration(&s).map(Wait::Fixed).map_err(|_| {
            format!("{raw:?}: expected \"10 business days\" or a duration such as 14d")
        })
    }
}

/// The site's working calendar.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub zone: Tz,
    pub holidays: BTreeSet<Date>,
    pub workdays: BTreeSet<Date>,
}

impl Calendar {
    pub fn is_business_day(&self, d: Date) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) && !self.holidays.contains(&d)
    }

    /// When a wait that starts at `from` ends. Business days count whole local days
    /// after the day of `from`; the wait ends at the same time of day on the last one.
    pub fn after(&self, from: OffsetDateTime, wait: &Wait) -> OffsetDateTime {
        match wait {
            Wait::Fixed(d) => from + *d,
            Wait::BusinessDays(n) => {
                let Some(mut day) = local_date(from, self.zone) else {
                    return from;
                };
                let start = day;
                let mut counted = 0;
                while counted < *n {
                    let Some(next) = day.next_day() else { break };
                    day = next;
                    if self.is_business_day(day) {
                        counted += 1;
                    }
                }
                from + (day - start)
            }
        }
    }
}

/// A comma-separated list of dates, `2026-10-01,2026-10-02`.
pub fn parse_dates(raw: &str) -> Result<BTreeSet<Date>, String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Date::parse(s, &fmt).map_err(|_| format!("{s:?} is not a date (YYYY-MM-DD)")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn china(holidays: &str, workdays: &str) -> Calendar {
        Calendar {
            zone: chrono_tz::Asia::Shanghai,
            holidays: parse_dates(holidays).unwrap(),
            workdays: parse_dates(workdays).unwrap(),
        }
    }

    #[test]
    fn ten_business_days_skip_weekends() {
        let cal = china("", "");
        // Friday 2026-11-27 10:00 in Shanghai.
        let from = datetime!(2026-11-27 02:00 UTC);
        assert_eq!(
            cal.after(from, &Wait::BusinessDays(10)),
            datetime!(2026-12-11 02:00 UTC)
        );
        assert_eq!(
            cal.after(from, &Wait::BusinessDays(1)),
            datetime!(2026-11-30 02:00 UTC)
        );
    }

    #[test]
    fn holidays_are_skipped_and_makeup_workdays_counted() {
        // National Day week: Oct 1–7 off, Saturday Oct 10 a make-up working day.
        let cal = china(
            "2026-10-01,2026-10-02,2026-10-05,2026-10-06,2026-10-07",
            "2026-10-10",
        );
        assert!(!cal.is_business_day(date!(2026 - 10 - 05)));
        assert!(cal.is_business_day(date!(2026 - 10 - 10)));
        // Wednesday Sep 30, 09:00 Shanghai: Oct 8, 9, 10 (Sat, worked), 12, 13.
        let from = datetime!(2026-09-30 01:00 UTC);
        assert_eq!(
            cal.after(from, &Wait::BusinessDays(5)),
            datetime!(2026-10-13 01:00 UTC)
        );
    }

    #[test]
    fn local_dates_decide_the_day() {
        let cal = china("", "");
        // Saturday 2026-11-28 07:30 Shanghai is still Friday in UTC.
        let from = datetime!(2026-11-27 23:30 UTC);
        assert_eq!(
            cal.after(from, &Wait::BusinessDays(1)),
            datetime!(2026-11-29 23:30 UTC)
        );
    }

    #[test]
    fn waits_parse() {
        assert_eq!(Wait::parse("10 business days"), Ok(Wait::BusinessDays(10)));
        assert_eq!(Wait::parse("1 business day"), Ok(Wait::BusinessDays(1)));
        assert_eq!(Wait::parse("90s"), Ok(Wait::Fixed(Duration::from_secs(90))));
        assert!(Wait::parse("soon").is_err());
        assert!(parse_dates("2026-13-01").is_err());
    }
}
