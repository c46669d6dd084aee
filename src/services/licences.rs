//! Licences as records: saving a licence's terms as a new revision, the steps its end
//! brings, and the compliance pass that works out again the licence verdict of every
//! article republished under it. Each save and its pass commit together.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait, Set,
};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::domain::deadline::StepState;
use crate::domain::licence::{
    LicenceSettings, LicenceVerdict, OnLicenceExpiry, Terms, offset_name,
};
use crate::domain::validate::{EmailAddress, format_timestamp, truncate_micros};
use crate::entities::licence_step::LicenceStepKind;
use crate::entities::{article, article_revision, licence, licence_revision, licence_step};
use crate::services::error::ServiceResult;
use crate::services::holds::{self, Moved};
use crate::services::site::Site;

/// Ids updated per statement.
const CHUNK: usize = 500;

/// What saving did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Recorded,
    Unchanged,
    Revised,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoversView {
    pub outlets: Vec<String>,
    pub source_hosts: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LicenceRevisionView {
    pub revision: i32,
    pub licensor: String,
    pub licensor_contact: Option<String>,
    pub covers: CoversView,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub rights: Vec<String>,
    pub attribution_required: bool,
    pub edits_allowed: bool,
    pub saved_at: String,
    pub saved_by: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub sha256: String,
    pub content_type: Option<String>,
    pub size: Option<i64>,
    pub file_name: Option<String>,
    pub uploaded_at: Option<String>,
}

/// A licence as the API shows it: its current terms flattened in, and its history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LicenceRecordView {
    pub reference: String,
    /// `active`, `ended` or `not_started`, now.
    pub state: String,
    #[serde(flatten)]
    pub current: LicenceRevisionView,
    pub document: Option<DocumentView>,
    pub created_at: String,
    pub updated_at: String,
    pub revisions: Vec<LicenceRevisionView>,
}

fn strings(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The terms a stored revision holds.
pub fn terms_of(l: &licence::Model, r: &licence_revision::Model) -> Terms {
    Terms {
        reference: l.reference.clone(),
        licensor: r.licensor.clone(),
        licensor_contact: r
            .licensor_contact
            .as_deref()
            .and_then(|c| EmailAddress::parse(c).ok()),
        outlets: strings(&r.covers_outlets),
        source_hosts: strings(&r.covers_hosts),
        starts_at: r.starts_at,
        ends_at: r.ends_at,
        rights: strings(&r.rights),
        attribution_required: r.attribution_required,
        edits_allowed: r.edits_allowed,
    }
}

impl From<&licence_revision::Model> for LicenceRevisionView {
    fn from(r: &licence_revision::Model) -> Self {
        Self {
            revision: r.revision,
            licensor: r.licensor.clone(),
            licensor_contact: r.licensor_contact.clone(),
            covers: CoversView {
                outlets: strings(&r.covers_outlets),
                source_hosts: strings(&r.covers_hosts),
            },
            starts_at: r.starts_at.map(format_timestamp),
            ends_at: r.ends_at.map(format_timestamp),
            rights: strings(&r.rights),
            attribution_required: r.attribution_required,
            edits_allowed: r.edits_allowed,
            saved_at: format_timestamp(r.saved_at),
            saved_by: r.saved_by.clone(),
        }
    }
}

/// Whether the licence runs at `now`.
pub fn state_at(r: &licence_revision::Model, now: OffsetDateTime) -> &'static str {
    if r.ends_at.is_some_and(|e| now >= e) {
        "ended"
    } else if r.starts_at.is_some_and(|s| now < s) {
        "not_started"
    } else {
        "active"
    }
}

fn view(
    l: &licence::Model,
    revisions: &[licence_revision::Model],
    now: OffsetDateTime,
) -> Option<LicenceRecordView> {
    let current = revisions
        .iter()
        .find(|r| r.revision == l.current_revision)?;
    Some(LicenceRecordView {
        reference: l.reference.clone(),
        state: state_at(current, now).to_string(),
        current: current.into(),
        document: l.document_sha256.as_ref().map(|sha| DocumentView {
            sha256: sha.clone(),
            content_type: l.document_type.clone(),
            size: l.document_size,
            file_name: l.document_name.clone(),
            uploaded_at: l.document_at.map(format_timestamp),
        }),
        created_at: format_timestamp(l.created_at),
        updated_at: format_timestamp(l.updated_at),
        revisions: revisions.iter().map(LicenceRevisionView::from).collect(),
    })
}

