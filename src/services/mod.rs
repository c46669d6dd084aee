//! Use cases over the database. Each owns its transaction; an audited change and its
//! audit event commit together.

pub mod appeals;
pub mod archive;
pub mod articles;
pub mod backup;
pub mod breaches;
pub mod complaints;
pub mod confirmation;
pub mod counter_notices;
pub mod decisions;
pub mod dossier;
pub mod error;
pub mod evidence;
pub mod holds;
pub mod import;
pub mod info_requests;
pub mod intake_queue;
pub mod keyset;
pub mod login_guard;
pub mod matching;
pub mod operations;
pub mod pauses;
pub mod receipts;
pub mod reindex;
pub mod report;
pub mod retention;
pub mod review_queue;
pub mod site;
pub mod site_hosts;
pub mod sources;
pub mod staff;
pub mod staff_notices;
pub mod steps;
pub mod tokens;
pub mod tracking_codes;
pub mod withdrawals;
