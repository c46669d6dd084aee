//! Staff accounts, sign-in and the review queue, through the real pages.

use crate::common::staff::{PASSWORD, add, client, cookie_from, hidden, session, sign_in};
use crate::common::{TestApp, takedown_cmd};
use serde_json::json;
use takedown::services::staff::Role;
use time::OffsetDateTime;

async fn file(app: &TestApp, title: &str) -> i64 {
    // The URL complained of is an article we republished, so an uphold takes it down.
    let mut a = crate::common::article(1, "正文。");
    a["url"] = json!("https://news.example/a.html");
    assert!(app.post_article(&a).await.status().is_success());
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&json!({
            "claimant": {"name": "Wang Fang", "email": "rights@citydaily.example", "phone": "+86 10 1234 5678",
                         "address": "1 Press Road", "capacity": "owner"},
            "work": {"title": title, "description": "Our report", "original_url": "https://citydaily.example/1"},
            "infringing_urls": ["https://news.example/a.html"],
            "statements": {"good_faith": true, "accurate": true},
            "signature": "Wang Fang", "language": "en"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    resp.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn staff_sign_in_with_sessions_csrf_and_throttling() {
    let app = TestApp::spawn().await;
    add(&app, "reviewer@news.example", Role::Reviewer).await;
    let c = client();

    // No session: the page sends the browser to sign in; a form post is 401.
    let resp = c.get(app.url("/staff")).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/login?next=%2Fstaff");
    let resp = c
        .post(app.url("/staff/complaints/1/claim"))
        .form(&[("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    // The sign-in page carries the security headers.
    let page = c.get(app.url("/login")).send().await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'none'"));
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");

    // A form without its token is refused.
    let resp = c
        .post(app.url("/login"))
        .form(&[("email", "reviewer@news.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    let wrong = sign_in(&app, &c, "reviewer@news.example", "not the password").await;
    assert_eq!(wrong.status(), 401);
    assert!(cookie_from(&wrong, "td_session").is_none());

    let ok = sign_in(&app, &c, "Reviewer@News.example", PASSWORD).await;
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()["location"], "/staff");
    let set = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("td_session="))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let cookie = cookie_from(&ok, "td_session").unwrap();
    let queue = c
        .get(app.url("/staff"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(queue.status(), 200);
    let csrf = hidden(&queue.text().await.unwrap(), "csrf");

    // Logging out without the token does nothing; with it, the session is gone.
    let resp = c
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let resp = c
        .post(app.url("/logout"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let resp = c
        .get(app.url("/staff"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "the old session no longer works");

    // Five wrong passwords from one address (one was above) lock it out for a while,
    // even with the right password.
    for _ in 0..4 {
        assert_eq!(
            sign_in(&app, &c, "reviewer@news.example", "guess")
                .await
                .status(),
            401
        );
    }
    let locked = sign_in(&app, &c, "reviewer@news.example", PASSWORD).await;
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().contains_key("retry-after"));
}

/// A `next` that cannot be a `Location` (a control character) or leaves the staff area
/// signs in to the queue: never a 500 with a session left behind.
#[tokio::test]
async fn sign_in_with_a_next_that_cannot_be_a_location() {
    let app = TestApp::spawn().await;
    add(&app, "reviewer@news.example", Role::Reviewer).await;
    let c = client();
    for next in [
        "/staff\n",
        "/staff\r\nSet-Cookie: x=1",
        "/staff/é",
        "https://evil.example/",
    ] {
        let page = c
            .get(app.url(&format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let login_cookie = cookie_from(&page, "td_login_csrf").unwrap();
        let html = page.text().await.unwrap();
        assert!(
            html.contains("name=\"next\" value=\"/staff\""),
            "{next:?}: {html}"
        );
        let resp = c
            .post(app.url("/login"))
            .header("cookie", login_cookie)
            .form(&[
                ("email", "reviewer@news.example"),
                ("password", PASSWORD),
                ("csrf", &hidden(&html, "csrf")),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "{next:?}");
        assert_eq!(resp.headers()["location"], "/staff", "{next:?}");
    }
}

#[tokio::test]
async fn the_queue_is_ordered_by_deadline_and_complaints_can_be_claimed() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn().await;
    add(&app, "ana@news.example", Role::Reviewer).await;
    add(&app, "bo@news.example", Role::Reviewer).await;
    add(&app, "admin@news.example", Role::Admin).await;
    let later = file(&app, "Later story").await;
    let overdue = file(&app, "Overdue story").await;
    let sooner = file(&app, "Sooner story").await;
    let backend = app.db.get_database_backend();
    for (id, hours) in [(later, 20), (overdue, -2), (sooner, 3)] {
        let at = OffsetDateTime::now_utc() + time::Duration::hours(hours);
        app.db
            .execute_raw(takedown::db::stmt(
                backend,
                "UPDATE complaints SET deadline_at = ? WHERE id = ?",
                vec![at.into(), id.into()],
            ))
            .await
            .unwrap();
    }
    let c = client();
    let (ana, ana_csrf) = session(&app, &c, "ana@news.example").await;
    let html = c
        .get(app.url("/staff"))
        .header("cookie", &ana)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let pos = |t: &str| html.find(t).unwrap_or_else(|| panic!("{t} missing"));
    assert!(pos("Overdue story") < pos("Sooner story"));
    assert!(pos("Sooner story") < pos("Later story"));
    assert!(
        html.contains(&format!(
            "<tr class=\"overdue\" data-id=\"{overdue}\" data-urgency=\"overdue\">"
        )),
        "{html}"
    );
    assert!(
        html.contains("overdue by 1 hour 59 minutes") || html.contains("overdue by 2 hours"),
        "{html}"
    );

    let claim = |cookie: String, csrf: String, id: i64, to: Option<&'static str>| {
        let c = c.clone();
        let url = app.url(&format!("/staff/complaints/{id}/claim"));
        async move {
            let mut form = vec![("csrf", csrf)];
            if let Some(t) = to {
                form.push(("to", t.to_string()));
            }
            c.post(url)
                .header("cookie", cookie)
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(claim(ana.clone(), "forged".into(), sooner, None).await, 403);
    assert_eq!(
        claim(ana.clone(), ana_csrf.clone(), sooner, None).await,
        303
    );
    let mine = c
        .get(app.url("/staff?assigned=mine"))
        .header("cookie", &ana)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(mine.contains("Sooner story") && !mine.contains("Later story"));

    // Another reviewer cannot take it, nor hand work to someone else; an admin can.
    let (bo, bo_csrf) = session(&app, &c, "bo@news.example").await;
    assert_eq!(claim(bo.clone(), bo_csrf.clone(), sooner, None).await, 409);
    assert_eq!(
        claim(bo.clone(), bo_csrf.clone(), later, Some("ana@news.example")).await,
        403
    );
    let (admin, admin_csrf) = session(&app, &c, "admin@news.example").await;
    assert_eq!(
        claim(admin, admin_csrf, sooner, Some("bo@news.example")).await,
        303
    );
    assert_eq!(
        app.count("complaints WHERE assigned_reviewer = 'bo@news.example'")
            .await,
        1
    );
    assert_eq!(
        app.count("audit_events WHERE action = 'complaint.assigned'")
            .await,
        2
    );

    // A disabled account's sessions end at once.
    let out = takedown_cmd(&app.test_db)
        .args(["staff", "disable", "--email", "ana@news.example"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let resp = c
        .get(app.url("/staff"))
        .header("cookie", &ana)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
}

#[tokio::test]
async fn staff_accounts_are_added_from_the_command_line() {
    let app = TestApp::spawn().await;
    let out = takedown_cmd(&app.test_db)
        .args([
            "staff",
            "add",
            "--email",
            "new@news.example",
            "--role",
            "admin",
        ])
        .env("TAKEDOWN_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = takedown_cmd(&app.test_db)
        .args([
            "staff",
            "add",
            "--email",
            "weak@news.example",
            "--role",
            "reviewer",
        ])
        .env("TAKEDOWN_PASSWORD", "short")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));
    let out = takedown_cmd(&app.test_db)
        .args([
            "staff",
            "add",
            "--email",
            "new@news.example",
            "--role",
            "admin",
        ])
        .env("TAKEDOWN_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(!out.status.success(), "the same email twice");
    let c = client();
    assert_eq!(
        sign_in(&app, &c, "new@news.example", PASSWORD)
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn a_reviewer_opens_a_complaint_from_the_queue_and_decides_it() {
    let app = TestApp::spawn().await;
    add(&app, "ana@news.example", Role::Reviewer).await;
    let id = file(&app, "A story").await;
    let c = client();
    let (cookie, csrf) = session(&app, &c, "ana@news.example").await;
    let page = |path: String| {
        let (c, cookie, app) = (&c, &cookie, &app);
        async move {
            c.get(app.url(&path))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    // The queue offers no decision, only the way to the complaint, where it is made.
    let html = page("/staff".into()).await;
    let decision = format!("action=\"/staff/complaints/{id}/decision\"");
    assert!(!html.contains(&decision));
    assert!(html.contains(&format!("href=\"/staff/complaints/{id}\">Open to decide")));
    assert!(
        page(format!("/staff/complaints/{id}"))
            .await
            .contains(&decision)
    );
    let url = app.url(&format!("/staff/complaints/{id}/decision"));
    let forged = c
        .post(&url)
        .header("cookie", &cookie)
        .form(&[
            ("csrf", "forged"),
            ("action", "uphold"),
            ("reason", "copied"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let resp = c
        .post(&url)
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "uphold"),
            ("reason", "Copied word for word without a licence."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    // Back on the complaint's page, which says what was done.
    let back = resp.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(back, format!("/staff/complaints/{id}?done=upheld"));
    let done = page(back).await;
    assert!(
        done.contains("<p id=\"done\" class=\"done\" role=\"status\">Decision recorded: upheld."),
        "{done}"
    );
    assert!(!done.contains("id=\"decide\""), "decided: no form");
    // The timeline reads as sentences, naming the reviewer by address, with the reasons.
    assert!(
        done.contains(
            "<td>ana@news.example</td><td>Decided: upheld. 0 article(s) taken down, 0 put back."
        ),
        "its target is no recorded article: {done}"
    );
    assert!(done.contains(
        "<blockquote class=\"pre\">Copied word for word without a licence.</blockquote>"
    ));
    assert!(done.contains("<td>the claimant</td>") || done.contains("Received through the"));
    assert!(done.contains("<summary>raw event</summary>"));
    assert!(!done.contains("by staff:"), "staff by address, not by id");
    assert_eq!(app.count("complaints WHERE status = 'upheld'").await, 1);
    let actor = "staff:%";
    assert_eq!(
        app.count(&format!(
            "audit_events WHERE action = 'complaint.decided' AND actor LIKE '{actor}'"
        ))
        .await,
        1
    );
    // Decided complaints leave the queue.
    let html = c
        .get(app.url("/staff"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("A story"));
}

/// A login page's cookie and form token, ready to be posted.
async fn login_pair(app: &TestApp, c: &reqwest::Client) -> (String, String) {
    let page = c.get(app.url("/login")).send().await.unwrap();
    let cookie = cookie_from(&page, "td_login_csrf").unwrap();
    (cookie, hidden(&page.text().await.unwrap(), "csrf"))
}

async fn post_login(
    app: &TestApp,
    c: &reqwest::Client,
    (cookie, csrf): &(String, String),
    email: &str,
    password: &str,
) -> u16 {
    c.post(app.url("/login"))
        .header("cookie", cookie)
        .form(&[("email", email), ("password", password), ("csrf", csrf)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

const METRICS_TOKEN: &str = "scrape-secret-0123456789";

async fn login_outcomes(app: &TestApp) -> std::collections::BTreeMap<String, u64> {
    let text = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("takedown_login_attempts_total{outcome=\""))
        .filter_map(|l| l.split_once("\"} "))
        .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
        .collect()
}

/// A hundred wrong passwords sent at once, each with a fresh form token: the attempts
/// are counted before the password check, so exactly five are checked and the rest are
/// throttled. The counters live in the database: a second instance sharing it (or a
/// restart) refuses the right password too. A form token is spent once.
#[tokio::test]
async fn parallel_wrong_passwords_reach_the_password_check_five_times() {
    let app = TestApp::spawn_with(|c| c.metrics_token = Some(METRICS_TOKEN.into())).await;
    add(&app, "reviewer@news.example", Role::Reviewer).await;
    let c = client();
    let mut pairs = Vec::new();
    for _ in 0..100 {
        pairs.push(login_pair(&app, &c).await);
    }
    let statuses = futures_util::future::join_all(
        pairs
            .iter()
            .map(|p| post_login(&app, &c, p, "reviewer@news.example", "a wrong guess")),
    )
    .await;
    let count = |s: u16| statuses.iter().filter(|&&x| x == s).count();
    assert_eq!(
        (count(401), count(429)),
        (5, 95),
        "five checked, the rest throttled: {statuses:?}"
    );
    let outcomes = login_outcomes(&app).await;
    assert_eq!(outcomes.get("wrong"), Some(&5), "{outcomes:?}");
    assert_eq!(outcomes.get("ok"), None, "{outcomes:?}");
    assert_eq!(outcomes.get("throttled"), Some(&95), "{outcomes:?}");

    // A spent token is refused, whatever the password.
    assert_eq!(
        post_login(&app, &c, &pairs[0], "reviewer@news.example", PASSWORD).await,
        403
    );
    // Made-up tokens are refused: the server signs its own.
    let forged = ("td_login_csrf=abc".to_string(), "abc".to_string());
    assert_eq!(
        post_login(&app, &c, &forged, "reviewer@news.example", PASSWORD).await,
        403
    );

    // Another instance on the same database counts the same failures.
    let other = TestApp::spawn_on(app.test_db.clone(), |_| {}).await;
    let pair = login_pair(&other, &c).await;
    assert_eq!(
        post_login(&other, &c, &pair, "reviewer@news.example", PASSWORD).await,
        429
    );
    // A form issued by one instance is accepted by the other (one shared key): here
    // by the lock-out, not by a refusal of the token.
    let pair = login_pair(&app, &c).await;
    assert_eq!(
        post_login(&other, &c, &pair, "someone@news.example", PASSWORD).await,
        429,
        "the address is locked out as well"
    );
    other.stop().await;
}

/// Passwords anyone would guess are refused; staff change their own (the current one
/// required, every session ended, this browser signed in again); an admin resets one
/// from the command line, which ends the account's sessions.
#[tokio::test]
async fn passwords_are_checked_changed_and_reset() {
    let app = TestApp::spawn().await;
    let add_with = |email: &str, password: &str| {
        takedown_cmd(&app.test_db)
            .args(["staff", "add", "--email", email, "--role", "reviewer"])
            .env("TAKEDOWN_PASSWORD", password)
            .output()
            .unwrap()
    };
    for (password, why) in [
        ("aaaaaaaaaaaaaaaa", "one character repeated"),
        ("Password1234", "common passwords"),
        ("my-name-is-wangfang!", "your email address's name"),
    ] {
        let out = add_with("wangfang@news.example", password);
        assert!(!out.status.success(), "{password}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{password}: {err}");
    }
    assert_eq!(app.count("staff").await, 0);
    add(&app, "ann@news.example", Role::Reviewer).await;

    let c = client();
    let (other_cookie, _) = session(&app, &c, "ann@news.example").await;
    let (cookie, csrf) = session(&app, &c, "ann@news.example").await;
    let change = |current: &str, new: &str, repeat: &str| {
        c.post(app.url("/staff/password"))
            .header("cookie", &cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("current", current),
                ("new", new),
                ("repeat", repeat),
            ])
            .send()
    };
    let page = c
        .get(app.url("/staff/password"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    const NEW: &str = "harbour ferry at dawn";
    assert_eq!(change("not it", NEW, NEW).await.unwrap().status(), 403);
    assert_eq!(change(PASSWORD, NEW, "typo").await.unwrap().status(), 422);
    let weak = change(PASSWORD, "qwerty123456", "qwerty123456")
        .await
        .unwrap();
    assert_eq!(weak.status(), 422);
    assert!(weak.text().await.unwrap().contains("common passwords"));
    let forged = c
        .post(app.url("/staff/password"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", "forged"),
            ("current", PASSWORD),
            ("new", NEW),
            ("repeat", NEW),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let done = change(PASSWORD, NEW, NEW).await.unwrap();
    assert_eq!(done.status(), 200);
    let fresh = cookie_from(&done, "td_session").expect("a new session");
    assert!(
        done.text()
            .await
            .unwrap()
            .contains("Your password is changed")
    );
    for old in [&cookie, &other_cookie] {
        let resp = c
            .get(app.url("/staff"))
            .header("cookie", old)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "an old session has ended");
    }
    let resp = c
        .get(app.url("/staff"))
        .header("cookie", &fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        sign_in(&app, &c, "ann@news.example", PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        sign_in(&app, &c, "ann@news.example", NEW).await.status(),
        303
    );

    // An admin resets it: the account's sessions end, the new password works.
    let out = takedown_cmd(&app.test_db)
        .args(["staff", "reset-password", "--email", "Ann@news.example"])
        .env("TAKEDOWN_PASSWORD", "lantern over the bay")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let resp = c
        .get(app.url("/staff"))
        .header("cookie", &fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(
        sign_in(&app, &c, "ann@news.example", "lantern over the bay")
            .await
            .status(),
        303
    );
    let out = takedown_cmd(&app.test_db)
        .args(["staff", "reset-password", "--email", "nobody@news.example"])
        .env("TAKEDOWN_PASSWORD", "lantern over the bay")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(
        app.count("audit_events WHERE action = 'staff.password_changed'")
            .await,
        2
    );
}

/// The row of complaint `id` in a queue page, up to its end.
fn queue_row(html: &str, id: i64) -> Option<&str> {
    let start = html.find(&format!("data-id=\"{id}\""))?;
    let row = &html[start..];
    Some(&row[..row.find("</tr>").unwrap_or(row.len())])
}

#[tokio::test]
async fn the_queue_shows_how_near_each_deadline_is_and_filters_those_due_soon() {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    use takedown::entities::complaint;
    let app = TestApp::spawn().await;
    add(&app, "reviewer@news.example", Role::Reviewer).await;
    let c = client();
    let (cookie, _) = session(&app, &c, "reviewer@news.example").await;
    let now = OffsetDateTime::now_utc();
    // Minutes left of the 24-hour window (1,440), or paused, or past.
    let cases: [(&str, i64, bool, &str); 6] = [
        ("plenty", 20 * 60, false, "in-time"),
        ("a quarter", 6 * 60 + 30, false, "in-time"),
        ("under a quarter", 5 * 60, false, "amber"),
        ("under a tenth", 2 * 60, false, "red"),
        ("past", -1, false, "overdue"),
        ("waiting", 60, true, "paused"),
    ];
    let mut ids = Vec::new();
    for (title, minutes, paused, _) in cases {
        let id = file(&app, title).await;
        let row = complaint::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let mut am: complaint::ActiveModel = row.into();
        am.deadline_at = Set(now + time::Duration::minutes(minutes));
        if paused {
            am.paused_at = Set(Some(now));
            am.status = Set(takedown::domain::complaint::ComplaintStatus::NeedsInfo);
        }
        am.update(&app.db).await.unwrap();
        ids.push(id);
    }
    let get = |q: &'static str| {
        c.get(app.url(&format!("/staff{q}")))
            .header("cookie", &cookie)
            .send()
    };
    let html = get("").await.unwrap().text().await.unwrap();
    for (id, (title, _, _, stage)) in ids.iter().zip(cases) {
        let row = queue_row(&html, *id).expect(title);
        assert!(
            row.contains(&format!("data-urgency=\"{stage}\"")),
            "{title}: {row}"
        );
    }
    for (stage, n) in [("overdue", 1), ("red", 1), ("amber", 1), ("paused", 1)] {
        assert!(
            html.contains(&format!("data-stage=\"{stage}\">{n} ")),
            "{stage}: {html}"
        );
    }
    assert!(
        !html.contains("Record decision"),
        "no deciding from the queue"
    );
    assert!(!html.contains("active-filter"));

    let soon = get("?due=soon").await.unwrap().text().await.unwrap();
    assert!(soon.contains("id=\"active-filter\""), "{soon}");
    for (id, (title, _, _, stage)) in ids.iter().zip(cases) {
        let due = matches!(stage, "amber" | "red" | "overdue");
        assert_eq!(queue_row(&soon, *id).is_some(), due, "{title}");
    }
    // The counts stay those of the whole queue; the total is what the filter shows.
    assert!(soon.contains("data-stage=\"paused\">1 "));
    assert!(soon.contains("3 open; 3 on this page"), "{soon}");
    assert!(html.contains("6 open; 6 on this page"), "{html}");
}
