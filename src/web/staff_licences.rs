//! For staff: every licence with its coverage, revisions, document and end; one
//! licence with the articles it covers; and the articles by compliance problem, with a
//! CSV export.

use askama::Template;
use axum::Router;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::domain::display_time::{display, zone};
use crate::domain::validate::parse_timestamp;
use crate::error::{AppError, AppResult};
use crate::services::compliance::{self, Filter, Problem};
use crate::services::licences::{self, LicenceRecordView, path_segment};
use crate::services::report::csv_field;
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::desk::{self, Desk};
use crate::web::i18n::{Texts, texts};
use crate::web::page::render;
use crate::web::staff_auth::{StaffUser, staff_headers};

/// Articles a page lists; the CSV has them all.
const PAGE_ROWS: u64 = 500;

pub fn routes() -> Router<AppState> {
    Router::new()
        .at("/staff/licences", get(list))
        .at("/staff/licences/{reference}", get(one))
        .at("/staff/licences/{reference}/document", get(document))
        .at("/staff/compliance", get(compliance_page))
        .layer(middleware::from_fn(staff_headers))
}

fn when(s: &Option<String>) -> String {
    s.as_deref()
        .and_then(|t| parse_timestamp(t).ok())
        .map(display)
        .unwrap_or_default()
}

/// A licence on the list.
struct LicenceRow {
    reference: String,
    href: String,
    licensor: String,
    covers: String,
    starts: String,
    ends: String,
    state: String,
    document: Option<String>,
    revisions: usize,
    /// (verdict, count) of the articles under it.
    articles: Vec<(String, i64)>,
}

#[derive(Template)]
#[template(path = "pages/staff_licences.html")]
struct ListPage<'a> {
    t: &'a Texts,
    tr: Desk,
    zone: String,
    rows: Vec<LicenceRow>,
}

fn covers(v: &LicenceRecordView) -> String {
    v.current
        .covers
        .outlets
        .iter()
        .chain(&v.current.covers.source_hosts)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

async fn list(State(state): State<AppState>, _user: StaffUser) -> AppResult<Response> {
    let now = OffsetDateTime::now_utc();
    let all = licences::list(&state.db, now).await?;
    let counts = compliance::by_verdict_under(&state.db).await?;
    let rows = all
        .iter()
        .map(|v| LicenceRow {
            reference: v.reference.clone(),
            href: format!("/staff/licences/{}", path_segment(&v.reference)),
            licensor: v.current.licensor.clone(),
            covers: covers(v),
            starts: when(&v.current.starts_at),
            ends: when(&v.current.ends_at),
            state: v.state.clone(),
            document: v.document.as_ref().map(|d| d.sha256.clone()),
            revisions: v.revisions.len(),
            articles: counts
                .iter()
                .filter(|(r, _, _)| *r == v.reference)
                .map(|(_, verdict, n)| (verdict.clone().unwrap_or_default(), *n))
                .collect(),
        })
        .collect();
    let tr = desk::current();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            t: texts(tr.lang),
            tr,
            zone: zone().to_string(),
            rows,
        },
    ))
}

struct RevisionRow {
    revision: i32,
    saved: String,
    by: String,
    licensor: String,
    covers: String,
    period: String,
    rights: String,
    attribution_required: bool,
    edits_allowed: bool,
}

/// One article under a licence.
struct ArticleRow {
    id: i64,
    url: String,
    title: String,
    status: String,
    licence: String,
    republished: String,
    problems: Vec<&'static str>,
}

fn problems_of(r: &crate::entities::article_revision::Model) -> Vec<&'static str> {
    let mut out = Vec::new();
    if let Some(v) = r
        .compliance_licence
        .as_deref()
        .and_then(crate::domain::licence::LicenceVerdict::parse)
        .filter(|v| !v.is_valid())
    {
        out.push(Problem::Licence(v).as_str());
    }
    if r.compliance_altered == Some(true) {
        out.push(Problem::Altered.as_str());
    }
    if r.compliance_title_changed == Some(true) {
        out.push(Problem::TitleChanged.as_str());
    }
    if r.compliance_attribution.as_deref() == Some("missing") {
        out.push(Problem::AttributionMissing.as_str());
    }
    out
}

fn article_rows(rows: Vec<compliance::Row>) -> Vec<ArticleRow> {
    rows.into_iter()
        .map(|r| ArticleRow {
            id: r.article.id,
            url: r.article.url.clone(),
            problems: problems_of(&r.revision),
            title: r.revision.title,
            status: r.article.status.as_str().to_string(),
            licence: r.revision.compliance_licence.unwrap_or_default(),
            republished: display(r.revision.republished_at),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "pages/staff_licence.html")]
struct OnePage<'a> {
    t: &'a Texts,
    tr: Desk,
    zone: String,
    l: LicenceRow,
    contact: Option<String>,
    document: Option<crate::services::licences::DocumentView>,
    revisions: Vec<RevisionRow>,
    steps: Vec<(String, String, String, String)>,
    articles: Vec<ArticleRow>,
    total: u64,
}

