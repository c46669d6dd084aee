//! A notice written as a free-form email, read into the same fields the form asks for,
//! so the same element checker says what it lacks. Only what the sender wrote plainly
//! is taken: a labelled line ("电话：…", "Address: …"), the URLs, and the two statements
//! in their usual words. Anything else stays missing for a person to complete.

use super::complaint::{ClaimantInput, ComplaintInput, Language, StatementsInput, WorkInput};

/// The labels a line may start with, per field, as senders write them.
const PHONE: &[&str] = &[
    "phone",
    "tel",
    "telephone",
    "mobile",
    "电话",
    "联系电话",
    "手机",
];
const ADDRESS: &[&str] = &["address", "postal address", "地址", "联系地址", "通讯地址"];
const ORGANISATION: &[&str] = &[
    "organisation",
    "organization",
    "company",
    "单位",
    "公司",
    "机构",
];
const TITLE: &[&str] = &["work", "title", "作品", "作品名称", "原作标题", "标题"];
const SIGNATURE: &[&str] = &["signature", "signed", "签名", "签字", "签章"];
const ON_BEHALF_OF: &[&str] = &[
    "on behalf of",
    "rights holder",
    "权利人",
    "委托人",
    "著作权人",
];
const CAPACITY: &[&str] = &["capacity", "身份"];

/// The value of the first line labelled with one of `labels` (`Label: value`, with an
/// ASCII or full-width colon), trimmed.
fn labelled(text: &str, labels: &[&str]) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim().trim_start_matches(['*', '-', '•', '·']).trim();
        let (label, value) = line
            .split_once('：')
            .into_iter()
            .chain(line.split_once(':'))
            .min_by_key(|(l, _)| l.len())?;
        let label = label.trim().to_lowercase();
        let value = value.trim();
        (labels.contains(&label.as_str()) && !value.is_empty()).then(|| value.to_string())
    })
}

/// Whether `c` ends a URL written in running text: white space, or punctuation that
/// surrounds or follows a link in Chinese and English prose.
fn ends_url(c: char) -> bool {
    c.is_whitespace()
        || "<>\"'`，。、；：！？（）【】《》「」『』“”‘’…".contains(c)
        || c.is_control()
}

/// Every `http://` or `https://` URL in `text`, in order, each once, without the
/// punctuation that follows it in a sentence.
pub fn urls_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("http") {
        let tail = &rest[at..];
        let lower = tail.get(..8).unwrap_or(tail).to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            rest = &tail[4..];
            continue;
        }
        let end = tail.find(ends_url).unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']']);
        if url.len() > "https://".len() && !out.iter().any(|u| u == url) {
            out.push(url.to_string());
        }
        rest = &tail[end.max(4)..];
    }
    out
}

/// Whether `text` holds a good-faith statement, in its usual English or Chinese words.
fn says_good_faith(lower: &str) -> bool {
    lower.contains("good faith") || lower.contains("good-faith") || lower.contains("善意")
}

/// Whether `text` states that the notice is accurate.
fn says_accurate(lower: &str) -> bool {
    lower.contains("accurate") || lower.contains("准确") || lower.contains("属实")
}

/// What a sender wrote, as far as a notice goes.
pub struct Letter<'a> {
    pub from: &'a str,
    pub from_name: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub text: &'a str,
    /// URLs in the text on this site's hosts: what is complained of.
    pub ours: Vec<String>,
    /// Other URLs: evidence links, the first also taken as where the original is.
    pub others: Vec<String>,
}

/// The subject without the `Re:`/`Fwd:`/`回复：`/`转发：` prefixes clients add.
pub fn bare_subject(subject: &str) -> &str {
    let mut s = subject.trim();
    loop {
        let lower = s.to_ascii_lowercase();
        let cut = [
            "re:",
            "fw:",
            "fwd:",
            "aw:",
            "回复:",
            "回复：",
            "转发:",
            "转发：",
            "答复:",
            "答复：",
        ]
        .iter()
        .find(|p| lower.starts_with(*p) || s.starts_with(*p))
        .map(|p| p.len());
        match cut {
            Some(n) => s = s[n..].trim_start(),
            None => return s,
        }
    }
}

