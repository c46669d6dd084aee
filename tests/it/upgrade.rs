//! A database written by the release before holds and rounds (`tests/fixtures/`, made by
//! `make-release-1.sh` with that release's binary) is migrated: every open complaint
//! keeps its deadline, every removed article stays removed and is held by the complaint
//! that removed it, steps are typed; down and up again give the same; and the service
//! goes on working on it.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common::{TestApp, TestDb};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use takedown::domain::deadline::{StepKind, StepState};
use takedown::domain::holds::HoldKind;
use takedown::entities::{complaint, complaint_round, deadline_step, takedown_hold};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

const OPEN: &str = "('received', 'in_review', 'needs_info', 'appealed')";

/// The release's database, loaded into a fresh test database, not yet migrated further.
async fn release_database() -> TestDb {
    let db = TestDb::new().await;
    if db.is_postgres() {
        let conn = sea_orm::Database::connect(&db.url).await.unwrap();
        let dump = include_str!("../fixtures/release-1.pg.sql");
        conn.execute_unprepared(dump).await.unwrap();
        conn.close().await.unwrap();
    } else {
        std::fs::copy(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/release-1.sqlite"
            ),
            db.data_dir().join("takedown.db"),
        )
        .unwrap();
    }
    db
}

/// `SELECT id, <timestamp> AS v FROM …`, to compare before and after.
async fn column(db: &DatabaseConnection, sql: &str) -> BTreeMap<i64, String> {
    rows(db, sql, |r| {
        r.try_get::<time::OffsetDateTime>("", "v")
            .unwrap()
            .to_string()
    })
    .await
}

async fn texts(db: &DatabaseConnection, sql: &str) -> BTreeMap<i64, String> {
    rows(db, sql, |r| r.try_get::<String>("", "v").unwrap()).await
}

async fn rows(
    db: &DatabaseConnection,
    sql: &str,
    v: impl Fn(&sea_orm::QueryResult) -> String,
) -> BTreeMap<i64, String> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.try_get::<i64>("", "id").unwrap(), v(&r)))
        .collect()
}

/// Each revision's stored fingerprints, by revision id, from `sql` (`id`, `v`).
async fn blobs(db: &DatabaseConnection, sql: &str) -> BTreeMap<i64, String> {
    rows(db, sql, |r| {
        let blob: Vec<u8> = r.try_get("", "v").unwrap();
        blob.iter().map(|b| format!("{b:02x}")).collect()
    })
    .await
}

const OLD_FINGERPRINTS: &str = "SELECT id, fingerprints AS v FROM article_revisions";
const NEW_FINGERPRINTS: &str =
    "SELECT revision_id AS id, fingerprints AS v FROM revision_fingerprints";

async fn removed(db: &DatabaseConnection) -> Vec<i64> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM articles WHERE status = 'removed' ORDER BY id",
        ))
        .await
        .unwrap();
    rows.into_iter()
        .map(|r| r.try_get::<i64>("", "id").unwrap())
        .collect()
}

async fn holds(db: &DatabaseConnection) -> Vec<(i64, Option<i64>, HoldKind)> {
    takedown_hold::Entity::find()
        .filter(takedown_hold::Column::ReleasedAt.is_null())
        .order_by_asc(takedown_hold::Column::ArticleId)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|h| (h.article_id, h.complaint_id, h.kind))
        .collect()
}

/// What the migration must have made of the release's data.
async fn check_converted(db: &DatabaseConnection) {
    use HoldKind::*;
    // 1: breached, provisional; 2: upheld (a counter-notice waits); 3: breached, then
    // upheld.
    assert_eq!(
        holds(db).await,
        [
            (1, Some(1), Provisional),
            (2, Some(2), Upheld),
            (3, Some(3), Upheld)
        ]
    );
    let steps = deadline_step::Entity::find()
        .order_by_asc(deadline_step::Column::Id)
        .all(db)
        .await
        .unwrap();
    let of = |id: i64| {
        steps
            .iter()
            .filter(|s| s.complaint_id == id)
            .map(|s| (s.kind, s.round, s.occasion.as_str(), s.state))
            .collect::<Vec<_>>()
    };
    use StepKind::*;
    use StepState::*;
    assert_eq!(
        of(5),
        [
            (Reminder, 1, "12h", Pending),
            (Reminder, 1, "20h", Pending),
            (Reminder, 1, "23h", Pending),
            (Breach, 1, "", Pending)
        ]
    );
    assert_eq!(of(4), [(Breach, 1, "", Cancelled), (Breach, 2, "", Done)]);
    assert_eq!(
        of(2),
        [(Breach, 1, "", Cancelled), (Restore, 1, "1", Pending)]
    );
    let waiting: Vec<_> = of(6).into_iter().filter(|s| s.0 == InfoWait).collect();
    assert_eq!(waiting.len(), 1);
    assert_eq!((waiting[0].1, waiting[0].3), (1, Pending));
    // Its question is the round's pause under way.
    let pauses = takedown::services::pauses::of_complaint(db, 6)
        .await
        .unwrap();
    assert_eq!(
        pauses
            .iter()
            .map(|p| (p.round, p.request, p.resumed_at.is_none()))
            .collect::<Vec<_>>(),
        [(1, 1, true)]
    );
    // The appealed complaint's first round, closed, with its reasons.
    let first = complaint_round::Entity::find()
        .filter(complaint_round::Column::ComplaintId.eq(4))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            first.number,
            first.outcome.as_deref(),
            first.reason.as_deref()
        ),
        (1, Some("rejected"), Some("转载已获许可。"))
    );
    assert!(
        first.deadline_at
            < complaint::Entity::find_by_id(4)
                .one(db)
                .await
                .unwrap()
                .unwrap()
                .deadline_at
    );
}

