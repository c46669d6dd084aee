//! The staff side in Chinese and English. A desk's language follows the browser
//! (`Accept-Language`) until someone uses the switch on a staff page (`?lang=`), which a
//! cookie then remembers. The choice rides with the request as a task-local, so every
//! staff page, message and error page renders in it without threading it through.
//!
//! Staff text is written in English in the templates and handlers (`tr.s("…")`) and
//! looked up in the Chinese catalogue (`desk_zh`); a test fails on any text missing there.

use std::fmt::Display;

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::domain::complaint::Language;
use crate::web::AppState;
use crate::web::i18n::negotiate;
use crate::web::staff_auth::{cookie, cookie_name, set_cookie};

const COOKIE: &str = "td_desk_lang";
/// A year: the choice is a preference, not a session.
const COOKIE_AGE: i64 = 365 * 24 * 3600;

/// The desk's language for this request, and where its switch leads.
#[derive(Clone)]
pub struct Desk {
    pub lang: Language,
    /// This page (a GET) in the other language; the queue for a form's answer.
    switch: String,
}

tokio::task_local! {
    static DESK: Desk;
}

/// Whether a path is on the staff side.
pub fn is_staff_path(path: &str) -> bool {
    path == "/staff" || path.starts_with("/staff/") || path == "/login" || path == "/logout"
}

/// Runs a staff request in its desk language, and remembers a switch in a cookie.
pub async fn scope(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if !is_staff_path(&path) {
        return next.run(req).await;
    }
    let asked = query_value(req.uri().query(), "lang").and_then(|l| Language::parse(&l));
    let remembered = cookie(req.headers(), &cookie_name(&state, COOKIE)).and_then(Language::parse);
    let lang = asked
        .or(remembered)
        .unwrap_or_else(|| negotiate(None, req.headers()));
    let switch = if req.method() == Method::GET {
        with_lang(&path, req.uri().query(), lang.other())
    } else {
        Desk::of(lang).switch
    };
    let desk = Desk { lang, switch };
    let mut resp = DESK.scope(desk, next.run(req)).await;
    if let Some(l) = asked.filter(|l| Some(*l) != remembered) {
        resp.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state, COOKIE, l.as_str(), Some(COOKIE_AGE)),
        );
    }
    resp
}

/// The desk of the request being served (English outside one).
pub fn current() -> Desk {
    DESK.try_with(Desk::clone)
        .unwrap_or_else(|_| Desk::of(Language::En))
}

fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `path?query` with `lang` set to `to` and every other pair kept.
pub fn with_lang(path: &str, query: Option<&str>, to: Language) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if k != "lang" {
            q.append_pair(&k, &v);
        }
    }
    q.append_pair("lang", to.as_str());
    format!("{path}?{}", q.finish())
}

impl Desk {
    /// A desk in `lang` whose switch leads to the queue.
    pub fn of(lang: Language) -> Self {
        Self {
            lang,
            switch: format!("/staff?lang={}", lang.other().as_str()),
        }
    }

    /// A page in `lang` outside the staff side, whose switch is its own.
    pub fn with_switch(lang: Language, switch: String) -> Self {
        Self { lang, switch }
    }

