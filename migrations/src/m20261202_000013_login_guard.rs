//! Sign-in throttling kept in the database, so that instances sharing it count
//! together and a restart forgets nothing: failed attempts per account and per
//! address, the sign-in form tokens already spent, and the key that signs them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Subject,
    WindowStart,
    Attempts,
}

#[derive(DeriveIden)]
enum LoginTokensUsed {
    Table,
    TokenSha256,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ServerKeys {
    Table,
    Name,
    Secret,
}

const INDEX: &str = "ix_login_tokens_used_expires";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginAttempts::Table)
                    .col(
                        ColumnDef::new(LoginAttempts::Subject)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(LoginAttempts::WindowStart)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(LoginAttempts::Attempts).integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginTokensUsed::Table)
                    .col(
                        ColumnDef::new(LoginTokensUsed::TokenSha256)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(LoginTokensUsed::ExpiresAt)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(LoginTokensUsed::Table)
                    .col(LoginTokensUsed::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ServerKeys::Table)
                    .col(
                        ColumnDef::new(ServerKeys::Name)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ServerKeys::Secret).text().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServerKeys::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LoginTokensUsed::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(LoginAttempts::Table).to_owned())
            .await
    }
}
