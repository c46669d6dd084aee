//! `takedown tick`: one pass of every sweep now (deadlines, then email delivery), on a
//! jobs context alone: no listener, no match index.

use std::sync::Arc;

use anyhow::Result;
use time::OffsetDateTime;

use crate::config::Config;
use crate::jobs::{self, Context};

use super::connect;

pub async fn run(config: Config) -> Result<()> {
    let db = connect(&config).await?;
    let ctx = Context::load(db, Arc::new(config)).await?;
    let report = jobs::tick(&ctx, &ctx.mailer, OffsetDateTime::now_utc()).await?;
    println!("{report}");
    Ok(())
}
