use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deadline_steps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub complaint_id: i64,
    pub step: String,
    pub due_at: TimeDateTimeWithTimeZone,
    pub state: String,
    pub done_at: Option<TimeDateTimeWithTimeZone>,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
