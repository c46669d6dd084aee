//! Polling a hosted mailbox (`IMAP_URL`) on a real Dovecot: every message of the corpus
//! arrives with the outcome it has through the pipe, at the mailbox's INTERNALDATE, and
//! is marked on the server (`\Seen`, `$TakedownStored`, or moved to
//! `IMAP_DONE_FOLDER`) only once stored. The same message again, a renumbered mailbox
//! (new UIDVALIDITY) and two instances polling at once give no second complaint.

use sea_orm::ConnectionTrait;
use serde_json::json;
use takedown::config::ImapConfig;
use takedown::services::imap_poll::{self, Polled};
use takedown::services::inbound::Inbox;
use time::OffsetDateTime;

use crate::bounces::{bounce_for, corpus, receipt_of};
use crate::common::dovecot::Dovecot;
use crate::common::story::{CLAIMANT, Story};

async fn story() -> Story {
    Story::with(|c| {
        c.mail_bounce_address =
            Some(takedown::domain::validate::EmailAddress::parse("bounces@news.example").unwrap());
        c.mail_authserv_id = Some("mx.news.example".into());
    })
    .await
}

/// One poll by `instance`, as the service's loop makes it.
async fn poll(s: &Story, cfg: &ImapConfig, instance: &str) -> Polled {
    let st = &s.app.state;
    let inbox = Inbox::of(&st.config, &st.codes, &st.index, &st.site_hosts);
    imap_poll::poll_once(
        &s.app.db,
        &inbox,
        cfg,
        instance,
        st.config.mail_max_bytes,
        st.config.mail_timeout,
    )
    .await
    .expect("the poll runs")
}

fn outcomes(p: &Polled) -> Vec<&str> {
    p.received.iter().map(|r| r.outcome).collect()
}

const AN_HOUR_AGO_FORMAT: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
    "[day]-[month repr:short]-[year] [hour]:[minute]:[second] +0000"
);

/// A 30 MB message, over `MAIL_MAX_BYTES`.
fn big() -> String {
    let mut raw = String::from(
        "From: big@harbour.example\r\nSubject: Scans\r\nMessage-ID: <big-imap@harbour.example>\r\n\r\n",
    );
    while raw.len() < 30 << 20 {
        raw.push_str(
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n",
        );
    }
    raw
}

#[tokio::test]
async fn a_hosted_mailbox_is_polled_and_each_message_marked_once_stored() {
    let Some(imap) = Dovecot::start() else { return };
    let s = story().await;
    for n in 1..=3 {
        s.article(n, json!({})).await;
    }
    let (id, _) = s.complaint(1, CLAIMANT, true).await;
    let receipt = receipt_of(&s, id).await;
    let delivered = (OffsetDateTime::now_utc() - time::Duration::HOUR)
        .replace_nanosecond(0)
        .unwrap();
    let date = delivered.format(AN_HOUR_AGO_FORMAT).unwrap();
    let corpus_in_order = [
        (corpus("foxmail-notice.eml"), "new_complaint"),
        (corpus("outlook-notice.eml"), "new_complaint"),
        (corpus("gmail-notice.eml"), "new_complaint"),
        (bounce_for(&receipt), "bounce"),
        (corpus("qq-auto-reply.eml"), "auto_reply"),
        (corpus("malformed.eml"), "rejected"),
        (
            corpus("apple-mail-reply.eml")
                .replace("{{FROM}}", CLAIMANT)
                .replace("{{IN_REPLY_TO}}", &receipt.message_id)
                .replace("{{MESSAGE_ID}}", "imap-reply-1"),
            "reply",
        ),
        (big(), "rejected"),
    ];
    for (raw, _) in &corpus_in_order {
        imap.deliver(raw.as_bytes(), &date).await;
    }
    let cfg = ImapConfig::parse(&imap.url()).unwrap();

    let p = poll(&s, &cfg, "a").await;
    assert!(!p.skipped && p.stopped.is_none(), "{p:?}");
    let expected: Vec<&str> = corpus_in_order.iter().map(|(_, o)| *o).collect();
    assert_eq!(outcomes(&p), expected);
    // Received at the mailbox's INTERNALDATE, and the clock runs from then.
    let fox = p.received[0].complaint_id.unwrap();
    let c = s.row(fox).await;
    assert_eq!(c.received_at, delivered);
    assert_eq!(c.deadline_at, delivered + time::Duration::DAY);
    assert_eq!(c.channel, "email");
    // The bounce came back without VERP in the envelope: matched by its Message-ID.
    assert!(receipt_of(&s, id).await.bounced_at.is_some());
    // Each marked on the server, only now.
    let flags = imap.flags("INBOX").await;
    assert_eq!(flags.len(), corpus_in_order.len());
    for (uid, f) in &flags {
        assert!(
            f.contains(&"\\Seen".to_string()) && f.contains(&"$TakedownStored".to_string()),
            "{uid}: {f:?}"
        );
    }

    // Nothing new: nothing received.
    assert!(poll(&s, &cfg, "a").await.received.is_empty());
    // The same notice delivered again (a new UID): a duplicate.
    imap.deliver(corpus("foxmail-notice.eml").as_bytes(), &date)
        .await;
    assert_eq!(outcomes(&poll(&s, &cfg, "a").await), ["duplicate"]);
    // The mailbox renumbered (a new UIDVALIDITY): everything again, each a duplicate.
    s.app
        .db
        .execute_unprepared("UPDATE imap_mailboxes SET uid_validity = 1")
        .await
        .unwrap();
    let again = poll(&s, &cfg, "a").await;
    assert_eq!(again.received.len(), corpus_in_order.len() + 1);
    assert!(
        again.received.iter().all(|r| r.outcome == "duplicate"),
        "{again:?}"
    );
    assert_eq!(s.app.count("complaints WHERE channel = 'email'").await, 3);
    assert_eq!(
        s.app.count("inbound_messages").await,
        corpus_in_order.len() as i64
    );
    s.audit_verifies();
}

