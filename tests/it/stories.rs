//! Stories that cross the workflow's features: two complaints on one article, an appeal
//! after a breach, a counter-notice while another complaint runs out of time. Each
//! counts the emails every party is owed, and where an article ends up.

use std::time::Duration;

use crate::common::staff::{add, client, session};
use crate::common::story::{CLAIMANT, ESCALATION, SOURCE, Story};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use takedown::entities::outbox;
use takedown::services::staff::Role;
use time::OffsetDateTime;

/// D1: reject, appeal, another reviewer upholds: the claimant hears both decisions.
#[tokio::test]
async fn the_claimant_is_told_the_outcome_of_an_appeal() {
    let s = Story::new().await;
    let a = s.article(1, json!({})).await;
    let (id, code) = s.complaint(1, CLAIMANT, true).await;
    s.decide(&s.alice, id, "reject", "转载已获许可。").await;
    assert_eq!(s.count(id, "decision", CLAIMANT).await, 1);
    s.appeal(&code).await;
    let v = s
        .decide(&s.bob, id, "uphold", "许可已过期，投诉成立。")
        .await;
    assert_eq!(v["removed_articles"], 1);
    assert_eq!(s.status(a).await, "removed");
    let decisions: Vec<_> = s
        .emails(id)
        .await
        .into_iter()
        .filter(|(k, r, _)| k == "decision" && r == CLAIMANT)
        .collect();
    assert_eq!(decisions.len(), 2, "the first decision and the appeal's");
    // The appeal's decision reaches the claimant through the relay too.
    let r = s.tick(OffsetDateTime::now_utc()).await;
    assert_eq!(r.outbox.failed, 0);
    let sent = outbox::Entity::find()
        .filter(outbox::Column::ComplaintId.eq(id))
        .filter(outbox::Column::Kind.eq("decision"))
        .filter(outbox::Column::SentAt.is_not_null())
        .all(&s.app.db)
        .await
        .unwrap();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        s.count(id, "removal", SOURCE).await,
        1,
        "the source's notice"
    );
    assert_eq!(s.count(id, "appeal", "staff@news.example").await, 1);
    s.audit_verifies();
}

/// D2: a breach, a rejection, an appeal nobody decides in time: two escalations.
#[tokio::test]
async fn a_missed_appeal_deadline_escalates_again() {
    let s = Story::new().await;
    let a = s.article(1, json!({})).await;
    let (id, code) = s.complaint(1, CLAIMANT, true).await;
    let r = s.miss_deadline(id).await;
    assert_eq!((r.deadlines.breaches, r.deadlines.removed_articles), (1, 1));
    assert_eq!(s.count(id, "escalation", ESCALATION).await, 1);
    assert_eq!(
        s.count(id, "removal", SOURCE).await,
        1,
        "provisional notice"
    );
    let v = s.decide(&s.alice, id, "reject", "转载已获许可。").await;
    assert_eq!(v["restored_articles"], 1);
    assert_eq!(s.status(a).await, "restored");
    // The source and the escalation address hear how the provisional removal ended.
    assert_eq!(s.count(id, "provisional_ended", SOURCE).await, 1);
    assert_eq!(s.count(id, "provisional_ended", ESCALATION).await, 1);
    s.appeal(&code).await;
    let r = s.miss_deadline(id).await;
    assert_eq!((r.deadlines.breaches, r.deadlines.removed_articles), (1, 0));
    assert_eq!(
        s.count(id, "escalation", ESCALATION).await,
        2,
        "the appeal's breach escalates too"
    );
    assert_eq!(
        s.status(a).await,
        "restored",
        "an appeal's breach only escalates"
    );
    assert_eq!(s.events("complaint.breached").await.len(), 2);
    s.audit_verifies();
}

/// D3: X and Y name one article; the breach takes it down; X is upheld, Y rejected:
/// it stays down. The same when Y was never confirmed and removed nothing itself.
#[tokio::test]
async fn rejecting_one_complaint_leaves_an_article_another_upheld() {
    for y_confirmed in [true, false] {
        let s = Story::new().await;
        let a = s.article(1, json!({})).await;
        let (x, _) = s.complaint(1, CLAIMANT, true).await;
        let (y, _) = s.complaint(1, "li@agency.example", y_confirmed).await;
        s.miss_deadline(y).await;
        assert_eq!(s.status(a).await, "removed");
        s.decide(&s.alice, x, "uphold", "与原文逐字相同。").await;
        let v = s.decide(&s.alice, y, "reject", "非权利人。").await;
        assert_eq!(v["restored_articles"], 0);
        assert_eq!(s.status(a).await, "removed", "X's hold stands");
        let hooks = s.webhooks(a).await;
        assert!(
            hooks.iter().all(|h| h["event"] != "article.restored"),
            "{hooks:?}"
        );
        assert!(s.events("article.restored").await.is_empty());
        // The source heard of X's removal once, and that Y's provisional hold ended
        // with the article still down.
        assert_eq!(
            s.count(x, "removal", SOURCE).await,
            2,
            "provisional, then upheld"
        );
        if y_confirmed {
            let ended: Vec<_> = s
                .emails(y)
                .await
                .into_iter()
                .filter(|(k, r, _)| k == "provisional_ended" && r == SOURCE)
                .collect();
            assert_eq!(ended.len(), 1);
        }
        s.audit_verifies();
    }
}

