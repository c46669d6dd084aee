//! Reviewers' internal notes on a complaint: for staff only, never shown to the
//! claimant or the source. The audit chain records each note by its hash, so a note
//! cannot be changed unseen, while its words stay out of the audit export.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::validate::{FieldError, FieldErrors, Problem, free_text, truncate_micros};
use crate::entities::{complaint, complaint_note};
use crate::services::error::{ServiceError, ServiceResult};
use crate::services::staff::StaffMember;

/// Longest note.
pub const MAX_NOTE_CHARS: usize = 5000;

/// Adds `body` to complaint `complaint_id` as `by`'s note.
pub async fn add(
    db: &DatabaseConnection,
    complaint_id: i64,
    body: &str,
    by: &StaffMember,
    now: OffsetDateTime,
) -> ServiceResult<complaint_note::Model> {
    let body = free_text(body, Some(MAX_NOTE_CHARS)).map_err(|m| {
        let mut e = FieldErrors::new();
        let sentence = format!(
            "The note {m}: write what the next reviewer should know, in at most {MAX_NOTE_CHARS} characters."
        );
        e.insert("body".into(), FieldError::new(Problem::Invalid, sentence));
        ServiceError::Invalid(e)
    })?;
    let body = body.trim();
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    if complaint::Entity::find_by_id(complaint_id)
        .one(&txn)
        .await?
        .is_none()
    {
        return Err(ServiceError::NotFound);
    }
    let note = complaint_note::ActiveModel {
        complaint_id: Set(complaint_id),
        author: Set(by.actor()),
        body: Set(body.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        now,
        &by.actor(),
        "complaint.noted",
        &format!("complaint:{complaint_id}"),
        &json!({"note_id": note.id, "sha256": hex::encode(Sha256::digest(body.as_bytes()))}),
    )
    .await?;
    txn.commit().await?;
    Ok(note)
}

/// Complaint `complaint_id`'s notes, oldest first.
pub async fn of_complaint(
    db: &impl ConnectionTrait,
    complaint_id: i64,
) -> Result<Vec<complaint_note::Model>, sea_orm::DbErr> {
    complaint_note::Entity::find()
        .filter(complaint_note::Column::ComplaintId.eq(complaint_id))
        .order_by_asc(complaint_note::Column::Id)
        .all(db)
        .await
}
