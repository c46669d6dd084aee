//! Deadline enforcement through a real SMTP socket, with time injected into the sweeps.

use std::collections::HashSet;
use std::time::Duration;

use crate::common::smtp::{Mode, SmtpServer};
use crate::common::{TestApp, article, takedown_cmd};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use takedown::domain::deadline::StepKind;
use takedown::entities::{deadline_step, outbox};
use takedown::jobs::{TickReport, tick};
use takedown::mail::delivery::Mailer;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const ARTICLE_URL: &str = "https://news.example/2022/08/24/article-1.html";

fn complaint(target: &str, lang: &str) -> Value {
    json!({
        "claimant": {"name": "Wang Fang", "email": "claimant@citydaily.example", "phone": "+86 10 1234 5678",
                     "address": "1 Press Road", "capacity": "owner"},
        "work": {"title": "Ferry pier", "description": "Our report", "original_url": "https://citydaily.example/1"},
        "infringing_urls": [target],
        "statements": {"good_faith": true, "accurate": true},
        "signature": "Wang Fang", "language": lang
    })
}

/// Files a complaint; returns its id and when it was received.
async fn file(app: &TestApp, target: &str) -> (i64, OffsetDateTime) {
    let v: Value = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&complaint(target, "zh"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let at = OffsetDateTime::parse(v["received_at"].as_str().unwrap(), &Rfc3339).unwrap();
    let id = v["id"].as_i64().unwrap();
    // The claimant confirms their address, so a breach may take the targets down.
    app.confirm(id).await;
    (id, at)
}

fn mailer(smtp: &SmtpServer) -> Mailer {
    Mailer::from_url(
        &smtp.url(),
        &takedown::domain::validate::EmailAddress::parse("takedown@news.example").unwrap(),
    )
    .unwrap()
}

fn hours(h: u64) -> Duration {
    Duration::from_secs(h * 3600)
}

async fn run(app: &TestApp, m: &Mailer, at: OffsetDateTime) -> TickReport {
    tick(&app.state.jobs(), m, at).await.unwrap()
}

async fn kinds(app: &TestApp) -> Vec<String> {
    outbox::Entity::find()
        .order_by_asc(outbox::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.kind)
        .collect()
}

async fn steps(app: &TestApp, complaint_id: i64) -> Vec<(String, String)> {
    deadline_step::Entity::find()
        .filter(deadline_step::Column::ComplaintId.eq(complaint_id))
        .order_by_asc(deadline_step::Column::DueAt)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| {
            let name = match s.kind {
                StepKind::Reminder => format!("reminder:{}", s.occasion),
                StepKind::Breach => "breach".into(),
                other => format!("{other:?}:{}", s.occasion),
            };
            (name, format!("{:?}", s.state).to_lowercase())
        })
        .collect()
}

