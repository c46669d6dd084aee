//! Search and archive: any complaint, open or decided, found through the staff page by
//! each thing a desk looks it up by, paged by keyset with nothing lost or repeated.

use crate::common::filing::{complaint_json, file_json};
use crate::common::staff::{add, client, session};
use crate::common::story::Story;
use serde_json::json;
use takedown::services::staff::Role;

/// The complaint ids listed on a search or queue page (its rows' `data-id`), in order.
fn ids(html: &str) -> Vec<i64> {
    html.match_indices(" data-id=\"")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

#[tokio::test]
async fn staff_find_any_complaint_by_what_they_know_of_it() {
    let s = Story::new().await;
    let app = &s.app;
    s.article(1, json!({})).await;
    let harbour = s
        .article(2, json!({"source": {"outlet": "Harbour Post", "url": "https://harbourpost.example/2",
                                       "published_at": "2022-08-23T20:00:00+08:00", "author": "Lu Ming"}}))
        .await;
    // An outlet no complaint names: nothing could be found under it, so it is not offered.
    s.article(3, json!({"source": {"outlet": "Quiet Weekly", "url": "https://quiet.example/3",
                                    "published_at": "2022-08-23T20:00:00+08:00", "author": "Ma Li"}}))
        .await;
    let mut wang = complaint_json(1, "wang@CityDaily.example");
    wang["claimant"]["organisation"] = json!("City Daily 城市日报");
    let (a, code_a, _) = file_json(app, &wang).await;
    let (b, _, _) = file_json(app, &complaint_json(2, "lu@harbourpost.example")).await;
    let mut stray = complaint_json(1, "someone@mail.example");
    stray["infringing_urls"] = json!(["https://news.example/video/clip-99.html"]);
    let (c, _, _) = file_json(app, &stray).await;
    s.decide(&s.alice, b, "reject", "转载已获授权。").await;

    add(app, "desk@news.example", Role::Reviewer).await;
    let browser = client();
    let (cookie, _) = session(app, &browser, "desk@news.example").await;
    let find = |query: String| {
        let (browser, cookie) = (&browser, &cookie);
        async move {
            let resp = browser
                .get(app.url(&format!("/staff/search?{query}")))
                .header("cookie", cookie.as_str())
                .send()
                .await
                .unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    let found = |query: &'static str| {
        let find = &find;
        async move {
            let (status, html) = find(query.to_string()).await;
            assert_eq!(status, 200, "{query}: {html}");
            ids(&html)
        }
    };

    assert_eq!(found("").await, [c, b, a], "everything, newest first");
    assert_eq!(
        find(format!("q={code_a}"))
            .await
            .1
            .matches("<tr data-id")
            .count(),
        1
    );
    assert_eq!(ids(&find(format!("q={code_a}")).await.1), [a]);
    assert_eq!(found("q=%23").await, Vec::<i64>::new());
    assert_eq!(ids(&find(format!("q=%23{b}")).await.1), [b]);
    assert_eq!(found("claimant=citydaily").await, [a], "email, any case");
    assert_eq!(
        found("claimant=%E5%9F%8E%E5%B8%82").await,
        [a],
        "organisation: 城市"
    );
    assert_eq!(
        found("claimant=%25").await,
        Vec::<i64>::new(),
        "% is a character"
    );
    assert_eq!(found("url=video%2Fclip").await, [c]);
    assert_eq!(ids(&find(format!("article={harbour}")).await.1), [b]);
    assert_eq!(found("outlet=HARBOUR").await, [b]);
    assert_eq!(
        found("outlet=daily").await,
        [a],
        "c names no recorded article"
    );
    assert_eq!(found("status=rejected").await, [b], "decided ones too");
    assert_eq!(found("reviewer=alice%40news.example").await, [b]);
    let today = time::OffsetDateTime::now_utc().date();
    assert_eq!(
        ids(&find(format!("from={today}&to={today}")).await.1),
        [c, b, a]
    );
    let tomorrow = today.next_day().unwrap();
    assert!(ids(&find(format!("from={tomorrow}")).await.1).is_empty());
    // Filters combine, and the page says which are in force.
    let (_, html) = find("outlet=daily&status=received&claimant=wang".into()).await;
    assert_eq!(ids(&html), [a]);
    assert!(html.contains("id=\"active\""), "{html}");
    assert!(html.contains("Outlet contains “daily”") && html.contains("Status “received”"));
    assert!(
        html.contains("<option value=\"Harbour Post\">"),
        "known outlets offered"
    );
    assert!(
        !html.contains("Quiet Weekly"),
        "only outlets complaints name"
    );

    // Bad input: the form again, each problem beside its field.
    let (status, html) = find("article=twelve&from=2026-13-01&status=lost".into()).await;
    assert_eq!(status, 422);
    for field in ["article", "from", "status"] {
        assert!(
            html.contains(&format!("id=\"{field}-error\"")),
            "{field}: {html}"
        );
    }
    assert!(html.contains("aria-invalid=\"true\"") && html.contains("id=\"error-summary\""));
    assert_eq!(find("after=forged".into()).await.0, 422);
}

#[tokio::test]
async fn keyset_pages_list_every_complaint_once_even_received_in_the_same_instant() {
    use sea_orm::ConnectionTrait;
    let s = Story::new().await;
    let app = &s.app;
    s.article(1, json!({})).await;
    let mut filed = Vec::new();
    for n in 0..57 {
        let (id, _, _) = file_json(app, &complaint_json(1, &format!("c{n}@mail.example"))).await;
        filed.push(id);
    }
    // Twenty share one receipt time: the id breaks the tie.
    app.db
        .execute_unprepared(
            "UPDATE complaints SET received_at = (SELECT MIN(received_at) FROM complaints) WHERE id BETWEEN 30 AND 49",
        )
        .await
        .unwrap();
    add(app, "desk@news.example", Role::Reviewer).await;
    let browser = client();
    let (cookie, _) = session(app, &browser, "desk@news.example").await;
    filed.sort();
    let (seen, pages) = walk(app, &browser, &cookie, "/staff/search").await;
    assert_eq!(pages, 2);
    assert_eq!(seen, filed, "each complaint once");
}

/// Follows a listing's "next page" links from `start`; every id listed, sorted, and
/// how many pages there were. Fails on an id listed twice.
async fn walk(
    app: &crate::common::TestApp,
    browser: &reqwest::Client,
    cookie: &str,
    start: &str,
) -> (Vec<i64>, usize) {
    let mut url = start.to_string();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let html = browser
            .get(app.url(&url))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        pages += 1;
        if pages > 1 {
            assert!(
                html.contains("id=\"first-page\""),
                "a way back to the first page"
            );
        }
        seen.extend(ids(&html));
        let Some(i) = html.find("id=\"next-page\"") else {
            break;
        };
        let href = &html[..i];
        let start = href.rfind("href=\"").unwrap() + 6;
        url = href[start..href[start..].find('"').unwrap() + start].replace("&amp;", "&");
        assert!(pages < 5, "the pages end");
    }
    let n = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), n, "none twice");
    (seen, pages)
}

#[tokio::test]
async fn the_queue_pages_by_deadline_with_each_open_complaint_once() {
    use sea_orm::ConnectionTrait;
    let s = Story::new().await;
    let app = &s.app;
    s.article(1, json!({})).await;
    let mut open = Vec::new();
    for n in 0..56 {
        let (id, _, _) = file_json(app, &complaint_json(1, &format!("q{n}@mail.example"))).await;
        open.push(id);
    }
    // A decided one is not in the queue; twenty open ones share one deadline.
    s.decide(&s.alice, open.pop().unwrap(), "reject", "转载已获授权。")
        .await;
    app.db
        .execute_unprepared(
            "UPDATE complaints SET deadline_at = (SELECT MAX(deadline_at) FROM complaints) WHERE id BETWEEN 10 AND 29",
        )
        .await
        .unwrap();
    add(app, "desk@news.example", Role::Reviewer).await;
    let browser = client();
    let (cookie, _) = session(app, &browser, "desk@news.example").await;
    let (seen, pages) = walk(app, &browser, &cookie, "/staff").await;
    assert_eq!(pages, 2);
    open.sort();
    assert_eq!(seen, open);
    let bad = browser
        .get(app.url("/staff?after=nonsense"))
        .header("cookie", cookie.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
}
