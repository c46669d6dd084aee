//! Placing and releasing takedown holds. An article's stored status is only ever
//! written here, from the holds that stand on it; each hold placed or released is an
//! audit event, and the CMS hears of the article only when its state really changes.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::domain::holds::{ArticleState, HoldKind, Release};
use crate::domain::validate::format_timestamp;
use crate::entities::{article, complaint, complaint_target, takedown_hold};
use crate::mail::outbox;
use crate::services::error::ServiceResult;
use crate::services::site::Site;
use crate::services::sources::{self, Affected, News};

/// What a placement or release did to one article.
#[derive(Debug, Clone)]
pub struct Moved {
    pub article: article::Model,
    pub before: ArticleState,
    pub after: ArticleState,
}

impl Moved {
    pub fn went_down(&self) -> bool {
        !self.before.is_down() && self.after.is_down()
    }

    pub fn came_back(&self) -> bool {
        self.before.is_down() && !self.after.is_down()
    }
}

/// The holds standing on article `article_id`, oldest first.
pub async fn standing(
    db: &impl ConnectionTrait,
    article_id: i64,
) -> Result<Vec<takedown_hold::Model>, DbErr> {
    takedown_hold::Entity::find()
        .filter(takedown_hold::Column::ArticleId.eq(article_id))
        .filter(takedown_hold::Column::ReleasedAt.is_null())
        .order_by_asc(takedown_hold::Column::Id)
        .all(db)
        .await
}

/// The holds complaint `complaint_id` has standing, on any article.
pub async fn of_complaint(
    db: &impl ConnectionTrait,
    complaint_id: i64,
) -> Result<Vec<takedown_hold::Model>, DbErr> {
    takedown_hold::Entity::find()
        .filter(takedown_hold::Column::ComplaintId.eq(complaint_id))
        .filter(takedown_hold::Column::ReleasedAt.is_null())
        .order_by_asc(takedown_hold::Column::ArticleId)
        .all(db)
        .await
}

fn state_of(holds: &[takedown_hold::Model]) -> ArticleState {
    ArticleState::of(holds.iter().map(|h| h.kind))
}

