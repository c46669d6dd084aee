//! `takedown backup` and `takedown restore`: a consistent copy of the SQLite database
//! and the evidence files, checked when written and again before it is restored.

use std::path::Path;

use anyhow::{Context, Result};

use crate::config::Config;
use crate::db;
use crate::services::backup::{self, Manifest};

pub async fn backup(config: &Config, dir: &Path) -> Result<()> {
    let db = db::connect_with(&config.database_url, config.db_options()).await?;
    let m = backup::backup(
        &db,
        &config.database_url,
        &config.data_dir,
        &config.tracking_key_file,
        dir,
    )
    .await
    .with_context(|| format!("backup into {} failed", dir.display()))?;
    println!("backup in {}: {}", dir.display(), checked(&m));
    Ok(())
}

pub async fn restore(config: &Config, dir: &Path) -> Result<()> {
    let m = backup::restore(
        &config.database_url,
        &config.data_dir,
        &config.tracking_key_file,
        dir,
    )
    .await
    .with_context(|| format!("restore from {} failed", dir.display()))?;
    println!(
        "restored into {}: {}",
        config.data_dir.display(),
        checked(&m)
    );
    Ok(())
}

fn checked(m: &Manifest) -> String {
    let head = if m.audit_head.is_empty() {
        "-"
    } else {
        &m.audit_head
    };
    format!(
        "audit chain intact ({} events), head {head}; {} evidence files",
        m.audit_events, m.evidence_files
    )
}
