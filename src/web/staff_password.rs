//! `/staff/password`: a staff member changes their own password. The current password
//! is required; on success every session of the account ends and this browser gets a
//! new one.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::error::AppError;
use crate::services::staff::{self, StaffError};
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::desk::{self, Desk};
use crate::web::i18n::{Texts, texts};
use crate::web::page::render;
use crate::web::staff_auth::{StaffUser, session_cookie, staff_headers};

pub fn routes() -> Router<AppState> {
    Router::new()
        .at("/staff/password", get(form).post(change))
        .layer(middleware::from_fn(staff_headers))
}

#[derive(Template)]
#[template(path = "pages/staff_password.html")]
struct PasswordPage<'a> {
    t: &'a Texts,
    tr: Desk,
    csrf: &'a str,
    email: &'a str,
    error: Option<&'a str>,
    done: bool,
}

fn page(status: StatusCode, csrf: &str, email: &str, error: Option<&str>, done: bool) -> Response {
    let tr = desk::current();
    render(
        status,
        &PasswordPage {
            t: texts(tr.lang),
            tr,
            csrf,
            email,
            error,
            done,
        },
    )
}

async fn form(user: StaffUser) -> Response {
    page(
        StatusCode::OK,
        &user.0.csrf_token,
        &user.0.member.email,
        None,
        false,
    )
}

#[derive(Deserialize)]
struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

async fn change(
    State(state): State<AppState>,
    user: StaffUser,
    Form(f): Form<ChangeForm>,
) -> Response {
    if let Err(e) = user.check_csrf(&f.csrf) {
        return e.into_response();
    }
    let (csrf, email) = (&user.0.csrf_token, &user.0.member.email);
    let refuse = |status, why: &str| page(status, csrf, email, Some(why), false);
    let tr = desk::current();
    if f.new != f.repeat {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            tr.s("The two new passwords differ. Nothing was changed."),
        );
    }
    let now = OffsetDateTime::now_utc();
    match staff::change_password(&state.db, &user.0.member, f.current, f.new, now).await {
        Ok(session) => {
            let mut resp = page(StatusCode::OK, &session.csrf_token, email, None, true);
            resp.headers_mut()
                .append(header::SET_COOKIE, session_cookie(&state, &session.secret));
            resp
        }
        Err(StaffError::WrongPassword) => refuse(
            StatusCode::FORBIDDEN,
            tr.s("Your current password is wrong. Nothing was changed."),
        ),
        Err(StaffError::WeakPassword) => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            &tr.f(
                "The password must be at least {} characters. Nothing was changed.",
                staff::MIN_PASSWORD_CHARS,
            ),
        ),
        Err(StaffError::GuessablePassword(why)) => refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            &tr.f("{}. Nothing was changed.", tr.guessable(why)),
        ),
        Err(StaffError::NoAccount) => AppError::Unauthorized.into_response(),
        Err(StaffError::Db(e)) => AppError::from(e).into_response(),
        Err(e @ (StaffError::Exists | StaffError::Hash(_))) => {
            AppError::Internal(anyhow::anyhow!("changing a password: {e}")).into_response()
        }
    }
}
