//! Sign-in throttling and the sign-in form's tokens, kept in the database so that
//! every instance sharing it counts together and a restart resets nothing.
//!
//! An attempt is counted, atomically, before its password is checked: of any number
//! sent at once, only `MAX_FAILURES` per account and per address reach the (slow)
//! password check in a window. A successful sign-in gives its count back.
//!
//! The form's token is issued by the server (signed with a key kept in the database)
//! and can be spent once.

use hmac::{KeyInit, Mac};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Value};
use time::OffsetDateTime;

use crate::db::{self, stmt};
use crate::services::staff::random_token;
use takedown_text::canonical::sha256_hex;

/// Failed sign-ins allowed per account and per address in `WINDOW_SECS`.
pub const MAX_FAILURES: i64 = 5;
pub const WINDOW_SECS: i64 = 15 * 60;
/// How long a sign-in form may be left open before it is submitted.
pub const TOKEN_SECS: i64 = 60 * 60;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// The key that signs sign-in form tokens, made on first use and shared by instances.
#[derive(Clone)]
pub struct TokenKey(Vec<u8>);

impl TokenKey {
    pub async fn load(db: &DatabaseConnection) -> Result<Self, DbErr> {
        let backend = db.get_database_backend();
        db.execute_raw(stmt(
            backend,
            "INSERT INTO server_keys (name, secret) VALUES ('login_form', ?) ON CONFLICT (name) DO NOTHING",
            vec![Value::from(random_token())],
        ))
        .await?;
        let row = db
            .query_one_raw(stmt(
                backend,
                "SELECT secret FROM server_keys WHERE name = 'login_form'",
                vec![],
            ))
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("server_keys.login_form".into()))?;
        Ok(Self(row.try_get::<String>("", "secret")?.into_bytes()))
    }

    fn mac(&self, body: &str) -> String {
        let Ok(mut mac) = HmacSha256::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(b"login-form:");
        mac.update(body.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// A new form token: its expiry, a nonce and their signature.
    pub fn issue(&self, now: OffsetDateTime) -> String {
        let body = format!(
            "{}.{}",
            now.unix_timestamp() + TOKEN_SECS,
            &random_token()[..32]
        );
        let mac = self.mac(&body);
        format!("{body}.{mac}")
    }

    /// The token's expiry, when this key signed it and it has not expired.
    fn check(&self, token: &str, now: OffsetDateTime) -> Option<i64> {
        let (body, mac) = token.rsplit_once('.')?;
        let expires: i64 = body.split_once('.')?.0.parse().ok()?;
        let ok = crate::services::staff::constant_eq(mac, &self.mac(body));
        (ok && expires > now.unix_timestamp()).then_some(expires)
    }
}

/// Whether an attempt may go on to the password check.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// The form's token is forged, expired or already spent.
    TokenRefused,
    /// Too many failures; try again after this many seconds.
    Throttled(u64),
}

fn subjects(email: &str, address: &str) -> [String; 2] {
    [
        format!("account:{}", email.trim().to_lowercase()),
        format!("address:{address}"),
    ]
}

/// Spends the form's token and counts the attempt against the account and the
/// address, in one transaction, before any password is checked.
pub async fn admit(
    db: &DatabaseConnection,
    key: &TokenKey,
    token: &str,
    email: &str,
    address: &str,
    now: OffsetDateTime,
) -> Result<Admission, DbErr> {
    let Some(expires) = key.check(token, now) else {
        return Ok(Admission::TokenRefused);
    };
    let backend = db.get_database_backend();
    let now_s = now.unix_timestamp();
    let txn = db::begin_write(db).await?;
    txn.execute_raw(stmt(
        backend,
        "DELETE FROM login_tokens_used WHERE expires_at <= ?",
        vec![Value::from(now_s)],
    ))
    .await?;
    let spent = txn
        .execute_raw(stmt(
            backend,
            "INSERT INTO login_tokens_used (token_sha256, expires_at) VALUES (?, ?) ON CONFLICT (token_sha256) DO NOTHING",
            vec![Value::from(sha256_hex(token.as_bytes())), Value::from(expires)],
        ))
        .await?
        .rows_affected()
        == 0;
    if spent {
        txn.rollback().await?;
        return Ok(Admission::TokenRefused);
    }
    let stale = now_s - WINDOW_SECS;
    let mut wait = None;
    for subject in subjects(email, address) {
        let row = txn
            .query_one_raw(stmt(
                backend,
                "INSERT INTO login_attempts (subject, window_start, attempts) VALUES (?, ?, 1) \
                 ON CONFLICT (subject) DO UPDATE SET \
                 attempts = CASE WHEN login_attempts.window_start <= ? THEN 1 ELSE login_attempts.attempts + 1 END, \
                 window_start = CASE WHEN login_attempts.window_start <= ? THEN ? ELSE login_attempts.window_start END \
                 RETURNING attempts, window_start",
                vec![
                    Value::from(subject),
                    Value::from(now_s),
                    Value::from(stale),
                    Value::from(stale),
                    Value::from(now_s),
                ],
            ))
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("login_attempts".into()))?;
        let attempts: i64 = row.try_get::<i32>("", "attempts").map(i64::from)?;
        let start: i64 = row.try_get("", "window_start")?;
        if attempts > MAX_FAILURES {
            let left = (start + WINDOW_SECS - now_s).max(1) as u64;
            wait = Some(wait.map_or(left, |w: u64| w.max(left)));
        }
    }
    txn.commit().await?;
    Ok(wait.map_or(Admission::Admitted, Admission::Throttled))
}

/// A right password: the account's failures are forgotten and the address gets this
/// attempt back.
pub async fn succeeded(db: &DatabaseConnection, email: &str, address: &str) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let [account, address] = subjects(email, address);
    let txn = db::begin_write(db).await?;
    txn.execute_raw(stmt(
        backend,
        "DELETE FROM login_attempts WHERE subject = ?",
        vec![Value::from(account)],
    ))
    .await?;
    txn.execute_raw(stmt(
        backend,
        "UPDATE login_attempts SET attempts = attempts - 1 WHERE subject = ? AND attempts > 0",
        vec![Value::from(address)],
    ))
    .await?;
    txn.commit().await
}

/// Forgets counters whose window has passed (the retention sweep calls this).
pub async fn prune(db: &DatabaseConnection, now: OffsetDateTime) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let txn = db::begin_write(db).await?;
    let n = txn
        .execute_raw(stmt(
            backend,
            "DELETE FROM login_attempts WHERE window_start <= ?",
            vec![Value::from(now.unix_timestamp() - WINDOW_SECS)],
        ))
        .await?
        .rows_affected();
    txn.commit().await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_signed_and_expire() {
        let key = TokenKey(b"k".repeat(32));
        let now = OffsetDateTime::now_utc();
        let t = key.issue(now);
        assert!(key.check(&t, now).is_some());
        assert!(
            key.check(&t, now + time::Duration::seconds(TOKEN_SECS))
                .is_none()
        );
        let other = TokenKey(b"j".repeat(32));
        assert!(
            other.check(&t, now).is_none(),
            "another key did not sign it"
        );
        let (body, _) = t.rsplit_once('.').unwrap();
        let forged = format!("{}9.{}", body, "0".repeat(64));
        assert!(key.check(&forged, now).is_none());
        assert!(key.check("", now).is_none());
        assert!(key.check("1.2", now).is_none());
    }
}
