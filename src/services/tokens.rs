//! Bearer API tokens: shown once at creation, stored only as a SHA-256 hash.

use crate::services::error::ServiceResult;
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use time::OffsetDateTime;

use crate::entities::api_token;
use takedown_text::canonical::sha256_hex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The CMS: records articles and matches text.
    Articles,
    /// Staff tooling.
    Staff,
    /// A trusted rights agency filing complaints through the API: its complaints count
    /// as confirmed, so a breach may take their targets down provisionally.
    Submitter,
    /// A Prometheus scraper: `/metrics` only.
    Metrics,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "articles" => Some(Self::Articles),
            "staff" => Some(Self::Staff),
            "submitter" => Some(Self::Submitter),
            "metrics" => Some(Self::Metrics),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Articles => "articles",
            Self::Staff => "staff",
            Self::Submitter => "submitter",
            Self::Metrics => "metrics",
        }
    }
}

/// Who is calling, once a token checks out.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token_id: i64,
    pub name: String,
    pub scope: Scope,
    /// The staff account a `staff` token acts for.
    pub staff_id: Option<i64>,
}

impl Caller {
    /// How the caller appears in the audit log.
    pub fn actor(&self) -> String {
        format!("token:{}", self.name)
    }
}

/// Creates a token and returns its secret, which is not stored.
pub async fn create(
    db: &impl ConnectionTrait,
    name: &str,
    scope: Scope,
    now: OffsetDateTime,
) -> ServiceResult<String> {
    create_expiring(db, name, scope, now, None).await
}

/// As `create`, with a time after which the token no longer works.
pub async fn create_expiring(
    db: &impl ConnectionTrait,
    name: &str,
    scope: Scope,
    now: OffsetDateTime,
    expires_at: Option<OffsetDateTime>,
) -> ServiceResult<String> {
    create_full(db, name, scope, now, expires_at, None).await
}

/// A `staff` token that acts for the staff account `staff_id`.
pub async fn create_for_staff(
    db: &impl ConnectionTrait,
    name: &str,
    staff_id: i64,
    now: OffsetDateTime,
    expires_at: Option<OffsetDateTime>,
) -> ServiceResult<String> {
    create_full(db, name, Scope::Staff, now, expires_at, Some(staff_id)).await
}

async fn create_full(
    db: &impl ConnectionTrait,
    name: &str,
    scope: Scope,
    now: OffsetDateTime,
    expires_at: Option<OffsetDateTime>,
    staff_id: Option<i64>,
) -> ServiceResult<String> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("td_{}", hex::encode(bytes));
    api_token::ActiveModel {
        name: Set(name.to_string()),
        scope: Set(scope.as_str().to_string()),
        token_sha256: Set(sha256_hex(secret.as_bytes())),
        created_at: Set(now),
        revoked_at: Set(None),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        staff_id: Set(staff_id),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(secret)
}

/// How often a token's last use is written: often enough to tell a live token from
/// a forgotten one, rarely enough that every API call is not also a write.
const TOUCH_EVERY: time::Duration = time::Duration::minutes(1);

/// The caller a presented secret belongs to, if it is known, not revoked and not
/// expired. Notes the use (at most once a minute per token).
pub async fn authenticate(db: &DatabaseConnection, secret: &str) -> ServiceResult<Option<Caller>> {
    let now = OffsetDateTime::now_utc();
    let found = api_token::Entity::find()
        .filter(api_token::Column::TokenSha256.eq(sha256_hex(secret.as_bytes())))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    let Some(t) = found.filter(|t| t.expires_at.is_none_or(|e| e > now)) else {
        return Ok(None);
    };
    if t.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY) {
        // A failed note of use must not fail the call it accompanies.
        if let Err(e) = touch(db, t.id, now).await {
            tracing::warn!(error = %e, token = %t.name, "noting a token's use failed");
        }
    }
    Ok(Scope::parse(&t.scope).map(|scope| Caller {
        token_id: t.id,
        scope,
        name: t.name,
        staff_id: t.staff_id,
    }))
}

async fn touch(db: &DatabaseConnection, id: i64, now: OffsetDateTime) -> ServiceResult<()> {
    let txn = crate::db::begin_write(db).await?;
    api_token::Entity::update_many()
        .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    Ok(txn.commit().await?)
}

/// Every token, oldest first.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<api_token::Model>, sea_orm::DbErr> {
    api_token::Entity::find()
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await
}

/// `active`, `revoked` or `expired`, now.
pub fn state(t: &api_token::Model, now: OffsetDateTime) -> &'static str {
    if t.revoked_at.is_some() {
        "revoked"
    } else if t.expires_at.is_some_and(|e| e <= now) {
        "expired"
    } else {
        "active"
    }
}

/// Whether a token that still works already has this name.
pub async fn name_in_use(db: &impl ConnectionTrait, name: &str) -> ServiceResult<bool> {
    let now = OffsetDateTime::now_utc();
    Ok(api_token::Entity::find()
        .filter(api_token::Column::Name.eq(name))
        .filter(api_token::Column::RevokedAt.is_null())
        .all(db)
        .await?
        .iter()
        .any(|t| state(t, now) == "active"))
}

/// Revokes every unrevoked token called `name`, at once; audited. Returns how many.
pub async fn revoke(
    db: &DatabaseConnection,
    name: &str,
    actor: &str,
    now: OffsetDateTime,
) -> ServiceResult<u64> {
    let txn = crate::db::begin_write(db).await?;
    let ids: Vec<i64> = api_token::Entity::find()
        .filter(api_token::Column::Name.eq(name))
        .filter(api_token::Column::RevokedAt.is_null())
        .all(&txn)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    if ids.is_empty() {
        return Ok(0);
    }
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::Id.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    crate::audit::append(
        &txn,
        now,
        actor,
        "token.revoked",
        &format!("token:{name}"),
        &serde_json::json!({"token_ids": ids}),
    )
    .await?;
    txn.commit().await?;
    Ok(ids.len() as u64)
}
