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
