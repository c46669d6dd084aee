//! Appeals: a claimant whose complaint was rejected may appeal from the status page
//! within `APPEAL_WINDOW`. The complaint returns to the queue, marked as an appeal,
//! with a new deadline and reminders, and must be decided by a different reviewer.

use crate::services::error::{Conflict, ServiceError, ServiceResult};
use crate::services::evidence::{self, EvidenceFile, SentWith};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbErr, Set};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::config::Config;
use crate::db;
use crate::domain::complaint::ComplaintStatus;
use crate::domain::deadline::{APPEAL_ROUND, FIRST_ROUND, plan};
use crate::domain::display_time::display;
use crate::domain::personal;
use crate::domain::validate::{format_timestamp, truncate_micros};
use crate::entities::{complaint, complaint_round};
use crate::mail::letters::AppealFiled;
use crate::mail::notice::Owed;
use crate::mail::outbox;
use crate::services::complaints::row_by_code;
use crate::services::site::Site;
use crate::services::steps;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appealed {
    /// The appeal round's deadline.
    pub deadline_at: OffsetDateTime,
}

/// Whether a complaint in this state may still be appealed at `now`.
pub fn open_for_appeal(
    c: &complaint::Model,
    window: std::time::Duration,
    now: OffsetDateTime,
) -> bool {
    c.status == ComplaintStatus::Rejected
        && c.appealed_at.is_none()
        && c.decided_at.is_some_and(|d| now <= d + window)
}

pub async fn appeal(
    db: &DatabaseConnection,
    config: &Config,
    site: &Site<'_>,
    tracking_code: &str,
    statement: &str,
    files: &[EvidenceFile],
    now: OffsetDateTime,
) -> ServiceResult<Appealed> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let Some(c) = row_by_code(&txn, tracking_code).await? else {
        return Err(ServiceError::NotFound);
    };
    if c.appealed_at.is_some() {
        return Err(Conflict::AlreadyAppealed.into());
    }
    if c.status != ComplaintStatus::Rejected {
        return Err(Conflict::NotRejected.into());
    }
    if !open_for_appeal(&c, config.appeal_window, now) {
        return Err(Conflict::AppealWindowClosed.into());
    }
    let deadline_at = truncate_micros(now + config.deadline);
    steps::insert(
        &txn,
        c.id,
        plan(APPEAL_ROUND, now, config.deadline, &config.reminders),
    )
    .await?;
    close_first_round(&txn, &c).await?;
    let mut am: complaint::ActiveModel = c.clone().into();
    am.status = Set(ComplaintStatus::Appealed);
    am.appealed_at = Set(Some(now));
    am.appeal_statement = Set(Some(statement.to_string()));
    let salt = c.personal_salt.clone().unwrap_or_else(personal::new_salt);
    am.personal_salt = Set(Some(salt.clone()));
    am.prior_decided_by = Set(c.decided_by.clone());
    am.decision = Set(None);
    am.decided_at = Set(None);
    am.decided_by = Set(None);
    am.deadline_at = Set(deadline_at);
    am.overdue = Set(false);
    am.assigned_reviewer = Set(None);
    am.update(&txn).await?;
    let evidence = evidence::record_later(&txn, c.id, SentWith::Appeal, files).await?;
    audit::append(
        &txn,
        now,
        "claimant",
        "complaint.appealed",
        &format!("complaint:{}", c.id),
        &json!({
            "statement_hmac": personal::keyed_hash(&salt, statement),
            "evidence_sha256": evidence,
            "first_decision_by": c.decided_by,
            "first_reason": c.decision_reason,
            "deadline_at": format_timestamp(deadline_at),
        }),
    )
    .await?;
    tell_staff(&txn, config, site, &c, statement, deadline_at, now).await?;
    txn.commit().await?;
    Ok(Appealed { deadline_at })
}

/// The first round closes with its own deadline, breach and decision.
async fn close_first_round(txn: &impl ConnectionTrait, c: &complaint::Model) -> Result<(), DbErr> {
    complaint_round::ActiveModel {
        complaint_id: Set(c.id),
        number: Set(FIRST_ROUND),
        opened_at: Set(c.received_at),
        deadline_at: Set(c.deadline_at),
        breached: Set(c.overdue),
        decided_at: Set(c.decided_at),
        decided_by: Set(c.decided_by.clone()),
        outcome: Set(c.decision.clone()),
        reason: Set(c.decision_reason.clone()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Staff hear the complaint is back in the queue, with the statement and the first
/// decision's reasons.
async fn tell_staff(
    txn: &impl ConnectionTrait,
    config: &Config,
    site: &Site<'_>,
    c: &complaint::Model,
    statement: &str,
    deadline_at: OffsetDateTime,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let due = display(deadline_at);
    let url = format!("{}/staff/complaints/{}", config.public_base_url, c.id);
    let letter = AppealFiled {
        id: c.id,
        statement,
        first_reason: c.decision_reason.as_deref().unwrap_or(""),
        deadline_at: &due,
        url: &url,
    };
    outbox::post(
        txn,
        &Owed::once(c.id, APPEAL_ROUND),
        &letter,
        &site.desk(),
        &site.signer,
        now,
    )
    .await?;
    Ok(())
}
