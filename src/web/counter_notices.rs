//! The public side of a takedown: the 451 notice that stands in for a removed article,
//! and the counter-notice its source or author files (form and JSON API).

use askama::Template;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::domain::calendar::Wait;
use crate::domain::complaint::Language;
use crate::domain::display_time::{display, span_words};
use crate::domain::validate::{FieldError, Problem};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::services::counter_notices::{
    self, CounterNoticeInput, CounterNoticeView, Filed, NewCounterNotice,
};
use crate::services::error::Conflict;
use crate::services::evidence;
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::body::JsonBody;
use crate::web::claimant::NoticePage;
use crate::web::complaint_form::{FormSubmission, MAX_FORM_BYTES, evidence_error, read_submission};
use crate::web::form_errors;
use crate::web::headers::private_page;
use crate::web::i18n::{Texts, negotiate, texts};
use crate::web::limits::{capped, rate_limit};
use crate::web::openapi::ErrorBody;
use crate::web::page::render;

const MAX_BODY: usize = 256 << 10;

pub fn routes(state: &AppState) -> Router<AppState> {
    let intake = |r: axum::routing::MethodRouter<AppState>, max: usize| {
        capped(r, max)
            .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
            .layer(middleware::from_fn(private_page))
    };
    Router::new()
        .at("/removed/{article_id}", get(removed_page))
        .at("/counter-notices/new", get(new_form))
        // The form may bring evidence files (the licence), streamed to disk.
        .at(
            "/counter-notices",
            intake(post(submit_form), MAX_FORM_BYTES),
        )
        .at(
            "/api/v1/counter-notices",
            intake(post(submit_api), MAX_BODY),
        )
}

#[derive(Template)]
#[template(path = "pages/removed.html")]
struct RemovedPage<'a> {
    t: &'a Texts,
    article_id: i64,
    complaint_id: i64,
    url: &'a str,
    removed_at: String,
}

/// `GET /removed/{article_id}`: 451 with the complaint's number and the date, and a
/// `Link: rel="blocked-by"` naming the site (RFC 7725). No personal data.
async fn removed_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> AppResult<Response> {
    let t = texts(negotiate(None, &headers));
    let Ok(Path(id)) = id else {
        return Ok(not_removed(t));
    };
    Ok(match counter_notices::removal_of(&state.db, id).await? {
        Some((a, c)) => {
            let mut resp = render(
                StatusCode::UNAVAILABLE_FOR_LEGAL_REASONS,
                &RemovedPage {
                    t,
                    article_id: a.id,
                    complaint_id: c.id,
                    url: &a.url,
                    removed_at: display(a.updated_at),
                },
            );
            if let Ok(v) = HeaderValue::from_str(&format!(
                "<{}>; rel=\"blocked-by\"",
                state.config.public_base_url
            )) {
                resp.headers_mut().insert(header::LINK, v);
            }
            resp
        }
        None => match licence_removal(&state.db, id).await? {
            Some((a, reference)) => render(
                StatusCode::GONE,
                &WithdrawnPage {
                    t,
                    url: &a.url,
                    reference: &reference,
                    removed_at: display(a.updated_at),
                },
            ),
            None => not_removed(t),
        },
    })
}

#[derive(Template)]
#[template(path = "pages/licence_ended.html")]
struct WithdrawnPage<'a> {
    t: &'a Texts,
    url: &'a str,
    reference: &'a str,
    removed_at: String,
}

/// An article down only because the licence it was republished under ended: it and
/// that licence's reference.
async fn licence_removal(
    db: &sea_orm::DatabaseConnection,
    article_id: i64,
) -> crate::services::error::ServiceResult<Option<(crate::entities::article::Model, String)>> {
    use sea_orm::EntityTrait;
    let standing = crate::services::holds::standing(db, article_id).await?;
    let Some(licence_id) = standing.first().and_then(|h| h.licence_id) else {
        return Ok(None);
    };
    if standing.iter().any(|h| h.licence_id.is_none()) {
        return Ok(None);
    }
    let a = crate::entities::article::Entity::find_by_id(article_id)
        .one(db)
        .await?;
    let l = crate::entities::licence::Entity::find_by_id(licence_id)
        .one(db)
        .await?;
    Ok(a.zip(l.map(|l| l.reference)))
}

fn not_removed(t: &Texts) -> Response {
    render(
        StatusCode::NOT_FOUND,
        &NoticePage {
            t,
            title: t.not_found_title,
            message: "No removed article has this number. / 没有编号对应的已删除文章。",
            back: "",
        },
    )
}

/// What the form shows again after a problem.
#[derive(Default)]
struct FormFields {
    article_id: String,
    name: String,
    address: String,
    phone: String,
    email: String,
    removed_url: String,
    statement: String,
    evidence: String,
    consent_jurisdiction: String,
    signature: String,
}

