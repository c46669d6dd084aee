//! The complaint form and the review that follows it, in a real browser: headless
//! Chromium driven over WebDriver.
//!
//! Needs `chromium` and `chromium-driver` (Debian packages). Without them the test says
//! so and passes, unless REQUIRE_BROWSER is set, as `.ci/run` does.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::staff::{PASSWORD, add};
use crate::common::{TestApp, article};
use takedown::services::staff::Role;

const OURS: &str = "【本报讯】据新华社报道，国务院今日召开常务会议，研究部署稳就业工作。会议指出，“要把稳就业摆在更加突出的位置”。编辑：陈静";
const THEIRS: &str = "據新華社報道，國務院今日召開常務會議，研究部署穩就業工作。會議指出，「要把穩就業擺在更加突出的位置」。（城市日報原創）";

pub(crate) async fn complaint_id(app: &TestApp) -> i64 {
    use sea_orm::EntityTrait;
    takedown::entities::complaint::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}
use fantoccini::{ClientBuilder, Locator};
use serde_json::json;

pub(crate) struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn find(name: &str) -> Option<String> {
    ["/usr/bin/", "/usr/local/bin/", "/usr/lib/chromium/"]
        .iter()
        .map(|d| format!("{d}{name}"))
        .find(|p| std::path::Path::new(p).exists())
}

/// Starts chromedriver on a free port and waits (bounded) until it answers.
pub(crate) async fn start_driver() -> Option<Driver> {
    let (Some(driver), Some(_)) = (find("chromedriver"), find("chromium")) else {
        assert!(
            std::env::var_os("REQUIRE_BROWSER").is_none(),
            "REQUIRE_BROWSER is set but chromium/chromedriver are not installed"
        );
        crate::common::skipped("the browser journey: chromium and chromedriver are not installed");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let d = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let give_up = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = client.get(format!("{}/status", d.url)).send().await
            && r.status().is_success()
        {
            return Some(d);
        }
        assert!(
            Instant::now() < give_up,
            "chromedriver did not answer within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A headless Chromium session on `driver`, `width` × `height`, its profile in `profile`.
pub(crate) async fn open(
    driver: &Driver,
    profile: &std::path::Path,
    width: u32,
    height: u32,
) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": find("chromium").unwrap(),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-quic", "--no-first-run", format!("--user-data-dir={}", profile.display())]
        }),
    );
    let b = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("browser session");
    b.set_window_size(width, height).await.unwrap();
    b
}

