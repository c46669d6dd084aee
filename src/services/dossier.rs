//! Everything a reviewer needs to decide one complaint, read in one place: the
//! claimant's statements, each target's provenance and revisions, the matches, the
//! evidence files, the audit timeline, the emails and their delivery state, and any
//! counter-notices.

use crate::services::error::ServiceResult;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::domain::target_outcome::TargetOutcome;
use crate::entities::{
    article, article_revision, audit_event, clock_pause, complaint, complaint_evidence,
    complaint_match, complaint_note, complaint_target, counter_notice, outbox,
};
use crate::services::{counter_notices, notes, pauses};

/// Audit events shown on one page; the full log stays in the database.
const TIMELINE_LIMIT: u64 = 500;

pub struct Target {
    pub url: String,
    pub article: Option<article::Model>,
    /// Newest first; the first is the current revision.
    pub revisions: Vec<article_revision::Model>,
    pub matched: Option<complaint_match::Model>,
    /// What the last decision did to it.
    pub outcome: Option<TargetOutcome>,
}

pub struct Dossier {
    pub complaint: complaint::Model,
    pub targets: Vec<Target>,
    /// Matches with recorded articles the claimant did not name.
    pub other_matches: Vec<complaint_match::Model>,
    pub evidence: Vec<complaint_evidence::Model>,
    pub timeline: Vec<audit_event::Model>,
    pub emails: Vec<outbox::Model>,
    pub counter_notices: Vec<counter_notice::Model>,
    /// Each round's pauses of the clock, by round and request.
    pub pauses: Vec<clock_pause::Model>,
    /// Reviewers' internal notes, oldest first.
    pub notes: Vec<complaint_note::Model>,
}

pub async fn load(db: &DatabaseConnection, id: i64) -> ServiceResult<Option<Dossier>> {
    let Some(c) = complaint::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let targets = complaint_target::Entity::find()
        .filter(complaint_target::Column::ComplaintId.eq(id))
        .order_by_asc(complaint_target::Column::Id)
        .all(db)
        .await?;
    let mut matches = complaint_match::Entity::find()
        .filter(complaint_match::Column::ComplaintId.eq(id))
        .order_by_desc(complaint_match::Column::Containment)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(targets.len());
    let mut subjects = vec![format!("complaint:{id}")];
    for t in targets {
        let (article, revisions) = match t.article_id {
            Some(aid) => {
                subjects.push(format!("article:{aid}"));
                let a = article::Entity::find_by_id(aid).one(db).await?;
                let revs = article_revision::Entity::find()
                    .filter(article_revision::Column::ArticleId.eq(aid))
                    .order_by_desc(article_revision::Column::Revision)
                    .all(db)
                    .await?;
                (a, revs)
            }
            None => (None, Vec::new()),
        };
        let matched = t.article_id.and_then(|aid| {
            let i = matches.iter().position(|m| m.article_id == aid)?;
            Some(matches.remove(i))
        });
        out.push(Target {
            url: t.url,
            article,
            revisions,
            matched,
            outcome: t.outcome,
        });
    }
    let evidence = complaint_evidence::Entity::find()
        .filter(complaint_evidence::Column::ComplaintId.eq(id))
        .order_by_asc(complaint_evidence::Column::Id)
        .all(db)
        .await?;
    let timeline = audit_event::Entity::find()
        .filter(audit_event::Column::Subject.is_in(subjects))
        .filter(audit_event::Column::OccurredAt.gte(c.received_at))
        .order_by_asc(audit_event::Column::Seq)
        .limit(TIMELINE_LIMIT)
        .all(db)
        .await?;
    let emails = outbox::Entity::find()
        .filter(outbox::Column::ComplaintId.eq(id))
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await?;
    let counter_notices = counter_notices::for_complaint(db, id).await?;
    let pauses = pauses::of_complaint(db, id).await?;
    let notes = notes::of_complaint(db, id).await?;
    Ok(Some(Dossier {
        complaint: c,
        targets: out,
        other_matches: matches,
        evidence,
        timeline,
        emails,
        counter_notices,
        pauses,
        notes,
    }))
}

/// One evidence file of complaint `id`, if it has it.
pub async fn evidence_file(
    db: &DatabaseConnection,
    id: i64,
    evidence_id: i64,
) -> Result<Option<complaint_evidence::Model>, DbErr> {
    complaint_evidence::Entity::find_by_id(evidence_id)
        .filter(complaint_evidence::Column::ComplaintId.eq(id))
        .one(db)
        .await
}
