//! New-complaint emails to staff, limited per client address: one address filing
//! faster than `STAFF_NOTIFY_RATE_LIMIT` an hour cannot flood the desk's mailbox. Past
//! the limit each complaint is still filed and queued with its deadline; its email
//! waits, and the sweep sends what waited from one address as one digest once the
//! address's hour has room again.

use std::collections::BTreeMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use time::OffsetDateTime;

use crate::db;
use crate::domain::display_time::display;
use crate::domain::validate::truncate_micros;
use crate::entities::complaint;
use crate::mail::letters::{NewComplaintDigest, StaffDigestItem};
use crate::mail::notice::Owed;
use crate::mail::outbox;
use crate::services::complaints::targets_of;
use crate::services::error::ServiceResult;
use crate::services::receipts::WINDOW;
use crate::services::site::Site;
use takedown_text::canonical::sha256_hex;

/// Deferred complaints looked at per digest pass.
const DIGEST_BATCH: u64 = 1000;

/// The limit's bucket for a client address key (`limits::limit_key`): a hash, so the
/// address itself is not kept.
pub fn client_key(limit_key: &str) -> String {
    format!("client:{}", &sha256_hex(limit_key.as_bytes())[..32])
}

/// Staff notices (single or digest) caused by `key` in the last hour.
pub async fn sent_recently(
    db: &impl ConnectionTrait,
    key: &str,
    now: OffsetDateTime,
) -> ServiceResult<u64> {
    Ok(outbox::count_rate_key(db, key, now - WINDOW, true).await?)
}

/// Whether one more staff notice for `key` now would go over `limit` (0: no limit).
pub async fn over_limit(
    db: &impl ConnectionTrait,
    key: &str,
    limit: u32,
    now: OffsetDateTime,
) -> ServiceResult<bool> {
    Ok(limit > 0 && sent_recently(db, key, now).await? >= u64::from(limit))
}

/// Sends the new-complaint emails that waited: one digest per client address whose
/// hour has room. Returns how many digests were queued.
pub async fn send_digests(
    db: &DatabaseConnection,
    site: &Site<'_>,
    limit: u32,
    now: OffsetDateTime,
) -> ServiceResult<u64> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let waiting = complaint::Entity::find()
        .filter(complaint::Column::StaffNoticeDeferred.eq(true))
        .order_by_asc(complaint::Column::Id)
        .limit(DIGEST_BATCH)
        .all(&txn)
        .await?;
    let mut by_client: BTreeMap<String, Vec<complaint::Model>> = BTreeMap::new();
    for c in waiting {
        by_client
            .entry(c.client_key.clone().unwrap_or_default())
            .or_default()
            .push(c);
    }
    let mut digests = 0;
    for (key, complaints) in by_client {
        if over_limit(&txn, &key, limit, now).await? {
            continue;
        }
        let mut items = Vec::with_capacity(complaints.len());
        for c in complaints.iter().cloned() {
            items.push(item(&txn, site, &c).await?);
            let mut am: complaint::ActiveModel = c.into();
            am.staff_notice_deferred = Set(false);
            am.update(&txn).await?;
        }
        let first = complaints.first().map_or(0, |c| c.id);
        let queue_url = format!("{}/staff", site.public_base_url);
        outbox::post_counted(
            &txn,
            &Owed::digest(first),
            &NewComplaintDigest {
                items: &items,
                queue_url: &queue_url,
            },
            &site.desk(),
            &site.signer,
            now,
            Some(&key),
        )
        .await?;
        digests += 1;
    }
    txn.commit().await?;
    Ok(digests)
}

async fn item(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
) -> ServiceResult<StaffDigestItem> {
    let targets = targets_of(txn, c.id)
        .await?
        .into_iter()
        .map(|t| t.url)
        .collect();
    Ok(StaffDigestItem {
        id: c.id,
        received_at: display(c.received_at),
        deadline_at: display(c.deadline_at),
        claimant: c.claimant_name.clone(),
        work_title: c.work_title.clone(),
        targets,
        url: site.staff_url(c.id),
    })
}
