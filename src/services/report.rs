//! The transparency report: for the complaints received in a period, what became of
//! them. Statuses come from the complaint rows; times (decisions, breaches, removals,
//! restorations, appeals) from the audit log, the record that cannot be quietly edited.

use crate::services::error::ServiceResult;
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::Value;
use time::{Date, Duration, OffsetDateTime, Time};

use crate::domain::report::{self, Facts, Figures, Week};
use crate::entities::{article, article_revision, audit_event, complaint, complaint_target};

/// The longest period one report covers.
pub const MAX_DAYS: i64 = 3660;

/// Days `from` to `to`, both included, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    /// Parses `YYYY-MM-DD` bounds; the error names the field at fault.
    pub fn parse(from: &str, to: &str) -> Result<Self, (&'static str, String)> {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let from = Date::parse(from.trim(), &fmt)
            .map_err(|_| ("from", "must be a date, YYYY-MM-DD".to_string()))?;
        let to = Date::parse(to.trim(), &fmt)
            .map_err(|_| ("to", "must be a date, YYYY-MM-DD".to_string()))?;
        Self::new(from, to)
    }

    pub fn new(from: Date, to: Date) -> Result<Self, (&'static str, String)> {
        if to < from {
            return Err(("to", "must not be before from".into()));
        }
        if (to - from).whole_days() >= MAX_DAYS {
            return Err(("to", format!("a report covers at most {MAX_DAYS} days")));
        }
        Ok(Self { from, to })
    }

    /// The 30 days up to and including `today`.
    pub fn last_30_days(today: Date) -> Self {
        Self {
            from: today - Duration::days(29),
            to: today,
        }
    }

    fn start(&self) -> OffsetDateTime {
        self.from.with_time(Time::MIDNIGHT).assume_utc()
    }

    fn end(&self) -> OffsetDateTime {
        (self.to + Duration::days(1))
            .with_time(Time::MIDNIGHT)
            .assume_utc()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OutletFigures {
    pub outlet: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChannelFigures {
    pub channel: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub generated_at: String,
    pub deadline_hours: f64,
    pub totals: Figures,
    pub outlets: Vec<OutletFigures>,
    /// By how complaints arrived: the form, the API, email.
    pub channels: Vec<ChannelFigures>,
    pub weeks: Vec<Week>,
    /// Hours from receipt to first removal, one per complaint with a removal, sorted.
    pub removal_hours: Vec<f64>,
    /// The proactive half: live articles under a valid licence now, and the licences
    /// whose end was handled in the period.
    pub licences: LicenceFigures,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct LicenceFigures {
    /// Published or restored articles, now.
    pub live_articles: i64,
    /// Of those, the ones their licence covers now.
    pub live_covered: i64,
    /// `live_covered / live_articles`; null without live articles.
    pub covered_share: Option<f64>,
    /// Licences that ended in the period and whose end was handled.
    pub expiries_handled: u64,
    /// Articles those ends took down (`ON_LICENCE_EXPIRY=remove`).
    pub articles_taken_down: u64,
}

/// The licence figures: coverage now, ends handled in `period`.
async fn licence_figures(
    db: &impl ConnectionTrait,
    period: Period,
) -> ServiceResult<LicenceFigures> {
    let live = crate::services::compliance::live_by_verdict(db).await?;
    let live_articles: i64 = live.iter().map(|(_, n)| n).sum();
    let live_covered: i64 = live
        .iter()
        .filter(|(v, _)| v.as_deref() == Some("covered"))
        .map(|(_, n)| n)
        .sum();
    let ends = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("licence.expired"))
        .filter(audit_event::Column::OccurredAt.gte(period.start()))
        .filter(audit_event::Column::OccurredAt.lt(period.end()))
        .all(db)
        .await?;
    let articles_taken_down = ends
        .iter()
        .filter_map(|e| serde_json::from_str::<Value>(&e.details).ok())
        .filter_map(|d| d["held"].as_u64())
        .sum();
    Ok(LicenceFigures {
        live_articles,
        live_covered,
        covered_share: (live_articles > 0).then(|| live_covered as f64 / live_articles as f64),
        expiries_handled: ends.len() as u64,
        articles_taken_down,
    })
}

impl Report {
    /// `scope,<columns…>`: one row for all complaints, then one per outlet.
    pub fn csv(&self) -> String {
        let mut out = String::from("scope,");
        out.push_str(&report::CSV_COLUMNS.join(","));
        out.push('\n');
        let mut line = |scope: &str, f: &Figures| {
            out.push_str(&csv_field(scope));
            for v in f.row() {
                out.push(',');
                out.push_str(&v);
            }
            out.push('\n');
        };
        line("all", &self.totals);
        for c in &self.channels {
            line(&format!("channel:{}", c.channel), &c.figures);
        }
        for o in &self.outlets {
            line(&format!("outlet:{}", o.outlet), &o.figures);
        }
        out
    }
}

/// RFC 4180 quoting, and a leading `'` on text a spreadsheet would run as a formula.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

const ACTIONS: [&str; 8] = [
    "complaint.decided",
    "complaint.breached",
    "complaint.appealed",
    "article.removed",
    "article.restored",
    "hold.placed",
    "counter_notice.received",
    "counter_notice.restored",
];

/// IN lists stay well under both backends' bind-parameter limits.
const CHUNK: usize = 1000;

pub async fn build(
    db: &impl ConnectionTrait,
    period: Period,
    deadline: std::time::Duration,
    now: OffsetDateTime,
) -> ServiceResult<Report> {
    let complaints = complaint::Entity::find()
        .filter(complaint::Column::ReceivedAt.gte(period.start()))
        .filter(complaint::Column::ReceivedAt.lt(period.end()))
        .order_by_asc(complaint::Column::Id)
        .all(db)
        .await?;
    let mut facts: HashMap<i64, Facts> = complaints
        .iter()
        .map(|c| {
            (
                c.id,
                Facts {
                    status: c.status.as_str().to_string(),
                    received_at: Some(c.received_at),
                    channel: c.channel.clone(),
                    ..Facts::default()
                },
            )
        })
        .collect();
    let ids: Vec<i64> = complaints.iter().map(|c| c.id).collect();
    outlets(db, &ids, &mut facts).await?;
    events(db, period.start(), &mut facts).await?;

    let mut ordered: Vec<Facts> = Vec::with_capacity(ids.len());
    for id in &ids {
        if let Some(f) = facts.remove(id) {
            ordered.push(f);
        }
    }
    Ok(Report {
        from: period.from.to_string(),
        to: period.to.to_string(),
        generated_at: crate::domain::validate::format_timestamp(
            now.replace_nanosecond(0).unwrap_or(now),
        ),
        deadline_hours: report::hours(Duration::try_from(deadline).unwrap_or(Duration::DAY)),
        totals: Figures::of(&ordered),
        outlets: report::per_outlet(&ordered)
            .into_iter()
            .map(|(outlet, figures)| OutletFigures { outlet, figures })
            .collect(),
        channels: report::per_channel(&ordered, &crate::services::review_queue::CHANNELS)
            .into_iter()
            .map(|(channel, figures)| ChannelFigures { channel, figures })
            .collect(),
        weeks: report::weeks(&ordered, period.from, period.to),
        removal_hours: report::removal_hours(&ordered),
        licences: licence_figures(db, period).await?,
    })
}

/// Each complaint's source outlets, from the current revision of each article it names.
async fn outlets(
    db: &impl ConnectionTrait,
    ids: &[i64],
    facts: &mut HashMap<i64, Facts>,
) -> ServiceResult<()> {
    for chunk in ids.chunks(CHUNK) {
        let targets = complaint_target::Entity::find()
            .filter(complaint_target::Column::ComplaintId.is_in(chunk.iter().copied()))
            .filter(complaint_target::Column::ArticleId.is_not_null())
            .all(db)
            .await?;
        let article_ids: Vec<i64> = targets.iter().filter_map(|t| t.article_id).collect();
        let mut outlet_of: HashMap<i64, String> = HashMap::new();
        for a_chunk in article_ids.chunks(CHUNK) {
            let current: HashMap<i64, i32> = article::Entity::find()
                .filter(article::Column::Id.is_in(a_chunk.iter().copied()))
                .all(db)
                .await?
                .into_iter()
                .map(|a| (a.id, a.current_revision))
                .collect();
            for r in article_revision::Entity::find()
                .filter(article_revision::Column::ArticleId.is_in(a_chunk.iter().copied()))
                .all(db)
                .await?
            {
                if current.get(&r.article_id) == Some(&r.revision) {
                    outlet_of.insert(r.article_id, r.source_outlet);
                }
            }
        }
        for t in targets {
            let outlet = t.article_id.and_then(|a| outlet_of.get(&a));
            if let (Some(f), Some(o)) = (facts.get_mut(&t.complaint_id), outlet) {
                f.outlets.push(o.clone());
            }
        }
    }
    Ok(())
}

/// Decisions, breaches, removals and the rest, read from the audit log in order.
async fn events(
    db: &impl ConnectionTrait,
    since: OffsetDateTime,
    facts: &mut HashMap<i64, Facts>,
) -> ServiceResult<()> {
    let mut first_outcome: HashMap<i64, String> = HashMap::new();
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::OccurredAt.gte(since))
        .filter(audit_event::Column::Action.is_in(ACTIONS))
        .order_by_asc(audit_event::Column::Seq)
        .all(db)
        .await?;
    for e in events {
        let details: Value = serde_json::from_str(&e.details).unwrap_or(Value::Null);
        let complaint_id = e
            .subject
            .strip_prefix("complaint:")
            .and_then(|s| s.parse::<i64>().ok())
            .or_else(|| details["complaint_id"].as_i64());
        let Some(f) = complaint_id.and_then(|id| facts.get_mut(&id).map(|f| (id, f))) else {
            continue;
        };
        let (id, f) = f;
        match e.action.as_str() {
            "complaint.decided" => {
                let outcome = details["outcome"].as_str().unwrap_or_default().to_string();
                if details["appeal"].as_bool() == Some(true) {
                    if first_outcome.get(&id).is_some_and(|o| *o != outcome) {
                        f.reversed = true;
                    }
                } else if f.first_decision_at.is_none() {
                    f.first_decision_at = Some(e.occurred_at);
                    first_outcome.insert(id, outcome);
                }
            }
            // An appeal's breach is not the first deadline's.
            "complaint.breached" if f.first_decision_at.is_none() => f.breached = true,
            "complaint.appealed" => f.appealed = true,
            // Each complaint's own removal is its hold, even on an article already down.
            "hold.placed" => {
                f.first_removal_at.get_or_insert(e.occurred_at);
                if details["kind"].as_str() == Some("provisional") {
                    f.provisional_removals += 1;
                }
            }
            // Before holds, the article's own change was the complaint's removal.
            "article.removed" if details["holds"].as_bool() != Some(true) => {
                f.first_removal_at.get_or_insert(e.occurred_at);
                if details["provisional"].as_bool() == Some(true) {
                    f.provisional_removals += 1;
                }
            }
            "article.restored" => f.restorations += 1,
            "counter_notice.received" => f.counter_notices += 1,
            _ => {}
        }
    }
    Ok(())
}