/// Two instances poll the one mailbox at once: each message is stored once, whichever
/// took it; with `IMAP_DONE_FOLDER` a stored message is moved there.
#[tokio::test]
async fn two_instances_polling_one_mailbox_file_each_notice_once() {
    let Some(imap) = Dovecot::start() else { return };
    let s = story().await;
    for n in 1..=3 {
        s.article(n, json!({})).await;
    }
    imap.create("Takedown").await;
    for name in [
        "foxmail-notice.eml",
        "outlook-notice.eml",
        "gmail-notice.eml",
    ] {
        imap.deliver(corpus(name).as_bytes(), "03-Dec-2026 09:00:00 +0000")
            .await;
    }
    let mut cfg = ImapConfig::parse(&imap.url()).unwrap();
    cfg.done_folder = Some("Takedown".into());
    let (a, b) = tokio::join!(poll(&s, &cfg, "instance-a"), poll(&s, &cfg, "instance-b"));
    let filed = a.received.len() + b.received.len();
    assert_eq!(filed, 3, "each message taken once: {a:?} {b:?}");
    assert!(a.skipped || b.skipped || a.received.is_empty() || b.received.is_empty());
    assert_eq!(s.app.count("complaints WHERE channel = 'email'").await, 3);
    assert!(
        imap.flags("INBOX").await.is_empty(),
        "moved out of the INBOX"
    );
    assert_eq!(imap.flags("Takedown").await.len(), 3);
}

