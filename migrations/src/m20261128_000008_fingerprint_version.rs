//! Which fingerprinting produced a revision's stored fingerprints, so that a release
//! that changes it can fingerprint older revisions again. Existing rows are version 1.
//! No index: the stale ones are found once per start-up, and an index would cost every
//! recorded article a write.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ArticleRevisions {
    Table,
    FingerprintVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ArticleRevisions::Table)
                    .add_column(
                        ColumnDef::new(ArticleRevisions::FingerprintVersion)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ArticleRevisions::Table)
                    .drop_column(ArticleRevisions::FingerprintVersion)
                    .to_owned(),
            )
            .await
    }
}
