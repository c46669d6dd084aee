//! Evidence uploads stream to disk: with 20 clients each sending a 10 MB file at once,
//! the server's memory stays far below the 200 MB it would need to hold them. Text is
//! held in memory, so it is capped: 20 clients each sending 50 MB of form text leave
//! the server as small as it was. The server runs as its own process (the built
//! binary), so its peak resident memory can be read from /proc apart from the
//! clients'.

use std::io::Write;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::TestDb;
use reqwest::multipart::{Form, Part};
use sea_orm::ConnectionTrait;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `VmRSS`/`VmHWM`-style line of /proc/PID/status, in KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn form(evidence: Vec<u8>) -> Form {
    Form::new()
        .text("language", "zh")
        .text("submission_id", uuid::Uuid::new_v4().to_string())
        .text("claimant.name", "王芳")
        .text("claimant.email", "rights@citydaily.example")
        .text("claimant.phone", "+86 10 1234 5678")
        .text("claimant.address", "北京市新闻路1号")
        .text("claimant.capacity", "owner")
        .text("work.title", "渡轮码头启用")
        .text("work.description", "本报记者原创报道")
        .text("work.original_url", "https://citydaily.example/news/1")
        .text(
            "infringing_urls",
            "https://news.example/2022/08/24/article-1.html",
        )
        .text("statements.good_faith", "true")
        .text("statements.accurate", "true")
        .text("signature", "王芳")
        .part("evidence", Part::bytes(evidence).file_name("scan.pdf"))
}

/// The built server on a fresh database, once it answers; None off Linux.
async fn start(db: &TestDb) -> Option<(Server, String)> {
    if !std::path::Path::new("/proc/self/status").exists() {
        crate::common::skipped("the upload memory tests read /proc (Linux only)");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server(
        crate::common::takedown_cmd(db)
            .arg("serve")
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("PUBLIC_BASE_URL", &base)
            .env("INTAKE_RATE_LIMIT", "0")
            .env("RECEIPT_RATE_LIMIT", "0")
            .env("SCHEDULER_CRON", "off")
            .env("SITE_HOSTS", "news.example")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("takedown serve starts"),
    );
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server never came up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Some((server, base))
}

/// One small filing, so everything allocated once is in the baseline; then the
/// server's resident memory, in KiB.
async fn warm_up(client: &reqwest::Client, base: &str, pid: u32) -> u64 {
    let warm = client
        .post(format!("{base}/complaints"))
        .multipart(form(b"%PDF-1.4 warm-up".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(warm.status(), 303);
    status_kib(pid, "VmRSS:")
}

#[tokio::test]
async fn twenty_10_mb_uploads_at_once_keep_server_memory_bounded() {
    let db = TestDb::new().await;
    let Some((server, base)) = start(&db).await else {
        return;
    };
    let pid = server.0.id();
    let client = crate::common::filing::no_redirects();
    let baseline = warm_up(&client, &base, pid).await;

    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut x: u32 = 0x2545_f491;
    while pdf.len() < 10 << 20 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        pdf.extend_from_slice(&x.to_le_bytes());
    }
    pdf.truncate(10 << 20);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (client, url, body) = (client.clone(), format!("{base}/complaints"), pdf.clone());
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .multipart(form(body))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 303);
    }
    let peak = status_kib(pid, "VmHWM:");
    let grew_mib = peak.saturating_sub(baseline) / 1024;
    let _ = writeln!(
        std::io::stderr(),
        "upload memory: baseline {} MiB, peak {} MiB, grew {grew_mib} MiB for 200 MiB uploaded",
        baseline / 1024,
        peak / 1024
    );
    assert!(
        grew_mib < 100,
        "server memory grew {grew_mib} MiB while receiving 20 x 10 MB"
    );
    let stored = std::fs::read(
        db.data_dir()
            .join("evidence")
            .join(takedown_text::canonical::sha256_hex(&pdf)),
    )
    .unwrap();
    assert_eq!(stored.len(), pdf.len());
}

/// Sends `total` bytes of url-encoded form text but the last, then reads what the server
/// answered: its status line, or None when it closed without one.
async fn withheld_form(addr: String, total: usize, chunked: bool) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr.trim_start_matches("http://"))
        .await
        .unwrap();
    let length = if chunked {
        "Transfer-Encoding: chunked".to_string()
    } else {
        format!("Content-Length: {total}")
    };
    let head = format!(
        "POST /complaints?lang=zh HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n{length}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let mut piece = b"work.text=".to_vec();
    piece.resize(64 << 10, b'a');
    let mut sent = 0;
    while sent + piece.len() < total {
        let wrote = if chunked {
            let mut c = format!("{:x}\r\n", piece.len()).into_bytes();
            c.extend_from_slice(&piece);
            c.extend_from_slice(b"\r\n");
            s.write_all(&c).await
        } else {
            s.write_all(&piece).await
        };
        if wrote.is_err() {
            break;
        }
        sent += piece.len();
    }
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    answer.lines().next().map(str::to_string)
}

#[tokio::test]
async fn twenty_50_mb_text_forms_at_once_are_cut_off_at_1_mb() {
    let db = TestDb::new().await;
    let Some((server, base)) = start(&db).await else {
        return;
    };
    let pid = server.0.id();
    let client = crate::common::filing::no_redirects();
    let baseline = warm_up(&client, &base, pid).await;

    // Too much text is the form again, in its language, saying why: 413, answered from
    // the declared length before any of the body is read.
    let page = {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
            .await
            .unwrap();
        s.write_all(
            b"POST /complaints?lang=zh HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1200000\r\n\r\n",
        )
        .await
        .unwrap();
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).await.unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    };
    assert!(page.starts_with("HTTP/1.1 413"), "{page}");
    assert!(
        page.contains("<form") && page.contains("提交的内容过大"),
        "{page}"
    );
    // So are text parts of a multipart form past 1 MB in all, each under it.
    let mut parts = form(b"%PDF-1.4 small".to_vec());
    for i in 0..3 {
        parts = parts.text(format!("extra{i}"), "x".repeat(400 << 10));
    }
    let resp = client
        .post(format!("{base}/complaints"))
        .multipart(parts)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);

    let mut tasks = Vec::new();
    for i in 0..20 {
        tasks.push(tokio::spawn(withheld_form(
            base.clone(),
            50 << 20,
            i % 2 == 1,
        )));
    }
    for t in tasks {
        let status = t.await.unwrap();
        assert!(
            status.as_deref().is_none_or(|s| s.contains(" 413 ")),
            "{status:?}"
        );
    }
    let peak = status_kib(pid, "VmHWM:");
    let _ = writeln!(
        std::io::stderr(),
        "form text memory: baseline {} MiB, peak {} MiB for 20 x 50 MB sent",
        baseline / 1024,
        peak / 1024
    );
    assert!(
        peak / 1024 < 150,
        "server peaked at {} MiB while 20 clients sent 50 MB of text each",
        peak / 1024
    );
    assert_eq!(
        client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let conn = db.connect().await;
    let filed = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM complaints",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(filed, 1, "only the warm-up was filed");
}
