//! The hosted mailboxes polled for notices (`IMAP_URL`): where each poll got to (the
//! mailbox's UIDVALIDITY and the last UID stored), and which instance holds the poll,
//! so several instances sharing PostgreSQL poll one at a time. And an index that finds a
//! complaint's mail.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImapMailboxes {
    Table,
    Mailbox,
    UidValidity,
    LastUid,
    LeaseUntil,
    LeasedBy,
    PolledAt,
    LastError,
}

#[derive(DeriveIden)]
enum InboundMessages {
    Table,
    ComplaintId,
}

const BY_COMPLAINT: &str = "inbound_messages_by_complaint";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImapMailboxes::Table)
                    .col(
                        ColumnDef::new(ImapMailboxes::Mailbox)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ImapMailboxes::UidValidity)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(ImapMailboxes::LastUid)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(ImapMailboxes::LeaseUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(ImapMailboxes::LeasedBy).text().null())
                    .col(
                        ColumnDef::new(ImapMailboxes::PolledAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(ImapMailboxes::LastError).text().null())
                    .to_owned(),
            )
            .await?;
        // A complaint's status view and page list its mail.
        manager
            .create_index(
                Index::create()
                    .name(BY_COMPLAINT)
                    .table(InboundMessages::Table)
                    .col(InboundMessages::ComplaintId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(BY_COMPLAINT)
                    .table(InboundMessages::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ImapMailboxes::Table).to_owned())
            .await
    }
}
