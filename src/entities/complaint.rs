use sea_orm::entity::prelude::*;

use crate::domain::complaint::{ComplaintStatus, Language};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "complaints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The tracking code, sealed under `TRACKING_KEY_FILE` (see
    /// `services::tracking_codes`).
    #[sea_orm(unique)]
    pub tracking_code_sealed: String,
    /// How a complaint is found by its code.
    #[sea_orm(unique)]
    pub tracking_code_sha256: Option<String>,
    pub status: ComplaintStatus,
    pub channel: String,
    pub language: Language,
    pub claimant_name: String,
    pub claimant_organisation: Option<String>,
    pub claimant_email: String,
    pub claimant_phone: String,
    pub claimant_address: String,
    pub capacity: String,
    pub on_behalf_of: Option<String>,
    pub work_title: String,
    pub work_description: String,
    pub work_original_url: String,
    pub work_original_text: Option<String>,
    pub good_faith: bool,
    pub accurate: bool,
    pub signature: String,
    pub idempotency_key: Option<String>,
    pub idempotency_sha256: Option<String>,
    pub received_at: TimeDateTimeWithTimeZone,
    pub deadline_at: TimeDateTimeWithTimeZone,
    pub decided_at: Option<TimeDateTimeWithTimeZone>,
    pub decision: Option<String>,
    pub decision_reason: Option<String>,
    pub overdue: bool,
    pub assigned_reviewer: Option<String>,
    pub confirm_token_sha256: Option<String>,
    pub confirmed_at: Option<TimeDateTimeWithTimeZone>,
    pub confirmed_by: Option<String>,
    pub receipt_deferred: bool,
    /// Hash of the client address it was filed from, without a token: the bucket of
    /// the staff notice limit.
    pub client_key: Option<String>,
    /// Its new-complaint email to staff waits for a digest.
    pub staff_notice_deferred: bool,
    pub decided_by: Option<String>,
    pub paused_at: Option<TimeDateTimeWithTimeZone>,
    pub info_request: Option<String>,
    pub info_requested_at: Option<TimeDateTimeWithTimeZone>,
    pub info_answer: Option<String>,
    pub info_answered_at: Option<TimeDateTimeWithTimeZone>,
    pub appealed_at: Option<TimeDateTimeWithTimeZone>,
    pub appeal_statement: Option<String>,
    pub prior_decided_by: Option<String>,
    pub legal_action_at: Option<TimeDateTimeWithTimeZone>,
    pub legal_action_note: Option<String>,
    /// Legal action the claimant reported (its case reference), for staff to confirm.
    pub legal_action_reported_at: Option<TimeDateTimeWithTimeZone>,
    pub legal_action_reported: Option<String>,
    /// The submitter's URL for status events (API filings only), and the secret that
    /// signs them; never shown.
    pub callback_url: Option<String>,
    pub callback_secret: Option<String>,
    /// When an email to the claimant's address bounced: the desk cannot reach them.
    pub claimant_bounced_at: Option<TimeDateTimeWithTimeZone>,
    /// What the element checker found missing from the notice (a JSON list of field
    /// names, e.g. `["claimant.phone","signature"]`); null when it is complete.
    pub missing_elements: Option<String>,
    /// Keys the hashes of this complaint's personal data in the audit log.
    pub personal_salt: Option<String>,
    pub erased_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
