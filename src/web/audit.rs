//! `GET /api/v1/audit?after=SEQ`: the hash-chained audit log as JSON Lines, in order,
//! streamed page by page, so a third party can recompute every hash from `prev_hash`.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream;
use sea_orm::DatabaseConnection;
use serde::Deserialize;

use crate::audit;
use crate::error::{AppError, FieldErrors};
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::auth::StaffCaller;

pub fn routes() -> Router<AppState> {
    Router::new().at("/api/v1/audit", get(export))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Export the events after this one (0, the default, exports from the first).
    #[param(minimum = 0)]
    after: Option<i64>,
}

/// Streams the audit events after `after` as JSON Lines (`application/x-ndjson`).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "one exported event per line, in order", content_type = "application/x-ndjson", body = String),
        (status = 400, description = "the query string is not understood"),
        (status = 401, description = "no valid token"),
        (status = 403, description = "the token is not a staff token"),
        (status = 422, description = "after is negative"),
    ))]
pub async fn export(
    State(state): State<AppState>,
    _caller: StaffCaller,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Response {
    let after = match query {
        Ok(Query(q)) => q.after.unwrap_or(0),
        Err(e) => return AppError::BadRequest(e.body_text()).into_response(),
    };
    if after < 0 {
        let mut errors = FieldErrors::new();
        errors.insert("after".into(), "must be 0 or more".into());
        return AppError::Validation(errors).into_response();
    }
    let body = Body::from_stream(pages(state.db.clone(), after));
    let mut resp = body.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    resp
}

/// One chunk per page of events; a database error ends the stream with an error, so
/// the client sees a cut-off transfer rather than a short export that looks whole.
fn pages(
    db: DatabaseConnection,
    after: i64,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    stream::unfold(Some(after), move |cursor| {
        let db = db.clone();
        async move {
            let after = cursor?;
            let page = match audit::page_after(&db, after, audit::PAGE).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "audit export stopped");
                    return Some((Err(std::io::Error::other(e.to_string())), None));
                }
            };
            if page.is_empty() {
                return None;
            }
            let full = page.len() as u64 == audit::PAGE;
            let mut buf = Vec::with_capacity(page.len() * 512);
            let mut last = after;
            for e in &page {
                if serde_json::to_writer(&mut buf, &audit::export(e)).is_err() {
                    return Some((Err(std::io::Error::other("encoding an event")), None));
                }
                buf.push(b'\n');
                last = e.seq;
            }
            Some((Ok(Bytes::from(buf)), full.then_some(last)))
        }
    })
}
