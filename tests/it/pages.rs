//! People never see raw JSON: every page route, asked by a browser as each kind of
//! user, answers with a page, errors included; JSON stays for `/api` and for callers
//! that ask for it.

use crate::common::TestApp;
use crate::common::staff::{add, client, session};
use crate::common::story::{CLAIMANT, Story};
use reqwest::Method;
use serde_json::json;
use takedown::services::staff::Role;

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
pub(crate) const FOR_PROGRAMS: [&str; 5] =
    ["/api/", "/metrics", "/healthz", "/readyz", "/openapi.json"];

/// `path` with each parameter filled in: once with a record that exists, once with one
/// that does not.
pub(crate) fn concrete(path: &str, id: i64, code: &str, article: i64) -> Vec<String> {
    let fill = |id: &str, code: &str, article: &str| {
        path.replace("{id}", id)
            .replace("{code}", code)
            .replace("{article_id}", article)
            .replace("{eid}", "1")
            .replace("{letter}", "1")
    };
    let real = fill(&id.to_string(), code, &article.to_string());
    let missing = fill("999999", &"0".repeat(40), "999999");
    if real == missing {
        vec![real]
    } else {
        vec![real, missing, fill("not-a-number", "not-a-code", "x")]
    }
}

#[tokio::test]
async fn no_page_route_answers_a_browser_with_json() {
    let s = Story::new().await;
    let app = &s.app;
    let article = s.article(1, json!({})).await;
    let (id, code) = s.complaint(1, CLAIMANT, true).await;
    add(app, "rev@news.example", Role::Reviewer).await;
    add(app, "admin@news.example", Role::Admin).await;
    let c = client();
    let (reviewer, _) = session(app, &c, "rev@news.example").await;
    let (admin, _) = session(app, &c, "admin@news.example").await;
    let users = [
        ("anyone", None),
        ("a reviewer", Some(&reviewer)),
        ("an admin", Some(&admin)),
    ];

    let paths: Vec<&str> = takedown::web::route_paths()
        .into_iter()
        .filter(|p| !FOR_PROGRAMS.iter().any(|x| p.starts_with(x)))
        .filter(|p| *p != "/logout")
        .collect();
    assert!(paths.contains(&"/staff/complaints/{id}"), "{paths:?}");
    let mut asked = 0;
    let mut json_answers = Vec::new();
    // Reads first, then writes (which a missing CSRF token refuses).
    for method in [Method::GET, Method::POST] {
        for path in &paths {
            for url in concrete(path, id, &code, article) {
                for (who, cookie) in &users {
                    let mut req = c
                        .request(method.clone(), app.url(&url))
                        .header("accept", BROWSER_ACCEPT);
                    if let Some(cookie) = cookie {
                        req = req.header("cookie", cookie.as_str());
                    }
                    if method == Method::POST {
                        req = req.form(&[("note", "x")]);
                    }
                    let resp = req.send().await.unwrap();
                    asked += 1;
                    let status = resp.status().as_u16();
                    let kind = resp
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    if kind.contains("json") {
                        let body = resp.text().await.unwrap_or_default();
                        json_answers.push(format!("{method} {url} as {who}: {status} {body}"));
                    }
                }
            }
        }
    }
    assert!(asked > 100, "{asked}");
    assert!(json_answers.is_empty(), "{}", json_answers.join("\n"));

    // A program that asks for JSON still gets it, outside the API too.
    let resp = c
        .get(app.url("/staff/complaints/999999"))
        .header("cookie", admin.as_str())
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("json")
    );
}

