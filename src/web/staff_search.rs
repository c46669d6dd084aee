//! `/staff/search`: every complaint, open or closed, found by code or reference, the
//! claimant, a target, the outlet, status, dates and reviewer; newest first, a page at
//! a time by keyset.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::domain::complaint::ComplaintStatus;
use crate::domain::display_time::display;
use crate::error::{AppError, AppResult};
use crate::services::archive::{self, Cursor, Found, Search};
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::desk::{self, Desk};
use crate::web::i18n::{Texts, texts};
use crate::web::page::render;
use crate::web::staff_auth::{StaffUser, staff_headers};

pub fn routes() -> Router<AppState> {
    Router::new()
        .at("/staff/search", get(search_page))
        .layer(middleware::from_fn(staff_headers))
}

/// The form's fields as typed, each kept to show again.
#[derive(Deserialize, Default, Clone)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    claimant: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    article: String,
    #[serde(default)]
    outlet: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    reviewer: String,
    #[serde(default)]
    after: String,
}

struct Row {
    id: i64,
    received: String,
    status: &'static str,
    decided: Option<String>,
    work_title: String,
    claimant: String,
    reviewer: String,
}

#[derive(Template)]
#[template(path = "pages/staff_search.html")]
struct SearchPage<'a> {
    t: &'a Texts,
    tr: Desk,
    f: &'a SearchQuery,
    errors: Problems,
    active: Vec<String>,
    statuses: Vec<(&'static str, &'static str)>,
    outlets: Vec<String>,
    rows: Vec<Row>,
    searched: bool,
    next: Option<String>,
    first: Option<String>,
    zone: String,
}

impl SearchPage<'_> {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// Text the search should use: trimmed, and none when blank.
fn given(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.chars().take(200).collect())
}

fn day(s: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &format)
        .ok()
        .map(|d| d.midnight().assume_utc())
}

/// Each field's problem: the field, and what to write instead.
type Problems = Vec<(&'static str, String)>;

/// The search the query asks for, or each field's problem.
fn parse(f: &SearchQuery, tr: &Desk) -> Result<(Search, Option<Cursor>), Problems> {
    let mut errors = Vec::new();
    let mut s = Search {
        code_or_ref: given(&f.q),
        claimant: given(&f.claimant),
        url: given(&f.url),
        outlet: given(&f.outlet),
        reviewer: given(&f.reviewer),
        ..Search::default()
    };
    if let Some(a) = given(&f.article) {
        match a.trim_start_matches('#').parse::<i64>() {
            Ok(n) if n > 0 => s.article = Some(n),
            _ => errors.push((
                "article",
                tr.s("An article id is a whole number, such as 12.").into(),
            )),
        }
    }
    if let Some(st) = given(&f.status) {
        match ComplaintStatus::parse(&st) {
            Some(st) => s.status = Some(st),
            None => errors.push(("status", tr.s("Choose a status from the list.").into())),
        }
    }
    if let Some(d) = given(&f.from) {
        match day(&d) {
            Some(t) => s.from = Some(t),
            None => errors.push((
                "from",
                tr.s("Write the first day as YYYY-MM-DD, such as 2026-11-01.")
                    .into(),
            )),
        }
    }
    if let Some(d) = given(&f.to) {
        match day(&d) {
            Some(t) => s.until = Some(t + time::Duration::DAY),
            None => errors.push((
                "to",
                tr.s("Write the last day as YYYY-MM-DD, such as 2026-11-30.")
                    .into(),
            )),
        }
    }
    if let (Some(a), Some(b)) = (s.from, s.until)
        && a >= b
    {
        errors.push((
            "to",
            tr.s("The last day must not come before the first.").into(),
        ));
    }
    let after = match given(&f.after) {
        Some(a) => match Cursor::parse(&a) {
            Some(c) => Some(c),
            None => {
                errors.push((
                    "after",
                    tr.s("This page link is not one we made; start from the first page.")
                        .into(),
                ));
                None
            }
        },
        None => None,
    };
    if errors.is_empty() {
        Ok((s, after))
    } else {
        Err(errors)
    }
}

impl SearchQuery {
    /// Each filter: its parameter, how the page names it, and its value as typed.
    fn filters(&self, tr: &Desk) -> [(&'static str, &'static str, &str); 9] {
        [
            ("q", tr.s("Code or reference"), &self.q),
            ("claimant", tr.s("Claimant contains"), &self.claimant),
            ("url", tr.s("Target URL contains"), &self.url),
            ("article", tr.s("Article"), &self.article),
            ("outlet", tr.s("Outlet contains"), &self.outlet),
            ("status", tr.s("Status"), &self.status),
            ("from", tr.s("Received from"), &self.from),
            ("to", tr.s("Received up to"), &self.to),
            ("reviewer", tr.s("Reviewer"), &self.reviewer),
        ]
    }
}

/// The filters in force, as sentences.
fn active(f: &SearchQuery, tr: &Desk) -> Vec<String> {
    f.filters(tr)
        .into_iter()
        .filter_map(|(_, label, v)| given(v).map(|v| format!("{label} “{v}”")))
        .collect()
}

/// This search's link, starting after `after` (none: the first page).
fn link(f: &SearchQuery, after: Option<Cursor>) -> String {
    let mut u = url::form_urlencoded::Serializer::new(String::new());
    for (k, _, v) in f.filters(&desk::current()) {
        if !v.trim().is_empty() {
            u.append_pair(k, v.trim());
        }
    }
    if let Some(a) = after {
        u.append_pair("after", &a.to_param());
    }
    format!("/staff/search?{}", u.finish())
}

fn row(c: Found, names: &HashMap<String, String>, tr: &Desk) -> Row {
    let decided_by = c
        .decided_by
        .as_ref()
        .map(|a| names.get(a).unwrap_or(a).clone());
    Row {
        id: c.id,
        received: display(c.received_at),
        status: tr.status(&c.status),
        decided: c.decided_at.map(display),
        work_title: c.work_title,
        claimant: match c.claimant_organisation {
            Some(o) if !o.is_empty() => format!("{} ({o})", c.claimant_name),
            _ => c.claimant_name,
        },
        reviewer: match (decided_by, c.assigned_reviewer) {
            (Some(d), _) => tr.f("decided by {}", d),
            (None, Some(a)) => a,
            (None, None) => "—".into(),
        },
    }
}

async fn search_page(
    State(state): State<AppState>,
    _user: StaffUser,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> AppResult<Response> {
    let Query(f) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let tr = desk::current();
    let statuses = ComplaintStatus::ALL
        .iter()
        .map(|s| (s.as_str(), tr.status(s.as_str())))
        .collect();
    let outlets = archive::known_outlets(&state.db).await?;
    let mut page = SearchPage {
        t: texts(tr.lang),
        tr: tr.clone(),
        f: &f,
        errors: Vec::new(),
        active: active(&f, &tr),
        statuses,
        outlets,
        rows: Vec::new(),
        searched: false,
        next: None,
        first: None,
        zone: crate::domain::display_time::zone().to_string(),
    };
    let (search, after) = match parse(&f, &tr) {
        Ok(parsed) => parsed,
        Err(errors) => {
            page.errors = errors;
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    // Nothing asked: the newest complaints, so the archive is one click away.
    let (found, next) = archive::search(&state.db, &search, after).await?;
    let names = archive::staff_names(&state.db).await?;
    page.searched = !search.is_empty();
    page.rows = found.into_iter().map(|c| row(c, &names, &tr)).collect();
    page.next = next.map(|n| link(&f, Some(n)));
    page.first = after.map(|_| link(&f, None));
    Ok(render(StatusCode::OK, &page))
}
