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

use crate::error::{AppError, AppResult};
use crate::services::decisions::{self, Decided, Decision, MAX_REASON_CHARS};
use crate::web::AppState;
use crate::web::auth::StaffCaller;
use crate::web::body::JsonBody;
use crate::web::openapi::ErrorBody;
use crate::web::staff_auth::{StaffUser, staff_headers};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/staff/complaints/{id}/decision",
            post(decide_form).layer(middleware::from_fn(staff_headers)),
        )
        .route("/api/v1/complaints/{id}/decision", post(decide_api))
}

/// A decision as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// `uphold` or `reject`.
    pub action: String,
    /// The statement of reasons sent to the claimant: what, why, on which ground.
    pub reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: i64,
    pub status: &'static str,
    pub removed_articles: usize,
    pub restored_articles: usize,
}

/// Checks the action and the reason; the error names the field.
fn parse(input: &DecisionInput) -> AppResult<(Decision, String)> {
    let decision = match input.action.trim() {
        "request_info" => {
            return Err(AppError::field(
                "action",
                "request_info is not available yet; uphold or reject",
            ));
        }
        a => Decision::parse(a)
            .ok_or_else(|| AppError::field("action", "must be uphold or reject"))?,
    };
    let reason = input.reason.trim();
    if reason.is_empty() {
        return Err(AppError::field(
            "reason",
            "is required: the claimant is told why",
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS || reason.contains('\0') {
        return Err(AppError::field(
            "reason",
            format!("at most {MAX_REASON_CHARS} characters of text"),
        ));
    }
    Ok((decision, reason.to_string()))
}

async fn decide(
    state: &AppState,
    id: i64,
    input: &DecisionInput,
    actor: &str,
) -> AppResult<DecisionView> {
    let (decision, reason) = parse(input)?;
    let done = decisions::decide(
        &state.db,
        &state.config.public_base_url,
        id,
        decision,
        &reason,
        actor,
        OffsetDateTime::now_utc(),
    )
    .await?;
    match done {
        Decided::Done { removed, restored } => Ok(DecisionView {
            id,
            status: match decision {
                Decision::Uphold => "upheld",
                Decision::Reject => "rejected",
            },
            removed_articles: removed,
            restored_articles: restored,
        }),
        Decided::AlreadyDecided => Err(AppError::Conflict(
            "already_decided",
            "this complaint has already been decided",
        )),
        Decided::NotFound => Err(AppError::NotFound),
    }
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
    let actor = format!("staff:{}", user.0.member.id);
    let input = DecisionInput {
        action: f.action,
        reason: f.reason,
    };
    match decide(&state, id, &input, &actor).await {
        Ok(_) => Redirect::to("/staff").into_response(),
        Err(e) => e.into_response(),
    }
}

/// Decides a complaint: uphold (targets taken down, claimant and source told) or
/// reject (claimant told why and how to appeal, a provisional removal undone).
#[utoipa::path(post, path = "/api/v1/complaints/{id}/decision", tag = "complaints",
    request_body = DecisionInput,
    params(("id" = i64, Path, description = "complaint id")),
    responses((status = 200, body = DecisionView), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn decide_api(
    State(state): State<AppState>,
    StaffCaller(caller): StaffCaller,
    id: Result<Path<i64>, PathRejection>,
    JsonBody(input): JsonBody<DecisionInput>,
) -> AppResult<impl IntoResponse> {
    let Path(id) = id.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let view = decide(&state, id, &input, &caller.actor()).await?;
    Ok((StatusCode::OK, Json(view)))
}
