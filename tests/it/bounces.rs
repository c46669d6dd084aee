//! Bounces are seen: every email leaves with a return path naming it (VERP), and the
//! delivery report that comes back, handed to `takedown mail receive` as an MTA's pipe
//! hands it, marks that email bounced, flags the complaint whose claimant cannot be
//! reached, and shows in the queue and among the failed emails. The message is kept,
//! a second hand-over is a duplicate, and a database outage asks the MTA to retry.

use std::io::Write;
use std::process::Stdio;

use crate::common::staff::{add, client, page, session};
use crate::common::story::{CLAIMANT, Story};
use crate::common::takedown_cmd;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use takedown::entities::{complaint, outbox};
use takedown::services::staff::Role;
use time::OffsetDateTime;

const BOUNCES: &str = "bounces@news.example";

pub(crate) fn corpus(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/mail")
        .join(name);
    String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned()
}

/// Hands `raw` to `takedown mail receive` on stdin: its exit code and its JSON line.
pub(crate) fn receive(
    s: &Story,
    raw: &[u8],
    recipient: Option<&str>,
    env: &[(&str, &str)],
) -> (i32, Value) {
    // The service's own settings, as the MTA's command would share them.
    let mut cmd = takedown_cmd(&s.app.test_db);
    cmd.env("MAIL_BOUNCE_ADDRESS", BOUNCES)
        .env("STAFF_NOTIFY", "staff@news.example")
        .env("PUBLIC_BASE_URL", &s.app.state.config.public_base_url)
        .args(["mail", "receive"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(r) = recipient {
        cmd.args(["--recipient", r]);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("takedown runs");
    child.stdin.take().unwrap().write_all(raw).unwrap();
    let out = child.wait_with_output().unwrap();
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(line.trim()).unwrap_or_else(|_| {
        panic!(
            "one JSON line: {line:?}; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

pub(crate) async fn receipt_of(s: &Story, id: i64) -> outbox::Model {
    outbox::Entity::find()
        .filter(outbox::Column::ComplaintId.eq(id))
        .filter(outbox::Column::Kind.eq("receipt"))
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap()
}

pub(crate) fn bounce_for(row: &outbox::Model) -> String {
    corpus("postfix-bounce.eml")
        .replace("{{ID}}", &row.id.to_string())
        .replace("{{RCPT}}", &row.recipient)
        .replace("{{MESSAGE_ID}}", &row.message_id)
}

/// A claimant's address does not exist: the receipt goes out with its VERP return
/// path, Postfix sends the report back, and the receipt is bounced with the relay's
/// words, the complaint is flagged in the queue and on its page, and the admins find
/// the email among the failed ones. Handed over again, nothing changes.
#[tokio::test]
async fn a_bounced_receipt_is_marked_and_its_complaint_flagged() {
    let s = Story::with(|c| {
        c.mail_bounce_address =
            Some(takedown::domain::validate::EmailAddress::parse(BOUNCES).unwrap())
    })
    .await;
    s.article(1, json!({})).await;
    let (id, _) = s.complaint(1, CLAIMANT, false).await;
    let mailer = takedown::jobs::mailer(&s.app.state.config).unwrap();
    takedown::mail::delivery::deliver_due(&s.app.db, &mailer, OffsetDateTime::now_utc())
        .await
        .unwrap();
    let receipt = receipt_of(&s, id).await;
    assert!(receipt.sent_at.is_some());
    let sent = std::fs::read_to_string(
        s.app
            .state
            .config
            .data_dir
            .join("mail")
            .join(format!("{:08}.eml", receipt.id)),
    )
    .unwrap();
    assert!(
        sent.starts_with(&format!(
            "Return-Path: <bounces+{}@news.example>",
            receipt.id
        )),
        "{sent:.200}"
    );

    let raw = bounce_for(&receipt);
    let verp = format!("bounces+{}@news.example", receipt.id);
    let (code, out) = receive(&s, raw.as_bytes(), Some(&verp), &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["outcome"], "bounce");
    assert_eq!(out["outbox_id"], receipt.id);
    assert_eq!(out["complaint_id"], id);

    let bounced = receipt_of(&s, id).await;
    assert!(bounced.bounced_at.is_some() && bounced.failed_at.is_some());
    let error = bounced.last_error.clone().unwrap_or_default();
    assert!(
        error.contains("5.1.1") && error.contains("User unknown"),
        "{error}"
    );
    let c = complaint::Entity::find_by_id(id)
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(c.claimant_bounced_at.is_some());
    let kept = s
        .app
        .state
        .config
        .data_dir
        .join("inbound")
        .join(format!("{}.eml", out["sha256"].as_str().unwrap()));
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        raw.as_bytes(),
        "kept as received"
    );
    assert_eq!(
        s.app
            .count("audit_events WHERE action = 'email.bounced'")
            .await,
        1
    );

    // The desk sees it: in the queue, on the complaint, among the failed emails.
    add(&s.app, "admin@news.example", Role::Admin).await;
    let (cookie, _) = session(&s.app, &client(), "admin@news.example").await;
    let page = |path: String| {
        let cookie = cookie.clone();
        let app = &s.app;
        async move { page(app, &cookie, &path).await }
    };
    let queue = page("/staff".into()).await;
    assert!(queue.contains("data-bounced=\"true\""), "{queue}");
    let staff_page = page(format!("/staff/complaints/{id}")).await;
    assert!(staff_page.contains("id=\"bounced\""));
    assert!(
        staff_page.contains("BOUNCED ") && staff_page.contains("bounced: failed: 5.1.1"),
        "the receipt's row in the thread says it bounced, not that it was sent"
    );
    assert!(
        staff_page.contains("Email bounced."),
        "the timeline says so"
    );
    let failed = page("/staff/outbox".into()).await;
    assert!(
        failed.contains(&format!("data-id=\"{}\"", receipt.id))
            && failed.contains("bounced: failed: 5.1.1"),
        "{failed}"
    );

    // The same report handed over again: a duplicate, and nothing new.
    let (code, again) = receive(&s, raw.as_bytes(), Some(&verp), &[]);
    assert_eq!((code, again["outcome"].as_str()), (0, Some("duplicate")));
    assert_eq!(s.app.count("inbound_messages").await, 1);
    assert_eq!(
        s.app
            .count("audit_events WHERE action = 'email.bounced'")
            .await,
        1
    );
}

/// A report whose VERP address was lost on the way still names the email by the
/// Message-ID of the copy it carries. An automatic reply and a message that is not
/// mail are kept and change nothing.
#[tokio::test]
async fn reports_without_verp_automatic_replies_and_junk() {
    let s = Story::new().await;
    s.article(1, json!({})).await;
    let (id, _) = s.complaint(1, CLAIMANT, true).await;
    let receipt = receipt_of(&s, id).await;
    let raw = bounce_for(&receipt).replace(&format!("bounces+{}@", receipt.id), "bounces@");
    let (code, out) = receive(&s, raw.as_bytes(), None, &[]);
    assert_eq!(
        (code, out["outcome"].as_str()),
        (0, Some("bounce")),
        "{out}"
    );
    assert_eq!(out["outbox_id"], receipt.id, "matched by Message-ID");
    assert!(receipt_of(&s, id).await.bounced_at.is_some());

    for (name, outcome) in [
        ("qq-auto-reply.eml", "auto_reply"),
        ("malformed.eml", "rejected"),
    ] {
        let (code, out) = receive(&s, corpus(name).as_bytes(), None, &[]);
        assert_eq!(
            (code, out["outcome"].as_str()),
            (0, Some(outcome)),
            "{name}: {out}"
        );
    }
    // A notice written as an email, not a reply to ours: kept for a person to read.
    let notice = "From: =?UTF-8?B?5p2O5Lyf?= <li@harbour.example>\r\nTo: copyright@news.example\r\nSubject: =?UTF-8?B?5L615p2D6YCa55+l?=\r\nMessage-ID: <notice-1@harbour.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n贵站转载的《港口扩建》一文未经授权，请删除。\r\n";
    let (code, out) = receive(&s, notice.as_bytes(), None, &[]);
    assert_eq!(
        (code, out["outcome"].as_str()),
        (0, Some("rejected")),
        "{out}"
    );
    assert_eq!(s.app.count("inbound_messages").await, 4);
    assert_eq!(
        s.app
            .count("audit_events WHERE action = 'email.bounced'")
            .await,
        1
    );

    add(&s.app, "rev@news.example", Role::Reviewer).await;
    let (cookie, _) = session(&s.app, &client(), "rev@news.example").await;
    let queue = page(&s.app, &cookie, "/staff").await;
    assert!(
        queue.contains("email to read (2)"),
        "the notice and the junk: {queue}"
    );
    let inbox = page(&s.app, &cookie, "/staff/inbox").await;
    assert!(
        inbox.contains("侵权通知") && inbox.contains("li@harbour.example"),
        "{inbox}"
    );
    assert!(inbox.contains("贵站转载的《港口扩建》一文未经授权，请删除。"));
    assert!(
        !inbox.contains("自动回复"),
        "an automatic reply needs nobody"
    );
}

/// With the database away the MTA is told to keep the message and retry (75); once it
/// is back, the same message is received.
#[tokio::test]
async fn a_database_outage_asks_the_mta_to_try_again() {
    let s = Story::new().await;
    s.article(1, json!({})).await;
    let (id, _) = s.complaint(1, CLAIMANT, true).await;
    let raw = bounce_for(&receipt_of(&s, id).await);
    let (code, out) = receive(
        &s,
        raw.as_bytes(),
        None,
        &[
            ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/takedown"),
            ("DB_ACQUIRE_TIMEOUT", "2s"),
        ],
    );
    assert_eq!(code, 75, "{out}");
    assert_eq!(out["outcome"], "tempfail");
    assert_eq!(s.app.count("inbound_messages").await, 0);
    let (code, out) = receive(&s, raw.as_bytes(), None, &[]);
    assert_eq!(
        (code, out["outcome"].as_str()),
        (0, Some("bounce")),
        "{out}"
    );
}

/// A reminder to the desk bounces: its reminders reach no one, so the admins are told,
/// once, with the receiving server's words; the alert bouncing in turn alerts no one.
#[tokio::test]
async fn a_bounced_staff_reminder_alerts_the_admins_once() {
    let s = Story::new().await;
    s.article(1, json!({})).await;
    let (id, _) = s.complaint(1, CLAIMANT, true).await;
    add(&s.app, "admin@news.example", Role::Admin).await;
    let received = s.row(id).await.received_at;
    s.tick(received + std::time::Duration::from_secs(12 * 3600 + 60))
        .await;
    let reminder = outbox::Entity::find()
        .filter(outbox::Column::ComplaintId.eq(id))
        .filter(outbox::Column::Kind.eq("reminder"))
        .one(&s.app.db)
        .await
        .unwrap()
        .expect("a reminder to the desk");
    assert_eq!(reminder.recipient, "staff@news.example");
    let verp = format!("bounces+{}@news.example", reminder.id);
    for _ in 0..2 {
        let (code, out) = receive(&s, bounce_for(&reminder).as_bytes(), Some(&verp), &[]);
        assert_eq!(code, 0, "{out}");
    }
    let alerts = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("staff_bounced"))
        .all(&s.app.db)
        .await
        .unwrap();
    assert_eq!(alerts.len(), 1, "told once");
    assert_eq!(alerts[0].recipient, "admin@news.example");
    assert!(
        alerts[0].subject.contains(&format!("#{id}")),
        "{}",
        alerts[0].subject
    );
    assert!(
        alerts[0]
            .body_text
            .contains("User unknown in virtual mailbox table"),
        "{}",
        alerts[0].body_text
    );
    assert!(
        alerts[0]
            .body_text
            .contains(&format!("/staff/complaints/{id}"))
    );
    // The claimant's own bounce is the claimant's flag, not an admin alert.
    assert!(s.row(id).await.claimant_bounced_at.is_none());

    // The alert itself bounces: nothing more.
    let verp = format!("bounces+{}@news.example", alerts[0].id);
    let (code, out) = receive(&s, bounce_for(&alerts[0]).as_bytes(), Some(&verp), &[]);
    assert_eq!((code, out["outcome"].as_str()), (0, Some("bounce")));
    assert_eq!(s.app.count("outbox WHERE kind = 'staff_bounced'").await, 1);
}
