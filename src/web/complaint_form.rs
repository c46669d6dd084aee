//! The public complaint form: server-rendered, in Chinese and English, usable without
//! JavaScript. A bad submission re-renders the form with every problem beside its field
//! and everything typed kept.

use std::collections::HashMap;

use askama::Template;

use crate::domain::display_time::shown;
use crate::web::RouteList;
use axum::Router;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use time::OffsetDateTime;

use crate::domain::complaint::{
    ClaimantInput, ComplaintInput, Language, NewComplaint, StatementsInput, TrackingCode, WorkInput,
};
use crate::domain::validate::FieldError;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::complaints::{self, Channel, ComplaintView, Filed};
use crate::services::confirmation::{self, Confirmation};
use crate::services::evidence::{self, EvidenceFile, MAX_FILE_BYTES, MAX_FILES, Upload};
use crate::services::intake_queue::Submission;
use crate::web::AppState;
use crate::web::client_ip::ClientAddr;
use crate::web::form_errors::Shown;
use crate::web::headers::private_page;
use crate::web::i18n::{Texts, duration_text, negotiate, status_name, texts};
use crate::web::limits::rate_limit;
use crate::web::page::render;
use crate::web::staff_auth::{cookie, cookie_name, set_cookie};

/// Largest form submission: five evidence files and the text fields.
pub const MAX_FORM_BYTES: usize = MAX_FILES * MAX_FILE_BYTES + (2 << 20);
/// Most parts a submission may have.
const MAX_FIELDS: usize = 100;
/// Everything in a submission that is not an evidence file, in total: only files go to
/// disk, so this is what one submission may hold in memory.
pub const MAX_TEXT_BYTES: usize = 1 << 20;

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .at("/complaints/new", get(new_form))
        .at(
            "/complaints",
            axum::routing::post(submit)
                .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
                .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
                .layer(middleware::from_fn(private_page)),
        )
        .at(
            "/complaints/{code}",
            get(status_page).layer(middleware::from_fn(private_page)),
        )
        .at(
            "/complaints/confirm/{token}",
            get(confirm_page)
                .post(confirm)
                .layer(middleware::from_fn(private_page)),
        )
}

/// What the form shows: the values typed and the problems found.
#[derive(Default)]
pub struct FormState {
    values: HashMap<String, String>,
    pub errs: Shown,
    /// A message about the whole submission, shown above the form.
    pub notice: Option<&'static str>,
}

impl FormState {
    pub fn v(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }
}

/// The form's fields top to bottom, for the error summary's order.
const FIELD_ORDER: &[&str] = &[
    "claimant.name",
    "claimant.organisation",
    "claimant.email",
    "claimant.phone",
    "claimant.address",
    "claimant.capacity",
    "claimant.on_behalf_of",
    "work.title",
    "work.description",
    "work.original_url",
    "work.original_text",
    "infringing_urls",
    "evidence_urls",
    "evidence",
    "statements.good_faith",
    "statements.accurate",
    "signature",
];

/// The notice's problems as the form shows them, labelled as the form labels them.
fn shown_errors(errors: &FieldErrors, lang: Language) -> Shown {
    let t = texts(lang);
    let label = |f: &str| {
        match f {
            "claimant.name" => t.name,
            "claimant.organisation" => t.organisation,
            "claimant.email" => t.email,
            "claimant.phone" => t.phone,
            "claimant.address" => t.address,
            "claimant.capacity" => t.capacity,
            "claimant.on_behalf_of" => t.on_behalf_of,
            "work.title" => t.work_title,
            "work.description" => t.work_description,
            "work.original_url" => t.work_original_url,
            "work.original_text" => t.work_original_text,
            "infringing_urls" => t.infringing_urls,
            "evidence_urls" => t.evidence_urls,
            "evidence" => t.evidence_files,
            "statements.good_faith" => t.good_faith,
            "statements.accurate" => t.accurate,
            "signature" => t.signature,
            other => other,
        }
        .to_string()
    };
    let anchor = |f: &str| match f.split('[').next().unwrap_or(f) {
        "claimant.capacity" => "cap-owner".to_string(),
        base => base.to_string(),
    };
    Shown::new(errors, lang, FIELD_ORDER, label, anchor)
}

#[derive(Template)]
#[template(path = "pages/complaint_form.html")]
struct FormPage<'a> {
    t: &'a Texts,
    f: &'a FormState,
    deadline: String,
    /// What a URL on this site looks like, for the targets' hint.
    example_url: String,
}

