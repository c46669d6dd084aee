//! Receipts are limited per mailbox, not per spelling: each receipt row carries its
//! recipient's rate key (lowercased, `+tag` dropped, IDNA domain), indexed with its
//! time. Rows written before have none; the limit's window is an hour, so they age out.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    RateKey,
    CreatedAt,
}

const INDEX: &str = "ix_outbox_rate_key_created";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(ColumnDef::new(Outbox::RateKey).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Outbox::Table)
                    .col(Outbox::RateKey)
                    .col(Outbox::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Outbox::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .drop_column(Outbox::RateKey)
                    .to_owned(),
            )
            .await
    }
}
