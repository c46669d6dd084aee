//! Complaint intake: complaints, their targets, evidence and matches, and the email
//! outbox that every later feature also writes to.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Complaints {
    Table,
    Id,
    TrackingCode,
    Status,
    Channel,
    Language,
    ClaimantName,
    ClaimantOrganisation,
    ClaimantEmail,
    ClaimantPhone,
    ClaimantAddress,
    Capacity,
    OnBehalfOf,
    WorkTitle,
    WorkDescription,
    WorkOriginalUrl,
    WorkOriginalText,
    GoodFaith,
    Accurate,
    Signature,
    IdempotencyKey,
    ReceivedAt,
    DeadlineAt,
    DecidedAt,
    Decision,
    DecisionReason,
}

#[derive(DeriveIden)]
enum ComplaintTargets {
    Table,
    Id,
    ComplaintId,
    Url,
    ArticleId,
}

#[derive(DeriveIden)]
enum ComplaintEvidence {
    Table,
    Id,
    ComplaintId,
    Kind,
    Url,
    Sha256,
    ContentType,
    SizeBytes,
    FileName,
}

#[derive(DeriveIden)]
enum ComplaintMatches {
    Table,
    Id,
    ComplaintId,
    ArticleId,
    Revision,
    Containment,
    Identical,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Kind,
    Recipient,
    Subject,
    BodyText,
    BodyHtml,
    DedupeKey,
    MessageId,
    ComplaintId,
    Attempts,
    NextAttemptAt,
    SentAt,
    FailedAt,
    LastError,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Articles {
    Table,
    Id,
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

fn complaint_fk(table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Complaints::Table, Complaints::Id)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Complaints::Table)
                    .col(id(Complaints::Id))
                    .col(text(Complaints::TrackingCode).unique_key())
                    .col(text(Complaints::Status))
                    .col(text(Complaints::Channel))
                    .col(text(Complaints::Language))
                    .col(text(Complaints::ClaimantName))
                    .col(text_null(Complaints::ClaimantOrganisation))
                    .col(text(Complaints::ClaimantEmail))
                    .col(text(Complaints::ClaimantPhone))
                    .col(text(Complaints::ClaimantAddress))
                    .col(text(Complaints::Capacity))
                    .col(text_null(Complaints::OnBehalfOf))
                    .col(text(Complaints::WorkTitle))
                    .col(text(Complaints::WorkDescription))
                    .col(text(Complaints::WorkOriginalUrl))
                    .col(text_null(Complaints::WorkOriginalText))
                    .col(ColumnDef::new(Complaints::GoodFaith).boolean().not_null())
                    .col(ColumnDef::new(Complaints::Accurate).boolean().not_null())
                    .col(text(Complaints::Signature))
                    .col(text_null(Complaints::IdempotencyKey).unique_key())
                    .col(at(Complaints::ReceivedAt))
                    .col(at(Complaints::DeadlineAt))
                    .col(at_null(Complaints::DecidedAt))
                    .col(text_null(Complaints::Decision))
                    .col(text_null(Complaints::DecisionReason))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_complaints_status_deadline")
                    .table(Complaints::Table)
                    .col(Complaints::Status)
                    .col(Complaints::DeadlineAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ComplaintTargets::Table)
                    .col(id(ComplaintTargets::Id))
                    .col(
                        ColumnDef::new(ComplaintTargets::ComplaintId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(text(ComplaintTargets::Url))
                    .col(
                        ColumnDef::new(ComplaintTargets::ArticleId)
                            .big_integer()
                            .null(),
                    )
                    .foreign_key(&mut complaint_fk(
                        ComplaintTargets::Table,
                        ComplaintTargets::ComplaintId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ComplaintTargets::Table, ComplaintTargets::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_complaint_targets_complaint")
                    .table(ComplaintTargets::Table)
                    .col(ComplaintTargets::ComplaintId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ComplaintEvidence::Table)
                    .col(id(ComplaintEvidence::Id))
                    .col(
                        ColumnDef::new(ComplaintEvidence::ComplaintId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(text(ComplaintEvidence::Kind))
                    .col(text_null(ComplaintEvidence::Url))
                    .col(text_null(ComplaintEvidence::Sha256))
                    .col(text_null(ComplaintEvidence::ContentType))
                    .col(
                        ColumnDef::new(ComplaintEvidence::SizeBytes)
                            .big_integer()
                            .null(),
                    )
                    .col(text_null(ComplaintEvidence::FileName))
                    .foreign_key(&mut complaint_fk(
                        ComplaintEvidence::Table,
                        ComplaintEvidence::ComplaintId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_complaint_evidence_complaint")
                    .table(ComplaintEvidence::Table)
                    .col(ComplaintEvidence::ComplaintId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ComplaintMatches::Table)
                    .col(id(ComplaintMatches::Id))
                    .col(
                        ColumnDef::new(ComplaintMatches::ComplaintId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ComplaintMatches::ArticleId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ComplaintMatches::Revision)
                            .integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ComplaintMatches::Containment)
                            .double()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(ComplaintMatches::Identical)
                            .boolean()
                            .not_null(),
                    )
                    .foreign_key(&mut complaint_fk(
                        ComplaintMatches::Table,
                        ComplaintMatches::ComplaintId,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ComplaintMatches::Table, ComplaintMatches::ArticleId)
                            .to(Articles::Table, Articles::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_complaint_matches_complaint")
                    .table(ComplaintMatches::Table)
                    .col(ComplaintMatches::ComplaintId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(id(Outbox::Id))
                    .col(text(Outbox::Kind))
                    .col(text(Outbox::Recipient))
                    .col(text(Outbox::Subject))
                    .col(text(Outbox::BodyText))
                    .col(text_null(Outbox::BodyHtml))
                    .col(text(Outbox::DedupeKey).unique_key())
                    .col(text(Outbox::MessageId).unique_key())
                    .col(ColumnDef::new(Outbox::ComplaintId).big_integer().null())
                    .col(
                        ColumnDef::new(Outbox::Attempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(at(Outbox::NextAttemptAt))
                    .col(at_null(Outbox::SentAt))
                    .col(at_null(Outbox::FailedAt))
                    .col(text_null(Outbox::LastError))
                    .col(at(Outbox::CreatedAt))
                    .foreign_key(&mut complaint_fk(Outbox::Table, Outbox::ComplaintId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::SentAt)
                    .col(Outbox::FailedAt)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Outbox::Table.into_iden(),
            ComplaintMatches::Table.into_iden(),
            ComplaintEvidence::Table.into_iden(),
            ComplaintTargets::Table.into_iden(),
            Complaints::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
