//! Deciding a complaint: from the staff page (form with CSRF token) and from the API
//! (a `staff`-scoped token). Both make the same service call and record who decided.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::validate::format_timestamp;
use crate::error::{AppError, AppResult};
use crate::services::decisions::{self, Decision, MAX_REASON_CHARS};
use crate::services::info_requests;
use crate::services::staff::StaffMember;
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::auth::StaffAccountCaller;
use crate::web::body::JsonBody;
use crate::web::openapi::ErrorBody;
use crate::web::staff_auth::{StaffUser, staff_headers};

pub fn routes() -> Router<AppState> {
    Router::new()
        .at(
            "/staff/complaints/{id}/decision",
            post(decide_form).layer(middleware::from_fn(staff_headers)),
        )
        .at("/api/v1/complaints/{id}/decision", post(decide_api))
}

/// A decision as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// `uphold`, `reject` or `request_info`.
    pub action: String,
    /// The statement of reasons sent to the claimant: what, why, on which ground; for
    /// `request_info`, the question the claimant is asked to answer.
    pub reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: i64,
    pub status: &'static str,
    pub removed_articles: usize,
    pub restored_articles: usize,
    /// After `request_info`: the claimant must answer by then (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_by: Option<String>,
}

enum Action {
    Decide(Decision),
    RequestInfo,
}

/// Checks the action and the reason; the error names the field.
fn parse(input: &DecisionInput) -> AppResult<(Action, String)> {
    let action = match input.action.trim() {
        "request_info" => Action::RequestInfo,
        a => Decision::parse(a)
            .map(Action::Decide)
            .ok_or_else(|| AppError::field("action", "must be uphold, reject or request_info"))?,
    };
    let reason = crate::domain::validate::free_text(&input.reason, Some(MAX_REASON_CHARS))
        .map_err(|m| {
            let why = match action {
                Action::RequestInfo => "the message the claimant is asked to answer",
                Action::Decide(_) => "the claimant is told why",
            };
            AppError::field("reason", format!("{m}: {why}"))
        })?;
    let reason = reason.trim();
    Ok((action, reason.to_string()))
}

async fn decide(
    state: &AppState,
    id: i64,
    input: &DecisionInput,
    by: &StaffMember,
) -> AppResult<DecisionView> {
    let (action, reason) = parse(input)?;
    let site = state.site();
    let now = OffsetDateTime::now_utc();
    let decision = match action {
        Action::Decide(d) => d,
        Action::RequestInfo => {
            let asked = info_requests::request(
                &state.db,
                &site,
                id,
                &reason,
                by,
                state.config.info_wait,
                now,
            )
            .await?;
            return Ok(DecisionView {
                id,
                status: "needs_info",
                removed_articles: 0,
                restored_articles: 0,
                answer_by: Some(format_timestamp(asked.answer_by)),
            });
        }
    };
    let done = decisions::decide(&state.db, &site, id, decision, &reason, by, now).await?;
    Ok(DecisionView {
        id,
        status: match decision {
            Decision::Uphold => "upheld",
            Decision::Reject => "rejected",
        },
        removed_articles: done.removed,
        restored_articles: done.restored,
        answer_by: None,
    })
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

async fn decide_form(
    State(state): State<AppState>,
    user: StaffUser,
    id: Result<Path<i64>, PathRejection>,
    Form(f): Form<DecisionForm>,
) -> Response {
    if let Err(e) = user.check_csrf(&f.csrf) {
        return e.into_response();
    }
    let Ok(Path(id)) = id else {
        return AppError::NotFound.into_response();
    };
    let input = DecisionInput {
        action: f.action,
        reason: f.reason,
    };
    match decide(&state, id, &input, &user.0.member).await {
        // The page says what was done, from the status reached (never from input).
        Ok(v) => Redirect::to(&format!("/staff/complaints/{id}?done={}", v.status)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Decides a complaint: uphold (targets taken down, claimant and source told), reject
/// (claimant told why and how to appeal, a provisional removal undone), or
/// request_info (the claimant asked; the clock paused until they answer).
#[utoipa::path(post, path = "/api/v1/complaints/{id}/decision", tag = "complaints",
    request_body = DecisionInput,
    params(("id" = i64, Path, description = "complaint id")),
    responses((status = 200, body = DecisionView), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn decide_api(
    State(state): State<AppState>,
    StaffAccountCaller(by): StaffAccountCaller,
    id: Result<Path<i64>, PathRejection>,
    JsonBody(input): JsonBody<DecisionInput>,
) -> AppResult<impl IntoResponse> {
    let Path(id) = id.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let view = decide(&state, id, &input, &by).await?;
    Ok((StatusCode::OK, Json(view)))
}