/// The notice `letter` makes, as if the sender had filled in the form with what the
/// email says plainly. The element checker then names what is missing.
pub fn input(letter: &Letter<'_>) -> ComplaintInput {
    let text = letter.text;
    let lower = text.to_lowercase();
    let on_behalf_of = labelled(text, ON_BEHALF_OF);
    let capacity = match labelled(text, CAPACITY).map(|c| c.to_lowercase()) {
        Some(c) if c.contains("agent") || c.contains("代理") || c.contains("受托") => {
            Some("agent".into())
        }
        Some(c) if c.contains("owner") || c.contains("权利人") || c.contains("著作权人") => {
            Some("owner".into())
        }
        _ => on_behalf_of.as_ref().map(|_| "agent".to_string()),
    };
    let name = letter
        .from_name
        .map(str::to_string)
        .or_else(|| letter.from.split('@').next().map(str::to_string));
    ComplaintInput {
        claimant: Some(ClaimantInput {
            name,
            organisation: labelled(text, ORGANISATION),
            email: Some(letter.from.to_string()),
            phone: labelled(text, PHONE),
            address: labelled(text, ADDRESS),
            capacity,
            on_behalf_of,
        }),
        work: Some(WorkInput {
            title: labelled(text, TITLE),
            description: Some(text.chars().take(5000).collect()),
            original_url: letter.others.first().cloned(),
            original_text: Some(text.to_string()),
        }),
        infringing_urls: Some(letter.ours.clone()),
        evidence_urls: Some(letter.others.iter().take(20).cloned().collect()),
        statements: Some(StatementsInput {
            good_faith: Some(says_good_faith(&lower)),
            accurate: Some(says_accurate(&lower)),
        }),
        signature: labelled(text, SIGNATURE),
        language: Some(Language::of_text(text).as_str().to_string()),
        callback: None,
    }
}

/// Each element a notice may lack, by field name, as the claimant and staff are told
/// of it: in English, then in Chinese.
const ELEMENTS: &[(&str, &str, &str)] = &[
    ("claimant.name", "your full name", "您的姓名"),
    ("claimant.phone", "a phone number", "联系电话"),
    ("claimant.address", "a postal address", "联系地址"),
    (
        "claimant.capacity",
        "whether you are the rights holder or act for them",
        "您是权利人本人还是代理人",
    ),
    (
        "claimant.on_behalf_of",
        "the rights holder you act for",
        "您所代表的权利人",
    ),
    ("work.title", "the title of your work", "作品名称"),
    (
        "work.original_url",
        "where the original is published (a URL)",
        "原作发表网址",
    ),
    (
        "infringing_urls",
        "the URL of the page on our site",
        "本站侵权内容的网址",
    ),
    (
        "statements.good_faith",
        "a statement that you believe in good faith the use is not authorised by you, your agent or the law",
        "声明：您善意地相信该使用未经您、您的代理人或法律许可",
    ),
    (
        "statements.accurate",
        "a statement that the notice is accurate and that you are the rights holder or authorised to act for them",
        "声明：本通知内容准确，且您是权利人或经权利人授权",
    ),
    (
        "signature",
        "your signature (your full name)",
        "签名（您的全名）",
    ),
];

/// An element's name for someone reading `lang`; a field without a name of its own
/// (a second URL, say) goes by its field name.
pub fn element_name(field: &str, lang: Language) -> &str {
    let base = field.split('[').next().unwrap_or(field);
    ELEMENTS
        .iter()
        .find(|(k, _, _)| *k == base)
        .map_or(field, |(_, en, zh)| match lang {
            Language::En => en,
            Language::Zh => zh,
        })
}

