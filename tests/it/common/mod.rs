//! Test harness: the real app on port 0 over its own database — a temp SQLite file, or,
//! when TEST_DATABASE_URL points at a PostgreSQL server, a fresh database created for
//! the test and dropped after it.
#![allow(dead_code)]

pub mod cms;
pub mod dovecot;
pub mod filing;
pub mod proxy;
pub mod smtp;
pub mod staff;
pub mod story;

use std::path::PathBuf;

use reqwest::{Client, Response};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use takedown::app::App;
use takedown::config::Config;
use takedown::services::tokens::{self, Scope};
use time::OffsetDateTime;
use tokio::sync::oneshot;

/// Says that a test skipped, where a plain `cargo test` shows it: written straight
/// to the process's stderr, past the test harness's output capture.
pub fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

pub struct TestDb {
    pub url: String,
    pg: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres"))
        {
            Some(admin_url) => {
                let name = format!("td_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("admin connection");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let mut u = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL");
                u.set_path(&name);
                Self {
                    url: u.to_string(),
                    pg: Some((admin_url, name)),
                    _dir: dir,
                }
            }
            None => Self {
                url: format!("sqlite://{}/takedown.db?mode=rwc", dir.path().display()),
                pg: None,
                _dir: dir,
            },
        }
    }

    /// A SQLite database in `dir`, which the caller owns (say, a small tmpfs).
    pub fn sqlite_in(dir: tempfile::TempDir) -> Self {
        Self {
            url: format!("sqlite://{}/takedown.db?mode=rwc", dir.path().display()),
            pg: None,
            _dir: dir,
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self._dir.path().to_path_buf()
    }

    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }

    pub async fn connect(&self) -> DatabaseConnection {
        let db = takedown::db::connect(&self.url).await.expect("connect");
        takedown::db::migrate_up(&db).await.expect("migrate");
        db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg.take() {
            // Drop runs inside the test's runtime: do the async cleanup on its own thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

pub fn config_for(db: &TestDb) -> Config {
    let mut c = Config::defaults(db.data_dir());
    c.database_url = db.url.clone();
    c.bind_addr = "127.0.0.1:0".parse().expect("addr");
    c.public_base_url = "http://127.0.0.1".into();
    c.staff_notify = takedown::config::parse_addresses("staff@news.example").expect("staff");
    c.escalation_to = takedown::config::parse_addresses("escalation@news.example").expect("esc");
    c.intake_rate_limit = 0;
    c.receipt_rate_limit = 0;
    c.site_hosts = Some(vec!["news.example".into()]);
    // Tests drive the sweeps with their own clock.
    c.scheduler_cron = None;
    c.mail_from =
        takedown::domain::validate::EmailAddress::parse("takedown@news.example").expect("from");
    c
}

pub struct TestApp {
    pub address: String,
    pub state: takedown::web::AppState,
    pub db: DatabaseConnection,
    pub client: Client,
    pub token: String,
    pub test_db: std::sync::Arc<TestDb>,
    /// The LMTP listener's address, when `LMTP_BIND` was set.
    pub lmtp: Option<std::net::SocketAddr>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_on(std::sync::Arc::new(TestDb::new().await), adjust).await
    }

    /// The app over an existing test database: a second instance, or a restart.
    pub async fn spawn_on(
        test_db: std::sync::Arc<TestDb>,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let mut config = config_for(&test_db);
        // Links in pages and emails point at this server, as they would in production.
        config.public_base_url = format!("http://127.0.0.1:{port}");
        adjust(&mut config);
        let app = App::build_on(config, listener).await.expect("app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let lmtp = app.lmtp_addr();
        let db = app.state().db.clone();
        let state = app.state().clone();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            app.run_until(async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        let token = tokens::create(
            &db,
            &format!("cms-{}", uuid::Uuid::new_v4().simple()),
            Scope::Articles,
            OffsetDateTime::now_utc(),
        )
        .await
        .unwrap_or_default();
        Self {
            address,
            state,
            db,
            client: Client::new(),
            token,
            test_db,
            lmtp,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn post_article(&self, body: &Value) -> Response {
        self.client
            .post(self.url("/api/v1/articles"))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_article(&self, id: i64) -> Response {
        self.client
            .get(self.url(&format!("/api/v1/articles/{id}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request")
    }

    pub async fn match_text(&self, text: &str) -> Vec<Value> {
        let resp = self
            .client
            .post(self.url("/api/v1/match"))
            .bearer_auth(&self.token)
            .json(&json!({ "text": text }))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200);
        resp.json().await.expect("json")
    }

    /// The confirmation link in the receipt queued for complaint `id`.
    pub async fn confirm_link(&self, id: i64) -> String {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let receipt = takedown::entities::outbox::Entity::find()
            .filter(takedown::entities::outbox::Column::ComplaintId.eq(id))
            .filter(takedown::entities::outbox::Column::Kind.eq("receipt"))
            .one(&self.db)
            .await
            .expect("outbox")
            .expect("a receipt");
        confirm_link_in(&receipt.body_text).expect("a confirmation link")
    }

    /// Confirms complaint `id` as its claimant would: the link, then the button.
    pub async fn confirm(&self, id: i64) {
        let link = self.confirm_link(id).await;
        let resp = self.client.post(&link).send().await.expect("confirm");
        assert_eq!(resp.status(), 200);
    }

    /// Complaint `id`'s tracking code, opened as the service opens it for emails.
    pub async fn tracking_code(&self, id: i64) -> String {
        use sea_orm::EntityTrait;
        let c = takedown::entities::complaint::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .expect("complaint")
            .expect("row");
        let code = self.state.codes.code_of(&c).expect("opens");
        code.as_str().to_string()
    }

    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("row");
        row.try_get("", "n").expect("n")
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            h.abort();
        }
    }
}

/// The first confirmation link in an email body.
pub fn confirm_link_in(body: &str) -> Option<String> {
    let at = body.find("/complaints/confirm/")?;
    let start = body[..at].rfind("http")?;
    let rest = &body[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

/// A complete article record; `n` varies the URL.
pub fn article(n: u32, body: &str) -> Value {
    json!({
        "url": format!("https://news.example/2022/08/24/article-{n}.html"),
        "title": format!("Article {n}"),
        "body": body,
        "republished_at": "2022-08-24T09:19:16+08:00",
        "editor": "Chen Jing",
        "source": {
            "outlet": "City Daily",
            "url": format!("https://citydaily.example/news/{n}"),
            "published_at": "2022-08-23T20:00:00+08:00",
            "author": "Li Wei"
        },
        "licence": {"reference": "SYND-2022-017", "expires_at": "2023-12-31T00:00:00Z"},
        "rights_contact": "rights@citydaily.example"
    })
}

/// Runs the built `takedown` binary against `db` with extra environment.
pub fn takedown_cmd(db: &TestDb) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_takedown"));
    cmd.env("DATABASE_URL", &db.url)
        .env("DATA_DIR", db.data_dir())
        .env("RUST_LOG", "warn")
        .current_dir(db.data_dir());
    cmd
}
