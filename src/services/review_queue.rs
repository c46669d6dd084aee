//! The review queue: open complaints in deadline order, paged, and claiming them.

use crate::services::error::{ServiceError, ServiceResult};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::complaint::ComplaintStatus;
use crate::domain::validate::truncate_micros;
use crate::entities::complaint;
use crate::services::error::Conflict;
use crate::services::keyset::{self, Cursor};
use crate::services::staff::{self, Role, StaffMember};

pub const PAGE_SIZE: u64 = 50;

/// What the queue shows of a complaint: never the work's text, which can be large.
#[derive(Debug, Clone, FromQueryResult)]
pub struct QueueItem {
    pub id: i64,
    pub status: String,
    pub work_title: String,
    pub claimant_name: String,
    pub deadline_at: OffsetDateTime,
    pub assigned_reviewer: Option<String>,
    pub overdue: bool,
    pub confirmed_at: Option<OffsetDateTime>,
    pub paused_at: Option<OffsetDateTime>,
    pub appealed_at: Option<OffsetDateTime>,
    pub claimant_bounced_at: Option<OffsetDateTime>,
    pub channel: String,
    /// What the element checker found missing (a notice by email), as stored.
    pub missing_elements: Option<String>,
}

/// Whose complaints to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assigned {
    Anyone,
    To(String),
    Nobody,
}

#[derive(Debug, Clone)]
pub struct QueueFilter {
    pub status: Option<ComplaintStatus>,
    pub assigned: Assigned,
    /// Only complaints about articles republished from this outlet.
    pub outlet: Option<String>,
    /// Only running clocks whose deadline falls by then ("due soon").
    pub due_by: Option<OffsetDateTime>,
    /// Only complaints that arrived this way (`api`, `form` or `email`).
    pub channel: Option<&'static str>,
    /// Only notices the element checker found incomplete.
    pub incomplete: bool,
}

/// The ways a complaint arrives, as the queue filters by them.
pub const CHANNELS: [&str; 3] = ["form", "api", "email"];

/// How many of the filtered complaints are at each stage of urgency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageCounts {
    pub overdue: u64,
    pub red: u64,
    pub amber: u64,
    pub paused: u64,
    /// Every complaint the filter selects, at any stage.
    pub all: u64,
}

impl StageCounts {
    /// How many are due soon: overdue, or under a quarter of the window left.
    pub fn due_soon(&self) -> u64 {
        self.overdue + self.red + self.amber
    }
}

/// The complaints the filter selects, in no order yet.
fn filtered(db: &DatabaseConnection, filter: &QueueFilter) -> sea_orm::Select<complaint::Entity> {
    let statuses: Vec<&str> = match filter.status {
        Some(s) if ComplaintStatus::OPEN.contains(&s) => vec![s.as_str()],
        Some(_) => Vec::new(),
        None => ComplaintStatus::OPEN.iter().map(|s| s.as_str()).collect(),
    };
    let mut q = complaint::Entity::find().filter(complaint::Column::Status.is_in(statuses));
    q = match &filter.assigned {
        Assigned::Anyone => q,
        Assigned::To(who) => q.filter(complaint::Column::AssignedReviewer.eq(who.as_str())),
        Assigned::Nobody => {
            q.filter(Condition::all().add(complaint::Column::AssignedReviewer.is_null()))
        }
    };
    if let Some(outlet) = &filter.outlet {
        // Custom SQL takes the backend's own placeholder.
        let p = match db.get_database_backend() {
            DbBackend::Postgres => "$1",
            _ => "?",
        };
        q = q.filter(Expr::cust_with_values(
            format!(
                "complaints.id IN (SELECT ct.complaint_id FROM complaint_targets ct \
                 JOIN articles a ON a.id = ct.article_id \
                 JOIN article_revisions r ON r.article_id = a.id AND r.revision = a.current_revision \
                 WHERE r.source_outlet = {p})"
            ),
            [outlet.clone()],
        ));
    }
    if let Some(ch) = filter.channel {
        q = q.filter(complaint::Column::Channel.eq(ch));
    }
    if filter.incomplete {
        q = q.filter(complaint::Column::MissingElements.is_not_null());
    }
    if let Some(by) = filter.due_by {
        q = q.filter(
            Condition::any()
                .add(complaint::Column::Overdue.eq(true))
                .add(
                    Condition::all()
                        .add(complaint::Column::PausedAt.is_null())
                        .add(complaint::Column::DeadlineAt.lt(by)),
                ),
        );
    }
    q
}

