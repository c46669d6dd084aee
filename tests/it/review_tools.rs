//! What a reviewer decides with: an outcome for each URL of a complaint, the decision
//! form that comes back with its problems and previews the claimant's email, saved
//! replies, internal notes and an admin's choice of reviewer. Each story counts the
//! emails every party is owed, and where each article ends up.

use crate::common::filing::{file_json, target};
use crate::common::staff::{add, client, session};
use crate::common::story::{CLAIMANT, SOURCE, Story};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use takedown::entities::outbox;
use takedown::services::staff::Role;

/// A page on our host that is no article we republished.
const NOT_OURS: &str = "https://news.example/about/original-reporting.html";

/// A complaint in Chinese naming articles 1 and 2 and a page that is not ours.
async fn three_targets(s: &Story) -> (i64, String) {
    let mut body = crate::common::filing::complaint_json(1, CLAIMANT);
    body["infringing_urls"] = json!([target(1), target(2), NOT_OURS]);
    let (id, code, _) = file_json(&s.app, &body).await;
    s.app.confirm(id).await;
    (id, code)
}

async fn body_of(s: &Story, id: i64, kind: &str, to: &str) -> Vec<String> {
    outbox::Entity::find()
        .filter(outbox::Column::ComplaintId.eq(id))
        .filter(outbox::Column::Kind.eq(kind))
        .filter(outbox::Column::Recipient.eq(to))
        .order_by_asc(outbox::Column::Id)
        .all(&s.app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.body_text)
        .collect()
}

