//! Fingerprinting stored revisions again after a release changes how fingerprints are
//! made (`FINGERPRINT_VERSION`). Runs at start-up before the match index loads, or
//! ahead of time with `takedown reindex`. Only fingerprints change: bodies, hashes and
//! the audit log are untouched.

use crate::services::error::{ServiceError, ServiceResult};
use sea_orm::{ConnectionTrait, DatabaseConnection, Value};

use crate::db::{self, stmt};
use takedown_text::fingerprint::{self, FINGERPRINT_VERSION};

/// Revisions fingerprinted per transaction.
const BATCH: u64 = 500;

/// How many stored revisions have fingerprints from an older version. Versions only go
/// up, so `<` reads a range of the version index: start-up does not scan the table.
pub async fn stale(db: &DatabaseConnection) -> ServiceResult<u64> {
    let row = db
        .query_one_raw(stmt(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM revision_fingerprints WHERE fingerprint_version < ?",
            vec![Value::from(FINGERPRINT_VERSION)],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0) as u64)
}

/// Fingerprints every stale revision again; `progress` hears how many are done after
/// each batch. Returns how many there were.
pub async fn run(db: &DatabaseConnection, mut progress: impl FnMut(u64)) -> ServiceResult<u64> {
    let backend = db.get_database_backend();
    let mut done = 0;
    loop {
        let rows = db
            .query_all_raw(stmt(
                backend,
                "SELECT r.id, r.body FROM revision_fingerprints f \
                 JOIN article_revisions r ON r.id = f.revision_id \
                 WHERE f.fingerprint_version < ? ORDER BY f.revision_id LIMIT ?",
                vec![Value::from(FINGERPRINT_VERSION), Value::from(BATCH)],
            ))
            .await?;
        if rows.is_empty() {
            return Ok(done);
        }
        let mut batch = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let body: String = row.try_get("", "body")?;
            batch.push((id, body));
        }
        // Fingerprinting is CPU work: off the async threads.
        let computed = tokio::task::spawn_blocking(move || {
            batch
                .into_iter()
                .map(|(id, body)| (id, fingerprint::to_bytes(&fingerprint::fingerprints(&body))))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| ServiceError::Index(format!("fingerprinting: {e}")))?;
        let n = computed.len() as u64;
        let txn = db::begin_write(db).await?;
        for (id, fps) in computed {
            txn.execute_raw(stmt(
                backend,
                "UPDATE revision_fingerprints SET fingerprints = ?, fingerprint_version = ? \
                 WHERE revision_id = ?",
                vec![
                    Value::from(fps),
                    Value::from(FINGERPRINT_VERSION),
                    Value::from(id),
                ],
            ))
            .await?;
        }
        txn.commit().await?;
        done += n;
        progress(done);
    }
}
