//! Matching complained-of text against every recorded article.

use crate::services::error::{ServiceError, ServiceResult};
use std::collections::HashMap;
use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Value};
use serde::Serialize;
use tokio::sync::{Mutex, RwLock};

use crate::db::stmt;
use takedown_text::canonical::content_sha256;
use takedown_text::fingerprint;
use takedown_text::index::{Census, FingerprintIndex};

/// How many revisions to read per catch-up query.
const SYNC_BATCH: u64 = 5000;

/// Fingerprints a revision is expected to have at most on average, for sizing the
/// first pass of a build (2–8 KB articles have about 240).
const EXPECTED_PER_REVISION: usize = 256;

/// Up to `SYNC_BATCH` revisions after `watermark` and up to `upto`: (article id,
/// revision id, fingerprints as stored).
async fn read_raw(
    db: &impl ConnectionTrait,
    watermark: i64,
    upto: i64,
) -> ServiceResult<Vec<(i64, i64, Vec<u8>)>> {
    let rows = db
        .query_all_raw(stmt(
            db.get_database_backend(),
            "SELECT revision_id, article_id, fingerprints FROM revision_fingerprints \
             WHERE revision_id > ? AND revision_id <= ? ORDER BY revision_id LIMIT ?",
            vec![
                Value::from(watermark),
                Value::from(upto),
                Value::from(SYNC_BATCH),
            ],
        ))
        .await?;
    let mut loaded = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get("", "revision_id")?;
        let article_id: i64 = row.try_get("", "article_id")?;
        let blob: Vec<u8> = row.try_get("", "fingerprints")?;
        loaded.push((article_id, id, blob));
    }
    Ok(loaded)
}

/// Stores a new revision's fingerprints, made by this release's fingerprinting.
pub async fn store_fingerprints(
    db: &impl ConnectionTrait,
    revision_id: i64,
    article_id: i64,
    fingerprints: &[u64],
) -> Result<(), sea_orm::DbErr> {
    db.execute_raw(stmt(
        db.get_database_backend(),
        "INSERT INTO revision_fingerprints \
         (revision_id, article_id, fingerprint_version, fingerprints) VALUES (?, ?, ?, ?)",
        vec![
            Value::from(revision_id),
            Value::from(article_id),
            Value::from(fingerprint::FINGERPRINT_VERSION),
            Value::from(fingerprint::to_bytes(fingerprints)),
        ],
    ))
    .await?;
    Ok(())
}

/// The stored fingerprints of each of `revision_ids` that has them.
pub async fn stored_fingerprints(
    db: &impl ConnectionTrait,
    revision_ids: &[i64],
) -> ServiceResult<HashMap<i64, Vec<u64>>> {
    let mut out = HashMap::with_capacity(revision_ids.len());
    for ids in revision_ids.chunks(500) {
        let marks = vec!["?"; ids.len()].join(", ");
        let rows = db
            .query_all_raw(stmt(
                db.get_database_backend(),
                &format!(
                    "SELECT revision_id, fingerprints FROM revision_fingerprints \
                     WHERE revision_id IN ({marks})"
                ),
                ids.iter().map(|&id| Value::from(id)).collect(),
            ))
            .await?;
        for row in rows {
            let id: i64 = row.try_get("", "revision_id")?;
            let blob: Vec<u8> = row.try_get("", "fingerprints")?;
            out.insert(id, fingerprint::from_bytes(&blob));
        }
    }
    Ok(out)
}

/// `read_raw`, with the fingerprints unpacked.
async fn read_batch(
    db: &impl ConnectionTrait,
    watermark: i64,
    upto: i64,
) -> ServiceResult<Vec<(i64, i64, Vec<u64>)>> {
    Ok(read_raw(db, watermark, upto)
        .await?
        .into_iter()
        .map(|(article_id, id, blob)| (article_id, id, fingerprint::from_bytes(&blob)))
        .collect())
}

/// Calls `f` with every stored revision up to `upto`, in id order, a batch at a time.
/// The next batch is read while `f` works through this one: the database's thread
/// and this one take a core each.
async fn each_revision(
    db: &impl ConnectionTrait,
    upto: i64,
    mut f: impl FnMut(i64, i64, &[u8]),
) -> ServiceResult<()> {
    let mut batch = read_raw(db, 0, upto).await?;
    loop {
        let Some(last) = batch.last().map(|r| r.1) else {
            return Ok(());
        };
        let full = batch.len() as u64 == SYNC_BATCH;
        let next = async {
            match full {
                true => read_raw(db, last, upto).await.map(Some),
                false => Ok(None),
            }
        };
        let work = async {
            for (article_id, id, blob) in &batch {
                f(*article_id, *id, blob);
            }
        };
        let (next, ()) = tokio::join!(next, work);
        match next? {
            Some(b) => batch = b,
            None => return Ok(()),
        }
    }
}

