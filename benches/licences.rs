//! Licence costs: prints figures, asserts nothing.
//!
//!     cargo bench --bench licences
//!
//! 1. The compliance pass when a licence changes, over 100k recorded articles all
//!    republished under it (SQLite): the first save (every verdict written), a save
//!    that shortens it into the past (every verdict written again), and a save that
//!    changes only the licensor (every article read, none written).
//! 2. The licence sweep with 100 ends due among 100k licences, beside the same 100 due
//!    among 1k: the sweep reads due steps through the (state, due_at) index, so the
//!    two should cost about the same.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use takedown::domain::licence::{LicenceRecordInput, LicenceSettings, Terms};
use takedown::domain::validate::EmailAddress;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).expect("ts")
}

async fn database() -> (tempfile::TempDir, DatabaseConnection) {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}/l.db?mode=rwc", dir.path().display());
    let db = takedown::db::connect(&url).await.expect("db");
    takedown::db::migrate_up(&db).await.expect("migrate");
    (dir, db)
}

async fn exec(db: &impl ConnectionTrait, sql: String) {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("insert");
}

/// `n` articles under licence `reference`, `per_licence` to a reference when it is
/// `None` (then article `i` names `LIC-{i / per_licence}`).
async fn seed_articles(db: &DatabaseConnection, n: usize, reference: Option<&str>, per: usize) {
    let now = ts(OffsetDateTime::now_utc());
    let txn = takedown::db::begin_write(db).await.expect("txn");
    for start in (0..n).step_by(500) {
        let end = (start + 500).min(n);
        let mut articles = Vec::new();
        let mut revisions = Vec::new();
        for i in start..end {
            let id = i as i64 + 1;
            let r = reference.map_or_else(|| format!("LIC-{}", i / per), str::to_string);
            articles.push(format!(
                "({id}, 'https://news.example/a/{id}.html', 'published', 1, '{now}', '{now}')"
            ));
            revisions.push(format!(
                "({id}, 1, '稳就业报道 {id}', '本报讯（记者 王芳）今年以来，我市新增城镇就业岗位。来源：城市日报', '李编辑', '2024-03-01T00:00:00Z', '城市日报', 'https://citydaily.example/{id}', NULL, '王芳', NULL, '{r}', NULL, NULL, 'x', 'x', NULL, 1, 'r{id}', '{now}', 'unknown_licence')"
            ));
        }
        exec(&txn, format!("INSERT INTO articles (id, url, status, current_revision, created_at, updated_at) VALUES {}", articles.join(","))).await;
        exec(&txn, format!("INSERT INTO article_revisions (article_id, revision, title, body, editor, republished_at, source_outlet, source_url, source_published_at, source_author, source_body, licence_reference, licence_expires_at, rights_contact, raw_sha256, content_sha256, source_sha256, normalizer_version, record_sha256, received_at, compliance_licence) VALUES {}", revisions.join(","))).await;
    }
    txn.commit().await.expect("commit");
}

fn terms(reference: &str, licensor: &str, ends_at: OffsetDateTime) -> Terms {
    Terms::parse(&LicenceRecordInput {
        reference: Some(reference.into()),
        licensor: Some(licensor.into()),
        covers: Some(takedown::domain::licence::CoversInput {
            outlets: Some(vec!["城市日报".into()]),
            source_hosts: None,
        }),
        starts_at: Some("2020-01-01T00:00:00Z".into()),
        ends_at: Some(ts(ends_at)),
        ..Default::default()
    })
    .expect("terms")
}

fn site<'a>(
    staff: &'a [EmailAddress],
    codes: &'a takedown::services::tracking_codes::CodeKey,
) -> takedown::services::site::Site<'a> {
    takedown::services::site::Site {
        public_base_url: "http://127.0.0.1",
        webhook_url: None,
        staff_notify: staff,
        escalation_to: staff,
        appeal_window: Duration::from_secs(180 * 86_400),
        staff_language: takedown::domain::complaint::Language::En,
        codes,
        signer: takedown::mail::letter::Signer::bare("http://127.0.0.1"),
    }
}

/// One save of `t`, timed; and how many verdicts it changed.
async fn timed_save(
    db: &DatabaseConnection,
    site: &takedown::services::site::Site<'_>,
    t: &Terms,
) -> (Duration, u64, u64) {
    let start = Instant::now();
    let txn = takedown::db::begin_write(db).await.expect("txn");
    let (_, _, effects) = takedown::services::licences::save_in(
        &txn,
        site,
        &LicenceSettings::default(),
        "bench",
        t,
        OffsetDateTime::now_utc(),
    )
    .await
    .expect("save");
    txn.commit().await.expect("commit");
    (start.elapsed(), effects.rechecked, effects.changed)
}

