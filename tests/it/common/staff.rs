//! Staff sessions for tests: accounts added through the service, sign-in through the
//! real login form.

use reqwest::redirect::Policy;
use reqwest::{Client, Response};
use takedown::domain::validate::EmailAddress;
use takedown::services::staff::{self, Role};
use time::OffsetDateTime;

use super::TestApp;

pub const PASSWORD: &str = "correct horse battery";

pub fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

pub async fn add(app: &TestApp, email: &str, role: Role) {
    staff::add(
        &app.db,
        &EmailAddress::parse(email).unwrap(),
        role,
        PASSWORD.into(),
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
}

/// `name=value` of a Set-Cookie header for `name`.
pub fn cookie_from(resp: &Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect("hidden field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// Signs in through the form; returns the response to the POST.
pub async fn sign_in(app: &TestApp, c: &Client, email: &str, password: &str) -> Response {
    let page = c.get(app.url("/login?next=/staff")).send().await.unwrap();
    let login_cookie = cookie_from(&page, "td_login_csrf").unwrap();
    let html = page.text().await.unwrap();
    c.post(app.url("/login"))
        .header("cookie", login_cookie)
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf", &hidden(&html, "csrf")),
            ("next", "/staff"),
        ])
        .send()
        .await
        .unwrap()
}

/// A signed-in browser: its cookie header and the session's CSRF token.
pub async fn session(app: &TestApp, c: &Client, email: &str) -> (String, String) {
    let resp = sign_in(app, c, email, PASSWORD).await;
    assert_eq!(resp.status(), 303);
    let cookie = cookie_from(&resp, "td_session").unwrap();
    let queue = c
        .get(app.url("/staff"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (cookie.clone(), hidden(&queue, "csrf"))
}

/// A staff page's HTML, as the browser holding `cookie` gets it.
pub async fn page(app: &TestApp, cookie: &str, path: &str) -> String {
    client()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// A reviewer for calls made straight to the services (no account behind it).
pub fn reviewer_at_desk() -> staff::StaffMember {
    staff::StaffMember {
        id: 0,
        email: "desk@news.example".into(),
        role: Role::Reviewer,
    }
}

/// A `staff` token acting for a new reviewer account `{name}@news.example`.
pub async fn account_token(app: &TestApp, name: &str) -> String {
    let email = format!("{name}@news.example");
    let id = staff::add(
        &app.db,
        &EmailAddress::parse(&email).unwrap(),
        Role::Reviewer,
        PASSWORD.into(),
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    takedown::services::tokens::create_for_staff(&app.db, name, id, OffsetDateTime::now_utc(), None)
        .await
        .unwrap()
}
