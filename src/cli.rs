//! Command line: `takedown <command>`.

use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, TransactionTrait};
use time::OffsetDateTime;

use crate::app::App;
use crate::audit::{self, Verdict};
use crate::config::Config;
use crate::db;
use crate::domain::article::{ArticleInput, NewArticle};
use crate::domain::audit_chain::{Checker, ExportedEvent, Head};
use crate::domain::validate::parse_json;
use crate::domain::validate::{EmailAddress, format_timestamp};
use crate::mail::delivery;
use crate::services::articles::{self, Outcome, Prepared};
use crate::services::staff;
use crate::services::tokens::{self, Scope};
use takedown_text::canonical::{CanonicalHasher, NORMALIZER_VERSION};

#[derive(Parser)]
#[command(
    name = "takedown",
    version,
    about = "Provenance registry and copyright complaints for a news site"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (migrates the database first).
    Serve,
    /// Apply or roll back database migrations.
    Migrate {
        #[arg(value_enum, default_value = "up")]
        direction: MigrateDirection,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Record articles from a JSON Lines file (one article per line; `-` reads stdin).
    Import { file: PathBuf },
    /// Print the canonical content hash of a text file (`-` reads stdin).
    Hash { file: PathBuf },
    /// Fingerprint stored revisions made by an older release again (start-up does it
    /// too; this does it ahead of time, with progress).
    Reindex,
    /// Run one pass of every sweep now (deadlines, then email delivery) and print what
    /// it did.
    Tick,
    /// Inspect the email outbox.
    Outbox {
        /// List messages that failed for good.
        #[arg(long)]
        failed: bool,
        /// Put a failed message back in the queue.
        #[arg(long, value_name = "ID")]
        retry: Option<i64>,
    },
    /// Work with the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The transparency report's figures for complaints received from one day to
    /// another (UTC, both included), as JSON or CSV.
    Report {
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: String,
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: String,
        #[arg(long, value_parser = ["json", "csv"], default_value = "json")]
        format: String,
    },
    /// Copy the SQLite database (consistently, while the service runs) and the
    /// evidence files into DIR, which must be new or empty; check the copy.
    Backup { dir: PathBuf },
    /// Restore a backup from DIR into an empty DATA_DIR, after checking it.
    Restore { dir: PathBuf },
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Add an account. The password is asked for on a terminal, or read from
    /// TAKEDOWN_PASSWORD (or one line of standard input) when not on one.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["reviewer", "admin"])]
        role: String,
    },
    /// Disable an account; its sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum MigrateDirection {
    /// Apply every pending migration.
    Up,
    /// Roll back the latest migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token; its secret is printed once and stored only as a hash.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["articles", "staff", "submitter"])]
        scope: String,
        /// When it stops working: a span from now (`90d`, `12h`) or a date
        /// (`2027-06-30`, end of that day UTC). Without it, it works until revoked.
        #[arg(long, value_name = "SPAN|DATE")]
        expires: Option<String>,
    },
    /// List every token: name, scope, state, created, last used, expiry.
    List,
    /// Stop every token with this name at once.
    Revoke { name: String },
}

#[derive(Subcommand)]
enum AuditCommand {
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

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Logs to stderr: human-readable, or one JSON object per line with
/// `LOG_FORMAT=json` (each with the request's id and route when it has one).
fn init_tracing() {
    let _ = dotenvy::dotenv();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn,sea_orm_migration=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.trim().eq_ignore_ascii_case("json"));
    let _ = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
}

async fn connect(config: &Config) -> Result<DatabaseConnection> {
    let db = db::connect_with(&config.database_url, config.db_options()).await?;
    db::migrate_up(&db).await?;
    Ok(db)
}

