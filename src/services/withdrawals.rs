//! A claimant withdraws a complaint that is still open, from the status page or the
//! API. The deadline's steps are cancelled, anything its missed deadline took down
//! provisionally goes back up, staff and the claimant are told, and it counts as
//! withdrawn in the transparency report.

use crate::services::error::{Conflict, ServiceError, ServiceResult};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::complaint::ComplaintStatus;
use crate::domain::deadline::{APPEAL_ROUND, FIRST_ROUND, round};
use crate::domain::holds::Release;
use crate::domain::personal;
use crate::domain::validate::truncate_micros;
use crate::entities::{complaint, complaint_round};
use crate::mail::letters::{WithdrawnAck, WithdrawnStaff};
use crate::mail::notice::Owed;
use crate::mail::outbox;
use crate::services::complaints::row_by_code;
use crate::services::holds;
use crate::services::pauses::{self, Ended};
use crate::services::site::{self, Site};
use crate::services::steps;

/// Withdrawn; these articles were restored. The status is `rejected` when an appeal
/// was withdrawn and the first decision stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawn {
    pub status: ComplaintStatus,
    pub restored: Vec<i64>,
}

pub async fn withdraw(
    db: &DatabaseConnection,
    site: &Site<'_>,
    tracking_code: &str,
    reason: Option<&str>,
    now: OffsetDateTime,
) -> ServiceResult<Withdrawn> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let Some(c) = row_by_code(&txn, tracking_code).await? else {
        return Err(ServiceError::NotFound);
    };
    if !c.status.is_open() {
        return Err(Conflict::NotOpen.into());
    }
    let round = round(c.appealed_at.is_some());
    let salt = c.personal_salt.clone().unwrap_or_else(personal::new_salt);
    let mut am: complaint::ActiveModel = c.clone().into();
    let mut restored = Vec::new();
    if round == APPEAL_ROUND {
        withdraw_appeal(&txn, &c, &mut am, reason, now).await?;
    } else {
        let why = Release::Withdrawn;
        restored = holds::end_provisional(&txn, site, &c, round, why, "", "claimant", now).await?;
        am.status = Set(ComplaintStatus::Withdrawn);
        am.decision = Set(Some(ComplaintStatus::Withdrawn.as_str().to_string()));
        am.decision_reason = Set(reason.map(str::to_string));
        am.decided_at = Set(Some(now));
        am.decided_by = Set(Some("claimant".into()));
    }
    am.paused_at = Set(None);
    am.personal_salt = Set(Some(salt.clone()));
    am.update(&txn).await?;
    steps::cancel_waiting(&txn, c.id, "withdrawn by the claimant", now).await?;
    pauses::end(&txn, c.id, Ended::Closed, now).await?;
    audit::append(
        &txn,
        now,
        "claimant",
        "complaint.withdrawn",
        &format!("complaint:{}", c.id),
        &json!({
            "round": round,
            "reason_hmac": reason.map(|r| personal::keyed_hash(&salt, r)),
            "restored_articles": restored,
        }),
    )
    .await?;
    tell(&txn, site, &c, round, reason, &restored, now).await?;
    txn.commit().await?;
    let status = if round == APPEAL_ROUND {
        ComplaintStatus::Rejected
    } else {
        ComplaintStatus::Withdrawn
    };
    Ok(Withdrawn { status, restored })
}

/// Withdrawing an appeal withdraws the appeal: it closes as a round of its own, and
/// the first decision stands again on the complaint.
async fn withdraw_appeal(
    txn: &impl ConnectionTrait,
    c: &complaint::Model,
    am: &mut complaint::ActiveModel,
    reason: Option<&str>,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let first = complaint_round::Entity::find()
        .filter(complaint_round::Column::ComplaintId.eq(c.id))
        .filter(complaint_round::Column::Number.eq(FIRST_ROUND))
        .one(txn)
        .await?;
    complaint_round::ActiveModel {
        complaint_id: Set(c.id),
        number: Set(APPEAL_ROUND),
        opened_at: Set(c.appealed_at.unwrap_or(now)),
        deadline_at: Set(c.deadline_at),
        breached: Set(c.overdue),
        decided_at: Set(Some(now)),
        decided_by: Set(Some("claimant".into())),
        outcome: Set(Some(ComplaintStatus::Withdrawn.as_str().to_string())),
        reason: Set(reason.map(str::to_string)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    am.status = Set(ComplaintStatus::Rejected);
    am.decision = Set(Some(ComplaintStatus::Rejected.as_str().to_string()));
    match first {
        Some(first) => {
            am.decision_reason = Set(first.reason);
            am.decided_at = Set(first.decided_at.or(Some(now)));
            am.decided_by = Set(first.decided_by);
            am.deadline_at = Set(first.deadline_at);
            am.overdue = Set(first.breached);
        }
        None => {
            am.decided_at = Set(Some(now));
            am.decided_by = Set(c.prior_decided_by.clone());
        }
    }
    Ok(())
}

/// Staff (the assigned reviewer, else `STAFF_NOTIFY`) and the claimant hear of it.
async fn tell(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    round: i32,
    reason: Option<&str>,
    restored: &[i64],
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let staff_url = site.staff_url(c.id);
    let appeal = round == APPEAL_ROUND;
    let restored = restored
        .iter()
        .map(|id| format!("#{id}"))
        .collect::<Vec<_>>()
        .join(", ");
    let owed = Owed::once(c.id, round);
    let letter = WithdrawnStaff {
        id: c.id,
        appeal,
        work_title: &c.work_title,
        reason,
        restored: &restored,
        url: &staff_url,
    };
    let staff = site.reviewer_or_desk(c.assigned_reviewer.as_deref());
    outbox::post(txn, &owed, &letter, &staff, &site.signer, now).await?;
    let url = site.status_url(c)?;
    let letter = WithdrawnAck {
        id: c.id,
        appeal,
        status_url: &url,
    };
    let to = site::claimant(c);
    outbox::post(txn, &owed, &letter, &to, &site.signer, now).await?;
    Ok(())
}
