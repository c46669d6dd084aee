//! Pure logic, no I/O.

pub mod article;
pub mod audit_chain;
pub mod canonical;
pub mod complaint;
pub mod deadline;
pub mod fingerprint;
pub mod index;
pub mod script_fold;
pub mod validate;
