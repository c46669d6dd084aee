//! Each round's pauses of the clock (requests for information), written in the
//! caller's transaction. `complaints.paused_at` caches the one under way.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use time::OffsetDateTime;

use crate::entities::clock_pause;

/// How a pause ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Answered,
    /// No answer in time: the complaint closed as incomplete.
    Incomplete,
    /// The complaint was withdrawn while it waited.
    Closed,
    /// A reviewer decided without waiting for the answer.
    Decided,
}

impl Ended {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answered => "answered",
            Self::Incomplete => "incomplete",
            Self::Closed => "closed",
            Self::Decided => "decided",
        }
    }
}

/// The clock stops for the `request`-th question of `round`.
pub async fn begin(
    txn: &impl ConnectionTrait,
    complaint_id: i64,
    round: i32,
    request: u32,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    clock_pause::ActiveModel {
        complaint_id: Set(complaint_id),
        round: Set(round),
        request: Set(request as i32),
        paused_at: Set(at),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The pause under way (if any) ends at `at`.
pub async fn end(
    txn: &impl ConnectionTrait,
    complaint_id: i64,
    how: Ended,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    clock_pause::Entity::update_many()
        .col_expr(clock_pause::Column::ResumedAt, Expr::value(Some(at)))
        .col_expr(clock_pause::Column::Outcome, Expr::value(how.as_str()))
        .filter(clock_pause::Column::ComplaintId.eq(complaint_id))
        .filter(clock_pause::Column::ResumedAt.is_null())
        .exec(txn)
        .await?;
    Ok(())
}

/// Every pause of the complaint, by round and request.
pub async fn of_complaint(
    db: &impl ConnectionTrait,
    complaint_id: i64,
) -> Result<Vec<clock_pause::Model>, DbErr> {
    clock_pause::Entity::find()
        .filter(clock_pause::Column::ComplaintId.eq(complaint_id))
        .order_by_asc(clock_pause::Column::Round)
        .order_by_asc(clock_pause::Column::Request)
        .all(db)
        .await
}