/// The fingerprints a build's first pass read, kept on disk for its second: one read
/// of the database instead of two, whose rows carry every body.
struct Spill {
    path: PathBuf,
    out: Option<std::io::BufWriter<std::fs::File>>,
    failed: Option<std::io::Error>,
}

impl Spill {
    fn create(path: PathBuf) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let f = std::fs::File::create(&path)?;
        Ok(Self {
            path,
            out: Some(std::io::BufWriter::with_capacity(1 << 20, f)),
            failed: None,
        })
    }

    /// Appends one revision: its id, the length of its fingerprints, the fingerprints.
    fn push(&mut self, revision_id: i64, blob: &[u8]) {
        use std::io::Write;
        let (Some(out), None) = (self.out.as_mut(), self.failed.as_ref()) else {
            return;
        };
        let r = out
            .write_all(&revision_id.to_le_bytes())
            .and_then(|()| out.write_all(&(blob.len() as u32).to_le_bytes()))
            .and_then(|()| out.write_all(blob));
        if let Err(e) = r {
            self.failed = Some(e);
        }
    }

    /// Reads every revision back, in the order pushed, into `f`.
    fn replay(&mut self, mut f: impl FnMut(i64, &[u8])) -> std::io::Result<()> {
        use std::io::Read;
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if let Some(out) = self.out.take() {
            out.into_inner().map_err(|e| e.into_error())?;
        }
        let mut r = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&self.path)?);
        let mut head = [0u8; 12];
        let mut blob = Vec::new();
        loop {
            match r.read_exact(&mut head) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e),
            }
            let (id, len) = head.split_at(8);
            let id = i64::from_le_bytes(id.try_into().unwrap_or_default());
            let len = u32::from_le_bytes(len.try_into().unwrap_or_default()) as usize;
            blob.resize(len, 0);
            r.read_exact(&mut blob)?;
            f(id, &blob);
        }
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One article the text was found in.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Match {
    pub article_id: i64,
    pub url: String,
    pub title: String,
    pub revision: i32,
    /// Share of the text's fingerprints found in the article.
    pub containment: f64,
    /// The canonical hashes of the text and the article are equal.
    pub identical: bool,
}

/// The in-memory fingerprint index of this instance, caught up from the database
/// before every search so that articles recorded by any instance are found.
#[derive(Default)]
pub struct MatchIndex {
    index: RwLock<FingerprintIndex>,
    syncing: Mutex<()>,
    /// Where the frozen postings are kept between runs (`DATA_DIR/index`), if anywhere.
    snapshot: Option<PathBuf>,
    from_snapshot: std::sync::atomic::AtomicBool,
    /// `MATCH_COMMON_DF`: 0 counts every fingerprint as a finder.
    common_df: usize,
}

/// Revisions a fingerprint may be held by and still find candidates (see
/// `FingerprintIndex::search_capped`), chosen by measurement on news that re-uses
/// sentences (README, Benchmarks).
pub const DEFAULT_COMMON_DF: usize = 2_000;

/// A snapshot is rebuilt at start-up once the revisions caught up after it exceed a
/// twentieth of it (and ten thousand): they live in the map layer, which takes more
/// memory a posting than the frozen arrays.
const STALE_SHARE: usize = 20;
const STALE_MIN: usize = 10_000;

/// Writes a freshly built index to `path` (a temporary file, synced, then renamed).
fn save_snapshot(path: &std::path::Path, index: &FingerprintIndex, record: &str) {
    let started = std::time::Instant::now();
    let result = (|| -> std::io::Result<bool> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("tmp");
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        if !index.write_snapshot(&mut w, fingerprint::FINGERPRINT_VERSION as u32, record)? {
            return Ok(false);
        }
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(true)
    })();
    match result {
        Ok(true) => tracing::info!(
            seconds = started.elapsed().as_secs_f64(),
            revisions = index.len(),
            "match index snapshot written"
        ),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "writing the match index snapshot failed"),
    }
}

impl MatchIndex {
    /// An index that keeps its postings in `path` between runs: start-up reads that
    /// file and catches up only newer revisions from the database.
    pub fn with_snapshot(path: PathBuf) -> Self {
        Self {
            snapshot: Some(path),
            common_df: DEFAULT_COMMON_DF,
            ..Self::default()
        }
    }

    /// The same index with `MATCH_COMMON_DF` set to `n`.
    pub fn common_df(self, n: usize) -> Self {
        Self {
            common_df: n,
            ..self
        }
    }

