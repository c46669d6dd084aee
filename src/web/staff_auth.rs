//! Staff sign-in: `/login` and `/logout`, the session cookie and CSRF tokens; the
//! throttle and the sign-in form's single-use token are `services::login_guard`. Every staff page goes through `StaffUser`, which sends a browser
//! without a live session to the sign-in page.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::error::AppError;
use crate::services::login_guard::{self, Admission};
use crate::services::staff::{self, Session, constant_eq};
use crate::web::AppState;
use crate::web::RouteList;
use crate::web::client_ip::{client_ip, limit_key};
use crate::web::desk::{self, Desk};
use crate::web::i18n::{Texts, texts};

const SESSION_COOKIE: &str = "td_session";
const LOGIN_CSRF_COOKIE: &str = "td_login_csrf";
/// A sign-in form is an address, a password and two short tokens.
const LOGIN_MAX_BYTES: usize = 16 << 10;

pub fn routes() -> Router<AppState> {
    Router::new()
        .at(
            "/login",
            get(login_page)
                .post(login)
                .layer(DefaultBodyLimit::max(LOGIN_MAX_BYTES)),
        )
        .at("/logout", post(logout))
        .layer(middleware::from_fn(staff_headers))
}

/// Middleware for staff pages: no framing, no scripts, nothing cached.
pub async fn staff_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    // A handler's own policy (an evidence download's sandbox) is stricter: keep it.
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    resp
}

pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A cookie's name: under https with the `__Host-` prefix, which browsers accept only
/// from this host, over https, for the whole site.
pub(crate) fn cookie_name(state: &AppState, name: &str) -> String {
    if state.config.public_base_url.starts_with("https://") {
        format!("__Host-{name}")
    } else {
        name.to_string()
    }
}

pub(crate) fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    max_age: Option<i64>,
) -> HeaderValue {
    let name = cookie_name(state, name);
    let secure = if state.config.public_base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session cookie for a new session's secret.
pub fn session_cookie(state: &AppState, secret: &str) -> HeaderValue {
    set_cookie(
        state,
        SESSION_COOKIE,
        secret,
        Some(staff::ABSOLUTE_TIMEOUT.whole_seconds()),
    )
}

/// A signed-in staff member, from the session cookie.
pub struct StaffUser(pub Session);

impl StaffUser {
    /// Checks a submitted form's CSRF token against the session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), AppError> {
        if !submitted.is_empty() && constant_eq(submitted, &self.0.csrf_token) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Without a live session: a browser is sent to sign in; anything else gets 401.
pub struct SignInFirst(String);

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        Redirect::to(&format!("/login?next={}", urlencode(&self.0))).into_response()
    }
}

/// A value for a query string.
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl FromRequestParts<AppState> for StaffUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let secret =
            cookie(&parts.headers, &cookie_name(state, SESSION_COOKIE)).unwrap_or_default();
        match staff::session(&state.db, secret, OffsetDateTime::now_utc()).await {
            Ok(Some(s)) => Ok(StaffUser(s)),
            Ok(None) if parts.method == axum::http::Method::GET => {
                Err(SignInFirst(parts.uri.path().to_string()).into_response())
            }
            Ok(None) => Err(AppError::Unauthorized.into_response()),
            Err(e) => Err(AppError::from(e).into_response()),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage<'a> {
    t: &'a Texts,
    tr: Desk,
    csrf: &'a str,
    next: &'a str,
    email: &'a str,
    error: Option<&'a str>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only paths inside the staff area, in printable ASCII: never an open redirect, and
/// always a `Location` header that can be built.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with("/staff")
                && n.bytes().all(|b| b.is_ascii_graphic())
                && !n.contains("//")
                && !n.contains('\\') =>
        {
            n
        }
        _ => "/staff",
    }
}

