//! The provenance registry: recording articles and their revisions.

use crate::services::error::ServiceResult;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, NotSet, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use crate::audit;
use crate::db;
use crate::domain::article::{ArticleStatus, Hashes, NewArticle};
use crate::domain::licence::{ArticleText, LicenceVerdict, TextVerdicts, altered};
use crate::domain::validate::{format_timestamp, truncate_micros};
use crate::entities::{article, article_revision};
use crate::services::licences;
use takedown_text::fingerprint;

/// What recording did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Recorded,
    Unchanged,
    Revised,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HashesView {
    pub raw_sha256: String,
    pub content_sha256: String,
    pub source_sha256: Option<String>,
    pub normalizer_version: i32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SourceView {
    pub outlet: String,
    pub url: String,
    pub published_at: Option<String>,
    pub author: Option<String>,
    pub body: Option<String>,
    pub title: Option<String>,
}

/// What takedown worked out of an article's right to be online: its licence's
/// verdict, and whether the text, the title and the credit are the source's.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplianceView {
    /// `covered`, `expired`, `expired_at_republication`, `not_yet_valid`,
    /// `outlet_not_covered` or `unknown_licence`; null before it was worked out.
    pub licence: Option<String>,
    /// Null without a source body.
    pub altered: Option<bool>,
    /// The lesser of the two containments, source in ours and ours in source.
    pub source_containment: Option<f64>,
    /// Null without a source title.
    pub title_changed: Option<bool>,
    /// `ok`, `missing` or `unknown`.
    pub attribution: Option<String>,
    pub checked_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LicenceView {
    pub reference: String,
    pub expires_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RevisionView {
    pub revision: i32,
    pub received_at: String,
    pub title: String,
    pub body: String,
    pub republished_at: String,
    pub editor: String,
    pub source: SourceView,
    pub licence: LicenceView,
    pub rights_contact: Option<String>,
    pub byline: Option<String>,
    pub hashes: HashesView,
    pub compliance: ComplianceView,
}

impl From<&article_revision::Model> for RevisionView {
    fn from(r: &article_revision::Model) -> Self {
        Self {
            revision: r.revision,
            received_at: format_timestamp(r.received_at),
            title: r.title.clone(),
            body: r.body.clone(),
            republished_at: format_timestamp(r.republished_at),
            editor: r.editor.clone(),
            source: SourceView {
                outlet: r.source_outlet.clone(),
                url: r.source_url.clone(),
                published_at: r.source_published_at.map(format_timestamp),
                author: r.source_author.clone(),
                body: r.source_body.clone(),
                title: r.source_title.clone(),
            },
            licence: LicenceView {
                reference: r.licence_reference.clone(),
                expires_at: r.licence_expires_at.map(format_timestamp),
            },
            rights_contact: r.rights_contact.clone(),
            byline: r.byline.clone(),
            compliance: ComplianceView {
                licence: r.compliance_licence.clone(),
                altered: r.compliance_altered,
                source_containment: r.source_containment,
                title_changed: r.compliance_title_changed,
                attribution: r.compliance_attribution.clone(),
                checked_at: r.compliance_at.map(format_timestamp),
            },
            hashes: HashesView {
                raw_sha256: r.raw_sha256.clone(),
                content_sha256: r.content_sha256.clone(),
                source_sha256: r.source_sha256.clone(),
                normalizer_version: r.normalizer_version,
            },
        }
    }
}

/// An article as the API shows it: its current revision flattened in, and optionally
/// its full history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArticleView {
    pub id: i64,
    pub url: String,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(flatten)]
    pub current: RevisionView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revisions: Option<Vec<RevisionView>>,
}

impl ArticleView {
    fn new(a: &article::Model, current: &article_revision::Model) -> Self {
        Self {
            id: a.id,
            url: a.url.clone(),
            status: a.status.as_str().to_string(),
            created_at: format_timestamp(a.created_at),
            updated_at: format_timestamp(a.updated_at),
            current: current.into(),
            revisions: None,
        }
    }
}

/// An article with everything derived from its text computed: the CPU-heavy part of
/// recording, done outside any transaction (and in parallel by the importer).
pub struct Prepared {
    pub article: NewArticle,
    pub hashes: Hashes,
    pub fingerprints: Vec<u64>,
    pub record_sha256: String,
    /// What compliance reads of the text alone.
    pub text: TextVerdicts,
    /// Whether the text counts as altered, at the `ALTERATION_THRESHOLD` it was
    /// prepared with.
    pub altered: Option<bool>,
}

