//! One complaint as a reviewer sees it: the evidence side by side, the provenance of
//! each target, the timeline and the emails; and the actions taken from it (decide,
//! record legal action), plus evidence downloads for staff only.

use askama::Template;
use axum::body::Body;
use axum::extract::Query;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::domain::complaint::{ComplaintStatus, Language};
use crate::domain::deadline::is_overdue;
use crate::domain::display_time::{display, span_words, time_left_words, zone};
use crate::entities::{complaint, complaint_evidence, counter_notice};
use crate::error::{AppError, AppResult};
use crate::services::counter_notices::{self};
use crate::services::dossier::{self, Dossier};
use crate::services::staff::Role;
use crate::services::{evidence, info_requests::MAX_TEXT_CHARS};
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::i18n::{Texts, texts};
use crate::web::page::render;
use crate::web::staff_auth::{StaffUser, staff_headers};
use takedown_text::passages::{Segment, side_by_side};

pub fn routes() -> Router<AppState> {
    Router::new()
        .at("/staff/complaints/{id}", get(page))
        .at("/staff/complaints/{id}/evidence/{eid}", get(download))
        .at("/staff/complaints/{id}/legal-action", post(legal_action))
        .layer(middleware::from_fn(staff_headers))
}

struct Provenance {
    outlet: String,
    source_url: String,
    author: Option<String>,
    licence: String,
    expires: Option<String>,
    expired_at_republication: bool,
    /// Whatever held when we republished: the licence has run out since.
    expired_now: bool,
    editor: String,
    republished: String,
    raw_sha256: String,
    content_sha256: String,
    source_sha256: Option<String>,
}

struct TargetView {
    url: String,
    status: Option<String>,
    provenance: Option<Provenance>,
    /// (revision, republished, editor), newest first.
    revisions: Vec<(i32, String, String)>,
    containment: Option<String>,
    identical: bool,
    shared: usize,
    show_passages: bool,
    claim: Vec<Segment>,
    ours: Vec<Segment>,
}

struct EmailRow {
    id: i64,
    kind: String,
    to: String,
    subject: String,
    state: String,
}

#[derive(Template)]
#[template(path = "pages/staff_complaint.html")]
struct ComplaintPage<'a> {
    t: &'a Texts,
    me: &'a str,
    role: &'a str,
    csrf: &'a str,
    zone: String,
    c: &'a complaint::Model,
    /// Open, and this reviewer may decide it; else `why_not` says why.
    may_decide: bool,
    why_not: Option<String>,
    /// What was just done, after a decision's redirect.
    done: Option<&'static str>,
    appeal: bool,
    overdue: bool,
    can_claim: bool,
    can_record_legal_action: bool,
    received: String,
    /// `SEQ:HASH` of the audit event recording the receipt.
    receipt_event: Option<String>,
    deadline: String,
    time_left: String,
    decided: Option<String>,
    targets: Vec<TargetView>,
    other_matches: Vec<(i64, String)>,
    evidence: &'a [complaint_evidence::Model],
    /// Each with its restoration time as shown.
    counter_notices: Vec<(counter_notice::Model, String)>,
    emails: Vec<EmailRow>,
    pauses: Vec<PauseRow>,
    timeline: Vec<crate::web::timeline::Entry>,
    /// Who decided, by address.
    decided_by: Option<String>,
}

/// One pause of a round's clock, as the page shows it.
struct PauseRow {
    round: i32,
    request: i32,
    paused: String,
    /// When it ended and how, or that it is under way.
    ended: String,
    length: String,
}

