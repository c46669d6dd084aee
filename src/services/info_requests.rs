//! Asking the claimant for more information. The site promises a decision within the
//! deadline of a *complete* notice, so the clock pauses while the complaint waits on
//! the claimant: its pending steps are parked, and when the answer comes they and the
//! deadline move on by the time spent waiting. No answer within `INFO_WAIT` closes the
//! complaint as incomplete. Every pause and restart is an audit event.

use crate::services::error::{Conflict, ServiceError, ServiceResult};
use crate::services::evidence::{self, EvidenceFile, SentWith};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::complaint::ComplaintStatus;
use crate::domain::deadline::{StepKind, StepState, info_wait_step, round};
use crate::domain::display_time::display;
use crate::domain::holds::Release;
use crate::domain::personal;
use crate::domain::validate::{format_timestamp, truncate_micros};
use crate::entities::{complaint, deadline_step};
use crate::mail::letters::{InfoAnswered, InfoClosed, InfoRequest};
use crate::mail::notice::{Occasion, Owed};
use crate::mail::outbox;
use crate::services::complaints::row_by_code;
use crate::services::holds;
use crate::services::pauses::{self, Ended};
use crate::services::site::{self, Site};
use crate::services::staff::StaffMember;
use crate::services::{review_queue, steps};

/// Longest message or answer.
pub const MAX_TEXT_CHARS: usize = 5000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// The claimant must answer by then.
    pub answer_by: OffsetDateTime,
}

/// Pauses complaint `id`'s clock and asks its claimant `message`.
#[allow(clippy::too_many_arguments)]
pub async fn request(
    db: &DatabaseConnection,
    site: &Site<'_>,
    id: i64,
    message: &str,
    by: &StaffMember,
    info_wait: std::time::Duration,
    now: OffsetDateTime,
) -> ServiceResult<Asked> {
    let actor = &by.actor();
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let Some(c) = complaint::Entity::find_by_id(id).one(&txn).await? else {
        return Err(ServiceError::NotFound);
    };
    if c.status == ComplaintStatus::NeedsInfo {
        return Err(Conflict::AlreadyWaiting.into());
    }
    if !c.status.is_open() {
        return Err(Conflict::AlreadyDecided.into());
    }
    review_queue::check_may_decide(&txn, &c, by, now).await?;
    let answer_by = truncate_micros(now + info_wait);
    let round = round(c.appealed_at.is_some());
    let parked = deadline_step::Entity::update_many()
        .col_expr(deadline_step::Column::State, Expr::value(StepState::Paused))
        .filter(deadline_step::Column::ComplaintId.eq(c.id))
        .filter(deadline_step::Column::Kind.is_in(StepKind::ON_THE_CLOCK))
        .filter(deadline_step::Column::State.eq(StepState::Pending))
        .exec(&txn)
        .await?
        .rows_affected;
    // The n-th request of the round: its identity never depends on the clock.
    let n = steps::count(&txn, c.id, round, StepKind::InfoWait).await? as u32 + 1;
    steps::insert(&txn, c.id, [info_wait_step(round, n, answer_by)]).await?;
    pauses::begin(&txn, c.id, round, n, now).await?;
    let mut am: complaint::ActiveModel = c.clone().into();
    am.status = Set(ComplaintStatus::NeedsInfo);
    am.paused_at = Set(Some(now));
    am.info_request = Set(Some(message.to_string()));
    am.info_requested_at = Set(Some(now));
    am.info_answer = Set(None);
    am.info_answered_at = Set(None);
    am.update(&txn).await?;
    let subject = format!("complaint:{}", c.id);
    audit::append(
        &txn,
        now,
        actor,
        "complaint.info_requested",
        &subject,
        &json!({"message": message, "answer_by": format_timestamp(answer_by)}),
    )
    .await?;
    audit::append(
        &txn,
        now,
        actor,
        "complaint.clock_paused",
        &subject,
        &json!({"deadline_at": format_timestamp(c.deadline_at), "time_left_seconds": (c.deadline_at - now).whole_seconds(), "steps_parked": parked}),
    )
    .await?;
    ask_claimant(
        &txn,
        site,
        &c,
        message,
        Occasion::Request(n),
        answer_by,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Asked { answer_by })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// The deadline, moved by the time the clock was paused.
    pub deadline_at: OffsetDateTime,
    pub status: ComplaintStatus,
}

