//! `GET /metrics` in Prometheus' text format, and the middleware that counts every
//! request by its route pattern (never the raw path: tracking codes stay out).

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use time::OffsetDateTime;

use crate::error::AppError;
use crate::services::operations;
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::auth::MetricsCaller;

pub fn routes() -> Router<AppState> {
    Router::new().at("/metrics", get(metrics))
}

/// The route pattern a request matched, or `unmatched`.
pub fn route_of(req: &Request) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string())
}

/// The method as a label: one of HTTP's own, or `other`, so an invented method name
/// cannot become a series.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    const KNOWN: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::HEAD, "HEAD"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::PATCH, "PATCH"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::TRACE, "TRACE"),
        (Method::CONNECT, "CONNECT"),
    ];
    KNOWN
        .iter()
        .find(|(m, _)| m == method)
        .map_or("other", |(_, name)| name)
}

pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = route_of(&req);
    let method = method_label(req.method());
    let started = Instant::now();
    let resp = next.run(req).await;
    state
        .telemetry
        .request(&route, method, resp.status().as_u16(), started.elapsed());
    resp
}

/// Prometheus text: complaints, deadlines, the outbox, sweeps and HTTP requests.
#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
              (status = 401, description = "no METRICS_TOKEN or `metrics` token", body = crate::web::openapi::ErrorBody),
              (status = 403, description = "a token of another scope", body = crate::web::openapi::ErrorBody),
              (status = 503, description = "the database is unreachable", body = crate::web::openapi::ErrorBody)),
    security(("bearer" = [])))]
pub async fn metrics(_: MetricsCaller, State(state): State<AppState>) -> Response {
    render(&state).await
}

/// `METRICS_BIND`'s router: `/metrics` and nothing else, without a token; whoever can
/// reach that address may scrape.
pub fn private_router(state: AppState) -> axum::Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(state): State<AppState>| async move { render(&state).await }),
        )
        .with_state(state)
}

async fn render(state: &AppState) -> Response {
    let mut out = String::with_capacity(16 * 1024);
    if let Err(e) = operations::render(&state.db, OffsetDateTime::now_utc(), &mut out).await {
        return AppError::from(e).into_response();
    }
    state.telemetry.render(&mut out);
    let mut resp = out.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}
