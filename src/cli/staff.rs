//! `takedown staff`: staff accounts.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use time::OffsetDateTime;

use crate::config::Config;
use crate::domain::validate::EmailAddress;
use crate::services::staff;

use super::connect;

#[derive(Subcommand)]
pub enum StaffCommand {
    /// Add an account. The password is asked for on a terminal, or read from
    /// TAKEDOWN_PASSWORD (or one line of standard input) when not on one.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["reviewer", "admin"])]
        role: String,
    },
    /// Set a new password for an account (read as for `add`); its sessions end.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Disable an account; its sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
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

pub async fn run(config: &Config, command: StaffCommand) -> Result<ExitCode> {
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
        StaffCommand::ResetPassword { email } => {
            let email = EmailAddress::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
            let password = read_password()?;
            let db = connect(config).await?;
            staff::reset_password(&db, &email, password, now).await?;
            println!(
                "password of {} reset; its sessions have ended",
                email.as_str()
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