/// The claimant's answer, from the status page: the clock restarts with the time that
/// was left, and the parked steps move with it.
pub async fn answer(
    db: &DatabaseConnection,
    site: &Site<'_>,
    tracking_code: &str,
    answer: &str,
    files: &[EvidenceFile],
    now: OffsetDateTime,
) -> ServiceResult<Answered> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let Some(c) = row_by_code(&txn, tracking_code).await? else {
        return Err(ServiceError::NotFound);
    };
    let answered = answer_in(&txn, site, c, answer, files, "claimant", now).await?;
    txn.commit().await?;
    Ok(answered)
}

/// The answer to complaint `c`'s request, in `txn`: from the status page, or a reply
/// by email from the claimant's address (`actor` says which way it came).
pub async fn answer_in(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: complaint::Model,
    answer: &str,
    files: &[EvidenceFile],
    actor: &str,
    now: OffsetDateTime,
) -> ServiceResult<Answered> {
    let (true, Some(paused_at)) = (c.status == ComplaintStatus::NeedsInfo, c.paused_at) else {
        return Err(Conflict::NotWaiting.into());
    };
    let waited = now - paused_at;
    let request = resume_steps(txn, c.id, waited, now).await?;
    pauses::end(txn, c.id, Ended::Answered, now).await?;
    let deadline_at = truncate_micros(c.deadline_at + waited);
    let mut am: complaint::ActiveModel = c.clone().into();
    // Back where it was: an appeal stays marked as one.
    let resumed = if c.appealed_at.is_some() {
        ComplaintStatus::Appealed
    } else {
        ComplaintStatus::InReview
    };
    am.status = Set(resumed);
    am.paused_at = Set(None);
    am.info_answer = Set(Some(answer.to_string()));
    let salt = c.personal_salt.clone().unwrap_or_else(personal::new_salt);
    am.personal_salt = Set(Some(salt.clone()));
    am.info_answered_at = Set(Some(now));
    am.deadline_at = Set(deadline_at);
    am.update(txn).await?;
    let evidence = evidence::record_later(txn, c.id, SentWith::Answer, files).await?;
    let subject = format!("complaint:{}", c.id);
    audit::append(
        txn,
        now,
        actor,
        "complaint.info_answered",
        &subject,
        &json!({"answer_hmac": personal::keyed_hash(&salt, answer), "evidence_sha256": evidence}),
    )
    .await?;
    audit::append(
        txn,
        now,
        actor,
        "complaint.clock_resumed",
        &subject,
        &json!({"paused_seconds": waited.whole_seconds(), "deadline_at": format_timestamp(deadline_at)}),
    )
    .await?;
    tell_reviewer(txn, site, &c, answer, waited, deadline_at, request, now).await?;
    Ok(Answered {
        deadline_at,
        status: resumed,
    })
}

/// The claimant is asked `message`, to answer by `answer_by`.
async fn ask_claimant(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    message: &str,
    occasion: Occasion,
    answer_by: OffsetDateTime,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let round = round(c.appealed_at.is_some());
    let url = site.status_url(c)?;
    let by = display(answer_by);
    let letter = InfoRequest {
        id: c.id,
        message,
        answer_by: &by,
        status_url: &url,
    };
    outbox::post(
        txn,
        &Owed::on(c.id, round, occasion),
        &letter,
        &site::claimant(c),
        &site.signer,
        now,
    )
    .await?;
    Ok(())
}

