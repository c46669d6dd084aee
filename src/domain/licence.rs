//! Licences as records: the terms a CMS or the desk saves under a reference, checked
//! into `Terms`, and the verdicts an article's compliance is made of. Pure: no
//! database, no clock but the one passed in.

use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::validate::{Checker, EmailAddress, FieldErrors, format_timestamp};
use takedown_text::canonical::sha256_hex;
use takedown_text::fingerprint;

/// Outlets or hosts one licence may name, and rights it may list.
pub const MAX_LIST: usize = 100;
const SHORT: usize = 500;

/// Whether an article's licence covers it, as far as the licence record tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LicenceVerdict {
    Covered,
    /// It covered the article when republished, and has ended since.
    Expired,
    ExpiredAtRepublication,
    NotYetValid,
    OutletNotCovered,
    UnknownLicence,
}

impl LicenceVerdict {
    pub const ALL: [Self; 6] = [
        Self::Covered,
        Self::Expired,
        Self::ExpiredAtRepublication,
        Self::NotYetValid,
        Self::OutletNotCovered,
        Self::UnknownLicence,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Covered => "covered",
            Self::Expired => "expired",
            Self::ExpiredAtRepublication => "expired_at_republication",
            Self::NotYetValid => "not_yet_valid",
            Self::OutletNotCovered => "outlet_not_covered",
            Self::UnknownLicence => "unknown_licence",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Whether the article is online under a right it has now.
    pub fn is_valid(self) -> bool {
        self == Self::Covered
    }
}

/// Whether the published text names its source (and author, when known).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribution {
    Ok,
    Missing,
    /// Nothing to look for: the outlet's name has no letters or characters.
    Unknown,
}

impl Attribution {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Missing => "missing",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Ok, Self::Missing, Self::Unknown]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// What happens to the live articles a licence covers when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnLicenceExpiry {
    /// They show `expired` wherever staff look.
    Flag,
    /// Each gets a `licence_expired` hold: down until the licence is renewed.
    Remove,
}

impl OnLicenceExpiry {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "flag" => Some(Self::Flag),
            "remove" => Some(Self::Remove),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Flag => "flag",
            Self::Remove => "remove",
        }
    }
}

/// The request shape: everything optional so that every missing field can be named.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct LicenceRecordInput {
    /// The agreement's reference, as articles' `licence.reference` name it.
    pub reference: Option<String>,
    /// Who granted it.
    pub licensor: Option<String>,
    /// Where the licensor is reached about it.
    pub licensor_contact: Option<String>,
    pub covers: Option<CoversInput>,
    pub starts_at: Option<String>,
    /// When it ends; none for a licence without end.
    pub ends_at: Option<String>,
    pub rights: Option<Vec<String>>,
    /// Whether the republication must name the source and author (default true).
    pub attribution_required: Option<bool>,
    /// Whether the text may be changed (default false).
    pub edits_allowed: Option<bool>,
}

/// What a licence covers: articles from these outlets, or from these hosts.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct CoversInput {
    pub outlets: Option<Vec<String>>,
    /// Hosts of the source URL; each covers its subdomains too.
    pub source_hosts: Option<Vec<String>>,
}

/// A licence's terms, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Terms {
    pub reference: String,
    pub licensor: String,
    pub licensor_contact: Option<EmailAddress>,
    pub outlets: Vec<String>,
    pub source_hosts: Vec<String>,
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    pub rights: Vec<String>,
    pub attribution_required: bool,
    pub edits_allowed: bool,
}

/// A host name as a licence lists it: dot-separated labels of letters, digits and
/// hyphens, an optional final dot (the contract's `HOST_NAME`). Stored lower-case.
pub fn host_name(raw: &str) -> Result<String, String> {
    let h = raw.strip_suffix('.').unwrap_or(raw).to_ascii_lowercase();
    let ok = !h.is_empty()
        && raw.len() <= 253
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if ok {
        Ok(h)
    } else {
        Err(format!("{raw:?} is not a host name (e.g. hzdaily.example)"))
    }
}

