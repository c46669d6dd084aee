//! Parsing at the boundary: raw request values become validated types or a map of
//! field → problem, so nothing unchecked travels further.

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Field path → what is wrong with it.
pub type FieldErrors = std::collections::BTreeMap<String, FieldError>;

/// What kind of problem a field has: pages translate by it, never by the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Required,
    /// Given, but only spaces.
    Blank,
    Email,
    Phone,
    Url,
    /// Not one of the values offered.
    Choice,
    /// An agent did not name the rights holder it acts for.
    AgentPrincipal,
    /// A statement the notice must make was not made.
    Statement,
    /// A URL that is not on this site's hosts.
    ForeignHost,
    /// No URL of ours is named.
    NoTarget,
    /// An evidence file that cannot be taken.
    Evidence,
    /// Longer than the field takes, in characters.
    TooLong(usize),
    /// A line break or control character in a one-line field.
    OneLine,
    /// Not the value this record has (a counter-notice's removed URL).
    Mismatch,
    /// A name another record already has.
    Taken,
    /// Anything else; the message says what.
    Invalid,
}

/// One field's problem: its kind, and the English message the API answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub problem: Problem,
    pub message: String,
}

impl FieldError {
    pub fn new(problem: Problem, message: impl Into<String>) -> Self {
        Self {
            problem,
            message: message.into(),
        }
    }
}

impl From<String> for FieldError {
    fn from(message: String) -> Self {
        Self::new(Problem::Invalid, message)
    }
}

impl From<&str> for FieldError {
    fn from(message: &str) -> Self {
        Self::new(Problem::Invalid, message)
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The API's body carries the message, as it always has.
impl serde::Serialize for FieldError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.message)
    }
}

impl PartialEq<&str> for FieldError {
    fn eq(&self, other: &&str) -> bool {
        self.message == *other
    }
}

/// An absolute http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl(String);

impl HttpUrl {
    pub const MAX_LEN: usize = 2048;

    /// Accepts exactly the contract's URL pattern: `http://` or `https://`, a DNS host
    /// (labels of letters, digits and `-`, the last starting with a letter; IDN hosts
    /// as `xn--`), an optional port of up to four digits, then no spaces or controls.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.chars().count() > Self::MAX_LEN {
            return Err(format!("longer than {} characters", Self::MAX_LEN));
        }
        url_shape(raw)?;
        let u = url::Url::parse(raw).map_err(|e| format!("not a URL ({e})"))?;
        if !matches!(u.scheme(), "http" | "https") {
            return Err("must be an http or https URL".into());
        }
        if u.host_str().is_none_or(str::is_empty) {
            return Err("must name a host".into());
        }
        Ok(Self(u.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn url_shape(raw: &str) -> Result<(), String> {
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))
        .ok_or("must be an http:// or https:// URL")?;
    let host_end = rest.find([':', '/', '?', '#']).unwrap_or(rest.len());
    let (host, mut tail) = rest.split_at(host_end);
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |l: &&str| {
        (1..=63).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let last_ok = labels
        .last()
        .is_some_and(|l| l.as_bytes().first().is_some_and(u8::is_ascii_alphabetic));
    if !labels.iter().all(label_ok) || !last_ok {
        return Err("must name a host such as news.example".into());
    }
    if let Some(after) = tail.strip_prefix(':') {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=4).contains(&digits) {
            return Err("the port must be 1 to 4 digits".into());
        }
        tail = &after[digits..];
    }
    if !(tail.is_empty() || tail.starts_with(['/', '?', '#'])) {
        return Err("must name a host such as news.example".into());
    }
    if tail.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters".into());
    }
    Ok(())
}

/// An email address safe to put in a header: one `@`, a dotted domain, no whitespace
/// or control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

/// A local part lowercased, without its `+tag`.
fn local_base(local: &str) -> String {
    local.split('+').next().unwrap_or(local).to_lowercase()
}

