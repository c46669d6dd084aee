//! sea-orm entities: the shape of each table, no behaviour.

pub mod api_token;
pub mod article;
pub mod article_revision;
pub mod audit_event;
pub mod clock_pause;
pub mod complaint;
pub mod complaint_evidence;
pub mod complaint_match;
pub mod complaint_note;
pub mod complaint_round;
pub mod complaint_target;
pub mod counter_notice;
pub mod deadline_step;
pub mod inbound_message;
pub mod licence;
pub mod licence_revision;
pub mod licence_step;
pub mod outbox;
pub mod reply_template;
pub mod staff;
pub mod staff_session;
pub mod takedown_hold;