/// The five places a person used to be shown JSON, each now a page in its language.
#[tokio::test]
async fn errors_a_person_meets_are_pages_in_their_language() {
    let s = Story::new().await;
    let app = &s.app;
    s.article(1, json!({})).await;
    let (id, code) = s.complaint(1, CLAIMANT, true).await;
    add(app, "rev@news.example", Role::Reviewer).await;
    let c = client();
    let (reviewer, csrf) = session(app, &c, "rev@news.example").await;
    let page = |path: &str, lang: &'static str| {
        c.get(app.url(path))
            .header("cookie", reviewer.as_str())
            .header("accept", BROWSER_ACCEPT)
            .header("accept-language", lang)
    };
    let html = |resp: reqwest::Response| async move {
        let status = resp.status().as_u16();
        let kind = resp.headers()["content-type"].to_str().unwrap().to_string();
        assert!(kind.starts_with("text/html"), "{status} {kind}");
        (status, resp.text().await.unwrap())
    };

    // A decision whose reasons are only spaces: the form again, the problem beside
    // its field and linked from the summary.
    let resp = c
        .post(app.url(&format!("/staff/complaints/{id}/decision")))
        .header("cookie", reviewer.as_str())
        .header("accept", BROWSER_ACCEPT)
        .header("accept-language", "zh-CN,zh;q=0.9")
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "reject"),
            ("reason", "   "),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = html(resp).await;
    assert_eq!(status, 422);
    // The desk follows the browser: a Chinese reviewer reads the problem in Chinese.
    assert!(body.contains("<html lang=\"zh\""), "{body}");
    assert!(
        body.contains("<a href=\"#reason\">请完整填写理由说明"),
        "{body}"
    );
    assert!(
        body.contains("aria-invalid=\"true\">   </textarea>"),
        "{body}"
    );
    assert!(body.contains("id=\"reject\" name=\"action\" value=\"reject\" checked"));
    assert!(body.contains("href=\"/staff\""), "a way back: {body}");

    // A reviewer opening the outbox: not allowed, and why.
    let (status, body) = html(page("/staff/outbox", "en").send().await.unwrap()).await;
    assert_eq!(status, 403);
    assert!(body.contains("Not allowed"), "{body}");

    // A complaint that does not exist.
    let (status, body) = html(page("/staff/complaints/999", "zh").send().await.unwrap()).await;
    assert_eq!(status, 404);
    assert!(body.contains("未找到"), "{body}");

    // A report range that is not one.
    let (status, body) = html(
        page("/staff/report?from=2026-13-01&to=yesterday", "en")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!((400..500).contains(&status), "{status}");
    assert!(!body.trim_start().starts_with('{'), "{body}");

    // The first reviewer deciding the appeal of their own rejection.
    let rev_token = crate::common::staff::account_token(app, "ann").await;
    s.decide(&rev_token, id, "reject", "转载已获授权。").await;
    s.appeal(&code).await;
    let ann = crate::common::staff::client();
    let (ann_cookie, ann_csrf) = {
        // Ann's account was made for her token; give it the test password to sign in.
        takedown::services::staff::reset_password(
            &app.db,
            &takedown::domain::validate::EmailAddress::parse("ann@news.example").unwrap(),
            crate::common::staff::PASSWORD.into(),
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
        session(app, &ann, "ann@news.example").await
    };
    // Her page offers her no decision form, and says why.
    let mine = ann
        .get(app.url(&format!("/staff/complaints/{id}")))
        .header("cookie", ann_cookie.as_str())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(mine.contains("id=\"why-not-decide\""), "{mine}");
    assert!(mine.contains("an appeal of your own decision"));
    assert!(!mine.contains("id=\"decide\""));
    let resp = ann
        .post(app.url(&format!("/staff/complaints/{id}/decision")))
        .header("cookie", ann_cookie.as_str())
        .header("accept", BROWSER_ACCEPT)
        .header("accept-language", "zh")
        .form(&[
            ("csrf", ann_csrf.as_str()),
            ("action", "reject"),
            ("reason", "维持原决定。"),
        ])
        .send()
        .await
        .unwrap();
    let (status, body) = html(resp).await;
    assert_eq!(status, 409);
    assert!(body.contains("须由首次决定者以外的审核人"), "{body}");
}

/// The claimant's page shows what they sent us, and no deadline once decided.
#[tokio::test]
async fn the_status_page_shows_the_claimants_own_words_and_no_deadline_once_decided() {
    let s = Story::new().await;
    let app = &s.app;
    s.article(1, json!({})).await;
    let (id, code) = s.complaint(1, CLAIMANT, true).await;
    let status_page = || async {
        app.client
            .get(app.url(&format!("/complaints/{code}")))
            .header("accept", BROWSER_ACCEPT)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert!(status_page().await.contains("id=\"deadline\""));
    s.decide(&s.alice, id, "request_info", "请提供原文的发表日期。")
        .await;
    let (st, v) = s
        .post(
            &format!("/api/v1/complaints/{code}/answer"),
            json!({"answer": "原文发表于2022年8月23日。"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    s.decide(&s.alice, id, "reject", "转载已获授权。").await;
    let page = status_page().await;
    assert!(
        page.contains(
            "<p id=\"your-answer\" style=\"white-space: pre-wrap\">原文发表于2022年8月23日。</p>"
        ),
        "{page}"
    );
    assert!(!page.contains("id=\"deadline\""), "decided: {page}");
    s.appeal(&code).await;
    let page = status_page().await;
    assert!(page.contains("id=\"your-appeal\""), "{page}");
    assert!(page.contains("许可已于去年到期"), "{page}");
    assert!(
        page.contains("id=\"deadline\""),
        "the appeal's deadline runs"
    );
    s.decide(&s.bob, id, "reject", "维持原决定。").await;
    assert!(!status_page().await.contains("id=\"deadline\""));
}

/// Every page, error pages included, names the site, where to write to it and its
/// privacy policy, in the page's language; a site that set none shows an empty footer.
#[tokio::test]
async fn every_page_names_the_site_its_contact_and_its_privacy_policy() {
    let app = TestApp::spawn_with(|c| {
        c.site_name = Some("City Daily".into());
        c.site_contact = Some(
            takedown::domain::validate::EmailAddress::parse("copyright@news.example").unwrap(),
        );
        c.privacy_url = Some("https://news.example/privacy".into());
    })
    .await;
    let footer = |html: &str| {
        html.split("<footer class=\"site hint\">")
            .nth(1)
            .and_then(|f| f.split("</footer>").next())
            .unwrap_or_default()
            .to_string()
    };
    for (path, zh) in [
        ("/?lang=zh", true),
        ("/complaints/new?lang=en", false),
        ("/docs/start", false),
        ("/login", false),
        ("/complaints/not-a-code?lang=zh", true),
        ("/staff/complaints/999", false),
    ] {
        let resp = app
            .client
            .get(app.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        let html = resp.text().await.unwrap();
        let f = footer(&html);
        assert!(f.contains("<strong>City Daily</strong>"), "{path}: {f:?}");
        assert!(
            f.contains("<a href=\"mailto:copyright@news.example\">"),
            "{path}: {f}"
        );
        assert!(
            f.contains("href=\"https://news.example/privacy\""),
            "{path}: {f}"
        );
        let label = if zh { "隐私政策" } else { "Privacy policy" };
        assert!(f.contains(label), "{path}: {f}");
    }
    let bare = TestApp::spawn().await;
    let html = bare
        .client
        .get(bare.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(footer(&html), "", "nothing set, nothing said");
}
