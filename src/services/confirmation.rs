//! Verifying a claimant's email address: a random token goes out only by email (its
//! SHA-256 is stored), and a POST to its link confirms the complaint. A breach takes
//! targets down provisionally only for confirmed complaints.

use crate::services::error::ServiceResult;
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::complaint::Language;
use crate::domain::validate::truncate_micros;
use crate::entities::complaint;
use takedown_text::canonical::sha256_hex;

/// A new confirmation token: the secret for the email, and the hash to store.
pub struct ConfirmToken {
    pub secret: String,
    pub sha256: String,
}

impl ConfirmToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = hex::encode(bytes);
        Self {
            sha256: sha256_hex(secret.as_bytes()),
            secret,
        }
    }

    pub fn url(&self, public_base_url: &str) -> String {
        format!("{public_base_url}/complaints/confirm/{}", self.secret)
    }
}

/// What a secret is replaced with in an email kept after sending.
pub const ERASED: &str = "[erased-after-sending]";

/// `text` with every confirmation link's secret blanked, if it held one: once the
/// email is sent, the secret is meant to exist only in the claimant's mailbox (the
/// database keeps its SHA-256).
pub fn erase_secrets(text: &str) -> Option<String> {
    const PATH: &str = "/complaints/confirm/";
    if !text.contains(PATH) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(PATH) {
        let (head, tail) = rest.split_at(i + PATH.len());
        out.push_str(head);
        let secret = tail.bytes().take_while(u8::is_ascii_hexdigit).count();
        if secret > 0 {
            out.push_str(ERASED);
        }
        rest = &tail[secret..];
    }
    out.push_str(rest);
    Some(out)
}

/// How confirmation went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    Confirmed { complaint: Box<complaint::Model> },
    AlreadyConfirmed { complaint: Box<complaint::Model> },
}

impl Confirmation {
    pub fn complaint(&self) -> &complaint::Model {
        match self {
            Self::Confirmed { complaint } | Self::AlreadyConfirmed { complaint } => complaint,
        }
    }
}

/// Only well-formed secrets are looked up.
fn token_hash(secret: &str) -> Option<String> {
    (secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| sha256_hex(secret.to_ascii_lowercase().as_bytes()))
}

async fn find(
    db: &impl sea_orm::ConnectionTrait,
    secret: &str,
) -> Result<Option<complaint::Model>, DbErr> {
    let Some(hash) = token_hash(secret) else {
        return Ok(None);
    };
    complaint::Entity::find()
        .filter(complaint::Column::ConfirmTokenSha256.eq(hash))
        .one(db)
        .await
}

/// The language of the complaint a token belongs to, and whether it is confirmed.
pub async fn lookup(
    db: &DatabaseConnection,
    secret: &str,
) -> ServiceResult<Option<(Language, bool)>> {
    Ok(find(db, secret)
        .await?
        .map(|c| (c.language, c.confirmed_at.is_some())))
}

/// Confirms the complaint a token belongs to; None for an unknown token.
pub async fn confirm(
    db: &DatabaseConnection,
    secret: &str,
    now: OffsetDateTime,
) -> ServiceResult<Option<Confirmation>> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let Some(c) = find(&txn, secret).await? else {
        return Ok(None);
    };
    if c.confirmed_at.is_some() {
        return Ok(Some(Confirmation::AlreadyConfirmed {
            complaint: Box::new(c),
        }));
    }
    let id = c.id;
    let mut am: complaint::ActiveModel = c.into();
    am.confirmed_at = Set(Some(now));
    am.confirmed_by = Set(Some("email".into()));
    let c = am.update(&txn).await?;
    audit::append(
        &txn,
        now,
        "claimant",
        "complaint.confirmed",
        &format!("complaint:{id}"),
        &json!({"by": "email"}),
    )
    .await?;
    txn.commit().await?;
    Ok(Some(Confirmation::Confirmed {
        complaint: Box::new(c),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let a = ConfirmToken::generate();
        let b = ConfirmToken::generate();
        assert_ne!(a.secret, b.secret);
        assert_eq!(token_hash(&a.secret).as_deref(), Some(a.sha256.as_str()));
        assert!(a.url("https://news.example").ends_with(&a.secret));
        assert_eq!(token_hash("../etc"), None);
        assert_eq!(token_hash(&"g".repeat(64)), None);
    }
}

#[cfg(test)]
mod erase_tests {
    use super::erase_secrets;

    #[test]
    fn confirmation_secrets_are_blanked_and_nothing_else() {
        let t = "Confirm: https://news.example/complaints/confirm/0a1b2c\nStatus: https://news.example/complaints/ABC\n<a href=\"https://news.example/complaints/confirm/ff00\">x</a>";
        let out = erase_secrets(t).unwrap();
        assert!(!out.contains("0a1b2c") && !out.contains("ff00"), "{out}");
        assert!(out.contains("/complaints/confirm/[erased-after-sending]\nStatus: https://news.example/complaints/ABC"));
        assert!(out.contains("[erased-after-sending]\">x</a>"));
        assert_eq!(erase_secrets("no link here"), None);
    }
}
