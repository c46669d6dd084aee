//! Receipts to claimants. Each says what was received, when it is due, where to follow
//! it and how to confirm the address. Receipts to one address are limited per hour, so
//! the form cannot make the site's mail a spam relay: over the limit the complaint is
//! still filed, and its receipt waits for one digest.

use crate::domain::audit_chain::Head;
use crate::services::error::ServiceResult;
use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use time::OffsetDateTime;

use crate::db;
use crate::domain::complaint::Language;
use crate::domain::deadline::FIRST_ROUND;
use crate::domain::display_time::display;
use crate::domain::validate::{EmailAddress, truncate_micros};
use crate::entities::complaint;
use crate::mail::letter::{Recipient, RenderError, Signer};
use crate::mail::letters::{DigestItem, Receipt, ReceiptDigest};
use crate::mail::notice::Owed;
use crate::mail::outbox;
use crate::services::complaints::{status_url, targets_of};
use crate::services::confirmation::ConfirmToken;
use crate::services::site::Site;

/// The window over which receipts to one address are counted.
pub const WINDOW: time::Duration = time::Duration::HOUR;
/// Deferred complaints looked at per digest pass.
const DIGEST_BATCH: u64 = 1000;

/// Receipts and digests sent (or queued) to `recipient`'s mailbox in the last hour,
/// however its address was spelled (`Victim@`, `victim+1@`, `victim@Target.Example`).
pub async fn sent_recently(
    db: &impl ConnectionTrait,
    recipient: &str,
    now: OffsetDateTime,
) -> ServiceResult<u64> {
    let Ok(address) = EmailAddress::parse(recipient) else {
        return Ok(0);
    };
    Ok(outbox::count_rate_key(db, &address.rate_key(), now - WINDOW, false).await?)
}

/// Whether a receipt to `recipient` now would go over `limit` (0: no limit).
pub async fn over_limit(
    db: &impl ConnectionTrait,
    recipient: &str,
    limit: u32,
    now: OffsetDateTime,
) -> ServiceResult<bool> {
    Ok(limit > 0 && sent_recently(db, recipient, now).await? >= u64::from(limit))
}

/// One complaint's receipt, as queued.
pub struct ReceiptFor<'a> {
    pub complaint_id: i64,
    pub code: &'a str,
    pub language: Language,
    pub recipient: &'a EmailAddress,
    pub received_at: OffsetDateTime,
    pub deadline_at: OffsetDateTime,
    pub confirm_url: Option<&'a str>,
    pub targets: &'a [String],
    pub receipt_event: &'a Head,
    /// The complaint's status callback URL and claimant address, if it has one.
    pub callback: Option<(&'a str, &'a str)>,
}

/// Gathers a receipt into `mail`, written with the rest of its transaction's emails:
/// plain text with an HTML alternative, in the claimant's language. Its subject and
/// opening carry nothing the claimant typed.
pub fn gather(
    mail: &mut outbox::Batch,
    signer: &Signer<'_>,
    r: &ReceiptFor<'_>,
) -> Result<(), RenderError> {
    let received = display(r.received_at);
    let due = display(r.deadline_at);
    let url = status_url(signer.base_url, r.code);
    let head = r.receipt_event.to_string();
    let receipt = Receipt {
        id: r.complaint_id,
        receipt_event: &head,
        code: r.code,
        received_at: &received,
        deadline_at: &due,
        status_url: &url,
        confirm_url: r.confirm_url,
        targets: r.targets,
    };
    mail.post(
        &Owed::once(r.complaint_id, FIRST_ROUND),
        &receipt,
        &[Recipient::new(r.recipient.clone(), r.language)],
        signer,
        r.received_at,
        r.callback,
    )
}

/// Sends the receipts that waited, one digest per address whose hourly window has
/// room again. Returns how many digests were queued.
pub async fn send_digests(
    db: &DatabaseConnection,
    site: &Site<'_>,
    limit: u32,
    now: OffsetDateTime,
) -> ServiceResult<u64> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let waiting = complaint::Entity::find()
        .filter(complaint::Column::ReceiptDeferred.eq(true))
        .order_by_asc(complaint::Column::Id)
        .limit(DIGEST_BATCH)
        .all(&txn)
        .await?;
    // One digest per mailbox, to the address as first spelled.
    let mut by_mailbox: BTreeMap<String, (EmailAddress, Vec<complaint::Model>)> = BTreeMap::new();
    for c in waiting {
        let Ok(to) = EmailAddress::parse(&c.claimant_email) else {
            continue;
        };
        by_mailbox
            .entry(to.rate_key())
            .or_insert_with(|| (to, Vec::new()))
            .1
            .push(c);
    }
    let mut digests = 0;
    for (to, complaints) in by_mailbox.into_values() {
        if over_limit(&txn, to.as_str(), limit, now).await? {
            continue;
        }
        let mut items = Vec::with_capacity(complaints.len());
        for c in &complaints {
            items.push(digest_item(&txn, site, c).await?);
        }
        let first = complaints.first().map_or(0, |c| c.id);
        // One letter in one language: the first complaint's.
        let language = complaints.first().map_or(Language::En, |c| c.language);
        outbox::post(
            &txn,
            &Owed::digest(first),
            &ReceiptDigest { items: &items },
            &[Recipient::new(to, language)],
            &site.signer,
            now,
        )
        .await?;
        digests += 1;
    }
    txn.commit().await?;
    Ok(digests)
}

/// One waiting complaint in a digest: it gets its confirmation token now, since the
/// secret exists only in the email that carries it.
async fn digest_item(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
) -> ServiceResult<DigestItem> {
    let code = site.codes.code_of(c)?;
    let token = c.confirmed_at.is_none().then(ConfirmToken::generate);
    let targets = targets_of(txn, c.id)
        .await?
        .into_iter()
        .map(|t| t.url)
        .collect();
    let mut am: complaint::ActiveModel = c.clone().into();
    am.receipt_deferred = Set(false);
    if let Some(t) = &token {
        am.confirm_token_sha256 = Set(Some(t.sha256.clone()));
    }
    am.update(txn).await?;
    let receipt_event = crate::audit::receipt_event(txn, c.id)
        .await?
        .map(|h| h.to_string())
        .unwrap_or_default();
    Ok(DigestItem {
        receipt_event,
        code: code.as_str().to_string(),
        received_at: display(c.received_at),
        deadline_at: display(c.deadline_at),
        status_url: status_url(site.public_base_url, code.as_str()),
        confirm_url: token.map(|t| t.url(site.public_base_url)),
        targets,
    })
}
