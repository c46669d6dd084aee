//! Recording articles in bulk from JSON Lines (one article per line). Bad lines are
//! reported with their number and reason and skipped; re-running the same input
//! changes nothing.
//!
//! A reader thread parses and fingerprints batches while the previous batch is
//! written, so the CPU work and the database work overlap.

use std::io::{BufRead, BufReader, Read};

use sea_orm::{DatabaseConnection, TransactionTrait};
use time::OffsetDateTime;

use crate::db;
use crate::domain::article::{ArticleInput, NewArticle};
use crate::domain::validate::parse_json;
use crate::services::articles::{self, Outcome, Prepared};
use crate::services::error::ServiceResult;

/// Lines recorded per transaction: one fsync per batch instead of per article.
const BATCH: usize = 500;

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub recorded: u64,
    pub unchanged: u64,
    pub revised: u64,
    pub rejected: u64,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "recorded {}, unchanged {}, new revisions {}, rejected {}",
            self.recorded, self.unchanged, self.revised, self.rejected
        )
    }
}

impl ImportSummary {
    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Recorded => self.recorded += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Revised => self.revised += 1,
        }
    }
}

/// Who watches an import: bytes read (from the reader thread) and lines rejected.
pub trait Progress: Send + Sync {
    fn read(&self, _bytes: u64) {}
    fn rejected(&self, line_no: u64, reason: &str);
}

/// A line, parsed and prepared, or why it was rejected.
type Line = (u64, Result<Prepared, String>);

/// Records every valid line of `input` as `actor`.
pub async fn import(
    db: &DatabaseConnection,
    input: Box<dyn Read + Send>,
    actor: &str,
    alteration_threshold: f64,
    progress: std::sync::Arc<dyn Progress>,
) -> ServiceResult<ImportSummary> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<Line>>>(2);
    let watcher = progress.clone();
    let reader =
        std::thread::spawn(move || read_lines(input, &tx, alteration_threshold, watcher.as_ref()));
    let mut summary = ImportSummary::default();
    while let Some(batch) = rx.recv().await {
        let mut good = Vec::with_capacity(BATCH);
        for (line_no, item) in batch? {
            match item {
                Ok(p) => good.push((line_no, p)),
                Err(reason) => {
                    summary.rejected += 1;
                    progress.rejected(line_no, &reason);
                }
            }
        }
        record_batch(db, actor, &good, &mut summary, progress.as_ref()).await?;
    }
    let _ = reader.join();
    Ok(summary)
}

/// The reader thread: parses and prepares lines, sending them in batches.
fn read_lines(
    input: Box<dyn Read + Send>,
    tx: &tokio::sync::mpsc::Sender<std::io::Result<Vec<Line>>>,
    alteration_threshold: f64,
    progress: &dyn Progress,
) {
    let mut reader = BufReader::new(input);
    let mut batch = Vec::with_capacity(BATCH);
    let mut line = Vec::new();
    let mut line_no = 0u64;
    loop {
        line.clear();
        let n = match reader.read_until(b'\n', &mut line) {
            Ok(n) => n,
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        if n == 0 {
            break;
        }
        line_no += 1;
        progress.read(n as u64);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        batch.push((
            line_no,
            parse_line(&line).map(|a| Prepared::new(a, alteration_threshold)),
        ));
        if batch.len() >= BATCH
            && tx
                .blocking_send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))))
                .is_err()
        {
            return;
        }
    }
    let _ = tx.blocking_send(Ok(batch));
}

fn parse_line(line: &[u8]) -> Result<NewArticle, String> {
    let input: ArticleInput = parse_json(line)?;
    NewArticle::parse(&input).map_err(|errs| {
        errs.iter()
            .map(|(f, m)| format!("{f} {m}"))
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// Writes a batch in one transaction. Should the database refuse a line, the batch is
/// rolled back and redone with a savepoint per line, so only that line is lost.
async fn record_batch(
    db: &DatabaseConnection,
    actor: &str,
    batch: &[(u64, Prepared)],
    summary: &mut ImportSummary,
    progress: &dyn Progress,
) -> ServiceResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    let txn = db::begin_write(db).await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut memo = articles::Memo::default();
    for (_, article) in batch {
        match articles::record_in_batch(&txn, actor, article, now, &mut memo).await {
            Ok((outcome, _)) => outcomes.push(outcome),
            Err(_) => break,
        }
    }
    if outcomes.len() == batch.len() {
        txn.commit().await?;
        outcomes.into_iter().for_each(|o| summary.count(o));
        return Ok(());
    }
    txn.rollback().await?;

    let txn = db::begin_write(db).await?;
    for (line_no, article) in batch {
        let sp = txn.begin().await?;
        match articles::record_in(&sp, actor, article, now).await {
            Ok((outcome, _)) => {
                sp.commit().await?;
                summary.count(outcome);
            }
            Err(e) => {
                sp.rollback().await?;
                summary.rejected += 1;
                progress.rejected(*line_no, &format!("could not be recorded: {e}"));
            }
        }
    }
    txn.commit().await?;
    Ok(())
}
