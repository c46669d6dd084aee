//! Which hosts are this site's own. Complaints may only name pages here as infringing,
//! so the form cannot be used to send notices about (or mail to do with) anyone else's
//! site. `SITE_HOSTS` lists them; when it is unset, any host of a recorded article is
//! ours.

use crate::services::error::ServiceResult;
use std::collections::HashSet;
use std::sync::RwLock;

use sea_orm::ConnectionTrait;

use crate::db::stmt;
use crate::domain::validate::HttpUrl;

pub struct SiteHosts {
    configured: Option<Vec<String>>,
    /// Hosts already found among recorded articles.
    seen: RwLock<HashSet<String>>,
}

impl SiteHosts {
    pub fn new(configured: Option<Vec<String>>) -> Self {
        Self {
            configured: configured
                .map(|hosts| hosts.into_iter().map(|h| h.to_ascii_lowercase()).collect()),
            seen: RwLock::default(),
        }
    }

    /// The configured hosts, for messages; empty when they come from the registry.
    pub fn configured(&self) -> &[String] {
        self.configured.as_deref().unwrap_or_default()
    }

    /// The URLs among `urls` that are not on this site.
    pub async fn foreign<'u>(
        &self,
        db: &impl ConnectionTrait,
        urls: &'u [HttpUrl],
    ) -> ServiceResult<Vec<&'u HttpUrl>> {
        let mut out = Vec::new();
        for u in urls {
            if !self.is_ours(db, &host_of(u)).await? {
                out.push(u);
            }
        }
        Ok(out)
    }

    async fn is_ours(&self, db: &impl ConnectionTrait, host: &str) -> ServiceResult<bool> {
        if host.is_empty() {
            return Ok(false);
        }
        if let Some(hosts) = &self.configured {
            return Ok(hosts.iter().any(|h| h == host));
        }
        if self
            .seen
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains(host)
        {
            return Ok(true);
        }
        // A range on the unique url index: every URL of `scheme://host/…`.
        let range = |scheme: &str| (format!("{scheme}://{host}/"), format!("{scheme}://{host}0"));
        let ((a, b), (c, d)) = (range("https"), range("http"));
        let found = db
            .query_one_raw(stmt(
                db.get_database_backend(),
                "SELECT 1 AS one FROM articles WHERE (url >= ? AND url < ?) OR (url >= ? AND url < ?) LIMIT 1",
                vec![a.into(), b.into(), c.into(), d.into()],
            ))
            .await?
            .is_some();
        if found {
            self.seen
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(host.to_string());
        }
        Ok(found)
    }
}

fn host_of(u: &HttpUrl) -> String {
    url::Url::parse(u.as_str())
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default()
}
