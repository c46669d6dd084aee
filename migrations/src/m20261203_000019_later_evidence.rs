//! Evidence that arrives after the notice: files sent with an answer to a request for
//! information, with an appeal, or with a counter-notice. Each row says what it came
//! with; a counter-notice's files also name the counter-notice.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ComplaintEvidence {
    Table,
    SubmittedWith,
    CounterNoticeId,
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
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
