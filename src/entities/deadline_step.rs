use sea_orm::entity::prelude::*;

use crate::domain::deadline::{StepKind, StepState};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deadline_steps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub complaint_id: i64,
    pub kind: StepKind,
    /// 1 for the complaint as filed, 2 for its appeal.
    pub round: i32,
    /// What tells two steps of one kind and round apart: a reminder's offset, the
    /// number of a request for information, a counter-notice's id.
    pub occasion: String,
    pub due_at: TimeDateTimeWithTimeZone,
    pub state: StepState,
    pub done_at: Option<TimeDateTimeWithTimeZone>,
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