impl Prepared {
    pub fn new(article: NewArticle, alteration_threshold: f64) -> Self {
        let fingerprints = fingerprint::fingerprints(&article.body);
        let text = TextVerdicts::of(&ArticleText {
            title: &article.title,
            body: &article.body,
            byline: article.byline.as_deref(),
            body_fingerprints: &fingerprints,
            source_outlet: &article.source_outlet,
            source_author: article.source_author.as_deref(),
            source_title: article.source_title.as_deref(),
            source_body: article.source_body.as_deref(),
        });
        Self {
            hashes: article.hashes(),
            altered: altered(text.source_containment, alteration_threshold),
            text,
            fingerprints,
            record_sha256: article.record_sha256(),
            article,
        }
    }
}

/// Records `new` on its own write transaction.
pub async fn record(
    db: &DatabaseConnection,
    actor: &str,
    new: &Prepared,
    now: OffsetDateTime,
) -> ServiceResult<(Outcome, ArticleView)> {
    let txn = db::begin_write(db).await?;
    let out = record_in(&txn, actor, new, now).await?;
    txn.commit().await?;
    Ok(out)
}

/// The revision row (what was received and published, its hashes) and its
/// fingerprints' row. Only the new id is read back: the rest is what was written.
async fn insert_revision(
    txn: &impl ConnectionTrait,
    article_id: i64,
    revision_no: i32,
    prepared: &Prepared,
    verdict: LicenceVerdict,
    now: OffsetDateTime,
) -> Result<article_revision::Model, sea_orm::DbErr> {
    let new = &prepared.article;
    let hashes = &prepared.hashes;
    let text = &prepared.text;
    let mut model = article_revision::Model {
        id: 0,
        article_id,
        revision: revision_no,
        title: new.title.clone(),
        body: new.body.clone(),
        editor: new.editor.clone(),
        republished_at: new.republished_at,
        source_outlet: new.source_outlet.clone(),
        source_url: new.source_url.as_str().to_string(),
        source_published_at: new.source_published_at,
        source_author: new.source_author.clone(),
        source_body: new.source_body.clone(),
        licence_reference: new.licence_reference.clone(),
        licence_expires_at: new.licence_expires_at,
        rights_contact: new.rights_contact.as_ref().map(|e| e.as_str().to_string()),
        raw_sha256: hashes.raw_sha256.clone(),
        content_sha256: hashes.content_sha256.clone(),
        source_sha256: hashes.source_sha256.clone(),
        normalizer_version: hashes.normalizer_version,
        record_sha256: prepared.record_sha256.clone(),
        received_at: now,
        source_title: new.source_title.clone(),
        byline: new.byline.clone(),
        compliance_licence: Some(verdict.as_str().to_string()),
        source_containment: text.source_containment,
        compliance_altered: prepared.altered,
        compliance_title_changed: text.title_changed,
        compliance_attribution: Some(text.attribution.as_str().to_string()),
        compliance_at: Some(now),
    };
    let mut am = model.clone().into_active_model();
    am.id = NotSet;
    model.id = article_revision::Entity::insert(am)
        .exec(txn)
        .await?
        .last_insert_id;
    crate::services::matching::store_fingerprints(
        txn,
        model.id,
        article_id,
        &prepared.fingerprints,
    )
    .await?;
    Ok(model)
}

/// Records `new` inside the caller's write transaction (see `db::begin_write`): a new
/// article, a new revision of a known URL, or nothing when the record is unchanged.
pub async fn record_in(
    txn: &impl ConnectionTrait,
    actor: &str,
    prepared: &Prepared,
    now: OffsetDateTime,
) -> ServiceResult<(Outcome, ArticleView)> {
    record_in_batch(txn, actor, prepared, now, &mut Memo::default()).await
}

/// What the records of one import transaction look up once: each licence's terms, and
/// the audit chain's head after the last record (nothing else appends in between).
#[derive(Default)]
pub struct Memo {
    licences: std::collections::HashMap<String, Option<CurrentLicence>>,
    head: Option<crate::domain::audit_chain::Head>,
}

type CurrentLicence = (
    crate::entities::licence::Model,
    crate::entities::licence_revision::Model,
);

