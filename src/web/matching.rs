//! Matching text against every recorded article.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::post;
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::web::AppState;
use crate::web::auth::ApiCaller;
use crate::web::body::JsonBody;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/match", post(match_text))
}

#[derive(Deserialize)]
struct MatchRequest {
    text: Option<String>,
    limit: Option<u32>,
}

async fn match_text(
    State(state): State<AppState>,
    ApiCaller(_): ApiCaller,
    JsonBody(req): JsonBody<MatchRequest>,
) -> AppResult<impl IntoResponse> {
    let text = req
        .text
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| AppError::field("text", "is required"))?;
    let limit = match req.limit {
        None => 20,
        Some(n @ 1..=100) => n as usize,
        Some(_) => return Err(AppError::field("limit", "must be between 1 and 100")),
    };
    let matches = state.index.search(&state.db, &text, limit).await?;
    Ok(Json(matches))
}
