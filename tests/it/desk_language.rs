//! The staff side in both languages: it follows the browser, the switch on each page
//! is remembered, and a Chinese desk reads no English sentence on any staff page. The
//! transparency report reads in one language, charts and times included.

use std::collections::BTreeSet;

use crate::common::staff::{add, client, session};
use crate::common::story::{CLAIMANT, Story};
use serde_json::json;
use takedown::services::staff::Role;

const BROWSER: &str = "text/html,application/xhtml+xml";

/// What a person reads on a page: its text between tags, leaving out styles, code,
/// the emails as sent and what was typed into fields.
fn text_nodes(html: &str) -> Vec<String> {
    let mut s = html.to_string();
    for (open, close) in [
        ("<style", "</style>"),
        ("<code", "</code>"),
        ("<pre", "</pre>"),
        ("<textarea", "</textarea>"),
        ("<title", "</title>"),
    ] {
        while let Some(a) = s.find(open) {
            let Some(b) = s[a..].find(close) else { break };
            s.replace_range(a..a + b + close.len(), " ");
        }
    }
    let mut nodes = Vec::new();
    let mut rest = s.as_str();
    while let Some(lt) = rest.find('<') {
        nodes.push(rest[..lt].trim().to_string());
        rest = rest[lt..].find('>').map_or("", |gt| &rest[lt + gt + 1..]);
    }
    nodes.push(rest.trim().to_string());
    nodes.retain(|n| !n.is_empty());
    nodes
}

/// The English sentences of a page: text of three or more words in Latin letters that
/// is not data (an address, a link, a record's number or time, an email's subject).
fn english_phrases(html: &str) -> BTreeSet<String> {
    text_nodes(html)
        .into_iter()
        .filter(|n| !n.contains('@') && !n.contains("://"))
        .filter(|n| !n.contains(|c: char| c.is_ascii_digit()))
        .filter(|n| {
            n.split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 1)
                .count()
                >= 3
        })
        .collect()
}

struct Desk {
    s: Story,
    cookie: String,
}

impl Desk {
    async fn get(&self, path: &str, lang_cookie: Option<&str>) -> (u16, String) {
        let cookie = match lang_cookie {
            Some(l) => format!("{}; td_desk_lang={l}", self.cookie),
            None => self.cookie.clone(),
        };
        let resp = client()
            .get(self.s.app.url(path))
            .header("cookie", cookie)
            .header("accept", BROWSER)
            .header("accept-language", "en-GB,en;q=0.9")
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }
}

/// The switch sets the desk's language and a cookie keeps it, over a browser that asks
/// for English; every staff page then reads in Chinese, with no English sentence left
/// but the records' own data, and in English again after switching back.
#[tokio::test]
async fn the_desk_follows_the_browser_and_remembers_its_switch() {
    let s = Story::new().await;
    s.article(1, json!({})).await;
    let (id, _) = s.complaint(1, CLAIMANT, true).await;
    s.decide(&s.alice, id, "request_info", "请提供授权证明。")
        .await;
    add(&s.app, "admin@news.example", Role::Admin).await;
    let c = client();
    let (cookie, _) = session(&s.app, &c, "admin@news.example").await;

    // Sign-in follows the browser.
    let login = c
        .get(s.app.url("/login"))
        .header("accept-language", "zh-CN,zh;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains("<html lang=\"zh\"") && login.contains("工作人员登录"));

    let desk = Desk { s, cookie };
    let (_, queue) = desk.get("/staff?status=needs_info", None).await;
    assert!(queue.contains("<html lang=\"en\""));
    assert!(queue.contains("Open complaints, by deadline"));
    assert!(
        queue.contains("id=\"lang-switch\" lang=\"zh\" hreflang=\"zh\">中文"),
        "{queue}"
    );
    assert!(queue.contains("href=\"/staff?status=needs_info&#38;lang=zh\""));

    // The switch answers in Chinese and sets the cookie.
    let resp = client()
        .get(desk.s.app.url("/staff?status=needs_info&lang=zh"))
        .header("cookie", &desk.cookie)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let set = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("td_desk_lang="))
        .map(str::to_string);
    assert!(
        set.as_deref()
            .is_some_and(|v| v.starts_with("td_desk_lang=zh;")),
        "{set:?}"
    );
    let zh_queue = resp.text().await.unwrap();
    assert!(zh_queue.contains("待处理投诉（按期限排列）"));
    assert!(zh_queue.contains("需补充材料"), "the status in words");
    assert!(zh_queue.contains("计时暂停，剩余"), "time left in Chinese");

    // Every staff page, in Chinese by the cookie alone, says none of its English.
    let pages = [
        "/staff".to_string(),
        format!("/staff/complaints/{id}"),
        "/staff/search?claimant=%E7%8E%8B".into(),
        "/staff/search?from=2026-13-01".into(),
        "/staff/templates".into(),
        "/staff/inbox".into(),
        "/staff/outbox".into(),
        "/staff/password".into(),
        "/staff/report".into(),
        "/staff/complaints/999999".into(),
    ];
    for path in &pages {
        let (status, en) = desk.get(path, Some("en")).await;
        let (status_zh, zh) = desk.get(path, Some("zh")).await;
        assert_eq!(status, status_zh, "{path}");
        assert!(zh.contains("<html lang=\"zh\""), "{path}");
        let english = english_phrases(&en);
        assert!(english.len() >= 2, "{path}: {english:?}");
        let zh_text = text_nodes(&zh);
        let left: Vec<_> = english
            .iter()
            .filter(|p| zh_text.iter().any(|n| n.contains(p.as_str())))
            .collect();
        assert!(left.is_empty(), "{path} in Chinese still says {left:?}");
    }

    // The complaint's own page: its timeline and clock in Chinese.
    let (_, page) = desk
        .get(&format!("/staff/complaints/{id}"), Some("zh"))
        .await;
    assert!(page.contains(&format!("投诉 #{id}")));
    assert!(page.contains("投诉人已确认电子邮箱。"), "{page}");
    assert!(page.contains("已要求投诉人补充材料；计时暂停。"));
    assert!(page.contains("仍在暂停"), "the pause in words");

    // Back to English: the cookie now says so.
    let resp = client()
        .get(desk.s.app.url("/staff?lang=en"))
        .header("cookie", format!("{}; td_desk_lang=zh", desk.cookie))
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers()
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("td_desk_lang=en;"))
    );
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Open complaints, by deadline")
    );
}