fn list(
    c: &mut Checker,
    field: &str,
    v: Option<&Vec<String>>,
    each: impl Fn(&str) -> Result<String, String>,
) -> Vec<String> {
    let Some(v) = v else { return Vec::new() };
    if v.len() > MAX_LIST {
        c.fail(field, format!("must list at most {MAX_LIST}"));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (i, s) in v.iter().enumerate() {
        match each(s) {
            Ok(s) if !out.contains(&s) => out.push(s),
            Ok(_) => {}
            Err(e) => c.fail(&format!("{field}[{i}]"), e),
        }
    }
    out
}

impl Terms {
    pub fn parse(input: &LicenceRecordInput) -> Result<Self, FieldErrors> {
        let mut c = Checker::default();
        let reference = c.line("reference", input.reference.as_ref(), SHORT);
        let licensor = c.line("licensor", input.licensor.as_ref(), SHORT);
        let licensor_contact = c.opt_email("licensor_contact", input.licensor_contact.as_ref());
        let empty = CoversInput::default();
        let covers = input.covers.as_ref().unwrap_or(&empty);
        let line = |s: &str| super::validate::line(s, SHORT);
        let outlets = list(&mut c, "covers.outlets", covers.outlets.as_ref(), line);
        let source_hosts = list(
            &mut c,
            "covers.source_hosts",
            covers.source_hosts.as_ref(),
            host_name,
        );
        if outlets.is_empty()
            && source_hosts.is_empty()
            && !c.errors.keys().any(|k| k.starts_with("covers"))
        {
            c.fail(
                "covers",
                "must name at least one outlet or source host the licence covers",
            );
        }
        let starts_at = c.opt_timestamp("starts_at", input.starts_at.as_ref());
        let ends_at = c.opt_timestamp("ends_at", input.ends_at.as_ref());
        if let (Some(s), Some(e)) = (starts_at, ends_at)
            && e <= s
        {
            c.fail("ends_at", "must be after starts_at");
        }
        let rights = list(&mut c, "rights", input.rights.as_ref(), |s| {
            super::validate::line(s, 100)
        });
        c.finish()?;
        Ok(Self {
            reference,
            licensor,
            licensor_contact,
            outlets,
            source_hosts,
            starts_at,
            ends_at,
            rights,
            attribution_required: input.attribution_required.unwrap_or(true),
            edits_allowed: input.edits_allowed.unwrap_or(false),
        })
    }

    /// Everything saved, as canonical JSON: equal records mean an idempotent repeat.
    pub fn record_json(&self) -> Value {
        json!({
            "reference": self.reference,
            "licensor": self.licensor,
            "licensor_contact": self.licensor_contact.as_ref().map(EmailAddress::as_str),
            "covers": {"outlets": self.outlets, "source_hosts": self.source_hosts},
            "starts_at": self.starts_at.map(format_timestamp),
            "ends_at": self.ends_at.map(format_timestamp),
            "rights": self.rights,
            "attribution_required": self.attribution_required,
            "edits_allowed": self.edits_allowed,
        })
    }

    pub fn record_sha256(&self) -> String {
        sha256_hex(self.record_json().to_string().as_bytes())
    }

    /// Whether the licence names the article's outlet or the host of its source URL.
    pub fn covers(&self, outlet: &str, source_url: &str) -> bool {
        let outlet = name_key(outlet);
        if !outlet.is_empty() && self.outlets.iter().any(|o| name_key(o) == outlet) {
            return true;
        }
        let Some(host) = url::Url::parse(source_url).ok().and_then(|u| {
            u.host_str()
                .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
        }) else {
            return false;
        };
        self.source_hosts
            .iter()
            .any(|h| host == *h || host.ends_with(&format!(".{h}")))
    }

    /// The licence verdict for an article from `outlet` at `source_url`, republished
    /// at `republished_at`, as it stands at `now`.
    pub fn verdict(
        &self,
        outlet: &str,
        source_url: &str,
        republished_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> LicenceVerdict {
        if !self.covers(outlet, source_url) {
            return LicenceVerdict::OutletNotCovered;
        }
        if self.starts_at.is_some_and(|s| republished_at < s) {
            return LicenceVerdict::NotYetValid;
        }
        match self.ends_at {
            Some(e) if republished_at >= e => LicenceVerdict::ExpiredAtRepublication,
            Some(e) if now >= e => LicenceVerdict::Expired,
            _ => LicenceVerdict::Covered,
        }
    }
}

/// A name as compared: canonical, lower-case, Simplified, letters and digits only, so
/// width, script, spacing and punctuation do not tell two spellings apart.
pub fn name_key(s: &str) -> String {
    fingerprint::fold(s)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// What of an article its licence does not decide: measured once, when it is recorded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextVerdicts {
    /// The lesser of the two containments, source in published and published in
    /// source; None without a source body.
    pub source_containment: Option<f64>,
    pub title_changed: Option<bool>,
    pub attribution: Attribution,
}

/// The parts of an article the text verdicts read.
pub struct ArticleText<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub byline: Option<&'a str>,
    pub body_fingerprints: &'a [u64],
    pub source_outlet: &'a str,
    pub source_author: Option<&'a str>,
    pub source_title: Option<&'a str>,
    pub source_body: Option<&'a str>,
}

impl TextVerdicts {
    pub fn of(a: &ArticleText<'_>) -> Self {
        let source_containment = a.source_body.map(|s| {
            let source = fingerprint::fingerprints(s);
            let ours = a.body_fingerprints;
            fingerprint::containment(&source, ours).min(fingerprint::containment(ours, &source))
        });
        let title_changed = a.source_title.map(|t| name_key(t) != name_key(a.title));
        let outlet = name_key(a.source_outlet);
        let attribution = if outlet.is_empty() {
            Attribution::Unknown
        } else {
            let mut published = name_key(a.body);
            if let Some(b) = a.byline {
                published.push_str(&name_key(b));
            }
            let author_named = a
                .source_author
                .map(name_key)
                .is_none_or(|au| au.is_empty() || published.contains(&au));
            if published.contains(&outlet) && author_named {
                Attribution::Ok
            } else {
                Attribution::Missing
            }
        };
        Self {
            source_containment,
            title_changed,
            attribution,
        }
    }
}

/// Whether a text whose lesser containment is `c` counts as altered at `threshold`.
pub fn altered(c: Option<f64>, threshold: f64) -> Option<bool> {
    c.map(|c| c < threshold)
}

/// Whether `claimant` writes from the licensor's contact address or its domain.
pub fn is_licensor(claimant: &str, contact: Option<&str>) -> bool {
    let Some(contact) = contact else { return false };
    let domain = |a: &str| a.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase());
    claimant.eq_ignore_ascii_case(contact)
        || domain(claimant).is_some_and(|d| Some(d) == domain(contact))
}

