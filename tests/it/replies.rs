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
    assert!(page.contains("id=\"letters\""), "{page}");
    assert!(page.contains("li@harbour.example") && page.contains("it answers nothing"));
    assert!(page.contains("their answer to the request; the clock runs again"));
    assert!(page.contains("授权书编号 CD-2026-118"));
}