#[tokio::test]
async fn the_whole_24_hour_story() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let m = mailer(&smtp);
    let copy: Value = app
        .post_article(&article(1, "The republished text."))
        .await
        .json()
        .await
        .unwrap();
    let (id, t0) = file(&app, ARTICLE_URL).await;

    let r = run(&app, &m, t0 + hours(1)).await;
    assert_eq!(
        (r.deadlines.reminders, r.outbox.sent),
        (0, 2),
        "receipt and staff notice"
    );

    for (at, step) in [
        (12, "reminder:12h"),
        (20, "reminder:20h"),
        (23, "reminder:23h"),
    ] {
        let r = run(&app, &m, t0 + hours(at)).await;
        assert_eq!(
            (r.deadlines.reminders, r.deadlines.breaches, r.outbox.sent),
            (1, 0, 1),
            "{step}"
        );
        // The same moment swept again does nothing more.
        assert_eq!(run(&app, &m, t0 + hours(at)).await, TickReport::default());
    }
    let r = run(&app, &m, t0 + hours(24)).await;
    assert_eq!((r.deadlines.breaches, r.deadlines.removed_articles), (1, 1));
    assert_eq!(
        r.outbox.sent, 3,
        "escalation, and removal notices to claimant and source"
    );
    assert_eq!(run(&app, &m, t0 + hours(48)).await, TickReport::default());

    let got = smtp.received();
    assert_eq!(got.len(), 8);
    let receipt = &smtp.to("claimant@citydaily.example")[0];
    assert!(
        receipt
            .header("Content-Type")
            .unwrap()
            .starts_with("multipart/alternative")
    );
    let ids: HashSet<String> = got.iter().map(|r| r.message_id()).collect();
    assert_eq!(
        ids.len(),
        8,
        "every message once, each with its own Message-ID"
    );
    assert_eq!(
        smtp.to("staff@news.example").len(),
        4,
        "new-complaint notice and three reminders"
    );
    assert_eq!(smtp.to("escalation@news.example").len(), 1);
    assert_eq!(
        smtp.to("claimant@citydaily.example").len(),
        2,
        "receipt and provisional removal"
    );
    assert_eq!(
        smtp.to("rights@citydaily.example").len(),
        1,
        "the source's rights contact"
    );
    let reminder = &smtp.to("staff@news.example")[1];
    assert!(
        reminder
            .data
            .contains(&format!("Reminder: complaint #{id} must be decided by")),
        "{}",
        reminder.data
    );
    assert!(
        reminder.data.contains("Time left:     12 hours\r\n")
            || reminder.data.contains("Time left:     12 hours\n"),
        "{}",
        reminder.data
    );
    let escalation = &smtp.to("escalation@news.example")[0];
    assert!(
        escalation.data.contains("DEADLINE MISSED"),
        "{}",
        escalation.data
    );
    assert!(
        escalation.data.contains("taken down provisionally"),
        "{}",
        escalation.data
    );
    assert!(
        escalation
            .header("Subject")
            .unwrap()
            .contains(&format!("complaint #{id}"))
    );

    let a: Value = app
        .get_article(copy["id"].as_i64().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["status"], "removed");
    assert_eq!(
        steps(&app, id).await,
        [
            ("reminder:12h", "done"),
            ("reminder:20h", "done"),
            ("reminder:23h", "done"),
            ("breach", "done")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert!(matches!(
        takedown::audit::verify(&app.db, None).await.unwrap(),
        takedown::audit::Verdict::Intact { .. }
    ));
}

#[tokio::test]
async fn a_complaint_decided_a_second_before_a_reminder_gets_none() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let m = mailer(&smtp);
    let (id, t0) = file(&app, ARTICLE_URL).await;
    let decided_at = t0 + hours(12) - Duration::from_secs(1);
    let decided = takedown::services::decisions::decide(
        &app.db,
        &app.state.site(),
        id,
        &takedown::services::decisions::Ruling::whole(
            takedown::services::decisions::Decision::Reject,
            "not ours",
        ),
        &crate::common::staff::reviewer_at_desk(),
        decided_at,
    )
    .await
    .unwrap();
    assert_eq!(decided.removed, 0);
    let r = run(&app, &m, t0 + hours(12)).await;
    assert_eq!(r.deadlines.reminders, 0);
    let r = run(&app, &m, t0 + hours(30)).await;
    assert_eq!((r.deadlines.reminders, r.deadlines.breaches), (0, 0));
    assert_eq!(kinds(&app).await, ["receipt", "new_complaint", "decision"]);
    assert!(
        steps(&app, id)
            .await
            .iter()
            .all(|(_, state)| state == "cancelled")
    );
}

