//! Staff accounts and their sessions. Passwords are stored as argon2id hashes;
//! sessions live in the database (only the SHA-256 of the cookie's secret), end on
//! logout, after `IDLE_TIMEOUT` without use and `ABSOLUTE_TIMEOUT` after login.

use crate::services::error::ServiceResult;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::validate::{EmailAddress, truncate_micros};
use crate::entities::{staff, staff_session};
use takedown_text::canonical::sha256_hex;

pub const IDLE_TIMEOUT: time::Duration = time::Duration::minutes(30);
pub const ABSOLUTE_TIMEOUT: time::Duration = time::Duration::hours(12);
pub const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Reviewer,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reviewer" => Some(Self::Reviewer),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reviewer => "reviewer",
            Self::Admin => "admin",
        }
    }
}

/// A signed-in staff member.
#[derive(Debug, Clone)]
pub struct StaffMember {
    pub id: i64,
    pub email: String,
    pub role: Role,
}

impl StaffMember {
    /// How the member appears in the audit log and in `decided_by`.
    pub fn actor(&self) -> String {
        format!("staff:{}", self.id)
    }
}

/// The active (not disabled) account with this id.
/// The addresses of every active account, for an admin's choice of reviewer.
pub async fn active_emails(
    db: &impl sea_orm::ConnectionTrait,
) -> Result<Vec<String>, sea_orm::DbErr> {
    emails_of(db, None).await
}

/// The addresses of the active admin accounts.
pub async fn admin_emails(
    db: &impl sea_orm::ConnectionTrait,
) -> Result<Vec<String>, sea_orm::DbErr> {
    emails_of(db, Some(Role::Admin)).await
}

/// The active accounts' addresses, of one role or all, in order.
async fn emails_of(
    db: &impl sea_orm::ConnectionTrait,
    role: Option<Role>,
) -> Result<Vec<String>, sea_orm::DbErr> {
    use sea_orm::QueryOrder;
    let mut q = staff::Entity::find().filter(staff::Column::DisabledAt.is_null());
    if let Some(r) = role {
        q = q.filter(staff::Column::Role.eq(r.as_str()));
    }
    Ok(q.order_by_asc(staff::Column::Email)
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.email)
        .collect())
}

pub async fn active_by_id(
    db: &impl sea_orm::ConnectionTrait,
    id: i64,
) -> Result<Option<StaffMember>, DbErr> {
    Ok(staff::Entity::find_by_id(id)
        .filter(staff::Column::DisabledAt.is_null())
        .one(db)
        .await?
        .as_ref()
        .and_then(member))
}

/// The active account with this address, however its case is written.
pub async fn active_by_email(
    db: &impl sea_orm::ConnectionTrait,
    email: &str,
) -> Result<Option<StaffMember>, DbErr> {
    Ok(staff::Entity::find()
        .filter(staff::Column::Email.eq(email.trim().to_lowercase()))
        .filter(staff::Column::DisabledAt.is_null())
        .one(db)
        .await?
        .as_ref()
        .and_then(member))
}

/// A session as the browser holds it: the cookie's secret and the form token.
#[derive(Debug, Clone)]
pub struct Session {
    pub secret: String,
    pub csrf_token: String,
    pub member: StaffMember,
}

#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("a staff account with this email already exists")]
    Exists,
    #[error("the password must be at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    /// Long enough, but guessable; says why.
    #[error("{0}")]
    GuessablePassword(&'static str),
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("no active staff account with this email")]
    NoAccount,
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error("hashing the password: {0}")]
    Hash(String),
}

/// Compares secrets in time that does not depend on where they differ.
pub fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Passwords anyone would try first, compared without case (one per line).
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Whether `password` is acceptable for the account `email`: long enough, not one
/// character repeated, not on the common list, and not containing the address's
/// local part.
pub fn check_password(password: &str, email: &str) -> Result<(), StaffError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(StaffError::WeakPassword);
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(StaffError::GuessablePassword(
            "the password must not be one character repeated",
        ));
    }
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.lines().any(|p| p.trim() == lower) {
        return Err(StaffError::GuessablePassword(
            "this password is on the list of common passwords; choose another",
        ));
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if local.chars().count() >= 3 && lower.contains(&local) {
        return Err(StaffError::GuessablePassword(
            "the password must not contain your email address's name",
        ));
    }
    Ok(())
}

