//! The CMS's API for recording republished articles.

use axum::Json;
use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use time::OffsetDateTime;

use crate::domain::article::{ArticleInput, NewArticle};
use crate::error::{AppError, AppResult};
use crate::services::articles::{self, Outcome, Prepared};
use crate::web::AppState;
use crate::web::auth::CmsCaller;
use crate::web::body::JsonBody;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/articles", post(record))
        .route("/api/v1/articles/{id}", get(show))
}

async fn record(
    State(state): State<AppState>,
    CmsCaller(caller): CmsCaller,
    JsonBody(input): JsonBody<ArticleInput>,
) -> AppResult<impl IntoResponse> {
    let new = NewArticle::parse(&input).map_err(AppError::Validation)?;
    let (outcome, view) = articles::record(
        &state.db,
        &caller.actor(),
        &Prepared::new(new),
        OffsetDateTime::now_utc(),
    )
    .await?;
    let status = match outcome {
        Outcome::Unchanged => StatusCode::OK,
        Outcome::Recorded | Outcome::Revised => StatusCode::CREATED,
    };
    Ok((status, Json(view)))
}

async fn show(
    State(state): State<AppState>,
    CmsCaller(_): CmsCaller,
    id: Result<Path<String>, PathRejection>,
) -> AppResult<impl IntoResponse> {
    let Path(id) = id.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::field("id", "must be a whole number"))?;
    let view = articles::get(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(view))
}