async fn run(command: Command) -> Result<ExitCode> {
    if let Command::Hash { file } = &command {
        return hash_file(file);
    }
    let config = Config::from_env()?;
    crate::domain::display_time::set_zone(config.display_tz);
    match command {
        Command::Serve => {
            let app = App::build(config).await?;
            tracing::info!(addr = %app.local_addr(), "takedown listening");
            app.run().await?;
        }
        Command::Migrate { direction } => {
            let db = db::connect_with(&config.database_url, config.db_options()).await?;
            match direction {
                MigrateDirection::Up => Migrator::up(&db, None).await?,
                MigrateDirection::Down => Migrator::down(&db, Some(1)).await?,
                MigrateDirection::Status => Migrator::status(&db).await?,
            }
            println!("migrations: {}", migration_summary(&db).await?);
        }
        Command::Token { command } => return token_command(&config, command).await,
        Command::Staff { command } => return staff_command(&config, command).await,
        Command::Reindex => {
            let db = connect(&config).await?;
            let stale = crate::services::reindex::stale(&db).await?;
            let bar = indicatif::ProgressBar::new(stale);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "fingerprinting {pos}/{len} revisions [{bar:40}] {per_sec}, {eta} left",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let done = crate::services::reindex::run(&db, |n| bar.set_position(n)).await?;
            bar.finish_and_clear();
            println!(
                "reindex: {done} revisions fingerprinted again (fingerprint version {})",
                takedown_text::fingerprint::FINGERPRINT_VERSION
            );
        }
        Command::Import { file } => {
            let db = connect(&config).await?;
            let summary = import(&db, &file).await?;
            println!("{summary}");
            if summary.rejected > 0 {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Tick => {
            let db = connect(&config).await?;
            let ctx = crate::jobs::Context::new(db, std::sync::Arc::new(config))?;
            let report = crate::jobs::tick(&ctx, &ctx.mailer, OffsetDateTime::now_utc()).await?;
            println!("{report}");
        }
        Command::Outbox { failed, retry } => {
            let db = connect(&config).await?;
            if let Some(id) = retry {
                if !delivery::retry(&db, id, "admin:cli", OffsetDateTime::now_utc()).await? {
                    bail!("no failed message with id {id}");
                }
                println!("message {id} queued again");
            }
            if failed || retry.is_none() {
                let rows = delivery::failed(&db).await?;
                println!("{} failed messages", rows.len());
                for r in rows {
                    println!(
                        "{}\t{}\t{}\t{} attempts\t{}",
                        r.id,
                        r.kind,
                        r.recipient,
                        r.attempts,
                        r.last_error.unwrap_or_default()
                    );
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Verify { from, head },
        } => {
            let head = head
                .as_deref()
                .map(Head::parse)
                .transpose()
                .map_err(|e| anyhow::anyhow!("--head: {e}"))?;
            let verdict = match from {
                Some(file) => verify_export(&file, head.as_ref())?,
                None => audit::verify(&connect(&config).await?, head.as_ref()).await?,
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
        }
        Command::Audit {
            command: AuditCommand::Export { after },
        } => {
            let db = connect(&config).await?;
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
        }
        Command::Report { from, to, format } => {
            let period = crate::services::report::Period::parse(&from, &to)
                .map_err(|(field, msg)| anyhow::anyhow!("--{field} {msg}"))?;
            let db = connect(&config).await?;
            let report = crate::services::report::build(
                &db,
                period,
                config.deadline,
                OffsetDateTime::now_utc(),
            )
            .await?;
            if format == "csv" {
                print!("{}", report.csv());
            } else {
                println!("{}", serde_json::to_string_pretty(&report)?);
            }
        }
        Command::Backup { dir } => {
            let db = db::connect_with(&config.database_url, config.db_options()).await?;
            let m =
                crate::services::backup::backup(&db, &config.database_url, &config.data_dir, &dir)
                    .await
                    .with_context(|| format!("backup into {} failed", dir.display()))?;
            println!(
                "backup in {}: audit chain intact ({} events), head {}; {} evidence files",
                dir.display(),
                m.audit_events,
                if m.audit_head.is_empty() {
                    "-"
                } else {
                    &m.audit_head
                },
                m.evidence_files
            );
        }
        Command::Restore { dir } => {
            let m = crate::services::backup::restore(&config.database_url, &config.data_dir, &dir)
                .await
                .with_context(|| format!("restore from {} failed", dir.display()))?;
            println!(
                "restored into {}: audit chain intact ({} events), head {}; {} evidence files",
                config.data_dir.display(),
                m.audit_events,
                if m.audit_head.is_empty() {
                    "-"
                } else {
                    &m.audit_head
                },
                m.evidence_files
            );
        }
        Command::Hash { .. } => {}
    }
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

async fn token_command(config: &Config, command: TokenCommand) -> Result<ExitCode> {
    let now = OffsetDateTime::now_utc();
    let db = connect(config).await?;
    match command {
        TokenCommand::Create {
            name,
            scope,
            expires,
        } => {
            let scope =
                Scope::parse(&scope).context("scope must be articles, staff or submitter")?;
            let name = name.trim();
            if name.is_empty() || name.chars().any(char::is_control) || name.len() > 100 {
                bail!("--name must be 1-100 printable characters");
            }
            let expires_at = expires
                .as_deref()
                .map(|e| parse_expiry(e, now))
                .transpose()?;
            if tokens::name_in_use(&db, name).await? {
                bail!(
                    "a working token is already called {name:?}; revoke it first or pick another name"
                );
            }
            let secret = tokens::create_expiring(&db, name, scope, now, expires_at).await?;
            let until = expires_at
                .map(|e| format!(", expires {}", format_timestamp(e)))
                .unwrap_or_default();
            eprintln!(
                "token {name:?} (scope {}{until}) created; it is shown only now:",
                scope.as_str()
            );
            println!("{secret}");
        }
        TokenCommand::List => {
            let rows = tokens::list(&db).await?;
            println!("name\tscope\tstate\tcreated\tlast used\texpires");
            let t =
                |v: Option<OffsetDateTime>| v.map(format_timestamp).unwrap_or_else(|| "-".into());
            for r in &rows {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    r.name,
                    r.scope,
                    tokens::state(r, now),
                    format_timestamp(r.created_at),
                    t(r.last_used_at),
                    t(r.expires_at)
                );
            }
        }
        TokenCommand::Revoke { name } => {
            let n = tokens::revoke(&db, name.trim(), "admin:cli", now).await?;
            if n == 0 {
                bail!("no unrevoked token is called {:?}", name.trim());
            }
            println!("revoked {n} token(s) called {:?}", name.trim());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `90d`-style spans from now, or a date meaning the end of that day (UTC).
fn parse_expiry(raw: &str, now: OffsetDateTime) -> Result<OffsetDateTime> {
    let raw = raw.trim();
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let at = if let Ok(d) = time::Date::parse(raw, &fmt) {
        (d + time::Duration::DAY).midnight().assume_utc()
    } else {
        let span = humantime::parse_duration(raw)
            .context("--expires must be a span such as 90d or a date such as 2027-06-30")?;
        now + span
    };
    if at <= now {
        bail!("--expires must be in the future");
    }
    Ok(at)
}

async fn migration_summary(db: &DatabaseConnection) -> Result<String> {
    let applied = Migrator::get_applied_migrations(db).await?.len();
    let pending = Migrator::get_pending_migrations(db).await?.len();
    Ok(format!("{applied} applied, {pending} pending"))
}

fn open_input(path: &Path) -> Result<Box<dyn Read + Send>> {
    if path.as_os_str() == "-" {
        Ok(Box::new(std::io::stdin()))
    } else {
        let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        Ok(Box::new(f))
    }
}

/// Bytes per block canonicalised by one thread in `takedown hash`.
const HASH_BLOCK: usize = 4 << 20;

/// Reads up to `HASH_BLOCK` bytes, extended to the end of a line, into `buf`.
fn read_block(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    buf.clear();
    let mut chunk = reader.take(HASH_BLOCK as u64);
    chunk.read_to_end(buf)?;
    if buf.len() == HASH_BLOCK && buf.last() != Some(&b'\n') {
        reader.read_until(b'\n', buf)?;
    }
    Ok(buf.len())
}

/// The canonical text of one block, written into `out`, and the input and scratch
/// buffers back for reuse; or where the block stops being UTF-8.
fn canonical_block(
    path: &Path,
    buf: Vec<u8>,
    at: usize,
    (mut out, mut scratch): (String, String),
) -> Result<(String, Vec<u8>, String)> {
    takedown_text::canonical::canonical_bytes_into(&buf, &mut scratch, &mut out)
        .map_err(|valid| anyhow::anyhow!("{}: not UTF-8 at byte {}", path.display(), at + valid))?;
    Ok((out, buf, scratch))
}

/// Two blocks read in turn, the second possibly empty; (block, its offset).
type Pair = [(Vec<u8>, usize); 2];

fn read_pair(
    reader: &mut impl BufRead,
    spare: &mut Vec<Vec<u8>>,
    offset: &mut usize,
) -> std::io::Result<Pair> {
    let mut take = || -> std::io::Result<(Vec<u8>, usize)> {
        let mut buf = spare.pop().unwrap_or_default();
        let at = *offset;
        *offset += read_block(reader, &mut buf)?;
        Ok((buf, at))
    };
    Ok([take()?, take()?])
}

/// `takedown hash`: canonicalises blocks of lines two at a time on two threads while
/// this one hashes the previous pair, in order, and reads the next. Buffers go round:
/// read into, canonicalised, hashed, used again.
fn hash_file(path: &Path) -> Result<ExitCode> {
    let mut reader = BufReader::with_capacity(1 << 20, open_input(path)?);
    let mut hasher = CanonicalHasher::new();
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    let mut outputs: Vec<String> = Vec::new();
    let mut scratches: Vec<String> = Vec::new();
    let mut offset = 0usize;
    let mut pending: Vec<String> = Vec::new();
    let mut next = read_pair(&mut reader, &mut inputs, &mut offset)?;
    while !next[0].0.is_empty() {
        let [(a, at_a), (b, at_b)] = next;
        let mut buffers = || {
            (
                outputs.pop().unwrap_or_default(),
                scratches.pop().unwrap_or_default(),
            )
        };
        let (oa, ob) = (buffers(), buffers());
        let (first, second, following) = std::thread::scope(|s| {
            let first = s.spawn(|| canonical_block(path, a, at_a, oa));
            let second = s.spawn(|| canonical_block(path, b, at_b, ob));
            for block in pending.drain(..) {
                hasher.update_canonical_block(&block);
                outputs.push(block);
            }
            let following = read_pair(&mut reader, &mut inputs, &mut offset);
            (first.join(), second.join(), following)
        });
        let failed = || anyhow::anyhow!("hashing thread failed");
        for done in [first, second] {
            let (canonical, input, scratch) = done.map_err(|_| failed())??;
            pending.push(canonical);
            inputs.push(input);
            scratches.push(scratch);
        }
        next = following?;
    }
    for block in pending {
        hasher.update_canonical_block(&block);
    }
    println!("{}  {}", hasher.finish(), path.display());
    eprintln!("canonical text SHA-256, normalizer version {NORMALIZER_VERSION}");
    Ok(ExitCode::SUCCESS)
}

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

/// Lines recorded per transaction: one fsync per batch instead of per article.
const IMPORT_BATCH: usize = 500;

/// A line, parsed and prepared, or why it was rejected.
type Line = (u64, Result<Prepared, String>);

/// Records every valid line of a JSON Lines file; reports bad lines on stderr with
/// their number and reason and keeps going. Re-running the same file changes nothing.
///
/// A reader thread parses and fingerprints batches while the previous batch is
/// written, so the CPU work and the database work overlap.
pub async fn import(db: &DatabaseConnection, path: &Path) -> Result<ImportSummary> {
    let total = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let progress = if std::io::stderr().is_terminal() && total > 0 {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {per_sec} eta {eta} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    let input = open_input(path)?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<Line>>>(2);
    let reader_bar = progress.clone();
    let reader = std::thread::spawn(move || read_lines(input, &tx, reader_bar.as_ref()));

    let actor = format!("import:{}", path.display());
    let mut summary = ImportSummary::default();
    while let Some(batch) = rx.recv().await {
        let mut good = Vec::with_capacity(IMPORT_BATCH);
        for (line_no, item) in batch? {
            match item {
                Ok(p) => good.push((line_no, p)),
                Err(reason) => {
                    summary.rejected += 1;
                    report(&progress, format!("line {line_no}: {reason}"));
                }
            }
        }
        record_batch(db, &actor, &good, &mut summary, &progress).await?;
    }
    let _ = reader.join();
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    Ok(summary)
}

/// The reader thread: parses and prepares lines, sending them in batches.
fn read_lines(
    input: Box<dyn Read + Send>,
    tx: &tokio::sync::mpsc::Sender<std::io::Result<Vec<Line>>>,
    progress: Option<&indicatif::ProgressBar>,
) {
    let mut reader = BufReader::new(input);
    let mut batch = Vec::with_capacity(IMPORT_BATCH);
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
        if let Some(bar) = progress {
            bar.inc(n as u64);
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        batch.push((line_no, parse_line(&line).map(Prepared::new)));
        if batch.len() >= IMPORT_BATCH
            && tx
                .blocking_send(Ok(std::mem::replace(
                    &mut batch,
                    Vec::with_capacity(IMPORT_BATCH),
                )))
                .is_err()
        {
            return;
        }
    }
    let _ = tx.blocking_send(Ok(batch));
}

fn report(progress: &Option<indicatif::ProgressBar>, msg: String) {
    match progress {
        Some(bar) => bar.println(msg),
        None => eprintln!("{msg}"),
    }
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

fn count(summary: &mut ImportSummary, outcome: Outcome) {
    match outcome {
        Outcome::Recorded => summary.recorded += 1,
        Outcome::Unchanged => summary.unchanged += 1,
        Outcome::Revised => summary.revised += 1,
    }
}

/// Writes a batch in one transaction. Should the database refuse a line, the batch is
/// rolled back and redone with a savepoint per line, so only that line is lost.
async fn record_batch(
    db: &DatabaseConnection,
    actor: &str,
    batch: &[(u64, Prepared)],
    summary: &mut ImportSummary,
    progress: &Option<indicatif::ProgressBar>,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    let txn = db::begin_write(db).await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut failed = false;
    for (_, article) in batch {
        match articles::record_in(&txn, actor, article, now).await {
            Ok((outcome, _)) => outcomes.push(outcome),
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    if !failed {
        txn.commit().await?;
        for o in outcomes {
            count(summary, o);
        }
        return Ok(());
    }
    txn.rollback().await?;

    let txn = db::begin_write(db).await?;
    for (line_no, article) in batch {
        let sp = txn.begin().await?;
        match articles::record_in(&sp, actor, article, now).await {
            Ok((outcome, _)) => {
                sp.commit().await?;
                count(summary, outcome);
            }
            Err(e) => {
                sp.rollback().await?;
                summary.rejected += 1;
                report(
                    progress,
                    format!("line {line_no}: could not be recorded: {e}"),
                );
            }
        }
    }
    txn.commit().await?;
    Ok(())
}

/// The new account's password: TAKEDOWN_PASSWORD, a prompt on a terminal, or a line
/// of standard input.
fn read_password() -> Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    if let Ok(p) = std::env::var("TAKEDOWN_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!(
            "Password (at least {} characters): ",
            staff::MIN_PASSWORD_CHARS
        );
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

async fn staff_command(config: &Config, command: StaffCommand) -> Result<ExitCode> {
    let now = OffsetDateTime::now_utc();
    match command {
        StaffCommand::Add { email, role } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let role = staff::Role::parse(&role).context("--role must be reviewer or admin")?;
            let password = read_password()?;
            let db = connect(config).await?;
            let id = staff::add(&db, &email, role, password, now).await?;
            println!(
                "staff account {id} added: {} ({})",
                email.as_str(),
                role.as_str()
            );
        }
        StaffCommand::Disable { email } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let db = connect(config).await?;
            if !staff::disable(&db, &email, now).await? {
                eprintln!("no staff account {}", email.as_str());
                return Ok(ExitCode::from(1));
            }
            println!(
                "staff account {} disabled; its sessions have ended",
                email.as_str()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