async fn hash_password(password: String) -> Result<String, StaffError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| StaffError::Hash(e.to_string()))
    })
    .await
    .map_err(|e| StaffError::Hash(e.to_string()))?
}

async fn verify_password(stored: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).ok().is_some_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// Sets a new password and ends every session of the account, in one transaction.
async fn set_password(
    db: &DatabaseConnection,
    id: i64,
    hash: String,
    actor: &str,
    now: OffsetDateTime,
) -> Result<(), StaffError> {
    let txn = db::begin_write(db).await?;
    staff::Entity::update_many()
        .col_expr(staff::Column::PasswordHash, Expr::value(hash))
        .filter(staff::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    staff_session::Entity::delete_many()
        .filter(staff_session::Column::StaffId.eq(id))
        .exec(&txn)
        .await?;
    audit::append(
        &txn,
        truncate_micros(now),
        actor,
        "staff.password_changed",
        &format!("staff:{id}"),
        &json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A staff member changes their own password: the current one is checked, every
/// session ends (this one too) and a new session is opened.
pub async fn change_password(
    db: &DatabaseConnection,
    member: &StaffMember,
    current: String,
    new: String,
    now: OffsetDateTime,
) -> Result<Session, StaffError> {
    check_password(&new, &member.email)?;
    let stored = staff::Entity::find_by_id(member.id)
        .filter(staff::Column::DisabledAt.is_null())
        .one(db)
        .await?
        .ok_or(StaffError::NoAccount)?
        .password_hash;
    if !verify_password(stored, current).await {
        return Err(StaffError::WrongPassword);
    }
    let hash = hash_password(new).await?;
    set_password(db, member.id, hash, &member.actor(), now).await?;
    Ok(open_session(db, member.clone(), now).await?)
}

/// An admin sets a new password for an account (`takedown staff reset-password`);
/// its sessions end.
pub async fn reset_password(
    db: &DatabaseConnection,
    email: &EmailAddress,
    password: String,
    now: OffsetDateTime,
) -> Result<(), StaffError> {
    check_password(&password, email.as_str())?;
    let member = active_by_email(db, email.as_str())
        .await?
        .ok_or(StaffError::NoAccount)?;
    let hash = hash_password(password).await?;
    set_password(db, member.id, hash, "admin", now).await
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn member(s: &staff::Model) -> Option<StaffMember> {
    Some(StaffMember {
        id: s.id,
        email: s.email.clone(),
        role: Role::parse(&s.role)?,
    })
}

/// Adds a staff account; the password is hashed with argon2id on a blocking thread.
pub async fn add(
    db: &DatabaseConnection,
    email: &EmailAddress,
    role: Role,
    password: String,
    now: OffsetDateTime,
) -> Result<i64, StaffError> {
    check_password(&password, email.as_str())?;
    let hash = hash_password(password).await?;
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let exists = staff::Entity::find()
        .filter(staff::Column::Email.eq(email.as_str().to_ascii_lowercase()))
        .one(&txn)
        .await?
        .is_some();
    if exists {
        return Err(StaffError::Exists);
    }
    let s = staff::ActiveModel {
        email: Set(email.as_str().to_ascii_lowercase()),
        role: Set(role.as_str().to_string()),
        password_hash: Set(hash),
        created_at: Set(now),
        disabled_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::append(
        &txn,
        now,
        "admin",
        "staff.added",
        &format!("staff:{}", s.id),
        &json!({"role": role.as_str()}),
    )
    .await?;
    txn.commit().await?;
    Ok(s.id)
}

/// Disables an account and ends its sessions at once. Returns whether it was found.
pub async fn disable(
    db: &DatabaseConnection,
    email: &EmailAddress,
    now: OffsetDateTime,
) -> ServiceResult<bool> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let Some(s) = staff::Entity::find()
        .filter(staff::Column::Email.eq(email.as_str().to_ascii_lowercase()))
        .one(&txn)
        .await?
    else {
        return Ok(false);
    };
    let id = s.id;
    let mut am: staff::ActiveModel = s.into();
    am.disabled_at = Set(Some(now));
    am.update(&txn).await?;
    staff_session::Entity::delete_many()
        .filter(staff_session::Column::StaffId.eq(id))
        .exec(&txn)
        .await?;
    audit::append(
        &txn,
        now,
        "admin",
        "staff.disabled",
        &format!("staff:{id}"),
        &json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// Checks a password and opens a new session; None for a wrong email or password or a
/// disabled account (told apart by no one).
pub async fn login(
    db: &DatabaseConnection,
    email: &str,
    password: String,
    now: OffsetDateTime,
) -> ServiceResult<Option<Session>> {
    let found = staff::Entity::find()
        .filter(staff::Column::Email.eq(email.trim().to_ascii_lowercase()))
        .filter(staff::Column::DisabledAt.is_null())
        .one(db)
        .await?;
    // Verify against a fixed hash when there is no account, so timing reveals nothing.
    let stored = found
        .as_ref()
        .map(|s| s.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let ok = verify_password(stored, password).await;
    let Some(member) = found.filter(|_| ok).as_ref().and_then(member) else {
        return Ok(None);
    };
    Ok(Some(open_session(db, member, now).await?))
}

/// A new session for `member`.
async fn open_session(
    db: &DatabaseConnection,
    member: StaffMember,
    now: OffsetDateTime,
) -> Result<Session, DbErr> {
    let now = truncate_micros(now);
    let secret = random_token();
    let csrf_token = random_token();
    staff_session::ActiveModel {
        id_sha256: Set(sha256_hex(secret.as_bytes())),
        staff_id: Set(member.id),
        csrf_token: Set(csrf_token.clone()),
        created_at: Set(now),
        last_seen_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(Session {
        secret,
        csrf_token,
        member,
    })
}

/// argon2id of a random password no one knows, for logins to unknown accounts.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4Vq3TNlYpQHVBnsZgVfYV8Hq1zvGXQrVb6r6gQ3dY4Q";

/// The live session behind a cookie's secret, touched as used now.
pub async fn session(
    db: &DatabaseConnection,
    secret: &str,
    now: OffsetDateTime,
) -> ServiceResult<Option<Session>> {
    if secret.len() != 64 {
        return Ok(None);
    }
    let id = sha256_hex(secret.as_bytes());
    let Some(s) = staff_session::Entity::find_by_id(id.clone())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if now - s.last_seen_at > IDLE_TIMEOUT || now - s.created_at > ABSOLUTE_TIMEOUT {
        staff_session::Entity::delete_by_id(id).exec(db).await?;
        return Ok(None);
    }
    let Some(account) = staff::Entity::find_by_id(s.staff_id)
        .filter(staff::Column::DisabledAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    // Touch at most once a minute: a page view is not worth a write each time.
    if now - s.last_seen_at > time::Duration::MINUTE {
        staff_session::Entity::update_many()
            .col_expr(
                staff_session::Column::LastSeenAt,
                Expr::value(truncate_micros(now)),
            )
            .filter(staff_session::Column::IdSha256.eq(id))
            .exec(db)
            .await?;
    }
    Ok(member(&account).map(|member| Session {
        secret: secret.to_string(),
        csrf_token: s.csrf_token,
        member,
    }))
}

/// Ends a session.
pub async fn logout(db: &DatabaseConnection, secret: &str) -> ServiceResult<()> {
    staff_session::Entity::delete_by_id(sha256_hex(secret.as_bytes()))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_parses() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn roles_round_trip() {
        for r in [Role::Reviewer, Role::Admin] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