/// A made-up article URL on this site: on its first configured host, else on ours.
fn example_url(state: &AppState) -> String {
    let host = state
        .site_hosts
        .configured()
        .first()
        .cloned()
        .or_else(|| {
            url::Url::parse(&state.config.public_base_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
        })
        .unwrap_or_else(|| "news.example".into());
    format!("https://{host}/2026/12/01/harbour-ferry-pier.html")
}

#[derive(Template)]
#[template(path = "pages/complaint_status.html")]
struct StatusPage<'a> {
    t: &'a Texts,
    c: &'a ComplaintView,
    status: &'a str,
    decision: &'a str,
    times: PageTimes,
    /// Still open, so it may be withdrawn.
    open: bool,
    /// Just filed: the receipt is shown, this once, above the status.
    receipt: bool,
    /// A counter-notice waits: the claimant may report legal action.
    waiting_counter: bool,
    /// A form on this page that came back: its problems and what was typed.
    errs: Shown,
    typed: Typed,
    summary_lead: &'static str,
}

/// What the claimant typed into the page's forms, kept when one comes back.
#[derive(Default)]
pub struct Typed {
    pub field: &'static str,
    pub text: String,
}

impl Typed {
    /// The text typed into `field`, or "".
    pub fn of(&self, field: &str) -> &str {
        if self.field == field { &self.text } else { "" }
    }
}

/// Labels for the status page's own forms; `form` is the text field of the one that
/// came back, so a file problem links to that form's file input.
fn status_form_errors(errors: &FieldErrors, lang: Language, form: &str) -> Shown {
    let label = |f: &str| crate::web::error_pages::field_label(lang, f);
    let anchor = |f: &str| match f {
        "reference" => "legal-reference".to_string(),
        "reason" => "withdraw-reason".to_string(),
        "evidence" if form == "statement" => "appeal-evidence".to_string(),
        "evidence" => "answer-evidence".to_string(),
        f => f.to_string(),
    };
    Shown::new(
        errors,
        lang,
        &["answer", "statement", "evidence", "reference", "reason"],
        label,
        anchor,
    )
}

/// The cookie that tells the status page, once, that its complaint was just filed.
const RECEIPT_COOKIE: &str = "td_receipt";
/// How long after filing the receipt waits to be shown.
const RECEIPT_SECS: i64 = 15 * 60;

/// What the receipt cookie holds for a complaint: part of its code's hash, so the
/// receipt shows on that complaint's page and no other.
fn receipt_mark(code: &str) -> String {
    crate::services::tracking_codes::lookup_hash(code)[..16].to_string()
}

#[derive(Template)]
#[template(path = "pages/confirm.html")]
struct ConfirmPage<'a> {
    t: &'a Texts,
    done: bool,
    message: &'a str,
    action: &'a str,
    /// Once confirmed: where the claimant follows the complaint.
    status_url: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "pages/not_found.html")]
struct NotFoundPage<'a> {
    t: &'a Texts,
}

/// A complaint's times as its claimant reads them, in `DISPLAY_TZ`.
pub struct PageTimes {
    pub received: String,
    pub deadline: String,
    pub decided: Option<String>,
    pub answer_by: Option<String>,
    pub appealed: Option<String>,
    pub appeal_until: Option<String>,
    /// Each counter-notice's restore time, as `c.counter_notices` lists them.
    pub restores: Vec<String>,
    /// When each email the claimant sent arrived, as `c.sent_by_email` lists them.
    pub emails: Vec<String>,
}

impl PageTimes {
    /// Counter-notice `i`'s restore time.
    pub fn restore(&self, i: &usize) -> &str {
        self.restores.get(*i).map_or("", String::as_str)
    }

    pub fn of(c: &ComplaintView) -> Self {
        let opt = |v: &Option<String>| v.as_deref().map(shown);
        Self {
            received: shown(&c.received_at),
            deadline: shown(&c.deadline_at),
            decided: opt(&c.decided_at),
            answer_by: opt(&c.info_answer_by),
            appealed: opt(&c.appealed_at),
            appeal_until: opt(&c.appeal_until),
            restores: c
                .counter_notices
                .iter()
                .map(|n| shown(&n.restore_at))
                .collect(),
            emails: c
                .sent_by_email
                .iter()
                .map(|m| shown(&m.received_at))
                .collect(),
        }
    }

