//! Probes for the orchestrator: `/healthz` (the process is alive) and `/readyz` (the
//! database and the mail transport are both reachable).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, response::IntoResponse};
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::web::AppState;
use crate::web::RouteList;

pub fn routes() -> Router<AppState> {
    Router::new()
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
}

async fn database(state: &AppState) -> Result<(), String> {
    state
        .db
        .execute_unprepared("SELECT 1")
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Liveness: 200 while the process serves requests. It does not look at the database
/// or the relay (that is `/readyz`), so an outage elsewhere never gets it restarted.
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, description = "the process is alive")))]
pub async fn healthz() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

/// 200 when the database and the mail transport both answer; 503 naming the one that
/// does not. Complaints are still taken while mail is down (the outbox keeps them), so
/// this is for alerting and routing, not for refusing intake.
#[utoipa::path(get, path = "/readyz", tag = "service",
    responses((status = 200, description = "database and mail transport reachable"),
              (status = 503, description = "the database or the mail transport is unreachable")))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let (db, mail) = tokio::join!(database(&state), state.mailer.check());
    let word = |r: &Result<(), String>| if r.is_ok() { "ok" } else { "unreachable" };
    let body = json!({
        "status": if db.is_ok() && mail.is_ok() { "ok" } else { "unavailable" },
        "database": word(&db),
        "mail": word(&mail),
    });
    if let Err(e) = db.as_ref().and(mail.as_ref()) {
        tracing::warn!(error = %e, "readiness check failed");
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body));
    }
    (StatusCode::OK, Json(body))
}
