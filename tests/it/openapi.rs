//! The API description stays true: every documented operation is served, and every
//! JSON route the service answers is documented.

use std::collections::BTreeSet;

use crate::common::TestApp;
use serde_json::{Value, json};

fn concrete(path: &str) -> String {
    path.replace("{id}", "1").replace("{code}", &"a".repeat(40))
}

/// Whether the router itself has no such route (as opposed to the handler's 404).
async fn is_routed(app: &TestApp, method: &str, path: &str) -> bool {
    let resp = app
        .client
        .request(
            method.to_uppercase().parse().unwrap(),
            app.url(&concrete(path)),
        )
        .bearer_auth(&app.token)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    if resp.status() == 405 {
        return false;
    }
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    body["message"] != "no such route"
}

#[tokio::test]
async fn the_description_and_the_routes_agree() {
    let app = TestApp::spawn().await;
    let spec: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["info"]["title"], "takedown");
    let mut documented = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    // What the router serves: the paths it registered, and for each the methods its
    // own 405 answer lists in `Allow`.
    let mut served = BTreeSet::new();
    for path in takedown::web::route_paths() {
        let api = path.starts_with("/api/") || ["/healthz", "/readyz", "/metrics"].contains(&path);
        if !api {
            continue;
        }
        let resp = app
            .client
            .request(reqwest::Method::TRACE, app.url(&concrete(path)))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 405, "{path}");
        let allow = resp.headers()["allow"].to_str().unwrap().to_string();
        for m in allow.split(',').map(str::trim).filter(|m| *m != "HEAD") {
            served.insert((m.to_ascii_lowercase(), path.to_string()));
        }
    }
    assert!(served.len() > 10, "{served:?}");
    assert_eq!(documented, served);

    for (method, path) in &documented {
        assert!(
            is_routed(&app, method, path).await,
            "{method} {path} is documented but not served"
        );
    }
    // The check can fail: an undocumented path is not served.
    assert!(!is_routed(&app, "get", "/api/v1/nothing").await);
    assert!(!is_routed(&app, "delete", "/api/v1/articles/{id}").await);

    // Request bodies and errors are described.
    let article = &spec["components"]["schemas"]["ArticleInput"]["properties"];
    assert!(article["source"].is_object() && article["licence"].is_object());
    assert!(
        spec["components"]["schemas"]["ComplaintView"]["properties"]["tracking_code"].is_object()
    );
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
    // The review endpoints name what they require and every answer they can give.
    let required = |schema: &str| -> Vec<String> {
        spec["components"]["schemas"][schema]["required"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(required("AnswerInput"), ["answer"]);
    assert_eq!(required("AppealInput"), ["statement"]);
    let counter = required("CounterNoticeInput");
    for f in [
        "article_id",
        "name",
        "address",
        "phone",
        "email",
        "removed_url",
        "statement",
        "consent_jurisdiction",
        "signature",
    ] {
        assert!(counter.iter().any(|c| c == f), "{f} required: {counter:?}");
    }
    assert!(!counter.iter().any(|c| c == "evidence"));
    let codes = |path: &str| -> Vec<String> {
        spec["paths"][path]["post"]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(
        codes("/api/v1/counter-notices"),
        [
            "201", "400", "404", "408", "409", "413", "415", "422", "429", "503", "507"
        ]
    );
    assert_eq!(
        codes("/api/v1/complaints/{code}/appeal"),
        [
            "200", "400", "404", "408", "409", "413", "415", "422", "429", "503", "507"
        ]
    );
    assert_eq!(
        codes("/api/v1/complaints/{id}/decision"),
        [
            "200", "400", "401", "403", "404", "408", "409", "413", "415", "422", "503", "507"
        ]
    );
    // Exact: required, not nullable, the validators' own patterns and lengths.
    let schemas = &spec["components"]["schemas"];
    assert_eq!(
        required("ArticleInput"),
        [
            "url",
            "title",
            "body",
            "republished_at",
            "editor",
            "source",
            "licence"
        ]
    );
    assert_eq!(
        schemas["ArticleInput"]["properties"]["title"]["type"],
        "string"
    );
    assert_eq!(
        schemas["ArticleInput"]["properties"]["title"]["maxLength"],
        1000
    );
    assert_eq!(
        schemas["ArticleInput"]["properties"]["title"]["pattern"],
        takedown::web::contract::LINE
    );
    assert_eq!(
        schemas["ClaimantInput"]["properties"]["capacity"]["enum"],
        json!(["owner", "agent"])
    );
    assert_eq!(
        schemas["ClaimantInput"]["then"]["required"],
        json!(["on_behalf_of"])
    );
    let targets = &schemas["ComplaintInput"]["properties"]["infringing_urls"];
    assert_eq!(
        (targets["minItems"].as_u64(), targets["maxItems"].as_u64()),
        (Some(1), Some(50))
    );
    assert!(
        targets["items"]["pattern"]
            .as_str()
            .unwrap()
            .contains(r"[nN][eE][wW][sS]\.[eE]"),
        "infringing URLs on SITE_HOSTS: {targets}"
    );
    assert_eq!(
        schemas["StatementsInput"]["properties"]["accurate"]["const"],
        true
    );
}

#[tokio::test]
async fn docs_render_offline() {
    let app = TestApp::spawn().await;
    let page = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"));
    assert!(!html.contains("https://"), "no assets from the internet");
    let js = app
        .client
        .get(app.url("/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), 200);
    assert!(js.bytes().await.unwrap().len() > 100_000);
}

/// Every operation that takes a JSON body shows a real example, and each example, sent
/// as the docs' "Try it out" would send it, is accepted: no 400 or 422. The claimant's
/// acts by tracking code answer for the state the complaint is in, never for the body.
#[tokio::test]
async fn every_body_has_an_example_the_api_accepts() {
    let app = TestApp::spawn().await;
    let spec: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut with_body = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(content) = op.pointer("/requestBody/content/application~1json") {
                assert!(
                    content["example"].is_object(),
                    "{method} {path} has no example"
                );
                with_body.insert((path.clone(), method.clone()));
            }
        }
    }
    let staff = crate::common::staff::account_token(&app, "alice").await;
    let mut code = String::new();
    let mut id = 0;
    for (path, method, example) in takedown::web::api_examples::examples() {
        assert!(
            with_body.remove(&(path.to_string(), method.to_string())),
            "{path}"
        );
        let url = path
            .replace("{id}", &id.to_string())
            .replace("{code}", &code);
        let token = match path {
            "/api/v1/articles" | "/api/v1/match" | "/api/v1/licences" => app.token.clone(),
            p if p.ends_with("/decision") => staff.clone(),
            _ => String::new(),
        };
        let mut req = app.client.post(app.url(&url)).json(&example);
        if !token.is_empty() {
            req = req.bearer_auth(&token);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap_or_default();
        assert!(![400, 422].contains(&status), "{path}: {status} {body}");
        let expected: &[u16] = match path {
            "/api/v1/articles"
            | "/api/v1/complaints"
            | "/api/v1/counter-notices"
            | "/api/v1/licences" => &[201],
            "/api/v1/match" => &[200],
            p if p.ends_with("/decision") => &[200],
            // Upheld: nothing waits for an answer, nothing to appeal or withdraw.
            _ => &[409],
        };
        assert!(expected.contains(&status), "{path}: {status} {body}");
        if path == "/api/v1/complaints" {
            code = body["tracking_code"].as_str().unwrap().to_string();
            id = body["id"].as_i64().unwrap();
        }
    }
    assert!(with_body.is_empty(), "examples missing for {with_body:?}");
}

/// The getting-started page for rights agencies is served beside the reference, with
/// the reference's own example body and this site's address in the first request.
#[tokio::test]
async fn getting_started_shows_the_first_request_with_the_real_example() {
    let app = TestApp::spawn_with(|c| {
        c.site_contact = Some(
            takedown::domain::validate::EmailAddress::parse("copyright@news.example").unwrap(),
        );
    })
    .await;
    let resp = app.client.get(app.url("/docs/start")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = resp.text().await.unwrap();
    assert!(page.contains(&format!("curl -X POST {}/api/v1/complaints", app.address)));
    assert!(page.contains("Idempotency-Key") && page.contains("idempotency_key_reused"));
    assert!(page.contains("--scope submitter"));
    assert!(page.contains("mailto:copyright@news.example"));
    // The example is the reference's, escaped as text.
    let example = &takedown::web::api_examples::examples()[2];
    assert_eq!(example.0, "/api/v1/complaints");
    let title = example.2["work"]["title"].as_str().unwrap();
    assert!(
        page.contains(title) && page.contains("&#34;infringing_urls&#34;"),
        "{page}"
    );
    let home = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("href=\"/docs/start\""));
}