fn pause_rows(d: &Dossier, now: OffsetDateTime) -> Vec<PauseRow> {
    d.pauses
        .iter()
        .map(|p| {
            let until = p.resumed_at.unwrap_or(now);
            PauseRow {
                round: p.round,
                request: p.request,
                paused: display(p.paused_at),
                ended: match (p.resumed_at, p.outcome.as_deref()) {
                    (Some(at), how) => format!("{} ({})", display(at), how.unwrap_or("ended")),
                    (None, _) => "still paused".into(),
                },
                length: span_words((until - p.paused_at).whole_seconds().unsigned_abs()),
            }
        })
        .collect()
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn email_state(e: &crate::entities::outbox::Model) -> String {
    if let Some(at) = e.sent_at {
        format!("sent {}", display(at))
    } else if let Some(at) = e.failed_at {
        format!(
            "FAILED {} after {} attempts: {}",
            display(at),
            e.attempts,
            e.last_error.as_deref().unwrap_or("")
        )
    } else if e.attempts > 0 {
        format!(
            "retrying (attempt {}; next {}): {}",
            e.attempts,
            display(e.next_attempt_at),
            e.last_error.as_deref().unwrap_or("")
        )
    } else {
        "queued".into()
    }
}

fn targets(d: &Dossier) -> Vec<TargetView> {
    let claim_text = d.complaint.work_original_text.as_deref().unwrap_or("");
    d.targets
        .iter()
        .map(|t| {
            let current = t.revisions.first();
            let provenance = current.map(|r| Provenance {
                outlet: r.source_outlet.clone(),
                source_url: r.source_url.clone(),
                author: r.source_author.clone(),
                licence: r.licence_reference.clone(),
                expires: r.licence_expires_at.map(display),
                expired_at_republication: r
                    .licence_expires_at
                    .is_some_and(|e| e < r.republished_at),
                expired_now: r
                    .licence_expires_at
                    .is_some_and(|e| e < time::OffsetDateTime::now_utc()),
                editor: r.editor.clone(),
                republished: display(r.republished_at),
                raw_sha256: r.raw_sha256.clone(),
                content_sha256: r.content_sha256.clone(),
                source_sha256: r.source_sha256.clone(),
            });
            let (claim, ours, shared) = match current {
                Some(r) if !claim_text.is_empty() => side_by_side(claim_text, &r.body),
                _ => (Vec::new(), Vec::new(), 0),
            };
            TargetView {
                url: t.url.clone(),
                status: t.article.as_ref().map(|a| a.status.as_str().to_string()),
                provenance,
                revisions: t
                    .revisions
                    .iter()
                    .map(|r| (r.revision, display(r.republished_at), r.editor.clone()))
                    .collect(),
                containment: t.matched.as_ref().map(|m| percent(m.containment)),
                identical: t.matched.as_ref().is_some_and(|m| m.identical),
                shared,
                show_passages: !ours.is_empty(),
                claim,
                ours,
            }
        })
        .collect()
}

/// Every email the complaint owes or was sent, with its state.
fn email_rows(d: &Dossier) -> Vec<EmailRow> {
    d.emails
        .iter()
        .map(|e| EmailRow {
            id: e.id,
            kind: e.kind.clone(),
            to: e.recipient.clone(),
            subject: e.subject.clone(),
            state: email_state(e),
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct PageQuery {
    done: Option<String>,
}

/// The success message for the status a decision reached.
fn done_message(status: &str) -> Option<&'static str> {
    Some(match status {
        "upheld" => {
            "Decision recorded: upheld. The targets are down; the claimant and the source are being told."
        }
        "rejected" => {
            "Decision recorded: rejected. The claimant is being told why and how to appeal."
        }
        "needs_info" => "Question sent. The clock is paused until the claimant answers.",
        _ => return None,
    })
}

async fn page(
    State(state): State<AppState>,
    user: StaffUser,
    id: Result<Path<i64>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> AppResult<Response> {
    let done = query
        .ok()
        .and_then(|Query(q)| q.done)
        .and_then(|d| done_message(&d));
    let Path(id) = id.map_err(|_| AppError::NotFound)?;
    let d = dossier::load(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let me = &user.0.member;
    let c = &d.complaint;
    let now = OffsetDateTime::now_utc();
    let open = c.status.is_open();
    let time_left = match (open, c.paused_at) {
        (false, _) => "decided".to_string(),
        (true, Some(p)) => format!("clock paused, {}", time_left_words(c.deadline_at, p)),
        (true, None) => time_left_words(c.deadline_at, now),
    };
    let any_removed = d.targets.iter().any(|t| {
        t.article
            .as_ref()
            .is_some_and(|a| a.status == crate::domain::article::ArticleStatus::Removed)
    });
    // Staff appear in the record by id; the page names them by address.
    let staff = crate::services::archive::staff_names(&state.db).await?;
    let why_not = if !open {
        None
    } else if crate::services::review_queue::decided_first_by(c, me) {
        Some("This is an appeal of your own decision: another reviewer must decide it.".to_string())
    } else {
        crate::services::review_queue::claimed_by_other(c, me)
            .filter(|_| me.role != Role::Admin)
            .map(|a| {
                format!("{a} has claimed this complaint: only they, or an admin, may decide it.")
            })
    };
    let body = ComplaintPage {
        may_decide: open && why_not.is_none(),
        why_not,
        done,
        t: texts(Language::En),
        me: &me.email,
        role: me.role.as_str(),
        csrf: &user.0.csrf_token,
        zone: zone().to_string(),
        c,
        appeal: c.appealed_at.is_some(),
        overdue: is_overdue(open, c.overdue, c.deadline_at, c.paused_at, now),
        can_claim: open
            && (c.assigned_reviewer.is_none() || me.role == Role::Admin)
            && c.assigned_reviewer.as_deref() != Some(me.email.as_str()),
        can_record_legal_action: c.legal_action_at.is_none()
            && (any_removed || !d.counter_notices.is_empty()),
        received: display(c.received_at),
        receipt_event: d
            .timeline
            .iter()
            .find(|e| {
                e.action == "complaint.received" && e.subject == format!("complaint:{}", c.id)
            })
            .map(|e| format!("{}:{}", e.seq, e.hash)),
        deadline: display(c.deadline_at),
        time_left,
        decided: c.decided_at.map(display),
        targets: targets(&d),
        other_matches: d
            .other_matches
            .iter()
            .map(|m| (m.article_id, percent(m.containment)))
            .collect(),
        evidence: &d.evidence,
        counter_notices: d
            .counter_notices
            .iter()
            .map(|n| (n.clone(), display(n.restore_at)))
            .collect(),
        emails: email_rows(&d),
        pauses: pause_rows(&d, now),
        timeline: crate::web::timeline::entries(&d.timeline, &staff),
        decided_by: c
            .decided_by
            .as_ref()
            .map(|a| staff.get(a).unwrap_or(a).clone()),
    };
    Ok(render(StatusCode::OK, &body))
}

/// An evidence file, for staff only: always an attachment, never sniffed, never cached.
async fn download(
    State(state): State<AppState>,
    _user: StaffUser,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> AppResult<Response> {
    let Path((id, eid)) = ids.map_err(|_| AppError::NotFound)?;
    let e = dossier::evidence_file(&state.db, id, eid)
        .await?
        .ok_or(AppError::NotFound)?;
    let path = e
        .sha256
        .as_deref()
        .and_then(|h| evidence::stored_path(&state.config.data_dir, h))
        .ok_or(AppError::NotFound)?;
    let bytes = tokio::fs::read(&path).await.map_err(|err| {
        if err.kind() == std::io::ErrorKind::NotFound {
            AppError::NotFound
        } else {
            AppError::Internal(anyhow::Error::new(err))
        }
    })?;
    // Only the types intake accepts; anything else goes out as opaque bytes.
    let content_type = match e.content_type.as_deref() {
        Some(t @ ("application/pdf" | "image/png" | "image/jpeg")) => t.to_string(),
        Some("text/plain") => "text/plain; charset=utf-8".into(),
        _ => "application/octet-stream".into(),
    };
    let name = e
        .file_name
        .clone()
        .unwrap_or_else(|| format!("evidence-{eid}"));
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        rfc5987(&name)
    );
    let mut resp = Response::new(Body::from(bytes));
    let h = resp.headers_mut();
    for (k, v) in [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_DISPOSITION, disposition),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        (header::CACHE_CONTROL, "no-store".into()),
        (
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'".into(),
        ),
    ] {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    }
    Ok(resp)
}

/// A file name for `filename*=UTF-8''…` (RFC 5987): every byte outside attr-char
/// percent-encoded.
fn rfc5987(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[derive(Deserialize)]
struct LegalActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

async fn legal_action(
    State(state): State<AppState>,
    user: StaffUser,
    id: Result<Path<i64>, PathRejection>,
    Form(f): Form<LegalActionForm>,
) -> AppResult<Response> {
    user.check_csrf(&f.csrf)?;
    let Path(id) = id.map_err(|_| AppError::NotFound)?;
    let note = f.note.trim();
    if note.is_empty() || note.chars().count() > MAX_TEXT_CHARS || note.contains('\0') {
        return Err(AppError::field(
            "note",
            format!("is required: the court, case and date, at most {MAX_TEXT_CHARS} characters"),
        ));
    }
    let actor = format!("staff:{}", user.0.member.id);
    counter_notices::record_legal_action(
        &state.db,
        &state.site(),
        id,
        note,
        &actor,
        OffsetDateTime::now_utc(),
    )
    .await?;
    Ok(Redirect::to(&format!("/staff/complaints/{id}")).into_response())
}