/// The public report in the reader's language: labels, chart axes and legends, a
/// table for each chart, the time it was made in the display zone, and a removal
/// under an hour in minutes.
#[tokio::test]
async fn the_transparency_report_reads_in_its_page_language() {
    let s = Story::with(|c| c.public_report = true).await;
    s.article(1, json!({})).await;
    let (id, _) = s.complaint(1, CLAIMANT, true).await;
    s.decide(&s.alice, id, "uphold", "与原文逐字相同。").await;
    let get = |q: &'static str| {
        let app = &s.app;
        async move {
            client()
                .get(app.url(&format!("/transparency{q}")))
                .header("accept", BROWSER)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let zh = get("?lang=zh").await;
    assert!(zh.contains("<html lang=\"zh\""));
    assert!(
        zh.contains("<tr data-k=\"received\"><td>收到投诉</td><td>1</td>"),
        "{zh}"
    );
    assert!(
        zh.contains(
            "<tr data-k=\"removal_median_hours\"><td>从收到到删除用时（中位数）</td><td>0 分钟</td>"
        ),
        "a removal within the hour, in minutes: {zh}"
    );
    assert!(
        zh.contains("期限（24 小时）"),
        "the legend beside the chart"
    );
    assert!(zh.contains(">\n投诉数\n</text>"), "the axes in Chinese");
    assert!(zh.contains("id=\"weekly-data\"") && zh.contains("id=\"removal-data\""));
    assert!(zh.contains("<td>0 分钟 – 4.0 小时</td><td>1</td>"), "{zh}");
    assert!(zh.contains("(UTC+8)"), "made at, in the display zone");
    assert!(zh.contains("href=\"/transparency?lang=en\" id=\"lang-switch\""));
    let en = get("?lang=en").await;
    assert!(en.contains("<td>Median time from receipt to removal</td><td>0 min</td>"));
    assert!(en.contains("deadline (24 h)") && en.contains(">\ncomplaints\n</text>"));
    let left: Vec<_> = english_phrases(&en)
        .into_iter()
        .filter(|p| text_nodes(&zh).iter().any(|n| n.contains(p.as_str())))
        .collect();
    assert!(left.is_empty(), "the Chinese report still says {left:?}");
}

#[test]
fn english_phrases_leave_out_data_and_code() {
    let html = "<p>Signed in as <strong>a@b.example</strong></p><code>complaint received ok now</code><td>Open to decide</td><a href=\"x\">https://news.example/a b c</a>";
    let found: Vec<_> = english_phrases(html).into_iter().collect();
    assert_eq!(found, ["Open to decide", "Signed in as"]);
}
