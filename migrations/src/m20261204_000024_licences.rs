//! Licences as records: each licence by its reference, every saved revision of its
//! terms, the steps its end brings (reminders, then the expiry), and on each article
//! revision the fields compliance needs (the source's title, the byline) and the
//! verdicts worked out for it: the licence's, and how much of the source text and the
//! published text each holds of the other (altered below `ALTERATION_THRESHOLD`). Holds gain the licence that placed them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Licences {
    Table,
    Id,
    Reference,
    CurrentRevision,
    CreatedAt,
    UpdatedAt,
    DocumentSha256,
    DocumentType,
    DocumentSize,
    DocumentName,
    DocumentAt,
}

#[derive(DeriveIden)]
enum LicenceRevisions {
    Table,
    Id,
    LicenceId,
    Revision,
    Licensor,
    LicensorContact,
    CoversOutlets,
    CoversHosts,
    StartsAt,
    EndsAt,
    Rights,
    AttributionRequired,
    EditsAllowed,
    RecordSha256,
    SavedAt,
    SavedBy,
}

#[derive(DeriveIden)]
enum LicenceSteps {
    Table,
    Id,
    LicenceId,
    Kind,
    Occasion,
    DueAt,
    State,
    DoneAt,
    Note,
}

#[derive(DeriveIden)]
enum ArticleRevisions {
    Table,
    SourceTitle,
    Byline,
    LicenceReference,
    ComplianceLicence,
    SourceContainment,
    ComplianceAltered,
    ComplianceTitleChanged,
    ComplianceAttribution,
    ComplianceAt,
}

#[derive(DeriveIden)]
enum TakedownHolds {
    Table,
    LicenceId,
}

const STEPS_DUE: &str = "licence_steps_due";
const STEPS_ONCE: &str = "licence_steps_once";
const REVISIONS_ONCE: &str = "licence_revisions_once";
const BY_LICENCE: &str = "article_revisions_by_licence";

/// Each new column with its table; one `ALTER TABLE` each, as SQLite needs.
fn columns() -> Vec<(DynIden, ColumnDef)> {
    let rev = || ArticleRevisions::Table.into_iden();
    vec![
        (
            rev(),
            ColumnDef::new(ArticleRevisions::SourceTitle)
                .text()
                .null()
                .to_owned(),
        ),
        (
            rev(),
            ColumnDef::new(ArticleRevisions::Byline)
                .text()
                .null()
                .to_owned(),
        ),
        (
            rev(),
            ColumnDef::new(ArticleRevisions::ComplianceLicence)
                .text()
                .null()
                .to_owned(),
        ),
        (
            rev(),
            ColumnDef::new(ArticleRevisions::SourceContainment)
                .double()
                .null()
                .to_owned(),
        ),
        (
            rev(),
            ColumnDef::new(ArticleRevisions::ComplianceAltered)
                .boolean()
                .null()
                .to_owned(),
        ),
        (
            rev(),
            ColumnDef::new(ArticleRevisions::ComplianceTitleChanged)
                .boolean()
                .null()
                .to_owned(),
        ),
        (
            rev(),
            ColumnDef::new(ArticleRevisions::ComplianceAttribution)
                .text()
                .null()
                .to_owned(),
        ),
        (
            rev(),
            ColumnDef::new(ArticleRevisions::ComplianceAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ),
        (
            TakedownHolds::Table.into_iden(),
            ColumnDef::new(TakedownHolds::LicenceId)
                .big_integer()
                .null()
                .to_owned(),
        ),
    ]
}

fn id<T: IntoIden>(c: T) -> ColumnDef {
    ColumnDef::new(c)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn at<T: IntoIden>(c: T) -> ColumnDef {
    ColumnDef::new(c)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn at_or_null<T: IntoIden>(c: T) -> ColumnDef {
    ColumnDef::new(c)
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
                    .table(Licences::Table)
                    .col(id(Licences::Id))
                    .col(
                        ColumnDef::new(Licences::Reference)
                            .text()
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Licences::CurrentRevision)
                            .integer()
                            .not_null(),
                    )
                    .col(at(Licences::CreatedAt))
                    .col(at(Licences::UpdatedAt))
                    .col(ColumnDef::new(Licences::DocumentSha256).text().null())
                    .col(ColumnDef::new(Licences::DocumentType).text().null())
                    .col(ColumnDef::new(Licences::DocumentSize).big_integer().null())
                    .col(ColumnDef::new(Licences::DocumentName).text().null())
                    .col(at_or_null(Licences::DocumentAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LicenceRevisions::Table)
                    .col(id(LicenceRevisions::Id))
                    .col(
                        ColumnDef::new(LicenceRevisions::LicenceId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LicenceRevisions::Revision)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(LicenceRevisions::Licensor).text().not_null())
                    .col(
                        ColumnDef::new(LicenceRevisions::LicensorContact)
                            .text()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(LicenceRevisions::CoversOutlets)
                            .text()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LicenceRevisions::CoversHosts)
                            .text()
                            .not_null(),
                    )
                    .col(at_or_null(LicenceRevisions::StartsAt))
                    .col(at_or_null(LicenceRevisions::EndsAt))
                    .col(ColumnDef::new(LicenceRevisions::Rights).text().not_null())
                    .col(
                        ColumnDef::new(LicenceRevisions::AttributionRequired)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LicenceRevisions::EditsAllowed)
                            .boolean()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LicenceRevisions::RecordSha256)
                            .text()
                            .not_null(),
                    )
                    .col(at(LicenceRevisions::SavedAt))
                    .col(ColumnDef::new(LicenceRevisions::SavedBy).text().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(REVISIONS_ONCE)
                    .table(LicenceRevisions::Table)
                    .col(LicenceRevisions::LicenceId)
                    .col(LicenceRevisions::Revision)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LicenceSteps::Table)
                    .col(id(LicenceSteps::Id))
                    .col(
                        ColumnDef::new(LicenceSteps::LicenceId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(LicenceSteps::Kind).text().not_null())
                    .col(ColumnDef::new(LicenceSteps::Occasion).text().not_null())
                    .col(at(LicenceSteps::DueAt))
                    .col(ColumnDef::new(LicenceSteps::State).text().not_null())
                    .col(at_or_null(LicenceSteps::DoneAt))
                    .col(ColumnDef::new(LicenceSteps::Note).text().null())
                    .to_owned(),
            )
            .await?;
        // The sweep reads what is due, as the deadline sweep does.
        manager
            .create_index(
                Index::create()
                    .name(STEPS_DUE)
                    .table(LicenceSteps::Table)
                    .col(LicenceSteps::State)
                    .col(LicenceSteps::DueAt)
                    .to_owned(),
            )
            .await?;
        // A step planned twice (two instances saving, a retried save) is one row.
        manager
            .create_index(
                Index::create()
                    .name(STEPS_ONCE)
                    .table(LicenceSteps::Table)
                    .col(LicenceSteps::LicenceId)
                    .col(LicenceSteps::Kind)
                    .col(LicenceSteps::Occasion)
                    .unique()
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
        // A licence's compliance pass finds its articles by reference.
        manager
            .create_index(
                Index::create()
                    .name(BY_LICENCE)
                    .table(ArticleRevisions::Table)
                    .col(ArticleRevisions::LicenceReference)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(BY_LICENCE)
                    .table(ArticleRevisions::Table)
                    .to_owned(),
            )
            .await?;
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
        for t in [
            LicenceSteps::Table.into_iden(),
            LicenceRevisions::Table.into_iden(),
            Licences::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}
