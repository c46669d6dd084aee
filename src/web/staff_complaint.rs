//! One complaint as a reviewer sees it: the evidence side by side, the provenance of
//! each target, the timeline and the emails; and the actions taken from it (decide,
//! record legal action), plus evidence downloads for staff only.

use askama::Template;

use axum::extract::Query;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::domain::complaint::{ComplaintStatus, Language};
use crate::domain::deadline::is_overdue;
use crate::domain::display_time::{display, zone};
use crate::entities::{complaint, complaint_evidence, counter_notice};
use crate::error::{AppError, AppResult};
use crate::services::counter_notices::{self};
use crate::services::dossier::{self, Dossier};
use crate::services::email_notices::{self, NoticeFields};
use crate::services::error::ServiceError;
use crate::services::staff::Role;
use crate::services::{info_requests::MAX_TEXT_CHARS, notes, reply_templates};
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::decisions::Draft;
use crate::web::desk::{self, Desk};
use crate::web::i18n::{Texts, texts};
use crate::web::page::render;
use crate::web::staff_auth::{StaffUser, staff_headers};
use takedown_text::passages::{Segment, side_by_side};

pub fn routes() -> Router<AppState> {
    Router::new()
        .at("/staff/complaints/{id}", get(page))
        .at("/staff/complaints/{id}/evidence/{eid}", get(download))
        .at("/staff/complaints/{id}/legal-action", post(legal_action))
        .at("/staff/complaints/{id}/notes", post(add_note))
        .at("/staff/complaints/{id}/notice", post(complete_notice))
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
    /// The licence record the article names, when one is on file.
    record: Option<LicenceCard>,
    /// The compliance verdicts: (what, in words, whether it is a problem).
    compliance: Vec<(&'static str, String, bool)>,
}

/// A licence as the complaint page shows it beside a target.
#[derive(Clone)]
struct LicenceCard {
    href: String,
    licensor: String,
    period: String,
    state: &'static str,
    document: Option<String>,
    /// The claimant writes from the licensor's contact address or its domain.
    claimant_is_licensor: bool,
}

/// The licence records the targets name, by reference.
async fn licence_cards(
    state: &AppState,
    d: &Dossier,
    now: OffsetDateTime,
) -> AppResult<std::collections::HashMap<String, LicenceCard>> {
    use crate::services::licences;
    let mut out = std::collections::HashMap::new();
    for r in d.targets.iter().filter_map(|t| t.revisions.first()) {
        if out.contains_key(&r.licence_reference) {
            continue;
        }
        let Some((l, rev)) = licences::current(&state.db, &r.licence_reference).await? else {
            continue;
        };
        let card = LicenceCard {
            href: format!("/staff/licences/{}", licences::path_segment(&l.reference)),
            licensor: rev.licensor.clone(),
            period: format!(
                "{} – {}",
                rev.starts_at.map(display).unwrap_or_default(),
                rev.ends_at.map(display).unwrap_or_default()
            ),
            state: licences::state_at(&rev, now),
            document: l.document_sha256.clone(),
            claimant_is_licensor: crate::domain::licence::is_licensor(
                &d.complaint.claimant_email,
                rev.licensor_contact.as_deref(),
            ),
        };
        out.insert(l.reference.clone(), card);
    }
    Ok(out)
}

/// An article revision's compliance verdicts, as the page lists them.
fn verdicts(r: &crate::entities::article_revision::Model) -> Vec<(&'static str, String, bool)> {
    let mut out = Vec::new();
    if let Some(v) = &r.compliance_licence {
        out.push(("licence", v.clone(), v != "covered"));
    }
    if let Some(a) = r.compliance_altered {
        let shown = r
            .source_containment
            .map(|c| format!("{} ({})", a, percent(c)))
            .unwrap_or_else(|| a.to_string());
        out.push(("altered", shown, a));
    }
    if let Some(t) = r.compliance_title_changed {
        out.push(("title changed", t.to_string(), t));
    }
    if let Some(a) = &r.compliance_attribution {
        out.push(("attribution", a.clone(), a == "missing"));
    }
    out
}

struct TargetView {
    /// Its place in the complaint, and its key in the decision form's errors.
    index: usize,
    field: String,
    url: String,
    /// Recorded in the registry: only such a target can be taken down.
    recorded: bool,
    /// What the last decision did to it.
    outcome: Option<&'static str>,
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

/// A target's outcomes in the decision form, beside "as decided".
const OUTCOME_CHOICES: [(&str, &str); 3] = [
    ("uphold", "uphold: take it down"),
    ("reject", "reject: it stays up"),
    ("not_ours", "not ours: not content we republished"),
];

struct EmailRow {
    id: i64,
    /// When it was queued, as shown.
    when: String,
    kind: String,
    to: String,
    subject: String,
    state: String,
    /// The text as sent; None until then (a queued email still holds the claimant's
    /// secrets, which sending erases).
    body: Option<String>,
}

/// One message of the complaint's thread, in or out, in time order.
enum ThreadRow {
    Out(EmailRow),
    In(LetterRow),
}

/// The emails we sent and the messages we received about it, as one thread: by time,
/// and at one time what came in before what it caused.
fn thread(d: &Dossier, emails: Vec<EmailRow>, letters: Vec<LetterRow>) -> Vec<ThreadRow> {
    let sent: Vec<OffsetDateTime> = d.emails.iter().map(|e| e.created_at).collect();
    let mut rows: Vec<(OffsetDateTime, bool, ThreadRow)> = emails
        .into_iter()
        .zip(sent)
        .map(|(e, at)| (at, true, ThreadRow::Out(e)))
        .chain(letters.into_iter().map(|l| (l.at, false, ThreadRow::In(l))))
        .collect();
    rows.sort_by_key(|(at, out, _)| (*at, *out));
    rows.into_iter().map(|(_, _, r)| r).collect()
}

/// A message sent to us about the complaint by email, as the page shows it.
struct LetterRow {
    /// When it arrived.
    at: OffsetDateTime,
    id: i64,
    /// From the source, with something down: the counter-notice form, prefilled.
    counter: Option<CounterPrefill>,
    when: String,
    from: String,
    subject: String,
    /// Whose it was, and what it did (an answer, or nothing).
    detail: String,
    text: Option<String>,
}

/// What the source's email gives a counter-notice to start from.
struct CounterPrefill {
    name: String,
    email: String,
    statement: String,
}

/// A reviewer's note, as the page shows it.
struct NoteRow {
    who: String,
    when: String,
    body: String,
}

#[derive(Template)]
#[template(path = "pages/staff_complaint.html")]
struct ComplaintPage<'a> {
    t: &'a Texts,
    tr: Desk,
    outcome_choices: Vec<(&'static str, &'static str)>,
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
    /// When the claimant reported legal action, for a reviewer to confirm.
    legal_action_reported_at: Option<String>,
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
    pauses: Vec<PauseRow>,
    timeline: Vec<crate::web::timeline::Entry>,
    /// Who decided, by address.
    decided_by: Option<String>,
    /// The decision form as last sent, with its problems or its preview.
    draft: Draft,
    /// Saved replies for the form's chooser: (id, name, decision).
    replies: Vec<(i64, String, String)>,
    /// The claimant's language, named for the hint beside the reasons.
    claimant_language: &'static str,
    notes: Vec<NoteRow>,
    /// What we sent and received about it, as one thread.
    thread: Vec<ThreadRow>,
    /// Its removed articles (id, URL): what a counter-notice may contest.
    removed: Vec<(i64, String)>,
    note_error: Option<String>,
    /// A refused note's text, to fix and send again.
    draft_note: String,
    /// An admin's choice of reviewer: every active account.
    assignable: Vec<String>,
    /// What the element checker found missing, named in the desk's language.
    missing: Vec<String>,
    /// The bilingual request that asks the claimant to complete the notice, when one
    /// may be sent now.
    ask_complete: Option<String>,
    /// The email the complaint was opened from, while its fields may be filled.
    notice: Option<NoticeView>,
    /// How the claimant's address was confirmed, when not by its link.
    confirmed_by: Option<String>,
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

fn pause_rows(d: &Dossier, now: OffsetDateTime, tr: &Desk) -> Vec<PauseRow> {
    d.pauses
        .iter()
        .map(|p| {
            let until = p.resumed_at.unwrap_or(now);
            PauseRow {
                round: p.round,
                request: p.request,
                paused: display(p.paused_at),
                ended: match (p.resumed_at, p.outcome.as_deref()) {
                    (Some(at), how) => format!("{} ({})", display(at), tr.pause_end(how)),
                    (None, _) => tr.s("still paused").into(),
                },
                length: tr.span((until - p.paused_at).whole_seconds().unsigned_abs()),
            }
        })
        .collect()
}

fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn email_state(e: &crate::entities::outbox::Model, tr: &Desk) -> String {
    let error = e.last_error.as_deref().unwrap_or("");
    // A bounce comes after the relay took it: the email was sent and did not arrive.
    if let Some(at) = e.bounced_at {
        format!("{}: {error}", tr.f("BOUNCED {}", display(at)))
    } else if let Some(at) = e.sent_at {
        tr.f("sent {}", display(at))
    } else if let Some(at) = e.failed_at {
        format!(
            "{}: {error}",
            tr.f2("FAILED {} after {} attempts", display(at), e.attempts)
        )
    } else if e.attempts > 0 {
        format!(
            "{}: {error}",
            tr.f2(
                "retrying (attempt {}; next {})",
                e.attempts,
                display(e.next_attempt_at)
            )
        )
    } else {
        tr.s("queued").into()
    }
}

fn targets(d: &Dossier, cards: &std::collections::HashMap<String, LicenceCard>) -> Vec<TargetView> {
    let claim_text = d.complaint.work_original_text.as_deref().unwrap_or("");
    d.targets
        .iter()
        .enumerate()
        .map(|(index, t)| {
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
                record: cards.get(&r.licence_reference).cloned(),
                compliance: verdicts(r),
            });
            let (claim, ours, shared) = match current {
                Some(r) if !claim_text.is_empty() => side_by_side(claim_text, &r.body),
                _ => (Vec::new(), Vec::new(), 0),
            };
            TargetView {
                index,
                field: format!("targets[{index}]"),
                url: t.url.clone(),
                recorded: t.article.is_some(),
                outcome: t.outcome.map(|o| o.as_str()),
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
fn email_rows(d: &Dossier, tr: &Desk) -> Vec<EmailRow> {
    d.emails
        .iter()
        .map(|e| EmailRow {
            id: e.id,
            when: display(e.created_at),
            kind: e.kind.clone(),
            to: e.recipient.clone(),
            subject: e.subject.clone(),
            state: email_state(e, tr),
            body: e.sent_at.map(|_| e.body_text.clone()),
        })
        .collect()
}

#[derive(Deserialize, Default)]
struct PageQuery {
    done: Option<String>,
    /// A saved reply to start the reasons from.
    reply: Option<String>,
}

/// The success message for the status a decision reached.
fn done_message(status: &str) -> Option<&'static str> {
    let tr = desk::current();
    Some(match status {
        "upheld" => tr.s(
            "Decision recorded: upheld. The targets are down; the claimant and the source are being told.",
        ),
        "rejected" => tr.s(
            "Decision recorded: rejected. The claimant is being told why and how to appeal.",
        ),
        "needs_info" => tr.s("Question sent. The clock is paused until the claimant answers."),
        "noted" => tr.s("Note added. Only staff see it."),
        "notice" => tr.s("The notice's fields were saved."),
        "counter_notice" => tr.s(
            "Counter-notice recorded from the source's email. The claimant is being told.",
        ),
        _ => return None,
    })
}

/// What the page shows beyond the complaint itself.
pub enum Shown {
    /// A plain view: after a redirect, what was done; a saved reply chosen.
    View {
        done: Option<&'static str>,
        reply: Option<i64>,
    },
    /// The decision form sent back, with its problems or its preview.
    Draft(Draft),
    /// A note that was refused, with why.
    Note { body: String, error: String },
    /// The notice's fields as staff filled them, refused with each problem.
    Notice {
        fields: NoticeFields,
        errors: Vec<(String, String)>,
    },
}

/// The email a complaint was opened from, beside the fields staff fill from it.
struct NoticeView {
    from: String,
    subject: String,
    text: String,
    fields: NoticeFields,
    /// Each refused field with its problem, in the desk's language.
    errors: Vec<(String, String)>,
}

impl NoticeView {
    /// The problem with `field`, if it was refused.
    fn e(&self, field: &str) -> &str {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map_or("", |(_, m)| m.as_str())
    }
}

/// The fields as stored, for the form to start from.
fn fields_of(c: &complaint::Model) -> NoticeFields {
    NoticeFields {
        csrf: String::new(),
        name: c.claimant_name.clone(),
        organisation: c.claimant_organisation.clone().unwrap_or_default(),
        phone: c.claimant_phone.clone(),
        address: c.claimant_address.clone(),
        capacity: c.capacity.clone(),
        on_behalf_of: c.on_behalf_of.clone().unwrap_or_default(),
        work_title: c.work_title.clone(),
        work_original_url: c.work_original_url.clone(),
        signature: c.signature.clone(),
        good_faith: c.good_faith.then(|| "on".into()),
        accurate: c.accurate.then(|| "on".into()),
    }
}

async fn page(
    State(state): State<AppState>,
    user: StaffUser,
    id: Result<Path<i64>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> AppResult<Response> {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let Path(id) = id.map_err(|_| AppError::NotFound)?;
    let shown = Shown::View {
        done: q.done.as_deref().and_then(done_message),
        reply: q.reply.and_then(|r| r.parse().ok()),
    };
    show(&state, &user, id, shown, StatusCode::OK).await
}

/// The complaint page, with `shown` on it.
pub async fn show(
    state: &AppState,
    user: &StaffUser,
    id: i64,
    shown: Shown,
    status: StatusCode,
) -> AppResult<Response> {
    let d = dossier::load(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let me = &user.0.member;
    let c = &d.complaint;
    let tr = desk::current();
    let now = OffsetDateTime::now_utc();
    let open = c.status.is_open();
    let time_left = match (open, c.paused_at) {
        (false, _) => tr.s("decided").to_string(),
        (true, Some(p)) => tr.f("clock paused, {}", tr.time_left(c.deadline_at, p)),
        (true, None) => tr.time_left(c.deadline_at, now),
    };
    let cards = licence_cards(state, &d, now).await?;
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
        Some(
            tr.s("This is an appeal of your own decision: another reviewer must decide it.")
                .to_string(),
        )
    } else {
        crate::services::review_queue::claimed_by_other(c, me)
            .filter(|_| me.role != Role::Admin)
            .map(|a| {
                tr.f(
                    "{} has claimed this complaint: only they, or an admin, may decide it.",
                    a,
                )
            })
    };
    let saved = reply_templates::list(&state.db).await?;
    // The complaint's articles that are down: what a counter-notice may contest.
    let removed: Vec<(i64, String)> = d
        .targets
        .iter()
        .filter_map(|t| {
            let a = t.article.as_ref()?;
            (a.status == crate::domain::article::ArticleStatus::Removed)
                .then(|| (a.id, a.url.clone()))
        })
        .collect();
    let letters =
        crate::services::inbound::replies(&state.db, &state.config.data_dir, id)
            .await?
            .into_iter()
            .map(|(m, text)| {
                // The source's answer can become a counter-notice while something is down.
                let counter = (crate::services::inbound::from_source(&m) && !removed.is_empty())
                    .then(|| CounterPrefill {
                        name: crate::services::inbound::sender_name(
                            &state.config.data_dir,
                            &m.raw_sha256,
                        )
                        .unwrap_or_default(),
                        email: m.from_address.clone().unwrap_or_default(),
                        statement: text.clone().unwrap_or_default(),
                    });
                LetterRow {
                    id: m.id,
                    at: m.received_at,
                    when: display(m.received_at),
                    from: m.from_address.unwrap_or_default(),
                    subject: m.subject.unwrap_or_default(),
                    detail: if m.outcome == "new_complaint" {
                        tr.s("The notice that opened this complaint.").to_string()
                    } else {
                        letter_detail(&tr, m.detail.as_deref().unwrap_or(""))
                    },
                    text,
                    counter,
                }
            })
            .collect();
    let missing_keys: Vec<String> = c
        .missing_elements
        .as_deref()
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or_default();
    let (shown, notice_form) = match shown {
        Shown::Notice { fields, errors } => (
            Shown::View {
                done: None,
                reply: None,
            },
            Some((fields, errors)),
        ),
        other => (other, None),
    };
    let notice = match (c.channel.as_str(), open) {
        ("email", true) => {
            crate::services::inbound::notice_of(&state.db, &state.config.data_dir, id)
                .await?
                .map(|(m, text)| {
                    let (fields, errors) = notice_form
                        .clone()
                        .unwrap_or_else(|| (fields_of(c), Vec::new()));
                    NoticeView {
                        from: m.from_address.unwrap_or_default(),
                        subject: m.subject.unwrap_or_default(),
                        text: text.unwrap_or_default(),
                        fields,
                        errors,
                    }
                })
        }
        _ => None,
    };
    let (done, draft, note) = match shown {
        Shown::View { done, reply } => {
            // A saved reply starts the reasons, in the claimant's language.
            let draft = match reply.and_then(|r| saved.iter().find(|t| t.id == r)) {
                Some(t) => Draft {
                    action: t.action.clone(),
                    reason: t.body(c.language).to_string(),
                    ..Draft::default()
                },
                None => Draft::default(),
            };
            (done, draft, None)
        }
        Shown::Draft(d) => (None, d, None),
        Shown::Note { body, error } => (None, Draft::default(), Some((body, error))),
        Shown::Notice { .. } => (None, Draft::default(), None),
    };
    let assignable = if me.role == Role::Admin && open {
        crate::services::staff::active_emails(&state.db).await?
    } else {
        Vec::new()
    };
    let may_decide = open && why_not.is_none();
    let ask_complete =
        (may_decide && !missing_keys.is_empty() && c.status != ComplaintStatus::NeedsInfo)
            .then(|| crate::domain::email_notice::please_complete(&missing_keys, c.language));
    let body = ComplaintPage {
        missing: missing_keys
            .iter()
            .map(|m| crate::domain::email_notice::element_name(m, tr.lang).to_string())
            .collect(),
        ask_complete,
        notice,
        confirmed_by: c
            .confirmed_by
            .as_deref()
            .and_then(|b| b.strip_prefix("dmarc:"))
            .map(str::to_string),
        may_decide,
        why_not,
        done,
        t: texts(tr.lang),
        outcome_choices: OUTCOME_CHOICES
            .iter()
            .map(|(v, label)| (*v, tr.s(label)))
            .collect(),
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
        legal_action_reported_at: c.legal_action_reported_at.map(display),
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
        targets: targets(&d, &cards),
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
        thread: thread(&d, email_rows(&d, &tr), letters),
        pauses: pause_rows(&d, now, &tr),
        timeline: crate::web::timeline::entries(&d.timeline, &staff, &tr),
        decided_by: c
            .decided_by
            .as_ref()
            .map(|a| staff.get(a).unwrap_or(a).clone()),
        replies: saved
            .iter()
            .map(|t| (t.id, t.name.clone(), t.action.clone()))
            .collect(),
        claimant_language: match c.language {
            Language::Zh => tr.s("Chinese (中文)"),
            Language::En => tr.s("English"),
        },
        notes: d
            .notes
            .iter()
            .map(|n| NoteRow {
                who: staff.get(&n.author).unwrap_or(&n.author).clone(),
                when: display(n.created_at),
                body: n.body.clone(),
            })
            .collect(),
        removed,
        note_error: note.as_ref().map(|(_, e)| e.clone()),
        draft_note: note.map(|(b, _)| b).unwrap_or_default(),
        assignable,
        draft,
        tr,
    };
    Ok(render(status, &body))
}

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    body: String,
}

/// A reviewer's internal note: refused beside the field, or added and shown.
async fn add_note(
    State(state): State<AppState>,
    user: StaffUser,
    id: Result<Path<i64>, PathRejection>,
    Form(f): Form<NoteForm>,
) -> AppResult<Response> {
    user.check_csrf(&f.csrf)?;
    let Path(id) = id.map_err(|_| AppError::NotFound)?;
    let now = OffsetDateTime::now_utc();
    match notes::add(&state.db, id, &f.body, &user.0.member, now).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/staff/complaints/{id}?done=noted#notes")).into_response())
        }
        Err(ServiceError::Invalid(e)) => {
            let tr = desk::current();
            let error = match e.get("body") {
                Some(e) if !tr.zh() => e.message.clone(),
                _ => tr
                    .f(
                        "Write the note, in at most {} characters.",
                        notes::MAX_NOTE_CHARS,
                    )
                    .to_string(),
            };
            let shown = Shown::Note {
                body: f.body,
                error,
            };
            show(&state, &user, id, shown, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
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
    let name = e
        .file_name
        .clone()
        .unwrap_or_else(|| format!("evidence-{eid}"));
    crate::web::stored_file::serve(
        &state.config.data_dir,
        e.sha256.as_deref(),
        e.content_type.as_deref(),
        &name,
    )
    .await
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

/// Staff fill the notice's fields from the email beside them: saved, or sent back
/// with each refused field named.
async fn complete_notice(
    State(state): State<AppState>,
    user: StaffUser,
    id: Result<Path<i64>, PathRejection>,
    Form(f): Form<NoticeFields>,
) -> AppResult<Response> {
    let Path(id) = id.map_err(|_| AppError::NotFound)?;
    user.check_csrf(&f.csrf)?;
    let now = OffsetDateTime::now_utc();
    match email_notices::complete(&state.db, id, &f, &user.0.member, now).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/staff/complaints/{id}?done=notice#notice-email"))
                .into_response(),
        ),
        Err(ServiceError::Invalid(e)) => {
            let tr = desk::current();
            let errors = e
                .iter()
                .map(|(field, err)| {
                    (
                        field.clone(),
                        notice_problem(&tr, &err.problem, &err.message),
                    )
                })
                .collect();
            let shown = Shown::Notice { fields: f, errors };
            show(&state, &user, id, shown, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// A refused field's problem as staff read it, chosen by its kind.
fn notice_problem(tr: &Desk, p: &crate::domain::validate::Problem, en: &str) -> String {
    use crate::domain::validate::Problem;
    if !tr.zh() {
        return en.to_string();
    }
    match p {
        Problem::Phone => tr.s("Write a phone number: digits, spaces, + - ( )."),
        Problem::Url => tr.s("Write a web address starting with http:// or https://."),
        Problem::Choice => tr.s("Choose one of the options offered."),
        Problem::TooLong(_) => tr.s("This is too long."),
        Problem::OneLine => tr.s("Write this on one line."),
        _ => tr.s("This value cannot be used."),
    }
    .to_string()
}

/// What a reply by email did, in the desk's language: its first part is one of a few
/// sentences; files kept and attachments refused follow it.
fn letter_detail(tr: &Desk, detail: &str) -> String {
    let mut parts = detail.split(" · ");
    let mut out = tr.s(parts.next().unwrap_or("")).to_string();
    for p in parts {
        out.push_str(" · ");
        if let Some(n) = p.strip_suffix(" file(s) kept as evidence") {
            out.push_str(&tr.f("{} file(s) kept as evidence", n));
        } else if let Some(why) = p.strip_prefix("attachment not kept: ") {
            out.push_str(&tr.f("attachment not kept: {}", why));
        } else {
            out.push_str(p);
        }
    }
    out
}
