//! A reply from the source to our removal notice, turned into a counter-notice with
//! one action: staff fill the counter-notice's fields from the source's email (shown
//! beside them), and it is checked, filed and forwarded exactly as the public form's
//! is; the record says it was taken from that email and by whom.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::entities::{article, inbound_message};
use crate::error::{AppError, AppResult};
use crate::services::counter_notices::{self, CounterNoticeInput, Filed};
use crate::services::error::ServiceError;
use crate::web::staff_auth::{StaffUser, staff_headers};
use crate::web::{AppState, RouteList};

pub fn routes() -> Router<AppState> {
    Router::new()
        .at(
            "/staff/complaints/{id}/letters/{letter}/counter-notice",
            post(record),
        )
        .layer(middleware::from_fn(staff_headers))
}

/// The counter-notice as staff read it off the source's email.
#[derive(Debug, Default, Deserialize)]
pub struct CounterFromLetter {
    #[serde(default)]
    csrf: String,
    /// The removed article it contests, among the complaint's.
    #[serde(default)]
    article_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    statement: String,
    #[serde(default)]
    evidence: String,
    /// Ticked when the email consents to the courts' jurisdiction.
    #[serde(default)]
    consent: Option<String>,
    #[serde(default)]
    signature: String,
}

fn given(v: &str) -> Option<String> {
    Some(v.trim().to_string()).filter(|v| !v.is_empty())
}

async fn record(
    State(state): State<AppState>,
    user: StaffUser,
    path: Result<Path<(i64, i64)>, PathRejection>,
    Form(f): Form<CounterFromLetter>,
) -> AppResult<Response> {
    user.check_csrf(&f.csrf)?;
    let Path((id, letter)) = path.map_err(|_| AppError::NotFound)?;
    let db_err = |e: sea_orm::DbErr| AppError::from(ServiceError::from(e));
    let m = inbound_message::Entity::find_by_id(letter)
        .filter(inbound_message::Column::ComplaintId.eq(id))
        .one(&state.db)
        .await
        .map_err(db_err)?
        .filter(crate::services::inbound::from_source)
        .ok_or(AppError::NotFound)?;
    let article_id: i64 = f
        .article_id
        .trim()
        .parse()
        .map_err(|_| AppError::field("article_id", "choose the removed article"))?;
    let a = article::Entity::find_by_id(article_id)
        .one(&state.db)
        .await
        .map_err(db_err)?
        .ok_or_else(|| AppError::field("article_id", "is not a recorded article"))?;
    let input = CounterNoticeInput {
        article_id: Some(a.id),
        name: given(&f.name),
        address: given(&f.address),
        phone: given(&f.phone),
        email: given(&f.email),
        removed_url: Some(a.url.clone()),
        statement: given(&f.statement),
        evidence: given(&f.evidence),
        consent_jurisdiction: Some(f.consent.is_some()),
        signature: given(&f.signature),
    };
    let new = input.check().map_err(AppError::Validation)?;
    let now = OffsetDateTime::now_utc();
    let filed =
        counter_notices::file(&state.db, &state.config, &state.site(), &new, &[], now).await?;
    let n = match filed {
        Filed::Created(n) => n,
        Filed::ArticleNotFound => return Err(AppError::NotFound),
        Filed::UrlMismatch(_) => {
            return Err(AppError::field(
                "article_id",
                "is not this complaint's removal",
            ));
        }
    };
    let txn = crate::db::begin_write(&state.db).await.map_err(db_err)?;
    crate::audit::append(
        &txn,
        crate::domain::validate::truncate_micros(now),
        &user.0.member.actor(),
        "counter_notice.recorded_from_email",
        &format!("complaint:{id}"),
        &json!({"counter_notice_id": n.id, "raw_sha256": m.raw_sha256, "inbound_message_id": m.id}),
    )
    .await
    .map_err(db_err)?;
    txn.commit().await.map_err(db_err)?;
    Ok(Redirect::to(&format!(
        "/staff/complaints/{id}?done=counter_notice#counter-notices"
    ))
    .into_response())
}