async fn pass() {
    let (_dir, db) = database().await;
    let n = 100_000;
    seed_articles(&db, n, Some("SYND-BIG"), 0).await;
    let staff = [EmailAddress::parse("staff@bench.example").expect("addr")];
    let codes = takedown::services::tracking_codes::CodeKey::random();
    let site = site(&staff, &codes);
    let later = OffsetDateTime::now_utc() + Duration::from_secs(365 * 86_400);
    let past = OffsetDateTime::now_utc() - Duration::from_secs(86_400);
    let (first, read, wrote) =
        timed_save(&db, &site, &terms("SYND-BIG", "城市日报社", later)).await;
    println!(
        "compliance pass, first save: {read} articles read, {wrote} verdicts written in {:.0} ms ({:.0} articles/s)",
        first.as_secs_f64() * 1000.0,
        read as f64 / first.as_secs_f64()
    );
    let (ended, read, wrote) = timed_save(&db, &site, &terms("SYND-BIG", "城市日报社", past)).await;
    println!(
        "compliance pass, shortened into the past: {read} read, {wrote} written in {:.0} ms",
        ended.as_secs_f64() * 1000.0
    );
    let (same, read, wrote) = timed_save(&db, &site, &terms("SYND-BIG", "城市日报", past)).await;
    println!(
        "compliance pass, licensor renamed: {read} read, {wrote} written in {:.0} ms",
        same.as_secs_f64() * 1000.0
    );
}

/// `licences` licences, the first `due` ended a minute ago (their end step due), the
/// rest ending in a year; one article each.
async fn sweep_with(licences: usize, due: usize) -> (Duration, u64) {
    let (_dir, db) = database().await;
    seed_articles(&db, licences, None, 1).await;
    let now = OffsetDateTime::now_utc();
    let txn = takedown::db::begin_write(&db).await.expect("txn");
    for start in (0..licences).step_by(500) {
        let end = (start + 500).min(licences);
        let (mut ls, mut rs, mut ss) = (Vec::new(), Vec::new(), Vec::new());
        for i in start..end {
            let id = i as i64 + 1;
            let ends = if i < due {
                now - Duration::from_secs(60)
            } else {
                now + Duration::from_secs(365 * 86_400)
            };
            let (e, n) = (ts(ends), ts(now));
            ls.push(format!("({id}, 'LIC-{i}', 1, '{n}', '{n}')"));
            rs.push(format!("({id}, 1, '城市日报', NULL, '[\"城市日报\"]', '[]', NULL, '{e}', '[]', TRUE, FALSE, 'h{id}', '{n}', 'bench')"));
            ss.push(format!(
                "({id}, 'expiry', 'end@{}', '{e}', 'pending')",
                ends.unix_timestamp()
            ));
        }
        exec(&txn, format!("INSERT INTO licences (id, reference, current_revision, created_at, updated_at) VALUES {}", ls.join(","))).await;
        exec(&txn, format!("INSERT INTO licence_revisions (licence_id, revision, licensor, licensor_contact, covers_outlets, covers_hosts, starts_at, ends_at, rights, attribution_required, edits_allowed, record_sha256, saved_at, saved_by) VALUES {}", rs.join(","))).await;
        exec(
            &txn,
            format!(
                "INSERT INTO licence_steps (licence_id, kind, occasion, due_at, state) VALUES {}",
                ss.join(",")
            ),
        )
        .await;
    }
    txn.commit().await.expect("commit");
    let staff = [EmailAddress::parse("staff@bench.example").expect("addr")];
    let codes = takedown::services::tracking_codes::CodeKey::random();
    let settings = LicenceSettings::default();
    let policy = takedown::jobs::licences::LicencePolicy {
        settings: &settings,
        site: site(&staff, &codes),
    };
    let start = Instant::now();
    let report = takedown::jobs::licences::sweep(&db, &policy, now)
        .await
        .expect("sweep");
    (start.elapsed(), report.expiries)
}

#[tokio::main]
async fn main() {
    pass().await;
    let (big, big_n) = sweep_with(100_000, 100).await;
    let (small, small_n) = sweep_with(1_000, 100).await;
    println!(
        "licence sweep: 100k licences / {big_n} ends due {:.1} ms, 1k / {small_n} due {:.1} ms, ratio {:.2}  (O(due): about 1)",
        big.as_secs_f64() * 1000.0,
        small.as_secs_f64() * 1000.0,
        big.as_secs_f64() / small.as_secs_f64()
    );
}
