//! The integration tests, one binary: the real app on port 0 over its own database,
//! a real SMTP socket, a real browser. One module per feature; shared helpers in
//! `common`.

mod common;

mod archive;
mod articles;
mod audit;
mod backup;
mod bounces;
mod browser;
mod browser_journeys;
mod cli;
mod complaint_form;
mod complaints;
mod db_outage;
mod deadlines;
mod decisions;
mod desk_language;
mod disk_full;
mod email_notices;
mod emails;
mod imap;
mod later_evidence;
mod lmtp;
mod mail_relay;
mod matching;
mod matching_corpus;
mod openapi;
mod operations;
mod pages;
mod replies;
mod report;
mod retention;
mod review;
mod review_tools;
mod robustness;
mod security_headers;
mod slow_clients;
mod staff;
mod status_callback;
mod stories;
mod tracking_codes;
mod upgrade;
mod upload_memory;
mod verified_contact;
mod withdrawal;
