//! Erasing personal data `RETENTION` after a complaint closes (PIPL, GDPR): the
//! claimant's and any counter-notifier's details, free text they wrote, the emails
//! sent about it, evidence files no open complaint shares, and the salt that keyed
//! their hashes in the audit log. The complaint's facts (dates, decision, targets,
//! file hashes) stay for the report and the record; the chain is not touched.

use crate::services::error::ServiceResult;
use std::path::Path;

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::complaint::ComplaintStatus;
use crate::domain::personal::ERASED;
use crate::domain::validate::format_timestamp;
use crate::entities::{complaint, complaint_evidence, complaint_round, counter_notice, outbox};
use crate::services::evidence;

/// Complaints erased per transaction.
const BATCH: u64 = 50;

const CLOSED: [ComplaintStatus; 4] = [
    ComplaintStatus::Upheld,
    ComplaintStatus::Rejected,
    ComplaintStatus::Incomplete,
    ComplaintStatus::Withdrawn,
];

/// Erases every complaint closed for longer than `retention`; returns how many.
pub async fn sweep(
    db: &DatabaseConnection,
    data_dir: &Path,
    retention: std::time::Duration,
    now: OffsetDateTime,
) -> ServiceResult<u64> {
    let Ok(retention) = time::Duration::try_from(retention) else {
        return Ok(0);
    };
    let cutoff = now - retention;
    let mut erased = 0;
    loop {
        let due = complaint::Entity::find()
            .filter(complaint::Column::Status.is_in(CLOSED.map(|s| s.as_str())))
            .filter(complaint::Column::ErasedAt.is_null())
            .filter(complaint::Column::DecidedAt.lte(cutoff))
            .order_by_asc(complaint::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        if due.is_empty() {
            return Ok(erased);
        }
        let mut files = Vec::new();
        let txn = db::begin_write(db).await?;
        for c in &due {
            files.extend(erase(&txn, c, now).await?);
            erased += 1;
        }
        txn.commit().await?;
        // Files only once the rows that named them are committed.
        for sha in files {
            remove_unshared(db, data_dir, &sha).await?;
        }
    }
}

/// Erases what was written about the complaint elsewhere: its counter-notices and the
/// emails already delivered or given up. Returns how many of each.
async fn erase_around(txn: &impl ConnectionTrait, complaint_id: i64) -> Result<(u64, u64), DbErr> {
    let notices = counter_notice::Entity::update_many()
        .col_expr(counter_notice::Column::Name, Expr::value(ERASED))
        .col_expr(counter_notice::Column::Address, Expr::value(ERASED))
        .col_expr(counter_notice::Column::Phone, Expr::value(ERASED))
        .col_expr(counter_notice::Column::Email, Expr::value(ERASED))
        .col_expr(counter_notice::Column::Statement, Expr::value(ERASED))
        .col_expr(
            counter_notice::Column::Evidence,
            Expr::value(Option::<String>::None),
        )
        .col_expr(counter_notice::Column::Signature, Expr::value(ERASED))
        .filter(counter_notice::Column::ComplaintId.eq(complaint_id))
        .exec(txn)
        .await?
        .rows_affected;
    // Delivered or given up: a message still owed is left to be sent.
    let emails = outbox::Entity::update_many()
        .col_expr(outbox::Column::Recipient, Expr::value(ERASED))
        .col_expr(outbox::Column::RateKey, Expr::value(Option::<String>::None))
        .col_expr(outbox::Column::BodyText, Expr::value(ERASED))
        .col_expr(
            outbox::Column::BodyHtml,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(outbox::Column::ComplaintId.eq(complaint_id))
        .filter(
            sea_orm::Condition::any()
                .add(outbox::Column::SentAt.is_not_null())
                .add(outbox::Column::FailedAt.is_not_null()),
        )
        .exec(txn)
        .await?
        .rows_affected;
    Ok((notices, emails))
}

/// Erases one complaint's personal data; returns the evidence files it named.
async fn erase(
    txn: &impl ConnectionTrait,
    c: &complaint::Model,
    now: OffsetDateTime,
) -> ServiceResult<Vec<String>> {
    let mut am: complaint::ActiveModel = c.clone().into();
    am.claimant_name = Set(ERASED.into());
    am.claimant_organisation = Set(None);
    am.claimant_email = Set(ERASED.into());
    am.claimant_phone = Set(ERASED.into());
    am.claimant_address = Set(ERASED.into());
    am.on_behalf_of = Set(None);
    am.signature = Set(ERASED.into());
    am.info_answer = Set(c.info_answer.as_ref().map(|_| ERASED.into()));
    am.appeal_statement = Set(c.appeal_statement.as_ref().map(|_| ERASED.into()));
    // A withdrawal's reason is the claimant's own words; a decision's is ours.
    if c.status == ComplaintStatus::Withdrawn {
        am.decision_reason = Set(c.decision_reason.as_ref().map(|_| ERASED.into()));
    }
    am.idempotency_key = Set(None);
    am.client_key = Set(None);
    am.confirm_token_sha256 = Set(None);
    am.personal_salt = Set(None);
    am.erased_at = Set(Some(now));
    am.update(txn).await?;
    // So is a withdrawn appeal's, kept with its round.
    complaint_round::Entity::update_many()
        .col_expr(complaint_round::Column::Reason, Expr::value(ERASED))
        .filter(complaint_round::Column::ComplaintId.eq(c.id))
        .filter(complaint_round::Column::Outcome.eq(ComplaintStatus::Withdrawn.as_str()))
        .filter(complaint_round::Column::Reason.is_not_null())
        .exec(txn)
        .await?;

    let (notices, emails) = erase_around(txn, c.id).await?;
    let files: Vec<Option<String>> = complaint_evidence::Entity::find()
        .select_only()
        .column(complaint_evidence::Column::Sha256)
        .filter(complaint_evidence::Column::ComplaintId.eq(c.id))
        .into_tuple()
        .all(txn)
        .await?;
    complaint_evidence::Entity::update_many()
        .col_expr(
            complaint_evidence::Column::FileName,
            Expr::value(Option::<String>::None),
        )
        .filter(complaint_evidence::Column::ComplaintId.eq(c.id))
        .exec(txn)
        .await?;
    audit::append(
        txn,
        now,
        "retention",
        "complaint.personal_data_erased",
        &format!("complaint:{}", c.id),
        &json!({
            "closed_at": c.decided_at.map(format_timestamp),
            "counter_notices": notices,
            "emails": emails,
        }),
    )
    .await?;
    Ok(files.into_iter().flatten().collect())
}

/// Deletes an evidence file unless a complaint not yet erased still names it.
async fn remove_unshared(db: &DatabaseConnection, data_dir: &Path, sha: &str) -> ServiceResult<()> {
    let holders: Vec<i64> = complaint_evidence::Entity::find()
        .select_only()
        .column(complaint_evidence::Column::ComplaintId)
        .filter(complaint_evidence::Column::Sha256.eq(sha))
        .into_tuple()
        .all(db)
        .await?;
    let still_needed = complaint::Entity::find()
        .filter(complaint::Column::Id.is_in(holders))
        .filter(complaint::Column::ErasedAt.is_null())
        .one(db)
        .await?
        .is_some();
    if !still_needed && let Some(path) = evidence::stored_path(data_dir, sha) {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(error = %e, file = %path.display(), "erasing an evidence file failed")
            }
        }
    }
    Ok(())
}
