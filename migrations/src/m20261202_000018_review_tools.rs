//! What a reviewer works with beyond the decision itself: each target's own outcome
//! (one complaint may name an article we republished and a URL that is not ours),
//! internal notes on a complaint (never shown to the claimant), and the saved replies
//! an admin keeps for statements of reasons.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ComplaintTargets {
    Table,
    Outcome,
}

#[derive(DeriveIden)]
enum Complaints {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ComplaintNotes {
    Table,
    Id,
    ComplaintId,
    Author,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReplyTemplates {
    Table,
    Id,
    Name,
    Action,
    BodyZh,
    BodyEn,
    UpdatedAt,
    UpdatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ComplaintTargets::Table)
                    .add_column(ColumnDef::new(ComplaintTargets::Outcome).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ComplaintNotes::Table)
                    .col(
                        ColumnDef::new(ComplaintNotes::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ComplaintNotes::ComplaintId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ComplaintNotes::Author).text().not_null())
                    .col(ColumnDef::new(ComplaintNotes::Body).text().not_null())
                    .col(
                        ColumnDef::new(ComplaintNotes::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ComplaintNotes::Table, ComplaintNotes::ComplaintId)
                            .to(Complaints::Table, Complaints::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_complaint_notes_complaint")
                    .table(ComplaintNotes::Table)
                    .col(ComplaintNotes::ComplaintId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReplyTemplates::Table)
                    .col(
                        ColumnDef::new(ReplyTemplates::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ReplyTemplates::Name)
                            .text()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(ReplyTemplates::Action).text().not_null())
                    .col(ColumnDef::new(ReplyTemplates::BodyZh).text().not_null())
                    .col(ColumnDef::new(ReplyTemplates::BodyEn).text().not_null())
                    .col(
                        ColumnDef::new(ReplyTemplates::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ReplyTemplates::UpdatedBy).text().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReplyTemplates::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ComplaintNotes::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ComplaintTargets::Table)
                    .drop_column(ComplaintTargets::Outcome)
                    .to_owned(),
            )
            .await
    }
}
