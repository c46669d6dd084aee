//! New-complaint emails to staff are limited per client address: each complaint filed
//! without a token keeps a hash of its client's address (the limit's bucket, never the
//! address), and whether its staff notice waits for a digest.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Complaints {
    Table,
    ClientKey,
    StaffNoticeDeferred,
}

const INDEX: &str = "ix_complaints_staff_notice_deferred";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            ColumnDef::new(Complaints::ClientKey)
                .text()
                .null()
                .to_owned(),
            ColumnDef::new(Complaints::StaffNoticeDeferred)
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
                    .name(INDEX)
                    .table(Complaints::Table)
                    .col(Complaints::StaffNoticeDeferred)
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
            .await?;
        for col in [Complaints::StaffNoticeDeferred, Complaints::ClientKey] {
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
