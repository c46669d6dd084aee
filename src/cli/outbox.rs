//! `takedown outbox`: list the emails that failed for good, or queue one again.

use anyhow::{Result, bail};
use time::OffsetDateTime;

use crate::config::Config;
use crate::mail::delivery;

use super::connect;

pub async fn run(config: &Config, failed: bool, retry: Option<i64>) -> Result<()> {
    let db = connect(config).await?;
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
    Ok(())
}