/// Counts the filtered complaints by stage: overdue, then under a tenth and under a
/// quarter of `window` left on a running clock, and paused.
pub async fn stage_counts(
    db: &DatabaseConnection,
    filter: &QueueFilter,
    window: std::time::Duration,
    now: OffsetDateTime,
) -> ServiceResult<StageCounts> {
    use crate::domain::deadline::{AMBER_SHARE, RED_SHARE, Urgency};
    let running_by = |share: f64| {
        Condition::all()
            .add(complaint::Column::Overdue.eq(false))
            .add(complaint::Column::PausedAt.is_null())
            .add(complaint::Column::DeadlineAt.gt(now))
            .add(complaint::Column::DeadlineAt.lt(Urgency::due_by(share, window, now)))
    };
    let paused = Condition::all()
        .add(complaint::Column::Overdue.eq(false))
        .add(complaint::Column::PausedAt.is_not_null());
    // One pass over the filtered complaints counts every stage.
    let share = |cond: Condition| Func::sum(Expr::case(cond, 1i32).finally(0i32));
    let (overdue, red, under_a_quarter, paused, all) = filtered(db, filter)
        .select_only()
        .expr_as(share(overdue_at(now)), "overdue")
        .expr_as(share(running_by(RED_SHARE)), "red")
        .expr_as(share(running_by(AMBER_SHARE)), "under_a_quarter")
        .expr_as(share(paused), "paused")
        .expr_as(
            Func::count(Expr::col((complaint::Entity, complaint::Column::Id))),
            "all",
        )
        .into_tuple::<(
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
        )>()
        .one(db)
        .await?
        .unwrap_or_default();
    let n = |v: Option<i64>| v.unwrap_or(0).max(0) as u64;
    Ok(StageCounts {
        overdue: n(overdue),
        red: n(red),
        amber: n(under_a_quarter).saturating_sub(n(red)),
        paused: n(paused),
        all: n(all),
    })
}