async fn one(
    State(state): State<AppState>,
    _user: StaffUser,
    reference: Result<Path<String>, PathRejection>,
) -> AppResult<Response> {
    let Path(reference) = reference.map_err(|_| AppError::NotFound)?;
    let now = OffsetDateTime::now_utc();
    let v = licences::get(&state.db, &reference, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let (rows, total) = licences::articles_under(&state.db, &reference, PAGE_ROWS).await?;
    let steps = licences::steps_of(&state.db, &reference)
        .await?
        .into_iter()
        .map(|s| {
            (
                s.occasion.split('@').next().unwrap_or_default().to_string(),
                display(s.due_at),
                format!("{:?}", s.state).to_lowercase(),
                s.note.unwrap_or_default(),
            )
        })
        .collect();
    let revisions = v
        .revisions
        .iter()
        .rev()
        .map(|r| RevisionRow {
            revision: r.revision,
            saved: when(&Some(r.saved_at.clone())),
            by: r.saved_by.clone(),
            licensor: r.licensor.clone(),
            covers: r
                .covers
                .outlets
                .iter()
                .chain(&r.covers.source_hosts)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            period: format!("{} – {}", when(&r.starts_at), when(&r.ends_at)),
            rights: r.rights.join(", "),
            attribution_required: r.attribution_required,
            edits_allowed: r.edits_allowed,
        })
        .collect();
    let tr = desk::current();
    let page = OnePage {
        t: texts(tr.lang),
        tr,
        zone: zone().to_string(),
        contact: v.current.licensor_contact.clone(),
        document: v.document.clone(),
        l: LicenceRow {
            reference: v.reference.clone(),
            href: format!("/staff/licences/{}", path_segment(&v.reference)),
            licensor: v.current.licensor.clone(),
            covers: covers(&v),
            starts: when(&v.current.starts_at),
            ends: when(&v.current.ends_at),
            state: v.state.clone(),
            document: None,
            revisions: v.revisions.len(),
            articles: Vec::new(),
        },
        revisions,
        steps,
        articles: article_rows(rows),
        total,
    };
    Ok(render(StatusCode::OK, &page))
}

async fn document(
    State(state): State<AppState>,
    _user: StaffUser,
    reference: Result<Path<String>, PathRejection>,
) -> AppResult<Response> {
    let Path(reference) = reference.map_err(|_| AppError::NotFound)?;
    let v = licences::get(&state.db, &reference, OffsetDateTime::now_utc())
        .await?
        .and_then(|v| v.document)
        .ok_or(AppError::NotFound)?;
    let name = v
        .file_name
        .clone()
        .unwrap_or_else(|| format!("licence-{reference}"));
    crate::web::stored_file::serve(
        &state.config.data_dir,
        Some(&v.sha256),
        v.content_type.as_deref(),
        &name,
    )
    .await
}

#[derive(Deserialize, Default)]
struct CompliancePageQuery {
    #[serde(default)]
    problem: String,
    #[serde(default)]
    outlet: String,
    #[serde(default)]
    licence: String,
    #[serde(default)]
    format: String,
}

#[derive(Template)]
#[template(path = "pages/staff_compliance.html")]
struct CompliancePage<'a> {
    t: &'a Texts,
    tr: Desk,
    zone: String,
    problem: String,
    outlet: String,
    licence: String,
    counts: Vec<(&'static str, u64)>,
    rows: Vec<ArticleRow>,
    total: u64,
    csv_href: String,
}

fn query_string(problem: &str, outlet: &str, licence: &str) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("problem", problem),
        ("outlet", outlet),
        ("licence", licence),
    ] {
        if !v.is_empty() {
            parts.push(format!("{k}={}", path_segment(v)));
        }
    }
    parts.join("&")
}

async fn compliance_page(
    State(state): State<AppState>,
    _user: StaffUser,
    query: Result<Query<CompliancePageQuery>, QueryRejection>,
) -> AppResult<Response> {
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let problem = match q.problem.trim() {
        "" => None,
        p => Some(Problem::parse(p).ok_or_else(|| {
            let names: Vec<&str> = Problem::ALL.iter().map(|p| p.as_str()).collect();
            AppError::field("problem", format!("must be one of {}", names.join(", ")))
        })?),
    };
    let filter = Filter {
        problem,
        outlet: Some(q.outlet.trim().to_string()).filter(|s| !s.is_empty()),
        licence: Some(q.licence.trim().to_string()).filter(|s| !s.is_empty()),
        everything: false,
    };
    let csv = match q.format.as_str() {
        "" | "html" => false,
        "csv" => true,
        _ => return Err(AppError::field("format", "must be html or csv")),
    };
    if csv {
        let (rows, _) = compliance::list(&state.db, &filter, u64::MAX >> 1).await?;
        return Ok(csv_response(article_rows(rows)));
    }
    let (rows, total) = compliance::list(&state.db, &filter, PAGE_ROWS).await?;
    let counts = compliance::counts(
        &state.db,
        &Filter {
            problem: None,
            ..filter.clone()
        },
    )
    .await?
    .into_iter()
    .map(|(p, n)| (p.as_str(), n))
    .collect();
    let tr = desk::current();
    let problem = problem.map(|p| p.as_str().to_string()).unwrap_or_default();
    let qs = query_string(&problem, q.outlet.trim(), q.licence.trim());
    let page = CompliancePage {
        t: texts(tr.lang),
        tr,
        zone: zone().to_string(),
        csv_href: format!(
            "/staff/compliance?{}{}format=csv",
            qs,
            if qs.is_empty() { "" } else { "&" }
        ),
        problem,
        outlet: q.outlet.trim().to_string(),
        licence: q.licence.trim().to_string(),
        counts,
        rows: article_rows(rows),
        total,
    };
    Ok(render(StatusCode::OK, &page))
}

fn csv_response(rows: Vec<ArticleRow>) -> Response {
    let mut out =
        String::from("\u{feff}article_id,url,title,status,licence,republished_at,problems\n");
    for r in rows {
        let fields = [
            r.id.to_string(),
            r.url,
            r.title,
            r.status,
            r.licence,
            r.republished,
            r.problems.join(";"),
        ];
        out.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push('\n');
    }
    let mut resp = out.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"takedown-compliance.csv\""),
    );
    resp
}
