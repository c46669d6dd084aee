//! A notice that arrives as an email, handed to `takedown mail receive` as the MTA's
//! pipe hands it, is a complaint on the same clock as the form's: received when we
//! received it, its targets the URLs on this site, its attachments evidence, matched
//! against the registry. What free-form mail lacks is listed. The sender gets one
//! acknowledgement, threaded under the notice and in their language, unless a machine
//! sent it or it came from our own address; mail over the limits is kept and left
//! unanswered. Handed over again, it is a duplicate.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use takedown::entities::{complaint_evidence, complaint_target, outbox};
use time::OffsetDateTime;

use crate::bounces::{corpus, receive};
use crate::common::story::Story;

const TRUSTED: (&str, &str) = ("MAIL_AUTHSERV_ID", "mx.news.example");

/// The text of the Foxmail notice's second paragraph, as the article it complains of
/// carries it: the notice is matched against the registry.
const WEST_LAKE: &str = "据悉，西湖景区将于明年春季起实施新的交通管制方案，周末及节假日期间，环湖道路将限制社会车辆通行，游客可乘坐公交或接驳车前往各景点。";

async fn missing(s: &Story, id: i64) -> Vec<String> {
    s.row(id)
        .await
        .missing_elements
        .map(|m| serde_json::from_str(&m).unwrap())
        .unwrap_or_default()
}

async fn receipts(s: &Story, id: i64) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::ComplaintId.eq(id))
        .filter(outbox::Column::Kind.eq("receipt"))
        .all(&s.app.db)
        .await
        .unwrap()
}

fn new_complaint(out: &Value) -> i64 {
    assert_eq!(out["outcome"], "new_complaint", "{out}");
    assert_eq!(
        out["tracking_code"].as_str().map(str::len),
        Some(40),
        "{out}"
    );
    out["complaint_id"].as_i64().unwrap()
}

