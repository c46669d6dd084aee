//! What a claimant does from their status page: answer a request for information, and
//! appeal a rejection. The form posts and the JSON API make the same service calls;
//! the tracking code is the claimant's handle, as for the status page itself.

use askama::Template;
use axum::extract::Request;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::complaint::{Language, TrackingCode};
use crate::domain::validate::FieldError;
use crate::domain::validate::format_timestamp;
use crate::error::{AppError, AppResult};
use crate::services::evidence::{self, EvidenceFile};
use crate::services::info_requests::{self, MAX_TEXT_CHARS};
use crate::services::withdrawals;
use crate::services::{appeals, counter_notices};
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::body::JsonBody;
use crate::web::complaint_form::{
    MAX_FORM_BYTES, MAX_TEXT_BYTES, Typed, evidence_error, read_submission, status_with_errors,
};
use crate::web::headers::private_page;
use crate::web::i18n::{Texts, texts};
use crate::web::limits::capped;
use crate::web::openapi::ErrorBody;
use crate::web::page::render;

pub fn routes() -> Router<AppState> {
    Router::new()
        // The forms may bring evidence files, as the notice may; the files are
        // streamed to disk, the text is capped as for the API.
        .at(
            "/complaints/{code}/answer",
            capped(post(answer_form), MAX_FORM_BYTES),
        )
        .at(
            "/complaints/{code}/appeal",
            capped(post(appeal_form), MAX_FORM_BYTES),
        )
        .at("/api/v1/complaints/{code}/answer", text(post(answer_api)))
        .at("/api/v1/complaints/{code}/appeal", text(post(appeal_api)))
        .at("/complaints/{code}/withdraw", text(post(withdraw_form)))
        .at(
            "/complaints/{code}/legal-action",
            text(post(legal_action_form)),
        )
        .at(
            "/api/v1/complaints/{code}/withdraw",
            text(post(withdraw_api)),
        )
        .layer(middleware::from_fn(private_page))
}

/// A claimant's text is held in memory, so capped.
fn text(r: MethodRouter<AppState>) -> MethodRouter<AppState> {
    capped(r, MAX_TEXT_BYTES)
}

#[derive(Template)]
#[template(path = "pages/notice.html")]
pub struct NoticePage<'a> {
    pub t: &'a Texts,
    pub title: &'a str,
    pub message: &'a str,
    pub back: &'a str,
}

fn code(path: Result<Path<String>, PathRejection>) -> AppResult<TrackingCode> {
    let Path(code) = path.map_err(|_| AppError::NotFound)?;
    TrackingCode::parse(&code).ok_or(AppError::NotFound)
}

/// The text and every problem with it and with the files, in one round.
fn text_and_files(field: &str, v: &str, file_problem: Option<FieldError>) -> AppResult<String> {
    let mut c = crate::domain::validate::Checker::default();
    let text = c.text_max(field, Some(&v.to_string()), Some(MAX_TEXT_CHARS));
    if let Some(e) = file_problem {
        c.errors.insert("evidence".into(), e);
    }
    c.finish().map_err(AppError::Validation)?;
    Ok(text.trim().to_string())
}

async fn do_answer(
    state: &AppState,
    code: &TrackingCode,
    text: &str,
    files: Vec<EvidenceFile>,
    file_problem: Option<FieldError>,
) -> AppResult<(&'static str, String)> {
    let answer = text_and_files("answer", text, file_problem)?;
    let done = info_requests::answer(
        &state.db,
        &state.site(),
        code.as_str(),
        &answer,
        &files,
        OffsetDateTime::now_utc(),
    )
    .await?;
    evidence::persist(&state.config.data_dir, files)
        .await
        .map_err(evidence_error)?;
    Ok((done.status.as_str(), format_timestamp(done.deadline_at)))
}

