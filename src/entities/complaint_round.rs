use sea_orm::entity::prelude::*;

/// A closed earlier round of a complaint (the first, once it is appealed).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaint_rounds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub complaint_id: i64,
    pub number: i32,
    pub opened_at: TimeDateTimeWithTimeZone,
    pub deadline_at: TimeDateTimeWithTimeZone,
    pub breached: bool,
    pub decided_at: Option<TimeDateTimeWithTimeZone>,
    pub decided_by: Option<String>,
    pub outcome: Option<String>,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
