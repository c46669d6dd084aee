//! Connecting, migrating, and starting write transactions the same way on both backends.

use std::ops::Deref;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result};
use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait, Value,
};
use tokio::sync::OwnedMutexGuard;

/// Key of the PostgreSQL advisory lock that serialises audited writes.
const WRITE_LOCK_KEY: i64 = 0x7461_6b65_646f_776e; // "takedown"

/// Opens the database: SQLite with WAL, fsync on every commit and a busy timeout;
/// PostgreSQL as given. Creates the SQLite file's folder if needed.
pub async fn connect(url: &str) -> Result<DatabaseConnection> {
    if let Some(path) = sqlite_path(url)
        && let Some(parent) = std::path::Path::new(&path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let mut opts = ConnectOptions::new(url.to_string());
    opts.sqlx_logging(false)
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(30));
    opts.map_sqlx_sqlite_opts(|o| {
        o.journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true)
    });
    Database::connect(opts)
        .await
        .with_context(|| format!("connecting to {}", crate::config::redact_url(url)))
}

/// The file path in a `sqlite:` URL, if it is one.
pub fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

pub async fn migrate_up(db: &DatabaseConnection) -> Result<()> {
    Migrator::up(db, None).await.context("running migrations")
}

/// In-process queue for SQLite's single writer. Waiting here is FIFO and wakes at once;
/// waiting in SQLite's busy handler sleeps in growing steps and shows as tail latency.
/// (Other processes, such as an import while serving, still meet the busy timeout.)
fn sqlite_writer() -> Arc<tokio::sync::Mutex<()>> {
    static WRITER: OnceLock<Arc<tokio::sync::Mutex<()>>> = OnceLock::new();
    WRITER.get_or_init(Default::default).clone()
}

/// A write transaction, holding this process's place as SQLite writer if there is one.
pub struct WriteTxn {
    // Declared first so it ends before the writer place is given up.
    txn: DatabaseTransaction,
    _writer: Option<OwnedMutexGuard<()>>,
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

impl Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

/// Begins a transaction that will write and append to the audit chain.
///
/// Writers are serialised so the chain stays linear and ids are assigned in commit
/// order: SQLite takes its write lock at BEGIN (IMMEDIATE, so it never has to upgrade
/// a read lock and fail), queued in-process first; PostgreSQL takes a
/// transaction-scoped advisory lock.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let writer = sqlite_writer().lock_owned().await;
            let txn = db
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                })
                .await?;
            Ok(WriteTxn {
                txn,
                _writer: Some(writer),
            })
        }
        _ => {
            let txn = db.begin().await?;
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [Value::from(WRITE_LOCK_KEY)],
            ))
            .await?;
            Ok(WriteTxn { txn, _writer: None })
        }
    }
}

/// Builds a statement from SQL written with `?` placeholders, numbering them for
/// PostgreSQL.
pub fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    } else {
        sql.to_string()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite://data/takedown.db?mode=rwc").as_deref(),
            Some("data/takedown.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x/y"), None);
    }

    #[test]
    fn placeholders_numbered_for_postgres() {
        let s = stmt(
            DbBackend::Postgres,
            "a = ? AND b = ?",
            vec![1.into(), 2.into()],
        );
        assert_eq!(s.sql, "a = $1 AND b = $2");
        let s = stmt(DbBackend::Sqlite, "a = ?", vec![1.into()]);
        assert_eq!(s.sql, "a = ?");
    }
}
