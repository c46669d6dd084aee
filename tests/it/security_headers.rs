//! Every page a browser opens sends a CSP, `nosniff` and a referrer policy; under https
//! HSTS too, and the staff cookies carry the `__Host-` prefix.

use crate::common::TestApp;
use crate::common::staff::{PASSWORD, add, client, cookie_from, hidden};
use takedown::services::staff::Role;

const PUBLIC: [&str; 6] = [
    "/",
    "/complaints/new",
    "/complaints/new?lang=en",
    "/complaints/0000000000000000000000000000000000000000",
    "/removed/1",
    "/login",
];

#[tokio::test]
async fn public_pages_send_security_headers() {
    let app = TestApp::spawn().await;
    let c = client();
    for path in PUBLIC {
        let resp = c.get(app.url(path)).send().await.unwrap();
        let h = resp.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            !csp.contains("script-src 'self' 'unsafe-inline'"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
        assert!(
            !h.contains_key("strict-transport-security"),
            "http: no HSTS"
        );
    }
    // A private page keeps its stricter referrer policy.
    let resp = c
        .get(app.url("/complaints/0000000000000000000000000000000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["referrer-policy"], "no-referrer");
    // Swagger UI works under its own policy.
    let resp = c.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let csp = resp.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
}

#[tokio::test]
async fn under_https_hsts_and_host_prefixed_cookies() {
    let app = TestApp::spawn_with(|c| c.public_base_url = "https://takedown.example".into()).await;
    add(&app, "reviewer@news.example", Role::Reviewer).await;
    let c = client();
    let page = c.get(app.url("/login")).send().await.unwrap();
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    assert!(cookie_from(&page, "td_login_csrf").is_none());
    let login = cookie_from(&page, "__Host-td_login_csrf").expect("__Host- login cookie");
    let set = page.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set.contains("; Secure") && set.contains("Path=/"), "{set}");
    let html = page.text().await.unwrap();
    let resp = c
        .post(app.url("/login"))
        .header("cookie", &login)
        .form(&[
            ("email", "reviewer@news.example"),
            ("password", PASSWORD),
            ("csrf", &hidden(&html, "csrf")),
            ("next", "/staff"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let session = cookie_from(&resp, "__Host-td_session").expect("__Host- session");
    let queue = c
        .get(app.url("/staff"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(queue.status(), 200, "the prefixed cookie is the session");
}
