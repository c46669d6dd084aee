//! Connecting, migrating, and starting write transactions the same way on both backends.

use std::collections::HashMap;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Context, Result};
use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::SqlitePool;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, SqliteTransactionMode, SqlxSqliteConnector, Statement,
    TransactionOptions, TransactionTrait, Value,
};
use tokio::sync::OwnedMutexGuard;

/// Key of the PostgreSQL advisory lock that serialises audited writes.
const WRITE_LOCK_KEY: i64 = 0x7461_6b65_646f_776e; // "takedown"

/// How the service connects, beyond the URL.
#[derive(Debug, Clone, Copy)]
pub struct DbOptions {
    /// How long a request waits for a connection before it is told "unavailable".
    pub acquire_timeout: Duration,
    /// SQLite only: the most bytes the database file may grow to (`max_page_count`).
    pub sqlite_max_bytes: Option<u64>,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            acquire_timeout: Duration::from_secs(5),
            sqlite_max_bytes: None,
        }
    }
}

/// SQLite's page size, fixed at creation (its default).
const SQLITE_PAGE_BYTES: u64 = 4096;

/// Opens the database with default options.
pub async fn connect(url: &str) -> Result<DatabaseConnection> {
    connect_with(url, DbOptions::default()).await
}

/// Opens the database: SQLite with WAL, fsync on every commit and a busy timeout;
/// PostgreSQL as given. Creates the SQLite file's folder if needed.
pub async fn connect_with(url: &str, options: DbOptions) -> Result<DatabaseConnection> {
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
        .connect_timeout(options.acquire_timeout)
        .acquire_timeout(options.acquire_timeout);
    let max_pages = options
        .sqlite_max_bytes
        .map(|b| (b / SQLITE_PAGE_BYTES).max(1));
    opts.map_sqlx_sqlite_opts(move |o| {
        let o = o
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true)
            // A group commit's multi-row inserts are another statement for each group
            // size: with the default 100 the writer would prepare them again and again.
            .statement_cache_capacity(1000);
        match max_pages {
            Some(n) => o.pragma("max_page_count", n.to_string()),
            None => o,
        }
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

/// SQLite's writer for one database file: a connection of its own, used by one write
/// transaction at a time. Waiting here is FIFO and wakes at once; waiting in SQLite's
/// busy handler sleeps in growing steps and shows as tail latency. (Other processes,
/// such as an import while serving, still meet the busy timeout.)
///
/// After any error inside a write transaction the connection is closed and the next
/// writer opens a fresh one: SQLite may have rolled the transaction back by itself
/// (SQLITE_FULL, IOERR, BUSY, NOMEM), and a connection whose idea of its transaction
/// no longer matches SQLite's can turn a later COMMIT into a savepoint release that
/// commits nothing.
#[derive(Default)]
struct SqliteWriter {
    conn: Option<DatabaseConnection>,
}

type WriterSlot = Arc<tokio::sync::Mutex<SqliteWriter>>;

fn writers() -> &'static std::sync::Mutex<HashMap<PathBuf, WriterSlot>> {
    static WRITERS: OnceLock<std::sync::Mutex<HashMap<PathBuf, WriterSlot>>> = OnceLock::new();
    WRITERS.get_or_init(Default::default)
}

fn sqlite_writer(file: &Path) -> WriterSlot {
    let mut all = writers().lock().unwrap_or_else(|e| e.into_inner());
    all.entry(file.to_path_buf()).or_default().clone()
}

/// Closes this database's SQLite writer connection, if it has one (at shutdown).
pub async fn release_writer(db: &DatabaseConnection) {
    if db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    let file = db.get_sqlite_connection_pool().connect_options();
    let slot = {
        let mut all = writers().lock().unwrap_or_else(|e| e.into_inner());
        all.remove(file.get_filename())
    };
    if let Some(slot) = slot
        && let Some(conn) = slot.lock().await.conn.take()
    {
        let _ = conn.close().await;
    }
}

impl SqliteWriter {
    /// The writer connection, opened with the same options as the shared pool.
    async fn get(&mut self, shared: &SqlitePool) -> Result<DatabaseConnection, DbErr> {
        if let Some(c) = &self.conn {
            return Ok(c.clone());
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(shared.options().get_acquire_timeout())
            .connect_with((*shared.connect_options()).clone())
            .await
            .map_err(sqlx_conn_err)?;
        let conn = SqlxSqliteConnector::from_sqlx_sqlite_pool(pool);
        self.conn = Some(conn.clone());
        Ok(conn)
    }

    /// Closes the writer connection; the next writer opens a new one.
    fn discard(&mut self) {
        if let Some(conn) = self.conn.take() {
            tracing::warn!("closing the SQLite writer connection after an error");
            let pool = conn.get_sqlite_connection_pool().clone();
            tokio::spawn(async move { pool.close().await });
        }
    }

    /// Whether the writer connection is outside any transaction, as SQLite itself says.
    async fn in_autocommit(&self) -> Result<bool, DbErr> {
        let Some(conn) = &self.conn else {
            return Ok(false);
        };
        let mut c = conn
            .get_sqlite_connection_pool()
            .acquire()
            .await
            .map_err(sqlx_conn_err)?;
        let mut handle = c.lock_handle().await.map_err(sqlx_conn_err)?;
        let raw = handle.as_raw_handle();
        // SAFETY: the handle is locked away from sqlx's worker thread for this call, and
        // sqlite3_get_autocommit only reads the connection's flag.
        Ok(unsafe { libsqlite3_sys::sqlite3_get_autocommit(raw.as_ptr()) } != 0)
    }
}

fn sqlx_conn_err(e: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Conn(sea_orm::RuntimeErr::SqlxError(Arc::new(e)))
}

/// A write transaction, holding this process's place as SQLite writer if there is one.
pub struct WriteTxn {
    // Declared first so it ends before the writer place is given up.
    txn: DatabaseTransaction,
    place: WriterPlace,
}

/// This transaction's hold on the SQLite writer, and whether any statement failed.
struct WriterPlace {
    writer: Option<OwnedMutexGuard<SqliteWriter>>,
    failed: AtomicBool,
    finished: bool,
}

impl WriterPlace {
    fn discard(&mut self) {
        if let Some(w) = self.writer.as_mut() {
            w.discard();
        }
    }
}

impl Drop for WriterPlace {
    fn drop(&mut self) {
        // Left without commit or rollback (an early return on error): the transaction
        // rolled back as it dropped; a connection that saw an error is not kept.
        // A panic mid-transaction leaves the connection in an unknown state as well.
        if !self.finished && (self.failed.load(Ordering::Relaxed) || std::thread::panicking()) {
            self.discard();
        }
    }
}

impl WriteTxn {
    fn note<T>(&self, r: Result<T, DbErr>) -> Result<T, DbErr> {
        if r.is_err() {
            self.place.failed.store(true, Ordering::Relaxed);
        }
        r
    }

    /// Commits. On SQLite, success means SQLite reports the connection back in
    /// autocommit: the transaction really ended. A transaction in which any statement
    /// failed is never committed.
    pub async fn commit(self) -> Result<(), DbErr> {
        let WriteTxn { txn, mut place } = self;
        place.finished = true;
        if place.failed.load(Ordering::Relaxed) {
            drop(txn);
            place.discard();
            return Err(DbErr::Custom(
                "a statement in this write transaction failed; nothing was committed".into(),
            ));
        }
        let committed = txn.commit().await;
        let Some(writer) = place.writer.as_mut() else {
            return committed;
        };
        let checked = match committed {
            Ok(()) => match writer.in_autocommit().await {
                Ok(true) => return Ok(()),
                Ok(false) => Err(DbErr::Custom(
                    "COMMIT returned but SQLite is still inside a transaction".into(),
                )),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        writer.discard();
        checked
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        let WriteTxn { txn, mut place } = self;
        place.finished = true;
        let r = txn.rollback().await;
        if r.is_err() || place.failed.load(Ordering::Relaxed) {
            place.discard();
        }
        r
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
        self.note(self.txn.execute_raw(stmt).await)
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.note(self.txn.execute_unprepared(sql).await)
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.note(self.txn.query_one_raw(stmt).await)
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.note(self.txn.query_all_raw(stmt).await)
    }
    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

/// Begins a transaction that will write and append to the audit chain.
///
/// Writers are serialised so the chain stays linear and ids are assigned in commit
/// order: SQLite takes its write lock at BEGIN (IMMEDIATE, so it never has to upgrade
/// a read lock and fail) on the file's one writer connection; PostgreSQL takes a
/// transaction-scoped advisory lock.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let shared = db.get_sqlite_connection_pool();
            let slot = sqlite_writer(shared.connect_options().get_filename());
            let mut writer = slot.lock_owned().await;
            let conn = writer.get(shared).await?;
            let txn = conn
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                })
                .await;
            let txn = match txn {
                Ok(t) => t,
                Err(e) => {
                    writer.discard();
                    return Err(e);
                }
            };
            Ok(WriteTxn {
                txn,
                place: WriterPlace {
                    writer: Some(writer),
                    failed: AtomicBool::new(false),
                    finished: false,
                },
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
            Ok(WriteTxn {
                txn,
                place: WriterPlace {
                    writer: None,
                    failed: AtomicBool::new(false),
                    finished: false,
                },
            })
        }
    }
}

/// A database failure the caller should hear about as such, not as an internal error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The disk (or the configured size cap) is full: nothing more can be stored.
    StorageFull,
    /// The database cannot be reached, or no connection came free in time.
    Unavailable,
}

/// What kind of failure `e` is, if it is one of the `Fault`s.
pub fn fault(e: &DbErr) -> Option<Fault> {
    let runtime = match e {
        DbErr::ConnectionAcquire(_) => return Some(Fault::Unavailable),
        DbErr::Conn(r) => {
            return Some(match sqlx_error(r) {
                Some(x) if is_full(x) => Fault::StorageFull,
                _ => Fault::Unavailable,
            });
        }
        DbErr::Exec(r) | DbErr::Query(r) => r,
        _ => return None,
    };
    use sea_orm::sqlx::Error as X;
    match sqlx_error(runtime)? {
        x if is_full(x) => Some(Fault::StorageFull),
        X::PoolTimedOut | X::PoolClosed | X::Io(_) | X::Tls(_) | X::Protocol(_) => {
            Some(Fault::Unavailable)
        }
        X::Database(d) => {
            let code = d.code().unwrap_or_default();
            // PostgreSQL: connection exceptions, shutting down, cannot connect now.
            (code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03"))
                .then_some(Fault::Unavailable)
        }
        _ => None,
    }
}

fn sqlx_error(r: &sea_orm::RuntimeErr) -> Option<&sea_orm::sqlx::Error> {
    match r {
        sea_orm::RuntimeErr::SqlxError(x) => Some(x),
        _ => None,
    }
}

/// SQLITE_FULL (13), or PostgreSQL's disk_full (53100).
fn is_full(x: &sea_orm::sqlx::Error) -> bool {
    match x {
        sea_orm::sqlx::Error::Database(d) => {
            matches!(d.code().as_deref(), Some("13" | "53100"))
        }
        sea_orm::sqlx::Error::Io(io) => io.kind() == std::io::ErrorKind::StorageFull,
        _ => false,
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

/// Rows a multi-row insert carries: with any of our tables' columns, far under both
/// databases' limits on bound values.
const ROWS_A_STATEMENT: usize = 500;

/// Writes `rows` with as few statements as those limits allow, reading nothing back.
pub async fn insert_all<A>(txn: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DbErr>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    use sea_orm::EntityTrait;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS_A_STATEMENT).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
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
