//! `takedown import`: record articles from a JSON Lines file, with a progress bar on a
//! terminal and each rejected line named on stderr.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::services::import::{self, ImportSummary, Progress};

use super::{connect, open_input};

pub async fn run(config: &Config, file: &Path) -> Result<ExitCode> {
    let db = connect(config).await?;
    let summary = import_file(&db, file, config.licences.alteration_threshold).await?;
    println!("{summary}");
    Ok(if summary.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Imports `path` (`-` is stdin) as `import:{path}`.
pub async fn import_file(
    db: &DatabaseConnection,
    path: &Path,
    alteration_threshold: f64,
) -> Result<ImportSummary> {
    let total = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let bar = (std::io::stderr().is_terminal() && total > 0).then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {per_sec} eta {eta} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let shown = Arc::new(Shown(bar.clone()));
    let actor = format!("import:{}", path.display());
    let summary =
        import::import(db, open_input(path)?, &actor, alteration_threshold, shown).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(summary)
}

/// The bar when on a terminal; rejected lines go above it, or to stderr.
struct Shown(Option<indicatif::ProgressBar>);

impl Progress for Shown {
    fn read(&self, bytes: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(bytes);
        }
    }

    fn rejected(&self, line_no: u64, reason: &str) {
        let msg = format!("line {line_no}: {reason}");
        match &self.0 {
            Some(bar) => bar.println(msg),
            None => eprintln!("{msg}"),
        }
    }
}