async fn do_appeal(
    state: &AppState,
    code: &TrackingCode,
    text: &str,
    files: Vec<EvidenceFile>,
    file_problem: Option<FieldError>,
) -> AppResult<String> {
    let statement = text_and_files("statement", text, file_problem)?;
    let done = appeals::appeal(
        &state.db,
        &state.config,
        &state.site(),
        code.as_str(),
        &statement,
        &files,
        OffsetDateTime::now_utc(),
    )
    .await?;
    evidence::persist(&state.config.data_dir, files)
        .await
        .map_err(evidence_error)?;
    Ok(format_timestamp(done.deadline_at))
}

async fn do_withdraw(
    state: &AppState,
    code: &TrackingCode,
    reason: Option<&String>,
) -> AppResult<(&'static str, Vec<i64>)> {
    let mut c = crate::domain::validate::Checker::default();
    let reason = c.opt_text_max("reason", reason, Some(MAX_TEXT_CHARS));
    c.finish().map_err(AppError::Validation)?;
    let done = withdrawals::withdraw(
        &state.db,
        &state.site(),
        code.as_str(),
        reason.as_deref().map(str::trim),
        OffsetDateTime::now_utc(),
    )
    .await?;
    Ok((done.status.as_str(), done.restored))
}

/// The claimant's language, for pages about their complaint.
async fn language(state: &AppState, code: &TrackingCode) -> Language {
    crate::services::complaints::row_by_code(&state.db, code.as_str())
        .await
        .ok()
        .flatten()
        .map(|c| c.language)
        .unwrap_or(Language::En)
}

/// After a form post: back to the status page, or a page saying what was wrong.
async fn form_outcome(
    state: &AppState,
    code: &TrackingCode,
    done: AppResult<String>,
    typed: Typed,
) -> Response {
    let back = format!("/complaints/{}", code.as_str());
    let e = match done {
        Ok(_) => return Redirect::to(&back).into_response(),
        Err(e) => e,
    };
    if let AppError::Validation(fields) = &e {
        match status_with_errors(state, code, fields, typed).await {
            Ok(Some(page)) => return page,
            Ok(None) => return AppError::NotFound.into_response(),
            Err(e) => return e.into_response(),
        }
    }
    let lang = language(state, code).await;
    let t = texts(lang);
    let (status, message) = match &e {
        AppError::Conflict(c) => (StatusCode::CONFLICT, t.conflict(*c).to_string()),
        _ => return e.into_response(),
    };
    render(
        status,
        &NoticePage {
            t,
            title: t.problem_title,
            message: &message,
            back: &back,
        },
    )
}

#[derive(Deserialize)]
struct LegalActionForm {
    #[serde(default)]
    reference: String,
}

/// The claimant reports legal action against a waiting counter-notice; staff confirm.
async fn legal_action_form(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    Form(f): Form<LegalActionForm>,
) -> Response {
    let code = match code(path) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let done = match text_and_files("reference", &f.reference, None) {
        Ok(reference) => counter_notices::report_legal_action(
            &state.db,
            &state.site(),
            code.as_str(),
            &reference,
            OffsetDateTime::now_utc(),
        )
        .await
        .map(|()| String::new())
        .map_err(AppError::from),
        Err(e) => Err(e),
    };
    let typed = Typed {
        field: "reference",
        text: f.reference,
    };
    form_outcome(&state, &code, done, typed).await
}

#[derive(Deserialize)]
struct WithdrawForm {
    #[serde(default)]
    reason: String,
}

async fn withdraw_form(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    Form(f): Form<WithdrawForm>,
) -> Response {
    let code = match code(path) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let done = do_withdraw(&state, &code, Some(&f.reason))
        .await
        .map(|_| String::new());
    let typed = Typed {
        field: "reason",
        text: f.reason,
    };
    form_outcome(&state, &code, done, typed).await
}

/// The answer or appeal form: its text field and any evidence files.
async fn read_form(
    state: &AppState,
    req: Request,
    field: &str,
) -> AppResult<(String, Vec<EvidenceFile>, Option<FieldError>)> {
    let mut sub = read_submission(req, state, "evidence").await?;
    let problem = sub.file_problem();
    let text = sub.text(field).to_string();
    Ok((text, std::mem::take(&mut sub.files), problem))
}

