use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "counter_notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub complaint_id: i64,
    pub article_id: i64,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub removed_url: String,
    pub statement: String,
    pub evidence: Option<String>,
    pub consent_jurisdiction: bool,
    pub signature: String,
    pub received_at: TimeDateTimeWithTimeZone,
    pub restore_at: TimeDateTimeWithTimeZone,
    pub state: crate::domain::complaint::CounterNoticeState,
    pub done_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
