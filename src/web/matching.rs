//! Matching text against every recorded article.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::services::matching::Match;
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::auth::ApiCaller;
use crate::web::body::JsonBody;
use crate::web::openapi::ErrorBody;

pub fn routes() -> Router<AppState> {
    Router::new().at("/api/v1/match", post(match_text))
}

/// Text to look for in every recorded article.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct MatchRequest {
    /// The text, in any script.
    pub text: Option<String>,
    /// Most results, 1-100 (default 20).
    #[serde(default, deserialize_with = "crate::domain::validate::opt_whole")]
    pub limit: Option<u32>,
}

/// Ranks recorded articles by how much of the text they contain.
#[utoipa::path(post, path = "/api/v1/match", tag = "registry", request_body = MatchRequest,
    security(("bearer" = [])),
    responses((status = 200, body = Vec<Match>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn match_text(
    State(state): State<AppState>,
    ApiCaller(_caller): ApiCaller,
    JsonBody(req): JsonBody<MatchRequest>,
) -> AppResult<impl IntoResponse> {
    let text = req
        .text
        .ok_or_else(|| AppError::field("text", "is required"))?;
    let text =
        crate::domain::validate::free_text(&text, None).map_err(|m| AppError::field("text", m))?;
    let limit = match req.limit {
        None => 20,
        Some(n @ 1..=100) => n as usize,
        Some(_) => return Err(AppError::field("limit", "must be between 1 and 100")),
    };
    let matches = state.index.search(&state.db, &text, limit).await?;
    Ok(Json(matches))
}
