//! A revision's fingerprints in a table of their own. Stored after the bodies, they
//! made every read of them (the index build, catch-up) walk each row's overflow pages
//! past both texts; here a row is about 2 KB. The article id is kept beside them so
//! that loading the index needs no join.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RevisionFingerprints {
    Table,
    RevisionId,
    ArticleId,
    FingerprintVersion,
    Fingerprints,
}

#[derive(DeriveIden)]
enum ArticleRevisions {
    Table,
    Id,
}

const OLD_INDEX: &str = "ix_article_revisions_fingerprint_version";
const INDEX: &str = "ix_revision_fingerprints_version";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RevisionFingerprints::Table)
                    .col(
                        ColumnDef::new(RevisionFingerprints::RevisionId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(RevisionFingerprints::ArticleId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RevisionFingerprints::FingerprintVersion)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RevisionFingerprints::Fingerprints)
                            .blob()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                RevisionFingerprints::Table,
                                RevisionFingerprints::RevisionId,
                            )
                            .to(ArticleRevisions::Table, ArticleRevisions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO revision_fingerprints \
             (revision_id, article_id, fingerprint_version, fingerprints) \
             SELECT id, article_id, fingerprint_version, fingerprints \
             FROM article_revisions ORDER BY id",
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(RevisionFingerprints::Table)
                    .col(RevisionFingerprints::FingerprintVersion)
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(&format!("DROP INDEX {OLD_INDEX}"))
            .await?;
        db.execute_unprepared("ALTER TABLE article_revisions DROP COLUMN fingerprints")
            .await?;
        db.execute_unprepared("ALTER TABLE article_revisions DROP COLUMN fingerprint_version")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let blob = match manager.get_database_backend() {
            sea_orm_migration::sea_orm::DbBackend::Postgres => "BYTEA",
            _ => "BLOB",
        };
        db.execute_unprepared(&format!(
            "ALTER TABLE article_revisions ADD COLUMN fingerprints {blob} NOT NULL DEFAULT ''"
        ))
        .await?;
        db.execute_unprepared(
            "ALTER TABLE article_revisions ADD COLUMN fingerprint_version INTEGER NOT NULL DEFAULT 1",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE article_revisions SET \
             fingerprints = (SELECT f.fingerprints FROM revision_fingerprints f WHERE f.revision_id = article_revisions.id), \
             fingerprint_version = (SELECT f.fingerprint_version FROM revision_fingerprints f WHERE f.revision_id = article_revisions.id) \
             WHERE id IN (SELECT revision_id FROM revision_fingerprints)",
        )
        .await?;
        db.execute_unprepared(&format!(
            "CREATE INDEX {OLD_INDEX} ON article_revisions (fingerprint_version)"
        ))
        .await?;
        manager
            .drop_table(Table::drop().table(RevisionFingerprints::Table).to_owned())
            .await
    }
}
