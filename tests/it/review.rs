//! Reviewing a complaint after intake: the evidence page, requests for information
//! with the clock paused, appeals to another reviewer, the 451 notice, the signed CMS
//! webhook, counter-notices on a business-day clock, and failed emails retried by an
//! admin. Everything through the real pages and API.

use std::time::Duration;

use crate::common::cms::Cms;
use crate::common::staff::{add, client, hidden, session};
use crate::common::{TestApp, article};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use takedown::config::Config;
use takedown::domain::calendar::{Wait, parse_dates};
use takedown::domain::deadline::{StepKind, StepState};
use takedown::entities::{article as article_entity, complaint, deadline_step, outbox};
use takedown::jobs::tick;
use takedown::mail::delivery::{MailSettings, Mailer};
use takedown::services::staff::Role;
use time::OffsetDateTime;

const TARGET: &str = "https://news.example/2022/08/24/article-1.html";
const SECRET: &str = "cms-shared-secret-0123456789";

/// What we republished (Simplified, full-width punctuation) and what the claimant
/// says is theirs (Traditional, with their own lead-in and sign-off).
const OURS: &str = "【本报讯】据新华社报道，国务院今日召开常务会议，研究部署稳就业工作。会议指出，“要把稳就业摆在更加突出的位置”，并要求各地加快落实援企稳岗政策。编辑：陈静";
const THEIRS: &str = "據新華社報道，國務院今日召開常務會議，研究部署穩就業工作。會議指出，「要把穩就業擺在更加突出的位置」，並要求各地加快落實援企穩崗政策。（城市日報原創）";

/// What a CMS checks in `X-Takedown-Signature: t=…,v1=…`, independently of our code:
/// the HMAC of `{t}.{body}`, and that `t` is within five minutes of now.
fn signed_by(secret: &str, header: &str, body: &str) -> bool {
    use hmac::{KeyInit, Mac};
    let Some((t, v1)) = header
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v1="))
    else {
        return false;
    };
    let Ok(t) = t.parse::<i64>() else {
        return false;
    };
    if (OffsetDateTime::now_utc().unix_timestamp() - t).abs() > 300 {
        return false;
    }
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    hex::encode(mac.finalize().into_bytes()) == v1
}

fn days(n: u64) -> Duration {
    Duration::from_secs(n * 86_400)
}

async fn with_article(adjust: impl FnOnce(&mut Config)) -> (TestApp, i64) {
    let app = TestApp::spawn_with(adjust).await;
    let resp = app.post_article(&article(1, OURS)).await;
    assert_eq!(resp.status(), 201);
    let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    (app, id)
}

