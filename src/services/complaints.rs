//! Complaint intake: a complete notice becomes a durable complaint, matched against the
//! registry, with its audit event and its emails in the same transaction.

use crate::services::error::ServiceResult;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::complaint::{ComplaintStatus, Language, NewComplaint, TrackingCode, deadline};
use crate::domain::deadline::{FIRST_ROUND, StepKind, StepState, plan};
use crate::domain::display_time::display;
use crate::domain::personal;
use crate::domain::validate::{EmailAddress, format_timestamp, truncate_micros};
use crate::entities::{
    article, complaint, complaint_evidence, complaint_match, complaint_target, deadline_step,
};
use crate::mail::letter::{Recipient, RenderError};
use crate::mail::letters::NewComplaint as NewComplaintLetter;
use crate::mail::notice::Owed;
use crate::mail::outbox;
use crate::services::confirmation::ConfirmToken;
use crate::services::evidence::EvidenceFile;
use crate::services::matching::{Match, MatchIndex};
use crate::services::receipts::{self, ReceiptFor};
use crate::services::steps;
use crate::services::tracking_codes::{CodeKey, lookup_hash};

/// Matches below this share are noise, not evidence.
const MIN_STORED_CONTAINMENT: f64 = 0.05;

/// How a complaint arrived.
#[derive(Debug, Clone, Copy)]
pub enum Channel {
    Api,
    Form,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Form => "form",
            Self::Email => "email",
        }
    }
}

/// How long an `Idempotency-Key` stays bound to its first request.
pub const IDEMPOTENCY_KEY_TTL: time::Duration = time::Duration::DAY;

/// A client's key for retries, bound to the SHA-256 of the request it came with.
#[derive(Debug, Clone, Copy)]
pub struct IdempotencyKey<'a> {
    pub key: &'a str,
    pub request_sha256: &'a str,
}

/// One submission: the checked notice, its stored evidence files, how it arrived and
/// the key that makes a retry return the first result.
#[derive(Clone, Copy)]
pub struct Filing<'a> {
    pub complaint: &'a NewComplaint,
    pub files: &'a [EvidenceFile],
    pub channel: Channel,
    pub idempotency: Option<IdempotencyKey<'a>>,
    /// The name of the `submitter` token it was filed with, if any.
    pub submitter: Option<&'a str>,
    /// The staff notice limit's bucket for its client (`staff_notices::client_key`),
    /// when it came without a token.
    pub client: Option<&'a str>,
    /// How the claimant's address was shown to be theirs without a token, e.g. a
    /// DMARC pass a trusted server recorded (`dmarc:…`): confirmed at filing.
    pub verified: Option<&'a str>,
    /// Whether the claimant gets a receipt: not when a notice by email came from a
    /// machine or from one of our own addresses.
    pub acknowledge: bool,
}

/// What filing did.
#[derive(Debug, Clone)]
pub enum Filed {
    Created(ComplaintView),
    /// A retry of an earlier request (same key, same body): that request's complaint.
    Replayed(ComplaintView),
    /// The key was first used with a different request. Nothing filed, nothing shown.
    KeyReused,
}

/// What intake needs from the configuration.
pub struct IntakePolicy<'a> {
    pub deadline: std::time::Duration,
    pub reminders: &'a [std::time::Duration],
    pub public_base_url: &'a str,
    /// Signs every email.
    pub signer: crate::mail::letter::Signer<'a>,
    pub staff_notify: &'a [EmailAddress],
    pub staff_language: Language,
    /// Receipts per claimant address per hour; 0 turns the limit off.
    pub receipt_rate_limit: u32,
    pub staff_notify_rate_limit: u32,
    /// Seals the tracking codes of complaints filed.
    pub codes: &'a CodeKey,
}

