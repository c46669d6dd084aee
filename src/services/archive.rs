//! Finding any complaint, open or long closed: by its tracking code or reference, the
//! claimant, a target, the source outlet, status, dates and reviewer. Newest first,
//! paged by keyset (the last row's receipt time and id), so a deep page costs what
//! the first does.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect,
};
use time::OffsetDateTime;

use crate::domain::complaint::ComplaintStatus;
use crate::entities::{article_revision, complaint, complaint_target, staff};
use crate::services::keyset;
pub use crate::services::keyset::Cursor;
use crate::services::tracking_codes::lookup_hash;

pub const PAGE_SIZE: u64 = 50;

/// What to look for; every part given must hold.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// A tracking code (matched by its hash) or a reference (`#12`, `12`).
    pub code_or_ref: Option<String>,
    /// Part of the claimant's name, email or organisation.
    pub claimant: Option<String>,
    /// Part of a URL the complaint names.
    pub url: Option<String>,
    pub article: Option<i64>,
    /// Part of the source outlet of an article it names.
    pub outlet: Option<String>,
    pub status: Option<ComplaintStatus>,
    /// Received on or after, and before.
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// A staff account: assigned to it, or decided by it.
    pub reviewer: Option<String>,
}

impl Search {
    pub fn is_empty(&self) -> bool {
        self.code_or_ref.is_none()
            && self.claimant.is_none()
            && self.url.is_none()
            && self.article.is_none()
            && self.outlet.is_none()
            && self.status.is_none()
            && self.from.is_none()
            && self.until.is_none()
            && self.reviewer.is_none()
    }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Found {
    pub id: i64,
    pub status: String,
    pub work_title: String,
    pub claimant_name: String,
    pub claimant_organisation: Option<String>,
    pub received_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    pub assigned_reviewer: Option<String>,
    pub decided_by: Option<String>,
}

/// `%part%`, lower-cased, with LIKE's own characters taken literally.
fn contains(part: &str) -> LikeExpr {
    let mut p = String::from("%");
    for ch in part.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    LikeExpr::new(p).escape('\\')
}

fn lower_like<C: sea_orm::sea_query::IntoColumnRef>(col: C, part: &str) -> Expr {
    Func::lower(Expr::col(col)).like(contains(part))
}

/// The complaints that name a target matching `cond`.
fn naming(cond: Expr) -> Expr {
    complaint::Column::Id.in_subquery(
        Query::select()
            .column((
                complaint_target::Entity,
                complaint_target::Column::ComplaintId,
            ))
            .from(complaint_target::Entity)
            .and_where(cond)
            .to_owned(),
    )
}

async fn conditions(db: &impl ConnectionTrait, s: &Search) -> Result<Condition, DbErr> {
    let mut c = Condition::all();
    if let Some(q) = &s.code_or_ref {
        let mut either =
            Condition::any().add(complaint::Column::TrackingCodeSha256.eq(lookup_hash(q)));
        if let Ok(reference) = q.trim_start_matches('#').parse::<i64>() {
            either = either.add(complaint::Column::Id.eq(reference));
        }
        c = c.add(either);
    }
    if let Some(who) = &s.claimant {
        c = c.add(
            Condition::any()
                .add(lower_like(
                    (complaint::Entity, complaint::Column::ClaimantName),
                    who,
                ))
                .add(lower_like(
                    (complaint::Entity, complaint::Column::ClaimantEmail),
                    who,
                ))
                .add(lower_like(
                    (complaint::Entity, complaint::Column::ClaimantOrganisation),
                    who,
                )),
        );
    }
    if let Some(url) = &s.url {
        c = c.add(naming(lower_like(
            (complaint_target::Entity, complaint_target::Column::Url),
            url,
        )));
    }
    if let Some(article) = s.article {
        c = c.add(naming(
            Expr::col((
                complaint_target::Entity,
                complaint_target::Column::ArticleId,
            ))
            .eq(article),
        ));
    }
    if let Some(outlet) = &s.outlet {
        let articles = Query::select()
            .column((
                article_revision::Entity,
                article_revision::Column::ArticleId,
            ))
            .from(article_revision::Entity)
            .and_where(lower_like(
                (
                    article_revision::Entity,
                    article_revision::Column::SourceOutlet,
                ),
                outlet,
            ))
            .to_owned();
        c = c.add(naming(
            Expr::col((
                complaint_target::Entity,
                complaint_target::Column::ArticleId,
            ))
            .in_subquery(articles),
        ));
    }
    if let Some(status) = s.status {
        c = c.add(complaint::Column::Status.eq(status));
    }
    if let Some(from) = s.from {
        c = c.add(complaint::Column::ReceivedAt.gte(from));
    }
    if let Some(until) = s.until {
        c = c.add(complaint::Column::ReceivedAt.lt(until));
    }
    if let Some(who) = &s.reviewer {
        let who = who.to_lowercase();
        let account = staff::Entity::find()
            .filter(staff::Column::Email.eq(who.as_str()))
            .one(db)
            .await?;
        let mut by = Condition::any().add(complaint::Column::AssignedReviewer.eq(who.as_str()));
        if let Some(a) = account {
            let actor = format!("staff:{}", a.id);
            by = by
                .add(complaint::Column::DecidedBy.eq(actor.as_str()))
                .add(complaint::Column::PriorDecidedBy.eq(actor.as_str()));
        }
        c = c.add(by);
    }
    Ok(c)
}

/// One page of what matches, newest first, and the cursor of the next page if any.
pub async fn search(
    db: &impl ConnectionTrait,
    s: &Search,
    after: Option<Cursor>,
) -> Result<(Vec<Found>, Option<Cursor>), DbErr> {
    let mut q = complaint::Entity::find().filter(conditions(db, s).await?);
    if let Some(a) = after {
        q = q.filter(keyset::past(
            complaint::Column::ReceivedAt,
            complaint::Column::Id,
            a,
            false,
        ));
    }
    let mut rows = q
        .select_only()
        .columns([
            complaint::Column::Id,
            complaint::Column::Status,
            complaint::Column::WorkTitle,
            complaint::Column::ClaimantName,
            complaint::Column::ClaimantOrganisation,
            complaint::Column::ReceivedAt,
            complaint::Column::DecidedAt,
            complaint::Column::AssignedReviewer,
            complaint::Column::DecidedBy,
        ])
        .order_by_desc(complaint::Column::ReceivedAt)
        .order_by_desc(complaint::Column::Id)
        .limit(PAGE_SIZE + 1)
        .into_model::<Found>()
        .all(db)
        .await?;
    let next = keyset::cut(&mut rows, PAGE_SIZE, |r| Cursor {
        at: r.received_at,
        id: r.id,
    });
    Ok((rows, next))
}

/// The source outlets of articles complaints name, for the search form's suggestions:
/// the only outlets the outlet filter can find anything under. Read through the
/// complaints' targets, so the cost follows the complaints, not the size of the archive.
pub async fn known_outlets(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let q = Query::select()
        .distinct()
        .column((
            article_revision::Entity,
            article_revision::Column::SourceOutlet,
        ))
        .from(complaint_target::Entity)
        .inner_join(
            article_revision::Entity,
            Expr::col((
                article_revision::Entity,
                article_revision::Column::ArticleId,
            ))
            .equals((
                complaint_target::Entity,
                complaint_target::Column::ArticleId,
            )),
        )
        .order_by(
            (
                article_revision::Entity,
                article_revision::Column::SourceOutlet,
            ),
            sea_orm::sea_query::Order::Asc,
        )
        .limit(500)
        .to_owned();
    let rows = db.query_all(&q).await?;
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0))
        .collect()
}

/// Staff accounts by actor (`staff:3`), to name who decided.
pub async fn staff_names(
    db: &impl ConnectionTrait,
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    Ok(staff::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (format!("staff:{}", s.id), s.email))
        .collect())
}