/// The clock runs again: the question's wait is cancelled and every parked step moves
/// by the time it waited. Returns which request of the round was answered.
async fn resume_steps(
    txn: &impl ConnectionTrait,
    complaint_id: i64,
    waited: time::Duration,
    now: OffsetDateTime,
) -> Result<u32, sea_orm::DbErr> {
    let steps = deadline_step::Entity::find()
        .filter(deadline_step::Column::ComplaintId.eq(complaint_id))
        .filter(deadline_step::Column::State.is_in([StepState::Paused, StepState::Pending]))
        .all(txn)
        .await?;
    let mut request = 0u32;
    for s in steps {
        let mut am: deadline_step::ActiveModel = s.clone().into();
        if s.kind == StepKind::InfoWait {
            request = request.max(s.occasion.parse().unwrap_or(0));
            am.state = Set(StepState::Cancelled);
            am.done_at = Set(Some(now));
            am.note = Set(Some("the claimant answered".into()));
        } else if s.state == StepState::Paused {
            am.state = Set(StepState::Pending);
            am.due_at = Set(truncate_micros(s.due_at + waited));
        } else {
            continue;
        }
        am.update(txn).await?;
    }
    Ok(request)
}

/// The assigned reviewer (or the desk) is told the claimant answered.
#[allow(clippy::too_many_arguments)]
async fn tell_reviewer(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    answer: &str,
    waited: time::Duration,
    deadline_at: OffsetDateTime,
    request: u32,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let round = round(c.appealed_at.is_some());
    let due = display(deadline_at);
    let url = site.staff_url(c.id);
    let letter = InfoAnswered {
        id: c.id,
        answer,
        waited: waited.whole_seconds().unsigned_abs(),
        deadline_at: &due,
        url: &url,
    };
    outbox::post(
        txn,
        &Owed::on(c.id, round, Occasion::Request(request)),
        &letter,
        &site.reviewer_or_desk(c.assigned_reviewer.as_deref()),
        &site.signer,
        now,
    )
    .await?;
    Ok(())
}

/// Closes `c` as incomplete: the claimant did not answer within `INFO_WAIT`.
pub async fn close_incomplete(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    const REASON: &str = "No answer to our request for information arrived in time.";
    let mut am: complaint::ActiveModel = c.clone().into();
    am.status = Set(ComplaintStatus::Incomplete);
    am.decision = Set(Some(ComplaintStatus::Incomplete.as_str().to_string()));
    am.decision_reason = Set(Some(REASON.into()));
    am.decided_at = Set(Some(now));
    am.decided_by = Set(Some("scheduler".into()));
    am.paused_at = Set(None);
    am.update(txn).await?;
    steps::cancel_waiting(txn, c.id, "closed as incomplete", now).await?;
    pauses::end(txn, c.id, Ended::Incomplete, now).await?;
    // A provisional removal at its missed deadline ends with it.
    let round = round(c.appealed_at.is_some());
    let why = Release::Incomplete;
    holds::end_provisional(txn, site, c, round, why, REASON, "scheduler", now).await?;
    audit::append(
        txn,
        now,
        "scheduler",
        "complaint.closed_incomplete",
        &format!("complaint:{}", c.id),
        &json!({"info_requested_at": c.info_requested_at.map(format_timestamp)}),
    )
    .await?;
    let url = site.status_url(c)?;
    let letter = InfoClosed {
        id: c.id,
        status_url: &url,
    };
    outbox::post(
        txn,
        &Owed::once(c.id, round),
        &letter,
        &site::claimant(c),
        &site.signer,
        now,
    )
    .await?;
    Ok(())
}

/// The question's email as the claimant would get it, with nothing recorded; its
/// status link is a placeholder, as in a decision's preview.
pub async fn preview(
    db: &sea_orm::DatabaseConnection,
    site: &Site<'_>,
    id: i64,
    message: &str,
    info_wait: std::time::Duration,
    now: OffsetDateTime,
) -> ServiceResult<crate::mail::letter::Rendered> {
    use crate::mail::letter::{Layout, Letter};
    let c = complaint::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !c.status.is_open() {
        return Err(Conflict::AlreadyDecided.into());
    }
    if c.status == ComplaintStatus::NeedsInfo {
        return Err(Conflict::AlreadyWaiting.into());
    }
    let by = display(truncate_micros(now + info_wait));
    let letter = InfoRequest {
        id: c.id,
        message,
        answer_by: &by,
        status_url: crate::services::decisions::PREVIEW_STATUS_LINK,
    };
    Ok(letter.render(&Layout::new(c.language, &site.signer))?)
}
