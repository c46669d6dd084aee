//! Public complaint intake API and status lookup.

use axum::Json;
use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use time::OffsetDateTime;

use crate::domain::complaint::{ComplaintInput, NewComplaint, TrackingCode};
use crate::error::{AppError, AppResult};
use crate::services::complaints::ComplaintView;
use crate::services::complaints::{self, Channel, Filed};
use crate::services::intake_queue::Submission;
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::auth::OptionalSubmitter;
use crate::web::body::HashedJsonBody;
use crate::web::client_ip::ClientAddr;
use crate::web::headers::private_page;
use crate::web::limits::{capped, rate_limit};
use crate::web::openapi::ErrorBody;

/// A complaint's JSON is small; original text is capped well below this.
const MAX_COMPLAINT_BYTES: usize = 1 << 20;

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .at(
            "/api/v1/complaints",
            capped(post(submit), MAX_COMPLAINT_BYTES)
                .layer(middleware::from_fn_with_state(state.clone(), rate_limit)),
        )
        .at(
            "/api/v1/complaints/{code}",
            get(show).layer(middleware::from_fn(private_page)),
        )
}

/// The `Idempotency-Key` header, if sent: printable ASCII, at most 200 bytes. Keys are
/// the caller's own: scoped by token, or for anonymous callers by client address, so
/// one caller's key can never answer with another's complaint.
fn idempotency_key(headers: &HeaderMap, caller: &str) -> AppResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200 && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            AppError::field(
                "Idempotency-Key",
                "must be 1-200 printable ASCII characters",
            )
        })?;
    Ok(Some(format!("api:{caller}:{key}")))
}

/// Files a copyright complaint.
#[utoipa::path(post, path = "/api/v1/complaints", tag = "complaints", request_body = ComplaintInput,
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[\x21-\x7e]{1,200}$", max_length = 200, description = "a retry with the same key and the same body within 24 h returns the first complaint; the same key with another body is refused (422 idempotency_key_reused), and the same key while its first request is still being processed is 409 idempotency_key_in_progress. Keys are scoped to the caller: its token, or without one its client address")),
    responses(
        (status = 201, description = "received", body = ComplaintView),
        (status = 200, description = "a retry: the first complaint", body = ComplaintView),
        (status = 400, body = ErrorBody), (status = 409, description = "a request with this Idempotency-Key is still being processed", body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    OptionalSubmitter(submitter): OptionalSubmitter,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    HashedJsonBody(input, request_sha256): HashedJsonBody<ComplaintInput>,
) -> AppResult<impl IntoResponse> {
    let caller = match &submitter {
        Some(c) => format!("token:{}", c.name),
        None => format!("anonymous:{client}"),
    };
    let key = idempotency_key(&headers, &caller)?;
    let new = NewComplaint::parse(&input).map_err(AppError::Validation)?;
    let foreign = state.check_site_hosts(&new).await?;
    if !foreign.is_empty() {
        return Err(AppError::Validation(foreign));
    }
    let (filed, _no_files) = state
        .intake
        .submit(
            &state.db,
            &state.index,
            Submission {
                complaint: new,
                files: Vec::new(),
                channel: Channel::Api,
                idempotency: key.map(|k| (k, request_sha256)),
                client: submitter.is_none().then_some(client),
                submitter: submitter.map(|c| c.name),
                received_at: OffsetDateTime::now_utc(),
            },
        )
        .await;
    match filed? {
        Filed::Created(view) => Ok((StatusCode::CREATED, Json(view))),
        Filed::Replayed(view) => Ok((StatusCode::OK, Json(view))),
        Filed::KeyReused => Err(AppError::IdempotencyKeyReused),
    }
}

/// A complaint's status, deadline and decision, by its tracking code.
#[utoipa::path(get, path = "/api/v1/complaints/{code}", tag = "complaints",
    params(("code" = String, Path, description = "tracking code")),
    responses((status = 200, body = ComplaintView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    code: Result<Path<String>, PathRejection>,
) -> AppResult<impl IntoResponse> {
    let Path(code) = code.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let code = TrackingCode::parse(&code).ok_or(AppError::NotFound)?;
    let view = complaints::by_code(&state.db, &code, &state.config)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(view))
}
