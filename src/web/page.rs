//! Rendering a page: its HTML with a status, or an opaque 500 if the template fails.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::error::AppError;

pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => AppError::Internal(anyhow::anyhow!("rendering page: {e}")).into_response(),
    }
}
