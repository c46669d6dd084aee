//! Group commit for complaint intake. Requests are checked, matched and their evidence
//! stored in parallel; one writer task then files whatever is waiting in a single write
//! transaction, so many complaints share one fsync. Each request is answered only after
//! the transaction holding its complaint has committed: a 201 is still durable.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;

use sea_orm::DatabaseConnection;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use crate::config::Config;
use crate::db;
use crate::domain::complaint::NewComplaint;
use crate::services::complaints::{
    self, Channel, Filed, Filing, IdempotencyKey, IntakePolicy, ToFile, find_matches,
};
use crate::services::error::{ServiceError, ServiceResult};
use crate::services::evidence::EvidenceFile;
use crate::services::matching::{Match, MatchIndex};
use crate::services::tracking_codes::CodeKey;

/// Most complaints filed in one transaction.
const MAX_GROUP: usize = 64;

type Outcome = ServiceResult<Filed>;
type Reply = (Result<Filed, IntakeError>, Vec<EvidenceFile>);

/// A checked complaint with its stored evidence, as a request hands it over.
pub struct Submission {
    pub complaint: NewComplaint,
    pub files: Vec<EvidenceFile>,
    pub channel: Channel,
    /// The client's retry key and the SHA-256 of the request it came with.
    pub idempotency: Option<(String, String)>,
    /// The name of the `submitter` token it came with.
    pub submitter: Option<String>,
    /// The client's address key (`limits::limit_key`), when it came without a token.
    pub client: Option<String>,
    pub received_at: OffsetDateTime,
}

struct Job {
    sub: Submission,
    /// `sub.client` as the staff notice limit's bucket.
    client: Option<String>,
    matches: Vec<Match>,
    reply: oneshot::Sender<Reply>,
}

impl Job {
    fn filing(&self) -> Filing<'_> {
        Filing {
            complaint: &self.sub.complaint,
            files: &self.sub.files,
            channel: self.sub.channel,
            idempotency: self
                .sub
                .idempotency
                .as_ref()
                .map(|(key, sha)| IdempotencyKey {
                    key,
                    request_sha256: sha,
                }),
            submitter: self.sub.submitter.as_deref(),
            client: self.client.as_deref(),
            verified: None,
            acknowledge: true,
        }
    }
}

/// Why intake could not file a complaint.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// A request with the same idempotency key is still being processed here.
    #[error("a request with this idempotency key is still being processed")]
    KeyInProgress,
    /// The writer failed (it panicked, or is restarting): nothing was filed.
    #[error("the intake writer failed; nothing was filed")]
    WriterFailed,
}

pub struct IntakeQueue {
    tx: mpsc::Sender<Job>,
    /// Idempotency keys of requests between arrival and answer on this instance.
    in_flight: Arc<Mutex<HashSet<String>>>,
    /// Fault injection for tests: the next group panics inside the writer.
    panic_next: Arc<AtomicBool>,
    /// Requests handed to the writer and not yet answered.
    handed: Arc<AtomicUsize>,
}

impl IntakeQueue {
    /// Starts the writer task; it ends when the queue is dropped.
    pub fn start(db: DatabaseConnection, config: Arc<Config>, codes: CodeKey) -> Self {
        let (tx, rx) = mpsc::channel(1024);
        let panic_next = Arc::new(AtomicBool::new(false));
        tokio::spawn(writer(db, config, codes, rx, panic_next.clone()));
        Self {
            tx,
            panic_next,
            in_flight: Arc::default(),
            handed: Arc::default(),
        }
    }

    /// Makes the writer panic while filing the next group, as a bug would.
    #[doc(hidden)]
    pub fn panic_on_next_group(&self) {
        self.panic_next.store(true, Ordering::SeqCst);
    }