impl<'a> IntakePolicy<'a> {
    pub fn of(config: &'a crate::config::Config, codes: &'a CodeKey) -> Self {
        Self {
            deadline: config.deadline,
            reminders: &config.reminders,
            public_base_url: &config.public_base_url,
            signer: crate::mail::letter::Signer::of(config),
            staff_notify: &config.staff_notify,
            staff_language: config.staff_language,
            receipt_rate_limit: config.receipt_rate_limit,
            staff_notify_rate_limit: config.staff_notify_rate_limit,
            codes,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetView {
    pub url: String,
    pub article_id: Option<i64>,
    /// Once decided: `upheld` (taken down), `rejected` (stays up) or `not_ours` (not
    /// content the site republished).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatchView {
    pub article_id: i64,
    pub revision: i32,
    pub containment: f64,
    pub identical: bool,
}

/// A counter-notice against one of the complaint's removals, as the claimant sees it:
/// when the content returns unless legal action stops it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CounterNoticeSummary {
    pub id: i64,
    pub removed_url: String,
    /// `waiting`, `restored` or `legal_action`.
    pub state: String,
    /// RFC 3339, UTC.
    pub restore_at: String,
}

/// What the claimant sees: their complaint and nothing else.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplaintView {
    pub id: i64,
    pub tracking_code: String,
    pub status: String,
    pub language: String,
    pub received_at: String,
    pub deadline_at: String,
    pub status_url: String,
    /// The claimant's address is confirmed (or a trusted submitter filed it).
    pub confirmed: bool,
    pub decision: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    /// While the clock is paused: what the reviewer asked the claimant.
    pub info_request: Option<String>,
    /// The answer must arrive by then, or the complaint closes as incomplete.
    pub info_answer_by: Option<String>,
    /// The deadline does not run while the complaint waits on the claimant.
    pub clock_paused: bool,
    pub appealed_at: Option<String>,
    /// A rejected complaint may be appealed until then.
    pub appeal_until: Option<String>,
    pub targets: Vec<TargetView>,
    pub matches: Vec<MatchView>,
    /// The audit event that records its receipt, `SEQ:HASH`: proof, for as long as the
    /// chain holds it, that and when we received the complaint.
    pub receipt_event: Option<String>,
    /// The claimant's own answer to the last question, as they sent it.
    pub info_answer: Option<String>,
    /// The claimant's own appeal statement.
    pub appeal_statement: Option<String>,
    pub counter_notices: Vec<CounterNoticeSummary>,
    /// The case the claimant reported, until and after staff confirm it.
    pub legal_action_reported: Option<String>,
    /// Staff recorded legal action: the content stays removed.
    pub legal_action_recorded: bool,
    /// What the claimant sent us about it by email, as we received it.
    pub sent_by_email: Vec<EmailSent>,
}

/// One email the claimant sent about their complaint.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmailSent {
    /// RFC 3339, UTC: when we received it.
    pub received_at: String,
    pub subject: Option<String>,
}

pub fn status_url(public_base_url: &str, code: &str) -> String {
    format!("{public_base_url}/complaints/{code}")
}

/// The registry matches worth storing with a complaint. Reads only: done before the
/// write transaction, and in parallel across requests.
pub async fn find_matches(
    db: &DatabaseConnection,
    index: &MatchIndex,
    new: &NewComplaint,
) -> ServiceResult<Vec<Match>> {
    Ok(match &new.work_original_text {
        Some(text) => index
            .search(db, text, 20)
            .await?
            .into_iter()
            .filter(|m| m.identical || m.containment >= MIN_STORED_CONTAINMENT)
            .collect(),
        None => Vec::new(),
    })
}

/// One complaint filed with others in a transaction: its filing, the registry's
/// matches for it, and when it arrived.
pub struct ToFile<'a> {
    pub filing: Filing<'a>,
    pub matches: &'a [Match],
    pub now: OffsetDateTime,
}

/// Files a complaint inside the caller's write transaction (see `db::begin_write`).
pub async fn submit_in(
    txn: &impl ConnectionTrait,
    policy: &IntakePolicy<'_>,
    filing: &Filing<'_>,
    matches: &[Match],
    now: OffsetDateTime,
) -> ServiceResult<Filed> {
    let one = [ToFile {
        filing: *filing,
        matches,
        now,
    }];
    submit_all_in(txn, policy, &one)
        .await?
        .pop()
        .ok_or_else(|| DbErr::RecordNotInserted.into())
}

