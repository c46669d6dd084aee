//! One error type for the HTTP edge: clear 4xx bodies, opaque logged 5xx.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Field path → what is wrong with it.
pub type FieldErrors = BTreeMap<String, String>;

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
    #[error("not found")]
    NotFound,
    #[error("no such route")]
    NoRoute,
    #[error("request body is larger than this endpoint accepts")]
    TooLarge,
    #[error("unsupported content type: expected {0}")]
    UnsupportedMediaType(&'static str),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::Internal(anyhow::Error::new(e))
    }
}

impl AppError {
    pub fn field(path: &str, message: impl Into<String>) -> Self {
        let mut m = FieldErrors::new();
        m.insert(path.to_string(), message.into());
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
            AppError::Forbidden => (
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
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"error": "internal", "message": "internal error"}),
                )
            }
        };
        let mut resp = (status, Json(body)).into_response();
        if matches!(self, AppError::Unauthorized) {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

pub type AppResult<T> = Result<T, AppError>;