    /// When email `i` the claimant sent was received.
    pub fn email(&self, i: &usize) -> &str {
        self.emails.get(*i).map_or("", String::as_str)
    }
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

fn form_page(state: &AppState, lang: Language, f: &FormState, status: StatusCode) -> Response {
    let t = texts(lang);
    render(
        status,
        &FormPage {
            t,
            f,
            deadline: duration_text(t, state.config.deadline),
            example_url: example_url(state),
        },
    )
}

async fn new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<LangQuery>, QueryRejection>,
) -> Response {
    let lang = negotiate(
        query.as_ref().ok().and_then(|q| q.lang.as_deref()),
        &headers,
    );
    let mut f = FormState::default();
    // A fresh id per rendered form: submitting it twice files one complaint.
    f.values
        .insert("submission_id".into(), uuid::Uuid::new_v4().to_string());
    form_page(&state, lang, &f, StatusCode::OK)
}

/// The submitted text fields and evidence files.
pub(crate) struct FormSubmission {
    pub values: HashMap<String, String>,
    pub files: Vec<EvidenceFile>,
    pub file_errors: Vec<String>,
}

impl FormSubmission {
    /// The text field `name`, or "" when not sent.
    pub fn text(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    /// The problem with the files sent, as the `evidence` field's.
    pub fn file_problem(&self) -> Option<FieldError> {
        let first = self.file_errors.first()?;
        let problem = crate::domain::validate::Problem::Evidence;
        Some(FieldError::new(problem, first.clone()))
    }
}

fn insert_value(values: &mut HashMap<String, String>, name: &str, value: String) -> AppResult<()> {
    if values.len() >= MAX_FIELDS {
        return Err(AppError::BadRequest(format!(
            "more than {MAX_FIELDS} fields"
        )));
    }
    if values.insert(name.to_string(), value).is_some() {
        return Err(AppError::BadRequest(format!(
            "field {name} given more than once"
        )));
    }
    Ok(())
}

/// Reads a form as sent, urlencoded or multipart; parts named `file_field` are evidence
/// files, streamed to disk and checked.
pub(crate) async fn read_submission(
    req: Request,
    state: &AppState,
    file_field: &str,
) -> AppResult<FormSubmission> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut sub = FormSubmission {
        values: HashMap::new(),
        files: Vec::new(),
        file_errors: Vec::new(),
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if ct.starts_with("application/x-www-form-urlencoded") {
        // All text: refused before a byte is read when it says it is too long, and cut
        // off at the cap when it does not say.
        if declared.is_some_and(|n| n > MAX_TEXT_BYTES as u64) {
            return Err(AppError::TooLarge);
        }
        let bytes = read_capped(req.into_body(), MAX_TEXT_BYTES).await?;
        for (k, v) in url::form_urlencoded::parse(&bytes) {
            insert_value(&mut sub.values, &k, v.into_owned())?;
        }
        return Ok(sub);
    }
    if !ct.starts_with("multipart/form-data") {
        return Err(AppError::UnsupportedMediaType(
            "multipart/form-data or application/x-www-form-urlencoded",
        ));
    }
    if declared.is_some_and(|n| n > MAX_FORM_BYTES as u64) {
        return Err(AppError::TooLarge);
    }
    let mut multipart = Multipart::from_request(req, state)
        .await
        .map_err(|r| AppError::BadRequest(r.body_text()))?;
    let mut parts = 0;
    let mut text_bytes = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        parts += 1;
        if parts > MAX_FIELDS {
            return Err(AppError::BadRequest(format!(
                "more than {MAX_FIELDS} fields"
            )));
        }
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        if name == file_field {
            if let Some(checked) = stream_evidence(state, &mut field, file_name.as_deref()).await? {
                match checked {
                    Ok(f) => sub.files.push(f),
                    Err(e) => sub.file_errors.push(e),
                }
            }
            continue;
        }
        let mut data = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            text_bytes += chunk.len();
            if text_bytes > MAX_TEXT_BYTES {
                drop(field);
                return Err(discard_rest(multipart).await);
            }
            data.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(data)
            .map_err(|_| AppError::BadRequest(format!("field {name} is not UTF-8")))?;
        insert_value(&mut sub.values, &name, text)?;
    }
    if sub.files.len() > MAX_FILES {
        sub.file_errors.push(format!("at most {MAX_FILES} files"));
    }
    Ok(sub)
}