async fn answer_form(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    req: Request,
) -> Response {
    let code = match code(path) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let (done, typed) = match read_form(&state, req, "answer").await {
        Ok((text, files, problem)) => {
            let done = do_answer(&state, &code, &text, files, problem).await;
            let typed = Typed {
                field: "answer",
                text,
            };
            (done.map(|(_, d)| d), typed)
        }
        Err(e) => (Err(e), Typed::default()),
    };
    form_outcome(&state, &code, done, typed).await
}

async fn appeal_form(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    req: Request,
) -> Response {
    let code = match code(path) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let (done, typed) = match read_form(&state, req, "statement").await {
        Ok((text, files, problem)) => {
            let done = do_appeal(&state, &code, &text, files, problem).await;
            let typed = Typed {
                field: "statement",
                text,
            };
            (done, typed)
        }
        Err(e) => (Err(e), Typed::default()),
    };
    form_outcome(&state, &code, done, typed).await
}

/// The claimant's answer to a request for information.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AnswerInput {
    pub answer: String,
}

/// The claimant's appeal against a rejection.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AppealInput {
    /// Why the decision was wrong, with any further evidence.
    pub statement: String,
}

/// Withdrawing a complaint; the reason is optional.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct WithdrawInput {
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WithdrawnView {
    /// `withdrawn`, or `rejected` when an appeal was withdrawn and the first decision
    /// stands.
    pub status: &'static str,
    /// Articles taken down at the complaint's missed deadline, now back up.
    pub restored_articles: Vec<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResumedView {
    pub status: &'static str,
    /// The deadline, moved on by the time spent waiting (RFC 3339, UTC).
    pub deadline_at: String,
}

/// Answers a request for information: the paused clock restarts with the time left.
#[utoipa::path(post, path = "/api/v1/complaints/{code}/answer", tag = "complaints",
    request_body = AnswerInput,
    params(("code" = String, Path, description = "tracking code")),
    responses((status = 200, body = ResumedView), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn answer_api(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    JsonBody(input): JsonBody<AnswerInput>,
) -> AppResult<impl IntoResponse> {
    let code = code(path)?;
    let (status, deadline_at) = do_answer(&state, &code, &input.answer, Vec::new(), None).await?;
    Ok(Json(ResumedView {
        status,
        deadline_at,
    }))
}

/// Appeals a rejected complaint within `APPEAL_WINDOW`; a different reviewer decides.
#[utoipa::path(post, path = "/api/v1/complaints/{code}/appeal", tag = "complaints",
    request_body = AppealInput,
    params(("code" = String, Path, description = "tracking code")),
    responses((status = 200, body = ResumedView), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn appeal_api(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    JsonBody(input): JsonBody<AppealInput>,
) -> AppResult<impl IntoResponse> {
    let code = code(path)?;
    let deadline_at = do_appeal(&state, &code, &input.statement, Vec::new(), None).await?;
    Ok(Json(ResumedView {
        status: "appealed",
        deadline_at,
    }))
}

/// Withdraws a complaint that is still open: its deadline stops, and anything its
/// missed deadline took down provisionally goes back up.
#[utoipa::path(post, path = "/api/v1/complaints/{code}/withdraw", tag = "complaints",
    request_body = WithdrawInput,
    params(("code" = String, Path, description = "tracking code")),
    responses((status = 200, body = WithdrawnView), (status = 409, body = ErrorBody)))]
pub async fn withdraw_api(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    JsonBody(input): JsonBody<WithdrawInput>,
) -> AppResult<impl IntoResponse> {
    let code = code(path)?;
    let (status, restored) = do_withdraw(&state, &code, input.reason.as_ref()).await?;
    Ok(Json(WithdrawnView {
        status,
        restored_articles: restored,
    }))
}
