//! How an owed email is written: each kind is a letter with its own folder under
//! `templates/email/` (a subject, a text and, where it has one, an HTML body, each in
//! Chinese and English) over the shared layouts, rendered in each recipient's language.

use askama::Template;

use crate::domain::complaint::Language;
use crate::domain::display_time::{span_words, span_words_zh};
use crate::domain::validate::EmailAddress;
use crate::mail::notice::NoticeKind;

/// An email template failed to render (a bug, never input): nothing is enqueued.
#[derive(Debug, thiserror::Error)]
#[error("rendering email: {0}")]
pub struct RenderError(#[from] askama::Error);

/// Who receives a letter, and in which language it is written for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub address: EmailAddress,
    pub language: Language,
}

impl Recipient {
    pub fn new(address: EmailAddress, language: Language) -> Self {
        Self { address, language }
    }

    /// Each of `addresses`, all in `language` (the desk, the escalation address).
    pub fn all(addresses: &[EmailAddress], language: Language) -> Vec<Self> {
        addresses
            .iter()
            .map(|a| Self::new(a.clone(), language))
            .collect()
    }
}

/// The site that signs every email: its address, and its name and contact when set
/// (`SITE_NAME`, `SITE_CONTACT`).
#[derive(Debug, Clone, Copy)]
pub struct Signer<'a> {
    pub base_url: &'a str,
    pub name: Option<&'a str>,
    pub contact: Option<&'a str>,
    pub privacy_url: Option<&'a str>,
}

impl<'a> Signer<'a> {
    pub fn of(config: &'a crate::config::Config) -> Self {
        Self {
            base_url: &config.public_base_url,
            name: config.site_name.as_deref(),
            contact: config.site_contact.as_ref().map(|c| c.as_str()),
            privacy_url: config.privacy_url.as_deref(),
        }
    }

    /// Just the address, for a site with no name or contact set.
    pub fn bare(base_url: &'a str) -> Self {
        Self {
            base_url,
            name: None,
            contact: None,
            privacy_url: None,
        }
    }
}

/// What the shared layouts know: the language, and the site that signs.
pub struct Layout<'a> {
    pub lang: Language,
    pub host: String,
    pub base_url: &'a str,
    pub name: Option<&'a str>,
    pub contact: Option<&'a str>,
    pub privacy_url: Option<&'a str>,
}

impl<'a> Layout<'a> {
    pub fn new(lang: Language, signer: &Signer<'a>) -> Self {
        let base_url = signer.base_url;
        let host = url::Url::parse(base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| base_url.to_string());
        Self {
            lang,
            host,
            base_url,
            name: signer.name,
            contact: signer.contact,
            privacy_url: signer.privacy_url,
        }
    }

    pub fn zh(&self) -> bool {
        self.lang == Language::Zh
    }

    /// A span of seconds in the letter's language ("3 hours", "3小时").
    pub fn span(&self, secs: &u64) -> String {
        match self.lang {
            Language::Zh => span_words_zh(*secs),
            Language::En => span_words(*secs),
        }
    }
}

/// A letter as sent: one line of subject, the text, and its HTML alternative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One kind of owed email. `letter!` implements it from the kind's folder.
pub trait Letter {
    const KIND: NoticeKind;

    /// The subject and the text, over the text layout.
    fn subject_and_text(&self, l: &Layout<'_>) -> Result<(String, String), RenderError>;

    /// The HTML body: the text in the HTML layout, unless the folder has its own.
    fn html(&self, l: &Layout<'_>, text: &str) -> Result<String, RenderError> {
        plain_html(l, text)
    }

    fn render(&self, l: &Layout<'_>) -> Result<Rendered, RenderError> {
        let (subject, text) = self.subject_and_text(l)?;
        let html = self.html(l, &text)?;
        // Subjects are one header line whatever a template does.
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        Ok(Rendered {
            subject,
            text,
            html,
        })
    }
}

/// Implements `Letter` for a context struct from its folder's templates. Each template
/// sees the context as `m` and the layout as `l`.
macro_rules! letter {
    (
        $ctx:ident => $kind:ident,
        subject: $sen:tt $szh:tt,
        text: $ten:tt $tzh:tt
        $(, html: $hen:tt $hzh:tt)?
    ) => {
        impl $crate::mail::letter::Letter for $ctx<'_> {
            const KIND: $crate::mail::notice::NoticeKind = $crate::mail::notice::NoticeKind::$kind;

            fn subject_and_text(
                &self,
                l: &$crate::mail::letter::Layout<'_>,
            ) -> Result<(String, String), $crate::mail::letter::RenderError> {
                use askama::Template;
                #[derive(Template)]
                #[template(path = $sen)]
                struct SubjectEn<'a> {
                    m: &'a $ctx<'a>,
                    // Not every template reads the layout (subjects seldom do).
                    #[allow(dead_code)]
                    l: &'a $crate::mail::letter::Layout<'a>,
                }
                #[derive(Template)]
                #[template(path = $szh)]
                struct SubjectZh<'a> {
                    m: &'a $ctx<'a>,
                    // Not every template reads the layout (subjects seldom do).
                    #[allow(dead_code)]
                    l: &'a $crate::mail::letter::Layout<'a>,
                }
                #[derive(Template)]
                #[template(path = $ten)]
                struct TextEn<'a> {
                    m: &'a $ctx<'a>,
                    // Not every template reads the layout (subjects seldom do).
                    #[allow(dead_code)]
                    l: &'a $crate::mail::letter::Layout<'a>,
                }
                #[derive(Template)]
                #[template(path = $tzh)]
                struct TextZh<'a> {
                    m: &'a $ctx<'a>,
                    // Not every template reads the layout (subjects seldom do).
                    #[allow(dead_code)]
                    l: &'a $crate::mail::letter::Layout<'a>,
                }
                let m = self;
                Ok(match l.lang {
                    $crate::domain::complaint::Language::En => {
                        (SubjectEn { m, l }.render()?, TextEn { m, l }.render()?)
                    }
                    $crate::domain::complaint::Language::Zh => {
                        (SubjectZh { m, l }.render()?, TextZh { m, l }.render()?)
                    }
                })
            }

            $(
            fn html(
                &self,
                l: &$crate::mail::letter::Layout<'_>,
                _text: &str,
            ) -> Result<String, $crate::mail::letter::RenderError> {
                use askama::Template;
                #[derive(Template)]
                #[template(path = $hen)]
                struct HtmlEn<'a> {
                    m: &'a $ctx<'a>,
                    // Not every template reads the layout (subjects seldom do).
                    #[allow(dead_code)]
                    l: &'a $crate::mail::letter::Layout<'a>,
                }
                #[derive(Template)]
                #[template(path = $hzh)]
                struct HtmlZh<'a> {
                    m: &'a $ctx<'a>,
                    // Not every template reads the layout (subjects seldom do).
                    #[allow(dead_code)]
                    l: &'a $crate::mail::letter::Layout<'a>,
                }
                let m = self;
                Ok(match l.lang {
                    $crate::domain::complaint::Language::En => HtmlEn { m, l }.render()?,
                    $crate::domain::complaint::Language::Zh => HtmlZh { m, l }.render()?,
                })
            }
            )?
        }
    };
}
pub(crate) use letter;