#[tokio::test]
async fn notices_from_three_mail_clients_become_complaints_on_the_clock() {
    let s = Story::new().await;
    let a1 = s
        .article(
            1,
            json!({"body": format!("{WEST_LAKE}\n\n景区管理处表示，方案将根据客流情况动态调整。")}),
        )
        .await;
    let a2 = s.article(2, json!({})).await;
    let a3 = s.article(3, json!({})).await;
    let before = OffsetDateTime::now_utc();

    // Foxmail: a Chinese letter with phone and address labelled, nothing more.
    let (code, out) = receive(
        &s,
        corpus("foxmail-notice.eml").as_bytes(),
        None,
        &[TRUSTED],
    );
    assert_eq!(code, 0, "{out}");
    let fox = new_complaint(&out);
    let c = s.row(fox).await;
    assert_eq!(c.channel, "email");
    assert_eq!(c.language.as_str(), "zh");
    assert_eq!(c.claimant_email, "hzdaily_rights@qq.com");
    assert_eq!(c.claimant_name, "李涛");
    assert_eq!(c.claimant_phone, "0571-8512 3456");
    assert_eq!(c.claimant_address, "杭州市体育场路218号");
    assert_eq!(c.claimant_organisation.as_deref(), Some("杭州日报社"));
    assert_eq!(
        c.work_original_url,
        "https://hzdaily.example/news/2026/1202/88.html"
    );
    let links = complaint_evidence::Entity::find()
        .filter(complaint_evidence::Column::ComplaintId.eq(fox))
        .filter(complaint_evidence::Column::Kind.eq("url"))
        .all(&s.app.db)
        .await
        .unwrap();
    let links: Vec<Option<String>> = links.into_iter().map(|e| e.url).collect();
    assert_eq!(
        links,
        [Some(
            "https://hzdaily.example/news/2026/1202/88.html".to_string()
        )],
        "other URLs are evidence links"
    );
    // Received when we received it, not when the sender's Date says (30 November).
    assert!(
        c.received_at >= before.replace_nanosecond(0).unwrap(),
        "{:?}",
        c.received_at
    );
    assert_eq!(c.deadline_at - c.received_at, time::Duration::HOUR * 24);
    assert_eq!(
        missing(&s, fox).await,
        [
            "claimant.capacity",
            "signature",
            "statements.accurate",
            "statements.good_faith",
            "work.title"
        ]
    );
    assert!(c.confirmed_at.is_none(), "no DMARC result for qq.com");
    let targets = complaint_target::Entity::find()
        .filter(complaint_target::Column::ComplaintId.eq(fox))
        .all(&s.app.db)
        .await
        .unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].article_id, Some(a1));
    assert_eq!(
        s.app
            .count(&format!(
                "complaint_matches WHERE complaint_id = {fox} AND article_id = {a1}"
            ))
            .await,
        1,
        "the letter's text is matched against the registry"
    );
    // One acknowledgement: a reply in the notice's thread, in Chinese, with the
    // confirmation link.
    let ack = receipts(&s, fox).await;
    assert_eq!(ack.len(), 1);
    assert_eq!(ack[0].recipient, "hzdaily_rights@qq.com");
    assert_eq!(ack[0].subject, "Re: 侵权通知：请删除转载文章");
    assert_eq!(
        ack[0].in_reply_to.as_deref(),
        Some("<tencent_5C2D7E1F0A@qq.com>")
    );
    assert!(
        ack[0].body_text.contains("/complaints/confirm/"),
        "{}",
        ack[0].body_text
    );
    assert!(
        ack[0].body_text.contains("投诉"),
        "in Chinese: {}",
        ack[0].body_text
    );
    assert_eq!(s.kinds(fox, "staff@news.example").await, ["new_complaint"]);

    // Outlook: HTML only, quoted-printable, every element written out.
    let (_, out) = receive(
        &s,
        corpus("outlook-notice.eml").as_bytes(),
        None,
        &[TRUSTED],
    );
    let look = new_complaint(&out);
    let c = s.row(look).await;
    assert_eq!(
        missing(&s, look).await,
        Vec::<String>::new(),
        "a complete notice"
    );
    assert!(c.missing_elements.is_none());
    assert_eq!(c.language.as_str(), "en");
    assert_eq!(
        (c.capacity.as_str(), c.on_behalf_of.as_deref()),
        ("agent", Some("Harbour Times Ltd"))
    );
    assert_eq!(
        (c.work_title.as_str(), c.signature.as_str()),
        ("Ferry pier opens", "Jane Roe")
    );
    assert!(c.good_faith && c.accurate);
    let ack = receipts(&s, look).await;
    assert_eq!(
        ack[0].subject,
        "Re: Copyright infringement notice – “Ferry pier opens”"
    );
    assert!(
        !ack[0].body_text.contains("投诉"),
        "in English: {}",
        ack[0].body_text
    );
    let t = complaint_target::Entity::find()
        .filter(complaint_target::Column::ComplaintId.eq(look))
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t.article_id, Some(a2));

    // Gmail: a PDF with a Chinese RFC 2231 name, and a DMARC pass our server recorded.
    let (_, out) = receive(&s, corpus("gmail-notice.eml").as_bytes(), None, &[TRUSTED]);
    let gm = new_complaint(&out);
    let c = s.row(gm).await;
    assert!(c.confirmed_at.is_some(), "DMARC passed at mx.news.example");
    let by = c.confirmed_by.unwrap_or_default();
    assert!(by.starts_with("dmarc:mx.news.example: dmarc=pass"), "{by}");
    assert!(by.contains("header.from=gmail.com"), "{by}");
    let files = complaint_evidence::Entity::find()
        .filter(complaint_evidence::Column::ComplaintId.eq(gm))
        .filter(complaint_evidence::Column::Kind.eq("file"))
        .all(&s.app.db)
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].file_name.as_deref(), Some("授权证明.pdf"));
    assert_eq!(files[0].content_type.as_deref(), Some("application/pdf"));
    let sha = files[0].sha256.clone().unwrap();
    let stored = s.app.test_db.data_dir().join("evidence").join(&sha);
    assert!(std::fs::read(stored).unwrap().starts_with(b"%PDF-"));
    let ack = receipts(&s, gm).await;
    assert!(
        !ack[0].body_text.contains("/complaints/confirm/"),
        "already confirmed"
    );
    let t = complaint_target::Entity::find()
        .filter(complaint_target::Column::ComplaintId.eq(gm))
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t.article_id, Some(a3));

    // The same notice again, as is and through another hop: one complaint each.
    let again = corpus("foxmail-notice.eml");
    let hop = format!("Received: from relay2.news.example\r\n{again}");
    for raw in [again, hop] {
        let (code, out) = receive(&s, raw.as_bytes(), None, &[TRUSTED]);
        assert_eq!(
            (code, out["outcome"].as_str()),
            (0, Some("duplicate")),
            "{out}"
        );
        assert_eq!(out["complaint_id"], fox);
    }
    assert_eq!(s.app.count("complaints WHERE channel = 'email'").await, 3);
    assert_eq!(receipts(&s, fox).await.len(), 1, "acknowledged once");
    assert_eq!(
        s.app
            .count("inbound_messages WHERE outcome = 'new_complaint'")
            .await,
        3
    );
    s.audit_verifies();
}

