//! Deadline enforcement: every reminder and breach of a complaint as a row due at a
//! time, so the scheduler only wakes the sweep and nothing lives in memory.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DeadlineSteps {
    Table,
    Id,
    ComplaintId,
    Step,
    DueAt,
    State,
    DoneAt,
    Note,
}

#[derive(DeriveIden)]
enum Complaints {
    Table,
    Id,
    Overdue,
    AssignedReviewer,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeadlineSteps::Table)
                    .col(
                        ColumnDef::new(DeadlineSteps::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(DeadlineSteps::ComplaintId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(DeadlineSteps::Step).text().not_null())
                    .col(
                        ColumnDef::new(DeadlineSteps::DueAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(DeadlineSteps::State).text().not_null())
                    .col(
                        ColumnDef::new(DeadlineSteps::DoneAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(DeadlineSteps::Note).text().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeadlineSteps::Table, DeadlineSteps::ComplaintId)
                            .to(Complaints::Table, Complaints::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_deadline_steps_complaint_step")
                    .table(DeadlineSteps::Table)
                    .col(DeadlineSteps::ComplaintId)
                    .col(DeadlineSteps::Step)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_deadline_steps_due")
                    .table(DeadlineSteps::Table)
                    .col(DeadlineSteps::State)
                    .col(DeadlineSteps::DueAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Complaints::Table)
                    .add_column(
                        ColumnDef::new(Complaints::Overdue)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Complaints::Table)
                    .add_column(ColumnDef::new(Complaints::AssignedReviewer).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Complaints::Table)
                    .drop_column(Complaints::AssignedReviewer)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Complaints::Table)
                    .drop_column(Complaints::Overdue)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(DeadlineSteps::Table).to_owned())
            .await
    }
}