    /// `en` in the desk's language.
    pub fn s<'a>(&self, en: &'a str) -> &'a str {
        match self.lang {
            Language::Zh => crate::web::desk_zh::zh(en).unwrap_or(en),
            Language::En => en,
        }
    }

    /// `en` with its `{}` filled by `a`, in the desk's language.
    pub fn f(&self, en: &str, a: impl Display) -> String {
        self.s(en).replacen("{}", &a.to_string(), 1)
    }

    /// `en` with its two `{}` filled by `a` and `b`, in order.
    pub fn f2(&self, en: &str, a: impl Display, b: impl Display) -> String {
        self.s(en)
            .replacen("{}", &a.to_string(), 1)
            .replacen("{}", &b.to_string(), 1)
    }

    pub fn zh(&self) -> bool {
        self.lang == Language::Zh
    }

    pub fn other_lang(&self) -> &'static str {
        self.lang.other().as_str()
    }

    pub fn other_name(&self) -> &'static str {
        match self.lang {
            Language::Zh => "English",
            Language::En => "中文",
        }
    }

    /// A decision's outcome in a sentence: the code in English, a word in Chinese.
    pub fn outcome<'a>(&self, code: &'a str) -> &'a str {
        if !self.zh() {
            return code;
        }
        match code {
            "upheld" => "成立",
            "rejected" => "驳回",
            "incomplete" => "材料不完整",
            "withdrawn" => "已撤回",
            other => crate::web::i18n::status_name(self.lang, other),
        }
    }

    /// A complaint's status in words.
    pub fn status(&self, code: &str) -> &'static str {
        crate::web::i18n::status_name(self.lang, code)
    }

    /// A decision's action in words (`uphold`, `reject`, `request_info`).
    pub fn action(&self, action: &str) -> &'static str {
        match (self.zh(), action) {
            (true, "uphold") => "成立（删除）",
            (true, "reject") => "驳回",
            (true, "request_info") => "要求补充材料",
            (false, "uphold") => "uphold",
            (false, "reject") => "reject",
            (false, "request_info") => "request information",
            _ => "—",
        }
    }

    /// How a clock pause ended (`pauses::End`).
    pub fn pause_end(&self, how: Option<&str>) -> &'static str {
        match how {
            Some("answered") => self.s("answered"),
            Some("incomplete") => self.s("closed as incomplete"),
            Some("closed") => self.s("closed"),
            Some("decided") => self.s("decided"),
            _ => self.s("ended"),
        }
    }

    /// A span of seconds in words ("3 hours 5 minutes", "3小时5分钟").
    pub fn span(&self, secs: u64) -> String {
        use crate::domain::display_time::{span_words, span_words_zh};
        if self.zh() {
            span_words_zh(secs)
        } else {
            span_words(secs)
        }
    }

    /// One of the page's codes in words (article states, capacities, channels, kinds
    /// of evidence, counter-notice states, yes and no); in English the code itself.
    pub fn word<'a>(&self, code: &'a str) -> &'a str {
        if !self.zh() {
            return code;
        }
        match code {
            "published" => "已发布",
            "removed" => "已删除",
            "restored" => "已恢复",
            "owner" => "权利人本人",
            "agent" => "代理人",
            "web" => "网页表单",
            "form" => "网页表单",
            "api" => "API",
            "email" => "电子邮件",
            "url" => "网址",
            "file" => "文件",
            "waiting" => "等待恢复",
            "legal_action" => "已提起诉讼",
            "zh" => "中文",
            "en" => "英文",
            "true" => "是",
            "false" => "否",
            // Compliance (`LicenceVerdict`, `compliance::Problem`) and licence steps.
            "covered" => "授权有效",
            "expired" => "授权已到期",
            "expired_at_republication" => "转载时授权已到期",
            "not_yet_valid" => "转载时授权尚未生效",
            "outlet_not_covered" => "来源不在授权范围内",
            "unknown_licence" => "无此授权记录",
            "altered" => "内容有改动",
            "title_changed" => "标题有改动",
            "attribution_missing" => "未署来源或作者",
            "ok" => "已署名",
            "missing" => "未署名",
            "unknown" => "无法判断",
            "pending" => "待办",
            "done" => "已完成",
            "skipped" => "已跳过",
            "cancelled" => "已取消",
            "reminder" => "提醒",
            "end" => "到期",
            "licence" => "授权",
            "title changed" => "标题改动",
            "attribution" => "署名",
            other => other,
        }
    }

    /// A staff role in words.
    pub fn role(&self, role: &str) -> &'static str {
        match (self.lang, role) {
            (Language::Zh, "admin") => "管理员",
            (Language::Zh, _) => "审核员",
            (Language::En, "admin") => "admin",
            (Language::En, _) => "reviewer",
        }
    }

    /// Why a password is guessable (`staff::check_password`'s reasons), in words.
    pub fn guessable<'a>(&self, why: &'a str) -> &'a str {
        if !self.zh() {
            return why;
        }
        match why {
            "the password must not be one character repeated" => "密码不能由同一个字符重复组成",
            "this password is on the list of common passwords; choose another" => {
                "这是常见密码之一，请另选一个"
            }
            "the password must not contain your email address's name" => {
                "密码不能包含您邮箱地址中@前的名字"
            }
            _ => why,
        }
    }

    pub fn switch_href(&self) -> &str {
        &self.switch
    }

    /// A span of time left, in words ("3 hours 5 minutes left", "剩余3小时5分钟").
    pub fn time_left(&self, deadline: time::OffsetDateTime, now: time::OffsetDateTime) -> String {
        use crate::domain::display_time::{span_words_zh, time_left_words};
        if !self.zh() {
            return time_left_words(deadline, now);
        }
        let secs = (deadline - now).whole_seconds();
        let words = span_words_zh(secs.unsigned_abs());
        if secs < 0 {
            format!("已超期{words}")
        } else {
            format!("剩余{words}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_keeps_the_pages_other_choices() {
        assert_eq!(
            with_lang(
                "/staff",
                Some("status=received&lang=en&outlet=%E6%9D%AD"),
                Language::Zh
            ),
            "/staff?status=received&outlet=%E6%9D%AD&lang=zh"
        );
        assert_eq!(
            with_lang("/staff/search", None, Language::En),
            "/staff/search?lang=en"
        );
    }

    #[test]
    fn text_is_looked_up_and_filled() {
        let (zh, en) = (Desk::of(Language::Zh), Desk::of(Language::En));
        assert_eq!(zh.s("Sign out"), "退出登录");
        assert_eq!(en.s("Sign out"), "Sign out");
        assert_eq!(en.f("Complaint #{}", 7), "Complaint #7");
        assert_eq!(zh.f("Complaint #{}", 7), "投诉 #7");
    }

    /// Every staff text written in a template or a handler (`tr.s("…")`, `tr.f(…)`,
    /// `said("…")`), read from the sources themselves.
    fn written_texts() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut found = Vec::new();
        for dir in ["templates/pages", "src/web"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                for call in [
                    "tr.s(\"",
                    "tr.f(\"",
                    "tr.f2(\"",
                    "said(\"",
                    "self.s(\"",
                    "current().s(\"",
                ] {
                    let mut rest = text.as_str();
                    while let Some(at) = rest.find(call) {
                        rest = &rest[at + call.len()..];
                        let end = rest.find('"').unwrap();
                        let file = path.file_name().unwrap().to_string_lossy().to_string();
                        found.push((file, rest[..end].to_string()));
                    }
                }
            }
        }
        found
    }

    #[test]
    fn every_staff_text_has_its_chinese_with_the_same_places() {
        let written = written_texts();
        assert!(
            written.len() > 200,
            "the scan found {} texts",
            written.len()
        );
        let chosen = [
            "Uphold",
            "Reject",
            "Request information",
            "uphold: take it down",
            "reject: it stays up",
            "not ours: not content we republished",
            // What a reply by email did, as `services::inbound` records it.
            "from the claimant: their answer to the request; the clock runs again",
            "from the claimant",
            "from another address than the claimant's: it answers nothing",
            "from the source, in answer to our removal notice: it answers nothing by itself",
        ];
        let all = written
            .iter()
            .map(|(f, t)| (f.as_str(), t.as_str()))
            .chain(chosen.iter().map(|t| ("lists", *t)));
        let mut missing = Vec::new();
        for (file, en) in all {
            if en == "…" {
                continue;
            }
            match crate::web::desk_zh::zh(en) {
                None => missing.push(format!("{file}: {en}")),
                Some(zh) => assert_eq!(
                    zh.matches("{}").count(),
                    en.matches("{}").count(),
                    "{en} / {zh}"
                ),
            }
        }
        assert!(
            missing.is_empty(),
            "no Chinese for:\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn the_lists_a_page_shows_are_in_the_catalogue() {
        for (_, label) in crate::services::reply_templates::ACTIONS {
            assert!(crate::web::desk_zh::zh(label).is_some(), "{label}");
        }
        let zh = Desk::of(Language::Zh);
        for why in [
            "the password must not be one character repeated",
            "this password is on the list of common passwords; choose another",
            "the password must not contain your email address's name",
        ] {
            assert_ne!(zh.guessable(why), why);
        }
        for bad in ["aaaaaaaaaaaaaaaa", "password123456", "ann.lee.secret.2026"] {
            if let Err(crate::services::staff::StaffError::GuessablePassword(why)) =
                crate::services::staff::check_password(bad, "ann.lee@news.example")
            {
                assert_ne!(zh.guessable(why), why, "{why}");
            }
        }
    }
}
