//! Complaints as claimants file them, for tests that need some on record: the JSON
//! API's body, the public form with an evidence file, and the command line's output.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use super::TestApp;

/// The URL of `common::article(n, …)`, on the site's host.
pub fn target(n: u32) -> String {
    format!("https://news.example/2022/08/24/article-{n}.html")
}

/// A complete complaint about article `n` from `email`, in Chinese.
pub fn complaint_json(n: u32, email: &str) -> Value {
    json!({
        "claimant": {"name": "王芳", "email": email, "phone": "+86 10 1234 5678",
                     "address": "1 Press Road", "capacity": "owner"},
        "work": {"title": format!("稳就业报道 {n}"), "description": "本报原创报道",
                 "original_url": "https://citydaily.example/1"},
        "infringing_urls": [target(n)],
        "statements": {"good_faith": true, "accurate": true},
        "signature": "王芳", "language": "zh"
    })
}

/// The public form's fields for a complaint about article 1, with `evidence` attached.
pub fn complaint_form(name: &str, email: &str, phone: &str, evidence: Vec<u8>) -> Form {
    Form::new()
        .text("language", "zh")
        .text("submission_id", uuid::Uuid::new_v4().to_string())
        .text("claimant.name", name.to_string())
        .text("claimant.email", email.to_string())
        .text("claimant.phone", phone.to_string())
        .text("claimant.address", "北京市新闻路1号")
        .text("claimant.capacity", "owner")
        .text("work.title", "渡轮码头启用")
        .text("work.description", "本报记者原创报道")
        .text("work.original_url", "https://citydaily.example/news/1")
        .text("infringing_urls", target(1))
        .text("statements.good_faith", "true")
        .text("statements.accurate", "true")
        .text("signature", name.to_string())
        .part("evidence", Part::bytes(evidence).file_name("licence.pdf"))
}

/// Files `body` through the API; the complaint's (id, tracking code) and its view.
pub async fn file_json(app: &TestApp, body: &Value) -> (i64, String, Value) {
    let resp = app
        .client
        .post(app.url("/api/v1/complaints"))
        .json(body)
        .send()
        .await
        .expect("filing");
    assert_eq!(resp.status(), 201);
    let v: Value = resp.json().await.expect("complaint view");
    let id = v["id"].as_i64().expect("id");
    let code = v["tracking_code"].as_str().expect("code").to_string();
    (id, code, v)
}

/// Runs a command; its exit code and everything it printed (stdout, then stderr).
pub fn run(cmd: &mut std::process::Command) -> (i32, String) {
    let out = cmd.output().expect("the command runs");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// What a browser shows after posting the complaint form: a 303 is followed, with the
/// receipt cookie it set, as a browser would. The status, and the final page.
pub async fn as_browser(app: &TestApp, resp: reqwest::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    if status != 303 {
        return (status, resp.text().await.unwrap_or_default());
    }
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("td_receipt="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
        .unwrap_or_default();
    let page = app
        .client
        .get(app.url(&location))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "{location}");
    (status, page.text().await.unwrap())
}

/// A client that shows redirects instead of following them.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
