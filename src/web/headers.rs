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

/// The policy of every page that sets none of its own: nothing but this site's own
/// files, no inline script, never framed.
const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/// Swagger UI's own page (it serves nothing a user wrote).
const DOCS_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

/// Middleware for every response: a CSP, `nosniff`, a referrer policy and, when the
/// site is served over https, HSTS. What a handler or a narrower layer set is kept.
pub async fn security_headers(
    axum::extract::State(state): axum::extract::State<crate::web::AppState>,
    req: Request,
    next: Next,
) -> Response {
    let docs = req.uri().path().starts_with("/docs");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let csp = if docs { DOCS_CSP } else { DEFAULT_CSP };
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(csp));
    h.entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    if state.config.public_base_url.starts_with("https://") {
        h.entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static("max-age=31536000"));
    }
    resp
}

/// Middleware, before the request id is set: a caller's `x-request-id` is kept only if
/// it is at most 64 visible ASCII characters; otherwise it is dropped and one is made,
/// so logs never carry a caller's megabyte or their control characters.
pub async fn caller_request_id(mut req: Request, next: Next) -> Response {
    let fits = |v: &HeaderValue| {
        let b = v.as_bytes();
        !b.is_empty() && b.len() <= 64 && b.iter().all(u8::is_ascii_graphic)
    };
    if req.headers().get("x-request-id").is_some_and(|v| !fits(v)) {
        req.headers_mut().remove("x-request-id");
    }
    next.run(req).await
}
