//! The deadline never waits on email: with a relay that hangs or answers slowly, the
//! scheduler still takes the breach on time; once the relay recovers every email is
//! delivered exactly once. And `smtp://` means STARTTLS, unless `tls=none` is said.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::common::smtp::{Mode, SmtpServer};
use crate::common::{TestApp, article};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use takedown::entities::{article as article_entity, complaint, outbox};
use takedown::mail::delivery::{self, MailSettings, Mailer};
use time::OffsetDateTime;

const TARGET: &str = "https://news.example/2022/08/24/article-1.html";

async fn spawn(smtp: &SmtpServer, mail_timeout: Duration) -> TestApp {
    let url = smtp.url();
    let app = TestApp::spawn_with(move |c| {
        c.mail_url = url;
        c.mail_timeout = mail_timeout;
        c.deadline = Duration::from_secs(2);
        c.reminders = Vec::new();
        c.scheduler_cron = Some("* * * * * *".into());
    })
    .await;
    assert_eq!(
        app.post_article(&article(1, "渡轮码头今日启用。"))
            .await
            .status(),
        201
    );
    app
}

async fn file_complaint(app: &TestApp) -> i64 {
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&json!({
            "claimant": {"name": "Wang Fang", "email": "claimant@citydaily.example", "phone": "+86 10 1234 5678",
                         "address": "1 Press Road", "capacity": "owner"},
            "work": {"title": "Ferry pier", "description": "Our report", "original_url": "https://citydaily.example/1"},
            "infringing_urls": [TARGET],
            "statements": {"good_faith": true, "accurate": true},
            "signature": "Wang Fang", "language": "zh"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // A confirmed claimant, so the breach takes the target down.
    app.confirm(id).await;
    id
}

/// Polls `check` until it holds, failing the test after `limit`.
async fn wait_for<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < limit, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn breached(app: &TestApp, id: i64) -> bool {
    let c = complaint::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let a = article_entity::Entity::find()
        .filter(article_entity::Column::Url.eq(TARGET))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    c.overdue && a.status == takedown::domain::article::ArticleStatus::Removed
}

async fn unsent(app: &TestApp) -> usize {
    outbox::Entity::find()
        .filter(outbox::Column::SentAt.is_null())
        .all(&app.db)
        .await
        .unwrap()
        .len()
}

/// Every outbox row was delivered, and each Message-ID arrived exactly once.
async fn assert_delivered_exactly_once(app: &TestApp, smtp: &SmtpServer) {
    let rows = outbox::Entity::find().all(&app.db).await.unwrap();
    assert!(rows.len() >= 4, "receipt, staff notice and breach emails");
    assert!(rows.iter().all(|r| r.sent_at.is_some()));
    let ids: Vec<String> = smtp.received().iter().map(|r| r.message_id()).collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a message arrived twice: {ids:?}");
    let expected: HashSet<String> = rows.iter().map(|r| r.message_id.clone()).collect();
    let got: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(got, expected);
}

#[tokio::test]
async fn a_hung_relay_does_not_delay_the_breach() {
    let smtp = SmtpServer::start().await;
    smtp.set_mode(Mode::Hang);
    let app = spawn(&smtp, Duration::from_secs(20)).await;
    let id = file_complaint(&app).await;

    wait_for("the breach", Duration::from_secs(60), || breached(&app, id)).await;
    // Delivery is stuck on the relay at this very moment, and the breach went ahead.
    assert!(smtp.connections() >= 1, "delivery never reached the relay");
    assert!(smtp.received().is_empty());

    // The relay recovers: a pass after the retry time delivers everything, once.
    smtp.set_mode(Mode::Accept);
    let mailer = Mailer::from_url(&smtp.url(), &app.state.config.mail_from).unwrap();
    let later = OffsetDateTime::now_utc() + time::Duration::days(1);
    delivery::deliver_due(&app.db, &mailer, later)
        .await
        .unwrap();
    assert_eq!(unsent(&app).await, 0);
    assert_delivered_exactly_once(&app, &smtp).await;
}

#[tokio::test]
async fn a_relay_answering_every_command_after_2_s_does_not_delay_the_breach() {
    let smtp = SmtpServer::start().await;
    smtp.set_mode(Mode::Slow(Duration::from_secs(2)));
    let app = spawn(&smtp, Duration::from_secs(20)).await;
    let id = file_complaint(&app).await;

    wait_for("the breach", Duration::from_secs(60), || breached(&app, id)).await;
    assert!(
        smtp.received().is_empty(),
        "the breach should not have waited for a slow send"
    );

    // The slow sends finish on their own; the rest follow once the relay is quick.
    smtp.set_mode(Mode::Accept);
    wait_for("every email sent", Duration::from_secs(120), || async {
        unsent(&app).await == 0
    })
    .await;
    assert_delivered_exactly_once(&app, &smtp).await;
}

#[tokio::test]
async fn smtp_urls_require_starttls_unless_tls_none_is_set() {
    let smtp = SmtpServer::start().await;
    let app = TestApp::spawn().await;
    file_complaint(&app).await;
    let from = app.state.config.mail_from.clone();
    let now = OffsetDateTime::now_utc();

    // This relay offers no STARTTLS: nothing may go to it in plain text.
    let strict = Mailer::from_url(&smtp.url_requiring_tls(), &from).unwrap();
    assert!(!strict.is_plaintext());
    let report = delivery::deliver_due(&app.db, &strict, now).await.unwrap();
    assert_eq!(report.sent, 0);
    assert!(report.retrying >= 2);
    assert!(smtp.received().is_empty());

    // Said explicitly, plain text is allowed.
    let plain = Mailer::new(&MailSettings::new(&smtp.url(), &from)).unwrap();
    assert!(plain.is_plaintext());
    let later = now + time::Duration::days(1);
    let report = delivery::deliver_due(&app.db, &plain, later).await.unwrap();
    assert!(report.sent >= 2);
    assert_eq!(smtp.received().len() as u64, report.sent);
    assert!(Mailer::from_url("smtp://mail.example?tls=maybe", &from).is_err());
}

/// Every email names the site as its sender and asks for replies at `SITE_CONTACT`,
/// so "reply to this email" reaches a person rather than the sending robot.
#[tokio::test]
async fn emails_carry_the_sites_name_and_reply_to_its_contact() {
    let smtp = SmtpServer::start().await;
    let url = smtp.url();
    let app = TestApp::spawn_with(move |c| {
        c.mail_url = url;
        c.site_name = Some("City Daily".into());
        c.site_contact = Some(
            takedown::domain::validate::EmailAddress::parse("copyright@news.example").unwrap(),
        );
        c.privacy_url = Some("https://news.example/privacy".into());
        c.scheduler_cron = None;
    })
    .await;
    let claimant = "wang@citydaily.example";
    let body = crate::common::filing::complaint_json(1, claimant);
    crate::common::filing::file_json(&app, &body).await;
    let mailer = takedown::jobs::mailer(&app.state.config).unwrap();
    takedown::jobs::tick(&app.state.jobs(), &mailer, OffsetDateTime::now_utc())
        .await
        .unwrap();
    let sent = smtp.received();
    assert!(sent.len() >= 2, "the receipt and the desk's notice");
    for m in &sent {
        let from = m.header("From").unwrap_or_default();
        assert!(
            from.starts_with("\"City Daily\" <") || from.starts_with("City Daily <"),
            "{from}"
        );
        assert_eq!(
            m.header("Reply-To").as_deref(),
            Some("copyright@news.example"),
            "{}",
            m.data
        );
    }
    // The signature names the site and where to write, in the claimant's language.
    let receipt = smtp.to(claimant);
    assert_eq!(receipt.len(), 1);
    let html = receipt[0].text();
    assert!(
        html.contains("City Daily · 127.0.0.1 版权投诉受理"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"mailto:copyright@news.example\">"),
        "{html}"
    );
    let stored = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("receipt"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let signature = stored
        .body_text
        .rsplit("\n-- \n")
        .next()
        .unwrap_or_default();
    assert!(
        signature.starts_with("City Daily · 127.0.0.1 版权投诉受理\n")
            && signature.ends_with(
                "\n联系我们：copyright@news.example\n隐私政策：https://news.example/privacy"
            ),
        "{signature:?}"
    );
}
