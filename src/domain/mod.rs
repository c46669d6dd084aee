//! Pure logic, no I/O.

pub mod article;
pub mod audit_chain;
pub mod calendar;
pub mod canonical;
pub mod complaint;
pub mod deadline;
pub mod display_time;
pub mod fingerprint;
pub mod holds;
pub mod index;
pub mod passages;
pub mod personal;
pub mod report;
pub mod script_fold;
pub mod validate;
