use sea_orm::entity::prelude::*;

use crate::domain::holds::HoldKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "takedown_holds")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub article_id: i64,
    pub complaint_id: Option<i64>,
    /// The licence whose end placed it (`licence_expired`).
    pub licence_id: Option<i64>,
    pub kind: HoldKind,
    pub placed_at: TimeDateTimeWithTimeZone,
    pub placed_by: String,
    pub released_at: Option<TimeDateTimeWithTimeZone>,
    pub released_by: Option<String>,
    pub release_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
