//! `GET /api/v1/complaints/{id}/correspondence` (scope `staff`): one thread, in and
//! out, for a complaint: every email we sent about it and every message we received
//! about it, oldest first, as the complaint's page shows them.

use axum::Json;
use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::get;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::domain::validate::format_timestamp;
use crate::entities::{complaint, inbound_message, outbox};
use crate::error::{AppError, AppResult};
use crate::web::auth::StaffCaller;
use crate::web::openapi::ErrorBody;
use crate::web::{AppState, RouteList};

pub fn routes() -> Router<AppState> {
    Router::new().at("/api/v1/complaints/{id}/correspondence", get(show))
}

/// One message of the thread.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Letter {
    /// `out`: an email we sent (or owe); `in`: a message we received.
    pub direction: &'static str,
    /// RFC 3339, UTC: when it was queued (out) or received (in).
    pub at: String,
    /// The other party's address (the recipient out, the sender in).
    pub address: Option<String>,
    pub subject: Option<String>,
    /// Out: the email's kind (`receipt`, `decision`, `removal`, …); in: what was made
    /// of it (`new_complaint`, `reply`, `bounce`, …).
    pub kind: String,
    /// Out: `queued`, `sent`, `failed` or `bounced`; in: what it did, for staff.
    pub state: Option<String>,
    /// Out: the Message-ID it carries; in: the one it came with.
    pub message_id: Option<String>,
    /// In: the SHA-256 of the message as kept (`DATA_DIR/inbound/<sha256>.eml`).
    pub sha256: Option<String>,
}

/// The thread.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Correspondence {
    pub complaint_id: i64,
    pub letters: Vec<Letter>,
}

fn state_of(o: &outbox::Model) -> &'static str {
    match (o.bounced_at, o.failed_at, o.sent_at) {
        (Some(_), _, _) => "bounced",
        (None, Some(_), _) => "failed",
        (None, None, Some(_)) => "sent",
        _ => "queued",
    }
}

/// A complaint's emails, in and out, oldest first.
#[utoipa::path(get, path = "/api/v1/complaints/{id}/correspondence", tag = "complaints",
    params(("id" = i64, Path, description = "complaint id")),
    security(("bearer" = [])),
    responses((status = 200, body = Correspondence), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    _caller: StaffCaller,
    id: Result<Path<String>, PathRejection>,
) -> AppResult<Json<Correspondence>> {
    let Path(id) = id.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::field("id", "must be a whole number"))?;
    complaint::Entity::find_by_id(id)
        .one(&state.db)
        .await
        .map_err(crate::services::error::ServiceError::from)?
        .ok_or(AppError::NotFound)?;
    let out = outbox::Entity::find()
        .filter(outbox::Column::ComplaintId.eq(id))
        .filter(outbox::Column::Kind.is_not_in(["webhook", crate::mail::outbox::CALLBACK_KIND]))
        .order_by_asc(outbox::Column::Id)
        .all(&state.db)
        .await
        .map_err(crate::services::error::ServiceError::from)?;
    let inbound = inbound_message::Entity::find()
        .filter(inbound_message::Column::ComplaintId.eq(id))
        .order_by_asc(inbound_message::Column::Id)
        .all(&state.db)
        .await
        .map_err(crate::services::error::ServiceError::from)?;
    let mut letters: Vec<(time::OffsetDateTime, Letter)> = out
        .iter()
        .map(|o| {
            (
                o.created_at,
                Letter {
                    direction: "out",
                    at: format_timestamp(o.created_at),
                    address: Some(o.recipient.clone()),
                    subject: Some(o.subject.clone()),
                    kind: o.kind.clone(),
                    state: Some(state_of(o).to_string()),
                    message_id: Some(o.message_id.clone()),
                    sha256: None,
                },
            )
        })
        .chain(inbound.into_iter().map(|m| {
            (
                m.received_at,
                Letter {
                    direction: "in",
                    at: format_timestamp(m.received_at),
                    address: m.from_address,
                    subject: m.subject,
                    kind: m.outcome,
                    state: m.detail,
                    message_id: m.message_id.map(|id| format!("<{id}>")),
                    sha256: Some(m.raw_sha256),
                },
            )
        }))
        .collect();
    // A message received causes what is sent in its transaction: at one time, in first.
    letters.sort_by_key(|(at, l)| (*at, l.direction == "out"));
    Ok(Json(Correspondence {
        complaint_id: id,
        letters: letters.into_iter().map(|(_, l)| l).collect(),
    }))
}