    /// How many idempotency keys are held by requests in progress.
    #[doc(hidden)]
    pub fn keys_in_flight(&self) -> usize {
        self.in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// How many complaints are with the writer, queued or being filed, unanswered.
    #[doc(hidden)]
    pub fn with_writer(&self) -> usize {
        self.handed.load(Ordering::SeqCst)
    }

    /// Files a complaint; returns once it is committed, with the submission's evidence
    /// files handed back (to be moved into place if it was filed, or dropped).
    pub async fn submit(
        &self,
        db: &DatabaseConnection,
        index: &MatchIndex,
        sub: Submission,
    ) -> (Result<Filed, IntakeError>, Vec<EvidenceFile>) {
        let _claim = match sub.idempotency.as_ref() {
            Some((key, _)) => match KeyClaim::take(&self.in_flight, key) {
                Some(claim) => Some(claim),
                None => return (Err(IntakeError::KeyInProgress), sub.files),
            },
            None => None,
        };
        let matches = match find_matches(db, index, &sub.complaint).await {
            Ok(m) => m,
            Err(e) => return (Err(e.into()), sub.files),
        };
        let (reply, answer) = oneshot::channel();
        let job = Job {
            client: sub
                .client
                .as_deref()
                .map(crate::services::staff_notices::client_key),
            sub,
            matches,
            reply,
        };
        let _handed = Handed::count(&self.handed);
        if let Err(mpsc::error::SendError(job)) = self.tx.send(job).await {
            return (Err(IntakeError::WriterFailed), job.sub.files);
        }
        match answer.await {
            Ok((outcome, files)) => (outcome, files),
            Err(_) => (Err(IntakeError::WriterFailed), Vec::new()),
        }
    }
}

/// A request counted as with the writer until it is answered, however it ends.
struct Handed(Arc<AtomicUsize>);

impl Handed {
    fn count(n: &Arc<AtomicUsize>) -> Self {
        n.fetch_add(1, Ordering::SeqCst);
        Self(n.clone())
    }
}

impl Drop for Handed {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// An idempotency key held while its request is processed; released when dropped,
/// however the request ends.
struct KeyClaim {
    set: Arc<Mutex<HashSet<String>>>,
    key: String,
}

impl KeyClaim {
    fn take(set: &Arc<Mutex<HashSet<String>>>, key: &str) -> Option<Self> {
        let fresh = set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string());
        fresh.then(|| Self {
            set: set.clone(),
            key: key.to_string(),
        })
    }
}

impl Drop for KeyClaim {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.key);
    }
}

/// The writer task. A panic while filing a group fails that group's requests (503)
/// and the writer carries on with the next: it is never left dead.
async fn writer(
    db: DatabaseConnection,
    config: Arc<Config>,
    codes: CodeKey,
    mut rx: mpsc::Receiver<Job>,
    panic_next: Arc<AtomicBool>,
) {
    let policy = IntakePolicy::of(&config, &codes);
    let mut jobs = Vec::with_capacity(MAX_GROUP);
    while rx.recv_many(&mut jobs, MAX_GROUP).await > 0 {
        let filing = AssertUnwindSafe(async {
            if panic_next.swap(false, Ordering::SeqCst) {
                panic!("injected fault in the intake writer");
            }
            file_group(&db, &policy, &jobs).await
        })
        .catch_unwind()
        .await;
        match filing {
            Ok(outcomes) => {
                for (job, outcome) in jobs.drain(..).zip(outcomes) {
                    let _ = job.reply.send((outcome.map_err(Into::into), job.sub.files));
                }
            }
            Err(_) => {
                tracing::error!(
                    complaints = jobs.len(),
                    "the intake writer panicked; these complaints were not filed, the writer goes on"
                );
                for job in jobs.drain(..) {
                    let _ = job
                        .reply
                        .send((Err(IntakeError::WriterFailed), job.sub.files));
                }
            }
        }
    }
}

/// Files the group in one transaction. Should any complaint fail, the group is rolled
/// back and each is filed on its own, so one failure costs only its own request.
async fn file_group(
    db: &DatabaseConnection,
    policy: &IntakePolicy<'_>,
    jobs: &[Job],
) -> Vec<Outcome> {
    match file_together(db, policy, jobs).await {
        Ok(views) => views.into_iter().map(Ok).collect(),
        Err(e) if jobs.len() == 1 => vec![Err(e)],
        Err(_) => {
            let mut out = Vec::with_capacity(jobs.len());
            for job in jobs {
                let one = file_together(db, policy, std::slice::from_ref(job)).await;
                out.push(one.map(|mut views| views.remove(0)));
            }
            out
        }
    }
}

/// Files every job in one write transaction, or none of them.
async fn file_together(
    db: &DatabaseConnection,
    policy: &IntakePolicy<'_>,
    jobs: &[Job],
) -> ServiceResult<Vec<Filed>> {
    let txn = db::begin_write(db).await?;
    let all: Vec<ToFile<'_>> = jobs
        .iter()
        .map(|job| ToFile {
            filing: job.filing(),
            matches: &job.matches,
            now: job.sub.received_at,
        })
        .collect();
    let views = complaints::submit_all_in(&txn, policy, &all).await?;
    txn.commit().await?;
    Ok(views)
}