/// `record_in`, with what `memo` holds from the records before it in this transaction.
/// The memo is only good while every change in the transaction goes through it: a
/// record rolled back to a savepoint needs a fresh one.
pub async fn record_in_batch(
    txn: &impl ConnectionTrait,
    actor: &str,
    prepared: &Prepared,
    now: OffsetDateTime,
    memo: &mut Memo,
) -> ServiceResult<(Outcome, ArticleView)> {
    let now = truncate_micros(now);
    let new = &prepared.article;
    let record_sha256 = prepared.record_sha256.clone();
    let existing = article::Entity::find()
        .filter(article::Column::Url.eq(new.url.as_str()))
        .one(txn)
        .await?;

    let (article, revision_no, outcome) = match existing {
        Some(a) => {
            let latest = article_revision::Entity::find()
                .filter(article_revision::Column::ArticleId.eq(a.id))
                .filter(article_revision::Column::Revision.eq(a.current_revision))
                .one(txn)
                .await?;
            if let Some(latest) = latest.filter(|r| r.record_sha256 == record_sha256) {
                return Ok((Outcome::Unchanged, ArticleView::new(&a, &latest)));
            }
            let next = a.current_revision + 1;
            let mut am = a.into_active_model();
            am.current_revision = Set(next);
            am.updated_at = Set(now);
            (am.update(txn).await?, next, Outcome::Revised)
        }
        None => {
            let a = article::ActiveModel {
                url: Set(new.url.as_str().to_string()),
                status: Set(ArticleStatus::Published),
                current_revision: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            (a, 1, Outcome::Recorded)
        }
    };

    let hashes = &prepared.hashes;
    let licence = match memo.licences.get(&new.licence_reference) {
        Some(known) => known.clone(),
        None => {
            let found = licences::current(txn, &new.licence_reference).await?;
            memo.licences
                .insert(new.licence_reference.clone(), found.clone());
            found
        }
    };
    let verdict = licence
        .as_ref()
        .map_or(LicenceVerdict::UnknownLicence, |(l, r)| {
            licences::terms_of(l, r).verdict(
                &new.source_outlet,
                new.source_url.as_str(),
                new.republished_at,
                now,
            )
        });
    let rev = insert_revision(txn, article.id, revision_no, prepared, verdict, now).await?;
    // The sweep holds an article recorded on an ended licence (under
    // `ON_LICENCE_EXPIRY=remove`), and releases one whose new revision left it.
    let why = format!("article:{}:{revision_no}", article.id);
    if let Some((l, _)) = licence
        .as_ref()
        .filter(|_| verdict == LicenceVerdict::Expired)
    {
        licences::check_soon(txn, l.id, &why, now).await?;
    }
    if outcome == Outcome::Revised {
        for held_by in crate::services::holds::licence_holds(txn, article.id).await? {
            if licence
                .as_ref()
                .is_none_or(|(l, _)| l.id != held_by || verdict != LicenceVerdict::Expired)
            {
                licences::check_soon(txn, held_by, &why, now).await?;
            }
        }
    }

    let action = match outcome {
        Outcome::Revised => "article.revised",
        _ => "article.recorded",
    };
    memo.head = Some(
        audit::append_after(
            txn,
            memo.head.take(),
            now,
            actor,
            action,
            &format!("article:{}", article.id),
            &json!({
            "url": article.url,
            "revision": revision_no,
            "raw_sha256": hashes.raw_sha256,
            "content_sha256": hashes.content_sha256,
            "source_sha256": hashes.source_sha256,
            "normalizer_version": hashes.normalizer_version,
            "licence_reference": new.licence_reference,
            "source_url": new.source_url.as_str(),
            }),
        )
        .await?,
    );
    Ok((outcome, ArticleView::new(&article, &rev)))
}

/// An article with every revision, oldest first.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> ServiceResult<Option<ArticleView>> {
    let Some(a) = article::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let revs = article_revision::Entity::find()
        .filter(article_revision::Column::ArticleId.eq(id))
        .order_by_asc(article_revision::Column::Revision)
        .all(db)
        .await?;
    let Some(current) = revs.iter().find(|r| r.revision == a.current_revision) else {
        return Ok(None);
    };
    let mut view = ArticleView::new(&a, current);
    view.revisions = Some(revs.iter().map(RevisionView::from).collect());
    Ok(Some(view))
}
