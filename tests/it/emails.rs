//! Every email takedown sends, pinned as a snapshot in the language of its recipient:
//! one story per language walks a complaint through every notice a claimant, a
//! source, a counter-notifier and staff can be owed (and a licence's last reminder and
//! its end), and each email (subject and text,
//! the receipt's HTML too) is compared with its `.snap` file under `snapshots/`.
//! What changes from run to run (codes, links, times, ids, hashes) is masked.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common::staff::{add, client, session};
use crate::common::story::{ESCALATION, SOURCE, Story};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use takedown::entities::outbox;
use takedown::services::staff::Role;
use time::OffsetDateTime;

const STAFF: &str = "staff@news.example";
const NOTIFIER: &str = "legal@source.example";
const ADMIN: &str = "chief@news.example";

/// Who an address is, in a snapshot's name.
fn role(recipient: &str, claimant: &str) -> &'static str {
    match recipient {
        r if r == claimant => "claimant",
        SOURCE => "source",
        ESCALATION => "escalation",
        STAFF => "staff",
        NOTIFIER => "counter_notifier",
        ADMIN | "admin@news.example" => "admin",
        _ => "other",
    }
}

fn masked(text: &str) -> String {
    let rules: [(&str, &str); 9] = [
        (r"http://127\.0\.0\.1:\d+", "[site]"),
        (
            r"/complaints/confirm/[A-Za-z0-9_-]+",
            "/complaints/confirm/[token]",
        ),
        (r"\b[0-9a-f]{40}\b", "[code]"),
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "[time]"),
        (r"\d{4}-\d{2}-\d{2}T[0-9:.]+Z", "[time]"),
        (r"\b\d+:[0-9a-f]{64}\b", "[event]"),
        (r"#\d+", "#[id]"),
        (r"article=\d+", "article=[id]"),
        (r"/removed/\d+|/staff/complaints/\d+", "[page]"),
    ];
    let mut out = text.to_string();
    for (pattern, with) in rules {
        out = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&out, with)
            .into_owned();
    }
    out
}

