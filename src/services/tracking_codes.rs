//! Tracking codes at rest. A code lets its holder withdraw, appeal and answer, so the
//! database keeps none in plain text:
//! - a complaint is found by its code's SHA-256 (codes are 160 random bits, so the
//!   hash alone cannot be searched back to the code);
//! - the code itself, which later emails' status links need, is sealed: XORed with an
//!   HMAC-SHA-256 pad drawn from a fresh nonce under a key kept outside the database
//!   (`TRACKING_KEY_FILE`), and checked against its SHA-256 when opened.
//!
//! The database records the key's fingerprint, so an instance started with another
//! key, or none, refuses to start instead of mailing links that lead nowhere.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail, ensure};
use hmac::{KeyInit, Mac};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QuerySelect, Set, Value,
};

use std::collections::HashSet;

use crate::db::{self, stmt};
use crate::domain::complaint::TrackingCode;
use crate::entities::complaint;
use crate::services::confirmation::ERASED;
use takedown_text::canonical::sha256_hex;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 16;
/// Marks a sealed value, which a plain code (hex digits only) never starts with.
const SEALED: &str = "s1.";
const FINGERPRINT: &str = "tracking_code_key";

/// The key tracking codes are sealed under.
#[derive(Clone)]
pub struct CodeKey(Arc<[u8; KEY_BYTES]>);

impl std::fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeKey(..)")
    }
}

/// How a complaint is looked up by its code.
pub fn lookup_hash(code: &str) -> String {
    sha256_hex(code.as_bytes())
}

impl CodeKey {
    /// Reads the key at `path`, or makes it there when neither it nor a database that
    /// needs it exists yet, checks it is the key the database's codes are sealed under,
    /// and seals any code still in plain text (see `seal_plain`).
    pub async fn load(db: &DatabaseConnection, path: &Path) -> anyhow::Result<Self> {
        let recorded = recorded_fingerprint(db).await?;
        let key = match read(path)? {
            Some(key) => key,
            None if recorded.is_some() => bail!(
                "TRACKING_KEY_FILE {} is missing, and this database's tracking codes are \
                 sealed under the key it held: restore it (every backup holds a copy)",
                path.display()
            ),
            None => create(path)?,
        };
        let mine = key.fingerprint();
        db.execute_raw(stmt(
            db.get_database_backend(),
            "INSERT INTO server_keys (name, secret) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            vec![Value::from(FINGERPRINT), Value::from(mine.clone())],
        ))
        .await?;
        ensure!(
            recorded_fingerprint(db).await?.as_deref() == Some(mine.as_str()),
            "TRACKING_KEY_FILE {} is not the key this database's tracking codes are sealed \
             under",
            path.display()
        );
        let sealed = seal_plain(db, &key).await?;
        if sealed > 0 {
            tracing::info!(
                sealed,
                "sealed tracking codes kept in plain text by an earlier release"
            );
        }
        Ok(key)
    }