/// Files each of `all` inside the caller's write transaction, as `submit_in` files
/// one, with one statement a table for all of them: intake's group commit. Returns
/// what filing did to each, in order. Should one fail, the caller rolls back all.
pub async fn submit_all_in(
    txn: &impl ConnectionTrait,
    policy: &IntakePolicy<'_>,
    all: &[ToFile<'_>],
) -> ServiceResult<Vec<Filed>> {
    // A retry of an earlier request is answered with that request's complaint.
    let mut done: Vec<Option<Filed>> = Vec::with_capacity(all.len());
    for f in all {
        done.push(match f.filing.idempotency {
            Some(idem) => replay(txn, idem, policy, truncate_micros(f.now)).await?,
            None => None,
        });
    }
    let fresh: Vec<&ToFile<'_>> = all
        .iter()
        .zip(&done)
        .filter(|(_, d)| d.is_none())
        .map(|(f, _)| f)
        .collect();

    let mut limits = Counted::read(txn, policy, &fresh).await?;
    let rows: Vec<Row> = fresh
        .iter()
        .map(|f| decide(policy, f, &mut limits))
        .collect();
    let stored = insert_rows(txn, &fresh, &rows).await?;
    let targets = record_targets(txn, &stored, &fresh).await?;

    let mut plans = Vec::new();
    let mut evidence = Vec::new();
    let mut found = Vec::new();
    let mut chain = audit::Chain::default();
    let mut mail = outbox::Batch::default();
    let mut filed = Vec::with_capacity(fresh.len());
    for (((f, row), c), targets) in fresh.iter().zip(&rows).zip(stored).zip(targets) {
        let (new, matches) = (f.filing.complaint, f.matches);
        plans.extend(
            plan(
                FIRST_ROUND,
                row.received_at,
                policy.deadline,
                policy.reminders,
            )
            .into_iter()
            .map(|s| steps::row(c.id, s)),
        );
        evidence.extend(evidence_rows(c.id, new, f.filing.files));
        found.extend(match_rows(c.id, matches));
        let receipt_event = audit_receipt(txn, &mut chain, &f.filing, row, matches, c.id).await?;
        if !row.receipt_deferred && f.filing.acknowledge {
            send_receipt(&mut mail, policy, &c, new, row, &receipt_event)?;
        }
        if !row.staff_notice_deferred {
            let lines = target_lines(&targets);
            tell_staff(&mut mail, policy, &c, new, &lines, matches, f.filing.client)?;
        }
        // Everything the view shows of a complaint filed just now is at hand.
        let mut matches: Vec<MatchView> = matches
            .iter()
            .map(|m| MatchView {
                article_id: m.article_id,
                revision: m.revision,
                containment: m.containment,
                identical: m.identical,
            })
            .collect();
        matches.sort_by(|a, b| b.containment.total_cmp(&a.containment));
        let parts = ViewParts {
            targets,
            matches,
            receipt_event: Some(receipt_event.to_string()),
            ..ViewParts::default()
        };
        filed.push(Filed::Created(view_of(
            &c,
            &row.code,
            policy.public_base_url,
            parts,
        )));
    }
    db::insert_all(txn, plans).await?;
    db::insert_all(txn, evidence).await?;
    db::insert_all(txn, found).await?;
    chain.write(txn).await?;
    if let Some(at) = rows.iter().map(|r| r.received_at).max() {
        mail.write(txn, policy.public_base_url, at).await?;
    }

    let mut filed = filed.into_iter();
    Ok(done
        .into_iter()
        .map(|d| d.or_else(|| filed.next()))
        .collect::<Option<Vec<_>>>()
        .ok_or(DbErr::RecordNotInserted)?)
}

/// What the receipt and staff notice limits count for a group: the rows stored in the
/// last hour under its keys, and the emails the group itself has decided to send.
struct Counted {
    /// Each row's key, its complaint (a placeholder for one of the group's) and time.
    rows: Vec<(String, Option<i64>, OffsetDateTime)>,
    /// Placeholder ids for the group's complaints, below any stored id.
    next_placeholder: i64,
}

impl Counted {
    async fn read(
        txn: &impl ConnectionTrait,
        policy: &IntakePolicy<'_>,
        fresh: &[&ToFile<'_>],
    ) -> ServiceResult<Self> {
        let mut keys = Vec::new();
        if policy.receipt_rate_limit > 0 {
            keys.extend(
                fresh
                    .iter()
                    .map(|f| f.filing.complaint.claimant_email.rate_key()),
            );
        }
        if policy.staff_notify_rate_limit > 0 {
            keys.extend(
                fresh
                    .iter()
                    .filter_map(|f| f.filing.client.map(str::to_string)),
            );
        }
        let since = fresh.iter().map(|f| truncate_micros(f.now)).min();
        let rows = match since {
            Some(since) if !keys.is_empty() => {
                keys.sort_unstable();
                keys.dedup();
                outbox::rate_key_rows(txn, &keys, since - receipts::WINDOW).await?
            }
            _ => Vec::new(),
        };
        Ok(Self {
            rows,
            next_placeholder: -1,
        })
    }

    /// Rows under `key` in the hour before `now` (receipts count rows).
    fn rows(&self, key: &str, now: OffsetDateTime) -> u64 {
        self.within(key, now).count() as u64
    }

    /// Complaints with a row under `key` in the hour before `now` (a staff notice to
    /// several addresses counts once).
    fn complaints(&self, key: &str, now: OffsetDateTime) -> u64 {
        let mut ids: Vec<i64> = self.within(key, now).filter_map(|r| r.1).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len() as u64
    }

    fn within(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> impl Iterator<Item = &(String, Option<i64>, OffsetDateTime)> {
        let since = now - receipts::WINDOW;
        self.rows.iter().filter(move |r| r.0 == key && r.2 > since)
    }

    /// Counts an email the group decided to send under `key`.
    fn add(&mut self, key: &str, complaint: i64, now: OffsetDateTime) {
        self.rows.push((key.to_string(), Some(complaint), now));
    }
}

/// What filing decides for a complaint before its row is written: its code, its
/// deadline, whether it is confirmed, and whether its emails wait for a limit.
fn decide(policy: &IntakePolicy<'_>, f: &ToFile<'_>, limits: &mut Counted) -> Row {
    let (new, filing) = (f.filing.complaint, &f.filing);
    let received_at = truncate_micros(f.now);
    let window = time::Duration::try_from(policy.deadline).unwrap_or(time::Duration::DAY);
    let deadline_at = deadline(received_at, window);
    let code = TrackingCode::generate();
    // A trusted submitter's complaint is confirmed at filing; anyone else confirms
    // their address through the link in the receipt (or in the digest, if the
    // receipt has to wait).
    let confirmed_by = filing
        .submitter
        .map(|name| format!("token:{name}"))
        .or_else(|| filing.verified.map(str::to_string));
    let placeholder = limits.next_placeholder;
    limits.next_placeholder -= 1;
    let receipt_key = new.claimant_email.rate_key();
    let receipt_deferred = policy.receipt_rate_limit > 0
        && limits.rows(&receipt_key, received_at) >= u64::from(policy.receipt_rate_limit);
    if !receipt_deferred && filing.acknowledge {
        limits.add(&receipt_key, placeholder, received_at);
    }
    let staff_notice_deferred = filing.client.is_some_and(|key| {
        policy.staff_notify_rate_limit > 0
            && limits.complaints(key, received_at) >= u64::from(policy.staff_notify_rate_limit)
    });
    if let Some(key) = filing.client
        && !staff_notice_deferred
        && !policy.staff_notify.is_empty()
    {
        limits.add(key, placeholder, received_at);
    }
    let token = (confirmed_by.is_none() && !receipt_deferred).then(ConfirmToken::generate);
    Row {
        sealed: policy.codes.seal(code.as_str()),
        code,
        salt: personal::new_salt(),
        received_at,
        deadline_at,
        token,
        confirmed_by,
        receipt_deferred,
        staff_notice_deferred,
    }
}

/// What filing decided before the complaint's row is written.
struct Row {
    code: TrackingCode,
    sealed: String,
    salt: String,
    received_at: OffsetDateTime,
    deadline_at: OffsetDateTime,
    token: Option<ConfirmToken>,
    confirmed_by: Option<String>,
    receipt_deferred: bool,
    staff_notice_deferred: bool,
}

/// Writes the complaints' rows in one statement; returns them as stored, in order.
async fn insert_rows(
    txn: &impl ConnectionTrait,
    fresh: &[&ToFile<'_>],
    rows: &[Row],
) -> Result<Vec<complaint::Model>, DbErr> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let models = fresh.iter().zip(rows).map(|(f, r)| row_model(&f.filing, r));
    let mut stored: HashMap<Option<String>, complaint::Model> =
        complaint::Entity::insert_many(models)
            .exec_with_returning(txn)
            .await?
            .into_iter()
            .map(|c| (c.tracking_code_sha256.clone(), c))
            .collect();
    // RETURNING promises no order: each row is found by its code.
    rows.iter()
        .map(|r| {
            stored
                .remove(&Some(lookup_hash(r.code.as_str())))
                .ok_or(DbErr::RecordNotInserted)
        })
        .collect()
}

fn row_model(f: &Filing<'_>, r: &Row) -> complaint::ActiveModel {
    let (idempotency, received_at, deadline_at) = (f.idempotency, r.received_at, r.deadline_at);
    complaint::ActiveModel {
        personal_salt: Set(Some(r.salt.clone())),
        tracking_code_sealed: Set(r.sealed.clone()),
        tracking_code_sha256: Set(Some(lookup_hash(r.code.as_str()))),
        status: Set(ComplaintStatus::Received),
        channel: Set(f.channel.as_str().to_string()),
        language: Set(f.complaint.language),
        claimant_name: Set(f.complaint.claimant_name.clone()),
        claimant_organisation: Set(f.complaint.claimant_organisation.clone()),
        claimant_email: Set(f.complaint.claimant_email.as_str().to_string()),
        claimant_phone: Set(f.complaint.claimant_phone.clone()),
        claimant_address: Set(f.complaint.claimant_address.clone()),
        capacity: Set(f
            .complaint
            .capacity
            .map_or(String::new(), |c| c.as_str().to_string())),
        on_behalf_of: Set(f.complaint.on_behalf_of.clone()),
        work_title: Set(f.complaint.work_title.clone()),
        work_description: Set(f.complaint.work_description.clone()),
        work_original_url: Set(f
            .complaint
            .work_original_url
            .as_ref()
            .map_or(String::new(), |u| u.to_string())),
        work_original_text: Set(f.complaint.work_original_text.clone()),
        good_faith: Set(f.complaint.good_faith),
        accurate: Set(f.complaint.accurate),
        missing_elements: Set((!f.complaint.missing.is_empty())
            .then(|| serde_json::to_string(&f.complaint.missing).unwrap_or_default())),
        signature: Set(f.complaint.signature.clone()),
        idempotency_key: Set(idempotency.map(|i| i.key.to_string())),
        idempotency_sha256: Set(idempotency.map(|i| i.request_sha256.to_string())),
        received_at: Set(received_at),
        deadline_at: Set(deadline_at),
        confirm_token_sha256: Set(r.token.as_ref().map(|t| t.sha256.clone())),
        confirmed_at: Set(r.confirmed_by.is_some().then_some(received_at)),
        confirmed_by: Set(r.confirmed_by.clone()),
        receipt_deferred: Set(r.receipt_deferred),
        client_key: Set(f.client.map(str::to_string)),
        staff_notice_deferred: Set(r.staff_notice_deferred),
        callback_url: Set(f.complaint.callback.as_ref().map(|c| c.url.to_string())),
        callback_secret: Set(f.complaint.callback.as_ref().map(|c| c.secret.clone())),
        ..Default::default()
    }
}

/// The receipt's audit event, whose `SEQ:HASH` the receipt carries. The actor is a
/// keyed hash of the address: the address itself stays in the row, where it can be
/// erased.
async fn audit_receipt(
    txn: &impl ConnectionTrait,
    chain: &mut audit::Chain,
    f: &Filing<'_>,
    r: &Row,
    matches: &[Match],
    complaint_id: i64,
) -> Result<crate::domain::audit_chain::Head, DbErr> {
    chain
        .link(
        txn,
        r.received_at,
        // The address itself stays in the row, where it can be erased.
        &format!(
            "claimant:{}",
            personal::keyed_hash(&r.salt, f.complaint.claimant_email.as_str())
        ),
        "complaint.received",
        &format!("complaint:{}", complaint_id),
        &json!({
            "channel": f.channel.as_str(),
            "confirmed_by": r.confirmed_by,
            "receipt_deferred": r.receipt_deferred,
            "staff_notice_deferred": r.staff_notice_deferred,
            "deadline_at": format_timestamp(r.deadline_at),
            "targets": f.complaint.infringing_urls.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
            "evidence_files": f.files.iter().map(|f| f.sha256.as_str()).collect::<Vec<_>>(),
            "matches": matches.iter().map(|m| json!({"article_id": m.article_id, "containment": m.containment})).collect::<Vec<_>>(),
        }),
    )
    .await
}

/// The claimant's receipt, with the confirmation link unless already confirmed.
fn send_receipt(
    mail: &mut outbox::Batch,
    policy: &IntakePolicy<'_>,
    c: &complaint::Model,
    new: &NewComplaint,
    r: &Row,
    receipt_event: &crate::domain::audit_chain::Head,
) -> Result<(), RenderError> {
    let urls: Vec<String> = new.infringing_urls.iter().map(|u| u.to_string()).collect();
    let confirm_url = r.token.as_ref().map(|t| t.url(policy.public_base_url));
    receipts::gather(
        mail,
        &policy.signer,
        &ReceiptFor {
            complaint_id: c.id,
            code: r.code.as_str(),
            language: new.language,
            recipient: &new.claimant_email,
            received_at: r.received_at,
            deadline_at: r.deadline_at,
            confirm_url: confirm_url.as_deref(),
            targets: &urls,
            receipt_event,
            callback: callback_of(c),
        },
    )
}

/// Records each complaint's targets, linked to their articles when the registry has
/// the URL (one read and one insert for all of them); returns each one's as stored.
async fn record_targets(
    txn: &impl ConnectionTrait,
    stored: &[complaint::Model],
    fresh: &[&ToFile<'_>],
) -> Result<Vec<Vec<TargetView>>, DbErr> {
    let mut urls: Vec<&str> = fresh
        .iter()
        .flat_map(|f| {
            f.filing
                .complaint
                .infringing_urls
                .iter()
                .map(|u| u.as_str())
        })
        .collect();
    if urls.is_empty() {
        return Ok(vec![Vec::new(); fresh.len()]);
    }
    urls.sort_unstable();
    urls.dedup();
    let mut known: HashMap<String, i64> = HashMap::with_capacity(urls.len());
    for chunk in urls.chunks(500) {
        let found = article::Entity::find()
            .filter(article::Column::Url.is_in(chunk.iter().copied()))
            .all(txn)
            .await?;
        known.extend(found.into_iter().map(|a| (a.url, a.id)));
    }
    let targets: Vec<Vec<TargetView>> = fresh
        .iter()
        .map(|f| {
            f.filing
                .complaint
                .infringing_urls
                .iter()
                .map(|url| TargetView {
                    url: url.to_string(),
                    article_id: known.get(url.as_str()).copied(),
                    outcome: None,
                })
                .collect()
        })
        .collect();
    let rows = stored
        .iter()
        .zip(&targets)
        .flat_map(|(c, ts)| {
            ts.iter().map(|t| complaint_target::ActiveModel {
                complaint_id: Set(c.id),
                url: Set(t.url.clone()),
                article_id: Set(t.article_id),
                ..Default::default()
            })
        })
        .collect();
    db::insert_all(txn, rows).await?;
    Ok(targets)
}

/// The lines the staff notice lists for the targets.
fn target_lines(targets: &[TargetView]) -> Vec<String> {
    targets
        .iter()
        .map(|t| match t.article_id {
            Some(id) => format!("{} (article {id})", t.url),
            None => format!("{} (not in the registry)", t.url),
        })
        .collect()
}

/// A complaint's evidence rows: its URLs, then its files.
fn evidence_rows(
    complaint_id: i64,
    new: &NewComplaint,
    files: &[EvidenceFile],
) -> impl Iterator<Item = complaint_evidence::ActiveModel> {
    let urls = new
        .evidence_urls
        .iter()
        .map(move |url| complaint_evidence::ActiveModel {
            complaint_id: Set(complaint_id),
            kind: Set("url".into()),
            url: Set(Some(url.as_str().to_string())),
            ..Default::default()
        });
    let files = files
        .iter()
        .map(move |f| crate::services::evidence::row(complaint_id, f));
    urls.chain(files)
}

/// The registry's matches for a complaint, as stored.
fn match_rows(
    complaint_id: i64,
    matches: &[Match],
) -> impl Iterator<Item = complaint_match::ActiveModel> {
    matches.iter().map(move |m| complaint_match::ActiveModel {
        complaint_id: Set(complaint_id),
        article_id: Set(m.article_id),
        revision: Set(m.revision),
        containment: Set(m.containment),
        identical: Set(m.identical),
        ..Default::default()
    })
}

/// Staff are told of the new complaint, with its targets and the registry's matches.
fn tell_staff(
    mail: &mut outbox::Batch,
    policy: &IntakePolicy<'_>,
    c: &complaint::Model,
    new: &NewComplaint,
    target_lines: &[String],
    matches: &[Match],
    client: Option<&str>,
) -> Result<(), RenderError> {
    let received = display(c.received_at);
    let due = display(c.deadline_at);
    let url = format!("{}/staff/complaints/{}", policy.public_base_url, c.id);
    let match_lines: Vec<String> = matches
        .iter()
        .map(|m| {
            format!(
                "{} ({:.0}% contained{})",
                m.url,
                m.containment * 100.0,
                if m.identical { ", identical" } else { "" }
            )
        })
        .collect();
    let letter = NewComplaintLetter {
        id: c.id,
        received_at: &received,
        deadline_at: &due,
        claimant: &new.claimant_name,
        capacity: new.capacity.map_or("", |c| c.as_str()),
        work_title: &new.work_title,
        targets: target_lines,
        matches: &match_lines,
        url: &url,
    };
    mail.post_counted(
        &Owed::once(c.id, FIRST_ROUND),
        &letter,
        &Recipient::all(policy.staff_notify, policy.staff_language),
        &policy.signer,
        c.received_at,
        client,
        callback_of(c),
    )
}

/// The complaint's status callback URL and claimant address, if it has a callback.
fn callback_of(c: &complaint::Model) -> Option<(&str, &str)> {
    c.callback_url
        .as_deref()
        .map(|url| (url, c.claimant_email.as_str()))
}

/// The answer for a key seen before, if it is still bound: the first complaint when
/// the request is the same, a refusal when it is not. A key older than
/// `IDEMPOTENCY_KEY_TTL` is released and the request filed as new.
async fn replay(
    txn: &impl ConnectionTrait,
    idem: IdempotencyKey<'_>,
    policy: &IntakePolicy<'_>,
    now: OffsetDateTime,
) -> ServiceResult<Option<Filed>> {
    let Some(first) = complaint::Entity::find()
        .filter(complaint::Column::IdempotencyKey.eq(idem.key))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    if now - first.received_at >= IDEMPOTENCY_KEY_TTL {
        complaint::Entity::update_many()
            .col_expr(
                complaint::Column::IdempotencyKey,
                sea_orm::sea_query::Expr::value(None::<String>),
            )
            .filter(complaint::Column::Id.eq(first.id))
            .exec(txn)
            .await?;
        return Ok(None);
    }
    if first.idempotency_sha256.as_deref() == Some(idem.request_sha256) {
        let code = policy.codes.code_of(&first)?;
        Ok(Some(Filed::Replayed(
            view(txn, &first, &code, policy.public_base_url).await?,
        )))
    } else {
        Ok(Some(Filed::KeyReused))
    }
}

/// The stored complaint behind a tracking code.
pub async fn row_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<complaint::Model>, DbErr> {
    complaint::Entity::find()
        .filter(complaint::Column::TrackingCodeSha256.eq(lookup_hash(code)))
        .one(db)
        .await
}

/// The complaint behind a tracking code.
pub async fn by_code(
    db: &impl ConnectionTrait,
    code: &TrackingCode,
    config: &crate::config::Config,
) -> ServiceResult<Option<ComplaintView>> {
    let found = row_by_code(db, code.as_str()).await?;
    match found {
        Some(c) => {
            let mut v = view(db, &c, code, &config.public_base_url).await?;
            let now = OffsetDateTime::now_utc();
            if crate::services::appeals::open_for_appeal(&c, config.appeal_window, now) {
                v.appeal_until = c
                    .decided_at
                    .map(|d| format_timestamp(d + config.appeal_window));
            }
            Ok(Some(v))
        }
        None => Ok(None),
    }
}

/// The URLs complaint `complaint_id` names, in the order they were given.
pub async fn targets_of(
    db: &impl ConnectionTrait,
    complaint_id: i64,
) -> Result<Vec<complaint_target::Model>, DbErr> {
    complaint_target::Entity::find()
        .filter(complaint_target::Column::ComplaintId.eq(complaint_id))
        .order_by_asc(complaint_target::Column::Id)
        .all(db)
        .await
}

/// What a complaint's view shows beyond its own row.
#[derive(Default)]
struct ViewParts {
    targets: Vec<TargetView>,
    matches: Vec<MatchView>,
    info_answer_by: Option<String>,
    receipt_event: Option<String>,
    counter_notices: Vec<CounterNoticeSummary>,
    sent_by_email: Vec<EmailSent>,
}

async fn view(
    db: &impl ConnectionTrait,
    c: &complaint::Model,
    code: &TrackingCode,
    public_base_url: &str,
) -> ServiceResult<ComplaintView> {
    let targets = targets_of(db, c.id).await?;
    let matches = complaint_match::Entity::find()
        .filter(complaint_match::Column::ComplaintId.eq(c.id))
        .order_by_desc(complaint_match::Column::Containment)
        .all(db)
        .await?;
    let info_answer_by = if c.status == ComplaintStatus::NeedsInfo {
        deadline_step::Entity::find()
            .filter(deadline_step::Column::ComplaintId.eq(c.id))
            .filter(deadline_step::Column::Kind.eq(StepKind::InfoWait))
            .filter(deadline_step::Column::State.eq(StepState::Pending))
            .one(db)
            .await?
            .map(|s| format_timestamp(s.due_at))
    } else {
        None
    };
    let parts = ViewParts {
        targets: targets
            .into_iter()
            .map(|t| TargetView {
                url: t.url,
                article_id: t.article_id,
                outcome: t.outcome.map(|o| o.as_str()),
            })
            .collect(),
        matches: matches
            .into_iter()
            .map(|m| MatchView {
                article_id: m.article_id,
                revision: m.revision,
                containment: m.containment,
                identical: m.identical,
            })
            .collect(),
        info_answer_by,
        receipt_event: audit::receipt_event(db, c.id).await?.map(|h| h.to_string()),
        counter_notices: crate::services::counter_notices::for_complaint(db, c.id)
            .await?
            .into_iter()
            .map(|n| CounterNoticeSummary {
                id: n.id,
                removed_url: n.removed_url,
                state: n.state.as_str().to_string(),
                restore_at: format_timestamp(n.restore_at),
            })
            .collect(),
        sent_by_email: sent_by_email(db, c).await?,
    };
    Ok(view_of(c, code, public_base_url, parts))
}

fn view_of(
    c: &complaint::Model,
    code: &TrackingCode,
    public_base_url: &str,
    parts: ViewParts,
) -> ComplaintView {
    let waiting = c.status == ComplaintStatus::NeedsInfo;
    ComplaintView {
        id: c.id,
        tracking_code: code.as_str().to_string(),
        status: c.status.as_str().to_string(),
        language: c.language.as_str().to_string(),
        received_at: format_timestamp(c.received_at),
        deadline_at: format_timestamp(c.deadline_at),
        status_url: status_url(public_base_url, code.as_str()),
        confirmed: c.confirmed_at.is_some(),
        decision: c.decision.clone(),
        decided_at: c.decided_at.map(format_timestamp),
        decision_reason: c.decision_reason.clone(),
        info_request: c.info_request.clone().filter(|_| waiting),
        info_answer_by: parts.info_answer_by,
        clock_paused: c.paused_at.is_some(),
        appealed_at: c.appealed_at.map(format_timestamp),
        appeal_until: None,
        targets: parts.targets,
        matches: parts.matches,
        receipt_event: parts.receipt_event,
        info_answer: c.info_answer.clone(),
        appeal_statement: c.appeal_statement.clone(),
        counter_notices: parts.counter_notices,
        legal_action_reported: c.legal_action_reported.clone(),
        legal_action_recorded: c.legal_action_at.is_some(),
        sent_by_email: parts.sent_by_email,
    }
}

/// What the claimant sent about the complaint by email (the notice itself, and their
/// replies), oldest first.
async fn sent_by_email(
    db: &impl ConnectionTrait,
    c: &complaint::Model,
) -> Result<Vec<EmailSent>, DbErr> {
    use crate::entities::inbound_message;
    Ok(inbound_message::Entity::find()
        .filter(inbound_message::Column::ComplaintId.eq(c.id))
        .filter(inbound_message::Column::FromAddress.eq(c.claimant_email.to_ascii_lowercase()))
        .filter(inbound_message::Column::Outcome.is_in(["new_complaint", "reply"]))
        .order_by_asc(inbound_message::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| EmailSent {
            received_at: format_timestamp(m.received_at),
            subject: m.subject,
        })
        .collect())
}
