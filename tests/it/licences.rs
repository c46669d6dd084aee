//! Licences as records: terms saved as revisions, compliance worked out per article
//! revision, reminders before the end, the `licence_expired` hold at it, renewal, and
//! how that meets complaints. The clock is the sweep's `now`, so a licence that ends
//! "in three hours" ends at the tick three hours on.

use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::common::story::Story;
use crate::common::{TestApp, article};
use crate::matching_corpus::{SYLLABLES, UNRELATED_ZH, ZH, glossed, traditional};

const DESK: &str = "licences@news.example";

fn at(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

fn licence(reference: &str, ends_at: OffsetDateTime) -> Value {
    json!({
        "reference": reference, "licensor": "City Daily 城市日报",
        "licensor_contact": "rights@citydaily.example",
        "covers": {"outlets": ["City Daily"], "source_hosts": ["citydaily.example"]},
        "starts_at": "2020-01-01T00:00:00+08:00", "ends_at": at(ends_at),
        "rights": ["online_republication"], "attribution_required": true, "edits_allowed": false
    })
}

async fn save(app: &TestApp, body: &Value) -> (u16, Value) {
    let resp = app
        .client
        .post(app.url("/api/v1/licences"))
        .bearer_auth(&app.token)
        .json(body)
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

async fn licence_of(app: &TestApp, reference: &str) -> Value {
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/licences/{reference}")))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn compliance(app: &TestApp, id: i64) -> Value {
    app.get_article(id).await.json::<Value>().await.unwrap()["compliance"].clone()
}

/// The licence emails owed, as (kind, recipient, body).
async fn licence_emails(app: &TestApp) -> Vec<(String, String, String)> {
    use sea_orm::QueryOrder;
    use takedown::entities::outbox;
    outbox::Entity::find()
        .filter(outbox::Column::Kind.is_in(["licence_reminder", "licence_expired"]))
        .order_by_asc(outbox::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.kind, m.recipient, m.body_text))
        .collect()
}

fn on_remove(c: &mut takedown::config::Config) {
    c.licences.on_expiry = takedown::domain::licence::OnLicenceExpiry::Remove;
    c.licences.reminders = vec![Duration::from_secs(2 * 3600), Duration::from_secs(3600)];
    c.licences.notify = Some(takedown::config::parse_addresses(DESK).unwrap());
}

#[tokio::test]
async fn a_licence_reminds_then_takes_its_articles_down_then_renewal_restores_them() {
    let s = Story::with(on_remove).await;
    let app = &s.app;
    let now = OffsetDateTime::now_utc();
    let end = now + Duration::from_secs(3 * 3600);
    let (status, v) = save(app, &licence("SYND-2022-017", end)).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["state"], "active");
    assert_eq!(v["revisions"].as_array().unwrap().len(), 1);
    let (status, _) = save(app, &licence("SYND-2022-017", end)).await;
    assert_eq!(status, 200, "the same terms again write nothing");

    let covered = s.article(1, json!({})).await;
    let unknown = s
        .article(2, json!({"licence": {"reference": "NO-SUCH-LICENCE"}}))
        .await;
    assert_eq!(compliance(app, covered).await["licence"], "covered");
    assert_eq!(compliance(app, unknown).await["licence"], "unknown_licence");

    // Two hours before the end: one reminder to the licence desk, naming the article.
    let r = s.tick(end - Duration::from_secs(2 * 3600 - 60)).await;
    assert_eq!(r.licences.reminders, 1, "{r}");
    let again = s.tick(end - Duration::from_secs(2 * 3600 - 90)).await;
    assert_eq!(again.licences.reminders, 0, "sent once");
    let mail = licence_emails(app).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].0, "licence_reminder");
    assert_eq!(mail[0].1, DESK);
    assert!(
        mail[0].2.contains("article-1.html") && !mail[0].2.contains("article-2.html"),
        "{}",
        mail[0].2
    );

    // Past the end: the hour-before reminder is moot; the article comes down.
    let r = s.tick(end + Duration::from_secs(60)).await;
    assert_eq!(r.licences.expiries, 1, "{r}");
    assert_eq!(r.licences.held_articles, 1);
    assert_eq!(
        r.licences.skipped, 1,
        "the 1h reminder: the licence ended first"
    );
    assert_eq!(s.status(covered).await, "removed");
    assert_eq!(
        s.status(unknown).await,
        "published",
        "not under this licence"
    );
    assert_eq!(compliance(app, covered).await["licence"], "expired");
    let hooks = s.webhooks(covered).await;
    assert_eq!(hooks.len(), 1, "{hooks:?}");
    assert_eq!(hooks[0]["event"], "article.removed");
    assert_eq!(hooks[0]["ground"], "licence_expired");
    assert_eq!(hooks[0]["licence"], "SYND-2022-017");
    assert_eq!(hooks[0]["complaint_id"], Value::Null);
    let page = app
        .client
        .get(app.url(&format!("/removed/{covered}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        410,
        "held only by its licence: gone, not 451"
    );
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("No longer offered under licence")
    );
    let mail = licence_emails(app).await;
    assert_eq!(
        mail.iter().map(|m| m.0.as_str()).collect::<Vec<_>>(),
        ["licence_reminder", "licence_expired"]
    );
    assert!(mail[1].2.contains("article-1.html"));

    // Renewal: a later end releases the hold and tells the CMS.
    let (status, v) = save(
        app,
        &licence("SYND-2022-017", now + Duration::from_secs(400 * 86_400)),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["revision"], 2);
    assert_eq!(
        v["revisions"].as_array().unwrap().len(),
        2,
        "earlier terms kept"
    );
    assert_eq!(s.status(covered).await, "restored");
    assert_eq!(compliance(app, covered).await["licence"], "covered");
    let hooks = s.webhooks(covered).await;
    assert_eq!(hooks.len(), 2);
    assert_eq!(hooks[1]["event"], "article.restored");
    assert_eq!(hooks[1]["ground"], "licence_renewed");
    let page = app
        .client
        .get(app.url(&format!("/removed/{covered}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    // The old end's steps are spent or cancelled: nothing more at the old end.
    let r = s.tick(end + Duration::from_secs(120)).await;
    assert_eq!(r.licences, Default::default(), "{r}");
    assert_eq!(s.events("licence.revised").await.len(), 1);
    s.audit_verifies();
}

#[tokio::test]
async fn an_article_a_complaint_took_down_stays_down_when_its_licence_is_renewed() {
    let s = Story::with(on_remove).await;
    let app = &s.app;
    let now = OffsetDateTime::now_utc();
    let end = now + Duration::from_secs(3600);
    assert_eq!(save(app, &licence("SYND-1", end)).await.0, 201);
    let id = s
        .article(1, json!({"licence": {"reference": "SYND-1"}}))
        .await;
    let (cid, _) = s.complaint(1, crate::common::story::CLAIMANT, true).await;
    s.decide(&s.alice, cid, "uphold", "许可已到期，转载无授权。")
        .await;
    assert_eq!(s.status(id).await, "removed");
    // The licence ends too: a second hold, nothing the CMS need hear, and nothing the
    // end took down (the report counts what each end took down).
    let r = s.tick(end + Duration::from_secs(60)).await;
    assert_eq!((r.licences.expiries, r.licences.held_articles), (1, 0));
    assert_eq!(s.webhooks(id).await.len(), 1, "removed once");
    let ended = takedown::entities::audit_event::Entity::find()
        .filter(takedown::entities::audit_event::Column::Action.eq("licence.expired"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let details: Value = serde_json::from_str(&ended.details).unwrap();
    assert_eq!(
        (details["articles"].as_u64(), details["held"].as_u64()),
        (Some(1), Some(0))
    );
    // Renewed: its hold goes, the complaint's stands.
    let (status, _) = save(
        app,
        &licence("SYND-1", now + Duration::from_secs(400 * 86_400)),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        s.status(id).await,
        "removed",
        "the upheld complaint still holds it"
    );
    let hooks = s.webhooks(id).await;
    assert_eq!(hooks.len(), 1, "no restore: {hooks:?}");
    let page = app
        .client
        .get(app.url(&format!("/removed/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 451, "held for a legal demand");
    s.audit_verifies();
}

#[tokio::test]
async fn two_instances_send_each_reminder_once() {
    let s = Story::with(on_remove).await;
    let end = OffsetDateTime::now_utc() + Duration::from_secs(3 * 3600);
    assert_eq!(save(&s.app, &licence("SYND-2", end)).await.0, 201);
    s.article(1, json!({"licence": {"reference": "SYND-2"}}))
        .await;
    let second = TestApp::spawn_on(s.app.test_db.clone(), on_remove).await;
    let when = end - Duration::from_secs(2 * 3600 - 30);
    let (one, two) = (s.app.state.jobs(), second.state.jobs());
    let (a, b) = tokio::join!(
        takedown::jobs::tick(&one, &s.mailer, when),
        takedown::jobs::tick(&two, &s.mailer, when),
    );
    let sent = a.unwrap().licences.reminders + b.unwrap().licences.reminders;
    assert_eq!(sent, 1);
    assert_eq!(licence_emails(&s.app).await.len(), 1);
}

#[tokio::test]
async fn after_downtime_only_the_latest_reminder_goes_out() {
    let s = Story::with(|c| {
        c.licences.notify = Some(takedown::config::parse_addresses(DESK).unwrap());
    })
    .await;
    let end = OffsetDateTime::now_utc() + Duration::from_secs(40 * 86_400);
    assert_eq!(save(&s.app, &licence("SYND-3", end)).await.0, 201);
    let id = s
        .article(1, json!({"licence": {"reference": "SYND-3"}}))
        .await;
    // Down from before the 30-day reminder until half a day before the end.
    let r = s.tick(end - Duration::from_secs(12 * 3600)).await;
    assert_eq!((r.licences.reminders, r.licences.skipped), (1, 2), "{r}");
    let mail = licence_emails(&s.app).await;
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].2.contains("in 12 hours") || mail[0].2.contains("in 11 hours"),
        "{}",
        mail[0].2
    );
    // Flag, the default: at the end the article stays up, shown expired.
    let r = s.tick(end + Duration::from_secs(60)).await;
    assert_eq!((r.licences.expiries, r.licences.held_articles), (1, 0));
    assert_eq!(s.status(id).await, "published");
    assert_eq!(compliance(&s.app, id).await["licence"], "expired");
    assert_eq!(licence_emails(&s.app).await[1].0, "licence_expired");
}

/// An article as the CMS records it, under licence `reference`, republished at `when`.
fn under(n: u32, reference: &str, when: &str) -> Value {
    let mut a = article(n, "正文。来源：City Daily 记者 Li Wei");
    a["licence"] = json!({"reference": reference});
    a["republished_at"] = json!(when);
    a
}

async fn record(app: &TestApp, a: &Value) -> i64 {
    let resp = app.post_article(a).await;
    assert_eq!(resp.status(), 201);
    resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn every_compliance_verdict() {
    let app = TestApp::spawn().await;
    let ended = json!({
        "reference": "SYND-2023", "licensor": "City Daily",
        "covers": {"outlets": ["City Daily"]},
        "starts_at": "2022-01-01T00:00:00+08:00", "ends_at": "2023-12-31T23:59:59+08:00"
    });
    assert_eq!(save(&app, &ended).await.0, 201);
    let open = json!({"reference": "SYND-OPEN", "licensor": "City Daily",
        "covers": {"source_hosts": ["citydaily.example"]}});
    assert_eq!(save(&app, &open).await.0, 201);

    let cases = [
        (under(1, "SYND-OPEN", "2024-03-01T00:00:00Z"), "covered"),
        (
            under(2, "SYND-2023", "2022-08-24T09:19:16+08:00"),
            "expired",
        ),
        (
            under(3, "SYND-2023", "2024-02-01T00:00:00Z"),
            "expired_at_republication",
        ),
        (
            under(4, "SYND-2023", "2021-06-01T00:00:00Z"),
            "not_yet_valid",
        ),
        (
            under(6, "NOT-ON-FILE", "2024-02-01T00:00:00Z"),
            "unknown_licence",
        ),
    ];
    for (a, want) in &cases {
        let id = record(&app, a).await;
        assert_eq!(compliance(&app, id).await["licence"], *want, "{a}");
    }
    let mut other = under(5, "SYND-2023", "2022-08-24T09:19:16+08:00");
    other["source"]["outlet"] = json!("Harbour Post");
    let id = record(&app, &other).await;
    assert_eq!(compliance(&app, id).await["licence"], "outlet_not_covered");

    // The text: a Traditional republication with conversion glosses is the source's
    // text; the same with a paragraph added is not.
    let converted = glossed(&traditional(ZH), 10, "(", ")", SYLLABLES);
    let mut a = under(7, "SYND-OPEN", "2024-03-01T00:00:00Z");
    a["body"] = json!(format!("{converted}\n来源：City Daily 记者 Li Wei"));
    a["source"]["body"] = json!(ZH);
    a["source"]["title"] = json!("稳就业：城市新增岗位");
    a["title"] = json!("穩就業：城市新增崗位");
    let id = record(&app, &a).await;
    let c = compliance(&app, id).await;
    assert_eq!(c["altered"], false, "{c}");
    assert!(c["source_containment"].as_f64().unwrap() >= 0.9, "{c}");
    assert_eq!(c["title_changed"], false, "script alone is no change");
    assert_eq!(c["attribution"], "ok");

    let first_half: String = UNRELATED_ZH.chars().take(ZH.chars().count() / 4).collect();
    let mut a = under(8, "SYND-OPEN", "2024-03-01T00:00:00Z");
    a["body"] = json!(format!("{ZH}\n{first_half}"));
    a["source"]["body"] = json!(ZH);
    a["source"]["title"] = json!("稳就业：城市新增岗位");
    a["title"] = json!("震惊！城市岗位大变");
    a["byline"] = json!("本网编辑");
    a["body"] = json!(format!("{ZH}\n{first_half}"));
    let id = record(&app, &a).await;
    let c = compliance(&app, id).await;
    assert_eq!(c["altered"], true, "a paragraph added: {c}");
    assert_eq!(c["title_changed"], true);
    assert_eq!(
        c["attribution"], "missing",
        "neither body nor byline names City Daily"
    );

    let id = record(&app, &under(9, "SYND-OPEN", "2024-03-01T00:00:00Z")).await;
    let c = compliance(&app, id).await;
    assert_eq!(
        (c["altered"].clone(), c["title_changed"].clone()),
        (Value::Null, Value::Null)
    );
}

#[tokio::test]
async fn bad_licences_are_refused_by_name() {
    let app = TestApp::spawn().await;
    let (status, v) = save(&app, &json!({"reference": "R"})).await;
    assert_eq!(status, 422, "{v}");
    let fields = v["fields"].as_object().unwrap();
    assert!(
        fields.contains_key("licensor") && fields.contains_key("covers"),
        "{v}"
    );
    let mut l = licence("R", OffsetDateTime::now_utc());
    l["starts_at"] = json!("2030-01-01T00:00:00Z");
    l["covers"]["source_hosts"] = json!(["not a host"]);
    let (status, v) = save(&app, &l).await;
    assert_eq!(status, 422);
    let fields = v["fields"].as_object().unwrap();
    assert!(
        fields.contains_key("ends_at") && fields.contains_key("covers.source_hosts[0]"),
        "{v}"
    );
    assert_eq!(app.count("licences").await, 0, "nothing half-written");
    let resp = app
        .client
        .post(app.url("/api/v1/licences"))
        .json(&licence("R", OffsetDateTime::now_utc()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn the_agreement_is_kept_under_its_hash() {
    let app = TestApp::spawn().await;
    let end = OffsetDateTime::now_utc() + Duration::from_secs(86_400);
    assert_eq!(save(&app, &licence("SYND-DOC", end)).await.0, 201);
    let put = |path: &str, ty: &str, body: Vec<u8>| {
        app.client
            .put(app.url(path))
            .bearer_auth(&app.token)
            .header("content-type", ty)
            .header(
                "content-disposition",
                "attachment; filename=\"agreement.pdf\"",
            )
            .body(body)
    };
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n".to_vec();
    let resp = put(
        "/api/v1/licences/SYND-DOC/document",
        "application/pdf",
        pdf.clone(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    let sha = takedown_text::canonical::sha256_hex(&pdf);
    assert_eq!(v["document"]["sha256"], sha);
    assert_eq!(v["document"]["content_type"], "application/pdf");
    assert_eq!(v["document"]["file_name"], "agreement.pdf");
    let stored = app.test_db.data_dir().join("evidence").join(&sha);
    assert_eq!(std::fs::read(stored).unwrap(), pdf);
    // Judged by content, not by the label; only known licences; only documents.
    let resp = put(
        "/api/v1/licences/SYND-DOC/document",
        "application/pdf",
        b"just words".to_vec(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 422);
    let resp = put(
        "/api/v1/licences/SYND-DOC/document",
        "text/plain",
        pdf.clone(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 415);
    let mut big = pdf.clone();
    big.resize(11 << 20, b' ');
    let resp = put("/api/v1/licences/SYND-DOC/document", "application/pdf", big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413, "over 10 MB");
    let resp = put("/api/v1/licences/NOPE/document", "application/pdf", pdf)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let v = licence_of(&app, "SYND-DOC").await;
    assert_eq!(
        v["document"]["sha256"], sha,
        "the refused uploads changed nothing"
    );
}

#[tokio::test]
async fn a_csv_of_licences_imports_names_its_bad_rows_and_imports_again_unchanged() {
    let db = crate::common::TestDb::new().await;
    let file = db.data_dir().join("licences.csv");
    std::fs::write(
        &file,
        "\u{feff}reference,licensor,licensor_contact,outlets,source_hosts,starts_at,ends_at,rights,attribution_required,edits_allowed\r\n\
         SYND-A,杭州日报,rights@hzdaily.example,杭州日报;都市快报,hzdaily.example,2022-01-01T00:00:00+08:00,2027-12-31T23:59:59+08:00,online_republication,yes,no\r\n\
         SYND-B,\"City Daily, Ltd\",,City Daily,,,,,,\r\n\
         ,No reference,,X,,,,,,\r\n\
         SYND-C,Harbour Post,,Harbour Post,not a host,,,,,\r\n\
         SYND-D,Harbour Post,,Harbour Post,,2024-01-01T00:00:00Z,2023-01-01T00:00:00Z,,,\r\n\
         SYND-E,Harbour Post,,Harbour Post,,,,,maybe,\r\n",
    )
    .unwrap();
    let run = || {
        let out = crate::common::takedown_cmd(&db)
            .args(["licences", "import"])
            .arg(&file)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = run();
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("2 recorded, 0 revised, 0 unchanged, 4 rejected"),
        "{stdout}"
    );
    for (line, what) in [
        (4, "reference"),
        (5, "covers.source_hosts[0]"),
        (6, "ends_at"),
        (7, "attribution_required"),
    ] {
        assert!(
            stderr.contains(&format!("line {line}: ")) && stderr.contains(what),
            "line {line} {what}: {stderr}"
        );
    }
    let (code, stdout, _) = run();
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("0 recorded, 0 revised, 2 unchanged, 4 rejected"),
        "idempotent: {stdout}"
    );
    let app = TestApp::spawn_on(std::sync::Arc::new(db), |_| {}).await;
    let v = licence_of(&app, "SYND-A").await;
    assert_eq!(v["covers"]["outlets"], json!(["杭州日报", "都市快报"]));
    assert_eq!(v["edits_allowed"], false);
    assert_eq!(v["revisions"].as_array().unwrap().len(), 1);
    let b = licence_of(&app, "SYND-B").await;
    assert_eq!(b["licensor"], "City Daily, Ltd", "a quoted comma");
    assert_eq!(b["attribution_required"], true, "the default");
    // An unknown column refuses the whole file, naming it.
    let bad = app.test_db.data_dir().join("bad.csv");
    std::fs::write(&bad, "reference,licensor,colour\nR,L,red\n").unwrap();
    let out = crate::common::takedown_cmd(&app.test_db)
        .args(["licences", "import"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("colour"));
}

#[tokio::test]
async fn staff_see_licences_compliance_and_the_licence_beside_a_complaint() {
    use crate::common::staff;
    let s = Story::new().await;
    let app = &s.app;
    // A licence that ended an hour ago, saved late: what the desk finds on file.
    let end = OffsetDateTime::now_utc() - Duration::from_secs(3600);
    assert_eq!(save(app, &licence("SYND-2022-017", end)).await.0, 201);
    let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
    let resp = app
        .client
        .put(app.url("/api/v1/licences/SYND-2022-017/document"))
        .bearer_auth(&app.token)
        .header("content-type", "application/pdf")
        .body(pdf.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let id = s.article(1, json!({})).await;
    s.article(2, json!({"licence": {"reference": "NOT-ON-FILE"}}))
        .await;
    // The licence ends (flag): the article shows expired wherever staff look.
    let r = s.tick(OffsetDateTime::now_utc()).await;
    assert_eq!(r.licences.expiries, 1, "{r}");
    // The licensor's own address writes the complaint.
    let (cid, _) = s.complaint(1, "legal@citydaily.example", false).await;

    staff::add(
        app,
        "desk@news.example",
        takedown::services::staff::Role::Reviewer,
    )
    .await;
    let (cookie, _) = staff::session(app, &staff::client(), "desk@news.example").await;
    let list = staff::page(app, &cookie, "/staff/licences").await;
    assert!(
        list.contains("data-reference=\"SYND-2022-017\" data-state=\"ended\""),
        "{list}"
    );
    let one = staff::page(app, &cookie, "/staff/licences/SYND-2022-017").await;
    assert!(
        one.contains(&format!("data-id=\"{id}\" data-licence=\"expired\"")),
        "{one}"
    );
    assert!(one.contains(&takedown_text::canonical::sha256_hex(&pdf)));
    let doc = staff::client()
        .get(app.url("/staff/licences/SYND-2022-017/document"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(doc.status(), 200);
    assert_eq!(doc.headers()["content-type"], "application/pdf");
    assert_eq!(doc.bytes().await.unwrap().to_vec(), pdf);

    let page = staff::page(app, &cookie, "/staff/compliance?problem=expired").await;
    assert!(page.contains(&format!("data-id=\"{id}\"")), "{page}");
    assert!(
        !page.contains("article-2.html"),
        "unknown_licence is another problem"
    );
    let page = staff::page(app, &cookie, "/staff/compliance?problem=unknown_licence").await;
    assert!(page.contains("article-2.html"));
    let csv = staff::client()
        .get(app.url("/staff/compliance?format=csv"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    let csv = csv.text().await.unwrap();
    assert!(
        csv.contains("article-1.html") && csv.contains("article-2.html"),
        "{csv}"
    );
    assert!(csv.contains(",expired,") && csv.contains("unknown_licence"));
    let bad = staff::client()
        .get(app.url("/staff/compliance?problem=sunburn"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);

    let complaint = staff::page(app, &cookie, &format!("/staff/complaints/{cid}")).await;
    assert!(complaint.contains("data-licence=\"ended\""), "{complaint}");
    assert!(complaint.contains("id=\"claimant-is-licensor\""));
    assert!(complaint.contains("data-verdict=\"licence\""));
    assert!(complaint.contains(&takedown_text::canonical::sha256_hex(&pdf)));

    // The report's share: one live article of two, neither covered now.
    let report: Value = app
        .client
        .get(app.url("/staff/report?format=json"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["licences"]["live_articles"], 2, "{report}");
    assert_eq!(report["licences"]["live_covered"], 0);
    assert_eq!(report["licences"]["expiries_handled"], 1);
}

#[tokio::test]
async fn articles_recorded_on_an_ended_licence_are_held_at_the_next_sweep_in_one_pass() {
    let s = Story::with(on_remove).await;
    let app = &s.app;
    let ended = OffsetDateTime::now_utc() - Duration::from_secs(86_400);
    assert_eq!(save(app, &licence("SYND-OLD", ended)).await.0, 201);
    let r = s.tick(OffsetDateTime::now_utc()).await;
    assert_eq!(
        (r.licences.expiries, r.licences.held_articles),
        (1, 0),
        "{r}"
    );
    let mut ids = Vec::new();
    for n in 1..=3 {
        let mut a = article(n, "正文。");
        a["licence"] = json!({"reference": "SYND-OLD"});
        ids.push(record(app, &a).await);
    }
    assert_eq!(compliance(app, ids[0]).await["licence"], "expired");
    assert_eq!(
        app.count("licence_steps WHERE occasion = 'check' AND state = 'pending'")
            .await,
        1,
        "one check for the licence, not one per article"
    );
    let r = s.tick(OffsetDateTime::now_utc()).await;
    assert_eq!(r.licences.held_articles, 3, "{r}");
    for id in &ids {
        assert_eq!(s.status(*id).await, "removed");
    }
    // Article 1 is now republished under another right: its licence hold goes.
    let mut a = article(1, "正文。");
    a["licence"] = json!({"reference": "SYND-NEW"});
    assert_eq!(app.post_article(&a).await.status(), 201);
    let r = s.tick(OffsetDateTime::now_utc()).await;
    assert_eq!(r.licences.restored_articles, 1, "{r}");
    assert_eq!(s.status(ids[0]).await, "restored");
    assert_eq!(s.status(ids[1]).await, "removed");
    s.audit_verifies();
}

#[tokio::test]
async fn shortening_a_licence_plans_its_reminders_again() {
    let s = Story::with(|c| {
        c.licences.notify = Some(takedown::config::parse_addresses(DESK).unwrap());
    })
    .await;
    let now = OffsetDateTime::now_utc();
    let far = now + Duration::from_secs(40 * 86_400);
    assert_eq!(save(&s.app, &licence("SYND-4", far)).await.0, 201);
    s.article(1, json!({"licence": {"reference": "SYND-4"}}))
        .await;
    assert_eq!(
        s.tick(now).await.licences,
        Default::default(),
        "nothing due yet"
    );
    // Cut to five days: the 30- and 7-day reminders are already past; the latest of
    // them goes out now, the 1-day one later; nothing is left at the old end.
    let near = now + Duration::from_secs(5 * 86_400);
    let (status, v) = save(&s.app, &licence("SYND-4", near)).await;
    assert_eq!(status, 201, "{v}");
    let r = s.tick(now + Duration::from_secs(60)).await;
    assert_eq!((r.licences.reminders, r.licences.skipped), (1, 1), "{r}");
    let r = s.tick(near - Duration::from_secs(86_400 - 60)).await;
    assert_eq!(r.licences.reminders, 1, "{r}");
    let r = s.tick(far + Duration::from_secs(60)).await;
    assert_eq!((r.licences.reminders, r.licences.expiries), (0, 1), "{r}");
    let mail = licence_emails(&s.app).await;
    assert_eq!(
        mail.iter().map(|m| m.0.as_str()).collect::<Vec<_>>(),
        ["licence_reminder", "licence_reminder", "licence_expired"]
    );
}

/// An import looks each licence up once a batch: articles under the same licence,
/// another, an ended one and none at all, interleaved, each get their own verdict, and
/// the audit chain the batch appended to is intact.
#[tokio::test]
async fn an_import_gives_each_article_its_own_licences_verdict() {
    use takedown::entities::article as article_entity;
    let app = TestApp::spawn().await;
    let far = OffsetDateTime::now_utc() + Duration::from_secs(400 * 86_400);
    let ended = OffsetDateTime::now_utc() - Duration::from_secs(86_400);
    assert_eq!(save(&app, &licence("SYND-IMP", far)).await.0, 201);
    assert_eq!(save(&app, &licence("SYND-OLD", ended)).await.0, 201);
    let when = "2024-05-01T08:00:00+08:00";
    let rows = [
        (1, "SYND-IMP", "covered"),
        (2, "SYND-OLD", "expired"),
        (3, "SYND-IMP", "covered"),
        (4, "SYND-NONE", "unknown_licence"),
        (5, "SYND-OLD", "expired"),
    ];
    let file = app.test_db.data_dir().join("import.jsonl");
    let lines: Vec<String> = rows
        .iter()
        .map(|(n, reference, _)| under(*n, reference, when).to_string())
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = crate::common::takedown_cmd(&app.test_db)
        .arg("import")
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("recorded 5"), "{stdout}");
    for (n, _, verdict) in rows {
        let a = article_entity::Entity::find()
            .filter(article_entity::Column::Url.eq(under(n, "", when)["url"].as_str().unwrap()))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            compliance(&app, a.id).await["licence"],
            verdict,
            "article {n}"
        );
    }
    let verify = crate::common::takedown_cmd(&app.test_db)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("intact"));
}