    /// A key of its own, for a database made and dropped in one go.
    pub fn random() -> Self {
        let mut k = [0u8; KEY_BYTES];
        rand::rng().fill_bytes(&mut k);
        Self(Arc::new(k))
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.0[..])
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    }

    fn fingerprint(&self) -> String {
        hex::encode(self.mac(&[b"tracking-code-key-fingerprint"]))
    }

    /// `bytes` XORed with the pad for `nonce`, which runs one HMAC block per 32 bytes.
    fn xor_pad(&self, nonce: &[u8], bytes: &[u8]) -> Vec<u8> {
        bytes
            .chunks(32)
            .enumerate()
            .flat_map(|(i, chunk)| {
                let block = self.mac(&[b"tracking-code:", nonce, &(i as u32).to_be_bytes()]);
                chunk
                    .iter()
                    .zip(block)
                    .map(|(b, p)| b ^ p)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The code as stored.
    pub fn seal(&self, code: &str) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self.xor_pad(&nonce, code.as_bytes());
        format!("{SEALED}{}.{}", hex::encode(nonce), hex::encode(sealed))
    }

    /// What `sealed` opens to under this key, right or wrong.
    fn unseal(&self, sealed: &str) -> Option<String> {
        let (nonce, body) = sealed.strip_prefix(SEALED)?.split_once('.')?;
        let plain = self.xor_pad(&hex::decode(nonce).ok()?, &hex::decode(body).ok()?);
        String::from_utf8(plain).ok()
    }

    /// The code sealed in `sealed`, when it opens under this key to one whose SHA-256
    /// is `sha256`.
    fn open(&self, sealed: &str, sha256: &str) -> Option<String> {
        self.unseal(sealed)
            .filter(|code| lookup_hash(code) == sha256)
    }

    /// The complaint's tracking code, for the links in its claimant's emails.
    pub fn code_of(&self, c: &complaint::Model) -> Result<TrackingCode, DbErr> {
        c.tracking_code_sha256
            .as_deref()
            .and_then(|sha| self.open(&c.tracking_code_sealed, sha))
            .and_then(|code| TrackingCode::parse(&code))
            .ok_or_else(|| {
                DbErr::Custom(format!(
                    "complaint {}'s tracking code does not open under TRACKING_KEY_FILE",
                    c.id
                ))
            })
    }
}

/// `text` with every complaint's tracking code in it blanked, if it held one: once an
/// email is sent, its codes are meant to exist only in the claimant's mailbox. A run
/// of 40 hex digits is blanked only when it is some complaint's code, so other hex
/// (a commit id in a quoted URL) stays as sent.
pub async fn erase_codes(db: &impl ConnectionTrait, text: &str) -> Result<Option<String>, DbErr> {
    let runs = code_shaped_runs(text);
    if runs.is_empty() {
        return Ok(None);
    }
    let hashes: Vec<String> = runs.iter().map(|r| lookup_hash(&text[r.clone()])).collect();
    let known: HashSet<String> = complaint::Entity::find()
        .select_only()
        .column(complaint::Column::TrackingCodeSha256)
        .filter(complaint::Column::TrackingCodeSha256.is_in(hashes.clone()))
        .into_tuple::<Option<String>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect();
    if known.is_empty() {
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (run, hash) in runs.into_iter().zip(hashes) {
        if known.contains(&hash) {
            out.push_str(&text[at..run.start]);
            out.push_str(ERASED);
            at = run.end;
        }
    }
    out.push_str(&text[at..]);
    Ok(Some(out))
}

/// The byte ranges of `text` that have a tracking code's shape: exactly 40 lower-case
/// hex digits, with no letter or digit either side.
fn code_shaped_runs(text: &str) -> Vec<std::ops::Range<usize>> {
    let b = text.as_bytes();
    let len = TrackingCode::LEN;
    let mut runs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        if i - start == len
            && b[start..i]
                .iter()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
        {
            runs.push(start..i);
        }
    }
    runs
}

/// Whether the key at `path` is the one `db`'s codes are sealed under; a database
/// that has sealed none takes any key, or none.
pub async fn check_key_file(db: &DatabaseConnection, path: &Path) -> anyhow::Result<bool> {
    let Some(recorded) = recorded_fingerprint(db).await? else {
        return Ok(false);
    };
    let Some(key) = read(path)? else {
        bail!(
            "{} is missing: the database's tracking codes are sealed under it",
            path.display()
        );
    };
    ensure!(
        key.fingerprint() == recorded,
        "{} is not the key the database's tracking codes are sealed under",
        path.display()
    );
    Ok(true)
}

async fn recorded_fingerprint(db: &DatabaseConnection) -> Result<Option<String>, DbErr> {
    let row = db
        .query_one_raw(stmt(
            db.get_database_backend(),
            "SELECT secret FROM server_keys WHERE name = ?",
            vec![Value::from(FINGERPRINT)],
        ))
        .await?;
    row.map(|r| r.try_get::<String>("", "secret")).transpose()
}

fn parse(text: &str, path: &Path) -> anyhow::Result<CodeKey> {
    let bytes = hex::decode(text.trim())
        .ok()
        .filter(|b| b.len() == KEY_BYTES);
    let Some(bytes) = bytes else {
        bail!(
            "TRACKING_KEY_FILE {} must hold {} hex digits",
            path.display(),
            KEY_BYTES * 2
        );
    };
    let mut k = [0u8; KEY_BYTES];
    k.copy_from_slice(&bytes);
    Ok(CodeKey(Arc::new(k)))
}

fn read(path: &Path) -> anyhow::Result<Option<CodeKey>> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text, path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading TRACKING_KEY_FILE {}", path.display())),
    }
}