/// Places a `kind` hold on `a` for complaint `complaint_id`. A provisional hold the
/// complaint already has becomes an upheld one; a hold of the same kind is kept.
pub async fn place(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    a: &article::Model,
    kind: HoldKind,
    complaint_id: i64,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Moved, DbErr> {
    let holds = standing(txn, a.id).await?;
    let before = state_of(&holds);
    let own = holds.iter().find(|h| h.complaint_id == Some(complaint_id));
    let (hold_id, action) = match own {
        Some(h) if h.kind == kind || kind == HoldKind::Provisional => {
            return Ok(Moved {
                article: a.clone(),
                before,
                after: before,
            });
        }
        Some(h) => {
            let mut am: takedown_hold::ActiveModel = h.clone().into();
            am.kind = Set(kind);
            am.update(txn).await?;
            (h.id, "hold.converted")
        }
        None => {
            let h = takedown_hold::ActiveModel {
                article_id: Set(a.id),
                complaint_id: Set(Some(complaint_id)),
                kind: Set(kind),
                placed_at: Set(now),
                placed_by: Set(actor.to_string()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            (h.id, "hold.placed")
        }
    };
    audit::append(
        txn,
        now,
        actor,
        action,
        &format!("article:{}", a.id),
        &json!({"hold_id": hold_id, "complaint_id": complaint_id, "kind": kind.as_str()}),
    )
    .await?;
    let cause = Cause::Complaint(complaint_id);
    settle(txn, site, a, before, &cause, kind.as_str(), actor, now).await
}

/// Releases complaint `complaint_id`'s holds on `a`, for `why`.
pub async fn release(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    a: &article::Model,
    complaint_id: i64,
    why: Release,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Moved, DbErr> {
    let holds = standing(txn, a.id).await?;
    let before = state_of(&holds);
    for h in holds
        .iter()
        .filter(|h| h.complaint_id == Some(complaint_id))
    {
        let mut am: takedown_hold::ActiveModel = h.clone().into();
        am.released_at = Set(Some(now));
        am.released_by = Set(Some(actor.to_string()));
        am.release_reason = Set(Some(why.as_str().to_string()));
        am.update(txn).await?;
        audit::append(
            txn,
            now,
            actor,
            "hold.released",
            &format!("article:{}", a.id),
            &json!({"hold_id": h.id, "complaint_id": complaint_id, "kind": h.kind.as_str(), "reason": why.as_str()}),
        )
        .await?;
    }
    let cause = Cause::Complaint(complaint_id);
    settle(txn, site, a, before, &cause, why.as_str(), actor, now).await
}

/// What placed or released a hold, as the audit log and the CMS are told.
enum Cause<'a> {
    Complaint(i64),
    /// By its reference.
    Licence(&'a str),
}

impl Cause<'_> {
    fn complaint_id(&self) -> Option<i64> {
        match self {
            Self::Complaint(id) => Some(*id),
            Self::Licence(_) => None,
        }
    }

    fn licence(&self) -> Option<&str> {
        match self {
            Self::Complaint(_) => None,
            Self::Licence(reference) => Some(reference),
        }
    }
}

/// Places a `licence_expired` hold on `a` for licence `licence_id`, once.
pub async fn place_for_licence(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    a: &article::Model,
    licence_id: i64,
    reference: &str,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Moved, DbErr> {
    let holds = standing(txn, a.id).await?;
    let before = state_of(&holds);
    if holds.iter().any(|h| h.licence_id == Some(licence_id)) {
        return Ok(Moved {
            article: a.clone(),
            before,
            after: before,
        });
    }
    let kind = HoldKind::LicenceExpired;
    let h = takedown_hold::ActiveModel {
        article_id: Set(a.id),
        complaint_id: Set(None),
        licence_id: Set(Some(licence_id)),
        kind: Set(kind),
        placed_at: Set(now),
        placed_by: Set(actor.to_string()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::append(
        txn,
        now,
        actor,
        "hold.placed",
        &format!("article:{}", a.id),
        &json!({"hold_id": h.id, "licence": reference, "kind": kind.as_str()}),
    )
    .await?;
    let cause = Cause::Licence(reference);
    settle(txn, site, a, before, &cause, kind.as_str(), actor, now).await
}

/// Releases licence `licence_id`'s hold on `a`: it is covered again, or no longer
/// republished under that licence.
pub async fn release_for_licence(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    a: &article::Model,
    licence_id: i64,
    reference: &str,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Moved, DbErr> {
    let holds = standing(txn, a.id).await?;
    let before = state_of(&holds);
    for h in holds.iter().filter(|h| h.licence_id == Some(licence_id)) {
        let mut am: takedown_hold::ActiveModel = h.clone().into();
        am.released_at = Set(Some(now));
        am.released_by = Set(Some(actor.to_string()));
        am.release_reason = Set(Some("licence_renewed".to_string()));
        am.update(txn).await?;
        audit::append(
            txn,
            now,
            actor,
            "hold.released",
            &format!("article:{}", a.id),
            &json!({"hold_id": h.id, "licence": reference, "kind": h.kind.as_str(), "reason": "licence_renewed"}),
        )
        .await?;
    }
    let cause = Cause::Licence(reference);
    settle(txn, site, a, before, &cause, "licence_renewed", actor, now).await
}

/// The licences whose holds stand on article `article_id`.
pub async fn licence_holds(db: &impl ConnectionTrait, article_id: i64) -> Result<Vec<i64>, DbErr> {
    Ok(standing(db, article_id)
        .await?
        .into_iter()
        .filter_map(|h| h.licence_id)
        .collect())
}

/// Derives `a`'s state from its standing holds; when it changed, stores the status,
/// audits it and tells the CMS.
#[allow(clippy::too_many_arguments)]
async fn settle(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    a: &article::Model,
    before: ArticleState,
    cause: &Cause<'_>,
    ground: &str,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Moved, DbErr> {
    let after = state_of(&standing(txn, a.id).await?);
    let mut article = a.clone();
    if after != before {
        let status = after.status(a.status);
        let mut am: article::ActiveModel = a.clone().into();
        am.status = Set(status);
        am.updated_at = Set(now);
        article = am.update(txn).await?;
        let provisional = after == ArticleState::Down { provisional: true };
        let event = if after.is_down() {
            "article.removed"
        } else {
            "article.restored"
        };
        audit::append(
            txn,
            now,
            actor,
            event,
            &format!("article:{}", a.id),
            &json!({"complaint_id": cause.complaint_id(), "licence": cause.licence(), "ground": ground, "provisional": provisional, "holds": true}),
        )
        .await?;
        if let Some(url) = site.webhook_url {
            let body = json!({
                "event": event,
                "article_id": a.id,
                "url": a.url,
                "status": status.as_str(),
                "complaint_id": cause.complaint_id(),
                "licence": cause.licence(),
                "ground": ground,
                "provisional": provisional,
                "notice_url": after.is_down().then(|| site.removed_url(a.id)),
                "at": format_timestamp(now),
            });
            outbox::enqueue_webhook(
                txn,
                url,
                event,
                &body,
                cause.complaint_id(),
                site.public_base_url,
                now,
            )
            .await?;
        }
    }
    Ok(Moved {
        article,
        before,
        after,
    })
}

/// Of complaints `ids`, those with a hold standing: the queue's "removed" marker.
pub async fn complaints_holding(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<std::collections::HashSet<i64>, DbErr> {
    use sea_orm::QuerySelect;
    let held: Vec<Option<i64>> = takedown_hold::Entity::find()
        .select_only()
        .column(takedown_hold::Column::ComplaintId)
        .filter(takedown_hold::Column::ComplaintId.is_in(ids.iter().copied()))
        .filter(takedown_hold::Column::ReleasedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(held.into_iter().flatten().collect())
}

/// How many articles are down on provisional holds alone.
pub async fn provisional_count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    // Standing holds are few (the articles down right now): read them whole.
    let mut by_article: std::collections::HashMap<i64, Vec<HoldKind>> = Default::default();
    for h in takedown_hold::Entity::find()
        .filter(takedown_hold::Column::ReleasedAt.is_null())
        .all(db)
        .await?
    {
        by_article.entry(h.article_id).or_default().push(h.kind);
    }
    let provisional = ArticleState::Down { provisional: true };
    Ok(by_article
        .into_values()
        .filter(|kinds| ArticleState::of(kinds.iter().copied()) == provisional)
        .count() as u64)
}

/// Places a `kind` hold for complaint `complaint_id` on each of its targets in the
/// registry, once an article.
#[allow(clippy::too_many_arguments)]
pub async fn place_on_targets(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    targets: &[complaint_target::Model],
    kind: HoldKind,
    complaint_id: i64,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Vec<Moved>, DbErr> {
    let mut moved: Vec<Moved> = Vec::new();
    for t in targets {
        let Some(id) = t.article_id else { continue };
        if moved.iter().any(|m| m.article.id == id) {
            continue;
        }
        let Some(a) = article::Entity::find_by_id(id).one(txn).await? else {
            continue;
        };
        moved.push(place(txn, site, &a, kind, complaint_id, actor, now).await?);
    }
    Ok(moved)
}

/// What the sources are told of each moved article: it, and whether it is live now.
pub fn affected(moved: &[Moved]) -> Vec<Affected<'_>> {
    moved
        .iter()
        .map(|m| Affected {
            article: &m.article,
            live: !m.after.is_down(),
        })
        .collect()
}

/// Releases every hold complaint `c` has standing, for `why`.
pub async fn release_all(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    why: Release,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Vec<Moved>, DbErr> {
    release_except(txn, site, c, why, actor, &[], now).await
}

/// Releases complaint `c`'s holds on every article but `keep`.
async fn release_except(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    why: Release,
    actor: &str,
    keep: &[i64],
    now: OffsetDateTime,
) -> Result<Vec<Moved>, DbErr> {
    let mut moved: Vec<Moved> = Vec::new();
    for h in of_complaint(txn, c.id).await? {
        if keep.contains(&h.article_id) || moved.iter().any(|m| m.article.id == h.article_id) {
            continue;
        }
        let Some(a) = article::Entity::find_by_id(h.article_id).one(txn).await? else {
            continue;
        };
        moved.push(release(txn, site, &a, c.id, why, actor, now).await?);
    }
    Ok(moved)
}

/// Ends complaint `c`'s provisional removal without an uphold: its holds are released
/// and the sources (and the escalation address) told how it ended. Returns the
/// articles that came back.
#[allow(clippy::too_many_arguments)]
pub async fn end_provisional(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    round: i32,
    why: Release,
    reason: &str,
    actor: &str,
    now: OffsetDateTime,
) -> ServiceResult<Vec<i64>> {
    end_provisional_except(txn, site, c, round, why, reason, actor, &[], now).await
}

/// As `end_provisional`, but the holds on `keep` (the articles a decision upholds)
/// stand.
#[allow(clippy::too_many_arguments)]
pub async fn end_provisional_except(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    round: i32,
    why: Release,
    reason: &str,
    actor: &str,
    keep: &[i64],
    now: OffsetDateTime,
) -> ServiceResult<Vec<i64>> {
    let moved = release_except(txn, site, c, why, actor, keep, now).await?;
    let affected = affected(&moved);
    if !affected.is_empty() {
        let news = News::ProvisionalEnded {
            withdrawn: why == Release::Withdrawn,
            reason,
        };
        sources::tell(txn, site, c, round, &affected, news, now).await?;
    }
    Ok(moved
        .iter()
        .filter(|m| m.came_back())
        .map(|m| m.article.id)
        .collect())
}