/// Reads the rest of a multipart body without keeping it (it is within the declared
/// `MAX_FORM_BYTES`), so the browser is still reading when the 413 page comes: a
/// connection closed on unread data is reset, and the page would be lost.
async fn discard_rest(mut multipart: Multipart) -> AppError {
    loop {
        match multipart.next_field().await {
            Ok(Some(mut field)) => loop {
                match field.chunk().await {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => return multipart_error_or_too_large(e),
                }
            },
            Ok(None) => return AppError::TooLarge,
            Err(e) => return multipart_error_or_too_large(e),
        }
    }
}

/// A read failure after the cap was passed: the request was too large either way,
/// unless the body limit itself says more.
fn multipart_error_or_too_large(e: axum::extract::multipart::MultipartError) -> AppError {
    match multipart_error(e) {
        AppError::BadRequest(_) => AppError::TooLarge,
        other => other,
    }
}

/// A body read into memory up to `cap` bytes: 413 as soon as it goes past.
async fn read_capped(body: axum::body::Body, cap: usize) -> AppResult<Vec<u8>> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| AppError::BadRequest(format!("could not read body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > cap {
                return Err(AppError::TooLarge);
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

/// Streams one evidence part to a staging file, hashing it on the way. None for a file
/// input left empty (browsers still send the part).
async fn stream_evidence(
    state: &AppState,
    field: &mut axum::extract::multipart::Field<'_>,
    file_name: Option<&str>,
) -> AppResult<Option<Result<EvidenceFile, String>>> {
    let mut upload = Upload::start(&state.config.data_dir)
        .await
        .map_err(evidence_error)?;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        upload.write(&chunk).await.map_err(evidence_error)?;
    }
    if upload.is_empty() && file_name.is_none_or(str::is_empty) {
        return Ok(None);
    }
    Ok(Some(
        upload.finish(file_name).await.map_err(evidence_error)?,
    ))
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        AppError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
    }
}

fn lines(v: Option<&String>) -> Option<Vec<String>> {
    v.map(|s| {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    })
}

fn checkbox(v: Option<&String>) -> Option<bool> {
    v.map(|s| matches!(s.trim(), "true" | "on" | "yes" | "1"))
}

/// The form's fields as the notice the API takes.
fn to_input(v: &HashMap<String, String>) -> ComplaintInput {
    let get = |k: &str| v.get(k).cloned();
    ComplaintInput {
        claimant: Some(ClaimantInput {
            name: get("claimant.name"),
            organisation: get("claimant.organisation"),
            email: get("claimant.email"),
            phone: get("claimant.phone"),
            address: get("claimant.address"),
            capacity: get("claimant.capacity"),
            on_behalf_of: get("claimant.on_behalf_of"),
        }),
        work: Some(WorkInput {
            title: get("work.title"),
            description: get("work.description"),
            original_url: get("work.original_url").map(|u| u.trim().to_string()),
            original_text: get("work.original_text"),
        }),
        infringing_urls: lines(v.get("infringing_urls")),
        evidence_urls: lines(v.get("evidence_urls")),
        statements: Some(StatementsInput {
            good_faith: checkbox(v.get("statements.good_faith")),
            accurate: checkbox(v.get("statements.accurate")),
        }),
        signature: get("signature"),
        language: get("language"),
        // A person filing on the page follows the complaint by email and its page.
        callback: None,
    }
}

async fn submit(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    req: Request,
) -> Response {
    let query_lang = req
        .uri()
        .query()
        .and_then(|q| url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "lang"))
        .map(|(_, v)| v.into_owned());
    let lang = negotiate(query_lang.as_deref(), req.headers());
    match submit_inner(&state, req, client).await {
        Ok(resp) => resp,
        // Too much to read: the form again, empty (nothing of it was kept), saying so.
        Err(AppError::TooLarge) => form_again(
            &state,
            lang,
            HashMap::new(),
            texts(lang).form_too_large,
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        Err(e) => e.into_response(),
    }
}

/// SHA-256 of what was typed and attached, so a resend of the same form can be told
/// from a different submission under the same form id.
fn submission_sha256(sub: &FormSubmission) -> String {
    let mut fields: Vec<(&String, &String)> = sub
        .values
        .iter()
        .filter(|(k, _)| k.as_str() != "submission_id")
        .collect();
    fields.sort();
    let files: Vec<&str> = sub.files.iter().map(|f| f.sha256.as_str()).collect();
    let doc = serde_json::json!({"fields": fields, "files": files});
    takedown_text::canonical::sha256_hex(doc.to_string().as_bytes())
}