/// Writes a key file that must not exist yet, readable by its owner only from the
/// moment it is made, and synced.
pub fn write_key_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    let mut f = open.open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

/// A new key at `path`, readable by its owner only; the file another instance made
/// first, if it won the race.
fn create(path: &Path) -> anyhow::Result<CodeKey> {
    let key = CodeKey::random();
    let text = format!("{}\n", hex::encode(&key.0[..]));
    match write_key_file(path, text.as_bytes()) {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read(path)?.with_context(|| format!("TRACKING_KEY_FILE {} vanished", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("creating TRACKING_KEY_FILE {}", path.display())),
    }
}

/// Seals the codes a migration left in plain text (and finds again the hash of any
/// sealed before a migration down and up), a batch per transaction. Returns how many.
async fn seal_plain(db: &DatabaseConnection, key: &CodeKey) -> anyhow::Result<u64> {
    const BATCH: u64 = 500;
    let mut sealed = 0;
    loop {
        let txn = db::begin_write(db).await?;
        let rows = complaint::Entity::find()
            .filter(complaint::Column::TrackingCodeSha256.is_null())
            .limit(BATCH)
            .all(&txn)
            .await?;
        if rows.is_empty() {
            return Ok(sealed);
        }
        for c in rows {
            let code = if c.tracking_code_sealed.starts_with(SEALED) {
                // Its hash was dropped: it must open to a code of the shape we issue.
                key.unseal(&c.tracking_code_sealed)
                    .filter(|code| TrackingCode::parse(code).is_some())
                    .with_context(|| format!("complaint {}'s sealed tracking code", c.id))?
            } else {
                c.tracking_code_sealed.clone()
            };
            let mut am: complaint::ActiveModel = c.into();
            am.tracking_code_sealed = Set(key.seal(&code));
            am.tracking_code_sha256 = Set(Some(lookup_hash(&code)));
            am.update(&txn).await?;
            sealed += 1;
        }
        txn.commit().await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_code_opens_only_under_its_key_and_hash() {
        let key = CodeKey::random();
        let code = TrackingCode::generate();
        let sealed = key.seal(code.as_str());
        assert!(!sealed.contains(code.as_str()));
        assert_ne!(sealed, key.seal(code.as_str()), "a fresh nonce each time");
        let sha = lookup_hash(code.as_str());
        assert_eq!(key.open(&sealed, &sha).as_deref(), Some(code.as_str()));
        assert_eq!(CodeKey::random().open(&sealed, &sha), None);
        assert_eq!(key.open(&sealed, &lookup_hash("another")), None);
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(key.open(&String::from_utf8(tampered).unwrap(), &sha), None);
    }

    #[test]
    fn only_whole_40_digit_lower_hex_words_are_code_shaped() {
        let code = "0123456789abcdef0123456789abcdef01234567";
        let t = format!(
            "status /complaints/{code}. x{code} {code}0 {} {code}",
            code.to_uppercase()
        );
        let runs = code_shaped_runs(&t);
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert!(runs.iter().all(|r| &t[r.clone()] == code));
        assert!(code_shaped_runs("短文本 no codes").is_empty());
    }

    #[test]
    fn a_key_file_must_hold_a_whole_key() {
        let p = Path::new("k");
        assert!(parse(&"ab".repeat(32), p).is_ok());
        assert!(parse(&format!("{}\n", "ab".repeat(32)), p).is_ok());
        assert!(parse(&"ab".repeat(31), p).is_err());
        assert!(parse(&"zz".repeat(32), p).is_err());
    }
}
