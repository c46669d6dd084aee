//! `takedown licences import FILE.csv` and `takedown licences recheck`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use time::OffsetDateTime;

use crate::config::Config;
use crate::db;
use crate::domain::licence::Terms;
use crate::domain::licence_csv;
use crate::services::licences::{self, Outcome};
use crate::services::site::Site;

#[derive(Subcommand)]
pub enum LicencesCommand {
    /// Save licences from a CSV file with a header row (columns: reference, licensor,
    /// licensor_contact, outlets, source_hosts, starts_at, ends_at, rights,
    /// attribution_required, edits_allowed; lists separated by `;`). Each bad row is
    /// named; the rest are saved. Importing the same file again changes nothing.
    Import { file: PathBuf },
    /// Work out every current article revision's compliance again: the text verdicts
    /// of those recorded before licences were records (or at another
    /// ALTERATION_THRESHOLD), and every licence verdict as of now.
    Recheck,
}

/// What an import did.
#[derive(Debug, Default)]
struct Summary {
    recorded: u64,
    revised: u64,
    unchanged: u64,
    rejected: u64,
}

pub async fn run(config: Config, command: LicencesCommand) -> Result<ExitCode> {
    let db = super::connect(&config).await?;
    let jobs = crate::jobs::Context::load(db.clone(), Arc::new(config.clone())).await?;
    let site = Site::of(&config, &jobs.codes);
    match command {
        LicencesCommand::Import { file } => {
            let s = import(&db, &site, &config, &file).await?;
            println!(
                "licences: {} recorded, {} revised, {} unchanged, {} rejected",
                s.recorded, s.revised, s.unchanged, s.rejected
            );
            Ok(if s.rejected > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        LicencesCommand::Recheck => {
            let r = licences::recheck_all(
                &db,
                config.licences.alteration_threshold,
                OffsetDateTime::now_utc(),
            )
            .await?;
            println!(
                "compliance: {} texts checked, {} licences, {} verdicts changed",
                r.texts, r.references, r.changed
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn import(
    db: &sea_orm::DatabaseConnection,
    site: &Site<'_>,
    config: &Config,
    file: &Path,
) -> Result<Summary> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("reading {} (UTF-8 CSV)", file.display()))?;
    let mut rows = licence_csv::records(&text).map_err(anyhow::Error::msg)?;
    if rows.is_empty() {
        anyhow::bail!("{} is empty: it needs a header row", file.display());
    }
    let (_, head) = rows.remove(0);
    let names = licence_csv::header(&head).map_err(anyhow::Error::msg)?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(rows.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} licences {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let say = |msg: String| match &bar {
        Some(b) => b.println(msg),
        None => eprintln!("{msg}"),
    };
    let actor = format!("import:{}", file.display());
    let mut s = Summary::default();
    for (line, fields) in rows {
        if let Some(b) = &bar {
            b.inc(1);
        }
        let terms = licence_csv::row(&names, &fields).and_then(|input| {
            Terms::parse(&input).map_err(|errs| {
                errs.iter()
                    .map(|(f, e)| format!("{f}: {}", e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        });
        let terms = match terms {
            Ok(t) => t,
            Err(e) => {
                s.rejected += 1;
                say(format!("line {line}: {e}"));
                continue;
            }
        };
        let txn = db::begin_write(db).await?;
        let (outcome, _, _) = licences::save_in(
            &txn,
            site,
            &config.licences,
            &actor,
            &terms,
            OffsetDateTime::now_utc(),
        )
        .await?;
        txn.commit().await?;
        match outcome {
            Outcome::Recorded => s.recorded += 1,
            Outcome::Revised => s.revised += 1,
            Outcome::Unchanged => s.unchanged += 1,
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(s)
}
