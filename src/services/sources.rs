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
use crate::mail::notice::{NoticeKey, NoticeKind, Occasion};
use crate::mail::outbox::{self, Email};
use crate::mail::templates::{
    SourceProvisional, SourceProvisionalEnded, SourceRemoval, render_email,
};
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
        email(txn, site, c, round, &to, &contact, news, now).await?;
    }
    if let News::ProvisionalEnded { .. } = news {
        let all = Contact {
            outlet: String::new(),
            language: Language::En,
            articles: affected
                .iter()
                .map(|a| (a.article.url.clone(), a.article.id, a.live))
                .collect(),
        };
        for to in site.escalation_to {
            email(txn, site, c, round, to, &all, news, now).await?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn email(
    txn: &impl ConnectionTrait,
    site: &Site<'_>,
    c: &complaint::Model,
    round: i32,
    to: &EmailAddress,
    contact: &Contact,
    news: News<'_>,
    now: OffsetDateTime,
) -> ServiceResult<()> {
    let (kind, subject, body) = compose(site, c.id, contact, news)?;
    outbox::enqueue(
        txn,
        &Email {
            notice: NoticeKey::new(c.id, round, kind, Occasion::Once),
            recipient: to,
            subject,
            body_text: body,
            body_html: None,
        },
        site.public_base_url,
        now,
    )
    .await?;
    Ok(())
}

/// The kind, subject and body of `news` for `contact`, in the contact's language.
fn compose(
    site: &Site<'_>,
    id: i64,
    contact: &Contact,
    news: News<'_>,
) -> ServiceResult<(NoticeKind, String, String)> {
    let zh = contact.language == Language::Zh;
    // No outlet: the escalation address's copy, written to the desk.
    let outlet = contact.outlet.as_str();
    // Subjects lead with Chinese for a Chinese source, and always carry the English.
    let subject = |zh_words: &str, en_words: &str| {
        let en = format!("{en_words}: complaint #{id}");
        if zh { format!("{zh_words} / {en}") } else { en }
    };
    Ok(match news {
        News::Provisional => {
            let targets: Vec<String> = contact.articles.iter().map(|a| a.0.clone()).collect();
            (
                NoticeKind::ProvisionalRemovalSource,
                subject(
                    "转载内容已暂时删除",
                    "Republished content removed provisionally",
                ),
                render_email(SourceProvisional {
                    zh,
                    outlet,
                    id,
                    targets: &targets,
                })?,
            )
        }
        News::Removed { reason } => {
            let targets: Vec<(String, String)> = contact
                .articles
                .iter()
                .map(|a| (a.0.clone(), site.counter_notice_url(a.1)))
                .collect();
            (
                NoticeKind::RemovalSource,
                subject("转载内容已删除", "Republished content removed"),
                render_email(SourceRemoval {
                    zh,
                    outlet,
                    id,
                    targets: &targets,
                    reason,
                })?,
            )
        }
        News::ProvisionalEnded { withdrawn, reason } => {
            let targets: Vec<(String, bool)> = contact
                .articles
                .iter()
                .map(|a| (a.0.clone(), a.2))
                .collect();
            let t = SourceProvisionalEnded {
                zh,
                outlet,
                id,
                withdrawn,
                reason,
                targets: &targets,
            };
            (
                NoticeKind::ProvisionalEnded,
                subject("暂时删除已结束", "Provisional removal ended"),
                render_email(t)?,
            )
        }
    })
}
