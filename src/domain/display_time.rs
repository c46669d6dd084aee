//! Times as people read them: in `DISPLAY_TZ`, to the minute, with the offset, e.g.
//! `2026-11-28 01:07 (UTC+8)`; and time left in words. JSON and the audit log keep
//! RFC 3339 UTC.

use std::sync::OnceLock;

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use time::OffsetDateTime;

pub const DEFAULT_ZONE: Tz = chrono_tz::Asia::Shanghai;

static ZONE: OnceLock<Tz> = OnceLock::new();

/// Parses an IANA zone name such as `Asia/Shanghai` or `UTC`.
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| format!("{name:?} is not an IANA time zone (e.g. Asia/Shanghai)"))
}

/// Sets the process's display zone once, at start-up; later calls keep the first.
pub fn set_zone(tz: Tz) {
    let _ = ZONE.set(tz);
}

pub fn zone() -> Tz {
    *ZONE.get_or_init(|| DEFAULT_ZONE)
}

/// `t` in the display zone.
pub fn display(t: OffsetDateTime) -> String {
    display_in(t, zone())
}

/// `t` in `tz`, to the minute, with the offset in effect then.
pub fn display_in(t: OffsetDateTime, tz: Tz) -> String {
    let Some(local) = tz.timestamp_opt(t.unix_timestamp(), 0).single() else {
        return t.to_string();
    };
    let secs = local.offset().fix().local_minus_utc();
    format!("{} ({})", local.format("%Y-%m-%d %H:%M"), offset_name(secs))
}

/// An RFC 3339 timestamp (as stored in views) in the display zone; unparsable text
/// is shown as it is.
pub fn shown(rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .map(display)
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// The calendar date of `t` in `tz`.
pub fn local_date(t: OffsetDateTime, tz: Tz) -> Option<time::Date> {
    let local = tz.timestamp_opt(t.unix_timestamp(), 0).single()?;
    let d = local.date_naive();
    use chrono::Datelike;
    time::Date::from_calendar_date(
        d.year(),
        time::Month::try_from(d.month() as u8).ok()?,
        d.day() as u8,
    )
    .ok()
}

fn offset_name(secs: i32) -> String {
    if secs == 0 {
        return "UTC".into();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
    if m == 0 {
        format!("UTC{sign}{h}")
    } else {
        format!("UTC{sign}{h}:{m:02}")
    }
}

/// Time from `now` to `deadline` in words, right at any scale: "3 hours 5 minutes",
/// "40 minutes", "25 seconds"; "overdue by …" once past.
pub fn time_left_words(deadline: OffsetDateTime, now: OffsetDateTime) -> String {
    let secs = (deadline - now).whole_seconds();
    let words = span_words(secs.unsigned_abs());
    if secs < 0 {
        format!("overdue by {words}")
    } else {
        format!("{words} left")
    }
}

fn unit(n: u64, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// Days, hours, minutes and seconds of a span.
fn span_parts(secs: u64) -> (u64, u64, u64, u64) {
    (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    )
}

/// A span of seconds in the two largest units that matter.
pub fn span_words(secs: u64) -> String {
    let (d, h, m, s) = span_parts(secs);
    match (d, h, m) {
        (0, 0, 0) => unit(s, "second"),
        (0, 0, m) => unit(m, "minute"),
        (0, h, 0) => unit(h, "hour"),
        (0, h, m) => format!("{} {}", unit(h, "hour"), unit(m, "minute")),
        (d, 0, _) => unit(d, "day"),
        (d, h, _) => format!("{} {}", unit(d, "day"), unit(h, "hour")),
    }
}

/// `span_words` in Chinese: "180天", "3小时30分钟".
pub fn span_words_zh(secs: u64) -> String {
    let (d, h, m, s) = span_parts(secs);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}秒"),
        (0, 0, m) => format!("{m}分钟"),
        (0, h, 0) => format!("{h}小时"),
        (0, h, m) => format!("{h}小时{m}分钟"),
        (d, 0, _) => format!("{d}天"),
        (d, h, _) => format!("{d}天{h}小时"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn spans_in_chinese() {
        assert_eq!(span_words_zh(180 * 86_400), "180天");
        assert_eq!(span_words_zh(3 * 3600 + 30 * 60), "3小时30分钟");
        assert_eq!(span_words_zh(45), "45秒");
    }

    #[test]
    fn shows_the_minute_and_the_offset() {
        let t = datetime!(2026-11-27 17:07:09.232924 UTC);
        assert_eq!(display_in(t, DEFAULT_ZONE), "2026-11-28 01:07 (UTC+8)");
        assert_eq!(display_in(t, chrono_tz::UTC), "2026-11-27 17:07 (UTC)");
        assert_eq!(
            display_in(t, parse_zone("Asia/Kolkata").unwrap()),
            "2026-11-27 22:37 (UTC+5:30)"
        );
        // The offset in effect on the day, not today's.
        let ny = parse_zone("America/New_York").unwrap();
        assert_eq!(
            display_in(datetime!(2026-07-01 12:00 UTC), ny),
            "2026-07-01 08:00 (UTC-4)"
        );
        assert_eq!(display_in(t, ny), "2026-11-27 12:07 (UTC-5)");
        assert!(parse_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn time_left_in_words_at_every_scale() {
        let d = datetime!(2026-11-28 10:00 UTC);
        let at = |secs: i64| d - time::Duration::seconds(secs);
        assert_eq!(
            time_left_words(d, at(3 * 3600 + 5 * 60)),
            "3 hours 5 minutes left"
        );
        assert_eq!(time_left_words(d, at(3600)), "1 hour left");
        assert_eq!(time_left_words(d, at(40 * 60 + 10)), "40 minutes left");
        assert_eq!(time_left_words(d, at(25)), "25 seconds left");
        assert_eq!(time_left_words(d, at(1)), "1 second left");
        assert_eq!(
            time_left_words(d, at(2 * 86_400 + 7200)),
            "2 days 2 hours left"
        );
        assert_eq!(
            time_left_words(d, at(-(2 * 3600 + 600))),
            "overdue by 2 hours 10 minutes"
        );
    }
}