fn domain_key(domain: &str) -> String {
    match url::Host::parse(domain) {
        Ok(url::Host::Domain(d)) => d,
        _ => domain.to_lowercase(),
    }
}

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("is empty".into());
        }
        if s.chars().count() > 254 {
            return Err("longer than 254 characters".into());
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("must not contain spaces or control characters".into());
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err("must contain @".into());
        };
        if local.is_empty() || domain.contains('@') {
            return Err("must be name@domain".into());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
            return Err("domain must be like example.com".into());
        }
        if s.contains(['<', '>', ',', ';', '"', '\\']) {
            return Err("must be a plain address without <>,;\" or \\".into());
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The mailbox as a rate limit counts it: however it is spelled, one mailbox is one
    /// key. The domain is lowercased (and IDNA-encoded), the local part lowercased and
    /// its `+tag` dropped.
    pub fn rate_key(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        format!("{}@{}", local_base(local), domain_key(domain))
    }

    /// `name@localhost.localdomain`, for default settings; `name` is a literal word.
    pub fn local(name: &'static str) -> Self {
        debug_assert!(name.chars().all(|c| c.is_ascii_alphanumeric()));
        Self(format!("{name}@localhost.localdomain"))
    }
}

/// Parses an RFC 3339 timestamp into UTC, truncated to microseconds (what both
/// databases store exactly).
pub fn parse_timestamp(raw: &str) -> Result<OffsetDateTime, String> {
    let t = OffsetDateTime::parse(raw.trim(), &Rfc3339)
        .map_err(|_| "must be an RFC 3339 timestamp like 2022-08-24T09:19:16+08:00".to_string())?;
    Ok(truncate_micros(t.to_offset(UtcOffset::UTC)))
}

pub fn truncate_micros(t: OffsetDateTime) -> OffsetDateTime {
    let micros = t.microsecond();
    t.replace_microsecond(micros).unwrap_or(t)
}

/// RFC 3339 text of a timestamp in UTC.
pub fn format_timestamp(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Parses JSON into `T`; a type error names the field path (`source.url: invalid type…`).
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let said = plain_serde_message(&inner.to_string());
        if inner.is_syntax() || inner.is_eof() || path == "." || path == "?" {
            format!("not valid JSON: {said}")
        } else {
            format!("{path}: {said}")
        }
    })
}

/// serde's message in the contract's words: "expected struct ClaimantInput" names our
/// code, not the document, so the shapes are said as JSON says them.
fn plain_serde_message(m: &str) -> String {
    let Some(i) = m.find("expected ") else {
        return m.to_string();
    };
    let start = i + "expected ".len();
    let end = m[start..].find(" at line ").map_or(m.len(), |e| start + e);
    let wanted = &m[start..end];
    let plain = if wanted.starts_with("struct ") || wanted.starts_with("map") {
        "an object"
    } else if wanted.starts_with("enum ") || wanted.starts_with("variant ") {
        "one of the allowed values"
    } else if wanted.starts_with("a sequence") || wanted.starts_with("tuple") {
        "an array"
    } else if matches!(
        wanted,
        "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64" | "usize" | "isize"
    ) || wanted.starts_with("u64")
        || wanted.starts_with("i64")
    {
        "a whole number"
    } else if wanted == "f64" || wanted == "f32" {
        "a number"
    } else {
        wanted
    };
    format!("{}{plain}{}", &m[..start], &m[end..])
}

/// Characters that count as writing: not whitespace, not a control character.
fn is_written(c: char) -> bool {
    !c.is_whitespace() && !c.is_control()
}

/// One line of text as the schema's `LINE` pattern describes it; returned trimmed.
pub fn line(s: &str, max: usize) -> Result<String, String> {
    if s.chars().any(char::is_control) {
        Err("must be one line without control characters".into())
    } else if !s.chars().any(is_written) {
        Err("must not be blank".into())
    } else if s.chars().count() > max {
        Err(format!("longer than {max} characters"))
    } else {
        Ok(s.trim().to_string())
    }
}

/// Free text as the schema's `TEXT` pattern describes it; returned as sent.
pub fn free_text(s: &str, max: Option<usize>) -> Result<String, String> {
    if s.contains('\0') {
        Err("must not contain NUL characters".into())
    } else if !s.chars().any(is_written) {
        Err("must not be blank".into())
    } else if let Some(max) = max.filter(|m| s.chars().count() > *m) {
        Err(format!("longer than {max} characters"))
    } else {
        Ok(s.to_string())
    }
}

