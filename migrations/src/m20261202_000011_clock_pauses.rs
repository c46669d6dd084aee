//! `clock_pauses`: each round's pauses of the clock, one per request for information,
//! from the question to the answer (or to the closing that ended the wait). The
//! complaint row keeps `paused_at` as the cache of the pause under way.
//!
//! Existing data: the latest request of each complaint becomes its pause row, numbered
//! by how many questions its round asked (earlier pauses were never stored apart from
//! the audit log, which still holds them).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ClockPauses {
    Table,
    Id,
    ComplaintId,
    Round,
    Request,
    PausedAt,
    ResumedAt,
    Outcome,
}

#[derive(DeriveIden)]
enum Complaints {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ClockPauses::Table)
                    .col(
                        ColumnDef::new(ClockPauses::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ClockPauses::ComplaintId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ClockPauses::Round).integer().not_null())
                    .col(ColumnDef::new(ClockPauses::Request).integer().not_null())
                    .col(
                        ColumnDef::new(ClockPauses::PausedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ClockPauses::ResumedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(ClockPauses::Outcome).text().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClockPauses::Table, ClockPauses::ComplaintId)
                            .to(Complaints::Table, Complaints::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_clock_pauses_request")
                    .table(ClockPauses::Table)
                    .col(ClockPauses::ComplaintId)
                    .col(ClockPauses::Round)
                    .col(ClockPauses::Request)
                    .unique()
                    .to_owned(),
            )
            .await?;
        let round = "CASE WHEN c.appealed_at IS NOT NULL AND c.info_requested_at >= c.appealed_at \
                     THEN 2 ELSE 1 END";
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "INSERT INTO clock_pauses (complaint_id, round, request, paused_at, resumed_at, outcome) \
                 SELECT c.id, {round}, \
                   COALESCE(NULLIF((SELECT COUNT(*) FROM deadline_steps s \
                     WHERE s.complaint_id = c.id AND s.kind = 'info_wait' AND s.round = {round}), 0), 1), \
                   c.info_requested_at, \
                   CASE WHEN c.paused_at IS NOT NULL THEN NULL \
                     WHEN c.info_answered_at IS NOT NULL AND c.info_answered_at >= c.info_requested_at \
                       THEN c.info_answered_at \
                     ELSE COALESCE(c.decided_at, c.info_requested_at) END, \
                   CASE WHEN c.paused_at IS NOT NULL THEN NULL \
                     WHEN c.info_answered_at IS NOT NULL AND c.info_answered_at >= c.info_requested_at \
                       THEN 'answered' \
                     WHEN c.status = 'incomplete' THEN 'incomplete' \
                     ELSE 'closed' END \
                 FROM complaints c WHERE c.info_requested_at IS NOT NULL"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClockPauses::Table).to_owned())
            .await
    }
}