/// One page of the queue, earliest deadline first, starting after `after`, and where
/// the next page starts, if there is one. (`stage_counts` says how many match.)
pub async fn page(
    db: &DatabaseConnection,
    filter: &QueueFilter,
    after: Option<Cursor>,
) -> ServiceResult<(Vec<QueueItem>, Option<Cursor>)> {
    let mut q = filtered(db, filter);
    if let Some(a) = after {
        q = q.filter(keyset::past(
            complaint::Column::DeadlineAt,
            complaint::Column::Id,
            a,
            true,
        ));
    }
    let mut rows = q
        .select_only()
        .columns([
            complaint::Column::Id,
            complaint::Column::Status,
            complaint::Column::WorkTitle,
            complaint::Column::ClaimantName,
            complaint::Column::DeadlineAt,
            complaint::Column::AssignedReviewer,
            complaint::Column::Overdue,
            complaint::Column::ConfirmedAt,
            complaint::Column::PausedAt,
            complaint::Column::AppealedAt,
            complaint::Column::ClaimantBouncedAt,
            complaint::Column::Channel,
            complaint::Column::MissingElements,
        ])
        .order_by_asc(complaint::Column::DeadlineAt)
        .order_by_asc(complaint::Column::Id)
        .limit(PAGE_SIZE + 1)
        .into_model::<QueueItem>()
        .all(db)
        .await?;
    let next = keyset::cut(&mut rows, PAGE_SIZE, |r| Cursor {
        at: r.deadline_at,
        id: r.id,
    });
    Ok((rows, next))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claimed {
    Done,
    /// Someone else has it, and only an admin may reassign.
    Taken(String),
    NotOpen,
    /// The chosen reviewer is not an active staff account.
    NoSuchStaff,
}

/// Assigns a complaint to `reviewer`. A reviewer may take one that is free (or theirs);
/// an admin may reassign.
pub async fn claim(
    db: &DatabaseConnection,
    complaint_id: i64,
    reviewer: &str,
    actor: &str,
    may_reassign: bool,
    now: OffsetDateTime,
) -> ServiceResult<Claimed> {
    let now = truncate_micros(now);
    let txn = db::begin_write(db).await?;
    let Some(c) = complaint::Entity::find_by_id(complaint_id)
        .one(&txn)
        .await?
    else {
        return Err(ServiceError::NotFound);
    };
    if !c.status.is_open() {
        return Ok(Claimed::NotOpen);
    }
    if let Some(current) = &c.assigned_reviewer
        && !current.eq_ignore_ascii_case(reviewer)
        && !may_reassign
    {
        return Ok(Claimed::Taken(current.clone()));
    }
    // Reminders with the claimant's name go to the assignee: only to a live account.
    let Some(to) = staff::active_by_email(&txn, reviewer).await? else {
        return Ok(Claimed::NoSuchStaff);
    };
    let previous = match &c.assigned_reviewer {
        Some(p) => Some(staff_ref(&txn, p).await?),
        None => None,
    };
    let mut am: complaint::ActiveModel = c.into();
    am.assigned_reviewer = Set(Some(to.email.clone()));
    am.update(&txn).await?;
    // Staff ids, not addresses: the chain is kept for ever.
    audit::append(
        &txn,
        now,
        actor,
        "complaint.assigned",
        &format!("complaint:{complaint_id}"),
        &json!({"reviewer": to.actor(), "previous": previous}),
    )
    .await?;
    txn.commit().await?;
    Ok(Claimed::Done)
}

/// How an assignee's address appears in the audit log: their staff id.
async fn staff_ref(txn: &impl sea_orm::ConnectionTrait, email: &str) -> ServiceResult<String> {
    Ok(match staff::active_by_email(txn, email).await? {
        Some(m) => m.actor(),
        None => "staff:unknown".to_string(),
    })
}

/// Whether `c` is the appeal of `by`'s own first decision, which another reviewer
/// must decide. Accounts are compared: a token acts as its staff account.
pub fn decided_first_by(c: &complaint::Model, by: &StaffMember) -> bool {
    c.prior_decided_by.as_deref() == Some(by.actor().as_str())
}

/// Who has claimed `c`, when it is someone other than `by` (an admin may still decide).
pub fn claimed_by_other<'c>(c: &'c complaint::Model, by: &StaffMember) -> Option<&'c str> {
    c.assigned_reviewer
        .as_deref()
        .filter(|a| !a.eq_ignore_ascii_case(&by.email))
}

/// Whether `by` may decide (or question the claimant on) complaint `c`: anyone when
/// it is unclaimed, its assignee, or an admin, whose override is audited.
pub async fn check_may_decide(
    txn: &impl sea_orm::ConnectionTrait,
    c: &complaint::Model,
    by: &StaffMember,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let Some(assigned) = claimed_by_other(c, by) else {
        return Ok(());
    };
    if by.role != Role::Admin {
        return Err(Conflict::ClaimedByAnother.into());
    }
    let overridden = staff_ref(txn, assigned).await?;
    audit::append(
        txn,
        now,
        &by.actor(),
        "complaint.claim_overridden",
        &format!("complaint:{}", c.id),
        &json!({"assigned": overridden}),
    )
    .await?;
    Ok(())
}

/// `domain::deadline::is_overdue` as a query.
pub fn overdue_at(now: OffsetDateTime) -> Condition {
    Condition::all()
        .add(complaint::Column::Status.is_in(ComplaintStatus::OPEN.map(|s| s.as_str())))
        .add(
            Condition::any()
                .add(complaint::Column::Overdue.eq(true))
                .add(
                    Condition::all()
                        .add(complaint::Column::PausedAt.is_null())
                        .add(complaint::Column::DeadlineAt.lte(now)),
                ),
        )
}
