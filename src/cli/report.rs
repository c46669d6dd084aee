//! `takedown report`: the transparency report's figures for a period, as JSON or CSV.

use anyhow::Result;
use time::OffsetDateTime;

use crate::config::Config;
use crate::services::report::{self, Period};

use super::connect;

pub async fn run(config: &Config, from: &str, to: &str, format: &str) -> Result<()> {
    let period =
        Period::parse(from, to).map_err(|(field, msg)| anyhow::anyhow!("--{field} {msg}"))?;
    let db = connect(config).await?;
    let report = report::build(&db, period, config.deadline, OffsetDateTime::now_utc()).await?;
    if format == "csv" {
        print!("{}", report.csv());
    } else {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}
