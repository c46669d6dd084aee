//! Bearer-token callers.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::error::AppError;
use crate::services::staff::StaffMember;
use crate::services::tokens::{self, Caller, Scope};
use crate::web::AppState;

/// The secret of an `Authorization: Bearer` header, trimmed.
fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// A caller with a valid token of any scope.
pub struct ApiCaller(pub Caller);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let secret = bearer(parts)
            .filter(|s| !s.is_empty() && s.len() <= 200)
            .ok_or(AppError::Unauthorized)?;
        tokens::authenticate(&state.db, secret)
            .await?
            .map(ApiCaller)
            .ok_or(AppError::Unauthorized)
    }
}

/// A caller whose token has the `articles` scope (the CMS).
pub struct CmsCaller(pub Caller);

impl FromRequestParts<AppState> for CmsCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ApiCaller(c) = ApiCaller::from_request_parts(parts, state).await?;
        if c.scope == Scope::Articles {
            Ok(CmsCaller(c))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// On a public endpoint: no token, or a valid `submitter` token. A token that is sent
/// but not valid is refused rather than ignored, so a misconfigured agency finds out.
pub struct OptionalSubmitter(pub Option<Caller>);

impl FromRequestParts<AppState> for OptionalSubmitter {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(OptionalSubmitter(None));
        }
        let ApiCaller(c) = ApiCaller::from_request_parts(parts, state).await?;
        if c.scope == Scope::Submitter {
            Ok(OptionalSubmitter(Some(c)))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// A Prometheus scraper: `METRICS_TOKEN` as the bearer, or a token with the `metrics`
/// scope. Without either, `/metrics` is closed on the public listener.
pub struct MetricsCaller;

impl FromRequestParts<AppState> for MetricsCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let bearer = bearer(parts).unwrap_or_default();
        if let Some(token) = state.config.metrics_token.as_deref()
            && !bearer.is_empty()
            && crate::services::staff::constant_eq(bearer, token)
        {
            return Ok(MetricsCaller);
        }
        let ApiCaller(c) = ApiCaller::from_request_parts(parts, state).await?;
        if c.scope == Scope::Metrics {
            Ok(MetricsCaller)
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// A caller whose token has the `staff` scope (staff tooling).
pub struct StaffCaller(pub Caller);

impl FromRequestParts<AppState> for StaffCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ApiCaller(c) = ApiCaller::from_request_parts(parts, state).await?;
        if c.scope == Scope::Staff {
            Ok(StaffCaller(c))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// A `staff` token that acts for a live staff account: what deciding needs, so that
/// decisions are an account's, never a shared token's.
pub struct StaffAccountCaller(pub StaffMember);

impl FromRequestParts<AppState> for StaffAccountCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let StaffCaller(c) = StaffCaller::from_request_parts(parts, state).await?;
        let Some(id) = c.staff_id else {
            return Err(AppError::ForbiddenBecause(
                "this staff token belongs to no staff account; deciding needs one (takedown token create --scope staff --staff EMAIL)",
            ));
        };
        crate::services::staff::active_by_id(&state.db, id)
            .await?
            .map(StaffAccountCaller)
            .ok_or(AppError::ForbiddenBecause(
                "this token's staff account is disabled",
            ))
    }
}