#[tokio::test]
async fn after_downtime_one_reminder_and_the_breach() {
    let smtp = SmtpServer::start().await;
    let app =
        TestApp::spawn_with(|c| c.on_breach = takedown::domain::deadline::OnBreach::Escalate).await;
    let m = mailer(&smtp);
    let copy: Value = app
        .post_article(&article(1, "Text."))
        .await
        .json()
        .await
        .unwrap();
    let (id, t0) = file(&app, ARTICLE_URL).await;

    // Down from before the first reminder until an hour before the deadline: one
    // reminder, the latest, with the time that is really left.
    let r = run(&app, &m, t0 + hours(23) + Duration::from_secs(300)).await;
    assert_eq!((r.deadlines.reminders, r.deadlines.skipped), (1, 2));
    let got = smtp.received();
    let reminder = got.iter().find(|r| r.data.contains("Reminder:")).unwrap();
    assert!(
        reminder.data.contains("Time left:     55 minutes"),
        "{}",
        reminder.data
    );
    // Down again until after the deadline: only the breach.
    let r = run(&app, &m, t0 + hours(24) + Duration::from_secs(300)).await;
    assert_eq!((r.deadlines.reminders, r.deadlines.breaches), (0, 1));
    assert_eq!(
        r.deadlines.removed_articles, 0,
        "ON_BREACH=escalate takes nothing down"
    );
    assert_eq!(
        steps(&app, id).await,
        [
            ("reminder:12h", "skipped"),
            ("reminder:20h", "skipped"),
            ("reminder:23h", "done"),
            ("breach", "done")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    assert_eq!(
        kinds(&app).await,
        ["receipt", "new_complaint", "reminder", "escalation"]
    );
    let a: Value = app
        .get_article(copy["id"].as_i64().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["status"], "published");
}

/// A sweep that first runs after the deadline sends no reminder counting down to it:
/// the escalation says what it would have.
#[tokio::test]
async fn no_reminder_once_the_deadline_has_passed() {
    let app =
        TestApp::spawn_with(|c| c.on_breach = takedown::domain::deadline::OnBreach::Escalate).await;
    let smtp = SmtpServer::start().await;
    let m = mailer(&smtp);
    let (id, t0) = file(&app, ARTICLE_URL).await;
    let r = run(&app, &m, t0 + hours(24) + Duration::from_secs(300)).await;
    assert_eq!(
        (
            r.deadlines.reminders,
            r.deadlines.skipped,
            r.deadlines.breaches
        ),
        (0, 3, 1)
    );
    assert!(
        steps(&app, id)
            .await
            .iter()
            .all(|(step, state)| state == if step == "breach" { "done" } else { "skipped" })
    );
    assert_eq!(
        kinds(&app).await,
        ["receipt", "new_complaint", "escalation"]
    );
}

#[tokio::test]
async fn a_refusing_server_delays_mail_but_loses_none_and_doubles_none() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let m = mailer(&smtp);
    smtp.set_mode(Mode::Defer);
    let (_, t0) = file(&app, ARTICLE_URL).await;

    let r = run(&app, &m, t0).await;
    assert_eq!((r.outbox.sent, r.outbox.retrying), (0, 2));
    // Backing off: nothing is due again a few seconds later.
    let r = run(&app, &m, t0 + Duration::from_secs(5)).await;
    assert_eq!((r.outbox.sent, r.outbox.retrying), (0, 0));
    let r = run(&app, &m, t0 + Duration::from_secs(60)).await;
    assert_eq!((r.outbox.sent, r.outbox.retrying), (0, 2));

    smtp.set_mode(Mode::Accept);
    let r = run(&app, &m, t0 + Duration::from_secs(600)).await;
    assert_eq!(r.outbox.sent, 2);
    assert_eq!(
        run(&app, &m, t0 + hours(1)).await.outbox,
        Default::default()
    );
    let got = smtp.received();
    assert_eq!(got.len(), 2);
    assert_ne!(got[0].message_id(), got[1].message_id());
    let rows = outbox::Entity::find().all(&app.db).await.unwrap();
    assert!(rows.iter().all(|r| r.sent_at.is_some() && r.attempts == 3));
}

#[tokio::test]
async fn a_permanent_failure_is_kept_listed_and_can_be_retried() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let m = mailer(&smtp);
    smtp.set_mode(Mode::Reject);
    let (_, t0) = file(&app, ARTICLE_URL).await;
    let mut failed = 0;
    for h in 0..5 {
        failed += run(&app, &m, t0 + hours(h)).await.outbox.failed;
    }
    assert_eq!(failed, 2);
    let rows = outbox::Entity::find().all(&app.db).await.unwrap();
    assert!(
        rows.iter()
            .all(|r| r.failed_at.is_some() && r.sent_at.is_none())
    );
    assert!(rows[0].last_error.as_deref().unwrap().contains("550"));

    let out = takedown_cmd(&app.test_db)
        .args(["outbox", "--failed"])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.starts_with("2 failed messages"), "{listing}");
    assert!(listing.contains("claimant@citydaily.example") && listing.contains("550"));

    let out = takedown_cmd(&app.test_db)
        .args(["outbox", "--retry", &rows[0].id.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    smtp.set_mode(Mode::Accept);
    let r = run(&app, &m, OffsetDateTime::now_utc() + Duration::from_secs(1)).await;
    assert_eq!(r.outbox.sent, 1);
    assert_eq!(smtp.received().len(), 1);
    let out = takedown_cmd(&app.test_db)
        .args(["outbox", "--retry", "999999"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[tokio::test]
async fn two_instances_sweeping_at_once_do_everything_exactly_once() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let other = takedown::app::App::build(crate::common::config_for(&app.test_db))
        .await
        .unwrap();
    let other_state = other.state().clone();
    let (m1, m2) = (mailer(&smtp), mailer(&smtp));
    let n = 150;
    for i in 0..n {
        file(&app, &format!("https://news.example/story-{i}.html")).await;
    }
    // Every complaint was received before this, so each step is due at the same offsets.
    let end = OffsetDateTime::now_utc();
    for at in [
        hours(1),
        hours(13),
        hours(21),
        hours(24) + Duration::from_secs(60),
    ] {
        for _ in 0..3 {
            let (one, two) = (app.state.jobs(), other_state.jobs());
            let (a, b) = tokio::join!(tick(&one, &m1, end + at), tick(&two, &m2, end + at));
            a.unwrap();
            b.unwrap();
        }
    }
    let kinds = kinds(&app).await;
    let count = |k: &str| kinds.iter().filter(|x| *x == k).count();
    assert_eq!(count("receipt"), n);
    // The 12h and 20h reminders; the 23h one first falls due after the deadline.
    assert_eq!(count("reminder"), 2 * n);
    assert_eq!(count("escalation"), n);
    let got = smtp.received();
    assert_eq!(got.len(), kinds.len(), "every email sent once");
    let ids: HashSet<String> = got.iter().map(|r| r.message_id()).collect();
    assert_eq!(ids.len(), got.len());
}

#[tokio::test]
async fn the_scheduler_runs_a_short_story_by_itself() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = TestApp::spawn_with(move |c| {
        c.deadline = Duration::from_secs(4);
        c.reminders = vec![Duration::from_secs(2)];
        c.scheduler_cron = Some("* * * * * *".into());
        c.mail_url = url;
    })
    .await;
    file(&app, ARTICLE_URL).await;
    // Wait on the outcome, bounded: the escalation arrives once the deadline passed.
    let give_up = std::time::Instant::now() + Duration::from_secs(30);
    while smtp.to("escalation@news.example").is_empty() {
        assert!(
            std::time::Instant::now() < give_up,
            "no escalation within 30 s: {:?}",
            kinds(&app).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        smtp.to("staff@news.example").len(),
        2,
        "new-complaint notice and the reminder"
    );
}

#[tokio::test]
async fn reminders_also_go_to_the_assigned_reviewer() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    let m = mailer(&smtp);
    let (id, t0) = file(&app, ARTICLE_URL).await;
    crate::common::staff::add(
        &app,
        "reviewer@news.example",
        takedown::services::staff::Role::Reviewer,
    )
    .await;
    // The reviewer takes it, as the queue's "claim" does.
    let claimed = takedown::services::review_queue::claim(
        &app.db,
        id,
        "reviewer@news.example",
        "staff:1",
        false,
        t0,
    )
    .await
    .unwrap();
    assert_eq!(claimed, takedown::services::review_queue::Claimed::Done);
    let r = run(&app, &m, t0 + hours(12)).await;
    assert_eq!(r.deadlines.reminders, 1);
    assert_eq!(smtp.to("reviewer@news.example").len(), 1);
    assert_eq!(
        smtp.to("staff@news.example").len(),
        2,
        "new-complaint notice and the reminder"
    );
}
