//! The CMS's API for licences: their terms as revisions, and the agreement itself.

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use futures_util::StreamExt;
use time::OffsetDateTime;

use crate::db;
use crate::domain::licence::{LicenceRecordInput, Terms};
use crate::error::{AppError, AppResult};
use crate::services::evidence::{self, MAX_FILE_BYTES, Upload};
use crate::services::licences::{self, LicenceRecordView, Outcome};
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::auth::CmsCaller;
use crate::web::body::JsonBody;
use crate::web::complaint_form::evidence_error;
use crate::web::limits::capped;
use crate::web::openapi::ErrorBody;

/// The document types a licence agreement may be kept as.
pub const DOCUMENT_TYPES: [&str; 3] = ["application/pdf", "image/png", "image/jpeg"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .at("/api/v1/licences", post(save).get(list))
        .at("/api/v1/licences/{reference}", get(show))
        .at(
            "/api/v1/licences/{reference}/document",
            capped(put(upload_document), MAX_FILE_BYTES),
        )
}

/// Saves a licence's terms: a new licence, or a new revision of one.
#[utoipa::path(post, path = "/api/v1/licences", tag = "licences", request_body = LicenceRecordInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "recorded, or a new revision", body = LicenceRecordView),
        (status = 200, description = "the same terms again: nothing written", body = LicenceRecordView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, description = "a field is wrong, or `ends_at` is not after `starts_at`", body = ErrorBody)))]
pub async fn save(
    State(state): State<AppState>,
    CmsCaller(caller): CmsCaller,
    JsonBody(input): JsonBody<LicenceRecordInput>,
) -> AppResult<impl IntoResponse> {
    let terms = Terms::parse(&input).map_err(AppError::Validation)?;
    let txn = db::begin_write(&state.db).await?;
    let (outcome, view, _) = licences::save_in(
        &txn,
        &state.site(),
        &state.config.licences,
        &caller.actor(),
        &terms,
        OffsetDateTime::now_utc(),
    )
    .await?;
    txn.commit().await?;
    let status = match outcome {
        Outcome::Unchanged => StatusCode::OK,
        Outcome::Recorded | Outcome::Revised => StatusCode::CREATED,
    };
    Ok((status, Json(view)))
}

/// Every licence with its revisions, soonest end first.
#[utoipa::path(get, path = "/api/v1/licences", tag = "licences",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<LicenceRecordView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    CmsCaller(_caller): CmsCaller,
) -> AppResult<impl IntoResponse> {
    Ok(Json(
        licences::list(&state.db, OffsetDateTime::now_utc()).await?,
    ))
}

/// The reference as given: any string names at most one licence (404 otherwise).
fn reference_of(p: Result<Path<String>, PathRejection>) -> Result<String, AppError> {
    let Path(r) = p.map_err(|e| AppError::BadRequest(e.body_text()))?;
    Ok(r)
}

/// A licence with every revision and its document.
#[utoipa::path(get, path = "/api/v1/licences/{reference}", tag = "licences",
    params(("reference" = String, Path, description = "the licence's reference")),
    security(("bearer" = [])),
    responses((status = 200, body = LicenceRecordView), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    CmsCaller(_caller): CmsCaller,
    reference: Result<Path<String>, PathRejection>,
) -> AppResult<impl IntoResponse> {
    let reference = reference_of(reference)?;
    let view = licences::get(&state.db, &reference, OffsetDateTime::now_utc())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(view))
}

/// Keeps the agreement itself: a PDF or an image, judged by its content, stored under
/// its SHA-256 like evidence. A new document replaces the old in the record; the audit
/// log keeps every hash.
#[utoipa::path(put, path = "/api/v1/licences/{reference}/document", tag = "licences",
    params(("reference" = String, Path, description = "the licence's reference")),
    request_body(content = Vec<u8>, description = "the agreement, at most 10 MB",
        content_type = "application/pdf"),
    security(("bearer" = [])),
    responses((status = 200, body = LicenceRecordView), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, description = "not a PDF, PNG or JPEG, or empty", body = ErrorBody)))]
pub async fn upload_document(
    State(state): State<AppState>,
    CmsCaller(caller): CmsCaller,
    headers: HeaderMap,
    reference: Result<Path<String>, PathRejection>,
    body: Body,
) -> AppResult<impl IntoResponse> {
    let reference = reference_of(reference)?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if !declared
        .as_deref()
        .is_some_and(|d| DOCUMENT_TYPES.contains(&d))
    {
        return Err(AppError::UnsupportedMediaType(
            "application/pdf, image/png or image/jpeg",
        ));
    }
    if licences::current(&state.db, &reference).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let file_name = headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split("filename=").nth(1))
        .map(|n| n.trim_matches(|c| c == '"' || c == ' ').to_string());
    let mut upload = Upload::start(&state.config.data_dir)
        .await
        .map_err(evidence_error)?;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            if e.to_string().contains("length limit") {
                AppError::TooLarge
            } else {
                AppError::BadRequest(format!("could not read body: {e}"))
            }
        })?;
        if !upload.write(&chunk).await.map_err(evidence_error)? {
            return Err(AppError::TooLarge);
        }
    }
    if upload.is_empty() {
        return Err(AppError::field("document", "is empty"));
    }
    let file = match upload
        .finish(file_name.as_deref())
        .await
        .map_err(evidence_error)?
    {
        Ok(f) if DOCUMENT_TYPES.contains(&f.content_type) => f,
        Ok(_) | Err(_) => {
            return Err(AppError::field(
                "document",
                "must be a PDF, PNG or JPEG file (judged by its content)",
            ));
        }
    };
    let now = OffsetDateTime::now_utc();
    let txn = db::begin_write(&state.db).await?;
    let view = licences::attach_document(&txn, &caller.actor(), &reference, &file, now)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    evidence::persist(&state.config.data_dir, vec![file])
        .await
        .map_err(evidence_error)?;
    Ok((StatusCode::OK, Json(view)))
}
