//! A copyright complaint as a rights holder files it, checked into a `NewComplaint`.
//!
//! One notice carries what China (RDRIN Art. 14; Civil Code Art. 1195), the US
//! (17 USC 512(c)(3)) and the EU (DSA Art. 16(2)) ask of a notice.

use sea_orm::{DeriveActiveEnum, EnumIter};
use serde::Deserialize;
use time::{Duration, OffsetDateTime};

use super::validate::FieldErrors;
use super::validate::{Checker, EmailAddress, HttpUrl, Problem};

/// Most infringing URLs one complaint may list.
pub const MAX_TARGETS: usize = 50;
/// Most evidence URLs one complaint may list.
pub const MAX_EVIDENCE_URLS: usize = 20;
/// Longest `work.original_text` accepted, in characters.
pub const MAX_ORIGINAL_TEXT: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum Language {
    #[sea_orm(string_value = "zh")]
    Zh,
    #[sea_orm(string_value = "en")]
    En,
}

impl Language {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh-hans" | "zh-tw" | "zh-hant" | "zh-hk" => Some(Self::Zh),
            "en" | "en-us" | "en-gb" => Some(Self::En),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    /// The other of the two: where a page's language switch leads.
    pub fn other(self) -> Self {
        match self {
            Self::Zh => Self::En,
            Self::En => Self::Zh,
        }
    }

    /// The language to write to someone known by `text` (an outlet's name, its
    /// article): Chinese when it has Han characters.
    pub fn of_text(text: &str) -> Self {
        let han = |c: char| matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}');
        if text.chars().any(han) {
            Self::Zh
        } else {
            Self::En
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capacity {
    Owner,
    Agent,
}

impl Capacity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Agent => "agent",
        }
    }
}

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum ComplaintStatus {
    #[sea_orm(string_value = "received")]
    Received,
    #[sea_orm(string_value = "in_review")]
    InReview,
    #[sea_orm(string_value = "needs_info")]
    NeedsInfo,
    #[sea_orm(string_value = "upheld")]
    Upheld,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    /// Closed: the claimant did not answer a request for information in time.
    #[sea_orm(string_value = "incomplete")]
    Incomplete,
    /// A rejected complaint back in the queue on the claimant's appeal.
    #[sea_orm(string_value = "appealed")]
    Appealed,
    /// Closed: the claimant withdrew it before a decision.
    #[sea_orm(string_value = "withdrawn")]
    Withdrawn,
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for ComplaintStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ComplaintStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::InReview => "in_review",
            Self::NeedsInfo => "needs_info",
            Self::Upheld => "upheld",
            Self::Rejected => "rejected",
            Self::Incomplete => "incomplete",
            Self::Appealed => "appealed",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Every status, open ones first.
    pub const ALL: [Self; 8] = [
        Self::Received,
        Self::InReview,
        Self::NeedsInfo,
        Self::Appealed,
        Self::Upheld,
        Self::Rejected,
        Self::Incomplete,
        Self::Withdrawn,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Still waiting for a decision.
    pub const OPEN: [Self; 4] = [
        Self::Received,
        Self::InReview,
        Self::NeedsInfo,
        Self::Appealed,
    ];

    /// Still waiting for a decision.
    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }
}

/// Where a counter-notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum CounterNoticeState {
    /// The claimant may still report legal action before `restore_at`.
    #[sea_orm(string_value = "waiting")]
    Waiting,
    /// The wait ended: the hold it answers is released.
    #[sea_orm(string_value = "restored")]
    Restored,
    /// The claimant reported legal action: the removal stands.
    #[sea_orm(string_value = "legal_action")]
    LegalAction,
}

impl CounterNoticeState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Restored => "restored",
            Self::LegalAction => "legal_action",
        }
    }
}

impl std::fmt::Display for CounterNoticeState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ComplaintInput {
    pub claimant: Option<ClaimantInput>,
    pub work: Option<WorkInput>,
    pub infringing_urls: Option<Vec<String>>,
    pub evidence_urls: Option<Vec<String>>,
    pub statements: Option<StatementsInput>,
    pub signature: Option<String>,
    pub language: Option<String>,
    /// Where to POST a signed event each time the claimant is emailed about the
    /// complaint (API filings).
    pub callback: Option<CallbackInput>,
}

