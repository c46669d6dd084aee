//! What the services that change articles and send notices need to know about the site.

use crate::config::Config;
use crate::domain::complaint::Language;
use crate::domain::validate::EmailAddress;
use crate::entities::complaint;
use crate::mail::letter::{Recipient, Signer};
use crate::services::tracking_codes::CodeKey;

#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    pub public_base_url: &'a str,
    pub webhook_url: Option<&'a str>,
    pub staff_notify: &'a [EmailAddress],
    /// Told of every missed deadline, and of how a provisional removal ended.
    pub escalation_to: &'a [EmailAddress],
    pub appeal_window: std::time::Duration,
    /// The language staff and the escalation address are written to.
    pub staff_language: Language,
    /// Opens the tracking codes that claimants' status links carry.
    pub codes: &'a CodeKey,
    /// Signs every email.
    pub signer: Signer<'a>,
}

impl<'a> Site<'a> {
    pub fn of(config: &'a Config, codes: &'a CodeKey) -> Self {
        Self {
            public_base_url: &config.public_base_url,
            webhook_url: config.cms_webhook_url.as_deref(),
            staff_notify: &config.staff_notify,
            escalation_to: &config.escalation_to,
            appeal_window: config.appeal_window,
            staff_language: config.staff_language,
            codes,
            signer: Signer::of(config),
        }
    }

    /// The claimant's status page for complaint `c`.
    pub fn status_url(&self, c: &complaint::Model) -> Result<String, sea_orm::DbErr> {
        let code = self.codes.code_of(c)?;
        Ok(crate::services::complaints::status_url(
            self.public_base_url,
            code.as_str(),
        ))
    }

    /// The public notice for a removed article.
    pub fn removed_url(&self, article_id: i64) -> String {
        format!("{}/removed/{article_id}", self.public_base_url)
    }

    /// The public form on which a removed article's source may contest the removal.
    pub fn counter_notice_url(&self, article_id: i64) -> String {
        format!(
            "{}/counter-notices/new?article={article_id}",
            self.public_base_url
        )
    }

    /// The complaint's page for staff, which staff emails link to.
    pub fn staff_url(&self, complaint_id: i64) -> String {
        format!("{}/staff/complaints/{complaint_id}", self.public_base_url)
    }

    /// The desk (`STAFF_NOTIFY`), in the staff's language.
    pub fn desk(&self) -> Vec<Recipient> {
        Recipient::all(self.staff_notify, self.staff_language)
    }

    /// The escalation address (`ESCALATION_TO`), in the staff's language.
    pub fn escalation(&self) -> Vec<Recipient> {
        Recipient::all(self.escalation_to, self.staff_language)
    }

    /// Who hears of a complaint's news: its assigned reviewer, or else the desk.
    pub fn reviewer_or_desk(&self, assigned: Option<&str>) -> Vec<Recipient> {
        match assigned.and_then(|r| EmailAddress::parse(r).ok()) {
            Some(r) => vec![Recipient::new(r, self.staff_language)],
            None => self.desk(),
        }
    }

    /// The desk and, when one is assigned, the reviewer too.
    pub fn desk_and_reviewer(&self, assigned: Option<&str>) -> Vec<Recipient> {
        let mut to = self.desk();
        if let Some(r) = assigned.and_then(|r| EmailAddress::parse(r).ok()) {
            to.push(Recipient::new(r, self.staff_language));
        }
        to
    }
}

/// The claimant, in the language they filed in; none when their address is erased.
pub fn claimant(c: &complaint::Model) -> Vec<Recipient> {
    EmailAddress::parse(&c.claimant_email)
        .map(|a| Recipient::new(a, c.language))
        .into_iter()
        .collect()
}
