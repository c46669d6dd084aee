//! The API description at `/openapi.json`, rendered offline at `/docs`.

use std::collections::BTreeMap;

use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::web::AppState;

/// Every JSON error: `error` says the kind; `message` or `fields` say what is wrong.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// bad_request, validation, unauthorized, forbidden, not_found, too_large,
    /// unsupported_media_type, rate_limited, idempotency_key_reused,
    /// idempotency_key_in_progress, already_decided,
    /// already_waiting, different_reviewer_required, claimed_by_another, not_waiting,
    /// not_rejected,
    /// already_appealed, appeal_window_closed, not_removed, counter_notice_pending,
    /// unavailable, overloaded, storage_full, timeout or internal.
    pub error: String,
    pub message: Option<String>,
    /// Field path → problem, for `validation`.
    pub fields: Option<BTreeMap<String, String>>,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "takedown", description = "Provenance registry and copyright complaints"),
    paths(
        crate::web::health::healthz,
        crate::web::health::readyz,
        crate::web::metrics::metrics,
        crate::web::articles::record,
        crate::web::articles::show,
        crate::web::licences::save,
        crate::web::licences::list,
        crate::web::licences::show,
        crate::web::licences::upload_document,
        crate::web::matching::match_text,
        crate::web::complaints::submit,
        crate::web::complaints::show,
        crate::web::decisions::decide_api,
        crate::web::claimant::answer_api,
        crate::web::claimant::appeal_api,
        crate::web::claimant::withdraw_api,
        crate::web::counter_notices::submit_api,
        crate::web::audit::export,
        crate::web::correspondence::show,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The description as served: the generated one made exact by `contract`.
pub fn document(site_hosts: Option<&[String]>) -> serde_json::Value {
    let mut spec = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    crate::web::contract::apply(&mut spec, site_hosts);
    spec
}

pub fn routes(state: &AppState) -> Router<AppState> {
    SwaggerUi::new("/docs")
        .external_url_unchecked(
            "/openapi.json",
            document(state.config.site_hosts.as_deref()),
        )
        .into()
}
