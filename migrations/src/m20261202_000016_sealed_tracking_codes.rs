//! Tracking codes are no longer kept in plain text. A complaint is found by the code's
//! SHA-256 (`tracking_code_sha256`); the code itself, needed for the status links in
//! later emails, is kept sealed under a key that lives outside the database
//! (`TRACKING_KEY_FILE`).
//!
//! Sealing needs that key, which a migration does not have: the service seals the
//! codes this leaves in plain text when it starts (`services::tracking_codes`). Going
//! down renames the column back but cannot unseal: codes sealed by then stay sealed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Complaints {
    Table,
    TrackingCode,
    TrackingCodeSealed,
    TrackingCodeSha256,
}

const INDEX: &str = "complaints_tracking_code_sha256";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Complaints::Table)
                    .rename_column(Complaints::TrackingCode, Complaints::TrackingCodeSealed)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Complaints::Table)
                    .add_column(
                        ColumnDef::new(Complaints::TrackingCodeSha256)
                            .string()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Complaints::Table)
                    .col(Complaints::TrackingCodeSha256)
                    .unique()
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
        manager
            .alter_table(
                Table::alter()
                    .table(Complaints::Table)
                    .drop_column(Complaints::TrackingCodeSha256)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Complaints::Table)
                    .rename_column(Complaints::TrackingCodeSealed, Complaints::TrackingCode)
                    .to_owned(),
            )
            .await
    }
}