/// Who is never answered: mail a machine sent in bulk (kept for a person), a notice
/// from one of our own addresses (filed, not acknowledged), and a sender past
/// `MAIL_SENDER_LIMIT` (kept, unanswered). Nor is a letter naming no page of ours a
/// complaint.
#[tokio::test]
async fn machines_ourselves_and_floods_get_no_answer() {
    let s = Story::new().await;
    s.article(1, json!({})).await;
    let url = "https://news.example/2022/08/24/article-1.html";
    let letter = |from: &str, mid: &str, extra: &str| {
        format!(
            "From: {from}\r\nTo: copyright@news.example\r\nSubject: Takedown\r\nMessage-ID: <{mid}>\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\nPlease remove {url} — it is our story.\r\n"
        )
    };
    let env = [
        ("SITE_CONTACT", "copyright@news.example"),
        ("MAIL_SENDER_LIMIT", "1"),
    ];

    let (_, out) = receive(
        &s,
        letter(
            "digest@list.example",
            "b1@list.example",
            "Precedence: bulk\r\n",
        )
        .as_bytes(),
        None,
        &env,
    );
    assert_eq!(out["outcome"], "rejected", "{out}");
    let (_, out) = receive(
        &s,
        letter("copyright@news.example", "own1@news.example", "").as_bytes(),
        None,
        &env,
    );
    let own = new_complaint(&out);
    assert!(
        receipts(&s, own).await.is_empty(),
        "our own address is not answered"
    );
    assert_eq!(s.kinds(own, "staff@news.example").await, ["new_complaint"]);

    let (_, out) = receive(
        &s,
        letter("eve@flood.example", "f1@flood.example", "").as_bytes(),
        None,
        &env,
    );
    let first = new_complaint(&out);
    assert_eq!(receipts(&s, first).await.len(), 1);
    let (_, out) = receive(
        &s,
        letter("eve@flood.example", "f2@flood.example", "").as_bytes(),
        None,
        &env,
    );
    assert_eq!(out["outcome"], "rejected", "over the sender limit: {out}");
    assert_eq!(
        s.app
            .count("outbox WHERE recipient = 'eve@flood.example'")
            .await,
        1
    );

    let plain = "From: li@harbour.example\r\nSubject: Hello\r\nMessage-ID: <p1@harbour.example>\r\n\r\nYou copied us; see https://harbour.example/story.\r\n";
    let (_, out) = receive(&s, plain.as_bytes(), None, &env);
    assert_eq!(out["outcome"], "rejected", "names no page of ours: {out}");
    assert_eq!(s.app.count("complaints").await, 2);
    let kept = s
        .app
        .count("inbound_messages WHERE outcome = 'rejected' AND detail IS NOT NULL")
        .await;
    assert_eq!(kept, 3, "each kept with the reason");
}

/// A 30 MB message is over `MAIL_MAX_BYTES`: kept whole (its SHA-256 is of every
/// byte), recorded from its headers, left for a person, and not answered.
#[tokio::test]
async fn a_message_over_the_size_limit_is_kept_whole_and_unanswered() {
    let s = Story::new().await;
    s.article(1, json!({})).await;
    let mut raw = b"From: big@harbour.example\r\nSubject: Scans\r\nMessage-ID: <big1@harbour.example>\r\nContent-Type: text/plain\r\n\r\nSee https://news.example/2022/08/24/article-1.html\r\n".to_vec();
    let line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n";
    while raw.len() < 30 << 20 {
        raw.extend_from_slice(line);
    }
    let (code, out) = receive(&s, &raw, None, &[]);
    assert_eq!(
        (code, out["outcome"].as_str()),
        (0, Some("rejected")),
        "{out}"
    );
    let sha = out["sha256"].as_str().unwrap();
    assert_eq!(sha, takedown_text::canonical::sha256_hex(&raw));
    let kept = takedown::services::inbound::kept_path(&s.app.test_db.data_dir(), sha);
    assert_eq!(std::fs::metadata(kept).unwrap().len(), raw.len() as u64);
    assert_eq!(s.app.count("complaints").await, 0);
    assert_eq!(s.app.count("outbox").await, 0);
    let row = takedown::entities::inbound_message::Entity::find()
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.size_bytes, raw.len() as i64);
    assert_eq!(row.from_address.as_deref(), Some("big@harbour.example"));
    assert!(row.detail.unwrap_or_default().contains("MAIL_MAX_BYTES"));
}