    /// Whether the last start-up read the postings from the snapshot.
    pub fn loaded_from_snapshot(&self) -> bool {
        self.from_snapshot
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The snapshot, if it exists, is this fingerprinting's, and agrees with the
    /// database: its watermark revision has the same record hash.
    async fn read_snapshot(
        &self,
        db: &impl ConnectionTrait,
    ) -> ServiceResult<Option<FingerprintIndex>> {
        let Some(path) = self.snapshot.clone() else {
            return Ok(None);
        };
        let read = tokio::task::spawn_blocking(move || -> std::io::Result<_> {
            let f = match std::fs::File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            let len = f.metadata()?.len();
            FingerprintIndex::read_snapshot(
                &mut std::io::BufReader::new(f),
                len,
                fingerprint::FINGERPRINT_VERSION as u32,
            )
        })
        .await
        .map_err(|e| ServiceError::Index(format!("reading the index snapshot: {e}")))?;
        let (index, record) = match read {
            Ok(Some(found)) => found,
            Ok(None) => return Ok(None),
            Err(e) => {
                tracing::warn!(error = %e, "index snapshot unreadable; rebuilding from the database");
                return Ok(None);
            }
        };
        // Revisions are only ever added, with rising ids: the same last revision, by
        // its record hash, means the same revisions below it. (Counting them instead
        // reads the whole table: seconds at a million.)
        let agrees = Self::record_of(db, index.watermark).await?.as_deref() == Some(&record);
        Ok(agrees.then_some(index))
    }

    /// The record hash of revision `id`, which a snapshot ending there is tied to.
    async fn record_of(db: &impl ConnectionTrait, id: i64) -> ServiceResult<Option<String>> {
        Ok(db
            .query_one_raw(stmt(
                db.get_database_backend(),
                "SELECT record_sha256 FROM article_revisions WHERE id = ?",
                vec![Value::from(id)],
            ))
            .await?
            .and_then(|r| r.try_get::<String>("", "record_sha256").ok()))
    }

    /// Loads revisions recorded since the last catch-up. Revision ids are assigned
    /// under the write lock (see `db::begin_write`), so they become visible in order
    /// and a watermark cannot skip one.
    pub async fn sync(&self, db: &impl ConnectionTrait) -> ServiceResult<usize> {
        let _one_at_a_time = self.syncing.lock().await;
        if self.index.read().await.is_empty() {
            if let Some(saved) = self.read_snapshot(db).await? {
                let saved_len = saved.len();
                *self.index.write().await = saved;
                self.from_snapshot
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                let caught_up = self.catch_up(db).await?;
                if caught_up <= (saved_len / STALE_SHARE).max(STALE_MIN) {
                    return Ok(saved_len + caught_up);
                }
                // Too much since the snapshot: build afresh and save that instead.
                *self.index.write().await = FingerprintIndex::default();
                self.from_snapshot
                    .store(false, std::sync::atomic::Ordering::Relaxed);
            }
            let added = self.build(db).await?;
            return Ok(added);
        }
        self.catch_up(db).await
    }

    /// The first load (start-up): every stored revision into compact postings, in two
    /// passes (count, then fill) so that the build holds only the postings, then saved
    /// as the snapshot. The first pass reads the database and writes the fingerprints
    /// to a file beside the snapshot (`postings.build`, about 2 KB a revision,
    /// removed after); the second reads that file, or the database again should the
    /// file not be written (a full disk).
    async fn build(&self, db: &impl ConnectionTrait) -> ServiceResult<usize> {
        let highest = db
            .query_one_raw(stmt(
                db.get_database_backend(),
                "SELECT MAX(id) AS highest FROM article_revisions",
                vec![],
            ))
            .await?
            .and_then(|r| r.try_get::<Option<i64>>("", "highest").ok().flatten())
            .unwrap_or(0);
        let mut census =
            Census::new((highest.max(0) as usize).saturating_mul(EXPECTED_PER_REVISION));
        let spill_at = match &self.snapshot {
            Some(p) => p.with_extension("build"),
            None => std::env::temp_dir().join(format!(
                "takedown-index-{}.build",
                uuid::Uuid::new_v4().simple()
            )),
        };
        let mut spill = Spill::create(spill_at)
            .map_err(|e| tracing::warn!(error = %e, "no file for the index build; reading the database twice"))
            .ok();
        each_revision(db, i64::MAX, |article_id, id, blob| {
            census.add(article_id, id, fingerprint::unpacked(blob));
            if let Some(spill) = spill.as_mut() {
                spill.push(id, blob);
            }
        })
        .await?;
        if census.is_empty() {
            return Ok(0);
        }
        let upto = census.watermark();
        let added = census.len();
        let failed = |e: &dyn std::fmt::Display| {
            ServiceError::Index(format!("building the match index: {e}"))
        };
        let filler = match spill.filter(|s| s.failed.is_none()) {
            Some(mut spill) => tokio::task::spawn_blocking(move || {
                let mut filler = census.into_filler();
                spill
                    .replay(|id, blob| {
                        filler.add(id, fingerprint::unpacked(blob));
                    })
                    .map(|()| filler)
            })
            .await
            .map_err(|e| failed(&e))?
            .map_err(|e| failed(&e))?,
            None => {
                let mut filler = tokio::task::spawn_blocking(move || census.into_filler())
                    .await
                    .map_err(|e| failed(&e))?;
                each_revision(db, upto, |_, id, blob| {
                    filler.add(id, fingerprint::unpacked(blob));
                })
                .await?;
                filler
            }
        };
        // Revisions are append-only, so both passes see the same ones; a damaged file,
        // or a restore under a running instance, voids the build and the next search
        // builds again.
        let built = filler.finish().ok_or_else(|| {
            ServiceError::Index("revisions changed while the match index was built".into())
        })?;
        let record = Self::record_of(db, upto).await?;
        let path = self.snapshot.clone();
        let built = tokio::task::spawn_blocking(move || {
            if let (Some(path), Some(record)) = (path, record) {
                save_snapshot(&path, &built, &record);
            }
            built
        })
        .await
        .map_err(|e| ServiceError::Index(format!("saving the match index: {e}")))?;
        *self.index.write().await = built;
        Ok(added)
    }

    /// Adds the revisions recorded after the index's watermark to its map layer.
    async fn catch_up(&self, db: &impl ConnectionTrait) -> ServiceResult<usize> {
        let mut added = 0;
        loop {
            let watermark = self.index.read().await.watermark;
            let loaded = read_batch(db, watermark, i64::MAX).await?;
            let n = loaded.len();
            let mut idx = self.index.write().await;
            for (article_id, id, fps) in loaded {
                idx.insert(article_id, id, &fps);
            }
            drop(idx);
            added += n;
            if (n as u64) < SYNC_BATCH {
                return Ok(added);
            }
        }
    }

    /// Bytes the index's postings take.
    pub async fn memory_bytes(&self) -> usize {
        self.index.read().await.memory_bytes()
    }

    /// Revisions indexed so far.
    pub async fn indexed(&self) -> usize {
        self.index.read().await.len()
    }

    /// Recorded articles containing parts of `text`, best first.
    pub async fn search(
        &self,
        db: &impl ConnectionTrait,
        text: &str,
        limit: usize,
    ) -> ServiceResult<Vec<Match>> {
        self.sync(db).await?;
        let query = fingerprint::fingerprints(text);
        let hits = self
            .index
            .read()
            .await
            .search_capped(&query, 0.0, limit, self.common_df);
        let text_hash = content_sha256(text);
        let backend = db.get_database_backend();

        // Exact copies too short to fingerprint are still found by their hash.
        let identical_rows = db
            .query_all_raw(stmt(
                backend,
                "SELECT r.id, r.article_id FROM article_revisions r WHERE r.content_sha256 = ? \
                 ORDER BY r.id LIMIT ?",
                vec![Value::from(text_hash.clone()), Value::from(limit as u64)],
            ))
            .await?;
        let mut wanted: HashMap<i64, (i64, f64)> = hits
            .iter()
            .map(|h| (h.article_id, (h.revision_id, h.containment)))
            .collect();
        for row in identical_rows {
            let id: i64 = row.try_get("", "id")?;
            let article_id: i64 = row.try_get("", "article_id")?;
            wanted.entry(article_id).or_insert((id, 1.0));
        }
        if wanted.is_empty() {
            return Ok(Vec::new());
        }

        let ids: Vec<i64> = wanted.values().map(|(rev, _)| *rev).collect();
        let placeholders = vec!["?"; ids.len()].join(",");
        let rows = db
            .query_all_raw(stmt(
                backend,
                &format!(
                    "SELECT r.id, r.article_id, r.revision, r.title, r.content_sha256, a.url \
                     FROM article_revisions r JOIN articles a ON a.id = r.article_id \
                     WHERE r.id IN ({placeholders})"
                ),
                ids.into_iter().map(Value::from).collect(),
            ))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let article_id: i64 = row.try_get("", "article_id")?;
            let content: String = row.try_get("", "content_sha256")?;
            let containment = wanted.get(&article_id).map_or(0.0, |(_, c)| *c);
            out.push(Match {
                article_id,
                url: row.try_get("", "url")?,
                title: row.try_get("", "title")?,
                revision: row.try_get("", "revision")?,
                containment: (containment * 10_000.0).round() / 10_000.0,
                identical: content == text_hash,
            });
        }
        out.sort_by(|a, b| {
            b.identical
                .cmp(&a.identical)
                .then(b.containment.total_cmp(&a.containment))
                .then(a.article_id.cmp(&b.article_id))
        });
        out.truncate(limit);
        Ok(out)
    }
}
