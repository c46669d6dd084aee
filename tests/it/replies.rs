//! Replies thread into their complaint: a message whose `In-Reply-To`/`References`
//! names one of our emails is kept on that complaint. From the claimant's address while
//! the complaint waits on them, it is their answer and the clock runs again; from any
//! other address it is kept and answers nothing. Staff read the thread on the page.

use crate::bounces::{corpus, receive};
use crate::common::staff::{add, client, page, session};
use crate::common::story::{CLAIMANT, Story};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use takedown::domain::complaint::ComplaintStatus;
use takedown::entities::{complaint, outbox};
use takedown::services::staff::Role;

async fn question_id(s: &Story, id: i64) -> String {
    outbox::Entity::find()
        .filter(outbox::Column::ComplaintId.eq(id))
        .filter(outbox::Column::Kind.eq("info_request"))
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap()
        .message_id
}

fn reply(from: &str, in_reply_to: &str, n: u32) -> String {
    corpus("apple-mail-reply.eml")
        .replace("{{FROM}}", from)
        .replace("{{IN_REPLY_TO}}", in_reply_to)
        .replace("{{MESSAGE_ID}}", &format!("reply-{n}"))
}

async fn row(s: &Story, id: i64) -> complaint::Model {
    complaint::Entity::find_by_id(id)
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap()
}

/// The desk asks; someone else answers first, by email, in the thread: kept, and the
/// clock stays paused. Then the claimant replies: their words (without the quoted
/// question) are the answer, the clock runs again and the desk is told, once. Staff see
/// both on the complaint's page; handed over twice, the answer counts once.
#[tokio::test]
async fn a_reply_from_the_claimant_answers_and_another_is_only_kept() {
    let s = Story::new().await;
    s.article(1, json!({})).await;
    let (id, _) = s.complaint(1, CLAIMANT, true).await;
    s.decide(&s.alice, id, "request_info", "请提供授权证明。")
        .await;
    let asked = question_id(&s, id).await;

    let (code, out) = receive(
        &s,
        reply("li@harbour.example", &asked, 1).as_bytes(),
        None,
        &[],
    );
    assert_eq!((code, out["outcome"].as_str()), (0, Some("reply")), "{out}");
    assert_eq!(out["complaint_id"], id);
    assert_eq!(
        row(&s, id).await.status,
        ComplaintStatus::NeedsInfo,
        "answers nothing"
    );

    let from_claimant = reply(CLAIMANT, &asked, 2);
    let (code, out) = receive(&s, from_claimant.as_bytes(), None, &[]);
    assert_eq!((code, out["outcome"].as_str()), (0, Some("reply")), "{out}");
    let c = row(&s, id).await;
    assert_eq!(c.status, ComplaintStatus::InReview, "the clock runs again");
    assert!(c.paused_at.is_none());
    assert_eq!(
        c.info_answer.as_deref(),
        Some("授权书编号 CD-2026-118，原件已于昨日寄出。\n\n王芳"),
        "their words, not the quoted question"
    );
    let (code, out) = receive(&s, from_claimant.as_bytes(), None, &[]);
    assert_eq!((code, out["outcome"].as_str()), (0, Some("duplicate")));
    assert_eq!(
        s.kinds(id, "staff@news.example").await,
        ["new_complaint", "info_answered"],
        "the desk is told once"
    );
    assert_eq!(
        s.app
            .count("audit_events WHERE action = 'complaint.reply_received'")
            .await,
        2
    );

    add(&s.app, "rev@news.example", Role::Reviewer).await;
    let (cookie, _) = session(&s.app, &client(), "rev@news.example").await;
    let page = page(&s.app, &cookie, &format!("/staff/complaints/{id}")).await;
    assert!(page.contains("id=\"thread\""), "{page}");
    assert!(page.contains("li@harbour.example") && page.contains("it answers nothing"));
    assert!(page.contains("their answer to the request; the clock runs again"));
    assert!(page.contains("授权书编号 CD-2026-118"));
}

/// A message with a PDF attached, in answer to `in_reply_to` (if any).
fn with_pdf(from: &str, subject: &str, in_reply_to: Option<&str>, n: u32) -> String {
    // A PDF in plain ASCII needs no transfer encoding.
    let pdf = format!("%PDF-1.4\r\n% licence {n}\r\ntrailer<<>>\r\n%%EOF");
    let thread = in_reply_to
        .map(|m| format!("In-Reply-To: {m}\r\nReferences: {m}\r\n"))
        .unwrap_or_default();
    format!(
        "From: {from}\r\nTo: copyright@news.example\r\nSubject: {subject}\r\nMessage-ID: <pdf-{n}@example>\r\n{thread}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nWe hold the licence; see the attached agreement.\r\n--b1\r\nContent-Type: application/pdf; name=\"licence.pdf\"\r\nContent-Disposition: attachment; filename=\"licence.pdf\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n{pdf}\r\n--b1--\r\n"
    )
}

