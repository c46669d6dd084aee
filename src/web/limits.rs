//! Guards for public endpoints: a per-address submission rate limit and a body-size cap
//! that answers 413 from the Content-Length header, before any of the body is read.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::{AppError, RETRY_AFTER_SECS};
use crate::web::AppState;
use crate::web::client_ip::{client_ip, limit_key};

const WINDOW: Duration = Duration::from_secs(60);

/// Fixed one-minute windows per client address. In memory, so per instance.
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    /// `per_minute` of 0 turns the limit off.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one submission; `Err(seconds)` says how long until the next is allowed.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_minute {
            let left = WINDOW.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// Middleware: 429 with Retry-After once an address has used its submissions.
pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| client_ip(c.0.ip(), req.headers(), &state.config.trusted_proxies));
    if let Some(ip) = ip
        && let Err(retry) = state.limiter.check(limit_key(ip), Instant::now())
    {
        let mut resp = (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(json!({
                "error": "rate_limited",
                "message": format!("too many submissions from your address; retry in {retry} s"),
            })),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&retry.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return resp;
    }
    next.run(req).await
}

/// Middleware: a request that takes longer than its limit (body reading included) is
/// answered 408. Form submissions, which carry evidence files, get `UPLOAD_TIMEOUT`.
pub async fn request_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let upload = req.method() == Method::POST && req.uri().path() == "/complaints";
    let limit = if upload {
        state.config.upload_timeout
    } else {
        state.config.request_timeout
    };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => (
            StatusCode::REQUEST_TIMEOUT,
            axum::Json(json!({
                "error": "timeout",
                "message": format!("the request took longer than {} s; nothing was stored", limit.as_secs()),
            })),
        )
            .into_response(),
    }
}

/// Whether the request's peer is this machine or one of `TRUSTED_PROXIES`.
fn from_operator(state: &AppState, req: &Request) -> bool {
    req.extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .is_some_and(|peer| {
            let ip = peer.0.ip();
            ip.is_loopback() || state.config.trusted_proxies.iter().any(|n| n.contains(&ip))
        })
}

/// Middleware: at most `MAX_CONCURRENT_REQUESTS` at once; beyond that, 503 with
/// Retry-After at once rather than a queue that grows without bound. Health checks
/// are not counted, so monitoring still sees the service.
pub async fn concurrency_limit(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    // Probes from the orchestrator (loopback, or a trusted proxy) always get through;
    // anyone else's count, as scrapes do, so a flood of them cannot starve the pool.
    if matches!(req.uri().path(), "/healthz" | "/readyz") && from_operator(&state, &req) {
        return next.run(req).await;
    }
    let Ok(_permit) = state.in_flight.clone().try_acquire_owned() else {
        let mut resp = (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({
                "error": "overloaded",
                "message": "the service is busy; nothing was stored, please retry shortly",
            })),
        )
            .into_response();
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
        return resp;
    };
    next.run(req).await
}

/// A route whose body is capped at `max` bytes: 413 up front for a declared length
/// beyond it, and while read for a body that declares none.
pub fn capped(
    r: axum::routing::MethodRouter<AppState>,
    max: usize,
) -> axum::routing::MethodRouter<AppState> {
    r.layer(axum::extract::DefaultBodyLimit::max(max))
        .layer(axum::middleware::from_fn(content_length_cap(max)))
}

/// Middleware factory: 413 when the declared Content-Length exceeds `max`. Bodies
/// without a length are still capped while read (`DefaultBodyLimit`).
pub fn content_length_cap(
    max: usize,
) -> impl Fn(Request, Next) -> std::pin::Pin<Box<dyn Future<Output = Response> + Send>> + Clone {
    move |req: Request, next: Next| {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        Box::pin(async move {
            if declared.is_some_and(|n| n > max as u64) {
                return AppError::TooLarge.into_response();
            }
            next.run(req).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address_per_minute() {
        let l = RateLimiter::new(2);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        assert!(l.check(a, t0).is_ok());
        assert!(l.check(a, t0).is_ok());
        let retry = l.check(a, t0 + Duration::from_secs(15)).unwrap_err();
        assert_eq!(retry, 45);
        assert!(l.check(b, t0).is_ok());
        assert!(l.check(a, t0 + WINDOW).is_ok());
    }

    #[test]
    fn zero_turns_it_off() {
        let l = RateLimiter::new(0);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..1000 {
            assert!(l.check(ip, Instant::now()).is_ok());
        }
    }
}
