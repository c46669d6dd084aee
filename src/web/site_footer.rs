//! Every page names the site, where to write to it and its privacy policy
//! (`SITE_NAME`, `SITE_CONTACT`, `PRIVACY_URL`). Pages render from static texts, so the
//! site's identity rides with the request (a task-local set by `scope`) and `page::render`
//! fills the base layout's footer from it.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::domain::complaint::Language;
use crate::mail::letter::escape;
use crate::web::AppState;

/// Marks where the base layout's footer goes.
pub const MARKER: &str = "<!--site-footer-->";

#[derive(Clone, Default)]
pub struct Identity {
    pub name: Option<String>,
    pub contact: Option<String>,
    pub privacy_url: Option<String>,
}

tokio::task_local! {
    static IDENTITY: Identity;
}

/// Runs the request with this site's identity at hand for the pages it renders.
pub async fn scope(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let c = &state.config;
    let identity = Identity {
        name: c.site_name.clone(),
        contact: c.site_contact.as_ref().map(|a| a.as_str().to_string()),
        privacy_url: c.privacy_url.clone(),
    };
    IDENTITY.scope(identity, next.run(req)).await
}

/// The footer for a page in `lang`; empty when the site has set none of the three.
pub fn footer(lang: Language) -> String {
    IDENTITY
        .try_with(|i| footer_of(i, lang))
        .unwrap_or_default()
}

fn footer_of(i: &Identity, lang: Language) -> String {
    let zh = lang == Language::Zh;
    let mut parts = Vec::new();
    if let Some(n) = &i.name {
        parts.push(format!("<strong>{}</strong>", escape(n)));
    }
    if let Some(c) = &i.contact {
        let label = if zh {
            "联系我们："
        } else {
            "Write to us: "
        };
        let c = escape(c);
        parts.push(format!("{label}<a href=\"mailto:{c}\">{c}</a>"));
    }
    if let Some(p) = &i.privacy_url {
        let label = if zh { "隐私政策" } else { "Privacy policy" };
        parts.push(format!(
            "<a href=\"{}\" id=\"privacy\">{label}</a>",
            escape(p)
        ));
    }
    parts.join(" · ")
}

/// The language a rendered page declares on its `<html>` element.
pub fn language_of(html: &str) -> Language {
    let head = &html[..html.len().min(200)];
    if head.contains("<html lang=\"zh\"") {
        Language::Zh
    } else {
        Language::En
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_footer_says_what_the_site_set_escaped() {
        let i = Identity {
            name: Some("City <Daily>".into()),
            contact: Some("copyright@news.example".into()),
            privacy_url: Some("https://news.example/privacy?a=1&b=2".into()),
        };
        assert_eq!(
            footer_of(&i, Language::Zh),
            "<strong>City &lt;Daily&gt;</strong> · 联系我们：<a href=\"mailto:copyright@news.example\">copyright@news.example</a> · <a href=\"https://news.example/privacy?a=1&amp;b=2\" id=\"privacy\">隐私政策</a>"
        );
        assert_eq!(footer_of(&Identity::default(), Language::En), "");
    }
}
