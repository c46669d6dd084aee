//! A claimant's email address is verified before anything is taken down on their word:
//! a confirmation token (stored hashed) goes out with the receipt; a complaint filed
//! with a trusted submitter token is confirmed at filing. Receipts over the per-address
//! limit wait for a digest.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Complaints {
    Table,
    ConfirmTokenSha256,
    ConfirmedAt,
    ConfirmedBy,
    ReceiptDeferred,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Recipient,
    CreatedAt,
}

const TOKEN_INDEX: &str = "ux_complaints_confirm_token";
const DEFERRED_INDEX: &str = "ix_complaints_receipt_deferred";
const RECIPIENT_INDEX: &str = "ix_outbox_recipient_created";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            ColumnDef::new(Complaints::ConfirmTokenSha256)
                .text()
                .null()
                .to_owned(),
            ColumnDef::new(Complaints::ConfirmedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Complaints::ConfirmedBy)
                .text()
                .null()
                .to_owned(),
            ColumnDef::new(Complaints::ReceiptDeferred)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Complaints::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(TOKEN_INDEX)
                    .table(Complaints::Table)
                    .col(Complaints::ConfirmTokenSha256)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(DEFERRED_INDEX)
                    .table(Complaints::Table)
                    .col(Complaints::ReceiptDeferred)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(RECIPIENT_INDEX)
                    .table(Outbox::Table)
                    .col(Outbox::Recipient)
                    .col(Outbox::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(RECIPIENT_INDEX)
                    .table(Outbox::Table)
                    .to_owned(),
            )
            .await?;
        for name in [DEFERRED_INDEX, TOKEN_INDEX] {
            manager
                .drop_index(Index::drop().name(name).table(Complaints::Table).to_owned())
                .await?;
        }
        for col in [
            Complaints::ReceiptDeferred,
            Complaints::ConfirmedBy,
            Complaints::ConfirmedAt,
            Complaints::ConfirmTokenSha256,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Complaints::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
