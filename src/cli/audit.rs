//! `takedown audit`: verify the hash chain (of the database or an export), export it.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use crate::audit::{self, Verdict};
use crate::config::Config;
use crate::domain::audit_chain::{Checker, ExportedEvent, Head};

use super::{connect, open_input};

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain, of the database or of an export; exit 0 when intact,
    /// 1 naming the first bad event.
    Verify {
        /// An export (`GET /api/v1/audit` or `takedown audit export`) to check offline
        /// instead of the database; `-` reads stdin.
        #[arg(long, value_name = "FILE")]
        from: Option<PathBuf>,
        /// A head handed out earlier (`SEQ:HASH`, as on a complaint's receipt): the
        /// chain must still hold that event with that hash.
        #[arg(long, value_name = "SEQ:HASH")]
        head: Option<String>,
    },
    /// Write the events after SEQ as JSON Lines to standard output.
    Export {
        #[arg(long, default_value_t = 0)]
        after: i64,
    },
}

pub async fn run(config: &Config, command: AuditCommand) -> Result<ExitCode> {
    match command {
        AuditCommand::Verify { from, head } => verify(config, from, head).await,
        AuditCommand::Export { after } => export(config, after).await,
    }
}

async fn verify(config: &Config, from: Option<PathBuf>, head: Option<String>) -> Result<ExitCode> {
    let head = head
        .as_deref()
        .map(Head::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--head: {e}"))?;
    let verdict = match from {
        Some(file) => verify_export(&file, head.as_ref())?,
        None => audit::verify(&connect(config).await?, head.as_ref()).await?,
    };
    match verdict {
        Verdict::Intact { events, head: last } => {
            let at = last.map(|h| format!(", head {h}")).unwrap_or_default();
            println!("audit chain intact: {events} events{at}");
            if let Some(h) = head {
                println!("holds {h}");
            }
        }
        Verdict::Broken { seq, reason } => {
            println!("audit chain broken at event {seq}: {reason}");
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn export(config: &Config, after: i64) -> Result<ExitCode> {
    let db = connect(config).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut after = after;
    loop {
        let page = audit::page_after(&db, after, audit::PAGE).await?;
        for e in &page {
            serde_json::to_writer(&mut out, &audit::export(e))?;
            out.write_all(b"\n")?;
            after = e.seq;
        }
        if (page.len() as u64) < audit::PAGE {
            break;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Checks an exported chain line by line; an export that starts after event 1 is
/// checked from its first event on.
fn verify_export(path: &Path, head: Option<&Head>) -> Result<Verdict> {
    let reader = BufReader::new(open_input(path)?);
    let mut v = audit::Verifier::new(Checker::from_anywhere(), head);
    for (n, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let event: ExportedEvent = match serde_json::from_str(&line) {
            Ok(e) => e,
            Err(e) => bail!(
                "{} line {}: not an exported event: {e}",
                path.display(),
                n + 1
            ),
        };
        if let Err(b) = v.check_exported(&event) {
            return Ok(Verdict::Broken {
                seq: b.seq,
                reason: b.reason,
            });
        }
    }
    Ok(v.finish())
}
