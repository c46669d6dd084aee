//! The exact contract of the JSON API. The request types keep every field optional so
//! that each missing one can be named in a 422; the description says what is really
//! accepted: required fields, null or not, patterns and lengths that are the
//! validators' own rules (`domain::validate::{line, free_text}`, `EmailAddress`,
//! `HttpUrl`), enums, and every status code each operation can answer.

use serde_json::{Map, Value, json};

use crate::domain::complaint::{MAX_EVIDENCE_URLS, MAX_ORIGINAL_TEXT, MAX_TARGETS};
use crate::domain::licence::MAX_LIST;
use crate::services::decisions::MAX_REASON_CHARS;
use crate::services::info_requests::MAX_TEXT_CHARS;

/// One line: no control characters, something besides spaces (`validate::line`).
pub const LINE: &str = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$";
/// An optional line: blank means absent, control characters are refused.
pub const OPT_LINE: &str = r"^[^\x00-\x1f\x7f-\x9f]*$";
/// Free text: no NUL, something besides spaces and control characters.
pub const TEXT: &str = r"^[^\x00]*[^\s\x00-\x1f\x7f-\x9f][^\x00]*$";
pub const OPT_TEXT: &str = r"^[^\x00]*$";
/// What `EmailAddress::parse` accepts: one `@`, a dotted domain, no spaces, controls or
/// `<>,;"\`.
pub const EMAIL: &str = r#"^[^\s\x00-\x1f\x7f-\x9f@<>,;"\\]+@[^\s\x00-\x1f\x7f-\x9f@<>,;"\\.]+(\.[^\s\x00-\x1f\x7f-\x9f@<>,;"\\.]+)+$"#;
/// An http(s) URL with a DNS host (last label starting with a letter), an optional
/// port, and no spaces or control characters after it.
const HOST: &str = r"([A-Za-z0-9-]{1,63}\.)*[A-Za-z][A-Za-z0-9-]{0,62}";
const REST: &str = r"(:[0-9]{1,4})?([/?#][^\s\x00-\x1f\x7f-\x9f]*)?$";
/// Unicode White_Space, what `str::trim` removes: a blank optional value is absent.
const BLANK: &str =
    r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$";

/// A host name as a licence lists it (`licence::host_name`): dot-separated labels of
/// letters, digits and hyphens, an optional final dot.
pub const HOST_NAME: &str = r"^[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})*\.?$";

/// A phone number: digits, spaces and `+-().ext`, at least five digits.
pub const PHONE: &str = r"^[ +\-().ext]*([0-9][ +\-().ext]*){5,}$";

fn url_pattern() -> String {
    format!("^https?://{HOST}{REST}")
}

/// URLs on this site: one of the configured hosts, any case.
fn site_url_pattern(hosts: &[String]) -> String {
    let alternatives: Vec<String> = hosts
        .iter()
        .map(|h| {
            h.chars()
                .map(|c| match c {
                    c if c.is_ascii_alphabetic() => {
                        format!("[{}{}]", c.to_ascii_lowercase(), c.to_ascii_uppercase())
                    }
                    '.' => r"\.".to_string(),
                    c => c.to_string(),
                })
                .collect()
        })
        .collect();
    format!("^https?://({}){REST}", alternatives.join("|"))
}

#[derive(Clone, Copy)]
enum Rule {
    Line(usize),
    OptLine(usize),
    Text(Option<usize>),
    OptText(Option<usize>),
    Url,
    SiteUrls,
    OptUrls(usize),
    Email,
    OptEmail,
    Timestamp,
    OptTimestamp,
    Enum(&'static [&'static str]),
    OptEnum(&'static [&'static str]),
    True,
    Phone(usize),
    Id,
    Object,
    /// An optional nested object: the schema as generated, null allowed.
    OptObject,
    /// A status callback's URL: https, or http to localhost (`Callback`).
    CallbackUrl,
    /// A callback's secret: 32 to 200 printable ASCII characters, no spaces.
    Secret,
    OptLimit,
    /// An optional list of at most `.0` lines of at most `.1` characters each.
    OptLines(usize, usize),
    /// An optional list of host names (`licence::host_name`).
    OptHosts(usize),
    OptBool,
}

