//! The front door: the site's promise, the complaint form in both languages, a status
//! look-up by tracking code, staff sign-in and the API docs.

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::domain::complaint::TrackingCode;
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::headers::private_page;
use crate::web::i18n::{Texts, duration_text, negotiate, texts};
use crate::web::page::render;
use crate::web::staff_auth::urlencode;

pub fn routes() -> Router<AppState> {
    Router::new().at("/", get(home)).at(
        "/complaints/lookup",
        get(lookup).layer(middleware::from_fn(private_page)),
    )
}

#[derive(Template)]
#[template(path = "pages/home.html")]
struct HomePage<'a> {
    t: &'a Texts,
    deadline: String,
    /// A code typed that cannot be one, kept to be corrected.
    typed: &'a str,
    code_error: bool,
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
    code: Option<String>,
}

async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<LangQuery>, QueryRejection>,
) -> Response {
    let t = texts(negotiate(
        query.as_ref().ok().and_then(|q| q.lang.as_deref()),
        &headers,
    ));
    let page = HomePage {
        t,
        deadline: duration_text(t, state.config.deadline),
        typed: "",
        code_error: false,
    };
    render(StatusCode::OK, &page)
}

/// A typed tracking code goes to its status page; one that cannot be a code comes
/// back on the front door, saying so beside the field. Nothing typed goes back to it.
async fn lookup(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<LangQuery>, QueryRejection>,
) -> Response {
    let q = query.ok().map(|Query(q)| q);
    let lang = q.as_ref().and_then(|q| q.lang.clone()).unwrap_or_default();
    let typed = q.and_then(|q| q.code).unwrap_or_default();
    let typed = typed.trim();
    if typed.is_empty() {
        return Redirect::to(&format!("/?lang={}", urlencode(&lang))).into_response();
    }
    match TrackingCode::parse(&typed.to_ascii_lowercase()) {
        Some(code) => Redirect::to(&format!("/complaints/{}", code.as_str())).into_response(),
        None => {
            let t = texts(negotiate(Some(&lang), &headers));
            let typed: String = typed.chars().take(80).collect();
            let page = HomePage {
                t,
                deadline: duration_text(t, state.config.deadline),
                typed: &typed,
                code_error: true,
            };
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
