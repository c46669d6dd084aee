//! A complaint's deadline steps, written and withdrawn in the caller's transaction.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};
use time::OffsetDateTime;

use crate::domain::deadline::StepState;
use crate::domain::validate::truncate_micros;
use crate::entities::deadline_step;

/// Adds pending steps to complaint `complaint_id`.
pub async fn insert(
    txn: &impl ConnectionTrait,
    complaint_id: i64,
    steps: impl IntoIterator<Item = (String, OffsetDateTime)>,
) -> Result<(), DbErr> {
    for (step, due_at) in steps {
        deadline_step::ActiveModel {
            complaint_id: Set(complaint_id),
            step: Set(step),
            due_at: Set(truncate_micros(due_at)),
            state: Set(StepState::Pending.as_str().to_string()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Cancels what still waits on the complaint's clock (pending or paused), with `note`.
/// Counter-notice restorations are left alone: they run on their own clock.
pub async fn cancel_waiting(
    txn: &impl ConnectionTrait,
    complaint_id: i64,
    note: &str,
    now: OffsetDateTime,
) -> Result<u64, DbErr> {
    cancel(txn, complaint_id, None, note, now).await
}

/// Cancels one named step if it is still pending.
pub async fn cancel_step(
    txn: &impl ConnectionTrait,
    complaint_id: i64,
    step: &str,
    note: &str,
    now: OffsetDateTime,
) -> Result<u64, DbErr> {
    cancel(txn, complaint_id, Some(step), note, now).await
}

async fn cancel(
    txn: &impl ConnectionTrait,
    complaint_id: i64,
    step: Option<&str>,
    note: &str,
    now: OffsetDateTime,
) -> Result<u64, DbErr> {
    let mut q = deadline_step::Entity::update_many()
        .col_expr(
            deadline_step::Column::State,
            Expr::value(StepState::Cancelled.as_str()),
        )
        .col_expr(deadline_step::Column::DoneAt, Expr::value(now))
        .col_expr(deadline_step::Column::Note, Expr::value(note))
        .filter(deadline_step::Column::ComplaintId.eq(complaint_id))
        .filter(
            deadline_step::Column::State
                .is_in([StepState::Pending.as_str(), StepState::Paused.as_str()]),
        );
    q = match step {
        Some(s) => q.filter(deadline_step::Column::Step.eq(s)),
        None => q.filter(deadline_step::Column::Step.not_like("restore:%")),
    };
    Ok(q.exec(txn).await?.rows_affected)
}
