//! Matching complained-of text against recorded articles, on real news copy.

use crate::common::{TestApp, article};
use serde_json::Value;

/// Our republished copy: Traditional script, half-width punctuation, and romanisation
/// inserted by the editor.
const REPUBLISHED_TRADITIONAL: &str = "本報訊 市政府(Shizhengfu)昨天公布了新的城市交通規劃,計劃在未來五年內新建三條地鐵線路,並對現有公交網絡進行全面調整。規劃指出,隨著城市人口持續增長,早晚高峰時段的道路擁堵問題日益嚴重,市民通勤時間明顯延長。

根據規劃,新線路將連接東部新區與老城區(Lao Chengqu),預計每天可承載超過五十萬人次的客流。交通局負責人在記者會上表示,項目總投資約為八百億元,資金將由市財政和社會資本共同承擔。

部分市民對規劃表示歡迎,但也有人擔心施工期間會對周邊商戶造成影響。一位在老城區經營餐館多年的店主說,希望政府能夠提前公佈施工時間表,並為受影響的商戶提供必要的補償。

專家認為,發展公共交通是緩解城市擁堵的根本辦法,同時還需要配合停車管理和錯峰出行等措施,才能真正改善市民的出行體驗。";

/// The complaint: two paragraphs of the original, Simplified, full-width punctuation.
const COMPLAINT_SIMPLIFIED: &str = "根据规划，新线路将连接东部新区与老城区，预计每天可承载超过五十万人次的客流。交通局负责人在记者会上表示，项目总投资约为八百亿元，资金将由市财政和社会资本共同承担。

部分市民对规划表示欢迎，但也有人担心施工期间会对周边商户造成影响。一位在老城区经营餐馆多年的店主说，希望政府能够提前公布施工时间表，并为受影响的商户提供必要的补偿。";

const UNRELATED_CHINESE: &str = "气象台今天上午发布暴雨蓝色预警，预计今晚到明天白天，全市大部分地区将出现中到大雨，局部地区有暴雨并伴有雷电。气象专家提醒广大市民注意出行安全，远离河道和低洼地带，尽量减少不必要的外出。

教育部门表示，全市中小学和幼儿园已经接到通知，将根据天气变化及时调整上课安排，家长可以通过学校公众号了解最新消息。";

const ENGLISH_ARTICLE: &str = "The harbour authority said on Tuesday that the old ferry pier will close for \"urgent structural repairs\" after divers found corroded piles beneath the waiting hall. Commuters were told to use the temporary landing two hundred metres to the east.

\"We cannot take any risk with public safety,\" the authority's chief engineer said, adding that the work would take at least six months and cost an estimated forty million dollars.

Ferry operators warned that crossings could take ten minutes longer during the morning rush while the temporary landing is in use.";

/// The same English copy with different line breaks and typographic quotes.
const ENGLISH_COMPLAINT: &str = "“We cannot take any risk with public
safety,” the authority’s chief engineer said, adding that the work would
take at least six months and cost an estimated forty million dollars. Ferry operators
warned that crossings could take ten minutes longer during the morning rush
while the temporary landing is in use.";