/// After a missed deadline took both articles down, the reviewer upholds for one,
/// rejects for the other and finds the third URL not ours: one comes back, one stays
/// down, and every party hears which URL got which outcome.
#[tokio::test]
async fn one_complaint_upholds_one_article_rejects_another_and_finds_a_page_not_ours() {
    let s = Story::new().await;
    let a1 = s.article(1, json!({})).await;
    let a2 = s.article(2, json!({})).await;
    let (id, code) = three_targets(&s).await;
    s.miss_deadline(id).await;
    assert_eq!(
        (s.status(a1).await, s.status(a2).await),
        ("removed".into(), "removed".into())
    );

    // Every refusal names its URL, and leaves everything as it was.
    for (body, field) in [
        (
            json!({"action": "uphold", "reason": "r", "targets": [{"url": "https://news.example/nope", "outcome": "reject"}]}),
            "targets[0]",
        ),
        (
            json!({"action": "uphold", "reason": "r", "targets": [{"url": target(1), "outcome": "not_ours"}]}),
            "targets[0]",
        ),
        (
            json!({"action": "uphold", "reason": "r", "targets": [{"url": NOT_OURS, "outcome": "uphold"}]}),
            "targets[0]",
        ),
        (
            json!({"action": "uphold", "reason": "r", "targets": [{"url": target(2), "outcome": "reject"}, {"url": target(1), "outcome": "maybe"}]}),
            "targets[1]",
        ),
        (
            json!({"action": "uphold", "reason": "r", "targets": [{"url": target(1), "outcome": "reject"}, {"url": target(2), "outcome": "reject"}]}),
            "targets",
        ),
        (
            json!({"action": "reject", "reason": "r", "targets": [{"url": target(1), "outcome": "uphold"}]}),
            "targets[0]",
        ),
        (
            json!({"action": "uphold", "reason": "r", "targets": [{"url": " ", "outcome": "reject"}]}),
            "targets[0]",
        ),
    ] {
        let (status, v) = s.decide_as(&s.alice, id, body.clone()).await;
        assert_eq!(status, 422, "{body} → {v}");
        assert!(v["fields"][field].is_string(), "{body} → {v}");
    }
    assert!(s.row(id).await.status.is_open());
    assert_eq!(s.count(id, "decision", CLAIMANT).await, 0);

    let v = s
        .decide_with(
            id,
            json!({"action": "uphold", "reason": "第一篇逐字转载且许可已过期；第二篇为独立报道。",
                   "targets": [{"url": target(2), "outcome": "reject"}]}),
        )
        .await;
    assert_eq!(
        (
            v["status"].as_str(),
            v["removed_articles"].as_u64(),
            v["restored_articles"].as_u64()
        ),
        (Some("upheld"), Some(1), Some(1)),
        "{v}"
    );
    assert_eq!(s.status(a1).await, "removed");
    assert_eq!(s.status(a2).await, "restored");

    // The claimant's status shows each URL's outcome.
    let view = s.view(&code).await;
    let outcomes: Vec<(&str, &str)> = view["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["url"].as_str().unwrap(), t["outcome"].as_str().unwrap()))
        .collect();
    let (t1, t2) = (target(1), target(2));
    assert_eq!(
        outcomes,
        [
            (t1.as_str(), "upheld"),
            (t2.as_str(), "rejected"),
            (NOT_OURS, "not_ours")
        ]
    );

    // One decision email, naming each URL with its outcome, in Chinese.
    let told = body_of(&s, id, "decision", CLAIMANT).await;
    assert_eq!(told.len(), 1);
    let lines: Vec<&str> = told[0].lines().collect();
    let after = |url: &str| {
        let i = lines.iter().position(|l| *l == format!("- {url}")).unwrap();
        lines[i + 1].trim().to_string()
    };
    assert_eq!(after(&t1), "已从本站删除。");
    assert_eq!(after(&t2), "继续保留：该网页的投诉不成立。");
    assert!(after(NOT_OURS).starts_with("非本站内容"));

    // The source: told of both provisional removals, then that article 1 is removed
    // on the decision and article 2's provisional removal has ended.
    let to_source: Vec<(String, String)> = s
        .emails(id)
        .await
        .into_iter()
        .filter(|(_, r, _)| r == SOURCE)
        .map(|(k, _, subject)| (k, subject))
        .collect();
    let kinds: Vec<&str> = to_source.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["removal", "removal", "provisional_ended"],
        "{to_source:?}"
    );
    let removal = body_of(&s, id, "removal", SOURCE).await;
    assert!(
        removal[1].contains(&t1) && !removal[1].contains(&t2),
        "{}",
        removal[1]
    );
    let ended = body_of(&s, id, "provisional_ended", SOURCE).await;
    assert!(
        ended[0].contains(&t2) && !ended[0].contains(&t1),
        "{}",
        ended[0]
    );

    // The CMS: article 1 down, then down for good; article 2 down, then back.
    let grounds = |hooks: Vec<Value>| -> Vec<String> {
        hooks
            .iter()
            .map(|h| {
                format!(
                    "{} {}",
                    h["event"].as_str().unwrap(),
                    h["ground"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        grounds(s.webhooks(a1).await),
        ["article.removed provisional", "article.removed upheld"]
    );
    assert_eq!(
        grounds(s.webhooks(a2).await),
        ["article.removed provisional", "article.restored rejected"]
    );
    let decided = s.events("complaint.decided").await;
    assert_eq!(decided[0]["targets"][2]["outcome"], "not_ours");
    s.audit_verifies();
}

/// A rejection needs no outcomes: each URL stays up, and the page not ours is
/// simply rejected with the rest.
#[tokio::test]
async fn a_rejection_leaves_every_url_up() {
    let s = Story::new().await;
    s.article(1, json!({})).await;
    s.article(2, json!({})).await;
    let (id, code) = three_targets(&s).await;
    s.decide(&s.alice, id, "reject", "均为独立报道。").await;
    let view = s.view(&code).await;
    let all: Vec<&str> = view["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(all, ["rejected", "rejected", "rejected"]);
    let page = s
        .app
        .client
        .get(s.app.url(&format!("/complaints/{code}?lang=zh")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        page.matches("data-outcome=\"rejected\"").count(),
        3,
        "{page}"
    );
}

/// The reviewer at the desk: a saved reply fills the reasons in the claimant's
/// language, a preview shows the email without recording it, a bad outcome comes
/// back beside its URL, and the decision, once recorded, says so. Notes stay
/// internal; only an admin gets the list of reviewers to assign.
#[tokio::test]
async fn a_reviewer_decides_per_url_from_a_saved_reply_after_a_preview() {
    let s = Story::new().await;
    s.article(1, json!({})).await;
    s.article(2, json!({})).await;
    let (id, code) = three_targets(&s).await;
    add(&s.app, "admin@news.example", Role::Admin).await;
    add(&s.app, "ana@news.example", Role::Reviewer).await;
    let c = client();
    let (admin, admin_csrf) = session(&s.app, &c, "admin@news.example").await;
    let (ana, csrf) = session(&s.app, &c, "ana@news.example").await;
    let post = |cookie: &str, path: &str, form: Vec<(&str, String)>| {
        let req = c
            .post(s.app.url(path))
            .header("cookie", cookie.to_string())
            .form(&form);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let location = r
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string());
            (status, location, r.text().await.unwrap())
        }
    };
    let get = |cookie: &str, path: &str| {
        let req = c.get(s.app.url(path)).header("cookie", cookie.to_string());
        async move { req.send().await.unwrap().text().await.unwrap() }
    };

    // The admin saves a reply; an empty one is refused field by field, in one round.
    let blank = vec![
        ("csrf", admin_csrf.clone()),
        ("name", " ".into()),
        ("action", "sometimes".into()),
        ("body_zh", "".into()),
        ("body_en", "  ".into()),
    ];
    let (status, _, page) = post(&admin, "/staff/templates", blank).await;
    assert_eq!(status, 422);
    for field in ["name", "action", "body_zh", "body_en"] {
        assert!(
            page.contains(&format!("<a href=\"#{field}\">")),
            "{field}: {page}"
        );
        assert!(
            page.contains(&format!("id=\"{field}\" name=\"{field}\"")),
            "{page}"
        );
    }
    assert_eq!(page.matches("aria-invalid=\"true\"").count(), 4, "{page}");
    let reply = vec![
        ("csrf", admin_csrf.clone()),
        ("name", "Verbatim copy".into()),
        ("action", "uphold".into()),
        ("body_zh", "经核实，该文逐字转载了您的作品，已删除。".into()),
        (
            "body_en",
            "We checked: the article copied your work word for word. It is removed.".into(),
        ),
    ];
    let (status, _, _) = post(&admin, "/staff/templates", reply.clone()).await;
    assert_eq!(status, 303);
    let (status, _, page) = post(&admin, "/staff/templates", reply).await;
    assert_eq!(status, 422, "the same name twice");
    assert!(page.contains("already called"));
    // A reviewer reads the replies, but may not change them.
    let list = get(&ana, "/staff/templates").await;
    assert!(list.contains("Verbatim copy") && !list.contains("id=\"template-form\""));
    let (status, _, _) = post(
        &ana,
        "/staff/templates",
        vec![("csrf", csrf.clone()), ("name", "x".into())],
    )
    .await;
    assert_eq!(status, 403);
    let reply_id = takedown::services::reply_templates::list(&s.app.db)
        .await
        .unwrap()[0]
        .id;

    // Chosen on the complaint page, it fills the reasons in Chinese, the claimant's
    // language, and picks its decision.
    let page = get(&ana, &format!("/staff/complaints/{id}?reply={reply_id}")).await;
    assert!(
        page.contains(">经核实，该文逐字转载了您的作品，已删除。</textarea>"),
        "{page}"
    );
    assert!(page.contains("value=\"uphold\" required checked"));
    assert!(page.contains("The claimant wrote in Chinese"));
    assert!(
        !page.contains("id=\"assign\""),
        "a reviewer gets no list of reviewers"
    );

    let form = |go: &str, t0: &str, t1: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("action", "uphold".to_string()),
            (
                "reason",
                "经核实，第一篇逐字转载了您的作品，已删除；第二篇为独立报道。".into(),
            ),
            ("target_0", t0.into()),
            ("target_1", t1.into()),
            ("target_2", "".into()),
            ("go", go.into()),
        ]
    };
    let path = format!("/staff/complaints/{id}/decision");
    // A bad outcome comes back beside its URL, with what was typed kept.
    let (status, _, page) = post(&ana, &path, form("record", "not_ours", "reject")).await;
    assert_eq!(status, 422);
    assert!(page.contains("<a href=\"#target_0\">"), "{page}");
    assert!(page.contains("id=\"target_0\" name=\"target_0\" aria-invalid=\"true\""));
    assert!(page.contains("<option value=\"reject\" selected>"));
    assert!(page.contains("第二篇为独立报道。</textarea>"));

    // The preview shows the claimant's email, with each URL's outcome, and records
    // nothing.
    let (status, _, page) = post(&ana, &path, form("preview", "", "reject")).await;
    assert_eq!(status, 200);
    let preview = page.split("id=\"preview-text\">").nth(1).unwrap();
    assert!(
        preview.contains("已从本站删除。") && preview.contains("继续保留"),
        "{preview}"
    );
    assert!(preview.contains("[the claimant") && !preview.contains(&code));
    assert!(s.row(id).await.status.is_open());
    assert_eq!(s.count(id, "decision", CLAIMANT).await, 0);

    // Notes: refused when blank, beside the field; shown to staff once added.
    let (status, _, page) = post(
        &ana,
        &format!("/staff/complaints/{id}/notes"),
        vec![("csrf", csrf.clone()), ("body", "   ".into())],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("id=\"note-body\" name=\"body\"")
            && page.contains("aria-invalid=\"true\">   </textarea>")
    );
    let note = "Called the licensor: licence SYND-2022-017 ended in 2023.";
    let (status, location, _) = post(
        &ana,
        &format!("/staff/complaints/{id}/notes"),
        vec![("csrf", csrf.clone()), ("body", note.into())],
    )
    .await;
    assert_eq!(
        (status, location.as_deref()),
        (
            303,
            Some(format!("/staff/complaints/{id}?done=noted#notes").as_str())
        )
    );

    // The admin's page lists the active reviewers to assign.
    let page = get(&admin, &format!("/staff/complaints/{id}")).await;
    assert!(page.contains("<option value=\"ana@news.example\">") && page.contains(note));

    // Recorded: the success message, and each URL's outcome on the page.
    let (status, location, _) = post(&ana, &path, form("record", "", "reject")).await;
    assert_eq!(
        (status, location),
        (303, Some(format!("/staff/complaints/{id}?done=upheld")))
    );
    let page = get(&ana, &format!("/staff/complaints/{id}?done=upheld")).await;
    assert!(page.contains("Decision recorded: upheld."));
    let outcomes: Vec<&str> = page
        .split("data-outcome=\"")
        .skip(1)
        .map(|r| r.split('"').next().unwrap())
        .collect();
    assert_eq!(outcomes, ["upheld", "rejected", "not_ours"]);
    assert_eq!(s.count(id, "decision", CLAIMANT).await, 1);

    // The claimant never sees the note: not on the status page, not in any email.
    let status_page = s
        .app
        .client
        .get(s.app.url(&format!("/complaints/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!status_page.contains("SYND-2022-017 ended"));
    for (kind, to, _) in s.emails(id).await {
        for b in body_of(&s, id, &kind, &to).await {
            assert!(!b.contains("SYND-2022-017 ended"), "{kind} to {to}");
        }
    }
    let noted = s.events("complaint.noted").await;
    assert_eq!(noted.len(), 1);
    assert!(noted[0]["sha256"].as_str().is_some_and(|h| h.len() == 64));
    s.audit_verifies();
}