fn login_form(
    state: &AppState,
    status: StatusCode,
    next: &str,
    email: &str,
    error: Option<&str>,
) -> Response {
    let csrf = state.login_key.issue(OffsetDateTime::now_utc());
    let tr = desk::current();
    let page = LoginPage {
        t: texts(tr.lang),
        tr,
        csrf: &csrf,
        next,
        email,
        error,
    };
    match page.render() {
        Ok(html) => {
            let mut resp = (status, Html(crate::web::page::with_footer(html))).into_response();
            resp.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(state, LOGIN_CSRF_COOKIE, &csrf, None),
            );
            resp
        }
        Err(e) => AppError::Internal(anyhow::anyhow!("rendering page: {e}")).into_response(),
    }
}

async fn login_page(
    State(state): State<AppState>,
    query: Result<Query<NextQuery>, QueryRejection>,
) -> Response {
    let next = query.as_ref().ok().and_then(|q| q.next.as_deref());
    login_form(&state, StatusCode::OK, safe_next(next), "", None)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref()).to_string();
    // The form's token must match the cookie set with it (double submit).
    let expected = cookie(&headers, &cookie_name(&state, LOGIN_CSRF_COOKIE)).unwrap_or_default();
    if f.csrf.is_empty() || !constant_eq(&f.csrf, expected) {
        return login_form(
            &state,
            StatusCode::FORBIDDEN,
            &next,
            &f.email,
            Some(desk::current().s("This form expired. Please sign in again.")),
        );
    }
    let ip = client_ip(peer.ip(), &headers, &state.config.trusted_proxies);
    let address = limit_key(ip).to_string();
    let now = OffsetDateTime::now_utc();
    let admission = login_guard::admit(
        &state.db,
        &state.login_key,
        &f.csrf,
        &f.email,
        &address,
        now,
    )
    .await;
    match admission {
        Ok(Admission::Admitted) => {}
        Ok(Admission::TokenRefused) => {
            state.telemetry.login("refused");
            return login_form(
                &state,
                StatusCode::FORBIDDEN,
                &next,
                &f.email,
                Some(desk::current().s("This form expired. Please sign in again.")),
            );
        }
        Ok(Admission::Throttled(wait)) => {
            state.telemetry.login("throttled");
            let tr = desk::current();
            let msg = tr.f(
                "Too many failed sign-ins. Try again in {} minutes.",
                wait.div_ceil(60),
            );
            let mut resp = login_form(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                &next,
                &f.email,
                Some(&msg),
            );
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
            return resp;
        }
        Err(e) => return AppError::from(e).into_response(),
    }
    match staff::login(&state.db, &f.email, f.password, now).await {
        Ok(Some(session)) => {
            state.telemetry.login("ok");
            if let Err(e) = login_guard::succeeded(&state.db, &f.email, &address).await {
                return AppError::from(e).into_response();
            }
            let mut resp = Redirect::to(&next).into_response();
            let age = staff::ABSOLUTE_TIMEOUT.whole_seconds();
            resp.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&state, SESSION_COOKIE, &session.secret, Some(age)),
            );
            resp.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&state, LOGIN_CSRF_COOKIE, "", Some(0)),
            );
            resp
        }
        Ok(None) => {
            state.telemetry.login("wrong");
            login_form(
                &state,
                StatusCode::UNAUTHORIZED,
                &next,
                &f.email,
                Some(desk::current().s("Wrong email or password.")),
            )
        }
        Err(e) => AppError::from(e).into_response(),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    user: StaffUser,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(e) = user.check_csrf(&f.csrf) {
        return e.into_response();
    }
    if let Err(e) = staff::logout(&state.db, &user.0.secret).await {
        return AppError::from(e).into_response();
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", Some(0)),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_redirects_stay_inside_the_staff_area() {
        assert_eq!(
            safe_next(Some("/staff/complaints/3")),
            "/staff/complaints/3"
        );
        assert_eq!(safe_next(Some("https://evil.example/")), "/staff");
        assert_eq!(safe_next(Some("/staff//evil.example")), "/staff");
        assert_eq!(safe_next(None), "/staff");
        assert_eq!(safe_next(Some("/staff\n")), "/staff");
        assert_eq!(safe_next(Some("/staff/complaints/3 x")), "/staff");
        assert_eq!(safe_next(Some("/staff/\u{7f}")), "/staff");
        assert_eq!(safe_next(Some("/staff/é")), "/staff");
    }
}