/// Walks one complaint (and two short ones) through every notice, in `lang`.
async fn every_notice(lang: &str) -> BTreeMap<String, String> {
    // The desk reads the story's language too.
    let staff_language = takedown::domain::complaint::Language::parse(lang).unwrap();
    let s = Story::with(|c| c.staff_language = staff_language).await;
    let (claimant, outlet) = match lang {
        "zh" => ("wang@citydaily.example", "城市日报"),
        _ => ("jane@citydaily.example", "City Daily"),
    };
    let source = json!({"source": {"outlet": outlet, "url": "https://citydaily.example/news/1"}});
    let a = s.article(1, source.clone()).await;
    s.article(2, source.clone()).await;
    s.article(3, source).await;
    let (id, code) = s.complaint_in(1, claimant, lang, true).await;

    // A question and its answer, a reminder, the breach, a rejection.
    s.decide(
        &s.alice,
        id,
        "request_info",
        "Please send proof of first publication.",
    )
    .await;
    let (status, _) = s
        .post(
            &format!("/api/v1/complaints/{code}/answer"),
            json!({"answer": "The print edition of 23 August, page 3."}),
        )
        .await;
    assert_eq!(status, 200);
    let received = s.row(id).await.received_at;
    s.tick(received + Duration::from_secs(12 * 3600 + 60)).await;
    s.miss_deadline(id).await;
    s.decide(
        &s.alice,
        id,
        "reject",
        "The republication was licensed (SYND-2022-017).",
    )
    .await;
    // The appeal, decided by another reviewer: upheld.
    s.appeal(&code).await;
    s.decide(
        &s.bob,
        id,
        "uphold",
        "The licence had lapsed before republication.",
    )
    .await;
    // A counter-notice, legal action on it; a second counter-notice after the first is
    // stopped is not possible, so the restoration is told on another complaint below.
    let (status, cn) = s
        .post(
            "/api/v1/counter-notices",
            json!({"article_id": a, "name": outlet, "address": "1 Press Road", "phone": "+86 21 0000",
                   "email": NOTIFIER, "removed_url": "https://news.example/2022/08/24/article-1.html",
                   "statement": "We hold the rights.", "consent_jurisdiction": true,
                   "signature": outlet}),
        )
        .await;
    assert_eq!(status, 201, "{cn}");
    add(&s.app, "admin@news.example", Role::Admin).await;
    let c = client();
    let (cookie, csrf) = session(&s.app, &c, "admin@news.example").await;
    let resp = c
        .post(s.app.url(&format!("/staff/complaints/{id}/legal-action")))
        .header("cookie", cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("note", "Shanghai court, case 2026-17"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);

    // Upheld, contested, restored after the wait.
    let (other, _) = s.complaint_in(2, claimant, lang, true).await;
    s.decide(&s.alice, other, "uphold", "Copied word for word.")
        .await;
    let (status, cn) = s
        .post(
            "/api/v1/counter-notices",
            json!({"article_id": a + 1, "name": outlet, "address": "1 Press Road", "phone": "+86 21 0000",
                   "email": NOTIFIER, "removed_url": "https://news.example/2022/08/24/article-2.html",
                   "statement": "We hold the rights.", "consent_jurisdiction": true,
                   "signature": outlet}),
        )
        .await;
    assert_eq!(status, 201, "{cn}");
    let restore_at = OffsetDateTime::parse(
        cn["restore_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    s.tick(restore_at + Duration::from_secs(60)).await;

    // Withdrawn after its breach; and one closed for want of an answer.
    let (third, third_code) = s.complaint_in(3, claimant, lang, true).await;
    s.miss_deadline(third).await;
    let (status, _) = s
        .post(
            &format!("/api/v1/complaints/{third_code}/withdraw"),
            json!({"reason": "Settled with the publisher."}),
        )
        .await;
    assert_eq!(status, 200);
    let (fourth, _) = s.complaint_in(3, claimant, lang, true).await;
    s.decide(&s.alice, fourth, "request_info", "Who holds the rights?")
        .await;
    let wait = s.app.state.config.info_wait;
    s.tick(OffsetDateTime::now_utc() + wait + Duration::from_secs(3600))
        .await;

    // The desk's first reminder bounces: the admins are told.
    crate::common::staff::add(&s.app, ADMIN, takedown::services::staff::Role::Admin).await;
    let reminder = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq("reminder"))
        .order_by_asc(outbox::Column::Id)
        .one(&s.app.db)
        .await
        .unwrap()
        .expect("a reminder");
    let st = &s.app.state;
    let inbox =
        takedown::services::inbound::Inbox::of(&st.config, &st.codes, &st.index, &st.site_hosts);
    let bounce = crate::bounces::bounce_for(&reminder);
    let got = takedown::services::inbound::receive(
        &s.app.db,
        &inbox,
        bounce.as_bytes(),
        None,
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    assert_eq!(got.outcome, "bounce");

    // The licence the articles were republished under: its last reminder, its end.
    let end = OffsetDateTime::now_utc() + Duration::from_secs(20 * 86_400);
    let resp = s
        .app
        .client
        .post(s.app.url("/api/v1/licences"))
        .bearer_auth(&s.app.token)
        .json(&json!({
            "reference": "SYND-2022-017", "licensor": outlet,
            "covers": {"outlets": [outlet], "source_hosts": ["citydaily.example"]},
            "starts_at": "2020-01-01T00:00:00Z",
            "ends_at": end.format(&time::format_description::well_known::Rfc3339).unwrap()
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let r = s.tick(end - Duration::from_secs(86_400 - 60)).await;
    assert_eq!(r.licences.reminders, 1, "{r}");
    let r = s.tick(end + Duration::from_secs(60)).await;
    assert_eq!(r.licences.expiries, 1, "{r}");

    let mut by_name: BTreeMap<String, String> = BTreeMap::new();
    let rows = outbox::Entity::find()
        .filter(outbox::Column::Kind.ne("webhook"))
        .order_by_asc(outbox::Column::Id)
        .all(&s.app.db)
        .await
        .unwrap();
    for m in rows {
        // notice:{complaint}:r{round}:{kind}:{occasion}:{recipient digest}
        let key: Vec<&str> = m.dedupe_key.split(':').collect();
        let base = format!("{}_{}_{}", key[3], key[2], role(&m.recipient, claimant));
        let mut text = format!("Subject: {}\n\n{}", m.subject, m.body_text);
        if let Some(html) = &m.body_html {
            text.push_str("\n--- html ---\n");
            text.push_str(html);
        }
        let text = masked(&text);
        // Another email of the same kind to the same party is pinned only if it reads
        // differently (a withdrawal's ending beside a rejection's).
        let names = (1..).map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}_{n}")
            }
        });
        for name in names {
            match by_name.get(&name) {
                Some(seen) if *seen == text => break,
                Some(_) => continue,
                None => {
                    by_name.insert(name, text);
                    break;
                }
            }
        }
    }
    by_name
}

/// The notices each language's story must produce, each to whom.
const EXPECTED: [&str; 25] = [
    "appeal_r2_staff",
    "closed_incomplete_r1_claimant",
    "counter_notice_forward_r2_claimant",
    "counter_notice_ack_r2_counter_notifier",
    "decision_r1_claimant",
    "decision_r2_claimant",
    "escalation_r1_escalation",
    "info_answered_r1_staff",
    "info_request_r1_claimant",
    "legal_action_r2_counter_notifier",
    "licence_expired_r0_staff",
    "licence_reminder_r0_staff",
    "new_complaint_r1_staff",
    "provisional_ended_r1_escalation",
    "provisional_ended_r1_source",
    "provisional_removal_r1_claimant",
    "provisional_removal_source_r1_source",
    "receipt_r1_claimant",
    "reminder_r1_staff",
    "removal_source_r2_source",
    "restored_r1_claimant",
    "restored_r1_counter_notifier",
    "staff_bounced_r0_admin",
    "withdrawn_ack_r1_claimant",
    "withdrawn_r1_staff",
];

async fn pin(lang: &str) {
    let emails = every_notice(lang).await;
    let names: Vec<&str> = emails.keys().map(String::as_str).collect();
    for want in EXPECTED {
        assert!(names.contains(&want), "no {want} email in {names:?}");
    }
    for (name, text) in &emails {
        insta::assert_snapshot!(format!("{lang}_{name}"), text);
    }
}

#[tokio::test]
async fn every_email_in_chinese() {
    pin("zh").await;
}

#[tokio::test]
async fn every_email_in_english() {
    pin("en").await;
}
