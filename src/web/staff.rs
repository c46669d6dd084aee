//! Staff pages: the review queue, ordered by deadline, and claiming a complaint.

use askama::Template;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::domain::complaint::ComplaintStatus;
use crate::domain::deadline::{AMBER_SHARE, Urgency, is_overdue};
use crate::domain::display_time::display;
use crate::error::{AppError, AppResult};
use crate::services::holds;
use crate::services::keyset::Cursor;
use crate::services::review_queue::{self, Assigned, Claimed, QueueFilter};
use crate::services::staff::Role;
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::desk::{self, Desk};
use crate::web::i18n::{Texts, texts};
use crate::web::page::render;
use crate::web::staff_auth::{StaffUser, staff_headers};

pub fn routes() -> Router<AppState> {
    Router::new()
        .at("/staff", get(queue))
        .at("/staff/complaints/{id}/claim", post(claim))
        .layer(middleware::from_fn(staff_headers))
}

struct Row {
    id: i64,
    status: String,
    work_title: String,
    claimant: String,
    deadline_at: String,
    time_left: String,
    assigned: Option<String>,
    overdue: bool,
    /// `overdue`, `red`, `amber`, `paused` or `in-time`: the row's colour.
    urgency: &'static str,
    confirmed: bool,
    /// An email to the claimant's address bounced: the desk cannot reach them by it.
    bounced: bool,
    /// It came as an email.
    by_email: bool,
    /// The element checker found the notice incomplete.
    incomplete: bool,
    removed: bool,
    can_claim: bool,
    appeal: bool,
}

#[derive(Template)]
#[template(path = "pages/staff_queue.html")]
struct QueuePage<'a> {
    t: &'a Texts,
    tr: Desk,
    me: &'a str,
    role: &'a str,
    csrf: &'a str,
    rows: Vec<Row>,
    zone: String,
    outlet: String,
    due_soon: bool,
    stages: review_queue::StageCounts,
    /// Mail kept that nothing acted on, for a person to read.
    unsorted: u64,
    total: u64,
    shown: usize,
    first_page: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    status: Option<String>,
    assigned: Option<String>,
    outlet: Option<String>,
    /// `soon`: only running clocks under a quarter of their window, and overdue ones.
    due: Option<String>,
    /// `form`, `api` or `email`: only complaints that arrived this way.
    channel: Option<String>,
    /// `incomplete`: only notices the element checker found incomplete.
    notice: Option<String>,
    /// Where the page starts (a keyset cursor); none: the earliest deadlines.
    after: Option<String>,
}