impl FormFields {
    fn of(sub: &FormSubmission) -> Self {
        let v = |k: &str| sub.text(k).to_string();
        Self {
            article_id: v("article_id"),
            name: v("name"),
            address: v("address"),
            phone: v("phone"),
            email: v("email"),
            removed_url: v("removed_url"),
            statement: v("statement"),
            evidence: v("evidence"),
            consent_jurisdiction: v("consent_jurisdiction"),
            signature: v("signature"),
        }
    }
}

struct Shown<'a> {
    name: &'a str,
    address: &'a str,
    phone: &'a str,
    email: &'a str,
    removed_url: &'a str,
    statement: &'a str,
    evidence: &'a str,
    consent: bool,
    signature: &'a str,
}

#[derive(Template)]
#[template(path = "pages/counter_notice_form.html")]
struct FormPage<'a> {
    t: &'a Texts,
    article_id: i64,
    complaint_id: i64,
    url: &'a str,
    /// How long the claimant has to report legal action, in each language.
    wait_zh: String,
    wait_en: String,
    f: Shown<'a>,
    errs: form_errors::Shown,
    summary_lead: &'static str,
}

/// The form's fields top to bottom, for the error summary's order.
const FIELD_ORDER: &[&str] = &[
    "article_id",
    "name",
    "address",
    "phone",
    "email",
    "removed_url",
    "statement",
    "evidence",
    "evidence_files",
    "consent_jurisdiction",
    "signature",
];

/// A field's name as the form labels it, in the page's language.
fn label(lang: Language, field: &str) -> String {
    let zh = lang == Language::Zh;
    let (zh_label, en_label) = match field {
        "article_id" => ("被删除文章的编号", "The removed article's number"),
        "name" => ("姓名", "Full name"),
        "address" => ("地址", "Postal address"),
        "phone" => ("电话", "Phone"),
        "email" => ("邮箱", "Email"),
        "removed_url" => ("被删除的网址", "The removed URL"),
        "statement" => ("声明", "Statement"),
        "evidence" => ("证据", "Evidence"),
        "evidence_files" => ("证据文件", "Evidence files"),
        "consent_jurisdiction" => (
            "我同意接受本站所在地法院的管辖",
            "I consent to the jurisdiction of the courts where this site is run",
        ),
        "signature" => ("签名", "Signature"),
        other => (other, other),
    };
    if zh { zh_label } else { en_label }.to_string()
}

fn shown_errors(errors: &FieldErrors, lang: Language) -> form_errors::Shown {
    let anchor = |f: &str| match f {
        // The hidden id cannot be focused; the removed URL names the same article.
        "article_id" => "removed_url".to_string(),
        f => f.to_string(),
    };
    form_errors::Shown::new(errors, lang, FIELD_ORDER, |f| label(lang, f), anchor)
}

fn wait_words(w: &Wait) -> (String, String) {
    match w {
        Wait::BusinessDays(n) => (format!("{n} 个工作日"), format!("{n} business days")),
        Wait::Fixed(d) => (span_words(d.as_secs()), span_words(d.as_secs())),
    }
}

#[derive(Deserialize)]
struct ArticleQuery {
    article: Option<String>,
}

async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    article_id: Option<i64>,
    f: &FormFields,
    errors: &FieldErrors,
    status: StatusCode,
) -> Response {
    let lang = negotiate(None, headers);
    let t = texts(lang);
    let Some(id) = article_id else {
        return not_removed(t);
    };
    let (a, c) = match counter_notices::removal_of(&state.db, id).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_removed(t),
        Err(e) => return AppError::from(e).into_response(),
    };
    let removed_url = if f.removed_url.is_empty() {
        a.url.as_str()
    } else {
        f.removed_url.as_str()
    };
    let (wait_zh, wait_en) = wait_words(&state.config.counter_notice_wait);
    render(
        status,
        &FormPage {
            t,
            article_id: a.id,
            complaint_id: c.id,
            url: &a.url,
            wait_zh,
            wait_en,
            f: Shown {
                name: &f.name,
                address: &f.address,
                phone: &f.phone,
                email: &f.email,
                removed_url,
                statement: &f.statement,
                evidence: &f.evidence,
                consent: f.consent_jurisdiction == "true",
                signature: &f.signature,
            },
            errs: shown_errors(errors, lang),
            summary_lead: t.fix_errors,
        },
    )
}

async fn new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<ArticleQuery>, QueryRejection>,
) -> Response {
    let id = q
        .ok()
        .and_then(|Query(q)| q.article)
        .and_then(|a| a.trim().parse().ok());
    form_page(
        &state,
        &headers,
        id,
        &FormFields::default(),
        &FieldErrors::new(),
        StatusCode::OK,
    )
    .await
}

