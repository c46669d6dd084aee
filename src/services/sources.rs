//! Telling a source's rights contact what happened to the articles we republished from
//! it: the provisional removal at a missed deadline, the removal when a complaint is
//! upheld, and how a provisional removal ended. One email per contact, in the source's
//! language (an outlet whose name or article is in Chinese hears in Chinese).

use crate::services::error::ServiceResult;
use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use time::OffsetDateTime;

use crate::domain::complaint::Language;
use crate::domain::validate::EmailAddress;
use crate::entities::{article, article_revision, complaint};
use crate::mail::letter::Recipient;
use crate::mail::letters::{SourceProvisional, SourceProvisionalEnded, SourceRemoval};
use crate::mail::notice::Owed;
use crate::mail::outbox;
use crate::services::site::Site;

/// What the sources are told.
#[derive(Debug, Clone, Copy)]
pub enum News<'a> {
    Provisional,
    Removed {
        reason: &'a str,
    },
    /// The provisional removal ended without an uphold.
    ProvisionalEnded {
        withdrawn: bool,
        reason: &'a str,
    },
}

/// One article in the news, and whether it is live again.
pub struct Affected<'a> {
    pub article: &'a article::Model,
    pub live: bool,
}

struct Contact {
    outlet: String,
    language: Language,
    articles: Vec<(String, i64, bool)>,
}

/// Queues `news` about `affected` for each source's rights contact; after a provisional
/// removal ends, the escalation address hears too.
pub async fn tell(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    round: i32,
    affected: &[Affected<'_>],
    news: News<'_>,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let mut by_contact: BTreeMap<String, Contact> = BTreeMap::new();
    for a in affected {
        let rev = article_revision::Entity::find()
            .filter(article_revision::Column::ArticleId.eq(a.article.id))
            .filter(article_revision::Column::Revision.eq(a.article.current_revision))
            .one(txn)
            .await?;
        let Some(r) = rev else { continue };
        let Some(contact) = r.rights_contact.clone() else {
            continue;
        };
        by_contact
            .entry(contact)
            .or_insert_with(|| Contact {
                language: Language::of_text(&format!("{}{}", r.source_outlet, r.title)),
                outlet: r.source_outlet.clone(),
                articles: Vec::new(),
            })
            .articles
            .push((a.article.url.clone(), a.article.id, a.live));
    }
    for (address, contact) in by_contact {
        let Ok(to) = EmailAddress::parse(&address) else {
            continue;
        };
        let to = [Recipient::new(to, contact.language)];
        post(txn, site, c, round, &to, &contact, news, now).await?;
    }
    if let News::ProvisionalEnded { .. } = news {
        // No outlet: the escalation address's copy, written to the desk.
        let all = Contact {
            outlet: String::new(),
            language: site.staff_language,
            articles: affected
                .iter()
                .map(|a| (a.article.url.clone(), a.article.id, a.live))
                .collect(),
        };
        post(txn, site, c, round, &site.escalation(), &all, news, now).await?;
    }
    Ok(())
}

/// Posts `news` about `contact`'s articles to `to`.
#[allow(clippy::too_many_arguments)]
async fn post(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    round: i32,
    to: &[Recipient],
    contact: &Contact,
    news: News<'_>,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let (id, outlet, base) = (c.id, contact.outlet.as_str(), &site.signer);
    let owed = Owed::once(c.id, round);
    match news {
        News::Provisional => {
            let targets: Vec<String> = contact.articles.iter().map(|a| a.0.clone()).collect();
            let letter = SourceProvisional {
                outlet,
                id,
                targets: &targets,
            };
            outbox::post(txn, &owed, &letter, to, base, now).await?;
        }
        News::Removed { reason } => {
            let targets: Vec<(String, String)> = contact
                .articles
                .iter()
                .map(|a| (a.0.clone(), site.counter_notice_url(a.1)))
                .collect();
            let letter = SourceRemoval {
                outlet,
                id,
                targets: &targets,
                reason,
            };
            outbox::post(txn, &owed, &letter, to, base, now).await?;
        }
        News::ProvisionalEnded { withdrawn, reason } => {
            let targets: Vec<(String, bool)> = contact
                .articles
                .iter()
                .map(|a| (a.0.clone(), a.2))
                .collect();
            let letter = SourceProvisionalEnded {
                outlet,
                id,
                withdrawn,
                reason,
                targets: &targets,
            };
            outbox::post(txn, &owed, &letter, to, base, now).await?;
        }
    }
    Ok(())
}
