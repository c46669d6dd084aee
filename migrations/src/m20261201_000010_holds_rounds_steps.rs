//! One model under the workflow.
//!
//! - `takedown_holds`: an article is down while a hold on it stands. Each removed
//!   article gets the holds its complaints placed: an upheld complaint's (unless a
//!   counter-notice already released it) and an open, overdue, confirmed complaint's
//!   provisional one. A removed article with neither keeps an upheld hold by the newest
//!   complaint naming it, so nothing removed comes back.
//! - `complaint_rounds`: an appeal's first round, closed, with its own deadline and
//!   decision; the complaint row carries the round under way.
//! - `deadline_steps`: a typed kind, the round and the occasion replace the step's
//!   name, so a step's identity never depends on the wall-clock second.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TakedownHolds {
    Table,
    Id,
    ArticleId,
    ComplaintId,
    Kind,
    PlacedAt,
    PlacedBy,
    ReleasedAt,
    ReleasedBy,
    ReleaseReason,
}

#[derive(DeriveIden)]
enum ComplaintRounds {
    Table,
    Id,
    ComplaintId,
    Number,
    OpenedAt,
    DeadlineAt,
    Breached,
    DecidedAt,
    DecidedBy,
    Outcome,
    Reason,
}

#[derive(DeriveIden)]
enum DeadlineSteps {
    Table,
    ComplaintId,
    Kind,
    Round,
    Occasion,
}

#[derive(DeriveIden)]
enum Articles {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Complaints {
    Table,
    Id,
}

const OPEN: &str = "('received', 'in_review', 'needs_info', 'appealed')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_holds(manager).await?;
        create_rounds(manager).await?;
        type_steps(manager).await?;
        let db = manager.get_connection();
        // The holds that stand today, from what removed each article.
        db.execute_unprepared(
            "INSERT INTO takedown_holds (article_id, complaint_id, kind, placed_at, placed_by) \
             SELECT DISTINCT a.id, c.id, 'upheld', COALESCE(c.decided_at, a.updated_at), \
             COALESCE(c.decided_by, 'migration') \
             FROM articles a JOIN complaint_targets t ON t.article_id = a.id \
             JOIN complaints c ON c.id = t.complaint_id \
             WHERE a.status = 'removed' AND c.status = 'upheld' AND NOT EXISTS \
             (SELECT 1 FROM counter_notices n WHERE n.complaint_id = c.id \
              AND n.article_id = a.id AND n.state = 'restored')",
        )
        .await?;
        db.execute_unprepared(&format!(
            "INSERT INTO takedown_holds (article_id, complaint_id, kind, placed_at, placed_by) \
             SELECT DISTINCT a.id, c.id, 'provisional', c.deadline_at, 'scheduler' \
             FROM articles a JOIN complaint_targets t ON t.article_id = a.id \
             JOIN complaints c ON c.id = t.complaint_id \
             WHERE a.status = 'removed' AND c.status IN {OPEN} AND c.overdue = TRUE \
             AND c.confirmed_at IS NOT NULL AND c.appealed_at IS NULL"
        ))
        .await?;
        db.execute_unprepared(
            "INSERT INTO takedown_holds (article_id, complaint_id, kind, placed_at, placed_by) \
             SELECT a.id, (SELECT MAX(t.complaint_id) FROM complaint_targets t \
             WHERE t.article_id = a.id), 'upheld', a.updated_at, 'migration' \
             FROM articles a WHERE a.status = 'removed' AND NOT EXISTS \
             (SELECT 1 FROM takedown_holds h WHERE h.article_id = a.id)",
        )
        .await?;
        archive_first_rounds(db).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager
            .drop_index(
                Index::drop()
                    .name("ux_deadline_steps_identity")
                    .table(DeadlineSteps::Table)
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "ALTER TABLE deadline_steps ADD COLUMN step TEXT NOT NULL DEFAULT ''",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE deadline_steps SET step = CASE kind \
             WHEN 'reminder' THEN 'reminder:' || occasion \
               || CASE WHEN round > 1 THEN ':appeal' ELSE '' END \
             WHEN 'breach' THEN 'breach' || CASE WHEN round > 1 THEN ':appeal' ELSE '' END \
             WHEN 'info_wait' THEN 'info_wait:' || occasion \
             ELSE 'restore:' || occasion END",
        )
        .await?;
        for col in ["kind", "round", "occasion"] {
            db.execute_unprepared(&format!("ALTER TABLE deadline_steps DROP COLUMN {col}"))
                .await?;
        }
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_deadline_steps_complaint_step \
             ON deadline_steps (complaint_id, step)",
        )
        .await?;
        manager
            .drop_table(Table::drop().table(ComplaintRounds::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(TakedownHolds::Table).to_owned())
            .await
    }
}

