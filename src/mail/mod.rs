//! Email: the outbox (rows written inside the caller's transaction), the letters it
//! carries and their delivery.

pub mod delivery;
pub mod imap;
pub mod inbound;
pub mod letter;
pub mod letters;
pub mod lmtp;
pub mod notice;
pub mod outbox;
pub mod smtp;
pub mod webhook;
