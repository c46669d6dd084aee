//! The transparency report: `/staff/report` for staff, `/transparency` for everyone when
//! `PUBLIC_REPORT=true`. `?format=json` and `?format=csv` give the page's own figures.

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::report::{self, Period, Report};
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::desk::{self, Desk};
use crate::web::i18n::{Texts, negotiate, texts};
use crate::web::report_charts;
use crate::web::staff_auth::{StaffUser, staff_headers};

pub fn routes() -> Router<AppState> {
    Router::new()
        .at("/staff/report", get(staff_report))
        .at("/transparency", get(public_report))
        .layer(middleware::from_fn(staff_headers))
}

#[derive(Deserialize, Default)]
struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
    lang: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Html,
    Json,
    Csv,
}

/// The period and format asked for; the last 30 days as a page by default.
fn parse(query: &Result<Query<ReportQuery>, QueryRejection>) -> Result<(Period, Format), AppError> {
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => return Err(AppError::BadRequest(e.body_text())),
    };
    let field = |name: &str, msg: String| {
        let mut errors = FieldErrors::new();
        errors.insert(name.to_string(), msg.into());
        AppError::Validation(errors)
    };
    let format = match q.format.as_deref().unwrap_or("html") {
        "html" => Format::Html,
        "json" => Format::Json,
        "csv" => Format::Csv,
        _ => return Err(field("format", "must be html, json or csv".into())),
    };
    let today = OffsetDateTime::now_utc().date();
    let period = match (q.from.as_deref(), q.to.as_deref()) {
        (None, None) => Period::last_30_days(today),
        (Some(f), Some(t)) => Period::parse(f, t).map_err(|(n, m)| field(n, m))?,
        (Some(_), None) => return Err(field("to", "is required with from".into())),
        (None, Some(_)) => return Err(field("from", "is required with to".into())),
    };
    Ok((period, format))
}

async fn staff_report(
    State(state): State<AppState>,
    _user: StaffUser,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> AppResult<Response> {
    respond(&state, query, "/staff/report", desk::current()).await
}

async fn public_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> AppResult<Response> {
    if !state.config.public_report {
        return Err(AppError::NotFound);
    }
    let asked = query.as_ref().ok().and_then(|Query(q)| q.lang.as_deref());
    let lang = negotiate(asked, &headers);
    // The switch keeps the period, as the staff side's does.
    let switch = desk::with_lang("/transparency", raw.as_deref(), lang.other());
    let tr = Desk::with_switch(lang, switch);
    respond(&state, query, "/transparency", tr).await
}

async fn respond(
    state: &AppState,
    query: Result<Query<ReportQuery>, QueryRejection>,
    path: &'static str,
    tr: Desk,
) -> AppResult<Response> {
    let (period, format) = parse(&query)?;
    let now = OffsetDateTime::now_utc();
    let report = report::build(&state.db, period, state.config.deadline, now).await?;
    Ok(match format {
        Format::Json => axum::Json(report).into_response(),
        Format::Csv => {
            let name = format!(
                "attachment; filename=\"takedown-report-{}-{}.csv\"",
                report.from, report.to
            );
            // A byte-order mark, so Excel on Chinese Windows reads the outlets' names
            // as UTF-8 rather than in the local code page.
            let mut resp = format!("\u{feff}{}", report.csv()).into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(v) = HeaderValue::from_str(&name) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            resp
        }
        Format::Html => {
            Html(page(&report, path, tr).map_err(|e| anyhow::anyhow!(e))?).into_response()
        }
    })
}

/// A share as a percentage, or a dash before there is anything to share.
fn percent(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "–".into())
}

/// Hours to one decimal; under an hour, whole minutes.
fn hours(v: Option<f64>, tr: &Desk) -> String {
    match v {
        None => "–".into(),
        Some(x) if x < 1.0 => tr.f("{} min", (x * 60.0).round() as u64),
        Some(x) => tr.f("{} h", format!("{x:.1}")),
    }
}

#[derive(Template)]
#[template(path = "pages/report.html")]
struct ReportPage<'a> {
    t: &'a Texts,
    tr: &'a Desk,
    r: &'a Report,
    path: &'a str,
    staff: bool,
    generated: String,
    /// The weekly chart as a table: week of, received, upheld.
    week_rows: Vec<(&'a str, u64, u64)>,
    /// The removal chart as a table: the bin's range, and its count.
    removal_rows: Vec<(String, u64)>,
    /// Live articles under a valid licence, as a share.
    covered: String,
    within: String,
    median: String,
    p90: String,
    outlets: Vec<OutletRow<'a>>,
    /// By channel: its name in the page's language, and its figures.
    channels: Vec<OutletRow<'a>>,
    weekly_svg: String,
    removal_svg: String,
}

struct OutletRow<'a> {
    outlet: &'a str,
    f: &'a crate::domain::report::Figures,
    within: String,
    median: String,
}

fn page(r: &Report, path: &str, tr: Desk) -> Result<String, String> {
    let (width, counts) = report_charts::removal_bins(&r.removal_hours, r.deadline_hours);
    let tr = &tr;
    let page = ReportPage {
        t: texts(tr.lang),
        tr,
        r,
        path,
        staff: path.starts_with("/staff"),
        generated: crate::domain::display_time::shown(&r.generated_at),
        week_rows: r
            .weeks
            .iter()
            .map(|w| (w.week_of.as_str(), w.received, w.upheld))
            .collect(),
        removal_rows: counts
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (a, b) = (i as f64 * width, (i + 1) as f64 * width);
                (
                    format!("{} – {}", hours(Some(a), tr), hours(Some(b), tr)),
                    *c,
                )
            })
            .collect(),
        covered: percent(r.licences.covered_share),
        within: percent(r.totals.share_within_deadline),
        median: hours(r.totals.removal_median_hours, tr),
        p90: hours(r.totals.removal_p90_hours, tr),
        outlets: r
            .outlets
            .iter()
            .map(|o| OutletRow {
                outlet: &o.outlet,
                f: &o.figures,
                within: percent(o.figures.share_within_deadline),
                median: hours(o.figures.removal_median_hours, tr),
            })
            .collect(),
        channels: r
            .channels
            .iter()
            .map(|c| OutletRow {
                outlet: match c.channel.as_str() {
                    "form" => tr.s("The complaint form"),
                    "api" => tr.s("The API"),
                    _ => tr.s("Email notices"),
                },
                f: &c.figures,
                within: percent(c.figures.share_within_deadline),
                median: hours(c.figures.removal_median_hours, tr),
            })
            .collect(),
        weekly_svg: report_charts::weekly_volume(&r.weeks, tr)?,
        removal_svg: report_charts::removal_times(&r.removal_hours, r.deadline_hours, tr)?,
    };
    page.render()
        .map(crate::web::page::with_footer)
        .map_err(|e| format!("rendering the report: {e}"))
}