/// D4: a breach takes the article down provisionally; the uphold makes it final, and
/// the source and the CMS hear so.
#[tokio::test]
async fn an_uphold_after_a_breach_sends_the_full_removal_notice() {
    let s = Story::new().await;
    let a = s.article(1, json!({})).await;
    let (id, _) = s.complaint(1, CLAIMANT, true).await;
    s.miss_deadline(id).await;
    let v = s.decide(&s.alice, id, "uphold", "与原文逐字相同。").await;
    assert_eq!(v["removed_articles"], 1);
    let subjects: Vec<String> = s
        .emails(id)
        .await
        .into_iter()
        .filter(|(k, r, _)| k == "removal" && r == SOURCE)
        .map(|e| e.2)
        .collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(subjects[1].starts_with("Republished content removed: complaint"));
    let body = outbox::Entity::find()
        .filter(outbox::Column::ComplaintId.eq(id))
        .filter(outbox::Column::Subject.eq(subjects[1].clone()))
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap()
        .body_text;
    assert!(body.contains("counter-notice") && body.contains("与原文逐字相同。"));
    let hooks = s.webhooks(a).await;
    let grounds: Vec<(&str, bool)> = hooks
        .iter()
        .map(|h| {
            (
                h["ground"].as_str().unwrap(),
                h["provisional"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(grounds, [("provisional", true), ("upheld", false)]);
    s.audit_verifies();
}

/// D5: upheld, a counter-notice waits; meanwhile another complaint's deadline passes.
/// The counter-notice lifts the first removal; the article stays down for the second.
#[tokio::test]
async fn a_counter_notice_does_not_restore_what_another_complaint_holds() {
    let s = Story::new().await;
    let a = s.article(1, json!({})).await;
    let (x, _) = s.complaint(1, CLAIMANT, true).await;
    s.decide(&s.alice, x, "uphold", "与原文逐字相同。").await;
    let (status, cn) = s
        .post(
            "/api/v1/counter-notices",
            json!({"article_id": a, "name": "城市日报", "address": "上海市", "phone": "+86 21 0000",
                   "email": "legal@citydaily.example",
                   "removed_url": "https://news.example/2022/08/24/article-1.html",
                   "statement": "我们拥有转载授权。", "consent_jurisdiction": true,
                   "signature": "城市日报"}),
        )
        .await;
    assert_eq!(status, 201, "{cn}");
    assert_eq!(cn["complaint_id"], x);
    let (y, _) = s.complaint(1, "li@agency.example", true).await;
    s.miss_deadline(y).await;
    let restore_at = OffsetDateTime::parse(
        cn["restore_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let r = s.tick(restore_at + Duration::from_secs(60)).await;
    assert_eq!(r.deadlines.restored_articles, 0);
    assert_eq!(s.status(a).await, "removed", "Y's provisional hold stands");
    let hooks = s.webhooks(a).await;
    let seen: Vec<(&str, bool)> = hooks
        .iter()
        .map(|h| {
            (
                h["event"].as_str().unwrap(),
                h["provisional"].as_bool().unwrap(),
            )
        })
        .collect();
    // Down once, never up and down again; the CMS hears the removal is provisional now.
    assert_eq!(
        seen,
        [("article.removed", false), ("article.removed", true)]
    );
    let lifted = s
        .emails(x)
        .await
        .into_iter()
        .filter(|(k, _, _)| k == "restored")
        .collect::<Vec<_>>();
    // The claimant, the counter-notifier and staff, each once.
    assert_eq!(lifted.len(), 3, "{lifted:?}");
    // Each in their language: the claimant filed in Chinese and the counter-notifier
    // wrote in Chinese; the desk reads English (STAFF_LANGUAGE).
    for (_, to, subject) in &lifted {
        let want = if to == "staff@news.example" {
            "stays down"
        } else {
            "仍处于删除状态"
        };
        assert!(subject.contains(want), "{to}: {subject}");
    }
    s.audit_verifies();
}

/// D6: a question, the answer, and another question in the same second: both asked.
#[tokio::test]
async fn a_second_request_for_information_in_the_same_second() {
    let s = Story::new().await;
    s.article(1, json!({})).await;
    let (id, code) = s.complaint(1, CLAIMANT, true).await;
    s.decide(&s.alice, id, "request_info", "请提供原文发表证明。")
        .await;
    let (status, v) = s
        .post(
            &format!("/api/v1/complaints/{code}/answer"),
            json!({"answer": "见附件链接。"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    s.decide(&s.alice, id, "request_info", "链接无法打开，请重新提供。")
        .await;
    assert_eq!(
        s.row(id).await.status,
        takedown::domain::complaint::ComplaintStatus::NeedsInfo
    );
    assert_eq!(s.count(id, "info_request", CLAIMANT).await, 2);
    assert_eq!(s.count(id, "info_answered", "staff@news.example").await, 1);
    s.audit_verifies();
}

/// D7: reject, appeal, withdraw the appeal: the first decision stands, and the report
/// counts it as rejected.
#[tokio::test]
async fn withdrawing_an_appeal_leaves_the_first_decision() {
    let s = Story::new().await;
    s.article(1, json!({})).await;
    let (id, code) = s.complaint(1, CLAIMANT, true).await;
    s.decide(&s.alice, id, "reject", "转载已获许可。").await;
    let first = s.row(id).await;
    s.appeal(&code).await;
    let (status, v) = s
        .post(
            &format!("/api/v1/complaints/{code}/withdraw"),
            json!({"reason": "已与转载方和解。"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let c = s.row(id).await;
    assert_eq!(
        c.status,
        takedown::domain::complaint::ComplaintStatus::Rejected
    );
    assert_eq!(c.decision.as_deref(), Some("rejected"));
    assert_eq!(c.decision_reason.as_deref(), Some("转载已获许可。"));
    assert_eq!(c.decided_at, first.decided_at);
    let (status, _) = s
        .post(
            &format!("/api/v1/complaints/{code}/appeal"),
            json!({"statement": "再次申诉。"}),
        )
        .await;
    assert_eq!(status, 409, "one appeal per complaint");
    let today = OffsetDateTime::now_utc().date().to_string();
    let out = crate::common::takedown_cmd(&s.app.test_db)
        .args(["report", "--from", &today, "--to", &today])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &v["totals"];
    assert_eq!(
        (t["rejected"].as_u64(), t["withdrawn"].as_u64()),
        (Some(1), Some(0)),
        "{t}"
    );
    let acks: Vec<_> = s
        .emails(id)
        .await
        .into_iter()
        .filter(|(k, r, _)| k == "withdrawn_ack" && r == CLAIMANT)
        .collect();
    assert_eq!(acks.len(), 1);
    assert!(acks[0].2.contains("Appeal withdrawn"), "{acks:?}");
    s.audit_verifies();
}

/// D8: an appealed, overdue complaint: the queue does not say the article is down.
#[tokio::test]
async fn the_queue_marks_only_what_is_really_removed() {
    let s = Story::new().await;
    let a = s.article(1, json!({})).await;
    let (id, code) = s.complaint(1, CLAIMANT, true).await;
    s.decide(&s.alice, id, "reject", "转载已获许可。").await;
    s.appeal(&code).await;
    s.miss_deadline(id).await;
    assert_eq!(s.status(a).await, "published");
    add(&s.app, "rev@news.example", Role::Reviewer).await;
    let c = client();
    let (cookie, _) = session(&s.app, &c, "rev@news.example").await;
    let queue = |cookie: String| {
        let (c, url) = (c.clone(), s.app.url("/staff"));
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
    let page = queue(cookie.clone()).await;
    assert!(page.contains(&format!("/staff/complaints/{id}")));
    assert!(
        !page.contains("provisionally removed"),
        "the article is live"
    );

    // A first-round complaint whose breach took its article down is marked.
    s.article(2, json!({})).await;
    let (other, _) = s.complaint(2, "li@agency.example", true).await;
    s.miss_deadline(other).await;
    let page = queue(cookie).await;
    assert_eq!(page.matches("provisionally removed").count(), 1);
}

/// A source that writes in Chinese hears in Chinese; the decision email names the
/// appeal window that is configured; the Chinese receipt names its zone once.
#[tokio::test]
async fn notices_speak_the_recipients_language_and_the_configured_window() {
    let s = Story::with(|c| c.appeal_window = Duration::from_secs(30 * 86_400)).await;
    s.article(
        1,
        json!({"source": {"outlet": "城市日报", "url": "https://citydaily.example/news/1"}}),
    )
    .await;
    let (id, _) = s.complaint(1, CLAIMANT, true).await;
    s.miss_deadline(id).await;
    s.decide(&s.alice, id, "reject", "转载已获许可。").await;
    let rows = outbox::Entity::find()
        .filter(outbox::Column::ComplaintId.eq(id))
        .order_by_asc(outbox::Column::Id)
        .all(&s.app.db)
        .await
        .unwrap();
    let to_source: Vec<_> = rows.iter().filter(|m| m.recipient == SOURCE).collect();
    assert_eq!(to_source.len(), 2, "provisional removal, then how it ended");
    assert!(
        to_source
            .iter()
            .all(|m| m.body_text.contains("城市日报 版权负责人"))
    );
    assert!(to_source[1].body_text.contains("已恢复"));
    let decision = rows.iter().find(|m| m.kind == "decision").unwrap();
    assert!(
        decision.body_text.contains("30天内"),
        "{}",
        decision.body_text
    );
    assert!(!decision.body_text.contains("六个月"));
    let receipt = rows.iter().find(|m| m.kind == "receipt").unwrap();
    assert!(
        !receipt.body_text.contains("（UTC）"),
        "{}",
        receipt.body_text
    );
}

/// Each round keeps its own pauses: two questions in the first round, one in the
/// appeal, which is withdrawn while it waits; a question the reviewer decides without
/// waiting for ends there too. The dossier lists them all.
#[tokio::test]
async fn each_round_keeps_its_own_pauses_of_the_clock() {
    use takedown::services::pauses;
    let s = Story::new().await;
    s.article(1, json!({})).await;
    let (id, code) = s.complaint(1, CLAIMANT, true).await;
    let answer = |text: &'static str| {
        let path = format!("/api/v1/complaints/{code}/answer");
        let s = &s;
        async move {
            let (status, v) = s.post(&path, json!({"answer": text})).await;
            assert_eq!(status, 200, "{v}");
        }
    };
    s.decide(&s.alice, id, "request_info", "请提供原文发表证明。")
        .await;
    answer("见附件链接。").await;
    s.decide(&s.alice, id, "request_info", "链接无法打开，请重新提供。")
        .await;
    answer("已重新上传。").await;
    s.decide(&s.alice, id, "reject", "转载已获许可。").await;
    s.appeal(&code).await;
    s.decide(&s.bob, id, "request_info", "请提供许可到期的证明。")
        .await;
    let (status, v) = s
        .post(
            &format!("/api/v1/complaints/{code}/withdraw"),
            json!({"reason": "已与转载方和解。"}),
        )
        .await;
    assert_eq!(status, 200, "{v}");

    let rows = pauses::of_complaint(&s.app.db, id).await.unwrap();
    let shape: Vec<(i32, i32, Option<&str>, bool)> = rows
        .iter()
        .map(|p| {
            (
                p.round,
                p.request,
                p.outcome.as_deref(),
                p.resumed_at.is_some_and(|r| r >= p.paused_at),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (1, 1, Some("answered"), true),
            (1, 2, Some("answered"), true),
            (2, 1, Some("closed"), true),
        ]
    );
    assert_eq!(s.row(id).await.paused_at, None);

    add(&s.app, "desk@news.example", Role::Reviewer).await;
    let b = client();
    let (cookie, _) = session(&s.app, &b, "desk@news.example").await;
    let page = b
        .get(s.app.url(&format!("/staff/complaints/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let table = page
        .split("<table id=\"pauses\">")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .expect("the dossier lists the pauses");
    assert_eq!(table.matches("<tr><td>first</td>").count(), 2, "{table}");
    assert_eq!(table.matches("<tr><td>appeal</td>").count(), 1, "{table}");
    assert!(table.contains("(closed)") && table.contains("(answered)"));

    // Decided while a question waits: the pause ends with the decision.
    s.article(2, json!({})).await;
    let (other, _) = s.complaint(2, CLAIMANT, true).await;
    s.decide(&s.alice, other, "request_info", "请补充。").await;
    s.decide(&s.alice, other, "reject", "无需补充，转载已获许可。")
        .await;
    let rows = pauses::of_complaint(&s.app.db, other).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].outcome.as_deref(), Some("decided"));
    assert_eq!(s.row(other).await.paused_at, None);
    s.audit_verifies();
}