/// The service polls by itself every `IMAP_POLL`; `takedown mail poll` polls once.
#[tokio::test]
async fn the_service_and_the_command_poll_the_mailbox() {
    let Some(imap) = Dovecot::start() else { return };
    let url = imap.url();
    let s = Story::with(|c| {
        let mut cfg = ImapConfig::parse(&url).unwrap();
        cfg.poll = std::time::Duration::from_secs(1);
        c.imap = Some(cfg);
    })
    .await;
    s.article(1, json!({})).await;
    imap.deliver(
        corpus("foxmail-notice.eml").as_bytes(),
        "03-Dec-2026 09:00:00 +0000",
    )
    .await;
    // The service's own loop takes it: wait until the complaint is there.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while s.app.count("complaints WHERE channel = 'email'").await == 0 {
        assert!(
            std::time::Instant::now() < until,
            "the service polled the mailbox"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The command, once: the next message.
    s.article(2, json!({})).await;
    imap.deliver(
        corpus("outlook-notice.eml").as_bytes(),
        "03-Dec-2026 09:00:00 +0000",
    )
    .await;
    let out = crate::common::takedown_cmd(&s.app.test_db)
        .env("IMAP_URL", &url)
        .args(["mail", "poll"])
        .output()
        .unwrap();
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{line} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The service may have taken it first; either way it is filed once.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while s.app.count("complaints WHERE channel = 'email'").await < 2 {
        assert!(std::time::Instant::now() < until, "{line}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(s.app.count("complaints WHERE channel = 'email'").await, 2);
    let bad = crate::common::takedown_cmd(&s.app.test_db)
        .env("IMAP_URL", "imap://desk:pw@mail.example.com/INBOX")
        .args(["mail", "poll"])
        .output()
        .unwrap();
    assert_eq!(
        bad.status.code(),
        Some(75),
        "plain IMAP off this machine is refused"
    );
    assert!(String::from_utf8_lossy(&bad.stdout).contains("imaps://"));
}

/// The database goes away between polls: `takedown mail poll` exits 75 and leaves the
/// message unmarked on the server; once the database is back the next poll stores it.
#[tokio::test]
async fn with_the_database_away_a_poll_leaves_the_message_for_the_next() {
    use crate::common::proxy::Proxy;
    use crate::common::{TestApp, TestDb};
    use std::sync::Arc;
    let test_db = Arc::new(TestDb::new().await);
    if !test_db.is_postgres() {
        crate::common::skipped("the IMAP outage test needs TEST_DATABASE_URL (PostgreSQL)");
        return;
    }
    let Some(imap) = Dovecot::start() else { return };
    let app = TestApp::spawn_on(test_db.clone(), |_| {}).await;
    assert_eq!(
        app.post_article(&crate::common::article(1, "正文。"))
            .await
            .status(),
        201
    );
    let (proxy, proxied) = Proxy::in_front_of(&test_db.url).await;
    imap.deliver(
        corpus("foxmail-notice.eml").as_bytes(),
        "03-Dec-2026 09:00:00 +0000",
    )
    .await;
    // Run without blocking this runtime, which carries the proxy.
    let poll = |db_url: String| {
        let mut cmd = crate::common::takedown_cmd(&test_db);
        cmd.env("DATABASE_URL", db_url)
            .env("IMAP_URL", imap.url())
            .env("DB_ACQUIRE_TIMEOUT", "2s")
            .args(["mail", "poll"]);
        tokio::process::Command::from(cmd).output()
    };
    proxy.stop();
    let down = poll(proxied.clone()).await.unwrap();
    assert_eq!(
        down.status.code(),
        Some(75),
        "{}",
        String::from_utf8_lossy(&down.stdout)
    );
    let flags = imap.flags("INBOX").await;
    assert!(
        flags
            .iter()
            .all(|(_, f)| !f.contains(&"\\Seen".to_string())),
        "left unmarked: {flags:?}"
    );
    proxy.resume();
    let up = poll(proxied.clone()).await.unwrap();
    assert_eq!(
        up.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&up.stdout)
    );
    assert_eq!(app.count("complaints WHERE channel = 'email'").await, 1);
    let flags = imap.flags("INBOX").await;
    assert!(
        flags[0].1.contains(&"$TakedownStored".to_string()),
        "{flags:?}"
    );
    app.stop().await;
}

/// A hosted mailbox over TLS whose certificate a private CA signed: refused without
/// `IMAP_CA_FILE` (the poll fails and nothing is taken), read with it.
#[tokio::test]
async fn imaps_checks_the_certificate_and_trusts_imap_ca_file() {
    let Some(imap) = Dovecot::start() else { return };
    let s = story().await;
    s.article(3, json!({})).await;
    imap.deliver(
        corpus("gmail-notice.eml").as_bytes(),
        "03-Dec-2026 09:00:00 +0000",
    )
    .await;
    let (url, ca) = imap.tls_url();
    let mut cfg = ImapConfig::parse(&url).unwrap();
    assert!(cfg.tls);
    let st = &s.app.state;
    let inbox = Inbox::of(&st.config, &st.codes, &st.index, &st.site_hosts);
    let limit = st.config.mail_max_bytes;
    let refused = imap_poll::poll_once(&s.app.db, &inbox, &cfg, "a", limit, st.config.mail_timeout)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        refused.contains("TLS"),
        "an unknown CA is refused: {refused:?}"
    );
    assert_eq!(s.app.count("inbound_messages").await, 0);

    cfg.ca_file = Some(ca);
    let p = poll(&s, &cfg, "a").await;
    assert_eq!(outcomes(&p), ["new_complaint"]);
    assert!(
        imap.flags("INBOX").await[0]
            .1
            .contains(&"$TakedownStored".to_string())
    );
}
