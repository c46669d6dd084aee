use sea_orm::entity::prelude::*;

use crate::domain::deadline::StepState;

/// What a licence's end brings, due at a time: a reminder before it, the expiry at it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "licence_steps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub licence_id: i64,
    pub kind: LicenceStepKind,
    /// What tells two steps of one kind apart: the offset and the end it counts from.
    pub occasion: String,
    pub due_at: TimeDateTimeWithTimeZone,
    pub state: StepState,
    pub done_at: Option<TimeDateTimeWithTimeZone>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum LicenceStepKind {
    #[sea_orm(string_value = "reminder")]
    Reminder,
    /// The licence ended, or its articles need looking at again: flag or hold the
    /// expired ones, release the holds of those covered again.
    #[sea_orm(string_value = "expiry")]
    Expiry,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