/// The generic HTML alternative: the text's paragraphs and lists, escaped, with links
/// to this site clickable, in the shared HTML layout (which signs it).
#[derive(Template)]
#[template(path = "email/plain.html")]
struct PlainHtml<'a> {
    l: &'a Layout<'a>,
    body: String,
}

/// The text layout's signature starts at the standard separator.
const SIGNATURE: &str = "\n-- \n";

fn plain_html(l: &Layout<'_>, text: &str) -> Result<String, RenderError> {
    let body = text.split(SIGNATURE).next().unwrap_or(text);
    Ok(PlainHtml {
        l,
        body: paragraphs(body, l.base_url),
    }
    .render()?)
}

/// Blank lines part paragraphs; within one, a run of `- ` lines is a list and the
/// other lines keep their breaks (field lines like `Received: …`).
fn paragraphs(text: &str, base_url: &str) -> String {
    let mut out = String::new();
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let lines: Vec<&str> = para.lines().collect();
        for run in lines.chunk_by(|a, b| a.starts_with("- ") == b.starts_with("- ")) {
            if run[0].starts_with("- ") {
                out.push_str("<ul>");
                for item in run {
                    out.push_str("<li>");
                    out.push_str(&linked(&item[2..], base_url));
                    out.push_str("</li>");
                }
                out.push_str("</ul>\n");
            } else {
                let html: Vec<String> = run.iter().map(|line| linked(line, base_url)).collect();
                out.push_str("<p>");
                out.push_str(&html.join("<br>\n"));
                out.push_str("</p>\n");
            }
        }
    }
    out
}

/// `line` escaped, with each link into this site (never one a claimant typed) clickable.
fn linked(line: &str, base_url: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = (!base_url.is_empty())
        .then(|| rest.find(base_url))
        .flatten()
    {
        out.push_str(&escape(&rest[..at]));
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| c.is_whitespace() || !c.is_ascii() || c == '"' || c == '<')
            .unwrap_or(tail.len());
        let url = escape(&tail[..end]);
        out.push_str(&format!("<a href=\"{url}\">{url}</a>"));
        rest = &tail[end..];
    }
    out.push_str(&escape(rest));
    out
}

/// Text made safe inside HTML, attribute values included.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_html_escapes_input_and_links_only_this_site() {
        let text = "Hello <b>Jane</b>,\n\nThe URLs:\n- https://evil.example/\"x\n\n- a\n- b\n\n\
                    Status: https://takedown.example/c/1\n-- \nsigned";
        let l = Layout::new(Language::En, &Signer::bare("https://takedown.example"));
        let html = plain_html(&l, text).unwrap();
        assert!(html.contains("Hello &lt;b&gt;Jane&lt;/b&gt;,"), "{html}");
        assert!(html.contains("<ul><li>a</li><li>b</li></ul>"), "{html}");
        assert!(
            html.contains("<p>The URLs:</p>\n<ul><li>https://evil"),
            "{html}"
        );
        assert!(!html.contains("href=\"https://evil"), "{html}");
        assert!(html.contains("https://evil.example/&quot;x"), "{html}");
        assert!(
            html.contains("<a href=\"https://takedown.example/c/1\">"),
            "{html}"
        );
        assert!(
            !html.contains("signed"),
            "the layout signs, not the text: {html}"
        );
        assert!(html.contains("lang=\"en\""), "{html}");
    }
}
