//! Bearer API tokens: shown once at creation, stored only as a SHA-256 hash.

use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use time::OffsetDateTime;

use crate::domain::canonical::sha256_hex;
use crate::entities::api_token;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The CMS: records articles and matches text.
    Articles,
    /// Staff tooling.
    Staff,
    /// A trusted rights agency filing complaints through the API: its complaints count
    /// as confirmed, so a breach may take their targets down provisionally.
    Submitter,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "articles" => Some(Self::Articles),
            "staff" => Some(Self::Staff),
            "submitter" => Some(Self::Submitter),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Articles => "articles",
            Self::Staff => "staff",
            Self::Submitter => "submitter",
        }
    }
}

/// Who is calling, once a token checks out.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token_id: i64,
    pub name: String,
    pub scope: Scope,
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
) -> Result<String, sea_orm::DbErr> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("td_{}", hex::encode(bytes));
    api_token::ActiveModel {
        name: Set(name.to_string()),
        scope: Set(scope.as_str().to_string()),
        token_sha256: Set(sha256_hex(secret.as_bytes())),
        created_at: Set(now),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(secret)
}

/// The caller a presented secret belongs to, if it is known and not revoked.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    secret: &str,
) -> Result<Option<Caller>, sea_orm::DbErr> {
    let found = api_token::Entity::find()
        .filter(api_token::Column::TokenSha256.eq(sha256_hex(secret.as_bytes())))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    Ok(found.and_then(|t| {
        Some(Caller {
            token_id: t.id,
            scope: Scope::parse(&t.scope)?,
            name: t.name,
        })
    }))
}