/// The licence settings (`LICENCE_REMINDERS`, `LICENCE_NOTIFY`, `ON_LICENCE_EXPIRY`,
/// `ALTERATION_THRESHOLD`).
#[derive(Debug, Clone, PartialEq)]
pub struct LicenceSettings {
    /// Reminders before a licence ends, largest first.
    pub reminders: Vec<std::time::Duration>,
    /// Who is reminded; None: `STAFF_NOTIFY`.
    pub notify: Option<Vec<EmailAddress>>,
    pub on_expiry: OnLicenceExpiry,
    /// Below this containment either way, the published text counts as altered.
    pub alteration_threshold: f64,
}

impl Default for LicenceSettings {
    fn default() -> Self {
        Self {
            reminders: [30, 7, 1]
                .map(|d| std::time::Duration::from_secs(d * 86_400))
                .to_vec(),
            notify: None,
            on_expiry: OnLicenceExpiry::Flag,
            alteration_threshold: 0.9,
        }
    }
}

/// A list of offsets before a licence ends (`30d,7d,1d`).
pub fn parse_offsets(raw: &str) -> Result<Vec<std::time::Duration>, String> {
    let mut out = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| humantime::parse_duration(s).map_err(|e| format!("{s}: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_unstable_by(|a, b| b.cmp(a));
    out.dedup();
    Ok(out)
}

/// The reminder steps' names: humantime's words for the offset, with no separators.
pub fn offset_name(d: std::time::Duration) -> String {
    humantime::format_duration(d).to_string().replace(' ', "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn terms() -> Terms {
        Terms::parse(
            &serde_json::from_value(json!({
                "reference": "SYND-2022-017", "licensor": "杭州日报",
                "licensor_contact": "rights@hzdaily.example",
                "covers": {"outlets": ["杭州日報"], "source_hosts": ["hzdaily.example"]},
                "starts_at": "2022-01-01T00:00:00+08:00", "ends_at": "2023-12-31T23:59:59+08:00",
                "rights": ["online_republication"]
            }))
            .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn every_verdict_follows_the_terms() {
        let t = terms();
        let during = datetime!(2022-06-01 0:00 UTC);
        let after = datetime!(2026-01-01 0:00 UTC);
        let url = "https://www.hzdaily.example/a";
        assert_eq!(
            t.verdict("杭州日报", url, during, during),
            LicenceVerdict::Covered
        );
        assert_eq!(
            t.verdict("杭州日报", url, during, after),
            LicenceVerdict::Expired
        );
        assert_eq!(
            t.verdict("杭州日报", url, after, after),
            LicenceVerdict::ExpiredAtRepublication
        );
        assert_eq!(
            t.verdict("杭州日报", url, datetime!(2021-06-01 0:00 UTC), during),
            LicenceVerdict::NotYetValid
        );
        // The host covers it though the outlet is spelled otherwise; neither does not.
        assert_eq!(
            t.verdict("HZ Daily", url, during, during),
            LicenceVerdict::Covered
        );
        assert_eq!(
            t.verdict("钱江晚报", "https://qjwb.example/a", during, during),
            LicenceVerdict::OutletNotCovered
        );
        assert_eq!(
            t.verdict("钱江晚报", "https://nothzdaily.example/a", during, during),
            LicenceVerdict::OutletNotCovered
        );
    }

    #[test]
    fn bad_terms_are_named() {
        let errs = Terms::parse(
            &serde_json::from_value(json!({
                "reference": " ", "licensor_contact": "nobody",
                "covers": {"source_hosts": ["not a host"]},
                "starts_at": "2024-01-01T00:00:00Z", "ends_at": "2023-01-01T00:00:00Z",
                "rights": ["a\nb"]
            }))
            .unwrap(),
        )
        .unwrap_err();
        for f in [
            "reference",
            "licensor",
            "licensor_contact",
            "covers.source_hosts[0]",
            "ends_at",
            "rights[0]",
        ] {
            assert!(errs.contains_key(f), "{f} missing from {errs:?}");
        }
        let errs = Terms::parse(&LicenceRecordInput {
            reference: Some("R".into()),
            licensor: Some("L".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(errs.contains_key("covers"), "{errs:?}");
    }

    #[test]
    fn attribution_and_title_read_through_width_and_script() {
        let fps = fingerprint::fingerprints("正文");
        let base = ArticleText {
            title: "西湖邊的春天",
            body: "正文……（來源：杭州日報　記者 王芳）",
            byline: None,
            body_fingerprints: &fps,
            source_outlet: "杭州日报",
            source_author: Some("王芳"),
            source_title: Some("西湖边的春天！"),
            source_body: None,
        };
        let v = TextVerdicts::of(&base);
        assert_eq!(v.attribution, Attribution::Ok);
        assert_eq!(v.title_changed, Some(false));
        assert_eq!(v.source_containment, None);
        let v = TextVerdicts::of(&ArticleText {
            body: "正文",
            byline: Some("杭州日报"),
            title: "西湖的秋天",
            ..base
        });
        assert_eq!(
            v.attribution,
            Attribution::Missing,
            "the author is not named"
        );
        assert_eq!(v.title_changed, Some(true));
    }

    #[test]
    fn the_licensor_writes_from_its_contact_or_domain() {
        let c = Some("rights@hzdaily.example");
        assert!(is_licensor("Rights@HZDaily.example", c));
        assert!(is_licensor("wang@hzdaily.example", c));
        assert!(!is_licensor("wang@other.example", c));
        assert!(!is_licensor("wang@hzdaily.example", None));
    }

    #[test]
    fn offsets_parse_largest_first() {
        let o = parse_offsets("1d, 30d,7d").unwrap();
        assert_eq!(
            o.iter().map(|d| offset_name(*d)).collect::<Vec<_>>(),
            ["30days", "7days", "1day"]
        );
        assert!(parse_offsets("soon").is_err());
    }
}