/// A status callback: an `https://` URL (or `http://localhost`, to try it on one
/// machine), and a secret of 32 to 200 printable ASCII characters that signs each
/// event (`X-Takedown-Signature`, as the CMS webhook is signed).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CallbackInput {
    pub url: Option<String>,
    pub secret: Option<String>,
}

/// A status callback as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    pub url: HttpUrl,
    pub secret: String,
}

impl Callback {
    pub const MIN_SECRET: usize = 32;
    pub const MAX_SECRET: usize = 200;

    /// Whether `raw` may receive callbacks: https, or plain http to this machine.
    fn scheme_ok(raw: &str) -> bool {
        raw.starts_with("https://")
            || raw
                .strip_prefix("http://localhost")
                .is_some_and(|r| r.is_empty() || r.starts_with([':', '/', '?', '#']))
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ClaimantInput {
    pub name: Option<String>,
    pub organisation: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub capacity: Option<String>,
    pub on_behalf_of: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct WorkInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub original_url: Option<String>,
    pub original_text: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct StatementsInput {
    pub good_faith: Option<bool>,
    pub accurate: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct NewComplaint {
    pub claimant_name: String,
    pub claimant_organisation: Option<String>,
    pub claimant_email: EmailAddress,
    pub claimant_phone: String,
    pub claimant_address: String,
    /// None only for a notice by email that did not say.
    pub capacity: Option<Capacity>,
    pub on_behalf_of: Option<String>,
    pub work_title: String,
    pub work_description: String,
    /// None only for a notice by email that did not say.
    pub work_original_url: Option<HttpUrl>,
    pub work_original_text: Option<String>,
    pub infringing_urls: Vec<HttpUrl>,
    pub evidence_urls: Vec<HttpUrl>,
    pub signature: String,
    pub language: Language,
    pub callback: Option<Callback>,
    /// The two statements as made (always both for the form and the API).
    pub good_faith: bool,
    pub accurate: bool,
    /// What the element checker found missing or wrong, by field name (a notice by
    /// email only: the form and the API refuse an incomplete notice).
    pub missing: Vec<String>,
}

fn phone_ok(p: &str) -> bool {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    digits >= 5
        && p.chars()
            .all(|c| c.is_ascii_digit() || " +-().ext".contains(c))
}

/// The claimant's part of a notice, as checked.
struct Claimant {
    name: String,
    organisation: Option<String>,
    email: Option<EmailAddress>,
    phone: String,
    address: String,
    capacity: Option<Capacity>,
    on_behalf_of: Option<String>,
}

fn claimant(c: &mut Checker, input: &ComplaintInput) -> Claimant {
    let empty_claimant = ClaimantInput::default();
    let cl = input.claimant.as_ref().unwrap_or_else(|| {
        c.fail_as("claimant", Problem::Required, "is required");
        &empty_claimant
    });
    let claimant_name = c.line("claimant.name", cl.name.as_ref(), 200);
    let claimant_organisation = c.opt_line("claimant.organisation", cl.organisation.as_ref(), 200);
    let claimant_email = match cl.email.as_ref() {
        None => {
            c.fail_as("claimant.email", Problem::Required, "is required");
            None
        }
        Some(e) => EmailAddress::parse(e)
            .map_err(|m| c.fail_as("claimant.email", Problem::Email, m))
            .ok(),
    };
    let claimant_phone = c.line("claimant.phone", cl.phone.as_ref(), 40);
    if !claimant_phone.is_empty() && !phone_ok(&claimant_phone) {
        c.fail_as(
            "claimant.phone",
            Problem::Phone,
            "must be a phone number (digits, spaces, + - ( ))",
        );
    }
    let claimant_address = c.text("claimant.address", cl.address.as_ref());
    if claimant_address.chars().count() > 1000 {
        c.fail("claimant.address", "longer than 1000 characters");
    }
    let capacity = match cl.capacity.as_deref().map(str::trim) {
        Some("owner") => Some(Capacity::Owner),
        Some("agent") => Some(Capacity::Agent),
        None | Some("") => {
            c.fail_as("claimant.capacity", Problem::Required, "is required");
            None
        }
        Some(_) => {
            c.fail_as(
                "claimant.capacity",
                Problem::Choice,
                "must be owner or agent",
            );
            None
        }
    };
    let on_behalf_of = c.opt_line("claimant.on_behalf_of", cl.on_behalf_of.as_ref(), 200);
    if capacity == Some(Capacity::Agent) && on_behalf_of.is_none() {
        c.fail_as(
            "claimant.on_behalf_of",
            Problem::AgentPrincipal,
            "an agent must name the rights holder it acts for",
        );
    }
    Claimant {
        name: claimant_name,
        organisation: claimant_organisation,
        email: claimant_email,
        phone: claimant_phone,
        address: claimant_address,
        capacity,
        on_behalf_of,
    }
}

/// The work's title, description, original URL and text.
fn work(
    c: &mut Checker,
    input: &ComplaintInput,
) -> (String, String, Option<HttpUrl>, Option<String>) {
    let empty_work = WorkInput::default();
    let w = input.work.as_ref().unwrap_or_else(|| {
        c.fail_as("work", Problem::Required, "is required");
        &empty_work
    });
    let work_title = c.line("work.title", w.title.as_ref(), 500);
    let work_description = c.text("work.description", w.description.as_ref());
    if work_description.chars().count() > 5000 {
        c.fail("work.description", "longer than 5000 characters");
    }
    let work_original_url = c.url("work.original_url", w.original_url.as_ref());
    let work_original_text = c.opt_text("work.original_text", w.original_text.as_ref());
    if work_original_text
        .as_ref()
        .is_some_and(|t| t.chars().count() > MAX_ORIGINAL_TEXT)
    {
        c.fail(
            "work.original_text",
            format!("longer than {MAX_ORIGINAL_TEXT} characters"),
        );
    }
    (
        work_title,
        work_description,
        work_original_url,
        work_original_text,
    )
}

/// The infringing URLs (duplicates dropped) and the evidence URLs.
fn urls(c: &mut Checker, input: &ComplaintInput) -> (Vec<HttpUrl>, Vec<HttpUrl>) {
    let mut infringing_urls = Vec::new();
    match input.infringing_urls.as_deref() {
        None | Some([]) => c.fail_as(
            "infringing_urls",
            Problem::NoTarget,
            "name at least one URL on our site",
        ),
        Some(urls) if urls.len() > MAX_TARGETS => {
            c.fail("infringing_urls", format!("at most {MAX_TARGETS} URLs"))
        }
        Some(urls) => {
            for (i, u) in urls.iter().enumerate() {
                match HttpUrl::parse(u) {
                    Ok(u) if !infringing_urls.contains(&u) => infringing_urls.push(u),
                    Ok(_) => {}
                    Err(m) => c.fail_as(&format!("infringing_urls[{i}]"), Problem::Url, m),
                }
            }
        }
    }
    let mut evidence_urls = Vec::new();
    let ev = input.evidence_urls.as_deref().unwrap_or_default();
    if ev.len() > MAX_EVIDENCE_URLS {
        c.fail("evidence_urls", format!("at most {MAX_EVIDENCE_URLS} URLs"));
    } else {
        for (i, u) in ev.iter().enumerate() {
            match HttpUrl::parse(u) {
                Ok(u) => evidence_urls.push(u),
                Err(m) => c.fail_as(&format!("evidence_urls[{i}]"), Problem::Url, m),
            }
        }
    }
    (infringing_urls, evidence_urls)
}

/// The two statements, the signature and the language.
fn statements(c: &mut Checker, input: &ComplaintInput) -> (String, Option<Language>) {
    let st = input.statements.as_ref();
    if st.and_then(|s| s.good_faith) != Some(true) {
        c.fail_as(
            "statements.good_faith",
            Problem::Statement,
            "you must state in good faith that the use is not authorised",
        );
    }
    if st.and_then(|s| s.accurate) != Some(true) {
        c.fail_as(
            "statements.accurate",
            Problem::Statement,
            "you must state that the notice is accurate and you are the owner or authorised",
        );
    }
    let signature = c.line("signature", input.signature.as_ref(), 200);
    let language = match input.language.as_deref() {
        None => Some(Language::En),
        Some(l) => Language::parse(l).or_else(|| {
            c.fail("language", "must be zh or en");
            None
        }),
    };
    (signature, language)
}

/// The status callback, when one is asked for: both fields, each checked.
fn callback(c: &mut Checker, input: &ComplaintInput) -> Option<Callback> {
    let cb = input.callback.as_ref()?;
    let url = match cb.url.as_deref() {
        None => {
            c.fail_as("callback.url", Problem::Required, "is required");
            None
        }
        Some(raw) => match HttpUrl::parse(raw) {
            Ok(u) if Callback::scheme_ok(raw) => Some(u),
            Ok(_) => {
                c.fail_as(
                    "callback.url",
                    Problem::Url,
                    "must be an https:// URL (http:// only for localhost)",
                );
                None
            }
            Err(m) => {
                c.fail_as("callback.url", Problem::Url, m);
                None
            }
        },
    };
    let secret = match cb.secret.as_deref() {
        None => {
            c.fail_as("callback.secret", Problem::Required, "is required");
            None
        }
        Some(s)
            if (Callback::MIN_SECRET..=Callback::MAX_SECRET).contains(&s.len())
                && s.bytes().all(|b| (b'!'..=b'~').contains(&b)) =>
        {
            Some(s.to_string())
        }
        Some(_) => {
            c.fail(
                "callback.secret",
                format!(
                    "must be {} to {} printable ASCII characters, without spaces",
                    Callback::MIN_SECRET,
                    Callback::MAX_SECRET
                ),
            );
            None
        }
    };
    Some(Callback {
        url: url?,
        secret: secret?,
    })
}

impl NewComplaint {
    /// A complete notice, or every problem with it.
    pub fn parse(input: &ComplaintInput) -> Result<Self, FieldErrors> {
        let (new, errors) = Self::check(input);
        match new {
            Some(n) if errors.is_empty() => Ok(n),
            _ if !errors.is_empty() => Err(errors),
            _ => Err(FieldErrors::from([(
                "request".into(),
                "is incomplete".into(),
            )])),
        }
    }

    /// A notice that arrived as free-form email: filed whatever it lacks, as long as
    /// it says who sent it, with what the element checker found missing in
    /// `missing`. Problems with the sender's address are the only refusal.
    pub fn parse_notice(input: &ComplaintInput) -> Result<Self, FieldErrors> {
        let (new, errors) = Self::check_notice(input);
        new.ok_or(errors)
    }

    /// `parse_notice`, with every problem found: what staff typed in the wrong shape
    /// is refused, not merely listed as missing.
    pub fn check_notice(input: &ComplaintInput) -> (Option<Self>, FieldErrors) {
        let (new, errors) = Self::check(input);
        let new = new.map(|mut n| {
            n.missing = errors.keys().cloned().collect();
            n
        });
        (new, errors)
    }

    /// The notice as far as it goes, and every problem found on the way; None only
    /// without a usable claimant address or language.
    fn check(input: &ComplaintInput) -> (Option<Self>, FieldErrors) {
        let mut c = Checker::default();
        let callback = callback(&mut c, input);
        let cl = claimant(&mut c, input);
        let (work_title, work_description, work_original_url, work_original_text) =
            work(&mut c, input);
        let (infringing_urls, evidence_urls) = urls(&mut c, input);
        let (signature, language) = statements(&mut c, input);
        let st = input.statements.as_ref();
        let errors = c.finish().err().unwrap_or_default();
        let new = match (cl.email, language) {
            (Some(claimant_email), Some(language)) => Some(Self {
                claimant_name: cl.name,
                claimant_organisation: cl.organisation,
                claimant_email,
                claimant_phone: cl.phone,
                claimant_address: cl.address,
                capacity: cl.capacity,
                on_behalf_of: cl.on_behalf_of,
                work_title,
                work_description,
                work_original_url,
                work_original_text,
                infringing_urls,
                evidence_urls,
                signature,
                language,
                callback,
                good_faith: st.and_then(|s| s.good_faith) == Some(true),
                accurate: st.and_then(|s| s.accurate) == Some(true),
                missing: Vec::new(),
            }),
            _ => None,
        };
        (new, errors)
    }
}

/// When a complaint received at `received_at` must be decided.
pub fn deadline(received_at: OffsetDateTime, window: Duration) -> OffsetDateTime {
    received_at + window
}

/// The claimant's unguessable handle on a complaint: 160 random bits, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingCode(String);

impl TrackingCode {
    const BYTES: usize = 20;
    /// Its length written out.
    pub const LEN: usize = Self::BYTES * 2;

    pub fn generate() -> Self {
        use rand::RngCore;
        let mut b = [0u8; Self::BYTES];
        rand::rng().fill_bytes(&mut b);
        Self(hex::encode(b))
    }

    /// Accepts only the exact shape we issue, so nothing else reaches a query.
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == Self::BYTES * 2 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub fn complete() -> serde_json::Value {
        json!({
            "claimant": {"name": "Wang Fang", "organisation": "City Daily", "email": "rights@citydaily.example",
                         "phone": "+86 10 1234 5678", "address": "1 Press Road, Beijing", "capacity": "owner"},
            "work": {"title": "Transport plan", "description": "Our report", "original_url": "https://citydaily.example/1"},
            "infringing_urls": ["https://news.example/a.html"],
            "statements": {"good_faith": true, "accurate": true},
            "signature": "Wang Fang", "language": "zh"
        })
    }

    fn parse(v: serde_json::Value) -> Result<NewComplaint, FieldErrors> {
        NewComplaint::parse(&serde_json::from_value(v).unwrap())
    }

    #[test]
    fn complete_notice_parses() {
        let c = parse(complete()).unwrap();
        assert_eq!(c.language, Language::Zh);
        assert_eq!(c.capacity, Some(Capacity::Owner));
        assert!(c.missing.is_empty() && c.good_faith && c.accurate);
        assert_eq!(c.infringing_urls.len(), 1);
    }

    #[test]
    fn each_missing_element_is_named() {
        let errs = parse(json!({})).unwrap_err();
        for f in [
            "claimant",
            "work",
            "infringing_urls",
            "statements.good_faith",
            "statements.accurate",
            "signature",
        ] {
            assert!(errs.contains_key(f), "{f}: {errs:?}");
        }
    }

    #[test]
    fn statements_must_be_true_and_agents_name_their_principal() {
        let mut v = complete();
        v["statements"]["good_faith"] = json!(false);
        v["claimant"]["capacity"] = json!("agent");
        let errs = parse(v).unwrap_err();
        assert!(errs.contains_key("statements.good_faith"));
        assert!(errs.contains_key("claimant.on_behalf_of"));
    }

    #[test]
    fn header_injection_and_bad_values_are_rejected() {
        let mut v = complete();
        v["claimant"]["email"] = json!("a@b.example\r\nBcc: victim@x.example");
        v["claimant"]["name"] = json!("Eve\r\nSubject: hi");
        v["claimant"]["phone"] = json!("call me");
        v["infringing_urls"] = json!(["https://news.example/a", "javascript:alert(1)"]);
        v["language"] = json!("fr");
        let errs = parse(v).unwrap_err();
        for f in [
            "claimant.email",
            "claimant.name",
            "claimant.phone",
            "infringing_urls[1]",
            "language",
        ] {
            assert!(errs.contains_key(f), "{f}: {errs:?}");
        }
    }

    #[test]
    fn tracking_codes_are_long_random_and_strictly_parsed() {
        let a = TrackingCode::generate();
        assert_ne!(a, TrackingCode::generate());
        assert_eq!(a.as_str().len(), 40);
        assert_eq!(TrackingCode::parse(a.as_str()), Some(a.clone()));
        assert_eq!(TrackingCode::parse("../etc/passwd"), None);
        assert_eq!(TrackingCode::parse(&a.as_str().to_uppercase()), None);
    }
}
