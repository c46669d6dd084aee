//! Pure logic, no I/O.

pub mod article;
pub mod audit_chain;
pub mod calendar;
pub mod complaint;
pub mod deadline;
pub mod display_time;
pub mod email_notice;
pub mod holds;
pub mod licence;
pub mod licence_csv;
pub mod personal;
pub mod report;
pub mod target_outcome;
pub mod validate;
