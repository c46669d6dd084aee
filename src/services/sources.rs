//! Telling a source's rights contact what happened to the articles we republished from
//! it: the provisional removal at a missed deadline, the removal when a complaint is
//! upheld, and how a provisional removal ended. One email per contact, in the source's
//! language (an outlet whose name or article is in Chinese hears in Chinese).

use std::collections::BTreeMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
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
) -> Result<(), DbErr> {
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
) -> Result<(), DbErr> {
    let zh = contact.language == Language::Zh;
    let outlet = if contact.outlet.is_empty() {
        "takedown"
    } else {
        &contact.outlet
    };
    let (kind, subject, body) = match news {
        News::Provisional => {
            let urls: Vec<String> = contact.articles.iter().map(|a| a.0.clone()).collect();
            (
                NoticeKind::ProvisionalRemovalSource,
                if zh {
                    format!(
                        "转载内容已暂时删除 / Republished content removed provisionally: complaint #{}",
                        c.id
                    )
                } else {
                    format!(
                        "Republished content removed provisionally: complaint #{}",
                        c.id
                    )
                },
                render_email(SourceProvisional {
                    zh,
                    outlet,
                    id: c.id,
                    targets: &urls,
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
                if zh {
                    format!(
                        "转载内容已删除 / Republished content removed: complaint #{}",
                        c.id
                    )
                } else {
                    format!("Republished content removed: complaint #{}", c.id)
                },
                render_email(SourceRemoval {
                    zh,
                    outlet,
                    id: c.id,
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
            (
                NoticeKind::ProvisionalEnded,
                if zh {
                    format!(
                        "暂时删除已结束 / Provisional removal ended: complaint #{}",
                        c.id
                    )
                } else {
                    format!("Provisional removal ended: complaint #{}", c.id)
                },
                render_email(SourceProvisionalEnded {
                    zh,
                    outlet,
                    id: c.id,
                    withdrawn,
                    reason,
                    targets: &targets,
                })?,
            )
        }
    };
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
