//! Which fingerprinting produced a revision's stored fingerprints, so that a release
//! that changes it can fingerprint older revisions again. Existing rows are version 1.
//! Indexed, so start-up finds the stale ones without reading every revision.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ArticleRevisions {
    Table,
    FingerprintVersion,
}

const INDEX: &str = "ix_article_revisions_fingerprint_version";

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
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(ArticleRevisions::Table)
                    .col(ArticleRevisions::FingerprintVersion)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(ArticleRevisions::Table)
                    .to_owned(),
            )
            .await?;
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
