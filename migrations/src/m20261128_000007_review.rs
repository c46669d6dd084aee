//! Review after the decision: who decided, the clock paused while a complaint waits on
//! the claimant, appeals, legal action reported against a counter-notice, and the
//! counter-notices themselves.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Complaints {
    Table,
    DecidedBy,
    PausedAt,
    InfoRequest,
    InfoRequestedAt,
    InfoAnswer,
    InfoAnsweredAt,
    AppealedAt,
    AppealStatement,
    PriorDecidedBy,
    LegalActionAt,
    LegalActionNote,
}

#[derive(DeriveIden)]
enum CounterNotices {
    Table,
    Id,
    ComplaintId,
    ArticleId,
    Name,
    Address,
    Phone,
    Email,
    RemovedUrl,
    Statement,
    Evidence,
    ConsentJurisdiction,
    Signature,
    ReceivedAt,
    RestoreAt,
    State,
    DoneAt,
}

const ARTICLE_INDEX: &str = "ix_counter_notices_article";
const COMPLAINT_INDEX: &str = "ix_counter_notices_complaint";

fn text_cols() -> [Complaints; 6] {
    use Complaints::*;
    [
        DecidedBy,
        InfoRequest,
        InfoAnswer,
        AppealStatement,
        PriorDecidedBy,
        LegalActionNote,
    ]
}

fn time_cols() -> [Complaints; 5] {
    use Complaints::*;
    [
        PausedAt,
        InfoRequestedAt,
        InfoAnsweredAt,
        AppealedAt,
        LegalActionAt,
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let cols = text_cols()
            .map(|c| ColumnDef::new(c).text().null().to_owned())
            .into_iter()
            .chain(time_cols().map(|c| {
                ColumnDef::new(c)
                    .timestamp_with_time_zone()
                    .null()
                    .to_owned()
            }));
        for col in cols {
            manager
                .alter_table(
                    Table::alter()
                        .table(Complaints::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(CounterNotices::Table)
                    .col(
                        ColumnDef::new(CounterNotices::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(CounterNotices::ComplaintId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CounterNotices::ArticleId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(CounterNotices::Name).text().not_null())
                    .col(ColumnDef::new(CounterNotices::Address).text().not_null())
                    .col(ColumnDef::new(CounterNotices::Phone).text().not_null())
                    .col(ColumnDef::new(CounterNotices::Email).text().not_null())
                    .col(ColumnDef::new(CounterNotices::RemovedUrl).text().not_null())
                    .col(ColumnDef::new(CounterNotices::Statement).text().not_null())
                    .col(ColumnDef::new(CounterNotices::Evidence).text().null())
                    .col(
                        ColumnDef::new(CounterNotices::ConsentJurisdiction)
                            .boolean()
                            .not_null(),
                    )
                    .col(ColumnDef::new(CounterNotices::Signature).text().not_null())
                    .col(
                        ColumnDef::new(CounterNotices::ReceivedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CounterNotices::RestoreAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(CounterNotices::State).text().not_null())
                    .col(
                        ColumnDef::new(CounterNotices::DoneAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ARTICLE_INDEX)
                    .table(CounterNotices::Table)
                    .col(CounterNotices::ArticleId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(COMPLAINT_INDEX)
                    .table(CounterNotices::Table)
                    .col(CounterNotices::ComplaintId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CounterNotices::Table).to_owned())
            .await?;
        for col in text_cols().into_iter().chain(time_cols()) {
            manager
                .alter_table(
                    Table::alter()
                        .table(Complaints::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
