//! Deciding a complaint: from the staff page (form with CSRF token) and from the API
//! (a `staff`-scoped token). Both make the same service call and record who decided.
//! The page's form comes back with every problem beside its field, or with a preview
//! of the claimant's email, before anything is recorded.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::target_outcome::TargetOutcome;
use crate::domain::validate::{self, FieldError, FieldErrors, Problem, format_timestamp};
use crate::error::{AppError, AppResult};
use crate::mail::letter::Rendered;
use crate::services::decisions::{self, Decision, MAX_REASON_CHARS, Ruling};
use crate::services::error::ServiceError;
use crate::services::staff::StaffMember;
use crate::services::{complaints, info_requests};
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::auth::StaffAccountCaller;
use crate::web::body::JsonBody;
use crate::web::desk::{self, Desk};
use crate::web::openapi::ErrorBody;
use crate::web::staff_auth::{StaffUser, staff_headers};
use crate::web::staff_complaint::{self, Shown};

pub fn routes() -> Router<AppState> {
    Router::new()
        .at(
            "/staff/complaints/{id}/decision",
            post(decide_form).layer(middleware::from_fn(staff_headers)),
        )
        .at("/api/v1/complaints/{id}/decision", post(decide_api))
}

/// A decision as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// `uphold`, `reject` or `request_info`.
    pub action: String,
    /// The statement of reasons sent to the claimant: what, why, on which ground; for
    /// `request_info`, the question the claimant is asked to answer.
    pub reason: String,
    /// Outcomes for some of the complaint's URLs; the rest follow `action` (an uphold
    /// takes down each recorded article and finds any other URL not ours; a rejection
    /// leaves each up). Not read with `request_info`.
    #[serde(default)]
    pub targets: Option<Vec<TargetChoice>>,
}

/// One URL's outcome within a decision.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TargetChoice {
    /// One of the URLs the complaint names, as it names it.
    pub url: String,
    /// `uphold`, `reject` or `not_ours` (a URL that is no article we republished).
    pub outcome: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    pub id: i64,
    pub status: &'static str,
    pub removed_articles: usize,
    pub restored_articles: usize,
    /// After `request_info`: the claimant must answer by then (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_by: Option<String>,
}

enum Action {
    Decide(Decision),
    RequestInfo,
}

/// A decision checked: every problem found in one round, each keyed by its field.
struct Parsed {
    action: Action,
    reason: String,
    targets: Vec<(String, TargetOutcome)>,
}

fn parse(input: &DecisionInput) -> Result<Parsed, FieldErrors> {
    let mut errors = FieldErrors::new();
    let action = match input.action.trim() {
        "request_info" => Some(Action::RequestInfo),
        a => Decision::parse(a).map(Action::Decide),
    };
    if action.is_none() {
        errors.insert(
            "action".into(),
            FieldError::new(
                Problem::Choice,
                "Choose a decision: uphold, reject or request information.",
            ),
        );
    }
    let what = match action {
        Some(Action::RequestInfo) => "question for the claimant",
        _ => "statement of reasons",
    };
    let reason = match validate::free_text(&input.reason, Some(MAX_REASON_CHARS)) {
        Ok(r) => r.trim().to_string(),
        Err(m) => {
            let problem = if input.reason.trim().is_empty() {
                Problem::Required
            } else {
                Problem::Invalid
            };
            let sentence = format!(
                "The {what} {m}: the claimant is told what was decided, why and on which ground, in at most {MAX_REASON_CHARS} characters."
            );
            errors.insert("reason".into(), FieldError::new(problem, sentence));
            String::new()
        }
    };
    // A question decides no URL: outcomes sent with one are not read.
    let given = match action {
        Some(Action::RequestInfo) => &[][..],
        _ => input.targets.as_deref().unwrap_or_default(),
    };
    let mut targets = Vec::with_capacity(given.len());
    for (i, t) in given.iter().enumerate() {
        let url = validate::line(&t.url, 2000);
        match (url, TargetOutcome::parse(&t.outcome)) {
            (Ok(url), Some(o)) => targets.push((url, o)),
            (Err(m), _) => {
                let sentence = format!("The URL {m}: give one of the URLs this complaint names.");
                errors.insert(
                    format!("targets[{i}]"),
                    FieldError::new(Problem::Invalid, sentence),
                );
            }
            (_, None) => {
                errors.insert(
                    format!("targets[{i}]"),
                    FieldError::new(
                        Problem::Choice,
                        format!("Choose uphold, reject or not_ours for {}.", t.url),
                    ),
                );
            }
        }
    }
    match action {
        Some(action) if errors.is_empty() => Ok(Parsed {
            action,
            reason,
            targets,
        }),
        _ => Err(errors),
    }
}

