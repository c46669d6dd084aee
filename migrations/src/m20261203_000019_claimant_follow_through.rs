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

/// Each new column with its table; one `ALTER TABLE` each, as SQLite needs.
fn columns() -> Vec<(DynIden, ColumnDef)> {
    vec![
        (
            ComplaintEvidence::Table.into_iden(),
            ColumnDef::new(ComplaintEvidence::SubmittedWith)
                .text()
                .null()
                .to_owned(),
        ),
        (
            ComplaintEvidence::Table.into_iden(),
            ColumnDef::new(ComplaintEvidence::CounterNoticeId)
                .big_integer()
                .null()
                .to_owned(),
        ),
        (
            Complaints::Table.into_iden(),
            ColumnDef::new(Complaints::LegalActionReportedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ),
        (
            Complaints::Table.into_iden(),
            ColumnDef::new(Complaints::LegalActionReported)
                .text()
                .null()
                .to_owned(),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
        Ok(())
    }
}
