//! What the services that change articles and send notices need to know about the site.

use crate::config::Config;
use crate::domain::validate::EmailAddress;

#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    pub public_base_url: &'a str,
    pub webhook_url: Option<&'a str>,
    pub staff_notify: &'a [EmailAddress],
    /// Told of every missed deadline, and of how a provisional removal ended.
    pub escalation_to: &'a [EmailAddress],
    pub appeal_window: std::time::Duration,
}

impl<'a> Site<'a> {
    pub fn of(config: &'a Config) -> Self {
        Self {
            public_base_url: &config.public_base_url,
            webhook_url: config.cms_webhook_url.as_deref(),
            staff_notify: &config.staff_notify,
            escalation_to: &config.escalation_to,
            appeal_window: config.appeal_window,
        }
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

    /// Who hears of a complaint's news: its assigned reviewer, or else the desk.
    pub fn reviewer_or_desk(&self, assigned: Option<&str>) -> Vec<EmailAddress> {
        match assigned.and_then(|r| EmailAddress::parse(r).ok()) {
            Some(r) => vec![r],
            None => self.staff_notify.to_vec(),
        }
    }
}
