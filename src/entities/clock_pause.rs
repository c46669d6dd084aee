use sea_orm::entity::prelude::*;

/// One pause of a round's clock: a request for information, from the question to the
/// answer or to the closing that ended the wait.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clock_pauses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub complaint_id: i64,
    pub round: i32,
    /// The n-th request of the round.
    pub request: i32,
    pub paused_at: TimeDateTimeWithTimeZone,
    /// None while the clock is still paused.
    pub resumed_at: Option<TimeDateTimeWithTimeZone>,
    /// `answered`, `incomplete` (no answer in time), `closed` (withdrawn meanwhile) or
    /// `decided` (decided without the answer).
    pub outcome: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