async fn record(app: &TestApp, n: u32, body: &str) -> i64 {
    let resp = app.post_article(&article(n, body)).await;
    assert_eq!(resp.status(), 201);
    resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

fn containment_of(matches: &[Value], id: i64) -> f64 {
    matches
        .iter()
        .find(|m| m["article_id"] == id)
        .map_or(0.0, |m| m["containment"].as_f64().unwrap())
}

#[tokio::test]
async fn simplified_complaint_finds_traditional_republished_copy() {
    let app = TestApp::spawn().await;
    let copy = record(&app, 1, REPUBLISHED_TRADITIONAL).await;
    let unrelated = record(&app, 2, UNRELATED_CHINESE).await;
    let english = record(&app, 3, ENGLISH_ARTICLE).await;

    let matches = app.match_text(COMPLAINT_SIMPLIFIED).await;
    assert_eq!(matches[0]["article_id"], copy, "{matches:?}");
    assert_eq!(
        matches[0]["url"],
        "https://news.example/2022/08/24/article-1.html"
    );
    assert_eq!(matches[0]["title"], "Article 1");
    assert_eq!(matches[0]["identical"], false);
    let c = containment_of(&matches, copy);
    assert!(c >= 0.8, "containment of the copied paragraphs was {c}");
    assert!(containment_of(&matches, unrelated) < 0.05, "{matches:?}");
    assert!(containment_of(&matches, english) < 0.05, "{matches:?}");
}

#[tokio::test]
async fn english_with_changed_line_breaks_and_quotes_still_matches() {
    let app = TestApp::spawn().await;
    let chinese = record(&app, 1, REPUBLISHED_TRADITIONAL).await;
    let english = record(&app, 2, ENGLISH_ARTICLE).await;
    let matches = app.match_text(ENGLISH_COMPLAINT).await;
    assert_eq!(matches[0]["article_id"], english);
    let c = containment_of(&matches, english);
    assert!(c >= 0.8, "containment was {c}");
    assert!(containment_of(&matches, chinese) < 0.05);
}

#[tokio::test]
async fn identical_text_is_flagged_even_when_too_short_to_fingerprint() {
    let app = TestApp::spawn().await;
    let long = record(&app, 1, ENGLISH_ARTICLE).await;
    let short = record(&app, 2, "Brief notice.").await;

    let m = app.match_text(&format!("  {ENGLISH_ARTICLE}\n")).await;
    assert_eq!(m[0]["article_id"], long);
    assert_eq!(m[0]["identical"], true);
    assert_eq!(m[0]["containment"], 1.0);

    let m = app.match_text("Brief\u{200B}   notice.").await;
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["article_id"], short);
    assert_eq!(m[0]["identical"], true);
}

#[tokio::test]
async fn a_new_revision_is_matched_and_history_still_counts() {
    let app = TestApp::spawn().await;
    let id = record(&app, 1, ENGLISH_ARTICLE).await;
    // A new revision with entirely different text: the old text still matches, since
    // it was published under this article.
    let resp = app.post_article(&article(1, UNRELATED_CHINESE)).await;
    assert_eq!(resp.status(), 201);
    let old = app.match_text(ENGLISH_COMPLAINT).await;
    assert_eq!(old[0]["article_id"], id);
    assert_eq!(old[0]["revision"], 1);
    let new = app.match_text(UNRELATED_CHINESE).await;
    assert_eq!(new[0]["article_id"], id);
    assert_eq!(new[0]["revision"], 2);
    assert_eq!(new[0]["identical"], true);
}

