//! For admins: the emails (and CMS webhooks) that failed for good, and a retry button
//! that makes the same service call as `takedown outbox --retry`.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::domain::display_time::{display, zone};
use crate::error::{AppError, AppResult};
use crate::mail::delivery;
use crate::services::staff::Role;
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::desk::{self, Desk};
use crate::web::i18n::{Texts, texts};
use crate::web::page::render;
use crate::web::staff_auth::{StaffUser, staff_headers};

pub fn routes() -> Router<AppState> {
    Router::new()
        .at("/staff/outbox", get(failed))
        .at("/staff/outbox/{id}/retry", post(retry))
        .layer(middleware::from_fn(staff_headers))
}

struct Row {
    id: i64,
    kind: String,
    to: String,
    subject: String,
    complaint: Option<i64>,
    failed: String,
    error: String,
}

#[derive(Template)]
#[template(path = "pages/staff_outbox.html")]
struct FailedPage<'a> {
    t: &'a Texts,
    tr: Desk,
    csrf: &'a str,
    zone: String,
    rows: Vec<Row>,
}

fn admin(user: &StaffUser) -> Result<(), AppError> {
    if user.0.member.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn failed(State(state): State<AppState>, user: StaffUser) -> AppResult<Response> {
    admin(&user)?;
    let rows = delivery::failed(&state.db).await?;
    let tr = desk::current();
    let page = FailedPage {
        t: texts(tr.lang),
        tr,
        csrf: &user.0.csrf_token,
        zone: zone().to_string(),
        rows: rows
            .into_iter()
            .map(|r| Row {
                id: r.id,
                failed: r.failed_at.map(display).unwrap_or_default(),
                error: r.last_error.unwrap_or_default(),
                kind: r.kind,
                to: r.recipient,
                subject: r.subject,
                complaint: r.complaint_id,
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
struct RetryForm {
    #[serde(default)]
    csrf: String,
}

async fn retry(
    State(state): State<AppState>,
    user: StaffUser,
    id: Result<Path<i64>, PathRejection>,
    Form(f): Form<RetryForm>,
) -> AppResult<Response> {
    user.check_csrf(&f.csrf)?;
    admin(&user)?;
    let Path(id) = id.map_err(|_| AppError::NotFound)?;
    let actor = format!("staff:{}", user.0.member.id);
    if delivery::retry(&state.db, id, &actor, OffsetDateTime::now_utc()).await? {
        Ok(Redirect::to("/staff/outbox").into_response())
    } else {
        Err(AppError::NotFound)
    }
}