async fn decide(
    state: &AppState,
    id: i64,
    input: &DecisionInput,
    by: &StaffMember,
) -> AppResult<DecisionView> {
    let p = parse(input).map_err(AppError::Validation)?;
    let site = state.site();
    let now = OffsetDateTime::now_utc();
    let decision = match p.action {
        Action::Decide(d) => d,
        Action::RequestInfo => {
            let asked = info_requests::request(
                &state.db,
                &site,
                id,
                &p.reason,
                by,
                state.config.info_wait,
                now,
            )
            .await?;
            return Ok(DecisionView {
                id,
                status: "needs_info",
                removed_articles: 0,
                restored_articles: 0,
                answer_by: Some(format_timestamp(asked.answer_by)),
            });
        }
    };
    let ruling = Ruling {
        decision,
        targets: &p.targets,
        reason: &p.reason,
    };
    let done = decisions::decide(&state.db, &site, id, &ruling, by, now).await?;
    Ok(DecisionView {
        id,
        status: match decision {
            Decision::Uphold => "upheld",
            Decision::Reject => "rejected",
        },
        removed_articles: done.removed,
        restored_articles: done.restored,
        answer_by: None,
    })
}

/// The email the claimant would get for `input`, with nothing recorded.
async fn preview(state: &AppState, id: i64, input: &DecisionInput) -> AppResult<Rendered> {
    let p = parse(input).map_err(AppError::Validation)?;
    let site = state.site();
    Ok(match p.action {
        Action::Decide(decision) => {
            let ruling = Ruling {
                decision,
                targets: &p.targets,
                reason: &p.reason,
            };
            decisions::preview(&state.db, &site, id, &ruling).await?
        }
        Action::RequestInfo => {
            let wait = state.config.info_wait;
            let now = OffsetDateTime::now_utc();
            info_requests::preview(&state.db, &site, id, &p.reason, wait, now).await?
        }
    })
}

/// The decision form as the reviewer left it: what was typed, each field's problem,
/// and the preview of the claimant's email.
#[derive(Default)]
pub struct Draft {
    pub action: String,
    pub reason: String,
    /// Per target, in the complaint's order: empty follows the decision.
    pub outcomes: Vec<String>,
    pub errors: FieldErrors,
    pub preview: Option<Rendered>,
    /// Per target, in the complaint's order: whether it is a recorded article.
    pub recorded: Vec<bool>,
}

impl Draft {
    /// The problem with `name`, in the desk's language, or "".
    pub fn e(&self, name: &str) -> String {
        self.errors
            .get(name)
            .map(|e| self.said(&desk::current(), name, e))
            .unwrap_or_default()
    }

    /// A problem as the desk reads it: the check's own sentence in English; in Chinese
    /// a sentence chosen by the field, the problem's kind and what the form chose.
    fn said(&self, tr: &Desk, field: &str, e: &FieldError) -> String {
        if !tr.zh() {
            return e.message.clone();
        }
        let target = field
            .strip_prefix("targets[")
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|i| i.parse::<usize>().ok());
        let said = match (field, target) {
            ("action", _) => tr.s("Choose a decision: uphold, reject or request information."),
            ("reason", _) => tr.s(
                "Write the statement of reasons in full: what was decided, why and on which ground, in at most 5000 characters.",
            ),
            ("targets", _) => tr.s(
                "An uphold must take down at least one article we republished: reject the complaint instead, giving the outcome for each URL.",
            ),
            (_, Some(i)) => {
                let chosen = self.outcomes.get(i).map_or("", String::as_str);
                let recorded = self.recorded.get(i).copied();
                match (e.problem, chosen, recorded) {
                    (Problem::Invalid, "uphold", Some(false)) => tr.s(
                        "This is not an article we republished, so there is nothing of ours to take down: choose “not ours” or “reject”.",
                    ),
                    (Problem::Invalid, "not_ours", Some(true)) => {
                        tr.s("This is an article we republished: uphold or reject it.")
                    }
                    (Problem::Invalid, "uphold", Some(true)) => tr.s(
                        "A rejection cannot take this down: uphold the complaint to remove it.",
                    ),
                    _ => tr.s("Choose uphold, reject or not ours for this URL."),
                }
            }
            _ => return e.message.clone(),
        };
        said.to_string()
    }

    pub fn bad(&self, name: &str) -> bool {
        self.errors.contains_key(name)
    }

    /// Whether target `i`'s chooser has `value` selected.
    pub fn chosen(&self, i: &usize, value: &str) -> bool {
        self.outcomes.get(*i).is_some_and(|o| o == value)
    }

    /// Each problem with the id of the field it links to, for the summary.
    pub fn summary(&self) -> Vec<(String, String)> {
        let tr = desk::current();
        self.errors
            .iter()
            .map(|(k, v)| {
                let anchor = match k.as_str() {
                    "action" => "uphold".to_string(),
                    "targets" => "target_0".to_string(),
                    k => k
                        .strip_prefix("targets[")
                        .and_then(|r| r.strip_suffix(']'))
                        .map_or_else(|| k.to_string(), |i| format!("target_{i}")),
                };
                (anchor, self.said(&tr, k, v))
            })
            .collect()
    }
}

