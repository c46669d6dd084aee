//! Response headers for pages that carry a claimant's secrets (tracking codes,
//! confirmation tokens): never cached, never leaked in a Referer.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Middleware: `Cache-Control: no-store` and `Referrer-Policy: no-referrer`.
pub async fn private_page(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}
