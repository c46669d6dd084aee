//! The public complaint form, as a browser without JavaScript submits it.

use crate::common::filing::{as_browser, no_redirects};
use crate::common::{TestApp, article};
use reqwest::multipart::{Form, Part};
use sea_orm::EntityTrait;

fn form(submission_id: &str) -> Form {
    Form::new()
        .text("language", "en")
        .text("submission_id", submission_id.to_string())
        .text("claimant.name", "Wang Fang")
        .text("claimant.organisation", "City Daily")
        .text("claimant.email", "rights@citydaily.example")
        .text("claimant.phone", "+86 10 1234 5678")
        .text("claimant.address", "1 Press Road\nBeijing")
        .text("claimant.capacity", "owner")
        .text("claimant.on_behalf_of", "")
        .text("work.title", "Ferry pier to close")
        .text("work.description", "Our report")
        .text("work.original_url", "https://citydaily.example/news/1")
        .text("work.original_text", "")
        .text("infringing_urls", "https://news.example/2022/08/24/article-1.html\r\n\r\nhttps://news.example/other.html\r\n")
        .text("evidence_urls", "")
        .text("statements.good_faith", "true")
        .text("statements.accurate", "true")
        .text("signature", "Wang Fang")
}

/// Every file in the evidence folder, staging files included.
fn evidence_files(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(app.test_db.data_dir().join("evidence"))
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn code_in(html: &str) -> String {
    let start = html
        .find("<code id=\"tracking-code\">")
        .expect("tracking code shown")
        + 25;
    html[start..start + 40].to_string()
}

/// Posts the form as a browser would: a filed complaint answers 303 to its status
/// page, which shows the receipt.
async fn post_form(app: &TestApp, form: Form) -> (u16, String) {
    let resp = no_redirects()
        .post(app.url("/complaints"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    as_browser(app, resp).await
}

#[tokio::test]
async fn the_form_speaks_both_languages_and_states_the_policy() {
    let app = TestApp::spawn().await;
    let en = app
        .client
        .get(app.url("/complaints/new"))
        .send()
        .await
        .unwrap();
    assert_eq!(en.status(), 200);
    assert!(
        en.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let en = en.text().await.unwrap();
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("within <strong>24 hours</strong> of receiving a complete complaint"));
    assert!(en.contains("name=\"submission_id\" value=\""));
    assert!(!en.contains("<script"), "the form needs no JavaScript");
    // Who sees what, the cost of a false notice, and what a URL on this site looks like.
    assert!(en.contains("id=\"shared-note\"") && en.contains("shared with the source"));
    assert!(en.contains("17 U.S.C. § 512(f)") && en.contains("art. 1195"));
    assert!(
        en.contains("<code id=\"example-url\">https://news.example/"),
        "{en}"
    );

    let zh = app
        .client
        .get(app.url("/complaints/new?lang=zh"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(zh.contains("<html lang=\"zh\">") && zh.contains("24 小时") && zh.contains("提交投诉"));
    assert!(zh.contains("第一千一百九十五条") && zh.contains("转交被转载文章的来源方"));
    let negotiated = app
        .client
        .get(app.url("/complaints/new"))
        .header("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(negotiated.contains("<html lang=\"zh\">"));
}

#[tokio::test]
async fn a_complete_form_with_evidence_files_is_received() {
    let app = TestApp::spawn().await;
    let copy: serde_json::Value = app
        .post_article(&article(1, "Body"))
        .await
        .json()
        .await
        .unwrap();
    let pdf = b"%PDF-1.4 fake but well-typed".to_vec();
    let f = form(&uuid::Uuid::new_v4().to_string())
        .part(
            "evidence",
            Part::bytes(pdf.clone()).file_name("../../etc/scan.pdf"),
        )
        .part(
            "evidence",
            Part::bytes("证据说明".as_bytes().to_vec()).file_name("note.txt"),
        )
        .part("evidence", Part::bytes(Vec::new()).file_name(""));
    let (status, html) = post_form(&app, f).await;
    assert_eq!(status, 303, "{html}");
    let code = code_in(&html);
    assert!(html.contains(&format!("/complaints/{code}")));
    assert!(
        html.contains("id=\"receipt\""),
        "the receipt, on the status page"
    );

    let v: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/complaints/{code}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["targets"][0]["article_id"], copy["id"]);
    // People read the deadline in DISPLAY_TZ, to the minute, with the offset.
    let shown = takedown::domain::display_time::shown(v["deadline_at"].as_str().unwrap());
    assert!(shown.ends_with("(UTC+8)"), "{shown}");
    assert!(html.contains(&shown), "{shown}");

    use sea_orm::{EntityTrait, QueryOrder};
    let ev = takedown::entities::complaint_evidence::Entity::find()
        .order_by_asc(takedown::entities::complaint_evidence::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(ev.len(), 2);
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&pdf));
    assert_eq!(ev[0].sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(ev[0].content_type.as_deref(), Some("application/pdf"));
    assert_eq!(ev[0].file_name.as_deref(), Some("scan.pdf"));
    assert_eq!(ev[1].content_type.as_deref(), Some("text/plain"));
    let stored = std::fs::read(app.test_db.data_dir().join("evidence").join(&sha)).unwrap();
    assert_eq!(stored, pdf);
    assert_eq!(app.count("outbox WHERE kind = 'receipt'").await, 1);
}

#[tokio::test]
async fn a_double_submit_files_one_complaint() {
    let app = TestApp::spawn().await;
    let id = uuid::Uuid::new_v4().to_string();
    let (first, html1) = post_form(&app, form(&id)).await;
    let (second, html2) = post_form(&app, form(&id)).await;
    assert_eq!(
        (first, second),
        (303, 303),
        "both lead to the one complaint"
    );
    assert_eq!(code_in(&html1), code_in(&html2));
    assert_eq!(app.count("complaints").await, 1);
    assert_eq!(app.count("outbox WHERE kind = 'receipt'").await, 1);
}

#[tokio::test]
async fn a_bad_submission_keeps_what_was_typed_and_marks_each_problem() {
    let app = TestApp::spawn().await;
    let f = Form::new()
        .text("language", "en")
        .text("claimant.name", "<script>alert(1)</script>")
        .text("claimant.email", "not-an-email")
        .text("infringing_urls", "https://news.example/a\nftp://bad")
        .text("statements.good_faith", "true");
    let (status, html) = post_form(&app, f).await;
    assert_eq!(status, 422);
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || html.contains("&lt;script&gt;"),
        "typed HTML is shown as text"
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("value=\"not-an-email\""));
    assert!(html.contains("must be an email address, like name@example.com (must contain @)"));
    assert!(html.contains("must be an http:// or https:// URL"));
    assert!(html.contains("Please tick “The information in this notice is accurate"));
    // Each problem is linked from the summary, and marked on its field.
    let summary = html
        .split("id=\"error-summary\"")
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .expect("an error summary");
    for anchor in [
        "#claimant.email",
        "#claimant.phone",
        "#infringing_urls",
        "#statements.accurate",
        "#signature",
    ] {
        assert!(
            summary.contains(&format!("href=\"{anchor}\"")),
            "{anchor}: {summary}"
        );
    }
    assert!(summary.contains("Please fill in “Phone"), "{summary}");
    assert!(html.contains(
        "id=\"claimant.email\" name=\"claimant.email\" value=\"not-an-email\" required maxlength=\"254\" autocomplete=\"email\" aria-invalid=\"true\""
    ));
    assert!(!html.contains("id=\"claimant.organisation\" name=\"claimant.organisation\" value=\"\" maxlength=\"200\" autocomplete=\"organization\" aria-invalid"));
    assert!(html.contains("https://news.example/a\nftp://bad"));
    assert!(
        html.contains(" checked"),
        "the ticked statement stays ticked"
    );

    let zh = Form::new()
        .text("language", "zh")
        .text("claimant.name", "王芳");
    let (status, html) = post_form(&app, zh).await;
    assert_eq!(status, 422);
    assert!(html.contains("请填写“电子邮箱") && html.contains("value=\"王芳\""));
    assert_eq!(app.count("complaints").await, 0);
}

#[tokio::test]
async fn files_are_checked_by_content_not_by_name() {
    let app = TestApp::spawn().await;
    let f = form(&uuid::Uuid::new_v4().to_string()).part(
        "evidence",
        Part::bytes(b"MZ\x90\x00\x03\x00\x00\x00".to_vec()).file_name("scan.pdf"),
    );
    let (status, html) = post_form(&app, f).await;
    assert_eq!(status, 422);
    assert!(html.contains("only PDF, PNG, JPEG or plain-text files are accepted"));
    assert_eq!(app.count("complaints").await, 0);
    assert!(
        evidence_files(&app).is_empty(),
        "{:?}",
        evidence_files(&app)
    );

    let mut too_many = form(&uuid::Uuid::new_v4().to_string());
    for i in 0..6 {
        too_many = too_many.part(
            "evidence",
            Part::bytes(format!("note {i}").into_bytes()).file_name("n.txt"),
        );
    }
    let (status, html) = post_form(&app, too_many).await;
    assert_eq!(status, 422);
    assert!(html.contains("at most 5 files"));
}

#[tokio::test]
async fn urlencoded_forms_work_and_other_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let body = "language=zh&claimant.name=%E7%8E%8B%E8%8A%B3&claimant.email=a%40b.example&claimant.phone=12345678&claimant.address=x&claimant.capacity=owner&work.title=t&work.description=d&work.original_url=https%3A%2F%2Fa.example%2F&infringing_urls=https%3A%2F%2Fnews.example%2Fa&statements.good_faith=on&statements.accurate=on&signature=W";
    let resp = no_redirects()
        .post(app.url("/complaints"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    // Post, redirect, get: to the status page, whose address is the one to keep.
    assert_eq!(resp.status(), 303);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/complaints/") && location.ends_with("?lang=zh"));
    let receipt_cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(receipt_cookie.contains("HttpOnly"), "{receipt_cookie}");
    let (_, html) = as_browser(&app, resp).await;
    assert!(html.contains("我们已收到您的投诉"), "{html}");
    assert!(html.contains("请保存本页网址"));
    // Shown once: the page clears the cookie, and without it there is no receipt.
    let pair = receipt_cookie.split(';').next().unwrap();
    let again = app
        .client
        .get(app.url(&location))
        .header("cookie", pair)
        .send()
        .await
        .unwrap();
    let cleared = again.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cleared.starts_with("td_receipt=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let plain = app
        .client
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!plain.contains("id=\"receipt\"") && plain.contains("id=\"tracking-code\""));
    // Another complaint's receipt cookie shows nothing here.
    let other = app
        .client
        .get(app.url(&location))
        .header("cookie", "td_receipt=0123456789abcdef")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!other.contains("id=\"receipt\""));

    let dup = format!("{body}&signature=X");
    let resp = app
        .client
        .post(app.url("/complaints"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(dup)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = app
        .client
        .post(app.url("/complaints"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    let resp = app
        .client
        .post(app.url("/complaints"))
        .header("content-type", "multipart/form-data; boundary=x")
        .body("garbage")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_client_error());
    assert_eq!(app.count("complaints").await, 1);
}

#[tokio::test]
async fn the_status_page_shows_status_and_deadline_and_nothing_else() {
    let app = TestApp::spawn().await;
    let (_, html) = post_form(&app, form(&uuid::Uuid::new_v4().to_string())).await;
    let code = code_in(&html);
    let page = app
        .client
        .get(app.url(&format!("/complaints/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("<dd id=\"status\">received</dd>"));
    assert!(page.contains("https://news.example/other.html"));
    assert!(
        !page.contains("rights@citydaily.example"),
        "no personal data on the status page"
    );
    let zh = app
        .client
        .get(app.url(&format!("/complaints/{code}?lang=zh")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(zh.contains("已收到"));
    let missing = app
        .client
        .get(app.url(&format!("/complaints/{}", "f".repeat(40))))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("There is no complaint")
    );
}

#[tokio::test]
async fn public_submissions_are_rate_limited_per_address() {
    let app = TestApp::spawn_with(|c| c.intake_rate_limit = 3).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let (s, _) = post_form(&app, form(&uuid::Uuid::new_v4().to_string())).await;
        statuses.push(s);
    }
    assert_eq!(statuses, [303, 303, 303]);
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["error"],
        "rate_limited"
    );
    // Reading is not limited.
    assert_eq!(
        app.client
            .get(app.url("/complaints/new"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn a_declared_length_over_the_cap_is_refused_before_any_body_is_sent() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn().await;
    let addr = app.address.trim_start_matches("http://").to_string();
    for (path, ct) in [
        ("/api/v1/complaints", "application/json"),
        ("/complaints", "application/x-www-form-urlencoded"),
    ] {
        // Headers promise 200 MB; no body follows. Only a check of the declared length
        // can answer now: a limit applied while reading would wait for the body.
        let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
        sock.write_all(
            format!(
                "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {ct}\r\nContent-Length: 200000000\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(std::time::Duration::from_secs(30), sock.read(&mut buf))
            .await
            .expect("no answer before the body was sent")
            .unwrap();
        let head = String::from_utf8_lossy(&buf[..n]);
        assert!(head.starts_with("HTTP/1.1 413"), "{path}: {head}");
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused_from_their_declared_length() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .header("content-type", "application/json")
        .body(vec![b' '; 2 << 20])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["error"],
        "too_large"
    );
}

#[tokio::test]
async fn text_evidence_with_markup_is_refused() {
    let app = TestApp::spawn().await;
    for (name, body) in [
        ("note.txt", "说明 <svg onload=alert(1)>"),
        ("page.txt", "<!DOCTYPE html><html><body>copy</body></html>"),
        ("handler.txt", "原文 <a href=x onclick = alert(1)>链接</a>"),
        (
            "ns.txt",
            "<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">alert(1)</x:script>",
        ),
        ("link.txt", "see javascript:alert(1)"),
        ("utf7.txt", "+ADw-script+AD4-alert(1)+ADw-/script+AD4-"),
        (
            "scan.pdf",
            "%PDF-1.4\n<html><script>alert(1)</script></html>",
        ),
        (
            "photo.png",
            "\u{89}PNG\r\n\u{1a}\n<!doctype html><body>x</body>",
        ),
    ] {
        // The PNG's signature as raw bytes (0x89, not its UTF-8 spelling).
        let bytes = match name {
            "photo.png" => [
                b"\x89PNG\r\n\x1a\n".as_slice(),
                b"<!doctype html><body>x</body>",
            ]
            .concat(),
            _ => body.as_bytes().to_vec(),
        };
        let f = form(&uuid::Uuid::new_v4().to_string())
            .part("evidence", Part::bytes(bytes).file_name(name));
        let (status, html) = post_form(&app, f).await;
        assert_eq!(status, 422, "{name}");
        assert!(
            html.contains("only PDF, PNG, JPEG or plain-text files are accepted"),
            "{name}"
        );
    }
    assert_eq!(app.count("complaints").await, 0);
    assert!(
        evidence_files(&app).is_empty(),
        "{:?}",
        evidence_files(&app)
    );
}

#[tokio::test]
async fn evidence_is_moved_into_place_only_after_its_complaint_commits() {
    let app = TestApp::spawn().await;
    let pdf = b"%PDF-1.4 evidence of first publication".to_vec();
    let sha = takedown_text::canonical::sha256_hex(&pdf);
    let with_evidence = || {
        form(&uuid::Uuid::new_v4().to_string())
            .part("evidence", Part::bytes(pdf.clone()).file_name("scan.pdf"))
    };

    // The writer fails while filing: 503, the form kept, and no file left behind.
    app.state.intake.panic_on_next_group();
    let (status, html) = post_form(&app, with_evidence()).await;
    assert_eq!(status, 503, "{html}");
    assert!(html.contains("value=\"Wang Fang\""));
    assert_eq!(app.count("complaints").await, 0);
    assert!(
        evidence_files(&app).is_empty(),
        "{:?}",
        evidence_files(&app)
    );

    // The writer carried on: the same form files, and its evidence is in place.
    let (status, html) = post_form(&app, with_evidence()).await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(evidence_files(&app), vec![sha.clone()]);

    // A crash between commit and the move leaves a staged file: start-up finishes the
    // move, and throws away staging files no complaint cites.
    let dir = app.test_db.data_dir().join("evidence");
    std::fs::rename(dir.join(&sha), dir.join(format!(".staged-{sha}-crash"))).unwrap();
    std::fs::write(dir.join(".upload-interrupted"), b"half a file").unwrap();
    std::fs::write(
        dir.join(format!(".staged-{}-orphan", "ab".repeat(32))),
        b"x",
    )
    .unwrap();
    let db = app.test_db.clone();
    app.stop().await;
    let app = TestApp::spawn_on(db, |_| {}).await;
    assert_eq!(evidence_files(&app), vec![sha]);
}

#[tokio::test]
async fn a_panicking_intake_writer_fails_only_the_requests_in_flight() {
    let app = TestApp::spawn().await;
    let notice = serde_json::json!({
        "claimant": {"name": "Wang Fang", "email": "rights@citydaily.example", "phone": "+86 10 1234 5678",
                     "address": "1 Press Road", "capacity": "owner"},
        "work": {"title": "Ferry pier", "description": "Our report", "original_url": "https://citydaily.example/1"},
        "infringing_urls": ["https://news.example/a.html"],
        "statements": {"good_faith": true, "accurate": true},
        "signature": "Wang Fang", "language": "en"
    });
    app.state.intake.panic_on_next_group();
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&notice)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("retry-after"));
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["error"],
        "unavailable"
    );
    assert_eq!(app.count("complaints").await, 0);
    for _ in 0..3 {
        let resp = app
            .client
            .post(app.url("/api/v1/complaints"))
            .json(&notice)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
    assert_eq!(app.count("complaints").await, 3);
}

#[tokio::test]
async fn behind_a_trusted_proxy_limits_key_on_the_forwarded_client() {
    async fn statuses(app: &TestApp, xff: &str, n: usize) -> Vec<u16> {
        let mut out = Vec::new();
        for _ in 0..n {
            let resp = app
                .client
                .post(app.url("/api/v1/complaints"))
                .header("x-forwarded-for", xff)
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            out.push(resp.status().as_u16());
        }
        out
    }
    let app = TestApp::spawn_with(|c| {
        c.intake_rate_limit = 2;
        c.trusted_proxies = takedown::config::parse_trusted("127.0.0.1/32").unwrap();
    })
    .await;
    assert_eq!(statuses(&app, "203.0.113.1", 3).await, [422, 422, 429]);
    // Another client behind the same proxy has its own allowance, and a hop the client
    // wrote itself (left of the one our proxy added) changes nothing.
    assert_eq!(
        statuses(&app, "198.51.100.1, 203.0.113.2", 2).await,
        [422, 422]
    );
    assert_eq!(statuses(&app, "203.0.113.1", 1).await, [429]);
    // IPv6 clients share their /64.
    assert_eq!(statuses(&app, "2001:db8:1:2::1", 2).await, [422, 422]);
    assert_eq!(statuses(&app, "2001:db8:1:2::ffff", 1).await, [429]);

    // Without TRUSTED_PROXIES the header is ignored: all of it is one peer.
    let app = TestApp::spawn_with(|c| c.intake_rate_limit = 2).await;
    assert_eq!(statuses(&app, "203.0.113.1", 1).await, [422]);
    assert_eq!(statuses(&app, "203.0.113.2", 2).await, [422, 429]);
}

#[tokio::test]
async fn the_front_door_leads_to_the_form_the_status_and_staff_sign_in() {
    let app = TestApp::spawn().await;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let home = c.get(app.url("/?lang=en")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    for link in [
        "/complaints/new?lang=en",
        "/login",
        "/docs",
        "/complaints/lookup",
        "/?lang=zh",
    ] {
        assert!(html.contains(link), "{link} missing: {html}");
    }
    assert!(html.contains("within"));
    let zh = c
        .get(app.url("/?lang=zh"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(zh.contains("提交版权投诉") && zh.contains("/complaints/new?lang=zh"));

    let code = "ab".repeat(20);
    let resp = c
        .get(app.url(&format!(
            "/complaints/lookup?code=%20{}%20&lang=zh",
            code.to_uppercase()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(
        resp.headers()["location"],
        format!("/complaints/{code}").as_str()
    );
    let resp = c
        .get(app.url("/complaints/lookup?code=..%2Fetc%3Cb%3E&lang=zh"))
        .send()
        .await
        .unwrap();
    // A code mistyped: the front door again, saying so beside the field, escaped.
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("这不是有效的查询编号"), "{html}");
    assert!(
        html.contains("value=\"../etc&#60;b&#62;\" aria-invalid=\"true\""),
        "{html}"
    );
    let resp = c
        .get(app.url("/complaints/lookup?code=&lang=en"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/?lang=en");
}

/// A file name with bidi overrides or other format controls is kept without them, so
/// `a\u{202e}gnp.exe` never reads as "aexe.png" to a reviewer.
#[tokio::test]
async fn evidence_names_lose_bidi_controls() {
    let app = TestApp::spawn().await;
    let f = form(&uuid::Uuid::new_v4().to_string()).part(
        "evidence",
        Part::bytes(b"%PDF-1.4 scan".to_vec()).file_name("a\u{202e}gnp\u{2066}.pdf\u{200f}"),
    );
    let (status, html) = post_form(&app, f).await;
    assert_eq!(status, 303, "{html}");
    let names: Vec<Option<String>> = takedown::entities::complaint_evidence::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.file_name)
        .collect();
    assert_eq!(names, [Some("agnp.pdf".to_string())]);
}
