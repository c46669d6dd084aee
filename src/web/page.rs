//! Rendering a page: its HTML with a status, or an opaque 500 if the template fails.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::error::AppError;
use crate::web::site_footer;

/// A rendered page with the site's footer filled in (empty outside a request).
pub fn with_footer(html: String) -> String {
    let footer = site_footer::footer(site_footer::language_of(&html));
    html.replacen(site_footer::MARKER, &footer, 1)
}

pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(with_footer(html))).into_response(),
        Err(e) => AppError::Internal(anyhow::anyhow!("rendering page: {e}")).into_response(),
    }
}
