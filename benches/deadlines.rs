//! Deadline sweep cost: prints figures, asserts nothing.
//!
//!     cargo bench --bench deadlines
//!
//! With 100k open complaints of which 100 are due, and with 1k open of which the same
//! 100 are due, times one deadline sweep on SQLite. The sweep reads only due steps
//! through the (state, due_at) index, so both should cost about the same.
//!
//! Then delivers 5,000 queued emails (Chinese receipts with an HTML part) to an SMTP
//! server on loopback inside the benchmark, at `MAIL_CONCURRENCY` 4 and at 1.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use takedown::mail::delivery::{MailSettings, Mailer, deliver_due};
use takedown::mail::notice::{NoticeKey, NoticeKind, Occasion};
use takedown::mail::outbox::{self, Email};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use takedown::domain::deadline::OnBreach;
use takedown::domain::validate::EmailAddress;
use takedown::jobs::deadlines::{DeadlinePolicy, sweep};
use time::OffsetDateTime;

/// Inserts `open` complaints with their four steps; the first `due` have a reminder due.
async fn seed(db: &DatabaseConnection, open: usize, due: usize, now: OffsetDateTime) {
    let backend = db.get_database_backend();
    let txn = takedown::db::begin_write(db).await.expect("txn");
    for chunk_start in (0..open).step_by(500) {
        let end = (chunk_start + 500).min(open);
        let mut complaints = Vec::new();
        let mut steps = Vec::new();
        for i in chunk_start..end {
            let id = i as i64 + 1;
            // Due complaints were received 13 hours ago, the others just now.
            let received = if i < due {
                now - Duration::from_secs(13 * 3600)
            } else {
                now
            };
            let r = received
                .format(&time::format_description::well_known::Rfc3339)
                .expect("ts");
            let d = (received + Duration::from_secs(24 * 3600))
                .format(&time::format_description::well_known::Rfc3339)
                .expect("ts");
            complaints.push(format!(
                "({id}, 'code{id:036}', 'received', 'api', 'en', 'N', NULL, 'c{id}@bench.example', '12345', 'A', 'owner', NULL, 'T', 'D', 'https://bench.example/', NULL, TRUE, TRUE, 'N', NULL, '{r}', '{d}', NULL, NULL, NULL, FALSE, NULL)"
            ));
            for (kind, occasion, h) in [
                ("reminder", "12h", 12),
                ("reminder", "20h", 20),
                ("reminder", "23h", 23),
                ("breach", "", 24),
            ] {
                let at = (received + Duration::from_secs(h * 3600))
                    .format(&time::format_description::well_known::Rfc3339)
                    .expect("ts");
                steps.push(format!(
                    "({id}, '{kind}', 1, '{occasion}', '{at}', 'pending', NULL, NULL)"
                ));
            }
        }
        txn.execute_raw(Statement::from_string(
            backend,
            format!(
                "INSERT INTO complaints (id, tracking_code_sealed, status, channel, language, claimant_name, claimant_organisation, claimant_email, claimant_phone, claimant_address, capacity, on_behalf_of, work_title, work_description, work_original_url, work_original_text, good_faith, accurate, signature, idempotency_key, received_at, deadline_at, decided_at, decision, decision_reason, overdue, assigned_reviewer) VALUES {}",
                complaints.join(",")
            ),
        ))
        .await
        .expect("complaints");
        txn.execute_raw(Statement::from_string(
            backend,
            format!(
                "INSERT INTO deadline_steps (complaint_id, kind, round, occasion, due_at, state, done_at, note) VALUES {}",
                steps.join(",")
            ),
        ))
        .await
        .expect("steps");
    }
    txn.commit().await.expect("commit");
}

