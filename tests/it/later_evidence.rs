//! Evidence that comes after the notice: the file a request for information asks for,
//! a document sent with an appeal, and the licence a source sends with its
//! counter-notice. Each is checked and hashed as the notice's files are, kept on the
//! complaint with what it came with, and shown to staff.

use crate::common::filing::no_redirects;
use crate::common::staff::{add, session};
use crate::common::story::{CLAIMANT, SOURCE, Story};
use reqwest::multipart::{Form, Part};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use sha2::{Digest, Sha256};
use takedown::entities::complaint_evidence;
use takedown::services::staff::Role;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01";

fn hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn later(s: &Story, id: i64) -> Vec<complaint_evidence::Model> {
    complaint_evidence::Entity::find()
        .filter(complaint_evidence::Column::ComplaintId.eq(id))
        .filter(complaint_evidence::Column::SubmittedWith.is_not_null())
        .order_by_asc(complaint_evidence::Column::Id)
        .all(&s.app.db)
        .await
        .unwrap()
}

async fn post_form(s: &Story, path: &str, form: Form) -> (u16, String) {
    let resp = no_redirects()
        .post(s.app.url(path))
        .header("accept", "text/html")
        .header("accept-language", "zh-CN")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

/// The claimant answers a question with a PDF (after a refused executable), appeals
/// a rejection with a picture, the appeal is upheld, and the source answers the
/// removal with its licence. Every file is kept with what it came with, and each
/// party gets exactly the emails the story owes them.
#[tokio::test]
async fn answers_appeals_and_counter_notices_bring_their_files() {
    let s = Story::new().await;
    let article = s.article(1, json!({})).await;
    let (id, code) = s.complaint(1, CLAIMANT, true).await;
    s.decide(&s.alice, id, "request_info", "请提供授权证明。")
        .await;

    // An executable named .pdf is refused with the text, in the claimant's language,
    // and the clock stays paused.
    let bad = Form::new().text("answer", "见附件。").part(
        "evidence",
        Part::bytes(b"MZ\x90\x00\x03\x00\x00\x00".to_vec()).file_name("licence.pdf"),
    );
    let (status, page) = post_form(&s, &format!("/complaints/{code}/answer"), bad).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("证据文件须为 PDF"), "{page}");
    // The status page again, the problem linked from the summary, the answer kept.
    assert!(page.contains("<a href=\"#answer-evidence\">"), "{page}");
    assert!(page.contains(">见附件。</textarea>"), "{page}");
    assert_eq!(s.view(&code).await["status"], "needs_info");
    assert!(later(&s, id).await.is_empty());

    let good = Form::new().text("answer", "见附件：发表记录。").part(
        "evidence",
        Part::bytes(PDF.to_vec()).file_name("发表记录.pdf"),
    );
    let (status, _) = post_form(&s, &format!("/complaints/{code}/answer"), good).await;
    assert_eq!(status, 303);
    assert_eq!(s.view(&code).await["status"], "in_review");

    s.decide(&s.alice, id, "reject", "未能证明权属。").await;
    // A bad file with the appeal links to the appeal's own file input.
    let bad = Form::new().text("statement", "附上原稿。").part(
        "evidence",
        Part::bytes(b"MZ\x90\x00\x03\x00\x00\x00".to_vec()).file_name("原稿.png"),
    );
    let (status, page) = post_form(&s, &format!("/complaints/{code}/appeal"), bad).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("<a href=\"#appeal-evidence\">"), "{page}");
    assert!(page.contains(">附上原稿。</textarea>"), "{page}");
    assert_eq!(s.view(&code).await["status"], "rejected");
    let appeal = Form::new()
        .text("statement", "附上原稿截图。")
        .part("evidence", Part::bytes(PNG.to_vec()).file_name("原稿.png"));
    let (status, page) = post_form(&s, &format!("/complaints/{code}/appeal"), appeal).await;
    assert_eq!(status, 303, "{page}");
    s.decide(&s.bob, id, "uphold", "截图证明了权属。").await;
    assert_eq!(s.status(article).await, "removed");

    // The source's counter-notice, with its licence as a file beside the text.
    let licence = b"%PDF-1.7\nSYND-2022-017 online republication licence\n%%EOF\n";
    let counter = Form::new()
        .text("article_id", article.to_string())
        .text("name", "李伟")
        .text("address", "杭州市")
        .text("phone", "+86 571 8888 0000")
        .text("email", SOURCE)
        .text("removed_url", crate::common::filing::target(1))
        .text("statement", "本站已获授权转载。")
        .text("evidence", "授权协议见附件。")
        .text("consent_jurisdiction", "true")
        .text("signature", "李伟")
        .part(
            "evidence_files",
            Part::bytes(licence.to_vec()).file_name("SYND-2022-017.pdf"),
        );
    let (status, page) = post_form(&s, "/counter-notices", counter).await;
    assert_eq!(status, 201, "{page}");

    // Each file is kept once, with what it came with, under its SHA-256.
    let rows = later(&s, id).await;
    let kept: Vec<_> = rows
        .iter()
        .map(|e| {
            (
                e.submitted_with.clone().unwrap(),
                e.sha256.clone().unwrap(),
                e.content_type.clone().unwrap(),
                e.counter_notice_id.is_some(),
            )
        })
        .collect();
    assert_eq!(
        kept,
        [
            ("answer".into(), hex(PDF), "application/pdf".into(), false),
            ("appeal".into(), hex(PNG), "image/png".into(), false),
            (
                "counter_notice".into(),
                hex(licence),
                "application/pdf".into(),
                true
            ),
        ]
    );
    for e in &rows {
        let path = s
            .app
            .test_db
            .data_dir()
            .join("evidence")
            .join(e.sha256.as_deref().unwrap());
        assert!(path.exists(), "{path:?}");
    }
    assert_eq!(
        s.events("complaint.info_answered").await[0]["evidence_sha256"],
        json!([hex(PDF)])
    );
    assert_eq!(
        s.events("complaint.appealed").await[0]["evidence_sha256"],
        json!([hex(PNG)])
    );
    assert_eq!(
        s.events("counter_notice.received").await[0]["evidence_sha256"],
        json!([hex(licence)])
    );

    // Staff see each file with what it came with, and can open the licence.
    add(&s.app, "carol@news.example", Role::Reviewer).await;
    let c = no_redirects();
    let (cookie, _) = session(&s.app, &c, "carol@news.example").await;
    let page = c
        .get(s.app.url(&format!("/staff/complaints/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for with in ["answer", "appeal", "counter_notice"] {
        assert!(page.contains(&format!("data-with=\"{with}\"")), "{with}");
    }
    assert!(page.contains("SYND-2022-017.pdf") && page.contains("授权协议见附件。"));
    let eid = rows[2].id;
    let file = c
        .get(s.app.url(&format!("/staff/complaints/{id}/evidence/{eid}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().as_ref(), licence);

    // What each party was owed, no more.
    let to_claimant: Vec<String> = s
        .emails(id)
        .await
        .into_iter()
        .filter(|(_, to, _)| to == CLAIMANT)
        .map(|(kind, _, _)| kind)
        .collect();
    assert_eq!(
        to_claimant,
        [
            "receipt",
            "info_request",
            "decision",
            "decision",
            "counter_notice"
        ]
    );
    let to_source: Vec<String> = s
        .emails(id)
        .await
        .into_iter()
        .filter(|(_, to, _)| to == SOURCE)
        .map(|(kind, _, _)| kind)
        .collect();
    assert_eq!(to_source, ["removal", "counter_notice"]);
    let staff = s.count(id, "info_answered", "staff@news.example").await
        + s.count(id, "appeal", "staff@news.example").await;
    assert_eq!(staff, 2, "the desk hears of the answer and of the appeal");
    s.audit_verifies();
}

async fn status_page(s: &Story, code: &str) -> String {
    s.app
        .client
        .get(s.app.url(&format!("/complaints/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn report(s: &Story, code: &str, reference: &str) -> (u16, String) {
    let resp = no_redirects()
        .post(s.app.url(&format!("/complaints/{code}/legal-action")))
        .header("accept", "text/html")
        .form(&[("reference", reference)])
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

/// After a counter-notice, the claimant sees when the content returns and reports
/// their lawsuit from the status page; the desk is asked to confirm it, a reviewer
/// does, and the content stays down past the restore date. Every party's emails are
/// counted.
#[tokio::test]
async fn a_claimant_reports_legal_action_and_a_reviewer_confirms_it() {
    let s = Story::new().await;
    let article = s.article(1, json!({})).await;
    let (id, code) = s.complaint(1, CLAIMANT, true).await;
    s.decide(&s.alice, id, "uphold", "与原文逐字相同。").await;
    let notifier = "legal@portal.example";
    let (status, cn) = s
        .post(
            "/api/v1/counter-notices",
            json!({"article_id": article, "name": "门户网", "address": "上海市", "phone": "+86 21 0000 0000",
                   "email": notifier, "removed_url": crate::common::filing::target(1),
                   "statement": "我们拥有转载授权。", "consent_jurisdiction": true,
                   "signature": "门户网"}),
        )
        .await;
    assert_eq!(status, 201, "{cn}");

    let page = status_page(&s, &code).await;
    assert!(page.contains("data-state=\"waiting\"") && page.contains("class=\"restore-at\""));
    assert!(page.contains("id=\"legal-action\""), "{page}");

    let (status, page) = report(&s, &code, "  ").await;
    assert_eq!(status, 422);
    assert!(page.contains("请填写“法院、案号及立案日期”。"), "{page}");
    assert!(
        page.contains("aria-describedby=\"legal-reference-error\""),
        "{page}"
    );
    assert!(page.contains("<a href=\"#legal-reference\">"), "{page}");
    let case = "北京互联网法院 (2026) 京0491民初12345号，2026-12-01 立案";
    assert_eq!(report(&s, &code, case).await.0, 303);
    let (status, page) = report(&s, &code, case).await;
    assert_eq!(status, 409, "reported once: {page}");

    let view = s.view(&code).await;
    assert_eq!(view["legal_action_reported"], case);
    assert_eq!(view["legal_action_recorded"], false);
    assert_eq!(view["counter_notices"][0]["state"], "waiting");
    let page = status_page(&s, &code).await;
    assert!(page.contains("id=\"legal-reported\"") && page.contains(case));
    assert!(!page.contains("id=\"legal-action\""), "no second form");

    // The desk is asked to confirm, with the case and the complaint's staff page.
    let asked: Vec<_> = s
        .emails(id)
        .await
        .into_iter()
        .filter(|(kind, _, _)| kind == "legal_action_reported")
        .collect();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].1, "staff@news.example");
    assert_eq!(
        s.events("complaint.legal_action_reported").await[0]["reference"],
        case
    );

    // A reviewer sees the report, the form filled with the case, and confirms it.
    add(&s.app, "carol@news.example", Role::Reviewer).await;
    let c = no_redirects();
    let (cookie, _) = session(&s.app, &c, "carol@news.example").await;
    let staff_page = c
        .get(s.app.url(&format!("/staff/complaints/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(staff_page.contains("id=\"legal-action-reported\""));
    assert!(
        staff_page.contains(&format!(">{case}</textarea>")),
        "prefilled"
    );
    let csrf = crate::common::staff::hidden(&staff_page, "csrf");
    let resp = c
        .post(s.app.url(&format!("/staff/complaints/{id}/legal-action")))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str()), ("note", case)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);

    let restore_at = time::OffsetDateTime::parse(
        cn["restore_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    s.tick(restore_at + std::time::Duration::from_secs(60))
        .await;
    assert_eq!(
        s.status(article).await,
        "removed",
        "the lawsuit keeps it down"
    );
    assert_eq!(s.view(&code).await["legal_action_recorded"], true);
    let page = status_page(&s, &code).await;
    assert!(page.contains("id=\"legal-recorded\"") && page.contains("data-state=\"legal_action\""));

    assert_eq!(
        s.kinds(id, CLAIMANT).await,
        ["receipt", "decision", "counter_notice"]
    );
    assert_eq!(s.kinds(id, SOURCE).await, ["removal"]);
    assert_eq!(
        s.kinds(id, notifier).await,
        ["counter_notice", "legal_action"]
    );
    assert_eq!(
        s.kinds(id, "staff@news.example").await,
        ["new_complaint", "legal_action_reported"]
    );
    s.audit_verifies();
}
