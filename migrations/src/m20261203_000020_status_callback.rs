//! A status callback for complaints filed through the API: the submitter's HTTPS URL,
//! POSTed a signed event each time the claimant is emailed about the complaint, and
//! the secret that signs it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Complaints {
    Table,
    CallbackUrl,
    CallbackSecret,
}

/// Each new column with its table; one `ALTER TABLE` each, as SQLite needs.
fn columns() -> Vec<(DynIden, ColumnDef)> {
    [Complaints::CallbackUrl, Complaints::CallbackSecret]
        .into_iter()
        .map(|c| {
            (
                Complaints::Table.into_iden(),
                ColumnDef::new(c).text().null().to_owned(),
            )
        })
        .collect()
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
