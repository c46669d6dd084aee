//! `/docs/start`: getting started for a rights agency filing by API — how to get a
//! `submitter` token, the first request, idempotency, and following a complaint. The
//! example body is the one the API docs show, so the page cannot drift from the API.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;

use crate::web::AppState;
use crate::web::RouteList;
use crate::web::i18n::{Texts, negotiate, texts};
use crate::web::page::render;

pub fn routes() -> Router<AppState> {
    Router::new().at("/docs/start", get(start))
}

#[derive(Template)]
#[template(path = "pages/docs_start.html")]
struct StartPage<'a> {
    t: &'a Texts,
    base: &'a str,
    contact: Option<&'a str>,
    example: String,
}

async fn start(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let example = crate::web::api_examples::examples()
        .into_iter()
        .find(|(path, _, _)| *path == "/api/v1/complaints")
        .and_then(|(_, _, body)| serde_json::to_string_pretty(&body).ok())
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &StartPage {
            t: texts(negotiate(None, &headers)),
            base: &state.config.public_base_url,
            contact: state.config.site_contact.as_ref().map(|c| c.as_str()),
            example,
        },
    )
}
