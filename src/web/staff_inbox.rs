//! Mail that came to us and that nothing acted on (not a delivery report, not a reply
//! to one of our emails): kept, and listed here for a person to read, newest first.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::Response;
use axum::routing::get;

use crate::domain::display_time::{display, zone};
use crate::error::AppResult;
use crate::services::inbound;
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::desk::{self, Desk};
use crate::web::i18n::{Texts, texts};
use crate::web::page::render;
use crate::web::staff_auth::{StaffUser, staff_headers};

pub fn routes() -> Router<AppState> {
    Router::new()
        .at("/staff/inbox", get(inbox))
        .layer(middleware::from_fn(staff_headers))
}

struct Row {
    id: i64,
    when: String,
    from: String,
    subject: String,
    text: Option<String>,
    sha256: String,
}

#[derive(Template)]
#[template(path = "pages/staff_inbox.html")]
struct InboxPage<'a> {
    t: &'a Texts,
    tr: Desk,
    zone: String,
    rows: Vec<Row>,
}

async fn inbox(State(state): State<AppState>, _user: StaffUser) -> AppResult<Response> {
    let tr = desk::current();
    let rows = inbound::unsorted(&state.db, &state.config.data_dir)
        .await?
        .into_iter()
        .map(|(m, text)| Row {
            id: m.id,
            when: display(m.received_at),
            from: m.from_address.unwrap_or_default(),
            subject: m.subject.unwrap_or_default(),
            text,
            sha256: m.raw_sha256,
        })
        .collect();
    let page = InboxPage {
        t: texts(tr.lang),
        tr,
        zone: zone().to_string(),
        rows,
    };
    Ok(render(StatusCode::OK, &page))
}
