//! HTTP only: one file per feature, each exposing `routes()`.

pub mod api_examples;
pub mod articles;
pub mod audit;
pub mod auth;
pub mod body;
pub mod claimant;
pub mod client_ip;
pub mod complaint_form;
pub mod complaints;
pub mod contract;
pub mod correspondence;
pub mod counter_notices;
pub mod decisions;
pub mod desk;
pub mod desk_zh;
pub mod docs_start;
pub mod error_pages;
pub mod form_errors;
pub mod headers;
pub mod health;
pub mod home;
pub mod i18n;
pub mod licences;
pub mod limits;
pub mod matching;
pub mod metrics;
pub mod openapi;
pub mod page;
pub mod report;
pub mod report_charts;
pub mod serve;
pub mod site_footer;
pub mod staff;
pub mod staff_auth;
pub mod staff_complaint;
pub mod staff_inbox;
pub mod staff_letters;
pub mod staff_licences;
pub mod staff_outbox;
pub mod staff_password;
pub mod staff_search;
pub mod staff_templates;
pub mod stored_file;
pub mod timeline;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use sea_orm::DatabaseConnection;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::config::Config;
use crate::error::AppError;
use crate::services::matching::MatchIndex;

/// What every handler may reach.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub index: Arc<MatchIndex>,
    pub limiter: Arc<limits::RateLimiter>,
    pub intake: Arc<crate::services::intake_queue::IntakeQueue>,
    pub site_hosts: Arc<crate::services::site_hosts::SiteHosts>,
    /// Permits for requests in flight (`MAX_CONCURRENT_REQUESTS`).
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// Signs the sign-in form's single-use tokens.
    pub login_key: crate::services::login_guard::TokenKey,
    /// Seals and opens tracking codes (`TRACKING_KEY_FILE`).
    pub codes: crate::services::tracking_codes::CodeKey,
    /// Sends the outbox; `/readyz` asks it whether the relay answers.
    pub mailer: Arc<crate::mail::delivery::Mailer>,
    pub telemetry: Arc<crate::telemetry::Telemetry>,
}

impl AppState {
    /// The part of the state the sweeps run on.
    pub fn jobs(&self) -> crate::jobs::Context {
        crate::jobs::Context {
            db: self.db.clone(),
            config: self.config.clone(),
            mailer: self.mailer.clone(),
            telemetry: self.telemetry.clone(),
            codes: self.codes.clone(),
        }
    }

    /// What the services that change articles and send notices know of the site.
    pub fn site(&self) -> crate::services::site::Site<'_> {
        crate::services::site::Site::of(&self.config, &self.codes)
    }

    /// Field problems for infringing URLs that are not on this site.
    pub async fn check_site_hosts(
        &self,
        new: &crate::domain::complaint::NewComplaint,
    ) -> Result<crate::error::FieldErrors, crate::services::error::ServiceError> {
        let foreign = self
            .site_hosts
            .foreign(&self.db, &new.infringing_urls)
            .await?;
        let mut errors = crate::error::FieldErrors::new();
        if let Some(u) = foreign.first() {
            let ours = self.site_hosts.configured().join(", ");
            let message = if ours.is_empty() {
                format!("must be a page on this site; {u} is not")
            } else {
                format!("must be a page on this site ({ours}); {u} is not")
            };
            let problem = crate::domain::validate::Problem::ForeignHost;
            errors.insert(
                "infringing_urls".into(),
                crate::domain::validate::FieldError::new(problem, message),
            );
        }
        Ok(errors)
    }
}

/// Every path the router serves, as each feature registers it (`RouteList::at`), so
/// the list of routes comes from the router's own construction, not from a copy.
static ROUTE_PATHS: std::sync::Mutex<std::collections::BTreeSet<&'static str>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// The paths registered so far (all of them once `router` has been built).
pub fn route_paths() -> Vec<&'static str> {
    ROUTE_PATHS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .copied()
        .collect()
}

/// `Router::route` that also records the path in `route_paths`.
pub trait RouteList {
    fn at(self, path: &'static str, method_router: axum::routing::MethodRouter<AppState>) -> Self;
}

impl RouteList for Router<AppState> {
    fn at(self, path: &'static str, method_router: axum::routing::MethodRouter<AppState>) -> Self {
        ROUTE_PATHS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path);
        self.route(path, method_router)
    }
}

pub fn router(state: AppState) -> Router {
    let body_limit = DefaultBodyLimit::max(state.config.max_article_bytes);
    Router::new()
        .merge(home::routes())
        .merge(health::routes())
        .merge(metrics::routes())
        .merge(articles::routes())
        .merge(licences::routes())
        .merge(matching::routes())
        .merge(complaints::routes(&state))
        .merge(complaint_form::routes(&state))
        .merge(openapi::routes(&state))
        .merge(docs_start::routes())
        .merge(staff_auth::routes())
        .merge(staff::routes())
        .merge(staff_password::routes())
        .merge(staff_search::routes())
        .merge(staff_complaint::routes())
        .merge(staff_letters::routes())
        .merge(staff_outbox::routes())
        .merge(staff_inbox::routes())
        .merge(staff_licences::routes())
        .merge(staff_templates::routes())
        .merge(report::routes())
        .merge(audit::routes())
        .merge(correspondence::routes())
        .merge(decisions::routes())
        .merge(claimant::routes())
        .merge(counter_notices::routes(&state))
        .fallback(not_found)
        .layer(body_limit)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::request_timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::concurrency_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::record,
        ))
        .layer(axum::middleware::from_fn(error_pages::pages_for_people))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::from_fn(headers::caller_request_id))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            site_footer::scope,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            desk::scope,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                axum::Json(serde_json::json!({"error": "internal", "message": "internal error"})),
            )
                .into_response()
        }))
        .with_state(state)
}

/// Every log line of a request carries its id (also sent back as `x-request-id`) and
/// its route pattern; the raw path is left out, as it may hold a tracking code.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", |m| m.as_str());
    tracing::info_span!("request", request_id = %id, method = %req.method(), route = %route)
}

async fn not_found() -> AppError {
    AppError::NoRoute
}
