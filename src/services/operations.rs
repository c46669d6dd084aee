//! The state an operator watches, read from the database at scrape time: complaints
//! by status, how many are overdue, articles down on a missed deadline only, how long
//! decisions take, the outbox backlog, licences about to end and live articles on
//! licences that are not valid.

use crate::services::error::ServiceResult;
use std::fmt::Write;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use time::OffsetDateTime;

use crate::domain::complaint::ComplaintStatus;
use crate::entities::{complaint, outbox};
use crate::services::holds;
use crate::services::review_queue::overdue_at;
use crate::telemetry::{Histogram, escape};

/// Upper bounds (seconds) of the time-to-decision buckets: 1 h to a week.
const DECISION_BUCKETS: [f64; 8] = [
    3600.0, 10800.0, 21600.0, 43200.0, 86400.0, 172800.0, 259200.0, 604800.0,
];

/// Appends the database-backed series to `out`.
pub async fn render(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
    out: &mut String,
) -> ServiceResult<()> {
    out.push_str(
        "# HELP takedown_complaints Complaints by status.\n# TYPE takedown_complaints gauge\n",
    );
    for s in ComplaintStatus::ALL {
        let n = complaint::Entity::find()
            .filter(complaint::Column::Status.eq(s.as_str()))
            .count(db)
            .await?;
        let _ = writeln!(out, "takedown_complaints{{status=\"{}\"}} {n}", s.as_str());
    }

    let overdue = complaint::Entity::find()
        .filter(overdue_at(now))
        .count(db)
        .await?;
    gauge(
        out,
        "takedown_complaints_overdue",
        "Open complaints past their deadline.",
        overdue,
    );

    // Down on a missed deadline, still waiting for a reviewer's decision.
    let provisional = holds::provisional_count(db).await?;
    gauge(
        out,
        "takedown_provisional_removals",
        "Articles taken down at a missed deadline whose complaint is still undecided.",
        provisional,
    );

    decision_times(db, out).await?;
    outbox_series(db, now, out).await?;
    licence_series(db, now, out).await?;
    Ok(())
}

/// Licences about to end, and live articles whose licence is not valid.
async fn licence_series(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
    out: &mut String,
) -> Result<(), DbErr> {
    use crate::domain::licence::LicenceVerdict;
    let ending = crate::services::compliance::ending_within(
        db,
        now,
        std::time::Duration::from_secs(30 * 86_400),
    )
    .await?;
    gauge(
        out,
        "takedown_licences_ending_30d",
        "Licences whose current terms end within 30 days.",
        ending,
    );
    let live = crate::services::compliance::live_by_verdict(db).await?;
    out.push_str("# HELP takedown_live_articles_by_licence Live articles by their licence's verdict.\n# TYPE takedown_live_articles_by_licence gauge\n");
    for v in LicenceVerdict::ALL {
        let n: i64 = live
            .iter()
            .filter(|(k, _)| k.as_deref() == Some(v.as_str()))
            .map(|(_, n)| n)
            .sum();
        let _ = writeln!(
            out,
            "takedown_live_articles_by_licence{{verdict=\"{}\"}} {n}",
            v.as_str()
        );
    }
    Ok(())
}

/// How long decisions took, as a histogram.
async fn decision_times(db: &impl ConnectionTrait, out: &mut String) -> Result<(), DbErr> {
    let decided: Vec<(OffsetDateTime, Option<OffsetDateTime>)> = complaint::Entity::find()
        .select_only()
        .column(complaint::Column::ReceivedAt)
        .column(complaint::Column::DecidedAt)
        .filter(complaint::Column::DecidedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut h = Histogram::new(&DECISION_BUCKETS);
    for (received, decided) in decided {
        if let Some(d) = decided {
            h.observe((d - received).as_seconds_f64().max(0.0));
        }
    }
    out.push_str("# HELP takedown_time_to_decision_seconds From receipt to the (latest) decision, per decided complaint.\n# TYPE takedown_time_to_decision_seconds histogram\n");
    h.write(out, "takedown_time_to_decision_seconds", "");

    Ok(())
}

/// The outbox: backlog, retries, the oldest undelivered message and failures.
async fn outbox_series(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
    out: &mut String,
) -> Result<(), DbErr> {
    let pending = || {
        outbox::Entity::find()
            .filter(outbox::Column::SentAt.is_null())
            .filter(outbox::Column::FailedAt.is_null())
    };
    let backlog = pending().count(db).await?;
    let retrying = pending()
        .filter(outbox::Column::Attempts.gt(0))
        .count(db)
        .await?;
    let oldest = pending()
        .order_by_asc(outbox::Column::CreatedAt)
        .one(db)
        .await?
        .map_or(0.0, |r| (now - r.created_at).as_seconds_f64().max(0.0));
    let failed = outbox::Entity::find()
        .filter(outbox::Column::FailedAt.is_not_null())
        .count(db)
        .await?;
    gauge(
        out,
        "takedown_outbox_backlog",
        "Emails and webhooks not yet delivered.",
        backlog,
    );
    gauge(
        out,
        "takedown_outbox_retrying",
        "Undelivered messages that have failed at least once.",
        retrying,
    );
    let _ = writeln!(
        out,
        "# HELP takedown_outbox_oldest_pending_seconds Age of the oldest undelivered message (0 when none).\n# TYPE takedown_outbox_oldest_pending_seconds gauge\ntakedown_outbox_oldest_pending_seconds {oldest}"
    );
    gauge(
        out,
        "takedown_outbox_failed",
        "Messages refused for good, waiting for an admin's retry.",
        failed,
    );
    Ok(())
}

fn gauge(out: &mut String, name: &str, help: &str, v: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {}\n# TYPE {name} gauge\n{name} {v}",
        escape(help)
    );
}
