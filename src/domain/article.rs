//! The article record the CMS sends, checked into a `NewArticle`.

use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::validate::FieldErrors;
use super::validate::{Checker, EmailAddress, HttpUrl, format_timestamp};
use takedown_text::canonical::{NORMALIZER_VERSION, content_sha256, sha256_hex};

/// An article's visibility on our site, as stored: derived from its holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum ArticleStatus {
    #[sea_orm(string_value = "published")]
    Published,
    #[sea_orm(string_value = "removed")]
    Removed,
    #[sea_orm(string_value = "restored")]
    Restored,
}

impl std::fmt::Display for ArticleStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ArticleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Removed => "removed",
            Self::Restored => "restored",
        }
    }
}

/// The request shape: everything optional so that every missing field can be named.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ArticleInput {
    pub url: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub republished_at: Option<String>,
    pub editor: Option<String>,
    pub source: Option<SourceInput>,
    pub licence: Option<LicenceInput>,
    pub rights_contact: Option<String>,
    /// The credit line shown with the article ("来源：杭州日报 记者 王芳"), when the
    /// page shows one outside the body.
    pub byline: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SourceInput {
    pub outlet: Option<String>,
    pub url: Option<String>,
    pub published_at: Option<String>,
    pub author: Option<String>,
    pub body: Option<String>,
    /// The source's own title, to tell whether ours changed it.
    pub title: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct LicenceInput {
    pub reference: Option<String>,
    pub expires_at: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewArticle {
    pub url: HttpUrl,
    pub title: String,
    pub body: String,
    pub republished_at: OffsetDateTime,
    pub editor: String,
    pub source_outlet: String,
    pub source_url: HttpUrl,
    pub source_published_at: Option<OffsetDateTime>,
    pub source_author: Option<String>,
    pub source_body: Option<String>,
    pub licence_reference: String,
    pub licence_expires_at: Option<OffsetDateTime>,
    pub rights_contact: Option<EmailAddress>,
    pub source_title: Option<String>,
    pub byline: Option<String>,
}

/// The three evidence hashes of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashes {
    pub raw_sha256: String,
    pub content_sha256: String,
    pub source_sha256: Option<String>,
    pub normalizer_version: i32,
}

const SHORT: usize = 500;

impl NewArticle {
    pub fn parse(input: &ArticleInput) -> Result<Self, FieldErrors> {
        let mut c = Checker::default();
        let url = c.url("url", input.url.as_ref());
        let title = c.line("title", input.title.as_ref(), 1000);
        let body = c.text("body", input.body.as_ref());
        let republished_at = c.timestamp("republished_at", input.republished_at.as_ref());
        let editor = c.line("editor", input.editor.as_ref(), SHORT);
        let empty_source = SourceInput::default();
        let source = match &input.source {
            Some(s) => s,
            None => {
                c.fail("source", "is required");
                &empty_source
            }
        };
        let source_outlet = c.line("source.outlet", source.outlet.as_ref(), SHORT);
        let source_url = c.url("source.url", source.url.as_ref());
        let source_published_at =
            c.opt_timestamp("source.published_at", source.published_at.as_ref());
        let source_author = c.opt_line("source.author", source.author.as_ref(), SHORT);
        let source_body = c.opt_text("source.body", source.body.as_ref());
        let empty_licence = LicenceInput::default();
        let licence = match &input.licence {
            Some(l) => l,
            None => {
                c.fail("licence", "is required");
                &empty_licence
            }
        };
        let licence_reference = c.line("licence.reference", licence.reference.as_ref(), SHORT);
        let licence_expires_at = c.opt_timestamp("licence.expires_at", licence.expires_at.as_ref());
        let rights_contact = c.opt_email("rights_contact", input.rights_contact.as_ref());
        let source_title = c.opt_line("source.title", source.title.as_ref(), 1000);
        let byline = c.opt_line("byline", input.byline.as_ref(), SHORT);
        c.finish()?;
        match (url, republished_at, source_url) {
            (Some(url), Some(republished_at), Some(source_url)) => Ok(Self {
                url,
                title,
                body,
                republished_at,
                editor,
                source_outlet,
                source_url,
                source_published_at,
                source_author,
                source_body,
                licence_reference,
                licence_expires_at,
                rights_contact,
                source_title,
                byline,
            }),
            // Unreachable: a missing value always left an error behind.
            _ => Err(FieldErrors::from([(
                "request".into(),
                "is incomplete".into(),
            )])),
        }
    }

    pub fn hashes(&self) -> Hashes {
        Hashes {
            raw_sha256: sha256_hex(self.body.as_bytes()),
            content_sha256: content_sha256(&self.body),
            source_sha256: self.source_body.as_deref().map(content_sha256),
            normalizer_version: NORMALIZER_VERSION,
        }
    }

    /// Everything recorded, as canonical JSON: equal records mean an idempotent repeat.
    pub fn record_json(&self) -> Value {
        let mut record = json!({
            "url": self.url.as_str(),
            "title": self.title,
            "body": self.body,
            "republished_at": format_timestamp(self.republished_at),
            "editor": self.editor,
            "source": {
                "outlet": self.source_outlet,
                "url": self.source_url.as_str(),
                "published_at": self.source_published_at.map(format_timestamp),
                "author": self.source_author,
                "body": self.source_body,
            },
            "licence": {
                "reference": self.licence_reference,
                "expires_at": self.licence_expires_at.map(format_timestamp),
            },
            "rights_contact": self.rights_contact.as_ref().map(EmailAddress::as_str),
        });
        // Added later: present only when given, so records made before keep their
        // digest and a repeat of one stays a repeat.
        if let Some(t) = &self.source_title {
            record["source"]["title"] = json!(t);
        }
        if let Some(b) = &self.byline {
            record["byline"] = json!(b);
        }
        record
    }

    pub fn record_sha256(&self) -> String {
        sha256_hex(self.record_json().to_string().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ArticleInput {
        serde_json::from_value(json!({
            "url": "https://news.example/2022/08/24/a.html", "title": "T", "body": "B  b",
            "republished_at": "2022-08-24T09:19:16+08:00", "editor": "E",
            "source": {"outlet": "O", "url": "https://src.example/a"},
            "licence": {"reference": "SYND-1"}
        }))
        .unwrap()
    }

    #[test]
    fn complete_record_parses_and_hashes() {
        let a = NewArticle::parse(&input()).unwrap();
        let h = a.hashes();
        assert_eq!(h.raw_sha256, sha256_hex(b"B  b"));
        assert_eq!(h.content_sha256, sha256_hex(b"B b"));
        assert_eq!(h.source_sha256, None);
    }

    #[test]
    fn every_missing_field_is_named() {
        let errs = NewArticle::parse(&ArticleInput::default()).unwrap_err();
        for f in [
            "url",
            "title",
            "body",
            "republished_at",
            "editor",
            "source",
            "licence",
        ] {
            assert!(errs.contains_key(f), "{f} missing from {errs:?}");
        }
        assert!(errs.contains_key("source.outlet"));
        assert!(errs.contains_key("licence.reference"));
    }

    #[test]
    fn bad_values_are_named() {
        let mut i = input();
        i.url = Some("ftp://x".into());
        i.republished_at = Some("tomorrow".into());
        i.rights_contact = Some("nobody".into());
        i.title = Some("a\nb".into());
        let errs = NewArticle::parse(&i).unwrap_err();
        assert_eq!(
            errs.keys().cloned().collect::<Vec<_>>(),
            ["republished_at", "rights_contact", "title", "url"]
        );
    }

    #[test]
    fn record_digest_tracks_every_field() {
        let a = NewArticle::parse(&input()).unwrap();
        let mut i = input();
        i.licence = Some(LicenceInput {
            reference: Some("SYND-2".into()),
            expires_at: None,
        });
        let b = NewArticle::parse(&i).unwrap();
        assert_ne!(a.record_sha256(), b.record_sha256());
        let mut i = input();
        i.byline = Some("来源：杭州日报".into());
        let c = NewArticle::parse(&i).unwrap();
        assert_ne!(a.record_sha256(), c.record_sha256());
        // A record without the later fields hashes as it always did.
        assert_eq!(
            a.record_json().get("byline"),
            None,
            "absent fields stay out of the digest"
        );
        assert_eq!(
            a.record_sha256(),
            NewArticle::parse(&input()).unwrap().record_sha256()
        );
    }
}
