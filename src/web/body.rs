//! A JSON body extractor whose every failure is a clear JSON 4xx: wrong content type
//! (415), too large (413), malformed or mistyped JSON (400, naming the field).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::domain::validate::parse_json;
use crate::error::AppError;
use takedown_text::canonical::sha256_hex;

pub struct JsonBody<T>(pub T);

/// A JSON body and the SHA-256 of its canonical form (keys sorted, compact), so two
/// sends of the same document match however they were spaced or ordered.
pub struct HashedJsonBody<T>(pub T, pub String);

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// The whole body, within the route's limit: 413 past it, 400 if it cannot be read.
pub async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    Bytes::from_request(req, state).await.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge
        } else {
            AppError::BadRequest(format!("could not read body: {}", r.body_text()))
        }
    })
}

/// The body of a request that must be JSON: 415 unless it says so.
async fn json_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, AppError> {
    if !is_json(&req) {
        return Err(AppError::UnsupportedMediaType("application/json"));
    }
    read_body(req, state).await
}

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_bytes(req, state).await?;
        parse_json(&bytes)
            .map(JsonBody)
            .map_err(AppError::BadRequest)
    }
}

impl<S, T> FromRequest<S> for HashedJsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = json_bytes(req, state).await?;
        let value: T = parse_json(&bytes).map_err(AppError::BadRequest)?;
        // serde_json's maps are sorted, so this is the canonical form.
        let doc: serde_json::Value = parse_json(&bytes).map_err(AppError::BadRequest)?;
        Ok(HashedJsonBody(
            value,
            sha256_hex(doc.to_string().as_bytes()),
        ))
    }
}
