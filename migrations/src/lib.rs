//! Schema history. Frozen: a shipped migration is never edited, only followed.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_registry;
mod m20261127_000002_complaints;
mod m20261127_000003_deadlines;
mod m20261127_000004_idempotency_scope;
mod m20261127_000005_verified_contact;
mod m20261127_000006_staff;
mod m20261128_000007_review;
mod m20261128_000008_fingerprint_version;
mod m20261128_000009_tokens_and_retention;
mod m20261201_000010_holds_rounds_steps;
mod m20261202_000011_clock_pauses;
mod m20261202_000012_outbox_rate_key;
mod m20261202_000013_login_guard;
mod m20261202_000014_staff_notice_limit;
mod m20261202_000015_staff_tokens;
mod m20261202_000016_sealed_tracking_codes;
mod m20261202_000017_archive_order;
mod m20261202_000018_review_tools;
mod m20261203_000019_claimant_follow_through;
mod m20261203_000020_status_callback;
mod m20261203_000021_inbound_mail;
mod m20261203_000022_email_notices;
mod m20261203_000023_imap_mailboxes;
mod m20261204_000024_licences;
mod m20261205_000025_revision_fingerprints;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_registry::Migration),
            Box::new(m20261127_000002_complaints::Migration),
            Box::new(m20261127_000003_deadlines::Migration),
            Box::new(m20261127_000004_idempotency_scope::Migration),
            Box::new(m20261127_000005_verified_contact::Migration),
            Box::new(m20261127_000006_staff::Migration),
            Box::new(m20261128_000007_review::Migration),
            Box::new(m20261128_000008_fingerprint_version::Migration),
            Box::new(m20261128_000009_tokens_and_retention::Migration),
            Box::new(m20261201_000010_holds_rounds_steps::Migration),
            Box::new(m20261202_000011_clock_pauses::Migration),
            Box::new(m20261202_000012_outbox_rate_key::Migration),
            Box::new(m20261202_000013_login_guard::Migration),
            Box::new(m20261202_000014_staff_notice_limit::Migration),
            Box::new(m20261202_000015_staff_tokens::Migration),
            Box::new(m20261202_000016_sealed_tracking_codes::Migration),
            Box::new(m20261202_000017_archive_order::Migration),
            Box::new(m20261202_000018_review_tools::Migration),
            Box::new(m20261203_000019_claimant_follow_through::Migration),
            Box::new(m20261203_000020_status_callback::Migration),
            Box::new(m20261203_000021_inbound_mail::Migration),
            Box::new(m20261203_000022_email_notices::Migration),
            Box::new(m20261203_000023_imap_mailboxes::Migration),
            Box::new(m20261204_000024_licences::Migration),
            Box::new(m20261205_000025_revision_fingerprints::Migration),
        ]
    }
}
