//! People never see raw JSON: an error answered to a browser outside `/api` becomes a
//! page in the page's language, saying what went wrong and offering a way back. JSON
//! stays for `/api` and for callers that ask for it (`Accept: application/json`).

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::domain::complaint::Language;
use crate::error::ErrorShown;
use crate::web::desk;
use crate::web::form_errors::sentence;
use crate::web::i18n::{Texts, negotiate, texts};
use crate::web::page::render;

/// Paths whose answers are for programs, whatever asked.
const FOR_PROGRAMS: [&str; 5] = ["/api/", "/metrics", "/healthz", "/readyz", "/openapi.json"];

/// Whether the request is a person's: a browser that accepts HTML, outside the API.
fn wants_page(path: &str, headers: &HeaderMap) -> bool {
    if FOR_PROGRAMS.iter().any(|p| path.starts_with(p)) {
        return false;
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("text/html")
}

#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorPage<'a> {
    t: &'static Texts,
    status: u16,
    title: &'static str,
    lead: &'static str,
    detail: String,
    fields: Vec<String>,
    back_href: &'a str,
    back_label: &'static str,
}

pub async fn pages_for_people(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let page = wants_page(&path, req.headers());
    let lang = if desk::is_staff_path(&path) {
        desk::current().lang
    } else {
        negotiate(query_lang(req.uri().query()).as_deref(), req.headers())
    };
    let mut resp = next.run(req).await;
    let status = resp.status();
    if !page || status.as_u16() < 400 || is_html(resp.headers()) {
        return resp;
    }
    let shown = resp.extensions_mut().remove::<ErrorShown>();
    let t = texts(lang);
    let (title, lead) = headline(lang, status);
    let detail = match &shown {
        Some(ErrorShown {
            conflict: Some(c), ..
        }) => t.conflict(*c).to_string(),
        Some(s) if s.fields.is_empty() && status.as_u16() < 500 => s.message.clone(),
        _ => String::new(),
    };
    let fields = shown
        .map(|s| {
            s.fields
                .iter()
                .map(|(path, e)| sentence(lang, &field_label(lang, path), e))
                .collect()
        })
        .unwrap_or_default();
    let staff = path.starts_with("/staff");
    let (back_href, back_label) = match (staff, lang) {
        (true, Language::Zh) => ("/staff", "返回审核队列"),
        (true, Language::En) => ("/staff", "Back to the queue"),
        (false, Language::Zh) => ("/?lang=zh", "返回首页"),
        (false, Language::En) => ("/?lang=en", "Back to the front page"),
    };
    let mut out = render(
        status,
        &ErrorPage {
            t,
            status: status.as_u16(),
            title,
            lead,
            detail,
            fields,
            back_href,
            back_label,
        },
    );
    // Keep what the error answer told the browser about trying again.
    for name in [header::RETRY_AFTER, header::ALLOW] {
        if let Some(v) = resp.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

fn query_lang(query: Option<&str>) -> Option<String> {
    query?
        .split('&')
        .find_map(|kv| kv.strip_prefix("lang="))
        .map(str::to_string)
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// A page's heading and first sentence for an error status.
fn headline(lang: Language, status: StatusCode) -> (&'static str, &'static str) {
    let zh = lang == Language::Zh;
    match status.as_u16() {
        400 if zh => (
            "无法读取此请求",
            "所提交的内容格式不正确。请返回上一页重试。",
        ),
        400 => (
            "This request could not be read",
            "What was sent is not in a form we accept. Go back and try again.",
        ),
        401 if zh => ("需要登录", "请先登录后再继续。"),
        401 => ("Sign-in needed", "Please sign in to go on."),
        403 if zh => ("无权进行此操作", "您的账户不能查看或执行此操作。"),
        403 => ("Not allowed", "Your account may not see or do this."),
        404 if zh => ("未找到", "没有这个页面，或它所指的记录不存在。"),
        404 => (
            "Not found",
            "There is no such page, or what it refers to does not exist.",
        ),
        409 if zh => ("现在无法进行此操作", "此投诉目前的状态不允许这样做。"),
        409 => (
            "Not possible now",
            "The complaint's current state does not allow this.",
        ),
        413 if zh => ("提交的内容过大", "请缩短文字或减少附件后重试。"),
        413 => (
            "Too large",
            "Please shorten the text or attach less, then try again.",
        ),
        422 if zh => ("请检查所填内容", "以下内容需要修改后才能提交。"),
        422 => (
            "Please check what you entered",
            "The following need changing before this can be sent.",
        ),
        429 if zh => ("请求过于频繁", "请稍候再试。"),
        429 => ("Too many requests", "Please wait a little and try again."),
        503 | 507 if zh => ("服务暂时不可用", "没有保存任何内容。请稍后重试。"),
        503 | 507 => (
            "Briefly unavailable",
            "Nothing was stored. Please try again shortly.",
        ),
        _ if zh => ("出现了问题", "请稍后重试；如果问题持续，请与我们联系。"),
        _ => (
            "Something went wrong",
            "Please try again later; if it goes on, contact us.",
        ),
    }
}

/// A field's name as a person reads it.
/// A field's name as the pages that post it label it.
pub fn field_label(lang: Language, path: &str) -> String {
    let zh = lang == Language::Zh;
    let label = match path {
        "reason" if zh => "理由",
        "reason" => "Reasons",
        "statement" if zh => "申诉理由",
        "statement" => "Your statement",
        "answer" if zh => "答复",
        "answer" => "Your answer",
        "question" if zh => "问题",
        "question" => "Question",
        "action" if zh => "决定",
        "action" => "Decision",
        "reference" if zh => "法院、案号及立案日期",
        "reference" => "Court, case number and date filed",
        "evidence" if zh => "证据文件",
        "evidence" => "Evidence files",
        "from" | "to" if zh => "日期范围",
        "from" | "to" => "Date range",
        _ => return path.to_string(),
    };
    label.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn pages_are_for_browsers_outside_the_api() {
        let mut browser = HeaderMap::new();
        browser.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml,*/*;q=0.8"),
        );
        let mut program = HeaderMap::new();
        program.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        assert!(wants_page("/staff/complaints/9", &browser));
        assert!(!wants_page("/api/v1/complaints/9", &browser));
        assert!(!wants_page("/staff/complaints/9", &program));
        assert!(!wants_page("/staff/complaints/9", &HeaderMap::new()));
    }
}