async fn queue(
    State(state): State<AppState>,
    user: StaffUser,
    query: Result<Query<QueueQuery>, QueryRejection>,
) -> AppResult<Response> {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let tr = desk::current();
    let me = &user.0.member;
    let now = OffsetDateTime::now_utc();
    let window = state.config.deadline;
    let due_soon = q.due.as_deref() == Some("soon");
    let channel = match q.channel.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(
            review_queue::CHANNELS
                .into_iter()
                .find(|k| *k == c)
                .ok_or_else(|| AppError::field("channel", "must be form, api or email"))?,
        ),
    };
    let incomplete = match q.notice.as_deref().filter(|n| !n.is_empty()) {
        None => false,
        Some("incomplete") => true,
        Some(_) => return Err(AppError::field("notice", "must be incomplete")),
    };
    let mut filter = QueueFilter {
        due_by: None,
        channel,
        incomplete,
        status: q.status.as_deref().and_then(ComplaintStatus::parse),
        assigned: match q.assigned.as_deref() {
            Some("mine") => Assigned::To(me.email.clone()),
            Some("unassigned") => Assigned::Nobody,
            _ => Assigned::Anyone,
        },
        outlet: q
            .outlet
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_string),
    };
    // The counts cover what the other filters select, due soon or not.
    let stages = review_queue::stage_counts(&state.db, &filter, window, now).await?;
    if due_soon {
        filter.due_by = Some(Urgency::due_by(AMBER_SHARE, window, now));
    }
    let after = match q.after.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => Some(Cursor::parse(a).ok_or_else(|| {
            AppError::field(
                "after",
                "is not a page link this queue made; start from its first page",
            )
        })?),
        None => None,
    };
    let (complaints, next) = review_queue::page(&state.db, &filter, after).await?;
    // The stages were counted in the same pass as the total.
    let total = if due_soon {
        stages.due_soon()
    } else {
        stages.all
    };
    let unsorted = crate::services::inbound::unsorted_count(&state.db).await?;
    let ids: Vec<i64> = complaints.iter().map(|c| c.id).collect();
    // The marker says what is true: the complaint has a hold standing.
    let holding = holds::complaints_holding(&state.db, &ids).await?;
    let rows: Vec<Row> = complaints
        .into_iter()
        .map(|c| Row {
            id: c.id,
            work_title: c.work_title,
            claimant: c.claimant_name,
            deadline_at: display(c.deadline_at),
            // While paused the deadline does not run: show what is left at the pause.
            time_left: match c.paused_at {
                Some(p) => tr.f("clock paused, {}", tr.time_left(c.deadline_at, p)),
                None => tr.time_left(c.deadline_at, now),
            },
            overdue: is_overdue(true, c.overdue, c.deadline_at, c.paused_at, now),
            urgency: Urgency::of(c.overdue, c.deadline_at, c.paused_at, window, now).as_str(),
            appeal: c.appealed_at.is_some(),
            confirmed: c.confirmed_at.is_some(),
            bounced: c.claimant_bounced_at.is_some(),
            by_email: c.channel == "email",
            incomplete: c.missing_elements.is_some(),
            removed: holding.contains(&c.id),
            can_claim: c.assigned_reviewer.is_none() || me.role == Role::Admin,
            assigned: c.assigned_reviewer,
            status: c.status,
        })
        .collect();
    let link = |after: Option<Cursor>| {
        let mut u = url::form_urlencoded::Serializer::new(String::new());
        if let Some(s) = &q.status {
            u.append_pair("status", s);
        }
        if let Some(a) = &q.assigned {
            u.append_pair("assigned", a);
        }
        if let Some(o) = &filter.outlet {
            u.append_pair("outlet", o);
        }
        if due_soon {
            u.append_pair("due", "soon");
        }
        if let Some(c) = channel {
            u.append_pair("channel", c);
        }
        if incomplete {
            u.append_pair("notice", "incomplete");
        }
        if let Some(a) = after {
            u.append_pair("after", &a.to_param());
        }
        format!("/staff?{}", u.finish())
    };
    let shown = rows.len();
    let body = QueuePage {
        t: texts(tr.lang),
        tr,
        me: &me.email,
        role: me.role.as_str(),
        csrf: &user.0.csrf_token,
        first_page: after.map(|_| link(None)),
        next: next.map(|n| link(Some(n))),
        rows,
        zone: crate::domain::display_time::zone().to_string(),
        outlet: filter.outlet.clone().unwrap_or_default(),
        due_soon,
        stages,
        unsorted,
        total,
        shown,
    };
    Ok(render(StatusCode::OK, &body))
}

#[derive(Deserialize)]
struct ClaimForm {
    #[serde(default)]
    csrf: String,
    /// An admin's choice of reviewer; a reviewer claims for themselves.
    to: Option<String>,
}

async fn claim(
    State(state): State<AppState>,
    user: StaffUser,
    id: Result<Path<i64>, PathRejection>,
    Form(f): Form<ClaimForm>,
) -> AppResult<Response> {
    user.check_csrf(&f.csrf)?;
    let Path(id) = id.map_err(|_| AppError::NotFound)?;
    let me = &user.0.member;
    let to = match f.to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(other) if !other.eq_ignore_ascii_case(&me.email) && me.role != Role::Admin => {
            return Err(AppError::Forbidden);
        }
        Some(other) => other.to_ascii_lowercase(),
        None => me.email.clone(),
    };
    let actor = format!("staff:{}", me.id);
    let done = review_queue::claim(
        &state.db,
        id,
        &to,
        &actor,
        me.role == Role::Admin,
        OffsetDateTime::now_utc(),
    )
    .await?;
    let tr = desk::current();
    Ok(match done {
        Claimed::Done => Redirect::to("/staff").into_response(),
        Claimed::Taken(by) => message_page(
            StatusCode::CONFLICT,
            &tr.f2("Complaint #{} is already assigned to {}.", id, by),
        ),
        Claimed::NoSuchStaff => message_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &tr.f2(
                "{} is not an active staff account; complaint #{} was not assigned.",
                &to,
                id,
            ),
        ),
        Claimed::NotOpen => message_page(
            StatusCode::CONFLICT,
            &tr.f("Complaint #{} is already decided.", id),
        ),
    })
}

#[derive(Template)]
#[template(path = "pages/staff_message.html")]
struct MessagePage<'a> {
    t: &'a Texts,
    tr: Desk,
    message: &'a str,
}

/// A one-line staff page (escaped like every template) with a way back to the queue.
fn message_page(status: StatusCode, message: &str) -> Response {
    let tr = desk::current();
    let page = MessagePage {
        t: texts(tr.lang),
        tr,
        message,
    };
    render(status, &page)
}
