//! Staff accounts (argon2id password hashes), their server-side sessions, and an index
//! that lets the review queue walk complaints in deadline order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Staff {
    Table,
    Id,
    Email,
    Role,
    PasswordHash,
    CreatedAt,
    DisabledAt,
}

#[derive(DeriveIden)]
enum StaffSessions {
    Table,
    IdSha256,
    StaffId,
    CsrfToken,
    CreatedAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum Complaints {
    Table,
    DeadlineAt,
    Id,
}

const QUEUE_INDEX: &str = "ix_complaints_deadline_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Staff::Table)
                    .col(
                        ColumnDef::new(Staff::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Staff::Email).text().not_null().unique_key())
                    .col(ColumnDef::new(Staff::Role).text().not_null())
                    .col(ColumnDef::new(Staff::PasswordHash).text().not_null())
                    .col(
                        ColumnDef::new(Staff::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Staff::DisabledAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffSessions::Table)
                    .col(
                        ColumnDef::new(StaffSessions::IdSha256)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(StaffSessions::StaffId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(StaffSessions::CsrfToken).text().not_null())
                    .col(
                        ColumnDef::new(StaffSessions::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(StaffSessions::LastSeenAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffSessions::Table, StaffSessions::StaffId)
                            .to(Staff::Table, Staff::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(QUEUE_INDEX)
                    .table(Complaints::Table)
                    .col(Complaints::DeadlineAt)
                    .col(Complaints::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(QUEUE_INDEX)
                    .table(Complaints::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(StaffSessions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Staff::Table).to_owned())
            .await
    }
}
