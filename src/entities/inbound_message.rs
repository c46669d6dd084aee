use sea_orm::entity::prelude::*;

/// A message handed to `takedown mail receive`: its bytes are kept as
/// `DATA_DIR/inbound/<raw_sha256>.eml`, and this row says what was made of it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbound_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub received_at: TimeDateTimeWithTimeZone,
    pub raw_sha256: String,
    pub size_bytes: i64,
    pub message_id: Option<String>,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    /// `bounce`, `auto_reply` or `rejected` (kept, not acted on).
    pub outcome: String,
    /// Why, in a line: a bounce's status and diagnostic, or what the message was not.
    pub detail: Option<String>,
    /// The email a bounce reports.
    pub outbox_id: Option<i64>,
    pub complaint_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
