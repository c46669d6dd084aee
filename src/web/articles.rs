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
use crate::services::articles::ArticleView;
use crate::services::articles::{self, Outcome, Prepared};
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::auth::CmsCaller;
use crate::web::body::JsonBody;
use crate::web::openapi::ErrorBody;

pub fn routes() -> Router<AppState> {
    Router::new()
        .at("/api/v1/articles", post(record))
        .at("/api/v1/articles/{id}", get(show))
}

/// Records a republished article, or a new revision of one.
#[utoipa::path(post, path = "/api/v1/articles", tag = "registry", request_body = ArticleInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "recorded, or a new revision", body = ArticleView),
        (status = 200, description = "the same record again: nothing written", body = ArticleView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    CmsCaller(caller): CmsCaller,
    JsonBody(input): JsonBody<ArticleInput>,
) -> AppResult<impl IntoResponse> {
    let new = NewArticle::parse(&input).map_err(AppError::Validation)?;
    let (outcome, view) = articles::record(
        &state.db,
        &caller.actor(),
        &Prepared::new(new, state.config.licences.alteration_threshold),
        OffsetDateTime::now_utc(),
    )
    .await?;
    let status = match outcome {
        Outcome::Unchanged => StatusCode::OK,
        Outcome::Recorded | Outcome::Revised => StatusCode::CREATED,
    };
    Ok((status, Json(view)))
}

/// An article with every revision and its hashes.
#[utoipa::path(get, path = "/api/v1/articles/{id}", tag = "registry",
    params(("id" = i64, Path, description = "article id")),
    security(("bearer" = [])),
    responses((status = 200, body = ArticleView), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    CmsCaller(_caller): CmsCaller,
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