/// Migrations added since the release the fixture was made with.
const SINCE_RELEASE: usize = 16;

#[tokio::test]
async fn a_release_database_migrates_up_down_and_up_with_nothing_lost() {
    let db = release_database().await;
    let conn = takedown::db::connect(&db.url).await.unwrap();
    let deadlines_sql =
        format!("SELECT id, deadline_at AS v FROM complaints WHERE status IN {OPEN} ORDER BY id");
    let pending = Migrator::get_pending_migrations(&conn).await.unwrap();
    assert_eq!(
        pending.len(),
        SINCE_RELEASE,
        "the fixture is the release before holds, rounds, pauses, receipt rate keys, the sign-in guard, the staff notice limit, staff tokens' accounts, sealed tracking codes, the archive's order, licences as records and fingerprints in their own table"
    );
    let deadlines = column(&conn, &deadlines_sql).await;
    let codes = texts(&conn, "SELECT id, tracking_code AS v FROM complaints").await;
    assert_eq!(codes.len(), 6);
    assert_eq!(deadlines.keys().copied().collect::<Vec<_>>(), [1, 4, 5, 6]);
    let down_before = removed(&conn).await;
    assert_eq!(down_before, [1, 2, 3]);

    let fingerprints = blobs(&conn, OLD_FINGERPRINTS).await;
    assert!(!fingerprints.is_empty());

    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(column(&conn, &deadlines_sql).await, deadlines);
    assert_eq!(removed(&conn).await, down_before);
    assert_eq!(blobs(&conn, NEW_FINGERPRINTS).await, fingerprints);
    check_converted(&conn).await;

    // Back to the release: everything since, down to holds and rounds.
    Migrator::down(&conn, Some(SINCE_RELEASE as u32))
        .await
        .unwrap();
    let names = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT step FROM deadline_steps WHERE complaint_id = 4 ORDER BY id",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.try_get::<String>("", "step").unwrap())
        .collect::<Vec<_>>();
    assert_eq!(
        names,
        ["breach", "breach:appeal"],
        "the release's names come back"
    );
    assert_eq!(removed(&conn).await, down_before);
    assert_eq!(blobs(&conn, OLD_FINGERPRINTS).await, fingerprints);

    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(column(&conn, &deadlines_sql).await, deadlines);
    assert_eq!(blobs(&conn, NEW_FINGERPRINTS).await, fingerprints);
    check_converted(&conn).await;
    conn.close().await.unwrap();

    // The service runs on it: the open complaint's deadline passes, its article goes
    // down on a hold of its own, the audit chain of both releases verifies.
    let db = std::sync::Arc::new(db);
    let app = TestApp::spawn_on(db.clone(), |c| {
        c.on_breach = takedown::domain::deadline::OnBreach::Remove;
    })
    .await;
    let mailer = takedown::jobs::mailer(&app.state.config).unwrap();
    let c5 = complaint::Entity::find_by_id(5)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let r = takedown::jobs::tick(
        &app.state.jobs(),
        &mailer,
        c5.deadline_at + Duration::from_secs(60),
    )
    .await
    .unwrap();
    assert_eq!(r.deadlines.removed_articles, 1, "{r}");
    assert_eq!(holds(&app.db).await.len(), 4);

    // The release kept tracking codes in plain text: the service sealed them when it
    // started, and every claimant's code still opens their complaint.
    let stored = texts(
        &app.db,
        "SELECT id, tracking_code_sealed || ' ' || tracking_code_sha256 AS v FROM complaints",
    )
    .await;
    for (id, code) in &codes {
        assert!(!stored[id].contains(code.as_str()), "{}", stored[id]);
        assert_eq!(app.tracking_code(*id).await, *code);
        let status: serde_json::Value = app
            .client
            .get(app.url(&format!("/api/v1/complaints/{code}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(status["id"], *id, "{status}");
    }
    // The release's articles have no compliance yet; the same record sent again is
    // still a repeat (the new optional fields stay out of its digest); `licences
    // recheck` works the verdicts out.
    let v: serde_json::Value = app.get_article(1).await.json().await.unwrap();
    assert_eq!(v["compliance"]["licence"], serde_json::Value::Null, "{v}");
    let again = serde_json::json!({
        "url": v["url"], "title": v["title"], "body": v["body"],
        "republished_at": v["republished_at"], "editor": v["editor"],
        "source": {"outlet": v["source"]["outlet"], "url": v["source"]["url"],
                   "published_at": v["source"]["published_at"], "author": v["source"]["author"],
                   "body": v["source"]["body"]},
        "licence": {"reference": v["licence"]["reference"], "expires_at": v["licence"]["expires_at"]},
        "rights_contact": v["rights_contact"]
    });
    assert_eq!(app.post_article(&again).await.status(), 200, "{again}");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
        .env("DATABASE_URL", &db.url)
        .env("DATA_DIR", db.data_dir())
        .env("RUST_LOG", "warn")
        .current_dir(db.data_dir())
        .args(["licences", "recheck"])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("compliance:"), "{stdout}");
    let v: serde_json::Value = app.get_article(1).await.json().await.unwrap();
    assert_eq!(v["compliance"]["licence"], "unknown_licence", "{v}");
    assert!(v["compliance"]["attribution"].is_string(), "{v}");
    let out = crate::common::takedown_cmd(&db)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