/// Every problem the form can show in one round: the fields, and a removed URL that
/// is not the article's.
async fn form_problems(
    state: &AppState,
    input: &CounterNoticeInput,
    checked: &Result<NewCounterNotice, FieldErrors>,
) -> AppResult<FieldErrors> {
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    let url = input.removed_url.as_deref().map(str::trim).unwrap_or("");
    if let Some(id) = input.article_id
        && !url.is_empty()
        && !errors.contains_key("removed_url")
        && let Some((a, _)) = counter_notices::removal_of(&state.db, id).await?
        && a.url != url
    {
        let message = format!("must be the removed article's URL, {}", a.url);
        let e = FieldError::new(Problem::Mismatch, message);
        errors.insert("removed_url".into(), e);
    }
    Ok(errors)
}

/// Files it. The form shows a wrong article id or URL beside its field; the API
/// answers 404 and 409, as for any request naming a resource in another state.
async fn file(
    state: &AppState,
    input: &CounterNoticeInput,
    form: Option<&mut FormSubmission>,
) -> AppResult<CounterNoticeView> {
    let api = form.is_none();
    let mut files = Vec::new();
    let checked = input.check();
    if let Some(sub) = form {
        let mut errors = form_problems(state, input, &checked).await?;
        if let Some(e) = sub.file_problem() {
            errors.insert("evidence_files".into(), e);
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        files = std::mem::take(&mut sub.files);
    }
    let new = checked.map_err(AppError::Validation)?;
    let filed = counter_notices::file(
        &state.db,
        &state.config,
        &state.site(),
        &new,
        &files,
        OffsetDateTime::now_utc(),
    )
    .await?;
    match filed {
        Filed::Created(n) => {
            evidence::persist(&state.config.data_dir, files)
                .await
                .map_err(evidence_error)?;
            Ok(CounterNoticeView::from(n.as_ref()))
        }
        Filed::ArticleNotFound if api => Err(AppError::NotFound),
        Filed::UrlMismatch(_) if api => Err(Conflict::RemovedUrlMismatch.into()),
        Filed::ArticleNotFound => Err(AppError::field(
            "article_id",
            "no recorded article has this id",
        )),
        Filed::UrlMismatch(url) => {
            let message = format!("must be the removed article's URL, {url}");
            let mut errors = FieldErrors::new();
            errors.insert(
                "removed_url".into(),
                FieldError::new(Problem::Mismatch, message),
            );
            Err(AppError::Validation(errors))
        }
    }
}

async fn submit_form(State(state): State<AppState>, req: Request) -> Response {
    let headers = req.headers().clone();
    let mut sub = match read_submission(req, &state, "evidence_files").await {
        Ok(sub) => sub,
        Err(e) => return e.into_response(),
    };
    let f = FormFields::of(&sub);
    let article_id = f.article_id.trim().parse::<i64>().ok();
    let input = CounterNoticeInput {
        article_id,
        name: Some(f.name.clone()),
        address: Some(f.address.clone()),
        phone: Some(f.phone.clone()),
        email: Some(f.email.clone()),
        removed_url: Some(f.removed_url.clone()),
        statement: Some(f.statement.clone()),
        evidence: Some(f.evidence.clone()),
        consent_jurisdiction: Some(f.consent_jurisdiction == "true"),
        signature: Some(f.signature.clone()),
    };
    let t = texts(negotiate(None, &headers));
    match file(&state, &input, Some(&mut sub)).await {
        Ok(n) => {
            let message = format!(
                "Counter-notice #{} received and forwarded to the claimant. The content returns on {} unless they report legal action. / 反通知 #{} 已收到并转交投诉人。除非投诉人告知已提起诉讼，内容将于 {} 恢复。",
                n.id,
                crate::domain::display_time::shown(&n.restore_at),
                n.id,
                crate::domain::display_time::shown(&n.restore_at),
            );
            render(
                StatusCode::CREATED,
                &NoticePage {
                    t,
                    title: t.done_title,
                    message: &message,
                    back: "",
                },
            )
        }
        Err(AppError::Validation(errors)) => {
            form_page(
                &state,
                &headers,
                article_id,
                &f,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::Conflict(c)) => render(
            StatusCode::CONFLICT,
            &NoticePage {
                t,
                title: t.problem_title,
                message: t.conflict(c),
                back: "",
            },
        ),
        Err(e) => e.into_response(),
    }
}

/// Files a counter-notice against a removal; the claimant is told at once and the
/// content returns after `COUNTER_NOTICE_WAIT` unless they report legal action.
#[utoipa::path(post, path = "/api/v1/counter-notices", tag = "complaints",
    request_body = CounterNoticeInput,
    responses((status = 201, body = CounterNoticeView), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn submit_api(
    State(state): State<AppState>,
    JsonBody(input): JsonBody<CounterNoticeInput>,
) -> AppResult<impl IntoResponse> {
    let view = file(&state, &input, None).await?;
    Ok((StatusCode::CREATED, Json(view)))
}
