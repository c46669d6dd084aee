//! A form's problems as a page shows them: one full sentence per field in the page's
//! language, beside its field and again in a summary at the top that links to it.
//! Pages translate by the problem's kind; the domain's English words are the API's.

use crate::domain::complaint::Language;
use crate::domain::validate::{FieldError, FieldErrors, Problem};

/// One field's problem on a page.
pub struct Item {
    /// The field path as checked (`claimant.email`, `infringing_urls[2]`).
    pub field: String,
    /// The id of the element the summary links to.
    pub anchor: String,
    pub message: String,
}

/// Every problem of one submission, in the order the form lists its fields.
#[derive(Default)]
pub struct Shown {
    items: Vec<Item>,
}

impl Shown {
    /// `label` names a field as the form does; `anchor` gives the id of the element
    /// to link to (most fields are their own id). `order` lists the form's fields
    /// top to bottom, so the summary reads as the form does.
    pub fn new(
        errors: &FieldErrors,
        lang: Language,
        order: &[&str],
        label: impl Fn(&str) -> String,
        anchor: impl Fn(&str) -> String,
    ) -> Self {
        let base = |k: &str| k.split('[').next().unwrap_or(k).to_string();
        let rank = |k: &str| {
            let b = base(k);
            order.iter().position(|o| *o == b).unwrap_or(order.len())
        };
        let mut items: Vec<Item> = errors
            .iter()
            .map(|(k, e)| Item {
                field: k.clone(),
                anchor: anchor(k),
                message: sentence(lang, &label(&base(k)), e),
            })
            .collect();
        items.sort_by_key(|i| rank(&i.field));
        Self { items }
    }

    /// The problem for `name` or any of its items (`infringing_urls[2]`), or "".
    pub fn e(&self, name: &str) -> &str {
        self.find(name).map_or("", |i| i.message.as_str())
    }

    pub fn bad(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    fn find(&self, name: &str) -> Option<&Item> {
        self.items.iter().find(|i| {
            i.field == name
                || i.field
                    .strip_prefix(name)
                    .is_some_and(|r| r.starts_with('['))
        })
    }
}

/// A field's problem as a sentence naming the field, in `lang`.
pub fn sentence(lang: Language, label: &str, e: &FieldError) -> String {
    let zh = lang == Language::Zh;
    match e.problem {
        Problem::Required | Problem::Blank if zh => format!("请填写“{label}”。"),
        Problem::Required | Problem::Blank => format!("Please fill in “{label}”."),
        Problem::Email if zh => {
            format!("“{label}”须为有效的电子邮箱地址，例如 name@example.com。")
        }
        Problem::Email => format!(
            "“{label}” must be an email address, like name@example.com ({}).",
            e.message
        ),
        Problem::Phone if zh => {
            format!("“{label}”须为有效的电话号码，例如 +86 571 8888 0000。")
        }
        Problem::Phone => {
            format!("“{label}” must be a phone number, like +86 571 8888 0000.")
        }
        Problem::Url if zh => format!("“{label}”须为以 http:// 或 https:// 开头的网址。"),
        Problem::Url => format!(
            "“{label}” must be a web address starting with http:// or https:// ({}).",
            e.message
        ),
        Problem::Choice if zh => format!("请为“{label}”选择一项。"),
        Problem::Choice => format!("Please choose one option for “{label}”."),
        Problem::AgentPrincipal if zh => "代理人须写明所代理的权利人。".to_string(),
        Problem::AgentPrincipal => "An agent must name the rights holder they act for.".to_string(),
        Problem::Statement if zh => format!("请勾选“{label}”，否则无法提交。"),
        Problem::Statement => format!("Please tick “{label}”: it cannot be sent without it."),
        Problem::ForeignHost if zh => {
            "只能填写本站的网页网址；其他网站上的内容，请联系发布该内容的网站。".to_string()
        }
        Problem::ForeignHost => format!(
            "Only pages on this site can be named here ({}). For content on another site, contact that site.",
            e.message
        ),
        Problem::NoTarget if zh => "请至少填写一个本站网址。".to_string(),
        Problem::NoTarget => "Please name at least one page on this site.".to_string(),
        Problem::Evidence if zh => {
            "证据文件须为 PDF、PNG、JPEG 或纯文本，最多 5 个，每个不超过 10 MB。".to_string()
        }
        Problem::Evidence => format!(
            "Evidence files must be PDF, PNG, JPEG or plain text, at most 5 of up to 10 MB each ({}).",
            e.message
        ),
        Problem::TooLong(max) if zh => format!("“{label}”最多 {max} 个字符，请缩短。"),
        Problem::TooLong(max) => {
            format!("“{label}” may be at most {max} characters; please shorten it.")
        }
        Problem::OneLine if zh => format!("“{label}”须写在一行内，不能换行。"),
        Problem::OneLine => format!("“{label}” must be on one line."),
        Problem::Mismatch if zh => format!("“{label}”须为被删除文章的网址（见本页顶部）。"),
        Problem::Mismatch => {
            format!("“{label}” must be the removed article's URL, shown at the top of this page.")
        }
        Problem::Taken if zh => format!("“{label}”已被使用，请换一个。"),
        Problem::Taken => format!("“{label}” is already taken; choose another."),
        Problem::Invalid if zh => format!("“{label}”无法接受：{}。", e.message),
        Problem::Invalid => format!("“{label}” {}.", e.message.trim_end_matches('.')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_translates_by_the_problem_not_the_words() {
        let email = FieldError::new(Problem::Email, "domain must be like example.com");
        assert_eq!(
            sentence(Language::Zh, "邮箱", &email),
            "“邮箱”须为有效的电子邮箱地址，例如 name@example.com。"
        );
        // The same words under another problem say that problem.
        let host = FieldError::new(Problem::ForeignHost, "is required");
        assert!(sentence(Language::Zh, "网址", &host).starts_with("只能填写本站"));
        let long = FieldError::new(Problem::TooLong(200), "longer than 200 characters");
        assert_eq!(
            sentence(Language::En, "Full name", &long),
            "“Full name” may be at most 200 characters; please shorten it."
        );
    }

    #[test]
    fn the_summary_follows_the_form_and_items_count_for_their_list() {
        let mut errors = FieldErrors::new();
        errors.insert("signature".into(), FieldError::new(Problem::Blank, "x"));
        errors.insert("urls[1]".into(), FieldError::new(Problem::Url, "x"));
        errors.insert("name".into(), FieldError::new(Problem::Required, "x"));
        let shown = Shown::new(
            &errors,
            Language::En,
            &["name", "urls", "signature"],
            |f| f.to_uppercase(),
            |f| format!("#{f}"),
        );
        let fields: Vec<_> = shown.items().iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["name", "urls[1]", "signature"]);
        assert!(shown.bad("urls"));
        assert!(!shown.bad("url"));
        assert_eq!(shown.e("name"), "Please fill in “NAME”.");
        assert_eq!(shown.items()[1].anchor, "#urls[1]");
    }
}
