//! A complaint's deadline steps, written and withdrawn in the caller's transaction.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set};
use time::OffsetDateTime;

use crate::domain::deadline::{Planned, StepKind, StepState};
use crate::domain::validate::truncate_micros;
use crate::entities::deadline_step;

/// Adds pending steps to complaint `complaint_id`.
pub async fn insert(
    txn: &impl ConnectionTrait,
    complaint_id: i64,
    steps: impl IntoIterator<Item = Planned>,
) -> Result<(), DbErr> {
    let rows = steps.into_iter().map(|s| row(complaint_id, s)).collect();
    crate::db::insert_all(txn, rows).await
}

/// A pending step of complaint `complaint_id`, as stored.
pub fn row(complaint_id: i64, s: Planned) -> deadline_step::ActiveModel {
    deadline_step::ActiveModel {
        complaint_id: Set(complaint_id),
        kind: Set(s.kind),
        round: Set(s.round),
        occasion: Set(s.occasion),
        due_at: Set(truncate_micros(s.due_at)),
        state: Set(StepState::Pending),
        ..Default::default()
    }
}

/// How many steps of `kind` complaint `complaint_id` has had in `round`.
pub async fn count(
    txn: &impl ConnectionTrait,
    complaint_id: i64,
    round: i32,
    kind: StepKind,
) -> Result<u64, DbErr> {
    deadline_step::Entity::find()
        .filter(deadline_step::Column::ComplaintId.eq(complaint_id))
        .filter(deadline_step::Column::Round.eq(round))
        .filter(deadline_step::Column::Kind.eq(kind))
        .count(txn)
        .await
}

/// Cancels what still waits on the complaint's clock (pending or paused), with `note`.
/// Counter-notice restorations are left alone: they run on their own clock.
pub async fn cancel_waiting(
    txn: &impl ConnectionTrait,
    complaint_id: i64,
    note: &str,
    now: OffsetDateTime,
) -> Result<u64, DbErr> {
    cancel(txn, complaint_id, &StepKind::ON_THE_CLOCK, None, note, now).await
}

/// Cancels one counter-notice's restoration if it is still pending.
pub async fn cancel_restore(
    txn: &impl ConnectionTrait,
    complaint_id: i64,
    counter_notice_id: i64,
    note: &str,
    now: OffsetDateTime,
) -> Result<u64, DbErr> {
    let occasion = counter_notice_id.to_string();
    cancel(
        txn,
        complaint_id,
        &[StepKind::Restore],
        Some(&occasion),
        note,
        now,
    )
    .await
}

async fn cancel(
    txn: &impl ConnectionTrait,
    complaint_id: i64,
    kinds: &[StepKind],
    occasion: Option<&str>,
    note: &str,
    now: OffsetDateTime,
) -> Result<u64, DbErr> {
    let mut q = deadline_step::Entity::update_many()
        .col_expr(
            deadline_step::Column::State,
            Expr::value(StepState::Cancelled),
        )
        .col_expr(deadline_step::Column::DoneAt, Expr::value(now))
        .col_expr(deadline_step::Column::Note, Expr::value(note))
        .filter(deadline_step::Column::ComplaintId.eq(complaint_id))
        .filter(deadline_step::Column::Kind.is_in(kinds.iter().copied()))
        .filter(deadline_step::Column::State.is_in([StepState::Pending, StepState::Paused]));
    if let Some(o) = occasion {
        q = q.filter(deadline_step::Column::Occasion.eq(o));
    }
    Ok(q.exec(txn).await?.rows_affected)
}
