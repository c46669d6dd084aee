//! One error type for the HTTP edge: clear 4xx bodies, opaque logged 5xx.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::db::Fault;
use crate::services::error::{Conflict, ServiceError};

use crate::domain::validate::FieldError;
pub use crate::domain::validate::FieldErrors;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The body is not the JSON we accept (syntax, types, duplicate keys).
    #[error("invalid request body: {0}")]
    BadRequest(String),
    #[error("validation failed")]
    Validation(FieldErrors),
    #[error("missing or invalid bearer token")]
    Unauthorized,
    #[error("this token may not do that")]
    Forbidden,
    /// Forbidden, saying why.
    #[error("{0}")]
    ForbiddenBecause(&'static str),
    #[error("not found")]
    NotFound,
    #[error("no such route")]
    NoRoute,
    #[error("request body is larger than this endpoint accepts")]
    TooLarge,
    #[error("unsupported content type: expected {0}")]
    UnsupportedMediaType(&'static str),
    #[error("this Idempotency-Key was already used with a different request")]
    IdempotencyKeyReused,
    #[error(
        "a request with this Idempotency-Key is still being processed; retry when it has been answered"
    )]
    IdempotencyKeyInProgress,
    /// The request conflicts with the complaint's current state.
    #[error("{}", .0.message())]
    Conflict(Conflict),
    /// Nothing more can be stored until space is freed.
    #[error("storage is full; nothing was stored")]
    StorageFull,
    /// The database cannot be reached just now.
    #[error("the service is briefly unavailable; nothing was stored, please retry shortly")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        match crate::db::fault(&e) {
            Some(Fault::StorageFull) => {
                tracing::error!(error = %e, "storage full: refusing writes until space returns");
                AppError::StorageFull
            }
            Some(Fault::Unavailable) => {
                tracing::warn!(error = %e, "database unavailable");
                AppError::Unavailable
            }
            None => AppError::Internal(anyhow::Error::new(e)),
        }
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Db(e) => e.into(),
            ServiceError::NotFound => AppError::NotFound,
            ServiceError::Conflict(c) => AppError::Conflict(c),
            ServiceError::Invalid(fields) => AppError::Validation(fields),
            e @ (ServiceError::Render(_) | ServiceError::Index(_) | ServiceError::Io(_)) => {
                AppError::Internal(anyhow::Error::new(e))
            }
        }
    }
}

impl From<Conflict> for AppError {
    fn from(c: Conflict) -> Self {
        AppError::Conflict(c)
    }
}

impl From<crate::services::intake_queue::IntakeError> for AppError {
    fn from(e: crate::services::intake_queue::IntakeError) -> Self {
        use crate::services::intake_queue::IntakeError;
        match e {
            IntakeError::Service(e) => e.into(),
            IntakeError::KeyInProgress => AppError::IdempotencyKeyInProgress,
            IntakeError::WriterFailed => {
                tracing::error!("intake writer failed; answering 503");
                AppError::Unavailable
            }
        }
    }
}

/// Seconds a client is asked to wait before retrying after a 503.
pub const RETRY_AFTER_SECS: u32 = 5;

impl AppError {
    pub fn field(path: &str, message: impl Into<String>) -> Self {
        let mut m = FieldErrors::new();
        m.insert(path.to_string(), FieldError::from(message.into()));
        AppError::Validation(m)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            AppError::BadRequest(msg) => (
                StatusCode::BAD_REQUEST,
                json!({"error": "bad_request", "message": msg}),
            ),
            AppError::Validation(fields) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"error": "validation", "fields": fields}),
            ),
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                json!({"error": "unauthorized", "message": self.to_string()}),
            ),
            AppError::Forbidden | AppError::ForbiddenBecause(_) => (
                StatusCode::FORBIDDEN,
                json!({"error": "forbidden", "message": self.to_string()}),
            ),
            AppError::NoRoute => (
                StatusCode::NOT_FOUND,
                json!({"error": "not_found", "message": self.to_string()}),
            ),
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                json!({"error": "not_found", "message": self.to_string()}),
            ),
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                json!({"error": "too_large", "message": self.to_string()}),
            ),
            AppError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                json!({"error": "unsupported_media_type", "message": self.to_string()}),
            ),
            AppError::Conflict(c) => (
                StatusCode::CONFLICT,
                json!({"error": c.code(), "message": c.message()}),
            ),
            AppError::IdempotencyKeyReused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"error": "idempotency_key_reused", "message": self.to_string()}),
            ),
            AppError::IdempotencyKeyInProgress => (
                StatusCode::CONFLICT,
                json!({"error": "idempotency_key_in_progress", "message": self.to_string()}),
            ),
            AppError::StorageFull => (
                StatusCode::INSUFFICIENT_STORAGE,
                json!({"error": "storage_full", "message": self.to_string()}),
            ),
            AppError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"error": "unavailable", "message": self.to_string()}),
            ),
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"error": "internal", "message": "internal error"}),
                )
            }
        };
        let mut resp = (status, Json(body)).into_response();
        // What a person's page says instead of this JSON (`web::error_pages`).
        resp.extensions_mut().insert(ErrorShown {
            message: match &self {
                AppError::Internal(_) => String::new(),
                e => e.to_string(),
            },
            conflict: match &self {
                AppError::Conflict(c) => Some(*c),
                _ => None,
            },
            fields: match &self {
                AppError::Validation(f) => f.clone(),
                _ => FieldErrors::new(),
            },
        });
        if matches!(self, AppError::Unavailable | AppError::StorageFull) {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        }
        if matches!(self, AppError::Unauthorized) {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// An error answer as a page shows it: the English message, and the conflict or
/// field problems a page translates.
#[derive(Debug, Clone)]
pub struct ErrorShown {
    pub message: String,
    pub conflict: Option<Conflict>,
    pub fields: FieldErrors,
}