/// An optional whole number that JSON may write as `7` or `7.0` (both are the
/// integer 7 to JSON Schema); a fraction or a value out of range is a type error.
pub fn opt_whole<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    use serde::Deserialize;
    use serde::de::Error;
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    let whole = n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= i64::MIN as f64 && *f < i64::MAX as f64)
            .map(|f| f as i64)
    });
    whole
        .and_then(|w| T::try_from(w).ok())
        .map(Some)
        .ok_or_else(|| {
            D::Error::custom(format!(
                "invalid value: {n}, expected a whole number in range"
            ))
        })
}

/// Only spaces (and controls) given: blank; otherwise the value itself is wrong.
/// What kind of problem `line` or `free_text` found in `s`, for pages to say it.
fn blank_or_invalid(s: &str, max: Option<usize>, one_line: bool) -> Problem {
    if s.chars().all(|c| c.is_whitespace() || c.is_control()) {
        Problem::Blank
    } else if one_line && s.chars().any(char::is_control) {
        Problem::OneLine
    } else if let Some(max) = max.filter(|m| s.chars().count() > *m) {
        Problem::TooLong(max)
    } else {
        Problem::Invalid
    }
}

/// Collects field problems while a request is checked.
#[derive(Default)]
pub struct Checker {
    pub errors: FieldErrors,
}

impl Checker {
    pub fn fail(&mut self, field: &str, msg: impl Into<String>) {
        self.fail_as(field, Problem::Invalid, msg);
    }

    pub fn fail_as(&mut self, field: &str, problem: Problem, msg: impl Into<String>) {
        self.errors
            .entry(field.to_string())
            .or_insert(FieldError::new(problem, msg));
    }

    /// A required single-line text field: present, not blank, no line breaks or
    /// control characters, at most `max` characters as sent (the schema's
    /// `LINE` pattern and `maxLength`). Stored trimmed.
    pub fn line(&mut self, field: &str, v: Option<&String>, max: usize) -> String {
        match v {
            None => {
                self.fail_as(field, Problem::Required, "is required");
                String::new()
            }
            Some(s) => match line(s, max) {
                Ok(v) => v,
                Err(m) => {
                    self.fail_as(field, blank_or_invalid(s, Some(max), true), m);
                    s.trim().to_string()
                }
            },
        }
    }

    /// An optional single-line text field; blank counts as absent, control
    /// characters are refused even then.
    pub fn opt_line(&mut self, field: &str, v: Option<&String>, max: usize) -> Option<String> {
        let s = v?;
        if s.chars().any(char::is_control) {
            self.fail(field, "must be one line without control characters");
            return None;
        }
        if s.trim().is_empty() {
            return None;
        }
        line(s, max).map_err(|m| self.fail(field, m)).ok()
    }

    /// Required free text (line breaks allowed): something besides spaces and control
    /// characters, no NUL (PostgreSQL cannot store it), at most `max` characters as
    /// sent when given. The schema's `TEXT` pattern and `maxLength`.
    pub fn text(&mut self, field: &str, v: Option<&String>) -> String {
        self.text_max(field, v, None)
    }

    pub fn text_max(&mut self, field: &str, v: Option<&String>, max: Option<usize>) -> String {
        match v {
            None => {
                self.fail_as(field, Problem::Required, "is required");
                String::new()
            }
            Some(s) => free_text(s, max).unwrap_or_else(|m| {
                self.fail_as(field, blank_or_invalid(s, max, false), m);
                s.clone()
            }),
        }
    }

    /// Optional free text; blank counts as absent; NUL refused as in `text`.
    pub fn opt_text(&mut self, field: &str, v: Option<&String>) -> Option<String> {
        self.opt_text_max(field, v, None)
    }

