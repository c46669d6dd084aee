//! The `takedown` command line: one module per command; each parses its arguments and
//! calls the services.

mod audit;
mod backup;
mod hash;
mod import;
mod licences;
mod mail;
mod migrate;
mod outbox;
mod reindex;
mod report;
mod staff;
mod tick;
mod token;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use sea_orm::DatabaseConnection;

use crate::app::App;
use crate::config::Config;
use crate::db;

pub use import::import_file;

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
        direction: migrate::MigrateDirection,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: token::TokenCommand,
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
        command: audit::AuditCommand,
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
        command: staff::StaffCommand,
    },
    /// Licences: import their terms from a CSV file, or work out every article's
    /// compliance again.
    Licences {
        #[command(subcommand)]
        command: licences::LicencesCommand,
    },
    /// Mail that comes to us: one message from an MTA's pipe, or one poll of IMAP_URL.
    Mail {
        #[command(subcommand)]
        command: mail::MailCommand,
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
        return hash::run(file);
    }
    if let Command::Mail { command } = command {
        // The MTA reads the exit code: every failure here is "try again later".
        return Ok(mail::run(Config::from_env(), command).await);
    }
    let config = Config::from_env()?;
    crate::domain::display_time::set_zone(config.display_tz);
    match command {
        Command::Serve => {
            let app = App::build(config).await?;
            tracing::info!(addr = %app.local_addr(), "takedown listening");
            app.run().await?;
        }
        Command::Migrate { direction } => migrate::run(&config, direction).await?,
        Command::Token { command } => return token::run(&config, command).await,
        Command::Staff { command } => return staff::run(&config, command).await,
        Command::Reindex => reindex::run(&config).await?,
        Command::Import { file } => return import::run(&config, &file).await,
        Command::Tick => tick::run(config).await?,
        Command::Licences { command } => return licences::run(config, command).await,
        Command::Outbox { failed, retry } => outbox::run(&config, failed, retry).await?,
        Command::Audit { command } => return audit::run(&config, command).await,
        Command::Report { from, to, format } => report::run(&config, &from, &to, &format).await?,
        Command::Backup { dir } => backup::backup(&config, &dir).await?,
        Command::Restore { dir } => backup::restore(&config, &dir).await?,
        Command::Hash { .. } | Command::Mail { .. } => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// A file, or standard input for `-`.
fn open_input(path: &Path) -> Result<Box<dyn Read + Send>> {
    if path.as_os_str() == "-" {
        Ok(Box::new(std::io::stdin()))
    } else {
        let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        Ok(Box::new(f))
    }
}