/// `reference` as one path segment: every byte but the unreserved ones
/// percent-encoded, so any reference makes a link to its own page.
pub fn path_segment(reference: &str) -> String {
    let mut out = String::with_capacity(reference.len());
    for b in reference.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The licence's staff page.
pub fn staff_url(public_base_url: &str, reference: &str) -> String {
    format!(
        "{public_base_url}/staff/licences/{}",
        path_segment(reference)
    )
}

/// The licence saved under `reference`.
async fn by_reference(
    db: &impl ConnectionTrait,
    reference: &str,
) -> Result<Option<licence::Model>, DbErr> {
    licence::Entity::find()
        .filter(licence::Column::Reference.eq(reference))
        .one(db)
        .await
}

/// A licence and its current revision.
pub async fn current(
    db: &impl ConnectionTrait,
    reference: &str,
) -> Result<Option<(licence::Model, licence_revision::Model)>, DbErr> {
    let Some(l) = by_reference(db, reference).await? else {
        return Ok(None);
    };
    current_of(db, l).await
}

/// The licence `l` with its current revision (`None` only if that revision is missing).
pub async fn current_of(
    db: &impl ConnectionTrait,
    l: licence::Model,
) -> Result<Option<(licence::Model, licence_revision::Model)>, DbErr> {
    let r = licence_revision::Entity::find()
        .filter(licence_revision::Column::LicenceId.eq(l.id))
        .filter(licence_revision::Column::Revision.eq(l.current_revision))
        .one(db)
        .await?;
    Ok(r.map(|r| (l, r)))
}

/// The licence with every revision, oldest first.
pub async fn get(
    db: &impl ConnectionTrait,
    reference: &str,
    now: OffsetDateTime,
) -> ServiceResult<Option<LicenceRecordView>> {
    let Some(l) = by_reference(db, reference).await? else {
        return Ok(None);
    };
    let revs = licence_revision::Entity::find()
        .filter(licence_revision::Column::LicenceId.eq(l.id))
        .order_by_asc(licence_revision::Column::Revision)
        .all(db)
        .await?;
    Ok(view(&l, &revs, now))
}

/// Every licence, soonest end first (those without end last).
pub async fn list(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
) -> ServiceResult<Vec<LicenceRecordView>> {
    let licences = licence::Entity::find()
        .order_by_asc(licence::Column::Reference)
        .all(db)
        .await?;
    let mut by_licence: std::collections::HashMap<i64, Vec<licence_revision::Model>> =
        Default::default();
    for r in licence_revision::Entity::find()
        .order_by_asc(licence_revision::Column::Revision)
        .all(db)
        .await?
    {
        by_licence.entry(r.licence_id).or_default().push(r);
    }
    let mut out: Vec<LicenceRecordView> = licences
        .iter()
        .filter_map(|l| view(l, by_licence.get(&l.id).map_or(&[][..], Vec::as_slice), now))
        .collect();
    out.sort_by(|a, b| {
        let key = |v: &LicenceRecordView| (v.current.ends_at.is_none(), v.current.ends_at.clone());
        key(a).cmp(&key(b))
    });
    Ok(out)
}

/// What a save changed beyond the record: the articles whose verdict changed, and
/// those a renewal put back.
#[derive(Debug, Default, Clone, Serialize)]
pub struct SaveEffects {
    pub rechecked: u64,
    pub changed: u64,
    pub restored: Vec<i64>,
}

/// Saves `terms` as the licence's newest revision (nothing when they equal the
/// current one), inside the caller's write transaction. The pass and any renewal
/// commit with it.
pub async fn save_in(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    settings: &LicenceSettings,
    actor: &str,
    terms: &Terms,
    now: OffsetDateTime,
) -> ServiceResult<(Outcome, LicenceRecordView, SaveEffects)> {
    let now = truncate_micros(now);
    let sha = terms.record_sha256();
    let existing = current(txn, &terms.reference).await?;
    if let Some((l, r)) = &existing
        && r.record_sha256 == sha
    {
        let view = get(txn, &l.reference, now)
            .await?
            .ok_or(DbErr::RecordNotFound("licence revision".into()))?;
        return Ok((Outcome::Unchanged, view, SaveEffects::default()));
    }
    let (licence, revision, outcome, ends_before) = match existing {
        Some((l, r)) => {
            let next = l.current_revision + 1;
            let mut am = l.into_active_model();
            am.current_revision = Set(next);
            am.updated_at = Set(now);
            (am.update(txn).await?, next, Outcome::Revised, r.ends_at)
        }
        None => {
            let l = licence::ActiveModel {
                reference: Set(terms.reference.clone()),
                current_revision: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            (l, 1, Outcome::Recorded, None)
        }
    };
    let list = |v: &[String]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    licence_revision::ActiveModel {
        licence_id: Set(licence.id),
        revision: Set(revision),
        licensor: Set(terms.licensor.clone()),
        licensor_contact: Set(terms
            .licensor_contact
            .as_ref()
            .map(|e| e.as_str().to_string())),
        covers_outlets: Set(list(&terms.outlets)),
        covers_hosts: Set(list(&terms.source_hosts)),
        starts_at: Set(terms.starts_at),
        ends_at: Set(terms.ends_at),
        rights: Set(list(&terms.rights)),
        attribution_required: Set(terms.attribution_required),
        edits_allowed: Set(terms.edits_allowed),
        record_sha256: Set(sha.clone()),
        saved_at: Set(now),
        saved_by: Set(actor.to_string()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let action = match outcome {
        Outcome::Revised => "licence.revised",
        _ => "licence.recorded",
    };
    audit::append(
        txn,
        now,
        actor,
        action,
        &format!("licence:{}", licence.id),
        &json!({"reference": terms.reference, "revision": revision, "record_sha256": sha, "terms": terms.record_json()}),
    )
    .await?;
    if outcome == Outcome::Recorded || ends_before != terms.ends_at {
        plan(txn, licence.id, terms.ends_at, &settings.reminders, now).await?;
    }
    let pass = recheck(txn, &terms.reference, Some(terms), now).await?;
    let moved = release_renewed(txn, site, &licence, actor, now).await?;
    let view = get(txn, &licence.reference, now)
        .await?
        .ok_or(DbErr::RecordNotFound("licence revision".into()))?;
    let effects = SaveEffects {
        rechecked: pass.checked,
        changed: pass.changed,
        restored: moved
            .iter()
            .filter(|m| m.came_back())
            .map(|m| m.article.id)
            .collect(),
    };
    Ok((outcome, view, effects))
}

fn reminder_occasion(offset: std::time::Duration, ends_at: OffsetDateTime) -> String {
    format!("{}@{}", offset_name(offset), ends_at.unix_timestamp())
}

fn end_occasion(ends_at: OffsetDateTime) -> String {
    format!("end@{}", ends_at.unix_timestamp())
}

/// Plans the reminders and the expiry for a licence ending at `ends_at`, cancelling
/// what was planned for another end. A step planned before for this same end is
/// planned again only if it was cancelled: one already sent is not sent twice.
async fn plan(
    txn: &impl ConnectionTrait,
    licence_id: i64,
    ends_at: Option<OffsetDateTime>,
    offsets: &[std::time::Duration],
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let mut wanted: Vec<(LicenceStepKind, String, OffsetDateTime)> = Vec::new();
    if let Some(end) = ends_at {
        if end > now {
            for o in offsets {
                let Ok(o) = time::Duration::try_from(*o) else {
                    continue;
                };
                wanted.push((
                    LicenceStepKind::Reminder,
                    reminder_occasion(o.unsigned_abs(), end),
                    end - o,
                ));
            }
        }
        wanted.push((LicenceStepKind::Expiry, end_occasion(end), end));
    }
    let pending = licence_step::Entity::find()
        .filter(licence_step::Column::LicenceId.eq(licence_id))
        .filter(licence_step::Column::State.eq(StepState::Pending))
        .all(txn)
        .await?;
    for s in pending {
        if wanted
            .iter()
            .any(|(k, o, _)| *k == s.kind && *o == s.occasion)
        {
            continue;
        }
        // A check asked for by a recorded article stays; the rest belonged to another end.
        if s.occasion == CHECK {
            continue;
        }
        let mut am = s.into_active_model();
        am.state = Set(StepState::Cancelled);
        am.done_at = Set(Some(now));
        am.note = Set(Some("the licence's end changed".into()));
        am.update(txn).await?;
    }
    for (kind, occasion, due) in wanted {
        upsert_step(txn, licence_id, kind, &occasion, due).await?;
    }
    Ok(())
}

/// Inserts a pending step, or makes a cancelled one pending again.
async fn upsert_step(
    txn: &impl ConnectionTrait,
    licence_id: i64,
    kind: LicenceStepKind,
    occasion: &str,
    due: OffsetDateTime,
) -> Result<(), DbErr> {
    let existing = licence_step::Entity::find()
        .filter(licence_step::Column::LicenceId.eq(licence_id))
        .filter(licence_step::Column::Kind.eq(kind))
        .filter(licence_step::Column::Occasion.eq(occasion))
        .one(txn)
        .await?;
    match existing {
        Some(s) if s.state == StepState::Cancelled => {
            let mut am = s.into_active_model();
            am.state = Set(StepState::Pending);
            am.done_at = Set(None);
            am.note = Set(None);
            am.due_at = Set(due);
            am.update(txn).await?;
        }
        Some(_) => {}
        None => {
            licence_step::ActiveModel {
                licence_id: Set(licence_id),
                kind: Set(kind),
                occasion: Set(occasion.to_string()),
                due_at: Set(due),
                state: Set(StepState::Pending),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

/// The one step a licence has for "look at its articles again".
const CHECK: &str = "check";

/// Asks the sweep to look at a licence's articles again at once: a recorded article is
/// on an ended licence, or was held by one. One pending check a licence, however many
/// articles ask (an import of thousands onto an ended licence is one pass).
pub async fn check_soon(
    txn: &impl ConnectionTrait,
    licence_id: i64,
    why: &str,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let existing = licence_step::Entity::find()
        .filter(licence_step::Column::LicenceId.eq(licence_id))
        .filter(licence_step::Column::Kind.eq(LicenceStepKind::Expiry))
        .filter(licence_step::Column::Occasion.eq(CHECK))
        .one(txn)
        .await?;
    match existing {
        Some(s) if s.state == StepState::Pending => Ok(()),
        Some(s) => {
            let mut am = s.into_active_model();
            am.state = Set(StepState::Pending);
            am.due_at = Set(now);
            am.done_at = Set(None);
            am.note = Set(Some(why.to_string()));
            am.update(txn).await.map(|_| ())
        }
        None => licence_step::ActiveModel {
            licence_id: Set(licence_id),
            kind: Set(LicenceStepKind::Expiry),
            occasion: Set(CHECK.to_string()),
            due_at: Set(now),
            state: Set(StepState::Pending),
            note: Set(Some(why.to_string())),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map(|_| ()),
    }
}

/// What one compliance pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pass {
    pub checked: u64,
    pub changed: u64,
}

/// One current revision as the pass reads it.
type Row = (i64, String, String, OffsetDateTime, Option<String>);

/// The current revisions republished under `reference`.
async fn current_under(txn: &impl ConnectionTrait, reference: &str) -> Result<Vec<Row>, DbErr> {
    crate::services::compliance::current()
        .select_only()
        .column(article_revision::Column::Id)
        .column(article_revision::Column::SourceOutlet)
        .column(article_revision::Column::SourceUrl)
        .column(article_revision::Column::RepublishedAt)
        .column(article_revision::Column::ComplianceLicence)
        .filter(article_revision::Column::LicenceReference.eq(reference))
        .into_tuple()
        .all(txn)
        .await
}

/// Works out again the licence verdict of every current revision under `reference`
/// with `terms` (None: the licence is unknown), writing only those that changed.
pub async fn recheck(
    txn: &impl ConnectionTrait,
    reference: &str,
    terms: Option<&Terms>,
    now: OffsetDateTime,
) -> Result<Pass, DbErr> {
    let rows = current_under(txn, reference).await?;
    let mut changed: std::collections::HashMap<LicenceVerdict, Vec<i64>> = Default::default();
    for (id, outlet, url, republished_at, stored) in &rows {
        let v = terms.map_or(LicenceVerdict::UnknownLicence, |t| {
            t.verdict(outlet, url, *republished_at, now)
        });
        if stored.as_deref() != Some(v.as_str()) {
            changed.entry(v).or_default().push(*id);
        }
    }
    let mut n = 0;
    for (v, ids) in changed {
        n += ids.len() as u64;
        for chunk in ids.chunks(CHUNK) {
            article_revision::Entity::update_many()
                .col_expr(
                    article_revision::Column::ComplianceLicence,
                    Expr::value(v.as_str()),
                )
                .col_expr(article_revision::Column::ComplianceAt, Expr::value(now))
                .filter(article_revision::Column::Id.is_in(chunk.to_vec()))
                .exec(txn)
                .await?;
        }
    }
    Ok(Pass {
        checked: rows.len() as u64,
        changed: n,
    })
}

/// The articles whose current revision is under `reference` with licence verdict
/// `verdict`, `live` only or all.
pub async fn articles_with(
    txn: &impl ConnectionTrait,
    reference: &str,
    verdict: LicenceVerdict,
    live: bool,
) -> Result<Vec<article::Model>, DbErr> {
    let mut q = article::Entity::find()
        .join(JoinType::InnerJoin, article::Relation::Revisions.def())
        .filter(article_revision::Column::LicenceReference.eq(reference))
        .filter(article_revision::Column::ComplianceLicence.eq(verdict.as_str()))
        .filter(
            Expr::col((article::Entity, article::Column::CurrentRevision))
                .equals((article_revision::Entity, article_revision::Column::Revision)),
        );
    if live {
        q = q.filter(article::Column::Status.ne(crate::domain::article::ArticleStatus::Removed));
    }
    q.order_by_asc(article::Column::Id).all(txn).await
}

/// Releases the holds licence `l` placed on articles that are no longer on an ended
/// licence of its: renewed, or moved to another licence.
pub async fn release_renewed(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    l: &licence::Model,
    actor: &str,
    now: OffsetDateTime,
) -> Result<Vec<Moved>, DbErr> {
    use crate::entities::takedown_hold;
    let held: Vec<i64> = takedown_hold::Entity::find()
        .select_only()
        .column(takedown_hold::Column::ArticleId)
        .filter(takedown_hold::Column::LicenceId.eq(l.id))
        .filter(takedown_hold::Column::ReleasedAt.is_null())
        .into_tuple()
        .all(txn)
        .await?;
    if held.is_empty() {
        return Ok(Vec::new());
    }
    let still: std::collections::HashSet<i64> =
        articles_with(txn, &l.reference, LicenceVerdict::Expired, false)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect();
    let mut moved = Vec::new();
    for id in held.into_iter().filter(|id| !still.contains(id)) {
        let Some(a) = article::Entity::find_by_id(id).one(txn).await? else {
            continue;
        };
        moved
            .push(holds::release_for_licence(txn, site, &a, l.id, &l.reference, actor, now).await?);
    }
    Ok(moved)
}

/// At a licence's end (or when its articles need looking at again): the verdicts
/// worked out at `now`, holds released where covered again, and under
/// `ON_LICENCE_EXPIRY=remove` a hold on each article whose licence ended since it was
/// republished. Returns the articles held and restored.
pub async fn enforce(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    on_expiry: OnLicenceExpiry,
    l: &licence::Model,
    terms: &Terms,
    actor: &str,
    now: OffsetDateTime,
) -> Result<(Vec<Moved>, Vec<Moved>), DbErr> {
    recheck(txn, &l.reference, Some(terms), now).await?;
    let released = release_renewed(txn, site, l, actor, now).await?;
    let mut held = Vec::new();
    if on_expiry == OnLicenceExpiry::Remove {
        for a in articles_with(txn, &l.reference, LicenceVerdict::Expired, false).await? {
            held.push(
                holds::place_for_licence(txn, site, &a, l.id, &l.reference, actor, now).await?,
            );
        }
    }
    Ok((held, released))
}

/// Records `file` as licence `reference`'s document; None when there is no such
/// licence.
pub async fn attach_document(
    txn: &impl ConnectionTrait,
    actor: &str,
    reference: &str,
    file: &crate::services::evidence::EvidenceFile,
    now: OffsetDateTime,
) -> ServiceResult<Option<LicenceRecordView>> {
    let now = truncate_micros(now);
    let Some(l) = by_reference(txn, reference).await? else {
        return Ok(None);
    };
    let before = l.document_sha256.clone();
    let id = l.id;
    let mut am = l.into_active_model();
    am.document_sha256 = Set(Some(file.sha256.clone()));
    am.document_type = Set(Some(file.content_type.to_string()));
    am.document_size = Set(Some(file.size as i64));
    am.document_name = Set(file.file_name.clone());
    am.document_at = Set(Some(now));
    am.updated_at = Set(now);
    am.update(txn).await?;
    audit::append(
        txn,
        now,
        actor,
        "licence.document",
        &format!("licence:{id}"),
        &json!({"reference": reference, "sha256": file.sha256, "content_type": file.content_type, "size": file.size, "replaces": before}),
    )
    .await?;
    get(txn, reference, now).await
}

/// What `recheck_all` did.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Recheck {
    pub texts: u64,
    pub references: u64,
    pub changed: u64,
}

/// Works out every current revision's compliance again: its text verdicts at
/// `alteration_threshold`, then each licence verdict as of `now`. A page of revisions
/// a transaction, so the service keeps running meanwhile.
pub async fn recheck_all(
    db: &sea_orm::DatabaseConnection,
    alteration_threshold: f64,
    now: OffsetDateTime,
) -> ServiceResult<Recheck> {
    use crate::domain::licence::{ArticleText, TextVerdicts, altered};
    use takedown_text::fingerprint;
    let now = truncate_micros(now);
    let mut out = Recheck::default();
    let mut after = 0i64;
    loop {
        let txn = crate::db::begin_write(db).await?;
        let page = crate::services::compliance::current()
            .filter(article_revision::Column::Id.gt(after))
            .order_by_asc(article_revision::Column::Id)
            .limit(CHUNK as u64)
            .all(&txn)
            .await?;
        let Some(last) = page.last().map(|r| r.id) else {
            txn.commit().await?;
            break;
        };
        after = last;
        let ids: Vec<i64> = page.iter().map(|r| r.id).collect();
        let mut stored = crate::services::matching::stored_fingerprints(&txn, &ids).await?;
        for r in page {
            let fps = stored
                .remove(&r.id)
                .unwrap_or_else(|| fingerprint::fingerprints(&r.body));
            let v = TextVerdicts::of(&ArticleText {
                title: &r.title,
                body: &r.body,
                byline: r.byline.as_deref(),
                body_fingerprints: &fps,
                source_outlet: &r.source_outlet,
                source_author: r.source_author.as_deref(),
                source_title: r.source_title.as_deref(),
                source_body: r.source_body.as_deref(),
            });
            let mut am = r.into_active_model();
            am.source_containment = Set(v.source_containment);
            am.compliance_altered = Set(altered(v.source_containment, alteration_threshold));
            am.compliance_title_changed = Set(v.title_changed);
            am.compliance_attribution = Set(Some(v.attribution.as_str().to_string()));
            am.compliance_at = Set(Some(now));
            am.update(&txn).await?;
            out.texts += 1;
        }
        txn.commit().await?;
    }
    let references: Vec<String> = article_revision::Entity::find()
        .select_only()
        .column(article_revision::Column::LicenceReference)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    for reference in references {
        let txn = crate::db::begin_write(db).await?;
        let terms = current(&txn, &reference)
            .await?
            .map(|(l, r)| terms_of(&l, &r));
        let pass = recheck(&txn, &reference, terms.as_ref(), now).await?;
        txn.commit().await?;
        out.references += 1;
        out.changed += pass.changed;
    }
    Ok(out)
}

/// The articles republished under `reference` (current revisions), newest first, at
/// most `limit`; and how many there are.
pub async fn articles_under(
    db: &impl ConnectionTrait,
    reference: &str,
    limit: u64,
) -> Result<(Vec<crate::services::compliance::Row>, u64), DbErr> {
    let filter = crate::services::compliance::Filter {
        licence: Some(reference.to_string()),
        everything: true,
        ..Default::default()
    };
    crate::services::compliance::list(db, &filter, limit).await
}

/// Licence `reference`'s steps, soonest first.
pub async fn steps_of(
    db: &impl ConnectionTrait,
    reference: &str,
) -> Result<Vec<licence_step::Model>, DbErr> {
    let Some(l) = by_reference(db, reference).await? else {
        return Ok(Vec::new());
    };
    licence_step::Entity::find()
        .filter(licence_step::Column::LicenceId.eq(l.id))
        .order_by_asc(licence_step::Column::DueAt)
        .all(db)
        .await
}