/// The source answers our removal notice with its licence attached: kept on the
/// complaint as from the source, the PDF as evidence. The claimant writes with the
/// complaint's reference in the subject and no thread: it belongs to the complaint too.
#[tokio::test]
async fn the_source_answers_with_a_file_and_a_subject_reference_finds_its_complaint() {
    use takedown::entities::complaint_evidence;
    let s = Story::new().await;
    s.article(1, json!({})).await;
    let (id, _) = s.complaint(1, CLAIMANT, true).await;
    s.decide(&s.alice, id, "uphold", "Copied without a licence.")
        .await;
    let removal = outbox::Entity::find()
        .filter(outbox::Column::ComplaintId.eq(id))
        .filter(outbox::Column::Kind.eq("removal"))
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap();
    let source = removal.recipient.clone();
    let (code, out) = receive(
        &s,
        with_pdf(&source, "Re: removal", Some(&removal.message_id), 1).as_bytes(),
        None,
        &[],
    );
    assert_eq!((code, out["outcome"].as_str()), (0, Some("reply")), "{out}");
    assert_eq!(out["complaint_id"], id);
    let files = complaint_evidence::Entity::find()
        .filter(complaint_evidence::Column::ComplaintId.eq(id))
        .filter(complaint_evidence::Column::SubmittedWith.eq("email"))
        .all(&s.app.db)
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].file_name.as_deref(), Some("licence.pdf"));
    let stored = s
        .app
        .test_db
        .data_dir()
        .join("evidence")
        .join(files[0].sha256.as_ref().unwrap());
    assert!(std::fs::read(stored).unwrap().starts_with(b"%PDF-"));

    // No thread, but the subject carries "complaint #id".
    let subject = format!("Re: We received your copyright complaint #{id}");
    let (_, out) = receive(
        &s,
        with_pdf(CLAIMANT, &subject, None, 2).as_bytes(),
        None,
        &[],
    );
    assert_eq!(out["outcome"], "reply", "{out}");
    assert_eq!(out["complaint_id"], id);
    assert_eq!(s.app.count("complaints").await, 1, "no new complaint");

    add(&s.app, "rev@news.example", Role::Reviewer).await;
    let (cookie, _) = session(&s.app, &client(), "rev@news.example").await;
    let html = page(&s.app, &cookie, &format!("/staff/complaints/{id}")).await;
    assert!(
        html.contains("from the source, in answer to our removal notice"),
        "{html}"
    );
    assert!(html.contains("1 file(s) kept as evidence"));
    assert!(html.contains("with an email about the complaint"));
    assert_eq!(
        s.events("complaint.reply_received").await[0]["from_source"],
        true
    );

    // One action turns the source's answer into a counter-notice, checked as the
    // public form checks one: without its consent it is refused, naming the field.
    let letter = takedown::entities::inbound_message::Entity::find()
        .filter(takedown::entities::inbound_message::Column::FromAddress.eq(source.as_str()))
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        html.contains(&format!("id=\"counter-from-{}\"", letter.id)),
        "{html}"
    );
    assert!(html.contains("We hold the licence; see the attached agreement."));
    let (cookie, csrf) = session(&s.app, &client(), "rev@news.example").await;
    let target = takedown::entities::complaint_target::Entity::find()
        .filter(takedown::entities::complaint_target::Column::ComplaintId.eq(id))
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap();
    let aid = target.article_id.unwrap().to_string();
    let url = s.app.url(&format!(
        "/staff/complaints/{id}/letters/{}/counter-notice",
        letter.id
    ));
    let mut fields = vec![
        ("csrf", csrf.clone()),
        ("article_id", aid),
        ("name", "Li Wei".to_string()),
        ("email", source.clone()),
        ("phone", "+86 571 8888 6666".into()),
        ("address", "1 Press Road, Hangzhou".into()),
        (
            "statement",
            "We hold the licence; see the attached agreement.".into(),
        ),
        ("signature", "Li Wei".into()),
    ];
    let resp = client()
        .post(&url)
        .header("cookie", &cookie)
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("consent_jurisdiction"));
    assert_eq!(s.app.count("counter_notices").await, 0);
    fields.push(("consent", "on".into()));
    let resp = client()
        .post(&url)
        .header("cookie", &cookie)
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(
        s.app.count("counter_notices WHERE state = 'waiting'").await,
        1
    );
    assert_eq!(
        s.count(id, "counter_notice", CLAIMANT).await,
        1,
        "the claimant is told"
    );
    assert_eq!(
        s.events("counter_notice.recorded_from_email").await.len(),
        1
    );
    // A letter not from the source cannot be turned into one.
    let other = takedown::entities::inbound_message::Entity::find()
        .filter(takedown::entities::inbound_message::Column::FromAddress.eq(CLAIMANT))
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap();
    let resp = client()
        .post(s.app.url(&format!(
            "/staff/complaints/{id}/letters/{}/counter-notice",
            other.id
        )))
        .header("cookie", &cookie)
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}
