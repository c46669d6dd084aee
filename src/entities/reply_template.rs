use sea_orm::entity::prelude::*;

/// A saved reply: a statement of reasons (or a question) in both languages, chosen in
/// the decision form and edited there before it is sent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reply_templates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// The decision it is written for: `uphold`, `reject` or `request_info`.
    pub action: String,
    pub body_zh: String,
    pub body_en: String,
    pub updated_at: TimeDateTimeWithTimeZone,
    /// `staff:N`.
    pub updated_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