/// Whether the page fits its viewport: its scroll width, the viewport's, and the
/// first elements that stick out, to say which.
pub(crate) async fn overflow(b: &fantoccini::Client) -> Option<String> {
    let fits = b
        .execute(
            "const w = document.documentElement.clientWidth; return [document.documentElement.scrollWidth, w, Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > w + 1 || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible').slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + '/' + e.scrollWidth).join(' | ')];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, client) = (fits[0].as_i64().unwrap(), fits[1].as_i64().unwrap());
    (scroll > client).then(|| format!("{scroll} px wide in a {client} px view: {}", fits[2]))
}

/// Writes what the browser shows to `target/screenshots/{name}.png`, to look at.
pub(crate) async fn shot(b: &fantoccini::Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = b.screenshot().await.unwrap();
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Waits (bounded) for the element with `id`, and reads its text.
pub(crate) async fn text_of(b: &fantoccini::Client, id: &str) -> String {
    b.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Signs in at `/login?lang=…` as `email` (the test password).
pub(crate) async fn sign_in(b: &fantoccini::Client, app: &TestApp, email: &str, lang: &str) {
    b.goto(&app.url(&format!("/login?lang={lang}")))
        .await
        .unwrap();
    fill_sign_in(b, email).await;
    b.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("queue"))
        .await
        .expect("the queue after signing in");
}

/// Fills the sign-in form on the page as `email` (the test password) and sends it.
async fn fill_sign_in(b: &fantoccini::Client, email: &str) {
    b.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    b.find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_complaint_filed_in_chinese_is_reviewed_and_upheld_in_a_browser() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let resp = app.post_article(&article(1, OURS)).await;
    let article_id = resp.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let b = open(&driver, profile.path(), 1280, 900).await;

    b.goto(&app.url("/complaints/new?lang=zh")).await.unwrap();
    let policy = b
        .find(Locator::Css(".policy"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(policy.contains("24 小时"), "{policy}");

    let evidence = profile.path().join("证据.pdf");
    std::fs::write(&evidence, b"%PDF-1.4 evidence").unwrap();
    for (id, value) in [
        ("claimant.name", "王芳"),
        ("claimant.email", "wang@citydaily.example"),
        ("claimant.phone", "+86 10 1234 5678"),
        ("claimant.address", "北京市新闻路1号"),
        ("work.title", "渡轮码头将关闭"),
        ("work.description", "本报记者原创报道"),
        ("work.original_url", "https://citydaily.example/news/1"),
        (
            "infringing_urls",
            "https://news.example/2022/08/24/article-1.html",
        ),
        ("work.original_text", THEIRS),
        ("signature", "王芳"),
    ] {
        b.find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    b.find(Locator::Id("cap-owner"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::Id("statements.good_faith"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::Id("statements.accurate"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::Id("evidence"))
        .await
        .unwrap()
        .send_keys(&evidence.display().to_string())
        .await
        .unwrap();
    b.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    let code = b
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("tracking-code"))
        .await
        .expect("receipt page")
        .text()
        .await
        .unwrap();
    assert_eq!(code.len(), 40);
    let heading = b
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(heading, "我们已收到您的投诉");
    // Post, redirect, get: the address bar holds the status page, the link to keep.
    let here = b.current_url().await.unwrap();
    assert_eq!(here.path(), format!("/complaints/{code}"));

    b.find(Locator::Id("status-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = b
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status, "已收到");
    assert!(
        b.find(Locator::Id("receipt")).await.is_err(),
        "the receipt is shown once"
    );
    let status_url = b.current_url().await.unwrap();

    // A reviewer signs in, finds it first in the queue, opens it and sees the passage.
    add(&app, "reviewer@news.example", Role::Reviewer).await;
    b.goto(&app.url("/staff")).await.unwrap();
    fill_sign_in(&b, "reviewer@news.example").await;
    let first = b
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#queue tbody tr"))
        .await
        .expect("the queue")
        .attr("data-id")
        .await
        .unwrap();
    let id: i64 = complaint_id(&app).await;
    assert_eq!(first, Some(id.to_string()), "first in the queue");
    b.find(Locator::Css("#queue tbody tr td a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let ours = b
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(".article-text mark"))
        .await
        .expect("the matched passage, marked")
        .text()
        .await
        .unwrap();
    assert!(ours.starts_with("据新华社报道"), "{ours}");
    let theirs = b
        .find(Locator::Css(".claim-text mark"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(theirs.starts_with("據新華社報道"), "{theirs}");

    b.find(Locator::Id("uphold"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::Id("reason"))
        .await
        .unwrap()
        .send_keys("转载内容与投诉人原创报道逐字相同，超出许可 SYND-2022-017 的范围。")
        .await
        .unwrap();
    b.find(Locator::Id("record"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let decided = b
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("decision"))
        .await
        .expect("the decision on the complaint page")
        .text()
        .await
        .unwrap();
    assert!(
        decided.starts_with("upheld · reviewer@news.example"),
        "{decided}"
    );
    let done = b
        .find(Locator::Id("done"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.starts_with("Decision recorded: upheld"), "{done}");

    // On a phone (390 px) the queue (with a complaint in it) and the complaint page
    // fit the screen.
    crate::common::filing::file_json(
        &app,
        &crate::common::filing::complaint_json(2, "li@harbour.example"),
    )
    .await;
    let complaint_page = b.current_url().await.unwrap();
    for (width, height) in [(1280, 900), (390, 844)] {
        b.set_window_size(width, height).await.unwrap();
        for (name, url) in [
            ("queue", app.url("/staff")),
            ("complaint", complaint_page.to_string()),
        ] {
            b.goto(&url).await.unwrap();
            shot(&b, &format!("{name}-{width}")).await;
            if let Some(wide) = overflow(&b).await {
                panic!("{name} at {width} px: {wide}");
            }
        }
    }
    b.set_window_size(1280, 900).await.unwrap();

    // The public sees the 451 notice; the claimant's status page shows the decision.
    b.goto(&app.url(&format!("/removed/{article_id}")))
        .await
        .unwrap();
    let notice = b
        .find(Locator::Id("notice"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(notice.contains(&format!("#{id}")), "{notice}");
    b.goto(status_url.as_str()).await.unwrap();
    let status = b
        .find(Locator::Id("status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status, "投诉成立，内容已删除");
    let reason = b
        .find(Locator::Id("reason"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(reason.contains("SYND-2022-017"), "{reason}");
    b.close().await.unwrap();

    // The one filed in the browser, and the one filed to fill the phone's queue.
    assert_eq!(app.count("complaints").await, 2);
    assert_eq!(app.count("complaint_evidence WHERE kind = 'file'").await, 1);
    assert_eq!(
        app.count("complaint_targets WHERE article_id IS NOT NULL AND complaint_id = 1")
            .await,
        1
    );
}