/// Each request schema's fields and their rules.
const FIELDS: &[(&str, &[(&str, Rule)])] = &[
    (
        "ArticleInput",
        &[
            ("url", Rule::Url),
            ("title", Rule::Line(1000)),
            ("body", Rule::Text(None)),
            ("republished_at", Rule::Timestamp),
            ("editor", Rule::Line(500)),
            ("source", Rule::Object),
            ("licence", Rule::Object),
            ("rights_contact", Rule::OptEmail),
            ("byline", Rule::OptLine(500)),
        ],
    ),
    (
        "SourceInput",
        &[
            ("outlet", Rule::Line(500)),
            ("url", Rule::Url),
            ("published_at", Rule::OptTimestamp),
            ("author", Rule::OptLine(500)),
            ("body", Rule::OptText(None)),
            ("title", Rule::OptLine(1000)),
        ],
    ),
    (
        "LicenceRecordInput",
        &[
            ("reference", Rule::Line(500)),
            ("licensor", Rule::Line(500)),
            ("licensor_contact", Rule::OptEmail),
            ("covers", Rule::Object),
            ("starts_at", Rule::OptTimestamp),
            ("ends_at", Rule::OptTimestamp),
            ("rights", Rule::OptLines(MAX_LIST, 100)),
            ("attribution_required", Rule::OptBool),
            ("edits_allowed", Rule::OptBool),
        ],
    ),
    (
        "CoversInput",
        &[
            ("outlets", Rule::OptLines(MAX_LIST, 500)),
            ("source_hosts", Rule::OptHosts(MAX_LIST)),
        ],
    ),
    (
        "LicenceInput",
        &[
            ("reference", Rule::Line(500)),
            ("expires_at", Rule::OptTimestamp),
        ],
    ),
    (
        "ComplaintInput",
        &[
            ("claimant", Rule::Object),
            ("work", Rule::Object),
            ("infringing_urls", Rule::SiteUrls),
            ("evidence_urls", Rule::OptUrls(MAX_EVIDENCE_URLS)),
            ("statements", Rule::Object),
            ("signature", Rule::Line(200)),
            (
                "language",
                Rule::OptEnum(&[
                    "zh", "zh-cn", "zh-hans", "zh-tw", "zh-hant", "zh-hk", "en", "en-us", "en-gb",
                ]),
            ),
            ("callback", Rule::OptObject),
        ],
    ),
    (
        "CallbackInput",
        &[("url", Rule::CallbackUrl), ("secret", Rule::Secret)],
    ),
    (
        "ClaimantInput",
        &[
            ("name", Rule::Line(200)),
            ("organisation", Rule::OptLine(200)),
            ("email", Rule::Email),
            ("phone", Rule::Phone(40)),
            ("address", Rule::Text(Some(1000))),
            ("capacity", Rule::Enum(&["owner", "agent"])),
            ("on_behalf_of", Rule::OptLine(200)),
        ],
    ),
    (
        "WorkInput",
        &[
            ("title", Rule::Line(500)),
            ("description", Rule::Text(Some(5000))),
            ("original_url", Rule::Url),
            ("original_text", Rule::OptText(Some(MAX_ORIGINAL_TEXT))),
        ],
    ),
    (
        "StatementsInput",
        &[("good_faith", Rule::True), ("accurate", Rule::True)],
    ),
    (
        "CounterNoticeInput",
        &[
            ("article_id", Rule::Id),
            ("name", Rule::Line(200)),
            ("address", Rule::Text(Some(1000))),
            ("phone", Rule::Line(50)),
            ("email", Rule::Email),
            ("removed_url", Rule::Line(2000)),
            ("statement", Rule::Text(Some(20_000))),
            ("evidence", Rule::OptText(Some(20_000))),
            ("consent_jurisdiction", Rule::True),
            ("signature", Rule::Line(200)),
        ],
    ),
    (
        "DecisionInput",
        &[
            ("action", Rule::Enum(&["uphold", "reject", "request_info"])),
            ("reason", Rule::Text(Some(MAX_REASON_CHARS))),
        ],
    ),
    (
        "TargetChoice",
        &[
            ("url", Rule::Line(2000)),
            ("outcome", Rule::Enum(&["uphold", "reject", "not_ours"])),
        ],
    ),
    (
        "AnswerInput",
        &[("answer", Rule::Text(Some(MAX_TEXT_CHARS)))],
    ),
    (
        "AppealInput",
        &[("statement", Rule::Text(Some(MAX_TEXT_CHARS)))],
    ),
    (
        "WithdrawInput",
        &[("reason", Rule::OptText(Some(MAX_TEXT_CHARS)))],
    ),
    (
        "MatchRequest",
        &[("text", Rule::Text(None)), ("limit", Rule::OptLimit)],
    ),
];

fn string(pattern: &str, max: Option<usize>, nullable: bool) -> Value {
    let mut s = json!({"type": if nullable { json!(["string", "null"]) } else { json!("string") }, "pattern": pattern});
    if let Some(m) = max {
        s["maxLength"] = json!(m);
    }
    s
}

