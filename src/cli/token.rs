//! `takedown token`: API tokens.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use time::OffsetDateTime;

use crate::config::Config;
use crate::domain::validate::format_timestamp;
use crate::services::tokens::{self, Scope};

use super::connect;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token; its secret is printed once and stored only as a hash.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["articles", "staff", "submitter", "metrics"])]
        scope: String,
        /// When it stops working: a span from now (`90d`, `12h`) or a date
        /// (`2027-06-30`, end of that day UTC). Without it, it works until revoked.
        #[arg(long, value_name = "SPAN|DATE")]
        expires: Option<String>,
        /// The staff account a `staff` token acts for (required for `--scope staff`):
        /// its decisions are that account's.
        #[arg(long, value_name = "EMAIL")]
        staff: Option<String>,
    },
    /// List every token: name, scope, state, created, last used, expiry.
    List,
    /// Stop every token with this name at once.
    Revoke { name: String },
}

pub async fn run(config: &Config, command: TokenCommand) -> Result<ExitCode> {
    let now = OffsetDateTime::now_utc();
    let db = connect(config).await?;
    match command {
        TokenCommand::Create {
            name,
            scope,
            expires,
            staff,
        } => {
            let scope = Scope::parse(&scope)
                .context("scope must be articles, staff, submitter or metrics")?;
            let account = match (scope, staff.as_deref()) {
                (Scope::Staff, Some(email)) => Some(
                    crate::services::staff::active_by_email(&db, email)
                        .await?
                        .with_context(|| format!("no active staff account {email:?}"))?,
                ),
                (Scope::Staff, None) => {
                    bail!("--scope staff needs --staff EMAIL: the account the token acts for")
                }
                (_, Some(_)) => bail!("--staff is only for --scope staff"),
                (_, None) => None,
            };
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
            let secret = match &account {
                Some(m) => tokens::create_for_staff(&db, name, m.id, now, expires_at).await?,
                None => tokens::create_expiring(&db, name, scope, now, expires_at).await?,
            };
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
