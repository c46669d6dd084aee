//! `takedown backup DIR` and `takedown restore DIR` for the embedded SQLite database:
//! a consistent copy taken while the service runs (`VACUUM INTO`, one read snapshot,
//! never a raw copy of a file being written), the evidence files it refers to, and a
//! check of the copy (the audit chain, every evidence file's SHA-256) before it is
//! called a backup or restored.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::{self, Verdict};
use crate::db;
use crate::domain::audit_chain::Head;
use crate::entities::complaint_evidence;
use crate::services::evidence;

/// The database file inside a backup directory.
pub const DB_FILE: &str = "takedown.db";
/// What the backup holds, written last: a directory without it is not a backup.
pub const MANIFEST: &str = "MANIFEST.json";
/// The tracking-code key inside a backup: without it the codes in the copy stay
/// sealed for good.
pub const KEY_FILE: &str = "tracking-code.key";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub created_at: String,
    /// `SEQ:HASH` of the last audit event in the copy, or empty for an empty chain.
    pub audit_head: String,
    pub audit_events: u64,
    pub evidence_files: u64,
    pub database_sha256: String,
    /// The backup holds the key the copy's tracking codes are sealed under.
    #[serde(default)]
    pub tracking_key: bool,
}

/// Where the SQLite database of `url` lives; backups of other databases are the
/// database's own tools' job (see the README for PostgreSQL).
fn sqlite_file(url: &str) -> Result<PathBuf> {
    match db::sqlite_path(url) {
        Some(p) => Ok(PathBuf::from(p)),
        None => bail!(
            "backup and restore handle the embedded SQLite database; for PostgreSQL use pg_dump and pg_restore (README: Operating takedown)"
        ),
    }
}

fn empty_or_absent(dir: &Path) -> Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e).with_context(|| format!("reading {}", dir.display())),
    }
}

fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = std::io::Read::read(&mut f, &mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Takes a backup of the running service's database and evidence into `dir`, which
/// must be empty or absent; checks it; returns what it holds.
pub async fn backup(
    live: &DatabaseConnection,
    database_url: &str,
    data_dir: &Path,
    key_file: &Path,
    dir: &Path,
) -> Result<Manifest> {
    sqlite_file(database_url)?;
    if !empty_or_absent(dir)? {
        bail!(
            "{} is not empty: a backup goes into a new directory",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir.join("evidence"))
        .with_context(|| format!("creating {}", dir.display()))?;
    let target = dir.join(DB_FILE);
    let quoted = target.to_string_lossy().replace('\'', "''");
    live.execute_unprepared(&format!("VACUUM INTO '{quoted}'"))
        .await
        .context("copying the database (VACUUM INTO)")?;

    if key_file.exists() {
        std::fs::copy(key_file, dir.join(KEY_FILE))
            .with_context(|| format!("copying TRACKING_KEY_FILE {}", key_file.display()))?;
    }
    // Evidence committed before the snapshot exists on disk; copy what the copy names.
    let copy = open(&target).await?;
    let files = evidence_files(&copy).await?;
    for sha in &files {
        let (Some(from), Some(to)) = (
            evidence::stored_path(data_dir, sha),
            evidence::stored_path(dir, sha),
        ) else {
            continue;
        };
        std::fs::copy(&from, &to).with_context(|| format!("copying evidence {sha}"))?;
    }
    let manifest = check(&copy, &target, dir, &files).await?;
    copy.close().await.ok();
    let text = serde_json::to_string_pretty(&manifest)?;
    write_synced(&dir.join(MANIFEST), text.as_bytes())?;
    Ok(manifest)
}

/// Restores the backup in `dir` into an empty data directory, after checking it.
pub async fn restore(
    database_url: &str,
    data_dir: &Path,
    key_file: &Path,
    dir: &Path,
) -> Result<Manifest> {
    let db_file = sqlite_file(database_url)?;
    if !dir.join(MANIFEST).exists() {
        bail!(
            "{} holds no {MANIFEST}: not a finished backup",
            dir.display()
        );
    }
    if db_file.exists() || !empty_or_absent(&data_dir.join("evidence"))? {
        bail!(
            "{} already holds a database or evidence: restore only into an empty DATA_DIR",
            data_dir.display()
        );
    }
    let source = dir.join(DB_FILE);
    let copy = open(&source).await?;
    let files = evidence_files(&copy).await?;
    let manifest = check(&copy, &source, dir, &files).await?;
    copy.close().await.ok();
    if manifest.tracking_key {
        restore_key(&dir.join(KEY_FILE), key_file)?;
    }

    if let Some(parent) = db_file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::create_dir_all(data_dir.join("evidence"))?;
    for sha in &files {
        if let (Some(from), Some(to)) = (
            evidence::stored_path(dir, sha),
            evidence::stored_path(data_dir, sha),
        ) {
            std::fs::copy(&from, &to).with_context(|| format!("restoring evidence {sha}"))?;
        }
    }
    // The database last, under a temporary name first: a restore cut short leaves no
    // database that looks whole.
    let partial = db_file.with_extension("db.restoring");
    std::fs::copy(&source, &partial).context("copying the database")?;
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, &db_file).context("putting the database in place")?;
    Ok(manifest)
}

/// Puts the backup's key at `key_file`, unless the very same key is there already.
fn restore_key(from: &Path, key_file: &Path) -> Result<()> {
    let key = std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
    match std::fs::read(key_file) {
        Ok(there) if there == key => return Ok(()),
        Ok(_) => bail!(
            "TRACKING_KEY_FILE {} holds another key: move it away to restore this backup",
            key_file.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", key_file.display())),
    }
    crate::services::tracking_codes::write_key_file(key_file, &key)
        .with_context(|| format!("writing TRACKING_KEY_FILE {}", key_file.display()))
}

/// Opens a copy read-only, as it is: no journal-mode change, no WAL files beside it.
async fn open(file: &Path) -> Result<DatabaseConnection> {
    let mut opts = sea_orm::ConnectOptions::new(format!("sqlite://{}", file.display()));
    opts.sqlx_logging(false).max_connections(1);
    opts.map_sqlx_sqlite_opts(|o| o.read_only(true).immutable(true));
    sea_orm::Database::connect(opts)
        .await
        .with_context(|| format!("opening {}", file.display()))
}

async fn evidence_files(db: &impl ConnectionTrait) -> Result<Vec<String>> {
    let mut files: Vec<String> = complaint_evidence::Entity::find()
        .filter(complaint_evidence::Column::Sha256.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|e| e.sha256)
        .collect();
    files.sort();
    files.dedup();
    Ok(files)
}

/// The chain verifies, every evidence file is there with its SHA-256, and the key the
/// copy's tracking codes are sealed under is there too.
async fn check(
    copy: &DatabaseConnection,
    db_file: &Path,
    dir: &Path,
    evidence_files: &[String],
) -> Result<Manifest> {
    let (events, head) = match audit::verify(copy, None).await? {
        Verdict::Intact { events, head } => (events, head),
        Verdict::Broken { seq, reason } => {
            bail!("the copy's audit chain is broken at event {seq}: {reason}")
        }
    };
    for sha in evidence_files {
        let Some(path) = evidence::stored_path(dir, sha) else {
            bail!("evidence row names {sha:?}, not a SHA-256");
        };
        if !path.exists() {
            bail!("evidence file {sha} is missing from the backup");
        }
        if sha256_file(&path)? != *sha {
            bail!("evidence file {sha} does not match its SHA-256");
        }
    }
    let tracking_key = crate::services::tracking_codes::check_key_file(copy, &dir.join(KEY_FILE))
        .await
        .context("the backup's tracking-code key")?;
    Ok(Manifest {
        tracking_key,
        created_at: crate::domain::validate::format_timestamp(time::OffsetDateTime::now_utc()),
        audit_head: head.as_ref().map(Head::to_string).unwrap_or_default(),
        audit_events: events,
        evidence_files: evidence_files.len() as u64,
        database_sha256: sha256_file(db_file)?,
    })
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut f =
        std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(())
}
