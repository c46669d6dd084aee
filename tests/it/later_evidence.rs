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