/// Renames `targets[i]` of the list sent to `targets[pos]`, the target's place on the
/// page.
fn on_page(errors: FieldErrors, positions: &[usize]) -> FieldErrors {
    errors
        .into_iter()
        .map(|(k, v)| {
            let i = k
                .strip_prefix("targets[")
                .and_then(|r| r.strip_suffix(']'))
                .and_then(|i| i.parse::<usize>().ok());
            match i.and_then(|i| positions.get(i)) {
                Some(pos) => (format!("targets[{pos}]"), v),
                None => (k, v),
            }
        })
        .collect()
}

/// The form's fields: `csrf`, `action`, `reason`, `target_N` per target, and `go`
/// (`preview` shows the claimant's email instead of recording).
async fn decide_form(
    State(state): State<AppState>,
    user: StaffUser,
    id: Result<Path<i64>, PathRejection>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if let Err(e) = user.check_csrf(&get("csrf")) {
        return e.into_response();
    }
    let Ok(Path(id)) = id else {
        return AppError::NotFound.into_response();
    };
    let targets = match complaints::targets_of(&state.db, id).await {
        Ok(t) => t,
        Err(e) => return AppError::from(ServiceError::from(e)).into_response(),
    };
    let mut draft = Draft {
        action: get("action"),
        reason: get("reason"),
        outcomes: (0..targets.len())
            .map(|i| get(&format!("target_{i}")))
            .collect(),
        recorded: targets.iter().map(|t| t.article_id.is_some()).collect(),
        ..Draft::default()
    };
    let asking = draft.action == "request_info";
    let (mut given, mut positions) = (Vec::new(), Vec::new());
    for (i, o) in draft.outcomes.iter().enumerate() {
        if !o.is_empty() && !asking {
            given.push(TargetChoice {
                url: targets[i].url.clone(),
                outcome: o.clone(),
            });
            positions.push(i);
        }
    }
    let input = DecisionInput {
        action: draft.action.clone(),
        reason: draft.reason.clone(),
        targets: Some(given),
    };
    let shown = if get("go") == "preview" {
        match preview(&state, id, &input).await {
            Ok(r) => {
                draft.preview = Some(r);
                Ok(StatusCode::OK)
            }
            Err(e) => Err(e),
        }
    } else {
        match decide(&state, id, &input, &user.0.member).await {
            // The page says what was done, from the status reached (never from input).
            Ok(v) => {
                let to = format!("/staff/complaints/{id}?done={}", v.status);
                return Redirect::to(&to).into_response();
            }
            Err(e) => Err(e),
        }
    };
    let status = match shown {
        Ok(status) => status,
        Err(AppError::Validation(errors)) => {
            draft.errors = on_page(errors, &positions);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(e) => return e.into_response(),
    };
    staff_complaint::show(&state, &user, id, Shown::Draft(draft), status)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// Decides a complaint: uphold (targets taken down, claimant and source told), reject
/// (claimant told why and how to appeal, a provisional removal undone), or
/// request_info (the claimant asked; the clock paused until they answer).
#[utoipa::path(post, path = "/api/v1/complaints/{id}/decision", tag = "complaints",
    request_body = DecisionInput,
    params(("id" = i64, Path, description = "complaint id")),
    responses((status = 200, body = DecisionView), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn decide_api(
    State(state): State<AppState>,
    StaffAccountCaller(by): StaffAccountCaller,
    id: Result<Path<i64>, PathRejection>,
    JsonBody(input): JsonBody<DecisionInput>,
) -> AppResult<impl IntoResponse> {
    let Path(id) = id.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let view = decide(&state, id, &input, &by).await?;
    Ok((StatusCode::OK, Json(view)))
}