fn schema_for(rule: Rule, existing: &Value, site_hosts: Option<&[String]>) -> (Value, bool) {
    let url = url_pattern();
    match rule {
        Rule::Line(max) => (string(LINE, Some(max), false), true),
        Rule::OptLine(max) => (string(OPT_LINE, Some(max), true), false),
        Rule::Text(max) => (string(TEXT, max, false), true),
        Rule::OptText(max) => (string(OPT_TEXT, max, true), false),
        Rule::Url => (string(&url, Some(2048), false), true),
        Rule::Email => (string(EMAIL, Some(254), false), true),
        Rule::OptEmail => (
            json!({"anyOf": [string(EMAIL, Some(254), false), string(BLANK, None, false), {"type": "null"}]}),
            false,
        ),
        Rule::Phone(max) => (string(PHONE, Some(max), false), true),
        Rule::Timestamp => (json!({"type": "string", "format": "date-time"}), true),
        Rule::OptTimestamp => (
            json!({"anyOf": [{"type": "string", "format": "date-time"}, string(BLANK, None, false), {"type": "null"}]}),
            false,
        ),
        Rule::Enum(values) => (json!({"type": "string", "enum": values}), true),
        Rule::OptEnum(values) => {
            let mut v: Vec<Value> = values.iter().map(|s| json!(s)).collect();
            v.push(Value::Null);
            (json!({"enum": v}), false)
        }
        Rule::True => (json!({"type": "boolean", "const": true}), true),
        Rule::Id => (
            json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX}),
            true,
        ),
        Rule::OptLimit => (
            json!({"type": ["integer", "null"], "minimum": 1, "maximum": 100}),
            false,
        ),
        Rule::SiteUrls => {
            let item = match site_hosts {
                Some(h) if !h.is_empty() => string(&site_url_pattern(h), Some(2048), false),
                _ => {
                    let mut s = string(&url, Some(2048), false);
                    s["description"] =
                        json!("must be on a host of a recorded article (SITE_HOSTS is not set)");
                    s
                }
            };
            (
                json!({"type": "array", "items": item, "minItems": 1, "maxItems": MAX_TARGETS}),
                true,
            )
        }
        Rule::OptUrls(max) => (
            json!({"type": ["array", "null"], "items": string(&url, Some(2048), false), "maxItems": max}),
            false,
        ),
        Rule::OptObject => (existing.clone(), false),
        Rule::OptLines(items, max) => (
            json!({"type": ["array", "null"], "items": string(LINE, Some(max), false), "maxItems": items}),
            false,
        ),
        Rule::OptHosts(items) => (
            json!({"type": ["array", "null"], "items": string(HOST_NAME, Some(253), false), "maxItems": items}),
            false,
        ),
        Rule::OptBool => (json!({"type": ["boolean", "null"]}), false),
        Rule::CallbackUrl => (
            string(
                &format!("^(https://{HOST}|http://localhost){REST}"),
                Some(2048),
                false,
            ),
            true,
        ),
        Rule::Secret => {
            let mut s = string(r"^[!-~]{32,200}$", Some(200), false);
            s["minLength"] = json!(32);
            (s, true)
        }
        // A nested request object: the `$ref` without the null alternative.
        Rule::Object => {
            let reference = existing["oneOf"]
                .as_array()
                .and_then(|alts| alts.iter().find(|a| a.get("$ref").is_some()))
                .cloned()
                .unwrap_or_else(|| existing.clone());
            (reference, true)
        }
    }
}

/// Tightens the request schemas and lists every status code; `site_hosts` gives the
/// pattern infringing URLs must match.
pub fn apply(spec: &mut Value, site_hosts: Option<&[String]>) {
    if let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, fields) in FIELDS {
            let Some(schema) = schemas.get_mut(*name) else {
                continue;
            };
            let mut required = Vec::new();
            for (field, rule) in *fields {
                let existing = schema["properties"][*field].clone();
                let (new, req) = schema_for(*rule, &existing, site_hosts);
                let description = existing.get("description").cloned();
                schema["properties"][*field] = new;
                if let Some(d) = description {
                    schema["properties"][*field]["description"] = d;
                }
                if req {
                    required.push(json!(field));
                }
            }
            schema["required"] = Value::Array(required);
            // A licence names at least one outlet or source host it covers.
            if *name == "CoversInput" {
                let some = |field: &str| json!({"required": [field], "properties": {field: {"type": "array", "minItems": 1}}});
                schema["anyOf"] = json!([some("outlets"), some("source_hosts")]);
            }
            // An agent names the rights holder it acts for.
            if *name == "ClaimantInput" {
                schema["if"] = json!({"properties": {"capacity": {"const": "agent"}}, "required": ["capacity"]});
                schema["then"] = json!({"required": ["on_behalf_of"], "properties": {"on_behalf_of": string(LINE, Some(200), false)}});
            }
        }
    }
    statuses(spec);
    crate::web::api_examples::apply(spec);
}

