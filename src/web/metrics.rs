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

pub fn routes() -> Router<AppState> {
    Router::new().at("/metrics", get(metrics))
}

/// The route pattern a request matched, or `unmatched`.
pub fn route_of(req: &Request) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string())
}

pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = route_of(&req);
    let method = req.method().as_str().to_string();
    let started = Instant::now();
    let resp = next.run(req).await;
    state
        .telemetry
        .request(&route, &method, resp.status().as_u16(), started.elapsed());
    resp
}

/// Prometheus text: complaints, deadlines, the outbox, sweeps and HTTP requests.
#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
              (status = 503, description = "the database is unreachable", body = crate::web::openapi::ErrorBody)))]
pub async fn metrics(State(state): State<AppState>) -> Response {
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
