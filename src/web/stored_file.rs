//! Serving a stored file (evidence, a licence's agreement) to staff: as an attachment,
//! never rendered by the browser, its type only one that intake accepts.

use std::path::Path;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;

use crate::error::{AppError, AppResult};
use crate::services::evidence;

/// The file stored under `sha256`, for download as `name`.
pub async fn serve(
    data_dir: &Path,
    sha256: Option<&str>,
    content_type: Option<&str>,
    name: &str,
) -> AppResult<Response> {
    let path = sha256
        .and_then(|h| evidence::stored_path(data_dir, h))
        .ok_or(AppError::NotFound)?;
    let bytes = tokio::fs::read(&path).await.map_err(|err| {
        if err.kind() == std::io::ErrorKind::NotFound {
            AppError::NotFound
        } else {
            AppError::Internal(anyhow::Error::new(err))
        }
    })?;
    // Only the types intake accepts; anything else goes out as opaque bytes.
    let content_type = match content_type {
        Some(t @ ("application/pdf" | "image/png" | "image/jpeg")) => t.to_string(),
        Some("text/plain") => "text/plain; charset=utf-8".into(),
        _ => "application/octet-stream".into(),
    };
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        rfc5987(name)
    );
    let mut resp = Response::new(Body::from(bytes));
    let h = resp.headers_mut();
    for (k, v) in [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, disposition),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        (header::CACHE_CONTROL, "no-store".into()),
        (
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'".into(),
        ),
    ] {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    }
    Ok(resp)
}

/// A file name for `filename*=UTF-8''…` (RFC 5987): every byte outside attr-char
/// percent-encoded.
fn rfc5987(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