async fn create_holds(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(TakedownHolds::Table)
                .col(
                    ColumnDef::new(TakedownHolds::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(TakedownHolds::ArticleId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(TakedownHolds::ComplaintId)
                        .big_integer()
                        .null(),
                )
                .col(ColumnDef::new(TakedownHolds::Kind).text().not_null())
                .col(
                    ColumnDef::new(TakedownHolds::PlacedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(TakedownHolds::PlacedBy).text().not_null())
                .col(
                    ColumnDef::new(TakedownHolds::ReleasedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(TakedownHolds::ReleasedBy).text().null())
                .col(ColumnDef::new(TakedownHolds::ReleaseReason).text().null())
                .foreign_key(
                    ForeignKey::create()
                        .from(TakedownHolds::Table, TakedownHolds::ArticleId)
                        .to(Articles::Table, Articles::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TakedownHolds::Table, TakedownHolds::ComplaintId)
                        .to(Complaints::Table, Complaints::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_takedown_holds_article")
                .table(TakedownHolds::Table)
                .col(TakedownHolds::ArticleId)
                .col(TakedownHolds::ReleasedAt)
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ix_takedown_holds_complaint")
                .table(TakedownHolds::Table)
                .col(TakedownHolds::ComplaintId)
                .to_owned(),
        )
        .await
}

async fn create_rounds(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(ComplaintRounds::Table)
                .col(
                    ColumnDef::new(ComplaintRounds::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(ComplaintRounds::ComplaintId)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(ComplaintRounds::Number).integer().not_null())
                .col(
                    ColumnDef::new(ComplaintRounds::OpenedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ComplaintRounds::DeadlineAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ComplaintRounds::Breached)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(
                    ColumnDef::new(ComplaintRounds::DecidedAt)
                        .timestamp_with_time_zone()
                        .null(),
                )
                .col(ColumnDef::new(ComplaintRounds::DecidedBy).text().null())
                .col(ColumnDef::new(ComplaintRounds::Outcome).text().null())
                .col(ColumnDef::new(ComplaintRounds::Reason).text().null())
                .foreign_key(
                    ForeignKey::create()
                        .from(ComplaintRounds::Table, ComplaintRounds::ComplaintId)
                        .to(Complaints::Table, Complaints::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ux_complaint_rounds_number")
                .table(ComplaintRounds::Table)
                .col(ComplaintRounds::ComplaintId)
                .col(ComplaintRounds::Number)
                .unique()
                .to_owned(),
        )
        .await
}

/// Steps get kind, round and occasion from their names; the name goes.
async fn type_steps(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for (col, ty) in [
        ("kind", "TEXT NOT NULL DEFAULT ''"),
        ("round", "INTEGER NOT NULL DEFAULT 1"),
        ("occasion", "TEXT NOT NULL DEFAULT ''"),
    ] {
        db.execute_unprepared(&format!("ALTER TABLE deadline_steps ADD COLUMN {col} {ty}"))
            .await?;
    }
    db.execute_unprepared(
        "UPDATE deadline_steps SET \
         kind = CASE WHEN step LIKE 'reminder:%' THEN 'reminder' \
           WHEN step LIKE 'breach%' THEN 'breach' \
           WHEN step LIKE 'info_wait:%' THEN 'info_wait' \
           WHEN step LIKE 'restore:%' THEN 'restore' ELSE 'reminder' END, \
         round = CASE WHEN step LIKE '%:appeal' THEN 2 \
           WHEN step LIKE 'info_wait:%' AND EXISTS (SELECT 1 FROM complaints c \
             WHERE c.id = deadline_steps.complaint_id AND c.appealed_at IS NOT NULL \
             AND c.appealed_at <= deadline_steps.due_at) THEN 2 ELSE 1 END, \
         occasion = CASE WHEN step LIKE 'reminder:%' THEN REPLACE(SUBSTR(step, 10), ':appeal', '') \
           WHEN step LIKE 'info_wait:%' THEN SUBSTR(step, 11) \
           WHEN step LIKE 'restore:%' THEN SUBSTR(step, 9) ELSE '' END",
    )
    .await?;
    manager
        .drop_index(
            Index::drop()
                .name("ux_deadline_steps_complaint_step")
                .table(DeadlineSteps::Table)
                .to_owned(),
        )
        .await?;
    db.execute_unprepared("ALTER TABLE deadline_steps DROP COLUMN step")
        .await?;
    manager
        .create_index(
            Index::create()
                .name("ux_deadline_steps_identity")
                .table(DeadlineSteps::Table)
                .col(DeadlineSteps::ComplaintId)
                .col(DeadlineSteps::Round)
                .col(DeadlineSteps::Kind)
                .col(DeadlineSteps::Occasion)
                .unique()
                .to_owned(),
        )
        .await
}

/// An appealed complaint's first round, closed: its deadline from its breach step (or
/// receipt), decided when its steps were cancelled (or at the appeal), its reasons from
/// the `complaint.appealed` event that reopened it.
async fn archive_first_rounds(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    db.execute_unprepared(
        "INSERT INTO complaint_rounds (complaint_id, number, opened_at, deadline_at, breached, \
         decided_at, decided_by, outcome) \
         SELECT c.id, 1, c.received_at, \
         COALESCE((SELECT MIN(s.due_at) FROM deadline_steps s WHERE s.complaint_id = c.id \
           AND s.kind = 'breach' AND s.round = 1), c.received_at), \
         EXISTS (SELECT 1 FROM deadline_steps s WHERE s.complaint_id = c.id \
           AND s.kind = 'breach' AND s.round = 1 AND s.state = 'done'), \
         COALESCE((SELECT MAX(s.done_at) FROM deadline_steps s WHERE s.complaint_id = c.id \
           AND s.round = 1 AND s.state = 'cancelled'), c.appealed_at), \
         c.prior_decided_by, 'rejected' \
         FROM complaints c WHERE c.appealed_at IS NOT NULL",
    )
    .await?;
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT e.subject, e.details FROM audit_events e \
             WHERE e.action = 'complaint.appealed' ORDER BY e.seq",
        ))
        .await?;
    let sql = if backend == DbBackend::Postgres {
        "UPDATE complaint_rounds SET reason = $1 WHERE complaint_id = $2 AND number = 1"
    } else {
        "UPDATE complaint_rounds SET reason = ? WHERE complaint_id = ? AND number = 1"
    };
    for r in rows {
        let subject: String = r.try_get("", "subject")?;
        let details: String = r.try_get("", "details")?;
        let Some(id) = subject
            .strip_prefix("complaint:")
            .and_then(|id| id.parse::<i64>().ok())
        else {
            continue;
        };
        let reason = serde_json::from_str::<serde_json::Value>(&details)
            .ok()
            .and_then(|v| v["first_reason"].as_str().map(str::to_string));
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [Value::from(reason), Value::from(id)],
        ))
        .await?;
    }
    Ok(())
}
