//! A delivery report for one of our emails: the email is marked bounced (it failed for
//! good, and why), a bounce of the claimant's address flags the complaint, and a bounce
//! of an email to staff tells the admins, since its reminders reach no one.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::entities::{complaint, outbox};
use crate::mail::inbound::Bounce;
use crate::services::inbound::ReceiveError;
use crate::services::site::Site;

/// Marks the email a failed delivery report names as bounced (it failed for good, and
/// says why), and flags its complaint when the address was the claimant's. Returns the
/// email and its complaint, when the report names one of ours.
pub(crate) async fn bounced(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    b: &Bounce,
    now: OffsetDateTime,
) -> Result<(Option<i64>, Option<i64>), ReceiveError> {
    let by_id = match b.outbox_id {
        Some(id) => outbox::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    let row = match (by_id, &b.original_message_id) {
        (Some(r), _) => Some(r),
        (None, Some(mid)) => {
            outbox::Entity::find()
                .filter(outbox::Column::MessageId.eq(format!("<{mid}>")))
                .one(txn)
                .await?
        }
        (None, None) => None,
    };
    let Some(row) = row else {
        return Ok((None, None));
    };
    if !b.failed() || row.bounced_at.is_some() {
        return Ok((Some(row.id), row.complaint_id));
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::BouncedAt, Expr::value(now))
        .col_expr(
            outbox::Column::FailedAt,
            Expr::value(row.failed_at.unwrap_or(now)),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(format!("bounced: {}", b.summary())),
        )
        .filter(outbox::Column::Id.eq(row.id))
        .exec(txn)
        .await?;
    let mut flagged = false;
    if let Some(cid) = row.complaint_id {
        let res = complaint::Entity::update_many()
            .col_expr(complaint::Column::ClaimantBouncedAt, Expr::value(now))
            .filter(complaint::Column::Id.eq(cid))
            .filter(complaint::Column::ClaimantEmail.eq(row.recipient.as_str()))
            .filter(complaint::Column::ClaimantBouncedAt.is_null())
            .exec(txn)
            .await?;
        flagged = res.rows_affected > 0;
    }
    let subject = row.complaint_id.map_or_else(
        || format!("outbox:{}", row.id),
        |c| format!("complaint:{c}"),
    );
    audit::append(
        txn,
        now,
        "mail:receive",
        "email.bounced",
        &subject,
        &json!({
            "outbox_id": row.id,
            "kind": row.kind,
            "status": b.status,
            "diagnostic": b.diagnostic,
            "claimant_address": flagged,
        }),
    )
    .await?;
    if let Some(cid) = row.complaint_id {
        alert_admins(txn, site, &row, cid, b, now).await?;
    }
    Ok((Some(row.id), row.complaint_id))
}

/// When the email that bounced was to staff (the desk, the escalation address, a
/// reviewer), its reminders reach no one there: the admins are told, once per email.
/// An alert that bounces alerts no one again.
async fn alert_admins(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    row: &outbox::Model,
    complaint_id: i64,
    b: &Bounce,
    now: OffsetDateTime,
) -> Result<(), ReceiveError> {
    use crate::domain::validate::EmailAddress;
    use crate::mail::letter::Recipient;
    use crate::mail::notice::{NoticeKind, Occasion, Owed};
    if row.kind == NoticeKind::StaffBounced.outbox_kind() {
        return Ok(());
    }
    let to = row.recipient.to_ascii_lowercase();
    let configured = site
        .staff_notify
        .iter()
        .chain(site.escalation_to)
        .any(|a| a.as_str().eq_ignore_ascii_case(&to));
    let staff = configured
        || crate::services::staff::active_emails(txn)
            .await?
            .iter()
            .any(|e| e.eq_ignore_ascii_case(&to));
    if !staff {
        return Ok(());
    }
    let mut admins: Vec<Recipient> = crate::services::staff::admin_emails(txn)
        .await?
        .into_iter()
        .filter(|a| !a.eq_ignore_ascii_case(&to))
        .filter_map(|a| EmailAddress::parse(&a).ok())
        .map(|a| Recipient::new(a, site.staff_language))
        .collect();
    if admins.is_empty() {
        // No admin account: the escalation address stands in, unless it bounced.
        admins = site
            .escalation()
            .into_iter()
            .filter(|r| !r.address.as_str().eq_ignore_ascii_case(&to))
            .collect();
    }
    if admins.is_empty() {
        return Ok(());
    }
    let url = site.staff_url(complaint_id);
    let outbox_url = format!("{}/staff/outbox", site.public_base_url);
    let diagnostic = b.summary();
    let letter = crate::mail::letters::StaffBounced {
        id: complaint_id,
        kind: &row.kind,
        recipient: &row.recipient,
        diagnostic: &diagnostic,
        url: &url,
        outbox_url: &outbox_url,
    };
    crate::mail::outbox::post(
        txn,
        &Owed::on(complaint_id, 0, Occasion::Bounce(row.id)),
        &letter,
        &admins,
        &site.signer,
        now,
    )
    .await
    .map_err(crate::services::error::ServiceError::from)?;
    Ok(())
}
