//! `takedown migrate`: apply, roll back or list the database migrations.

use anyhow::Result;
use migrations::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::db;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum MigrateDirection {
    /// Apply every pending migration.
    Up,
    /// Roll back the latest migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
}

pub async fn run(config: &Config, direction: MigrateDirection) -> Result<()> {
    let db = db::connect_with(&config.database_url, config.db_options()).await?;
    match direction {
        MigrateDirection::Up => Migrator::up(&db, None).await?,
        MigrateDirection::Down => Migrator::down(&db, Some(1)).await?,
        MigrateDirection::Status => Migrator::status(&db).await?,
    }
    println!("migrations: {}", summary(&db).await?);
    Ok(())
}

async fn summary(db: &DatabaseConnection) -> Result<String> {
    let applied = Migrator::get_applied_migrations(db).await?.len();
    let pending = Migrator::get_pending_migrations(db).await?.len();
    Ok(format!("{applied} applied, {pending} pending"))
}
