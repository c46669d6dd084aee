//! Email: the outbox (rows written inside the caller's transaction) and the templates.

pub mod delivery;
pub mod notice;
pub mod outbox;
pub mod smtp;
pub mod templates;
pub mod webhook;
