//! The journeys of a reviewer and a claimant on a phone (390 px), in Chinese and in
//! English, in headless Chromium; and every page route, as each kind of user, checked
//! to fit the phone's width. Screenshots go to `target/screenshots/`.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::json;
use takedown::services::reply_templates::{self, Draft};
use takedown::services::staff::Role;

use crate::browser::{Driver, open, overflow, shot, sign_in, start_driver, text_of};
use crate::common::filing::{complaint_json, file_json, target};
use crate::common::staff::{add, reviewer_at_desk};
use crate::common::story::{SOURCE, Story};

const PHONE: (u32, u32) = (390, 844);
const NOT_OURS: &str = "https://news.example/video/press-conference.html";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

async fn click(b: &Client, css: &str) {
    b.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn type_into(b: &Client, id: &str, text: &str) {
    let field = b.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Fails with the page's name if it is wider than the phone; then keeps a screenshot.
async fn fits(b: &Client, name: &str) {
    shot(b, name).await;
    if let Some(wide) = overflow(b).await {
        panic!("{name}: {wide}");
    }
}

async fn body_of(s: &Story, id: i64, kind: &str, to: &str) -> String {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    takedown::entities::outbox::Entity::find()
        .filter(takedown::entities::outbox::Column::ComplaintId.eq(id))
        .filter(takedown::entities::outbox::Column::Kind.eq(kind))
        .filter(takedown::entities::outbox::Column::Recipient.eq(to))
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no {kind} email to {to}"))
        .body_text
}

/// A reviewer on a phone finds a complaint in the archive by its claimant, starts the
/// reasons from a saved reply, takes down the recorded article and finds the other URL
/// not ours, previews the email, records it and sees the success message, all in the
/// desk's language; the claimant's email says which URL got which outcome.
async fn reviewer_journey(driver: &Driver, lang: &str) {
    let s = Story::new().await;
    s.article(1, json!({})).await;
    let claimant = format!("rights-{lang}@citydaily.example");
    let name = if lang == "zh" { "林晓" } else { "Jane Roe" };
    let mut body = complaint_json(1, &claimant);
    body["claimant"]["name"] = json!(name);
    body["signature"] = json!(name);
    body["language"] = json!(lang);
    body["infringing_urls"] = json!([target(1), NOT_OURS]);
    let (id, _, _) = file_json(&s.app, &body).await;
    s.app.confirm(id).await;
    // Another complaint, from someone else, that the search must leave out.
    file_json(&s.app, &complaint_json(2, "other@harbour.example")).await;
    let reply = reply_templates::save(
        &s.app.db,
        None,
        &Draft {
            name: "Verbatim copy".into(),
            action: "uphold".into(),
            body_zh: "转载内容与您的原创报道逐字相同，超出许可范围，现予删除。".into(),
            body_en: "The republished text is your original report word for word, beyond the licence; it is taken down.".into(),
        },
        &reviewer_at_desk(),
        time::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    add(&s.app, "carol@news.example", Role::Reviewer).await;

    let profile = tempfile::tempdir().unwrap();
    let b = open(driver, profile.path(), PHONE.0, PHONE.1).await;
    sign_in(&b, &s.app, "carol@news.example", lang).await;
    fits(&b, &format!("desk-queue-{lang}-390")).await;

    click(&b, "#search-link").await;
    type_into(&b, "claimant", name).await;
    click(&b, "#find").await;
    let active = text_of(&b, "active").await;
    assert!(active.contains(name), "{active}");
    let rows = b.find_all(Locator::Css("#results tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 1, "only this claimant's complaint");
    fits(&b, &format!("desk-search-{lang}-390")).await;
    click(&b, "#results tbody tr td a").await;

    b.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("reply"))
        .await
        .unwrap()
        .select_by_value(&reply.id.to_string())
        .await
        .unwrap();
    click(&b, "#use-reply").await;
    // The chooser reloads the page: wait for the new one, not the old one's field.
    b.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#decide-heading"))
        .await
        .unwrap();
    let give_up = std::time::Instant::now() + Duration::from_secs(20);
    while !b.current_url().await.unwrap().as_str().contains("reply=") {
        assert!(
            std::time::Instant::now() < give_up,
            "the saved reply's page"
        );
        tokio::task::yield_now().await;
    }
    let reason = b
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("reason"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    let expected = if lang == "zh" {
        &reply.body_zh
    } else {
        &reply.body_en
    };
    assert_eq!(&reason, expected, "the reply in the claimant's language");
    let hint = text_of(&b, "reason-hint").await;
    assert!(
        hint.contains(if lang == "zh" { "中文" } else { "English" }),
        "{hint}"
    );
    for (select, value) in [("target_0", "uphold"), ("target_1", "not_ours")] {
        b.find(Locator::Id(select))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }
    click(&b, "#uphold").await;
    click(&b, "#preview").await;
    let preview = text_of(&b, "preview-text").await;
    assert!(
        preview.contains(&target(1)) && preview.contains(NOT_OURS),
        "{preview}"
    );
    fits(&b, &format!("desk-preview-{lang}-390")).await;
    // The preview kept every choice: record what was previewed.
    click(&b, "#record").await;
    let done = text_of(&b, "done").await;
    let said = if lang == "zh" {
        "决定已记录：成立"
    } else {
        "Decision recorded: upheld"
    };
    assert!(done.starts_with(said), "{done}");
    let mut outcomes = Vec::new();
    for o in b.find_all(Locator::Css(".outcome")).await.unwrap() {
        outcomes.push(o.attr("data-outcome").await.unwrap().unwrap_or_default());
    }
    assert_eq!(outcomes, ["upheld", "not_ours"]);
    fits(&b, &format!("desk-decided-{lang}-390")).await;
    b.close().await.unwrap();

    assert_eq!(s.kinds(id, &claimant).await, ["receipt", "decision"]);
    assert_eq!(s.kinds(id, SOURCE).await, ["removal"]);
    let letter = body_of(&s, id, "decision", &claimant).await;
    assert!(
        letter.contains(&target(1)) && letter.contains(NOT_OURS),
        "{letter}"
    );
    assert!(
        letter.contains(expected.as_str()),
        "the reasons as sent: {letter}"
    );
}

/// A claimant on a phone files with a file, lands on the status page, confirms, answers
/// the desk's question with a document, and after the removal and a counter-notice
/// reports the lawsuit, every page in the claimant's language; each party's emails are
/// counted.
async fn claimant_journey(driver: &Driver, lang: &str) {
    let s = Story::new().await;
    let article = s.article(1, json!({})).await;
    let profile = tempfile::tempdir().unwrap();
    let b = open(driver, profile.path(), PHONE.0, PHONE.1).await;
    let zh = lang == "zh";
    let email = format!("claimant-{lang}@citydaily.example");

    b.goto(&s.app.url(&format!("/complaints/new?lang={lang}")))
        .await
        .unwrap();
    fits(&b, &format!("claimant-form-{lang}-390")).await;
    let evidence = profile.path().join("licence-letter.pdf");
    std::fs::write(&evidence, PDF).unwrap();
    let name = if zh { "王芳" } else { "Jane Roe" };
    for (id, value) in [
        ("claimant.name", name),
        ("claimant.email", email.as_str()),
        ("claimant.phone", "+86 10 1234 5678"),
        ("claimant.address", "1 Press Road, Beijing"),
        (
            "work.title",
            if zh {
                "渡轮码头将关闭"
            } else {
                "Ferry pier to close"
            },
        ),
        (
            "work.description",
            if zh {
                "本报记者原创报道"
            } else {
                "Our reporter’s story"
            },
        ),
        ("work.original_url", "https://citydaily.example/news/1"),
        ("infringing_urls", &target(1)),
        ("signature", name),
    ] {
        b.find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    for id in ["cap-owner", "statements.good_faith", "statements.accurate"] {
        click(&b, &format!("[id='{id}']")).await;
    }
    b.find(Locator::Id("evidence"))
        .await
        .unwrap()
        .send_keys(&evidence.display().to_string())
        .await
        .unwrap();
    click(&b, "form button[type=submit]").await;
    let code = text_of(&b, "tracking-code").await;
    let here = b.current_url().await.unwrap();
    assert_eq!(
        here.path(),
        format!("/complaints/{code}"),
        "post, redirect, get"
    );
    fits(&b, &format!("claimant-receipt-{lang}-390")).await;

    let id = crate::browser::complaint_id(&s.app).await;
    b.goto(&s.app.confirm_link(id).await).await.unwrap();
    click(&b, "#confirm").await;
    let confirmed = text_of(&b, "confirmed").await;
    assert!(!confirmed.is_empty());
    fits(&b, &format!("claimant-confirmed-{lang}-390")).await;
    click(&b, "#status-link").await;
    text_of(&b, "status").await;

    let question = if zh {
        "请提供您对该作品享有著作权的证明。"
    } else {
        "Please send proof that you hold the copyright."
    };
    s.decide(&s.alice, id, "request_info", question).await;
    b.refresh().await.unwrap();
    let asked = text_of(&b, "info-request").await;
    assert!(asked.contains(question), "{asked}");
    type_into(
        &b,
        "answer",
        if zh {
            "版权登记证书见附件。"
        } else {
            "The registration certificate is attached."
        },
    )
    .await;
    let proof = profile.path().join("certificate.pdf");
    std::fs::write(&proof, PDF).unwrap();
    b.find(Locator::Id("answer-evidence"))
        .await
        .unwrap()
        .send_keys(&proof.display().to_string())
        .await
        .unwrap();
    click(&b, "#info-request button[type=submit]").await;
    let answered = text_of(&b, "your-answer").await;
    assert!(
        answered.contains(if zh { "附件" } else { "attached" }),
        "{answered}"
    );
    assert_eq!(
        s.app
            .count(&format!(
                "complaint_evidence WHERE complaint_id = {id} AND submitted_with = 'answer'"
            ))
            .await,
        1,
        "the certificate kept with the answer"
    );

    s.decide(&s.alice, id, "uphold", "与原文逐字相同。").await;
    let notifier = "legal@portal.example";
    let (status, cn) = s
        .post(
            "/api/v1/counter-notices",
            json!({"article_id": article, "name": "门户网", "address": "上海市", "phone": "+86 21 0000 0000",
                   "email": notifier, "removed_url": target(1),
                   "statement": "我们拥有转载授权。", "consent_jurisdiction": true,
                   "signature": "门户网"}),
        )
        .await;
    assert_eq!(status, 201, "{cn}");
    b.refresh().await.unwrap();
    let counter = text_of(&b, "counter-notices").await;
    assert!(!counter.is_empty());
    b.find(Locator::Css(
        "#counter-notices [data-state=waiting] .restore-at",
    ))
    .await
    .expect("the restore date");
    let case = "(2026) 京0491民初12345号";
    type_into(&b, "legal-reference", case).await;
    click(&b, "#legal-action button[type=submit]").await;
    let reported = text_of(&b, "legal-reported").await;
    assert!(!reported.is_empty());
    let page = b.source().await.unwrap();
    assert!(page.contains(case), "the case as reported: {page}");
    assert!(
        b.find(Locator::Id("legal-action")).await.is_err(),
        "reported once"
    );
    fits(&b, &format!("claimant-status-{lang}-390")).await;
    let html_lang = b
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap();
    assert_eq!(html_lang.as_deref(), Some(lang));
    b.close().await.unwrap();

    assert_eq!(
        s.kinds(id, &email).await,
        ["receipt", "info_request", "decision", "counter_notice"]
    );
    assert_eq!(s.kinds(id, SOURCE).await, ["removal"]);
    assert_eq!(s.kinds(id, notifier).await, ["counter_notice"]);
    assert_eq!(
        s.kinds(id, "staff@news.example").await,
        ["new_complaint", "info_answered", "legal_action_reported"]
    );
}

#[tokio::test]
async fn a_reviewer_on_a_phone_searches_and_decides_each_url_in_both_languages() {
    let Some(driver) = start_driver().await else {
        return;
    };
    for lang in ["zh", "en"] {
        reviewer_journey(&driver, lang).await;
    }
}

#[tokio::test]
async fn a_claimant_on_a_phone_follows_through_in_both_languages() {
    let Some(driver) = start_driver().await else {
        return;
    };
    for lang in ["zh", "en"] {
        claimant_journey(&driver, lang).await;
    }
}

/// Every page route, as anyone, a reviewer and an admin, in both languages: each fits a
/// 390 px phone, and none answers the browser with JSON.
#[tokio::test]
async fn every_page_fits_a_phone_for_every_user_in_both_languages() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let s = Story::with(|c| c.public_report = true).await;
    let article = s.article(1, json!({})).await;
    let (id, code) = s.complaint(1, crate::common::story::CLAIMANT, true).await;
    s.decide(&s.alice, id, "request_info", "请提供授权证明。")
        .await;
    add(&s.app, "rev@news.example", Role::Reviewer).await;
    add(&s.app, "admin@news.example", Role::Admin).await;
    let paths: Vec<&str> = takedown::web::route_paths()
        .into_iter()
        .filter(|p| !crate::pages::FOR_PROGRAMS.iter().any(|x| p.starts_with(x)))
        .filter(|p| !p.contains("/evidence/") && *p != "/logout")
        .collect();
    let profile = tempfile::tempdir().unwrap();
    let b = open(&driver, profile.path(), PHONE.0, PHONE.1).await;
    let mut wide = Vec::new();
    let mut json_pages = Vec::new();
    let mut seen = 0;
    for who in [None, Some("rev@news.example"), Some("admin@news.example")] {
        for lang in ["zh", "en"] {
            b.delete_all_cookies().await.unwrap();
            if let Some(email) = who {
                sign_in(&b, &s.app, email, lang).await;
            }
            for path in &paths {
                let url = crate::pages::concrete(path, id, &code, article)
                    .into_iter()
                    .next()
                    .unwrap();
                let sep = if url.contains('?') { '&' } else { '?' };
                b.goto(&s.app.url(&format!("{url}{sep}lang={lang}")))
                    .await
                    .unwrap();
                seen += 1;
                let kind: String = b
                    .execute("return document.contentType;", vec![])
                    .await
                    .unwrap()
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let user = who.unwrap_or("anyone");
                if kind.contains("json") {
                    json_pages.push(format!("{url} as {user}"));
                }
                if let Some(w) = overflow(&b).await {
                    wide.push(format!("{url} as {user} in {lang}: {w}"));
                }
                if who == Some("admin@news.example") || who.is_none() {
                    let name = path
                        .trim_matches('/')
                        .replace(['/', '{', '}'], "-")
                        .replace("--", "-");
                    let name = if name.is_empty() { "home".into() } else { name };
                    let role = if who.is_some() { "admin" } else { "public" };
                    shot(&b, &format!("route-{role}-{name}-{lang}-390")).await;
                }
            }
        }
    }
    b.close().await.unwrap();
    assert!(seen > 60, "{seen} pages");
    assert!(json_pages.is_empty(), "{}", json_pages.join("\n"));
    assert!(wide.is_empty(), "wider than a phone:\n{}", wide.join("\n"));
}