async fn measure(open: usize, due: usize) -> (Duration, u64) {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}/d.db?mode=rwc", dir.path().display());
    let db = takedown::db::connect(&url).await.expect("db");
    takedown::db::migrate_up(&db).await.expect("migrate");
    let now = takedown::domain::validate::truncate_micros(OffsetDateTime::now_utc());
    seed(&db, open, due, now).await;
    let staff = [EmailAddress::parse("staff@bench.example").expect("addr")];
    let codes = takedown::services::tracking_codes::CodeKey::random();
    let policy = DeadlinePolicy {
        on_breach: OnBreach::Remove,
        site: takedown::services::site::Site {
            public_base_url: "http://127.0.0.1",
            webhook_url: None,
            staff_notify: &staff,
            escalation_to: &staff,
            appeal_window: std::time::Duration::from_secs(180 * 86_400),
            staff_language: takedown::domain::complaint::Language::En,
            codes: &codes,
            signer: takedown::mail::letter::Signer::bare("http://127.0.0.1"),
        },
    };
    let t = Instant::now();
    let report = sweep(&db, &policy, now).await.expect("sweep");
    (t.elapsed(), report.reminders)
}

/// An SMTP server on loopback that accepts every message and counts them.
async fn smtp_sink() -> (std::net::SocketAddr, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let count = Arc::new(AtomicU64::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let c = c.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                let mut line = String::new();
                if w.write_all(b"220 sink ESMTP\r\n").await.is_err() {
                    return;
                }
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if cmd == "DATA" {
                        if w.write_all(b"354 go\r\n").await.is_err() {
                            return;
                        }
                        loop {
                            line.clear();
                            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" {
                                break;
                            }
                        }
                        c.fetch_add(1, Ordering::Relaxed);
                        b"250 queued\r\n"
                    } else if cmd == "QUIT" {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    if w.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, count)
}

/// Delivers `n` queued receipts at `concurrency`; returns emails per second.
async fn deliver(n: usize, concurrency: usize) -> f64 {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}/d.db?mode=rwc", dir.path().display());
    let db = takedown::db::connect(&url).await.expect("db");
    takedown::db::migrate_up(&db).await.expect("migrate");
    let now = takedown::domain::validate::truncate_micros(OffsetDateTime::now_utc());
    let to = EmailAddress::parse("rights@citydaily.example").expect("addr");
    let body =
        "您好：\n\n我们已收到您的版权投诉，跟踪编号 3f2a…。我们将在 24 小时内核实并作出处理；\
                处理结果将通过电子邮件告知您。\n\n“如您认为转载内容侵犯了您的权利，请告诉我们。”\n"
            .repeat(8);
    let txn = takedown::db::begin_write(&db).await.expect("txn");
    for i in 0..n {
        outbox::enqueue(
            &txn,
            &Email {
                notice: NoticeKey {
                    complaint_id: None,
                    round: 0,
                    kind: NoticeKind::Receipt,
                    occasion: Occasion::Digest(i as i64),
                },
                recipient: &to,
                subject: format!("我们已收到您的版权投诉 / Complaint {i} received"),
                body_text: body.clone(),
                body_html: Some(format!("<p>{body}</p>")),
                rate_key: None,
            },
            "http://127.0.0.1",
            now,
        )
        .await
        .expect("enqueue");
    }
    txn.commit().await.expect("commit");
    let (addr, received) = smtp_sink().await;
    let from = EmailAddress::parse("takedown@bench.example").expect("from");
    let mail_url = format!("smtp://{addr}?tls=none");
    let mailer = Mailer::new(&MailSettings {
        concurrency,
        ..MailSettings::new(&mail_url, &from)
    })
    .expect("mailer");
    let t = Instant::now();
    let report = deliver_due(&db, &mailer, now).await.expect("deliver");
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(report.sent as usize, n, "every email delivered");
    assert_eq!(received.load(Ordering::Relaxed) as usize, n);
    n as f64 / secs
}

#[tokio::main]
async fn main() {
    let n = 5_000;
    let four = deliver(n, 4).await;
    let one = deliver(n, 1).await;
    println!(
        "outbox delivery: {n} emails to loopback SMTP, concurrency 4: {four:.0} emails/s, concurrency 1: {one:.0} emails/s, ratio {:.2}  (target: >= 500/s)",
        four / one
    );
    let (big, big_n) = measure(100_000, 100).await;
    let (small, small_n) = measure(1_000, 100).await;
    println!(
        "deadline sweep: 100k open / {big_n} due {:.1} ms, 1k open / {small_n} due {:.1} ms, ratio {:.2}  (targets: within 2x, ≤ 20 ms)",
        big.as_secs_f64() * 1000.0,
        small.as_secs_f64() * 1000.0,
        big.as_secs_f64() / small.as_secs_f64()
    );
}
