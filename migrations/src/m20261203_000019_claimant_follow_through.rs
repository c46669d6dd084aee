//! What a claimant (or a source) sends after the notice. Evidence files with an answer
//! to a request for information, with an appeal, or with a counter-notice: each row
//! says what it came with, and a counter-notice's files name it. And legal action the
//! claimant reports against a counter-notice, with its case reference, until staff
//! confirm it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ComplaintEvidence {
    Table,
    SubmittedWith,
    CounterNoticeId,
}

#[derive(DeriveIden)]
enum Complaints {
    Table,
    LegalActionReportedAt,
    LegalActionReported,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Two statements: SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(ComplaintEvidence::Table)
                    .add_column(
                        ColumnDef::new(ComplaintEvidence::SubmittedWith)
                            .text()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ComplaintEvidence::Table)
                    .add_column(
                        ColumnDef::new(ComplaintEvidence::CounterNoticeId)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Complaints::Table)
                    .add_column(
                        ColumnDef::new(Complaints::LegalActionReportedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Complaints::Table)
                    .add_column(
                        ColumnDef::new(Complaints::LegalActionReported)
                            .text()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            Complaints::LegalActionReported,
            Complaints::LegalActionReportedAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Complaints::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        for col in [
            ComplaintEvidence::CounterNoticeId,
            ComplaintEvidence::SubmittedWith,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ComplaintEvidence::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