async fn file_complaint(app: &TestApp, name: &str, title: &str) -> (i64, String) {
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&json!({
            "claimant": {"name": name, "email": "claimant@citydaily.example", "phone": "+86 10 1234 5678",
                         "address": "1 Press Road", "capacity": "owner"},
            "work": {"title": title, "description": "本报原创报道", "original_url": "https://citydaily.example/1",
                     "original_text": THEIRS},
            "infringing_urls": [TARGET],
            "statements": {"good_faith": true, "accurate": true},
            "signature": name, "language": "zh"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    (
        v["id"].as_i64().unwrap(),
        v["tracking_code"].as_str().unwrap().to_string(),
    )
}

async fn staff_token(app: &TestApp, name: &str) -> String {
    crate::common::staff::account_token(app, name).await
}

async fn decide(app: &TestApp, token: &str, id: i64, action: &str, reason: &str) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{id}/decision")))
        .bearer_auth(token)
        .json(&json!({"action": action, "reason": reason}))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn complaint_row(app: &TestApp, id: i64) -> complaint::Model {
    complaint::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn article_status(app: &TestApp, id: i64) -> String {
    article_entity::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .status
        .to_string()
}

async fn rows(app: &TestApp, kind: &str) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(kind))
        .all(&app.db)
        .await
        .unwrap()
}

/// A mailer that writes mail to files and signs webhooks, as `takedown serve` would.
fn mailer(app: &TestApp) -> Mailer {
    let dir = format!("file://{}/mail", app.state.config.data_dir.display());
    Mailer::new(&MailSettings {
        url: &dir,
        from: &app.state.config.mail_from,
        concurrency: 2,
        timeout: Duration::from_secs(5),
        webhook_secret: Some(SECRET),
        from_name: None,
        reply_to: None,
        callbacks_to_private: false,
        bounce_address: None,
    })
    .unwrap()
}

#[tokio::test]
async fn a_reviewer_sees_the_evidence_side_by_side_and_downloads_it_safely() {
    let (app, article_id) = with_article(|_| {}).await;
    let (id, _) = file_complaint(&app, "王芳", "稳就业报道").await;
    // An evidence file as intake stores it: content-addressed under DATA_DIR/evidence.
    let bytes = b"Licence register extract: SYND-2022-017 excludes original reporting.\n";
    let sha = takedown_text::canonical::sha256_hex(bytes);
    let dir = app.state.config.data_dir.join("evidence");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(&sha), bytes).unwrap();
    let ev = takedown::entities::complaint_evidence::ActiveModel {
        complaint_id: Set(id),
        kind: Set("file".into()),
        sha256: Set(Some(sha.clone())),
        content_type: Set(Some("text/plain".into())),
        size_bytes: Set(Some(bytes.len() as i64)),
        file_name: Set(Some("许可 register.txt".into())),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();

    let anon = client();
    let resp = anon
        .get(app.url(&format!("/staff/complaints/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        303,
        "a page without a session sends to login"
    );
    let resp = anon
        .get(app.url(&format!("/staff/complaints/{id}/evidence/{}", ev.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "evidence is for staff only");

    add(&app, "reviewer@news.example", Role::Reviewer).await;
    let c = client();
    let (cookie, _) = session(&app, &c, "reviewer@news.example").await;
    let resp = c
        .get(app.url(&format!("/staff/complaints/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let html = resp.text().await.unwrap();
    // The shared passage, marked in each text's own script.
    assert!(
        html.contains("<mark>據新華社報道，國務院今日召開常務會議，研究部署穩就業工作。會議指出，「要把穩就業擺在更加突出的位置」，並要求各地加快落實援企穩崗政策</mark>"),
        "{html}"
    );
    assert!(html.contains("<mark>据新华社报道，国务院今日召开常务会议，研究部署稳就业工作。会议指出，“要把稳就业摆在更加突出的位置”，并要求各地加快落实援企稳岗政策</mark>"));
    assert!(
        !html.contains("<mark>【本报讯】"),
        "our own lead-in is not shared"
    );
    // Provenance of the target.
    assert!(html.contains("City Daily") && html.contains("SYND-2022-017"));
    // No licence record on file: never shown in green as valid.
    assert!(!html.contains("valid when republished"));
    assert!(html.contains("data-licence=\"not-on-file\""), "{html}");
    // The end the CMS gave ran out at the end of 2023: that is shown too, in red.
    assert!(
        html.contains("<strong class=\"late\" data-licence=\"expired-now\">expired now</strong>"),
        "{html}"
    );
    assert!(
        html.contains("2022-08-24 09:19 (UTC+8)"),
        "republished, in DISPLAY_TZ"
    );
    let rev = takedown::entities::article_revision::Entity::find()
        .filter(takedown::entities::article_revision::Column::ArticleId.eq(article_id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(html.contains(&rev.raw_sha256) && html.contains(&rev.content_sha256));
    // The evidence with its hash, the emails, the timeline.
    assert!(html.contains(&sha));
    assert!(html.contains("complaint.received"), "timeline");
    assert!(html.contains("new_complaint"), "emails about it");

    let resp = c
        .get(app.url(&format!("/staff/complaints/{id}/evidence/{}", ev.id)))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let h = resp.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    // The download's own sandbox, not the staff pages' policy.
    assert_eq!(h["content-security-policy"], "sandbox; default-src 'none'");
    let disposition = h["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''%E8%AE%B8%E5%8F%AF%20register.txt"),
        "{disposition}"
    );
    assert_eq!(resp.bytes().await.unwrap().as_ref(), bytes);
    // Another complaint's evidence id is not this complaint's.
    let resp = c
        .get(app.url(&format!("/staff/complaints/{}/evidence/{}", id + 1, ev.id)))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn a_request_for_information_pauses_the_clock_until_the_claimant_answers() {
    let (app, _) = with_article(|_| {}).await;
    let (id, code) = file_complaint(&app, "王芳", "稳就业报道").await;
    let desk = staff_token(&app, "desk").await;
    let before = complaint_row(&app, id).await;

    let (status, v) = decide(&app, &desk, id, "request_info", "").await;
    assert_eq!(
        (status, v["fields"]["reason"].is_string()),
        (422, true),
        "{v}"
    );
    let question = "请提供您对该报道享有著作权的证明，例如发表记录。";
    let (status, v) = decide(&app, &desk, id, "request_info", question).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "needs_info");
    assert!(v["answer_by"].is_string());
    let (status, v) = decide(&app, &desk, id, "request_info", "again").await;
    assert_eq!(
        (status, v["error"].as_str()),
        (409, Some("already_waiting"))
    );
    assert_eq!(
        app.count(&format!(
            "deadline_steps WHERE complaint_id = {id} AND state = 'paused'"
        ))
        .await,
        4,
        "three reminders and the breach wait with the clock"
    );
    let asked = rows(&app, "info_request").await;
    assert_eq!(asked.len(), 1);
    assert!(asked[0].body_text.contains(question));
    assert!(asked[0].body_text.contains(&format!("/complaints/{code}")));

    // The status page shows the question and a form to answer it.
    let page = app
        .client
        .get(app.url(&format!("/complaints/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(question) && page.contains(&format!("action=\"/complaints/{code}/answer\""))
    );
    assert!(page.contains("(UTC+8)"));

    // A blank answer is refused, naming the field; nothing changes.
    let resp = client()
        .post(app.url(&format!("/complaints/{code}/answer")))
        .form(&[("answer", "  ")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("请填写“答复”") || page.contains("Please fill in “Your answer”"),
        "{page}"
    );
    assert_eq!(
        complaint_row(&app, id).await.status,
        takedown::domain::complaint::ComplaintStatus::NeedsInfo
    );

    let resp = client()
        .post(app.url(&format!("/complaints/{code}/answer")))
        .form(&[(
            "answer",
            "发表记录见 https://citydaily.example/1 ，刊于2022年8月23日。",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let after = complaint_row(&app, id).await;
    assert_eq!(
        after.status,
        takedown::domain::complaint::ComplaintStatus::InReview
    );
    let waited = after.info_answered_at.unwrap() - after.info_requested_at.unwrap();
    assert_eq!(
        after.deadline_at,
        before.deadline_at + waited,
        "restarts with the time left"
    );
    let breach = deadline_step::Entity::find()
        .filter(deadline_step::Column::ComplaintId.eq(id))
        .filter(deadline_step::Column::Kind.eq(StepKind::Breach))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (breach.state, breach.due_at),
        (StepState::Pending, after.deadline_at)
    );
    assert_eq!(
        app.count("audit_events WHERE action = 'complaint.clock_paused'")
            .await,
        1
    );
    assert_eq!(
        app.count("audit_events WHERE action = 'complaint.clock_resumed'")
            .await,
        1
    );
    assert_eq!(
        rows(&app, "info_answered").await.len(),
        1,
        "staff told of the answer"
    );
    let resp = client()
        .post(app.url(&format!("/api/v1/complaints/{code}/answer")))
        .json(&json!({"answer": "again"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409, "nothing is waiting any more");
}

#[tokio::test]
async fn a_long_pause_moves_reminders_and_the_breach_with_it() {
    use takedown::services::info_requests;
    let (app, article_id) = with_article(|_| {}).await;
    let (id, code) = file_complaint(&app, "王芳", "稳就业报道").await;
    app.confirm(id).await;
    let c = complaint_row(&app, id).await;
    let site = app.state.site();
    let t0 = c.received_at + Duration::from_secs(3600);
    info_requests::request(
        &app.db,
        &site,
        id,
        "proof, please",
        &crate::common::staff::reviewer_at_desk(),
        app.state.config.info_wait,
        t0,
    )
    .await
    .unwrap();
    let m = mailer(&app);
    // Past the original deadline while paused: nothing happens.
    let r = tick(
        &app.state.jobs(),
        &m,
        c.deadline_at + Duration::from_secs(60),
    )
    .await
    .unwrap();
    assert_eq!((r.deadlines.breaches, r.deadlines.reminders), (0, 0));
    assert_eq!(article_status(&app, article_id).await, "published");
    // The answer after 30 hours: 23 hours were left, so the breach is 23 hours later.
    let answered_at = t0 + Duration::from_secs(30 * 3600);
    let done = info_requests::answer(&app.db, &site, &code, "here it is", &[], answered_at)
        .await
        .unwrap();
    assert_eq!(
        done.deadline_at,
        answered_at + Duration::from_secs(23 * 3600)
    );
    let r = tick(
        &app.state.jobs(),
        &m,
        answered_at + Duration::from_secs(12 * 3600),
    )
    .await
    .unwrap();
    assert_eq!(
        (r.deadlines.reminders, r.deadlines.breaches),
        (1, 0),
        "the 20h reminder, moved"
    );
    let r = tick(
        &app.state.jobs(),
        &m,
        done.deadline_at + Duration::from_secs(1),
    )
    .await
    .unwrap();
    assert_eq!(r.deadlines.breaches, 1);
    assert_eq!(article_status(&app, article_id).await, "removed");
}

#[tokio::test]
async fn no_answer_within_info_wait_closes_the_complaint_as_incomplete() {
    let (app, _) = with_article(|_| {}).await;
    let (id, code) = file_complaint(&app, "王芳", "稳就业报道").await;
    let desk = staff_token(&app, "desk").await;
    assert_eq!(
        decide(&app, &desk, id, "request_info", "proof, please")
            .await
            .0,
        200
    );
    let m = mailer(&app);
    let now = OffsetDateTime::now_utc();
    let r = tick(&app.state.jobs(), &m, now + days(13)).await.unwrap();
    assert_eq!(r.deadlines.closed_incomplete, 0);
    let r = tick(
        &app.state.jobs(),
        &m,
        now + days(14) + Duration::from_secs(60),
    )
    .await
    .unwrap();
    assert_eq!(r.deadlines.closed_incomplete, 1);
    let c = complaint_row(&app, id).await;
    assert_eq!(
        c.status,
        takedown::domain::complaint::ComplaintStatus::Incomplete
    );
    assert_eq!(
        app.count(&format!(
            "deadline_steps WHERE complaint_id = {id} AND state IN ('pending', 'paused')"
        ))
        .await,
        0
    );
    let closed = rows(&app, "closed_incomplete").await;
    assert_eq!(closed.len(), 1);
    assert!(closed[0].body_text.contains("材料不完整"));
    let v: Value = app
        .client
        .get(app.url(&format!("/api/v1/complaints/{code}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "incomplete");
    assert_eq!(decide(&app, &desk, id, "uphold", "late").await.0, 409);
}

#[tokio::test]
async fn an_appeal_returns_to_the_queue_for_a_different_reviewer() {
    let (app, article_id) = with_article(|_| {}).await;
    let (id, code) = file_complaint(&app, "王芳", "稳就业报道").await;
    let first = staff_token(&app, "reviewer-a").await;
    let second = staff_token(&app, "reviewer-b").await;
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{code}/appeal")))
        .json(&json!({"statement": "too early"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409, "nothing to appeal before a rejection");
    assert_eq!(
        decide(&app, &first, id, "reject", "Licensed from City Daily.")
            .await
            .0,
        200
    );

    let page = app
        .client
        .get(app.url(&format!("/complaints/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Licensed from City Daily."),
        "the reasons on the status page"
    );
    assert!(
        page.contains(&format!("action=\"/complaints/{code}/appeal\"")),
        "the appeal button"
    );
    let resp = client()
        .post(app.url(&format!("/complaints/{code}/appeal")))
        .form(&[("statement", "该许可不包括原创报道，见许可第三条。")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let c = complaint_row(&app, id).await;
    assert_eq!(
        c.status,
        takedown::domain::complaint::ComplaintStatus::Appealed
    );
    // A second appeal is refused on a page in the claimant's language, by its code.
    let again = client()
        .post(app.url(&format!("/complaints/{code}/appeal")))
        .form(&[("statement", "再次申诉")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let body = again.text().await.unwrap();
    assert!(body.contains("此投诉已提出过申诉。"), "{body}");
    let api = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{code}/appeal")))
        .json(&json!({"statement": "again"}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 409);
    let v: Value = api.json().await.unwrap();
    assert_eq!(
        (v["error"].as_str(), v["message"].as_str()),
        (
            Some("already_appealed"),
            Some("this complaint has already been appealed")
        )
    );
    let a = takedown::services::staff::active_by_email(&app.db, "reviewer-a@news.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        c.prior_decided_by,
        Some(a.actor()),
        "the account, not the token"
    );
    assert!(c.deadline_at > OffsetDateTime::now_utc() + Duration::from_secs(23 * 3600));
    assert_eq!(
        app.count(&format!("deadline_steps WHERE complaint_id = {id} AND kind = 'breach' AND round = 2 AND state = 'pending'")).await,
        1
    );
    assert_eq!(rows(&app, "appeal").await.len(), 1, "staff told");

    // Back in the queue, marked.
    add(&app, "admin@news.example", Role::Admin).await;
    let b = client();
    let (cookie, _) = session(&app, &b, "admin@news.example").await;
    let queue = b
        .get(app.url("/staff?status=appealed"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains(&format!("data-id=\"{id}\"")) && queue.contains(">appeal</strong>"));

    // A question during the appeal pauses it; the answer returns it to the appeal.
    assert_eq!(
        decide(&app, &second, id, "request_info", "Which clause?")
            .await
            .0,
        200
    );
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{code}/answer")))
        .json(&json!({"answer": "Clause 3."}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["status"], "appealed");
    let (status, v) = decide(&app, &first, id, "uphold", "on reflection").await;
    assert_eq!(
        (status, v["error"].as_str()),
        (409, Some("different_reviewer_required"))
    );
    let (status, v) = decide(
        &app,
        &second,
        id,
        "uphold",
        "The licence excludes original reporting.",
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(article_status(&app, article_id).await, "removed");
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{code}/appeal")))
        .json(&json!({"statement": "again"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
}

#[tokio::test]
async fn the_appeal_window_closes() {
    use takedown::services::appeals;
    use takedown::services::error::{Conflict, ServiceError};
    let (app, _) = with_article(|c| c.appeal_window = days(30)).await;
    let (id, code) = file_complaint(&app, "王芳", "稳就业报道").await;
    let desk = staff_token(&app, "desk").await;
    assert_eq!(decide(&app, &desk, id, "reject", "no").await.0, 200);
    let late = OffsetDateTime::now_utc() + days(31);
    let r = appeals::appeal(
        &app.db,
        &app.state.config,
        &app.state.site(),
        &code,
        "late",
        &[],
        late,
    )
    .await;
    assert!(
        matches!(r, Err(ServiceError::Conflict(Conflict::AppealWindowClosed))),
        "{r:?}"
    );
    let r = appeals::appeal(
        &app.db,
        &app.state.config,
        &app.state.site(),
        &code,
        "in time",
        &[],
        late - days(2),
    )
    .await
    .unwrap();
    assert!(r.deadline_at > late - days(2), "{r:?}");
}

#[tokio::test]
async fn an_upheld_complaint_shows_451_and_reaches_the_cms_signed() {
    let cms = Cms::start().await;
    let url = cms.url.clone();
    let (app, article_id) = with_article(move |c| {
        c.cms_webhook_url = Some(url);
        c.webhook_secret = Some(SECRET.into());
    })
    .await;
    let live = app
        .post_article(&article(2, "另一篇文章的内容，与投诉无关。"))
        .await;
    let live_id = live.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let (id, _) = file_complaint(&app, "王芳", "稳就业报道").await;
    let desk = staff_token(&app, "desk").await;
    assert_eq!(
        decide(&app, &desk, id, "uphold", "Copied word for word.")
            .await
            .0,
        200
    );

    let resp = app
        .client
        .get(app.url(&format!("/removed/{article_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 451);
    assert!(
        resp.headers()["link"]
            .to_str()
            .unwrap()
            .contains("rel=\"blocked-by\"")
    );
    let html = resp.text().await.unwrap();
    assert!(html.contains(&format!("#{id}")));
    assert!(html.contains(&format!("/counter-notices/new?article={article_id}")));
    assert!(
        !html.contains("王芳") && !html.contains("claimant@"),
        "no personal data"
    );
    assert_eq!(
        app.client
            .get(app.url(&format!("/removed/{live_id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        app.client
            .get(app.url("/removed/x"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let a: Value = app.get_article(article_id).await.json().await.unwrap();
    assert_eq!(a["status"], "removed");
    let source = rows(&app, "removal").await;
    assert!(
        source[0]
            .body_text
            .contains(&format!("/counter-notices/new?article={article_id}"))
    );

    // The CMS is down: the webhook waits and is retried, never dropped.
    cms.answer(503);
    let m = mailer(&app);
    let r = tick(&app.state.jobs(), &m, OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert_eq!(r.outbox.retrying, 1, "{r:?}");
    cms.answer(200);
    let r = tick(
        &app.state.jobs(),
        &m,
        OffsetDateTime::now_utc() + Duration::from_secs(3600),
    )
    .await
    .unwrap();
    assert_eq!(r.outbox.sent, 1, "{r:?}");
    let got = cms.received();
    assert_eq!(got.len(), 2);
    let last = &got[1];
    assert_eq!(last.path, "/hooks/takedown");
    assert_eq!(last.event, "article.removed");
    assert!(
        signed_by(SECRET, &last.signature, &last.body),
        "{}",
        last.signature
    );
    assert!(!signed_by(
        "another secret entirely",
        &last.signature,
        &last.body
    ));
    assert!(!signed_by(
        SECRET,
        &last.signature,
        &last.body.replace("removed", "restored")
    ));
    assert_eq!(
        got[0].delivery, last.delivery,
        "a retry is the same delivery"
    );
    let body: Value = serde_json::from_str(&last.body).unwrap();
    assert_eq!(
        (body["article_id"].as_i64(), body["complaint_id"].as_i64()),
        (Some(article_id), Some(id))
    );
    assert_eq!(body["url"], TARGET);
    assert_eq!(
        app.count("audit_events WHERE action = 'webhook.delivered'")
            .await,
        1
    );
}

fn china_calendar(c: &mut Config) {
    c.counter_notice_wait = Wait::BusinessDays(10);
    c.holidays = parse_dates("2026-12-31,2027-01-01").unwrap();
    c.workdays = parse_dates("2027-01-02").unwrap();
}

async fn counter_notice(app: &TestApp, article_id: i64, url: &str) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url("/api/v1/counter-notices"))
        .json(&json!({
            "article_id": article_id, "name": "李伟", "address": "城市日报社 北京市朝阳区",
            "phone": "+86 10 8765 4321", "email": "li.wei@citydaily.example",
            "removed_url": url,
            "statement": "本文系我社授权转载，许可编号 SYND-2022-017，删除有误。",
            "evidence": "许可合同第二条：授权范围包括全部新闻稿件。",
            "consent_jurisdiction": true, "signature": "李伟"
        }))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_counter_notice_restores_after_ten_business_days() {
    let cms = Cms::start().await;
    let url = cms.url.clone();
    let (app, article_id) = with_article(move |c| {
        china_calendar(c);
        c.cms_webhook_url = Some(url);
        c.webhook_secret = Some(SECRET.into());
    })
    .await;
    let (id, _) = file_complaint(&app, "王芳", "稳就业报道").await;
    let (status, _) = counter_notice(&app, article_id, TARGET).await;
    assert_eq!(status, 409, "nothing removed yet");
    let desk = staff_token(&app, "desk").await;
    assert_eq!(decide(&app, &desk, id, "uphold", "Copied.").await.0, 200);

    let resp = app
        .client
        .post(app.url("/api/v1/counter-notices"))
        .json(&json!({"article_id": article_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    for f in [
        "name",
        "address",
        "phone",
        "email",
        "removed_url",
        "statement",
        "consent_jurisdiction",
        "signature",
    ] {
        assert!(v["fields"][f].is_string(), "{f}: {v}");
    }
    // A URL that is not the removed article's conflicts with the record.
    let (status, v) = counter_notice(&app, article_id, "https://news.example/other.html").await;
    assert_eq!(
        (status, v["error"].as_str()),
        (409, Some("removed_url_mismatch")),
        "{v}"
    );
    let (status, _) = counter_notice(&app, 999_999, TARGET).await;
    assert_eq!(status, 404, "no such article");
    let (status, v) = counter_notice(&app, article_id, TARGET).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["state"], "waiting");
    let (status, v2) = counter_notice(&app, article_id, TARGET).await;
    assert_eq!(
        (status, v2["error"].as_str()),
        (409, Some("counter_notice_pending"))
    );

    // Ten business days on China's calendar, counted from the filing.
    let received = OffsetDateTime::parse(
        v["received_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let restore_at = OffsetDateTime::parse(
        v["restore_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(
        restore_at,
        app.state
            .config
            .calendar()
            .after(received, &Wait::BusinessDays(10))
    );
    assert!(restore_at - received > days(12), "weekends skipped");
    let forward = rows(&app, "counter_notice").await;
    let to_claimant = forward
        .iter()
        .find(|r| r.recipient == "claimant@citydaily.example")
        .unwrap();
    assert!(
        to_claimant.body_text.contains("许可合同第二条")
            && to_claimant.body_text.contains("(UTC+8)")
    );
    assert!(
        forward
            .iter()
            .any(|r| r.recipient == "li.wei@citydaily.example")
    );

    let m = mailer(&app);
    let r = tick(&app.state.jobs(), &m, restore_at - Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(r.deadlines.restored_articles, 0);
    assert_eq!(article_status(&app, article_id).await, "removed");
    let r = tick(&app.state.jobs(), &m, restore_at + Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(r.deadlines.restored_articles, 1);
    assert_eq!(article_status(&app, article_id).await, "restored");
    let told: Vec<String> = rows(&app, "restored")
        .await
        .into_iter()
        .map(|r| r.recipient)
        .collect();
    assert!(
        told.contains(&"claimant@citydaily.example".to_string())
            && told.contains(&"li.wei@citydaily.example".to_string())
    );
    tick(&app.state.jobs(), &m, restore_at + Duration::from_secs(2))
        .await
        .unwrap();
    let events: Vec<String> = cms.received().into_iter().map(|r| r.event).collect();
    assert_eq!(events, ["article.removed", "article.restored"]);
    assert_eq!(
        app.client
            .get(app.url(&format!("/removed/{article_id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn reported_legal_action_keeps_the_content_down() {
    let (app, article_id) = with_article(china_calendar).await;
    let (id, _) = file_complaint(&app, "王芳", "稳就业报道").await;
    let desk = staff_token(&app, "desk").await;
    assert_eq!(decide(&app, &desk, id, "uphold", "Copied.").await.0, 200);
    // Through the public form, as the 451 page links it.
    let form = app
        .client
        .get(app.url(&format!("/counter-notices/new?article={article_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let page = form.text().await.unwrap();
    assert!(page.contains(TARGET));
    // Each sentence says the wait in its own language.
    assert!(page.contains("除非投诉人在 10 个工作日内告知"), "{page}");
    assert!(page.contains("the content returns after 10 business days unless"));
    assert!(!page.contains("business days / "));
    // Everything wrong is said in one round, in the reader's language: the other URL
    // beside the blank fields, each linked from the summary and marked.
    let resp = client()
        .post(app.url("/counter-notices"))
        .header("accept-language", "zh-CN,zh;q=0.9")
        .form(&[
            ("article_id", article_id.to_string().as_str()),
            ("name", "李伟"),
            ("address", " "),
            ("phone", "+86 10 8765 4321"),
            ("email", "li.wei"),
            ("removed_url", "https://news.example/another"),
            ("statement", "已获授权。"),
            ("signature", "李伟"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let page = resp.text().await.unwrap();
    let summary = page
        .split("id=\"error-summary\"")
        .nth(1)
        .unwrap_or_default();
    for (anchor, sentence) in [
        ("address", "请填写“地址”。"),
        ("email", "“邮箱”须为有效的电子邮箱地址"),
        ("removed_url", "“被删除的网址”须为被删除文章的网址"),
        (
            "consent_jurisdiction",
            "请勾选“我同意接受本站所在地法院的管辖”",
        ),
    ] {
        assert!(
            summary.contains(&format!("<a href=\"#{anchor}\">{sentence}")),
            "{anchor}: {summary}"
        );
        assert!(page.contains(&format!("aria-describedby=\"{anchor}-error\"")));
    }
    assert!(
        !page.contains("consent_jurisdiction:"),
        "no raw field names"
    );
    assert!(
        page.contains("value=\"https://news.example/another\""),
        "kept as typed"
    );
    assert_eq!(app.count("counter_notices").await, 0);
    let resp = client()
        .post(app.url("/counter-notices"))
        .form(&[
            ("article_id", article_id.to_string().as_str()),
            ("name", "李伟"),
            ("address", "北京"),
            ("phone", "+86 10 8765 4321"),
            ("email", "li.wei@citydaily.example"),
            ("removed_url", TARGET),
            ("statement", "已获授权。"),
            ("evidence", ""),
            ("consent_jurisdiction", "true"),
            ("signature", "李伟"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);

    add(&app, "reviewer@news.example", Role::Reviewer).await;
    let c = client();
    let (cookie, _) = session(&app, &c, "reviewer@news.example").await;
    let page = c
        .get(app.url(&format!("/staff/complaints/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已获授权。") && page.contains("id=\"legal-action\""));
    let csrf = hidden(&page, "csrf");
    let resp = c
        .post(app.url(&format!("/staff/complaints/{id}/legal-action")))
        .header("cookie", &cookie)
        .form(&[("csrf", "wrong"), ("note", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "CSRF token checked");
    let resp = c
        .post(app.url(&format!("/staff/complaints/{id}/legal-action")))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            (
                "note",
                "北京互联网法院 (2026) 京0491民初12345号, filed 2026-12-01",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let m = mailer(&app);
    let r = tick(&app.state.jobs(), &m, OffsetDateTime::now_utc() + days(40))
        .await
        .unwrap();
    assert_eq!(r.deadlines.restored_articles, 0);
    assert_eq!(article_status(&app, article_id).await, "removed");
    assert_eq!(
        rows(&app, "legal_action").await.len(),
        1,
        "the counter-notifier is told"
    );
}

#[tokio::test]
async fn admins_retry_failed_emails_from_a_page() {
    let (app, _) = with_article(|_| {}).await;
    let (id, _) = file_complaint(&app, "王芳", "稳就业报道").await;
    let row = outbox::Entity::find()
        .filter(outbox::Column::ComplaintId.eq(id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut am: outbox::ActiveModel = row.clone().into();
    am.failed_at = Set(Some(OffsetDateTime::now_utc()));
    am.attempts = Set(3);
    am.last_error = Set(Some("550 mailbox unavailable".into()));
    am.update(&app.db).await.unwrap();

    add(&app, "reviewer@news.example", Role::Reviewer).await;
    add(&app, "admin@news.example", Role::Admin).await;
    let r = client();
    let (rc, _) = session(&app, &r, "reviewer@news.example").await;
    assert_eq!(
        r.get(app.url("/staff/outbox"))
            .header("cookie", &rc)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let a = client();
    let (ac, csrf) = session(&app, &a, "admin@news.example").await;
    let page = a
        .get(app.url("/staff/outbox"))
        .header("cookie", &ac)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("550 mailbox unavailable")
            && page.contains(&format!("data-id=\"{}\"", row.id))
    );
    let resp = r
        .post(app.url(&format!("/staff/outbox/{}/retry", row.id)))
        .header("cookie", &rc)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "a reviewer may not retry");
    let resp = a
        .post(app.url(&format!("/staff/outbox/{}/retry", row.id)))
        .header("cookie", &ac)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let after = outbox::Entity::find_by_id(row.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(after.failed_at.is_none() && after.attempts == 0);
    assert_eq!(
        app.count("audit_events WHERE action = 'email.requeued' AND actor LIKE 'staff:%'")
            .await,
        1
    );
    let page = a
        .get(app.url("/staff/outbox"))
        .header("cookie", &ac)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Nothing has failed."));
}

#[tokio::test]
async fn hostile_fields_render_inert_wherever_staff_and_claimants_look() {
    let (app, _) = with_article(|_| {}).await;
    let payload = "\"><script>alert(1)</script><img src=x onerror=alert(2)>'";
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&json!({
            "claimant": {"name": payload, "email": "claimant@citydaily.example", "phone": "+86 10 1234 5678",
                         "address": payload, "capacity": "owner", "organisation": payload},
            "work": {"title": payload, "description": payload, "original_url": "https://citydaily.example/1",
                     "original_text": format!("{THEIRS}{payload}")},
            "infringing_urls": [TARGET],
            "statements": {"good_faith": true, "accurate": true},
            "signature": payload, "language": "en"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.unwrap();
    let (id, code) = (
        v["id"].as_i64().unwrap(),
        v["tracking_code"].as_str().unwrap().to_string(),
    );
    let desk = staff_token(&app, "desk").await;
    assert_eq!(decide(&app, &desk, id, "reject", payload).await.0, 200);

    add(&app, "admin@news.example", Role::Admin).await;
    let c = client();
    let (cookie, _) = session(&app, &c, "admin@news.example").await;
    for path in [
        "/staff".to_string(),
        "/staff?status=rejected".to_string(),
        format!("/staff/complaints/{id}"),
        format!("/complaints/{code}"),
    ] {
        let html = c
            .get(app.url(&path))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains("<script>alert"), "{path}");
        assert!(!html.contains("<img src=x"), "{path}");
        assert!(
            !html.contains("\"><script") && !html.contains("'><"),
            "{path}: a quote broke out of an attribute"
        );
    }
    let html = c
        .get(app.url(&format!("/staff/complaints/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;"),
        "shown, escaped"
    );
}

#[tokio::test]
async fn the_queue_filters_by_source_outlet() {
    let (app, _) = with_article(|_| {}).await;
    let mut other = article(2, "港口新闻：新渡轮航线今日开通，市民可乘船往返两岸。");
    other["source"]["outlet"] = json!("Harbour Post");
    assert_eq!(app.post_article(&other).await.status(), 201);
    let (city, _) = file_complaint(&app, "王芳", "稳就业报道").await;
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(&json!({
            "claimant": {"name": "Harbour Post", "email": "legal@harbourpost.example", "phone": "+852 1234 5678",
                         "address": "1 Pier Road", "capacity": "owner"},
            "work": {"title": "New ferry line", "description": "Our report", "original_url": "https://harbourpost.example/1"},
            "infringing_urls": ["https://news.example/2022/08/24/article-2.html"],
            "statements": {"good_faith": true, "accurate": true},
            "signature": "Harbour Post", "language": "en"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let harbour = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    add(&app, "reviewer@news.example", Role::Reviewer).await;
    let c = client();
    let (cookie, _) = session(&app, &c, "reviewer@news.example").await;
    let page = |q: &'static str| {
        let (c, cookie, url) = (c.clone(), cookie.clone(), app.url(&format!("/staff{q}")));
        async move {
            c.get(url)
                .header("cookie", cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let html = page("?outlet=Harbour+Post").await;
    assert!(html.contains(&format!("data-id=\"{harbour}\"")));
    assert!(!html.contains(&format!("data-id=\"{city}\"")));
    let html = page("?outlet=City+Daily").await;
    assert!(
        html.contains(&format!("data-id=\"{city}\""))
            && !html.contains(&format!("data-id=\"{harbour}\""))
    );
    let html = page("").await;
    assert!(
        html.contains(&format!("data-id=\"{city}\""))
            && html.contains(&format!("data-id=\"{harbour}\""))
    );
}

/// Claims hold: a complaint another reviewer claimed is decided only by them or by an
/// admin (the override audited, by staff id). Two tokens of one account are one
/// reviewer for the appeal rule. Assigning goes only to a live account, and claiming
/// ignores the case of the address.
#[tokio::test]
async fn a_claim_holds_against_other_reviewers_but_not_an_admin() {
    use takedown::entities::audit_event;
    let (app, _) = with_article(|_| {}).await;
    add(&app, "ann@news.example", Role::Reviewer).await;
    add(&app, "boss@news.example", Role::Admin).await;
    let bob = crate::common::staff::account_token(&app, "bob").await;
    let c = client();
    let (ann_cookie, ann_csrf) = session(&app, &c, "ann@news.example").await;
    let (boss_cookie, boss_csrf) = session(&app, &c, "boss@news.example").await;
    let claim = |cookie: &str, csrf: &str, id: i64, to: Option<&str>| {
        let mut form = vec![("csrf", csrf.to_string())];
        if let Some(to) = to {
            form.push(("to", to.to_string()));
        }
        c.post(app.url(&format!("/staff/complaints/{id}/claim")))
            .header("cookie", cookie)
            .form(&form)
            .send()
    };

    let (id, _) = file_complaint(&app, "王芳", "稳就业").await;
    // Ann claims it for herself, spelling her address in capitals.
    let resp = claim(&ann_cookie, &ann_csrf, id, Some("ANN@News.example"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    // Bob is not Ann: refused, and nothing changes.
    let (status, body) = decide(&app, &bob, id, "uphold", "转载未获授权。").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("claimed_by_another")),
        "{body}"
    );
    let (status, body) = decide(&app, &bob, id, "request_info", "请提供原文链接。").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("claimed_by_another")),
        "{body}"
    );
    let row = complaint::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status.as_str(), "received");
    assert_eq!(row.assigned_reviewer.as_deref(), Some("ann@news.example"));

    // An admin may decide it; the override is audited with staff ids, never addresses.
    let resp = c
        .post(app.url(&format!("/staff/complaints/{id}/decision")))
        .header("cookie", &boss_cookie)
        .form(&[
            ("csrf", boss_csrf.as_str()),
            ("action", "reject"),
            ("reason", "已获授权转载。"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let ann = takedown::services::staff::active_by_email(&app.db, "ann@news.example")
        .await
        .unwrap()
        .unwrap();
    let boss = takedown::services::staff::active_by_email(&app.db, "boss@news.example")
        .await
        .unwrap()
        .unwrap();
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Subject.eq(format!("complaint:{id}")))
        .all(&app.db)
        .await
        .unwrap();
    let overridden = events
        .iter()
        .find(|e| e.action == "complaint.claim_overridden")
        .expect("the override is audited");
    assert_eq!(overridden.actor, boss.actor());
    assert!(
        overridden.details.contains(&ann.actor()),
        "{}",
        overridden.details
    );
    for e in &events {
        assert!(
            !e.details.contains("@news.example"),
            "{}: {}",
            e.action,
            e.details
        );
    }

    // An admin assigns only to a live account.
    let (other, _) = file_complaint(&app, "李雷", "稳岗政策").await;
    let resp = claim(&boss_cookie, &boss_csrf, other, Some("nobody@news.example"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    takedown::services::staff::disable(
        &app.db,
        &takedown::domain::validate::EmailAddress::parse("ann@news.example").unwrap(),
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    let resp = claim(&boss_cookie, &boss_csrf, other, Some("ann@news.example"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 422, "a disabled account gets nothing");
    let row = complaint::Entity::find_by_id(other)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.assigned_reviewer, None);

    // A second token for Bob's account is still Bob: it cannot decide his appeal.
    let bob_id = takedown::services::staff::active_by_email(&app.db, "bob@news.example")
        .await
        .unwrap()
        .unwrap()
        .id;
    let bob_again = takedown::services::tokens::create_for_staff(
        &app.db,
        "bob-laptop",
        bob_id,
        OffsetDateTime::now_utc(),
        None,
    )
    .await
    .unwrap();
    let (status, _) = decide(&app, &bob, other, "reject", "已获授权转载。").await;
    assert_eq!(status, 200);
    let code = app.tracking_code(other).await;
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/complaints/{code}/appeal")))
        .json(&json!({"statement": "授权已于2023年到期。"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let (status, body) = decide(&app, &bob_again, other, "uphold", "授权已过期。").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("different_reviewer_required")),
        "{body}"
    );

    // A staff token without an account may read, but not decide.
    let shared = takedown::services::tokens::create(
        &app.db,
        "shared-desk",
        takedown::services::tokens::Scope::Staff,
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    let (status, body) = decide(&app, &shared, other, "uphold", "授权已过期。").await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("--staff"),
        "{body}"
    );
}
