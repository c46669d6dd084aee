//! Mail that comes back: every message handed to `takedown mail receive`, kept by the
//! SHA-256 of its bytes (the bytes themselves as a file), with what was made of it; and
//! the bounce of one of our emails, on the email and on the complaint whose claimant's
//! address bounced.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InboundMessages {
    Table,
    Id,
    ReceivedAt,
    RawSha256,
    SizeBytes,
    MessageId,
    FromAddress,
    Subject,
    Outcome,
    Detail,
    OutboxId,
    ComplaintId,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    BouncedAt,
    MessageId,
}

#[derive(DeriveIden)]
enum Complaints {
    Table,
    ClaimantBouncedAt,
}

/// The columns added to existing tables; one `ALTER TABLE` each, as SQLite needs.
fn columns() -> Vec<(DynIden, ColumnDef)> {
    vec![
        (
            Outbox::Table.into_iden(),
            ColumnDef::new(Outbox::BouncedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ),
        (
            Complaints::Table.into_iden(),
            ColumnDef::new(Complaints::ClaimantBouncedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InboundMessages::Table)
                    .col(
                        ColumnDef::new(InboundMessages::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(InboundMessages::ReceivedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(InboundMessages::RawSha256)
                            .text()
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(InboundMessages::SizeBytes)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(InboundMessages::MessageId).text().null())
                    .col(ColumnDef::new(InboundMessages::FromAddress).text().null())
                    .col(ColumnDef::new(InboundMessages::Subject).text().null())
                    .col(ColumnDef::new(InboundMessages::Outcome).text().not_null())
                    .col(ColumnDef::new(InboundMessages::Detail).text().null())
                    .col(
                        ColumnDef::new(InboundMessages::OutboxId)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(InboundMessages::ComplaintId)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_inbound_messages_message_id")
                    .table(InboundMessages::Table)
                    .col(InboundMessages::MessageId)
                    .to_owned(),
            )
            .await?;
        // A bounce that lost its VERP address names the email by its Message-ID.
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_message_id")
                    .table(Outbox::Table)
                    .col(Outbox::MessageId)
                    .to_owned(),
            )
            .await?;
        for (table, mut column) in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in columns().into_iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Alias::new(column.get_column_name()))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_outbox_message_id")
                    .table(Outbox::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(InboundMessages::Table).to_owned())
            .await
    }
}
