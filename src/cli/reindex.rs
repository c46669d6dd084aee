//! `takedown reindex`: fingerprint again the revisions an older release stored
//! (start-up does it too; this does it ahead of time, with progress).

use anyhow::Result;

use crate::config::Config;
use crate::services::reindex;

use super::connect;

pub async fn run(config: &Config) -> Result<()> {
    let db = connect(config).await?;
    let stale = reindex::stale(&db).await?;
    let bar = indicatif::ProgressBar::new(stale);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "fingerprinting {pos}/{len} revisions [{bar:40}] {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let done = reindex::run(&db, |n| bar.set_position(n)).await?;
    bar.finish_and_clear();
    println!(
        "reindex: {done} revisions fingerprinted again (fingerprint version {})",
        takedown_text::fingerprint::FINGERPRINT_VERSION
    );
    Ok(())
}
