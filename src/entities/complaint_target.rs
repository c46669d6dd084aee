use sea_orm::entity::prelude::*;

use crate::domain::target_outcome::TargetOutcome;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaint_targets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub complaint_id: i64,
    pub url: String,
    pub article_id: Option<i64>,
    /// What the last decision did to this URL; None until one is made.
    pub outcome: Option<TargetOutcome>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
