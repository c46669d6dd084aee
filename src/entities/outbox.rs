use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    #[sea_orm(unique)]
    pub dedupe_key: String,
    #[sea_orm(unique)]
    pub message_id: String,
    pub complaint_id: Option<i64>,
    pub attempts: i32,
    pub next_attempt_at: TimeDateTimeWithTimeZone,
    pub sent_at: Option<TimeDateTimeWithTimeZone>,
    pub failed_at: Option<TimeDateTimeWithTimeZone>,
    pub last_error: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    /// The recipient's mailbox as the receipt limit counts it (receipts only).
    pub rate_key: Option<String>,
    /// When a delivery report said this email could not be delivered.
    pub bounced_at: Option<TimeDateTimeWithTimeZone>,
    /// The Message-ID (with `<>`) of the message this email answers: it threads
    /// under it (`In-Reply-To`, `References`).
    pub in_reply_to: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