/// Status codes every operation can answer besides its own: bad query or headers
/// (400), the request timeout (408), overload or the database away (503); for bodies
/// 413 and 415 and 422; for tokens 401 and 403; for paths with an id or code, 404;
/// rate-limited intake, 429; writes on a full disk, 507.
fn statuses(spec: &mut Value) {
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, ops) in paths.iter_mut() {
        let Some(ops) = ops.as_object_mut() else {
            continue;
        };
        for (method, op) in ops.iter_mut() {
            let body = op.get("requestBody").is_some();
            let bearer = op.get("security").is_some();
            let public_post = method == "post" && !bearer;
            let mut codes = vec!["400", "408", "503"];
            if body {
                codes.extend(["413", "415", "422"]);
            }
            if bearer || path == "/api/v1/complaints" {
                codes.extend(["401", "403"]);
            }
            if path.contains('{') || path == "/api/v1/counter-notices" {
                codes.extend(["404", "422"]);
            }
            if public_post {
                codes.push("429");
            }
            if method == "post" {
                codes.extend(["409", "507"]);
            }
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for code in codes {
                responses.entry(code).or_insert_with(error_response);
            }
            for (code, r) in responses.iter_mut() {
                if !code.starts_with('2') && r.get("content").is_none() {
                    *r = merge(r, &error_response());
                }
            }
        }
    }
}

fn error_response() -> Value {
    json!({
        "description": "error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    })
}

fn merge(a: &Value, b: &Value) -> Value {
    let mut out: Map<String, Value> = b.as_object().cloned().unwrap_or_default();
    if let Some(d) = a.get("description") {
        out.insert("description".into(), d.clone());
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validate::{EmailAddress, HttpUrl, free_text, line};

    fn matches(pattern: &str, s: &str) -> bool {
        // The patterns use only classes, groups, repetition and `|`, read alike by Rust's
        // regex (Unicode `\s`), ECMA-262 and Python; checked here against the validators.
        regex::Regex::new(pattern).unwrap().is_match(s)
    }

    #[test]
    fn patterns_agree_with_the_validators() {
        let samples = [
            "王芳",
            " 王芳 ",
            "",
            "   ",
            "\t",
            "a\nb",
            "a\u{85}b",
            "\u{3000}",
            "x\u{3000}",
            "a\0b",
            "《新闻》",
            "O'Brien",
            "\u{200b}",
        ];
        for s in samples {
            assert_eq!(matches(LINE, s), line(s, 100).is_ok(), "LINE {s:?}");
            assert_eq!(matches(TEXT, s), free_text(s, None).is_ok(), "TEXT {s:?}");
        }
        for e in [
            "wang@citydaily.example",
            "a@b",
            "a@b.c",
            "a b@c.d",
            "a@@b.c",
            "<a>@b.c",
            "王@新闻.中国",
            "a@b..c",
            "a.@b.c",
        ] {
            assert_eq!(
                matches(EMAIL, e),
                EmailAddress::parse(e).is_ok(),
                "EMAIL {e:?}"
            );
        }
        for u in [
            "https://news.example/2022/08/24/article-1.html",
            "http://a/b?c#d",
            "https://news.example:8080/x",
            "http://123.example/",
        ] {
            assert!(
                matches(&url_pattern(), u) && HttpUrl::parse(u).is_ok(),
                "{u}"
            );
        }
        for h in [
            "hzdaily.example",
            "HZDaily.example.",
            "a",
            " a.b",
            "a..b",
            "a b",
            "-x.example",
            "x_y.example",
            "",
        ] {
            assert_eq!(
                matches(HOST_NAME, h),
                crate::domain::licence::host_name(h).is_ok(),
                "HOST_NAME {h:?}"
            );
        }
        let site = site_url_pattern(&["news.example".into()]);
        assert!(matches(&site, "https://NEWS.example/a"));
        assert!(!matches(&site, "https://evil.example/news.example"));
        for p in ["+86 10 1234 5678", "(010) 555-0199 ext 12"] {
            assert!(matches(PHONE, p), "{p}");
        }
        assert!(!matches(PHONE, "1234"));
        for b in ["", " ", "\u{3000}\t", "\u{85}"] {
            assert!(matches(BLANK, b) && b.trim().is_empty(), "{b:?}");
        }
        assert!(!matches(BLANK, "\u{200b}") && !"\u{200b}".trim().is_empty());
    }
}
