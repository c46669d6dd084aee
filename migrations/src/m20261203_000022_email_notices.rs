//! Notices that arrive by email: what the element checker found missing from a
//! complaint (a JSON list of field names, null once complete), and the Message-ID an
//! email of ours answers, so the acknowledgement threads under the notice.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Complaints {
    Table,
    MissingElements,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    InReplyTo,
}

/// Each new column with its table; one `ALTER TABLE` each, as SQLite needs.
fn columns() -> Vec<(DynIden, ColumnDef)> {
    vec![
        (
            Complaints::Table.into_iden(),
            ColumnDef::new(Complaints::MissingElements)
                .text()
                .null()
                .to_owned(),
        ),
        (
            Outbox::Table.into_iden(),
            ColumnDef::new(Outbox::InReplyTo).text().null().to_owned(),
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