/// The form again, with everything typed kept and `notice` above it.
fn form_again(
    state: &AppState,
    lang: Language,
    values: HashMap<String, String>,
    notice: &'static str,
    status: StatusCode,
) -> Response {
    let mut f = FormState {
        values,
        notice: Some(notice),
        ..FormState::default()
    };
    f.values
        .insert("submission_id".into(), uuid::Uuid::new_v4().to_string());
    form_page(state, lang, &f, status)
}

/// The notice as checked, or every problem found (the site's hosts included).
async fn check(
    state: &AppState,
    sub: &FormSubmission,
) -> AppResult<Result<NewComplaint, FieldErrors>> {
    let parsed = NewComplaint::parse(&to_input(&sub.values));
    let mut errors = parsed.as_ref().err().cloned().unwrap_or_default();
    if let Some(e) = sub.file_problem() {
        errors.insert("evidence".into(), e);
    }
    if let Ok(new) = &parsed {
        errors.extend(state.check_site_hosts(new).await?);
    }
    Ok(match parsed {
        Ok(new) if errors.is_empty() => Ok(new),
        _ => Err(errors),
    })
}

async fn submit_inner(state: &AppState, req: Request, client: String) -> AppResult<Response> {
    let sub = read_submission(req, state, "evidence").await?;
    let lang = sub
        .values
        .get("language")
        .and_then(|l| Language::parse(l))
        .unwrap_or(Language::En);
    let new = match check(state, &sub).await? {
        Ok(new) => new,
        Err(errors) => {
            let f = FormState {
                values: sub.values,
                notice: None,
                errs: shown_errors(&errors, lang),
            };
            return Ok(form_page(state, lang, &f, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let t = texts(lang);
    let request_sha256 = submission_sha256(&sub);
    let key = sub
        .values
        .get("submission_id")
        .and_then(|id| uuid::Uuid::parse_str(id.trim()).ok())
        .map(|id| (format!("form:{id}"), request_sha256));
    let filed = file(state, new, sub.files, key, client).await;
    let view = match filed {
        Ok(Filed::Created(view) | Filed::Replayed(view)) => view,
        Ok(Filed::KeyReused) => {
            return Ok(form_again(
                state,
                lang,
                sub.values,
                t.form_reused,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
        Err(AppError::StorageFull) => {
            return Ok(form_again(
                state,
                lang,
                sub.values,
                t.storage_full,
                StatusCode::INSUFFICIENT_STORAGE,
            ));
        }
        Err(AppError::Unavailable) => {
            let mut resp = form_again(
                state,
                lang,
                sub.values,
                t.unavailable,
                StatusCode::SERVICE_UNAVAILABLE,
            );
            resp.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(crate::error::RETRY_AFTER_SECS),
            );
            return Ok(resp);
        }
        Err(e) => return Err(e),
    };
    // Post, redirect, get: the address bar then shows the link worth keeping, and a
    // reload files nothing again.
    let mut resp = Redirect::to(&format!(
        "/complaints/{}?lang={}",
        view.tracking_code,
        lang.as_str()
    ))
    .into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            state,
            RECEIPT_COOKIE,
            &receipt_mark(&view.tracking_code),
            Some(RECEIPT_SECS),
        ),
    );
    Ok(resp)
}

/// Files the complaint, then moves its evidence into place. Evidence of a filing that
/// did not happen is removed with its staging files.
async fn file(
    state: &AppState,
    new: NewComplaint,
    files: Vec<EvidenceFile>,
    idempotency: Option<(String, String)>,
    client: String,
) -> AppResult<Filed> {
    let (filed, files) = state
        .intake
        .submit(
            &state.db,
            &state.index,
            Submission {
                complaint: new,
                files,
                channel: Channel::Form,
                idempotency,
                submitter: None,
                client: Some(client),
                received_at: OffsetDateTime::now_utc(),
            },
        )
        .await;
    let filed = filed?;
    if matches!(filed, Filed::Created(_)) {
        evidence::persist(&state.config.data_dir, files)
            .await
            .map_err(evidence_error)?;
    }
    Ok(filed)
}

pub(crate) fn evidence_error(e: std::io::Error) -> AppError {
    if e.kind() == std::io::ErrorKind::StorageFull {
        AppError::StorageFull
    } else {
        AppError::Internal(anyhow::Error::new(e).context("storing evidence"))
    }
}

async fn status_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<LangQuery>, QueryRejection>,
    code: Result<Path<String>, PathRejection>,
) -> AppResult<Response> {
    let asked = query.as_ref().ok().and_then(|q| q.lang.as_deref());
    let found = match code.ok().and_then(|Path(c)| TrackingCode::parse(&c)) {
        Some(code) => complaints::by_code(&state.db, &code, &state.config).await?,
        None => None,
    };
    Ok(match found {
        Some(c) => {
            let lang = asked
                .and_then(Language::parse)
                .or_else(|| Language::parse(&c.language))
                .unwrap_or(Language::En);
            let receipt = cookie(&headers, &cookie_name(&state, RECEIPT_COOKIE))
                == Some(receipt_mark(&c.tracking_code).as_str());
            let mut resp = status_view(&c, lang, receipt, None, StatusCode::OK);
            if receipt {
                // Shown once: a reload shows the status alone.
                resp.headers_mut().append(
                    header::SET_COOKIE,
                    set_cookie(&state, RECEIPT_COOKIE, "", Some(0)),
                );
            }
            resp
        }
        None => render(
            StatusCode::NOT_FOUND,
            &NotFoundPage {
                t: texts(negotiate(asked, &headers)),
            },
        ),
    })
}

fn status_view(
    c: &ComplaintView,
    lang: Language,
    receipt: bool,
    problems: Option<(&FieldErrors, Typed)>,
    status: StatusCode,
) -> Response {
    let t = texts(lang);
    let (errs, typed) = match problems {
        Some((errors, typed)) => (status_form_errors(errors, lang, typed.field), typed),
        None => (Shown::default(), Typed::default()),
    };
    render(
        status,
        &StatusPage {
            receipt,
            t,
            status: status_name(lang, &c.status),
            decision: status_name(lang, c.decision.as_deref().unwrap_or_default()),
            times: PageTimes::of(c),
            open: crate::domain::complaint::ComplaintStatus::parse(&c.status)
                .is_some_and(|s| s.is_open()),
            waiting_counter: c.counter_notices.iter().any(|n| n.state == "waiting"),
            c,
            errs,
            typed,
            summary_lead: t.fix_errors,
        },
    )
}

/// The status page again after one of its forms came back (422): each problem beside
/// its field, what was typed kept. None when the code opens no complaint.
pub(crate) async fn status_with_errors(
    state: &AppState,
    code: &TrackingCode,
    errors: &FieldErrors,
    typed: Typed,
) -> AppResult<Option<Response>> {
    let Some(c) = complaints::by_code(&state.db, code, &state.config).await? else {
        return Ok(None);
    };
    let lang = Language::parse(&c.language).unwrap_or(Language::En);
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(Some(status_view(
        &c,
        lang,
        false,
        Some((errors, typed)),
        status,
    )))
}

fn not_found_page(lang: Language) -> Response {
    render(StatusCode::NOT_FOUND, &NotFoundPage { t: texts(lang) })
}

/// One button that confirms; opening the link (as mail scanners do) confirms nothing.
async fn confirm_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    token: Result<Path<String>, PathRejection>,
) -> AppResult<Response> {
    let Ok(Path(token)) = token else {
        return Ok(not_found_page(negotiate(None, &headers)));
    };
    let Some((lang, confirmed)) = confirmation::lookup(&state.db, &token).await? else {
        return Ok(not_found_page(negotiate(None, &headers)));
    };
    let t = texts(lang);
    Ok(confirm_view(
        t,
        confirmed,
        t.confirm_already,
        &format!("/complaints/confirm/{token}"),
    ))
}

async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    token: Result<Path<String>, PathRejection>,
) -> AppResult<Response> {
    let Ok(Path(token)) = token else {
        return Ok(not_found_page(negotiate(None, &headers)));
    };
    let Some(done) = confirmation::confirm(&state.db, &token, OffsetDateTime::now_utc()).await?
    else {
        return Ok(not_found_page(negotiate(None, &headers)));
    };
    let c = done.complaint();
    let t = texts(c.language);
    let message = match done {
        Confirmation::Confirmed { .. } => t.confirm_done,
        Confirmation::AlreadyConfirmed { .. } => t.confirm_already,
    };
    // The status page is where the claimant follows the complaint from here.
    let status_url = state.site().status_url(c)?;
    Ok(render(
        StatusCode::OK,
        &ConfirmPage {
            t,
            done: true,
            message,
            action: "",
            status_url: Some(&status_url),
        },
    ))
}

fn confirm_view(t: &Texts, done: bool, message: &str, action: &str) -> Response {
    render(
        StatusCode::OK,
        &ConfirmPage {
            t,
            done,
            message,
            action,
            status_url: None,
        },
    )
}
