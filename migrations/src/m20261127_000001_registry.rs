//! Provenance registry: API tokens, articles with every revision, and the audit chain.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Name,
    Scope,
    TokenSha256,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Articles {
    Table,
    Id,
    Url,
    Status,
    CurrentRevision,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ArticleRevisions {
    Table,
    Id,
    ArticleId,
    Revision,
    Title,
    Body,
    Editor,
    RepublishedAt,
    SourceOutlet,
    SourceUrl,
    SourcePublishedAt,
    SourceAuthor,
    SourceBody,
    LicenceReference,
    LicenceExpiresAt,
    RightsContact,
    RawSha256,
    ContentSha256,
    SourceSha256,
    NormalizerVersion,
    RecordSha256,
    Fingerprints,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Seq,
    OccurredAt,
    Actor,
    Action,
    Subject,
    Details,
    PrevHash,
    Hash,
}

fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

fn text_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().null().to_owned()
}

fn at(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn at_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(id(ApiTokens::Id))
                    .col(text(ApiTokens::Name))
                    .col(text(ApiTokens::Scope))
                    .col(text(ApiTokens::TokenSha256).unique_key())
                    .col(at(ApiTokens::CreatedAt))
                    .col(at_null(ApiTokens::RevokedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Articles::Table)
                    .col(id(Articles::Id))
                    .col(text(Articles::Url).unique_key())
                    .col(text(Articles::Status))
                    .col(
                        ColumnDef::new(Articles::CurrentRevision)
                            .integer()
                            .not_null(),
                    )
                    .col(at(Articles::CreatedAt))
                    .col(at(Articles::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ArticleRevisions::Table)
                    .col(id(ArticleRevisions::Id))
                    .col(
                        ColumnDef::new(ArticleRevisions::ArticleId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ArticleRevisions::Revision)
                            .integer()
                            .not_null(),
                    )
                    .col(text(ArticleRevisions::Title))
                    .col(text(ArticleRevisions::Body))
                    .col(text(ArticleRevisions::Editor))
                    .col(at(ArticleRevisions::RepublishedAt))
                    .col(text(ArticleRevisions::SourceOutlet))
                    .col(text(ArticleRevisions::SourceUrl))
                    .col(at_null(ArticleRevisions::SourcePublishedAt))
                    .col(text_null(ArticleRevisions::SourceAuthor))
                    .col(text_null(ArticleRevisions::SourceBody))
                    .col(text(ArticleRevisions::LicenceReference))
                    .col(at_null(ArticleRevisions::LicenceExpiresAt))
                    .col(text_null(ArticleRevisions::RightsContact))
                    .col(text(ArticleRevisions::RawSha256))
                    .col(text(ArticleRevisions::ContentSha256))
                    .col(text_null(ArticleRevisions::SourceSha256))
                    .col(
                        ColumnDef::new(ArticleRevisions::NormalizerVersion)
                            .integer()
                            .not_null(),
                    )
                    .col(text(ArticleRevisions::RecordSha256))
                    .col(
                        ColumnDef::new(ArticleRevisions::Fingerprints)
                            .blob()
                            .not_null(),
                    )
                    .col(at(ArticleRevisions::ReceivedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_article_revisions_article")
                            .from(ArticleRevisions::Table, ArticleRevisions::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_article_revisions_article_revision")
                    .table(ArticleRevisions::Table)
                    .col(ArticleRevisions::ArticleId)
                    .col(ArticleRevisions::Revision)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_article_revisions_content_sha256")
                    .table(ArticleRevisions::Table)
                    .col(ArticleRevisions::ContentSha256)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(
                        ColumnDef::new(AuditEvents::Seq)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(at(AuditEvents::OccurredAt))
                    .col(text(AuditEvents::Actor))
                    .col(text(AuditEvents::Action))
                    .col(text(AuditEvents::Subject))
                    .col(text(AuditEvents::Details))
                    .col(text(AuditEvents::PrevHash))
                    .col(text(AuditEvents::Hash))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_events_subject")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::Subject)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvents::Table.into_iden(),
            ArticleRevisions::Table.into_iden(),
            Articles::Table.into_iden(),
            ApiTokens::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
