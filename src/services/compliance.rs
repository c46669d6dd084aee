//! Reading compliance back: the articles with a given problem (the desk's list and its
//! CSV), how many have each, and the figures metrics and the report show.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, JoinType, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select,
};
use time::OffsetDateTime;

use crate::domain::article::ArticleStatus;
use crate::domain::licence::{Attribution, LicenceVerdict};
use crate::entities::{article, article_revision, licence_revision};

/// A compliance problem staff can list articles by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Any licence verdict but `covered`.
    Licence(LicenceVerdict),
    Altered,
    TitleChanged,
    AttributionMissing,
}

impl Problem {
    pub const ALL: [Self; 8] = [
        Self::Licence(LicenceVerdict::Expired),
        Self::Licence(LicenceVerdict::UnknownLicence),
        Self::Licence(LicenceVerdict::ExpiredAtRepublication),
        Self::Licence(LicenceVerdict::NotYetValid),
        Self::Licence(LicenceVerdict::OutletNotCovered),
        Self::Altered,
        Self::TitleChanged,
        Self::AttributionMissing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Licence(v) => v.as_str(),
            Self::Altered => "altered",
            Self::TitleChanged => "title_changed",
            Self::AttributionMissing => "attribution_missing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    fn condition(self) -> Condition {
        use article_revision::Column as C;
        match self {
            Self::Licence(v) => Condition::all().add(C::ComplianceLicence.eq(v.as_str())),
            Self::Altered => Condition::all().add(C::ComplianceAltered.eq(true)),
            Self::TitleChanged => Condition::all().add(C::ComplianceTitleChanged.eq(true)),
            Self::AttributionMissing => {
                Condition::all().add(C::ComplianceAttribution.eq(Attribution::Missing.as_str()))
            }
        }
    }
}

/// What the desk filters the list by; all None lists every article with a problem.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub problem: Option<Problem>,
    pub outlet: Option<String>,
    pub licence: Option<String>,
    /// Every article, with a problem or without (a licence's page).
    pub everything: bool,
}

/// Current revisions joined to their articles.
pub fn current() -> Select<article_revision::Entity> {
    article_revision::Entity::find()
        .join(
            JoinType::InnerJoin,
            article_revision::Relation::Article.def(),
        )
        .filter(
            Expr::col((article::Entity, article::Column::CurrentRevision))
                .equals((article_revision::Entity, article_revision::Column::Revision)),
        )
}

fn filtered(f: &Filter) -> Select<article_revision::Entity> {
    let mut q = current();
    q = match f.problem {
        Some(p) => q.filter(p.condition()),
        None if f.everything => q,
        None => q.filter(
            Problem::ALL
                .into_iter()
                .fold(Condition::any(), |c, p| c.add(p.condition())),
        ),
    };
    if let Some(o) = &f.outlet {
        q = q.filter(article_revision::Column::SourceOutlet.eq(o.as_str()));
    }
    if let Some(l) = &f.licence {
        q = q.filter(article_revision::Column::LicenceReference.eq(l.as_str()));
    }
    q
}

/// One article on the list.
#[derive(Debug, Clone)]
pub struct Row {
    pub revision: article_revision::Model,
    pub article: article::Model,
}

/// The articles matching `f`, newest first, at most `limit`; and how many match.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &Filter,
    limit: u64,
) -> Result<(Vec<Row>, u64), DbErr> {
    let total = filtered(f).count(db).await?;
    let revisions = filtered(f)
        .order_by_desc(article_revision::Column::ArticleId)
        .limit(limit)
        .all(db)
        .await?;
    let ids: Vec<i64> = revisions.iter().map(|r| r.article_id).collect();
    let articles: std::collections::HashMap<i64, article::Model> = article::Entity::find()
        .filter(article::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let rows = revisions
        .into_iter()
        .filter_map(|r| {
            let a = articles.get(&r.article_id)?.clone();
            Some(Row {
                revision: r,
                article: a,
            })
        })
        .collect();
    Ok((rows, total))
}

/// How many current revisions have each problem (outlet and licence filters applied).
pub async fn counts(db: &impl ConnectionTrait, f: &Filter) -> Result<Vec<(Problem, u64)>, DbErr> {
    let mut out = Vec::new();
    for p in Problem::ALL {
        let one = Filter {
            problem: Some(p),
            ..f.clone()
        };
        out.push((p, filtered(&one).count(db).await?));
    }
    Ok(out)
}

/// Live articles (published or restored) by licence verdict, for metrics and the
/// report: (verdict or None before it was worked out, count).
pub async fn live_by_verdict(
    db: &impl ConnectionTrait,
) -> Result<Vec<(Option<String>, i64)>, DbErr> {
    current()
        .select_only()
        .column(article_revision::Column::ComplianceLicence)
        .column_as(article_revision::Column::Id.count(), "n")
        .filter(article::Column::Status.ne(ArticleStatus::Removed))
        .group_by(article_revision::Column::ComplianceLicence)
        .into_tuple()
        .all(db)
        .await
}

/// Current articles by licence reference and licence verdict.
pub async fn by_verdict_under(
    db: &impl ConnectionTrait,
) -> Result<Vec<(String, Option<String>, i64)>, DbErr> {
    current()
        .select_only()
        .column(article_revision::Column::LicenceReference)
        .column(article_revision::Column::ComplianceLicence)
        .column_as(article_revision::Column::Id.count(), "n")
        .group_by(article_revision::Column::LicenceReference)
        .group_by(article_revision::Column::ComplianceLicence)
        .into_tuple()
        .all(db)
        .await
}

/// Licences whose current terms end between `now` and `now + within`.
pub async fn ending_within(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
    within: std::time::Duration,
) -> Result<u64, DbErr> {
    use crate::entities::licence;
    licence_revision::Entity::find()
        .join(
            JoinType::InnerJoin,
            licence_revision::Entity::belongs_to(licence::Entity)
                .from(licence_revision::Column::LicenceId)
                .to(licence::Column::Id)
                .into(),
        )
        .filter(
            Expr::col((licence::Entity, licence::Column::CurrentRevision))
                .equals((licence_revision::Entity, licence_revision::Column::Revision)),
        )
        .filter(licence_revision::Column::EndsAt.gt(now))
        .filter(licence_revision::Column::EndsAt.lte(now + within))
        .count(db)
        .await
}