#[tokio::test]
async fn nothing_recorded_means_no_matches_and_bad_requests_are_named() {
    let app = TestApp::spawn().await;
    assert!(app.match_text(COMPLAINT_SIMPLIFIED).await.is_empty());
    for (body, field) in [
        (serde_json::json!({}), "text"),
        (serde_json::json!({"text": "   "}), "text"),
        (serde_json::json!({"text": "x", "limit": 0}), "limit"),
    ] {
        let resp = app
            .client
            .post(app.url("/api/v1/match"))
            .bearer_auth(&app.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 422);
        assert!(resp.json::<Value>().await.unwrap()["fields"][field].is_string());
    }
    let anon = app
        .client
        .post(app.url("/api/v1/match"))
        .json(&serde_json::json!({"text": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
}

/// A restart reads the postings from `DATA_DIR/index` and catches up only what came
/// after; a snapshot that no longer agrees with the database is rebuilt, not trusted.
#[tokio::test]
async fn a_restart_reads_the_index_snapshot_and_catches_up() {
    let text = |n: u32| {
        format!(
            "第{n}篇：国务院今日召开常务会议，研究部署稳就业工作。会议指出，要把稳就业摆在更加突出的位置，并要求各地加快落实援企稳岗政策。编号{n}。"
        )
    };
    let app = TestApp::spawn().await;
    for n in 1..=3 {
        assert_eq!(app.post_article(&article(n, &text(n))).await.status(), 201);
    }
    let test_db = app.test_db.clone();
    let snapshot = app.state.config.data_dir.join("index").join("postings.bin");
    app.stop().await;
    assert!(!snapshot.exists(), "nothing to freeze at the first start");

    // Second start: built from the database, and saved.
    let app = TestApp::spawn_on(test_db.clone(), |_| {}).await;
    assert!(!app.state.index.loaded_from_snapshot());
    assert!(snapshot.exists());
    let spill = snapshot.with_extension("build");
    assert!(!spill.exists(), "the build's own file is removed");
    assert_eq!(app.post_article(&article(4, &text(4))).await.status(), 201);
    app.stop().await;

    // Third start: read from the snapshot, with article 4 caught up from the database.
    let app = TestApp::spawn_on(test_db.clone(), |_| {}).await;
    assert!(app.state.index.loaded_from_snapshot());
    for n in [2, 4] {
        let found = app.match_text(&text(n)).await;
        assert_eq!(
            found[0]["url"],
            format!("https://news.example/2022/08/24/article-{n}.html"),
            "{found:?}"
        );
    }
    app.stop().await;

    // A snapshot from another database (here: a damaged one) is not trusted.
    let mut bytes = std::fs::read(&snapshot).unwrap();
    let at = bytes.len() - 10;
    bytes.truncate(at);
    std::fs::write(&snapshot, bytes).unwrap();
    let app = TestApp::spawn_on(test_db, |_| {}).await;
    assert!(!app.state.index.loaded_from_snapshot());
    let found = app.match_text(&text(3)).await;
    assert_eq!(
        found[0]["url"],
        "https://news.example/2022/08/24/article-3.html"
    );
    app.stop().await;
}

/// A portal's standing copyright line, carried by every article below.
const BOILERPLATE: &str = "【版权声明】本文转载自城市日报，版权归原作者所有。如涉及作品内容、版权和其它问题，请在三十日内与本网联系，我们将在第一时间删除内容。本网站转载文章仅为传播更多信息之目的，不代表本网观点，亦不对其真实性负责。";

/// Under `MATCH_COMMON_DF`, fingerprints held by more revisions than the cap still count
/// for an article a rarer one found, at the same containment, but find no article of
/// their own: text shared only through boilerplate is no longer listed.
#[tokio::test]
async fn common_fingerprints_count_towards_a_match_but_find_none_of_their_own() {
    let app = TestApp::spawn_with(|c| c.match_common_df = 3).await;
    let ours = record(
        &app,
        1,
        &format!("{REPUBLISHED_TRADITIONAL}\n\n{BOILERPLATE}"),
    )
    .await;
    for n in 2..=5 {
        let own = format!("第{n}号公告：{UNRELATED_CHINESE}");
        record(&app, n, &format!("{own}\n\n{BOILERPLATE}")).await;
    }
    let complaint = format!("{COMPLAINT_SIMPLIFIED}\n\n{BOILERPLATE}");
    let capped = app.match_text(&complaint).await;
    let boilerplate_only = app.match_text(BOILERPLATE).await;
    let test_db = app.test_db.clone();
    app.stop().await;

    // The same database with every fingerprint finding.
    let uncapped_app = TestApp::spawn_on(test_db, |c| c.match_common_df = 0).await;
    let uncapped = uncapped_app.match_text(&complaint).await;
    assert_eq!(
        uncapped.len(),
        5,
        "the boilerplate finds them all: {uncapped:?}"
    );
    assert_eq!(uncapped_app.match_text(BOILERPLATE).await.len(), 5);
    uncapped_app.stop().await;

    assert_eq!(capped.len(), 1, "{capped:?}");
    assert_eq!(capped[0]["article_id"], ours);
    let exact = containment_of(&uncapped, ours);
    assert!(exact > 0.9, "{uncapped:?}");
    assert_eq!(
        containment_of(&capped, ours),
        exact,
        "the boilerplate still counts"
    );
    assert!(boilerplate_only.is_empty(), "{boilerplate_only:?}");
}