/// An attribute's value as the browser reads it.
fn unescape(v: &str) -> String {
    v.replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The story of an incomplete notice by email: the queue shows it by channel and as
/// incomplete; one click asks the claimant, in both languages, for what is missing
/// (the clock pauses); the claimant answers by replying (the clock runs again); staff
/// fill the fields from the email and the answer, beside them, and the notice is
/// complete. Counted: the claimant gets a receipt and the request, the desk the new
/// complaint and the answer.
#[tokio::test]
async fn staff_ask_for_and_fill_in_what_an_email_notice_lacks() {
    use crate::common::staff::{add, client, hidden, page, session};
    use takedown::domain::complaint::ComplaintStatus;
    use takedown::services::staff::Role;
    let s = Story::new().await;
    s.article(1, json!({})).await;
    s.article(2, json!({})).await;
    let (_, out) = receive(&s, corpus("foxmail-notice.eml").as_bytes(), None, &[]);
    let id = new_complaint(&out);
    let code = out["tracking_code"].as_str().unwrap().to_string();
    let (form_id, _) = s.complaint(2, "wang@citydaily.example", true).await;
    add(&s.app, "rev@news.example", Role::Reviewer).await;
    let (cookie, csrf) = session(&s.app, &client(), "rev@news.example").await;

    let by_email = page(&s.app, &cookie, "/staff?channel=email").await;
    assert!(
        by_email.contains(&format!("data-id=\"{id}\"")),
        "{by_email}"
    );
    assert!(!by_email.contains(&format!("data-id=\"{form_id}\"")));
    assert!(by_email.contains("data-incomplete=\"true\""));
    let incomplete = page(&s.app, &cookie, "/staff?notice=incomplete").await;
    assert!(incomplete.contains(&format!("data-id=\"{id}\"")));
    assert!(!incomplete.contains(&format!("data-id=\"{form_id}\"")));
    for bad in ["/staff?channel=fax", "/staff?notice=maybe"] {
        let resp = client()
            .get(s.app.url(bad))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422, "{bad}");
    }

    let path = format!("/staff/complaints/{id}");
    let html = page(&s.app, &cookie, &path).await;
    assert!(html.contains("id=\"missing\""), "{html}");
    assert!(html.contains("<li>the title of your work</li>"), "{html}");
    assert!(html.contains("id=\"notice-text\""));
    assert!(
        html.contains("联系电话：0571-8512 3456"),
        "the email beside the fields"
    );
    let ask = unescape(&hidden(&html, "reason"));
    assert!(
        ask.starts_with("您的通知尚缺以下内容"),
        "Chinese first: {ask}"
    );
    assert!(
        ask.contains("- 作品名称") && ask.contains("- the title of your work"),
        "{ask}"
    );
    assert!(!ask.contains("联系电话"), "the phone was given: {ask}");

    // One click: the request goes, and the clock pauses.
    let resp = client()
        .post(s.app.url(&format!("/staff/complaints/{id}/decision")))
        .header("cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("action", "request_info"),
            ("go", "record"),
            ("reason", ask.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let c = s.row(id).await;
    assert_eq!(c.status, ComplaintStatus::NeedsInfo);
    assert!(c.paused_at.is_some());
    let question = outbox::Entity::find()
        .filter(outbox::Column::ComplaintId.eq(id))
        .filter(outbox::Column::Kind.eq("info_request"))
        .one(&s.app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        question.body_text.contains("- the title of your work"),
        "{}",
        question.body_text
    );

    // The claimant replies in the thread: their answer, and the clock runs again.
    let answer = format!(
        "From: hzdaily_rights@qq.com\r\nTo: copyright@news.example\r\nSubject: Re: more\r\nMessage-ID: <answer-1@qq.com>\r\nIn-Reply-To: {}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n身份：权利人本人\r\n作品名称：西湖景区春季交通管制方案\r\n签名：李涛\r\n本人善意相信上述使用未经许可，并保证本通知内容准确。\r\n",
        question.message_id
    );
    let (_, out) = receive(&s, answer.as_bytes(), None, &[]);
    assert_eq!(out["outcome"], "reply", "{out}");
    let c = s.row(id).await;
    assert_eq!(c.status, ComplaintStatus::InReview);
    assert!(
        c.missing_elements.is_some(),
        "staff fill the fields; a reply does not"
    );

    // Staff fill the fields from what they read: a bad phone is refused, nothing saved.
    let notice = format!("/staff/complaints/{id}/notice");
    let mut fields = vec![
        ("csrf", csrf.clone()),
        ("name", "李涛".to_string()),
        ("organisation", "杭州日报社".into()),
        ("phone", "call the switchboard".into()),
        ("address", "杭州市体育场路218号".into()),
        ("capacity", "owner".into()),
        ("work_title", "西湖景区春季交通管制方案".into()),
        (
            "work_original_url",
            "https://hzdaily.example/news/2026/1202/88.html".into(),
        ),
        ("signature", "李涛".into()),
        ("good_faith", "on".into()),
        ("accurate", "on".into()),
    ];
    let resp = client()
        .post(s.app.url(&notice))
        .header("cookie", &cookie)
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("id=\"n-phone-error\">must be a phone number"),
        "{body}"
    );
    assert!(
        body.contains("value=\"call the switchboard\""),
        "what was typed is kept"
    );
    assert_eq!(s.row(id).await.claimant_phone, "0571-8512 3456");
    fields[3].1 = "0571-8512 3456".into();
    let resp = client()
        .post(s.app.url(&notice))
        .header("cookie", &cookie)
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let c = s.row(id).await;
    assert_eq!(c.missing_elements, None, "complete");
    assert_eq!(
        (
            c.capacity.as_str(),
            c.work_title.as_str(),
            c.signature.as_str()
        ),
        ("owner", "西湖景区春季交通管制方案", "李涛")
    );
    assert!(c.good_faith && c.accurate);
    let incomplete = page(&s.app, &cookie, "/staff?notice=incomplete").await;
    assert!(!incomplete.contains(&format!("data-id=\"{id}\"")));
    assert_eq!(s.events("complaint.notice_completed").await.len(), 1);

    assert_eq!(
        s.kinds(id, "hzdaily_rights@qq.com").await,
        ["receipt", "info_request"]
    );
    assert_eq!(
        s.kinds(id, "staff@news.example").await,
        ["new_complaint", "info_answered"]
    );
    // Staff read one thread, in and out, oldest first: the notice, then what it caused.
    let html = page(&s.app, &cookie, &path).await;
    let thread = &html[html.find("id=\"thread\"").unwrap()..];
    let rows: Vec<&str> = thread
        .split("<tr class=\"")
        .skip(1)
        .map(|r| r.split('"').next().unwrap_or_default())
        .collect();
    assert_eq!(rows, ["in", "out", "out", "out", "in", "out"], "{thread}");
    assert!(thread.contains("The notice that opened this complaint."));
    // The claimant's status page lists what they sent, in their language.
    let status = client()
        .get(s.app.url(&format!("/complaints/{code}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(status.contains("您通过电子邮件发来的内容"), "{status}");
    let sent = &status[status.find("id=\"sent-by-email\"").unwrap()..];
    let sent = &sent[..sent.find("</ul>").unwrap()];
    assert_eq!(sent.matches("<li>").count(), 2, "{sent}");
    assert!(
        sent.contains("侵权通知：请删除转载文章") && sent.contains("Re: more"),
        "{sent}"
    );
    let view = s.view(&code).await;
    assert_eq!(
        view["sent_by_email"].as_array().map(Vec::len),
        Some(2),
        "{view}"
    );
    // The thread, in and out, for staff tooling.
    let url = s
        .app
        .url(&format!("/api/v1/complaints/{id}/correspondence"));
    let thread: Value = client()
        .get(&url)
        .bearer_auth(&s.alice)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let letters: Vec<(String, String, String)> = thread["letters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap_or_default().to_string();
            (s("direction"), s("kind"), s("address"))
        })
        .collect();
    let want = |d: &str, k: &str, a: &str| (d.to_string(), k.to_string(), a.to_string());
    assert_eq!(
        letters,
        [
            want("in", "new_complaint", "hzdaily_rights@qq.com"),
            want("out", "receipt", "hzdaily_rights@qq.com"),
            want("out", "new_complaint", "staff@news.example"),
            want("out", "info_request", "hzdaily_rights@qq.com"),
            want("in", "reply", "hzdaily_rights@qq.com"),
            want("out", "info_answered", "staff@news.example"),
        ],
        "{thread}"
    );
    assert_eq!(
        thread["letters"][4]["state"],
        "from the claimant: their answer to the request; the clock runs again"
    );
    let cms = client()
        .get(&url)
        .bearer_auth(&s.app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(cms.status(), 403, "a CMS token reads no correspondence");
    let none = client()
        .get(s.app.url("/api/v1/complaints/999999/correspondence"))
        .bearer_auth(&s.alice)
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 404);
    s.audit_verifies();
}