/// The request that asks a claimant to complete their notice, in both languages with
/// theirs first: what is missing, how to send it, and that the clock waits.
pub fn please_complete(missing: &[String], first: Language) -> String {
    let list = |lang: Language| {
        let mut seen: Vec<&str> = Vec::new();
        for m in missing {
            let name = element_name(m, lang);
            if !seen.contains(&name) {
                seen.push(name);
            }
        }
        seen.iter()
            .map(|n| format!("- {n}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let zh = format!(
        "您的通知尚缺以下内容：\n{}\n请直接回复本邮件，或在投诉状态页补充。收到之前，处理时限暂停。",
        list(Language::Zh)
    );
    let en = format!(
        "Your notice does not yet include:\n{}\nPlease reply to this email with them, or add them on your complaint's status page. Until then the deadline is paused.",
        list(Language::En)
    );
    match first {
        Language::Zh => format!("{zh}\n\n{en}"),
        Language::En => format!("{en}\n\n{zh}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_end_where_the_sentence_goes_on() {
        let t = "侵权链接：https://news.example/a/1.html，原文见https://hzdaily.example/n/9。\
                 See (https://news.example/b?x=1). Again https://news.example/a/1.html\nhttpx://no";
        assert_eq!(
            urls_in(t),
            [
                "https://news.example/a/1.html",
                "https://hzdaily.example/n/9",
                "https://news.example/b?x=1",
            ]
        );
    }

    #[test]
    fn labelled_lines_take_either_colon_and_any_case() {
        let t = "您好：\n联系电话：0571-8888 6666\nAddress: 1 Press Road\n签名： 王芳\n";
        assert_eq!(labelled(t, PHONE).as_deref(), Some("0571-8888 6666"));
        assert_eq!(labelled(t, ADDRESS).as_deref(), Some("1 Press Road"));
        assert_eq!(labelled(t, SIGNATURE).as_deref(), Some("王芳"));
        assert_eq!(
            labelled(t, TITLE),
            None,
            "您好： is a greeting, not a label"
        );
    }

    #[test]
    fn subjects_lose_reply_and_forward_prefixes() {
        assert_eq!(bare_subject("Re: Fwd: 侵权通知"), "侵权通知");
        assert_eq!(bare_subject("回复：转发：侵权通知"), "侵权通知");
        assert_eq!(bare_subject("Notice"), "Notice");
    }

    #[test]
    fn a_plain_email_leaves_the_legal_elements_missing() {
        let l = Letter {
            from: "li@hzdaily.example",
            from_name: Some("李涛"),
            subject: Some("侵权"),
            text: "贵站转载了我们的文章 https://news.example/a.html ，请删除。",
            ours: vec!["https://news.example/a.html".into()],
            others: vec![],
        };
        let i = input(&l);
        let errs = match crate::domain::complaint::NewComplaint::parse(&i) {
            Err(e) => e,
            Ok(_) => panic!("a bare request is not a complete notice"),
        };
        for f in [
            "claimant.phone",
            "claimant.address",
            "claimant.capacity",
            "work.title",
            "work.original_url",
            "statements.good_faith",
            "statements.accurate",
            "signature",
        ] {
            assert!(errs.contains_key(f), "{f}: {errs:?}");
        }
        assert!(!errs.contains_key("infringing_urls"));
        assert!(!errs.contains_key("claimant.email"));
        assert_eq!(i.language.as_deref(), Some("zh"));
        // Each missing element is named in both languages, the sender's first.
        let missing: Vec<String> = errs.keys().cloned().collect();
        let ask = please_complete(&missing, Language::Zh);
        let (zh, en) = ask.split_once("\n\n").unwrap();
        assert!(
            zh.contains("- 联系电话") && zh.contains("- 签名（您的全名）"),
            "{zh}"
        );
        assert!(
            en.contains("- a phone number") && en.contains("- your signature"),
            "{en}"
        );
        for m in &missing {
            assert_ne!(element_name(m, Language::Zh), m, "{m} has a name");
        }
    }
}
