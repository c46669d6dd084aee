//! sea-orm entities: the shape of each table, no behaviour.

pub mod api_token;
pub mod article;
pub mod article_revision;
pub mod audit_event;
