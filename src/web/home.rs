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
    };
    render(StatusCode::OK, &page)
}

/// A typed tracking code goes to its status page; a malformed one back to the form.
async fn lookup(query: Result<Query<LangQuery>, QueryRejection>) -> Response {
    let q = query.ok().map(|Query(q)| q);
    let lang = q.as_ref().and_then(|q| q.lang.clone()).unwrap_or_default();
    let code = q
        .and_then(|q| q.code)
        .map(|c| c.trim().to_ascii_lowercase())
        .and_then(|c| TrackingCode::parse(&c));
    match code {
        Some(code) => Redirect::to(&format!("/complaints/{}", code.as_str())).into_response(),
        None => Redirect::to(&format!("/?lang={}", urlencode(&lang))).into_response(),
    }
}
