//! A real example body for every operation that takes one, the README's own, so the
//! docs' "Try it out" sends a request the API accepts rather than one generated from
//! the patterns.

use serde_json::{Value, json};

/// `(path, method, example)`.
pub fn examples() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "/api/v1/articles",
            "post",
            json!({
                "url": "https://news.example/2022/08/24/article-1.html",
                "title": "稳就业报道：城市新增就业岗位",
                "body": "本报讯（记者 王芳）今年以来，我市新增城镇就业岗位 3.2 万个，“稳就业”政策见效。",
                "republished_at": "2022-08-24T09:19:16+08:00",
                "editor": "李编辑",
                "source": {
                    "outlet": "城市日报",
                    "url": "https://citydaily.example/news/2022/08/24/1.html",
                    "published_at": "2022-08-24T07:30:00+08:00",
                    "author": "王芳"
                },
                "licence": {"reference": "SYND-2022-017", "expires_at": "2023-12-31T00:00:00Z"},
                "rights_contact": "rights@citydaily.example"
            }),
        ),
        (
            "/api/v1/match",
            "post",
            json!({"text": "今年以来，我市新增城镇就业岗位 3.2 万个，“稳就业”政策见效。", "limit": 5}),
        ),
        (
            "/api/v1/complaints",
            "post",
            json!({
                "claimant": {
                    "name": "王芳", "organisation": "城市日报社", "email": "wang@citydaily.example",
                    "phone": "+86 571 8888 0000", "address": "杭州市新闻路 1 号",
                    "capacity": "owner", "on_behalf_of": null
                },
                "work": {
                    "title": "稳就业报道",
                    "description": "本报记者王芳采写的原创报道，2022 年 8 月 24 日首发。",
                    "original_url": "https://citydaily.example/news/2022/08/24/1.html",
                    "original_text": "今年以来，我市新增城镇就业岗位 3.2 万个，“稳就业”政策见效。"
                },
                "infringing_urls": ["https://news.example/2022/08/24/article-1.html"],
                "evidence_urls": [],
                "statements": {"good_faith": true, "accurate": true},
                "signature": "王芳",
                "language": "zh"
            }),
        ),
        (
            "/api/v1/complaints/{id}/decision",
            "post",
            json!({
                "action": "uphold",
                "reason": "The republished article reproduces the claimant's report word for word, and our licence for this outlet had expired.",
                "targets": [{"url": "https://news.example/2022/08/24/article-1.html", "outcome": "uphold"}]
            }),
        ),
        (
            "/api/v1/complaints/{code}/answer",
            "post",
            json!({"answer": "附上首发页面的存档链接：https://web.archive.org/web/2022/https://citydaily.example/news/2022/08/24/1.html"}),
        ),
        (
            "/api/v1/complaints/{code}/appeal",
            "post",
            json!({"statement": "转载协议 SYND-2022-017 已于 2023 年底到期，此后的转载未获授权。"}),
        ),
        (
            "/api/v1/complaints/{code}/withdraw",
            "post",
            json!({"reason": "已与转载方达成协议。"}),
        ),
        (
            "/api/v1/counter-notices",
            "post",
            json!({
                "article_id": 1, "name": "李伟", "address": "杭州市门户路 8 号",
                "phone": "+86 571 8765 4321", "email": "li.wei@portal.example",
                "removed_url": "https://news.example/2022/08/24/article-1.html",
                "statement": "本站依据与城市日报的转载协议 SYND-2024-003 转载，协议有效期至 2026 年底。",
                "evidence": "协议编号 SYND-2024-003，签署于 2024 年 1 月 2 日。",
                "consent_jurisdiction": true, "signature": "李伟"
            }),
        ),
        (
            "/api/v1/licences",
            "post",
            json!({
                "reference": "SYND-2022-017",
                "licensor": "城市日报社",
                "licensor_contact": "rights@citydaily.example",
                "covers": {"outlets": ["城市日报"], "source_hosts": ["citydaily.example"]},
                "starts_at": "2022-01-01T00:00:00+08:00",
                "ends_at": "2027-12-31T23:59:59+08:00",
                "rights": ["online_republication"],
                "attribution_required": true,
                "edits_allowed": false
            }),
        ),
    ]
}

/// Puts each example on its operation's JSON request body.
pub fn apply(spec: &mut Value) {
    for (path, method, example) in examples() {
        let pointer = format!(
            "/paths/{}/{method}/requestBody/content/application~1json",
            path.replace('~', "~0").replace('/', "~1")
        );
        if let Some(content) = spec.pointer_mut(&pointer).and_then(Value::as_object_mut) {
            content.insert("example".into(), example);
        }
    }
}
