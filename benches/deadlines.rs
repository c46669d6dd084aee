//! Deadline sweep cost: prints figures, asserts nothing.
//!
//!     cargo bench --bench deadlines
//!
//! With 100k open complaints of which 100 are due, and with 1k open of which the same
//! 100 are due, times one deadline sweep on SQLite. The sweep reads only due steps
//! through the (state, due_at) index, so both should cost about the same.

use std::time::{Duration, Instant};

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
            for (step, h) in [
                ("reminder:12h", 12),
                ("reminder:20h", 20),
                ("reminder:23h", 23),
                ("breach", 24),
            ] {
                let at = (received + Duration::from_secs(h * 3600))
                    .format(&time::format_description::well_known::Rfc3339)
                    .expect("ts");
                steps.push(format!("({id}, '{step}', '{at}', 'pending', NULL, NULL)"));
            }
        }
        txn.execute_raw(Statement::from_string(
            backend,
            format!(
                "INSERT INTO complaints (id, tracking_code, status, channel, language, claimant_name, claimant_organisation, claimant_email, claimant_phone, claimant_address, capacity, on_behalf_of, work_title, work_description, work_original_url, work_original_text, good_faith, accurate, signature, idempotency_key, received_at, deadline_at, decided_at, decision, decision_reason, overdue, assigned_reviewer) VALUES {}",
                complaints.join(",")
            ),
        ))
        .await
        .expect("complaints");
        txn.execute_raw(Statement::from_string(
            backend,
            format!(
                "INSERT INTO deadline_steps (complaint_id, step, due_at, state, done_at, note) VALUES {}",
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
    let policy = DeadlinePolicy {
        on_breach: OnBreach::Remove,
        staff_notify: &staff,
        escalation_to: &staff,
        public_base_url: "http://127.0.0.1",
    };
    let t = Instant::now();
    let report = sweep(&db, &policy, now).await.expect("sweep");
    (t.elapsed(), report.reminders)
}

#[tokio::main]
async fn main() {
    let (big, big_n) = measure(100_000, 100).await;
    let (small, small_n) = measure(1_000, 100).await;
    println!(
        "deadline sweep: 100k open / {big_n} due {:.1} ms, 1k open / {small_n} due {:.1} ms, ratio {:.2}  (targets: within 2x, ≤ 50 ms)",
        big.as_secs_f64() * 1000.0,
        small.as_secs_f64() * 1000.0,
        big.as_secs_f64() / small.as_secs_f64()
    );
}