    pub fn opt_text_max(
        &mut self,
        field: &str,
        v: Option<&String>,
        max: Option<usize>,
    ) -> Option<String> {
        let s = v?;
        if s.contains('\0') {
            self.fail(field, "must not contain NUL characters");
            return None;
        }
        if s.trim().is_empty() {
            return None;
        }
        match max {
            Some(max) if s.chars().count() > max => {
                let m = format!("longer than {max} characters");
                self.fail_as(field, Problem::TooLong(max), m);
                None
            }
            _ => Some(s.clone()),
        }
    }

    pub fn url(&mut self, field: &str, v: Option<&String>) -> Option<HttpUrl> {
        match v {
            None => {
                self.fail_as(field, Problem::Required, "is required");
                None
            }
            Some(s) => HttpUrl::parse(s)
                .map_err(|e| self.fail_as(field, Problem::Url, e))
                .ok(),
        }
    }

    pub fn timestamp(&mut self, field: &str, v: Option<&String>) -> Option<OffsetDateTime> {
        match v {
            None => {
                self.fail_as(field, Problem::Required, "is required");
                None
            }
            Some(s) => parse_timestamp(s).map_err(|e| self.fail(field, e)).ok(),
        }
    }

    pub fn opt_timestamp(&mut self, field: &str, v: Option<&String>) -> Option<OffsetDateTime> {
        let s = v.filter(|s| !s.trim().is_empty())?;
        parse_timestamp(s).map_err(|e| self.fail(field, e)).ok()
    }

    pub fn opt_email(&mut self, field: &str, v: Option<&String>) -> Option<EmailAddress> {
        let s = v.filter(|s| !s.trim().is_empty())?;
        EmailAddress::parse(s).map_err(|e| self.fail(field, e)).ok()
    }

    pub fn finish(self) -> Result<(), FieldErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_name_json_shapes_not_rust_types() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            n: u64,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            inner: Inner,
        }
        let e = parse_json::<Outer>(br#"{"inner": 5}"#).unwrap_err();
        assert!(
            e.contains("expected an object") && !e.contains("Inner"),
            "{e}"
        );
        let e = parse_json::<Outer>(br#"{"inner": {"n": "x"}}"#).unwrap_err();
        assert!(
            e.contains("expected a whole number") && !e.contains("u64"),
            "{e}"
        );
        assert!(e.starts_with("inner.n: "), "{e}");
    }

    #[test]
    fn one_mailbox_has_one_rate_key() {
        let key = |a: &str| EmailAddress::parse(a).unwrap().rate_key();
        let want = key("victim@target.example");
        for a in [
            "VICTIM@Target.Example",
            "victim+1@target.example",
            "Victim+x+y@TARGET.example",
        ] {
            assert_eq!(key(a), want, "{a}");
        }
        assert_ne!(key("victim2@target.example"), want);
        assert_ne!(key("victim@target.example.cn"), want);
        // An internationalised domain is one key in either spelling.
        assert_eq!(key("wang@新闻.example"), key("wang@xn--efvy88h.example"));
    }

    #[test]
    fn urls() {
        assert!(HttpUrl::parse("https://news.example/a.html").is_ok());
        assert!(HttpUrl::parse("ftp://news.example/a").is_err());
        assert!(HttpUrl::parse("not a url").is_err());
        assert!(HttpUrl::parse("javascript:alert(1)").is_err());
    }

    #[test]
    fn emails() {
        assert!(EmailAddress::parse("rights@source.example").is_ok());
        for bad in [
            "",
            "a",
            "a@b",
            "a@@b.c",
            "a b@c.d",
            "a@b.c\r\nBcc: x@y.z",
            "<a@b.c>",
            "a@.c",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn nul_is_refused_in_free_text() {
        let mut c = Checker::default();
        c.text("body", Some(&"a\0b".to_string()));
        c.opt_text("source.body", Some(&"\0".to_string()));
        let errs = c.finish().unwrap_err();
        assert!(errs.contains_key("body") && errs.contains_key("source.body"));
    }

    #[test]
    fn timestamps_become_utc() {
        let t = parse_timestamp("2022-08-24T09:19:16+08:00").unwrap();
        assert_eq!(format_timestamp(t), "2022-08-24T01:19:16Z");
        assert!(parse_timestamp("2022-08-24").is_err());
        assert!(parse_timestamp("yesterday").is_err());
    }
}
