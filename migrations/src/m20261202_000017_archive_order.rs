//! The archive lists complaints newest first and pages by (received_at, id): an index
//! in that order lets a deep page start where the last one ended.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Complaints {
    Table,
    ReceivedAt,
    Id,
}

const INDEX: &str = "ix_complaints_received_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Complaints::Table)
                    .col(Complaints::ReceivedAt)
                    .col(Complaints::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(Complaints::Table)
                    .to_owned(),
            )
            .await
    }
}
