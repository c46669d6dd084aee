//! The LMTP listener (`LMTP_BIND`), as Postfix's `lmtp:` transport talks to it: every
//! message of the corpus arrives with the same outcome as through the pipe, each
//! recipient answered 250 only once it is stored, a message handed over again is a
//! duplicate, and with the database away the answer is 451, after which the MTA's
//! retry delivers it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::bounces::{bounce_for, corpus, receipt_of};
use crate::common::story::{CLAIMANT, Story};

/// An LMTP client, as an MTA is one.
pub(crate) struct Lmtp {
    r: BufReader<OwnedReadHalf>,
    w: OwnedWriteHalf,
}

impl Lmtp {
    pub(crate) async fn connect(addr: SocketAddr) -> Self {
        let (r, w) = TcpStream::connect(addr).await.unwrap().into_split();
        let mut c = Self {
            r: BufReader::new(r),
            w,
        };
        assert!(c.reply().await[0].starts_with("220 "));
        let hello = c.command("LHLO mx.news.example").await;
        assert!(hello.last().unwrap().starts_with("250 "), "{hello:?}");
        c
    }

    /// One reply: its lines, up to the one with a space after the code.
    async fn reply(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let mut l = String::new();
            self.r.read_line(&mut l).await.unwrap();
            assert!(!l.is_empty(), "the server closed the connection");
            let last = l.as_bytes().get(3) != Some(&b'-');
            lines.push(l.trim_end().to_string());
            if last {
                return lines;
            }
        }
    }

    async fn command(&mut self, line: &str) -> Vec<String> {
        self.w
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
        self.reply().await
    }

    /// Hands over `raw` for `rcpts`: one status line per recipient.
    pub(crate) async fn deliver(&mut self, from: &str, rcpts: &[&str], raw: &[u8]) -> Vec<String> {
        assert!(self.command(&format!("MAIL FROM:<{from}>")).await[0].starts_with("250"));
        for r in rcpts {
            assert!(self.command(&format!("RCPT TO:<{r}>")).await[0].starts_with("250"));
        }
        assert!(self.command("DATA").await[0].starts_with("354"));
        let text = String::from_utf8_lossy(raw);
        let mut data = Vec::with_capacity(raw.len() + 64);
        for line in text.split_inclusive('\n') {
            let line = line.trim_end_matches(['\r', '\n']);
            if line.starts_with('.') {
                data.push(b'.');
            }
            data.extend_from_slice(line.as_bytes());
            data.extend_from_slice(b"\r\n");
        }
        data.extend_from_slice(b".\r\n");
        self.w.write_all(&data).await.unwrap();
        let mut out = Vec::new();
        for _ in rcpts {
            out.push(self.reply().await.remove(0));
        }
        out
    }
}

async fn story() -> Story {
    Story::with(|c| {
        c.lmtp_bind = Some("127.0.0.1:0".parse().unwrap());
        c.mail_bounce_address =
            Some(takedown::domain::validate::EmailAddress::parse("bounces@news.example").unwrap());
        c.mail_authserv_id = Some("mx.news.example".into());
    })
    .await
}

async fn outcomes(s: &Story) -> Vec<String> {
    use sea_orm::{EntityTrait, QueryOrder};
    takedown::entities::inbound_message::Entity::find()
        .order_by_asc(takedown::entities::inbound_message::Column::Id)
        .all(&s.app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.outcome)
        .collect()
}

#[tokio::test]
async fn the_corpus_arrives_by_lmtp_as_it_does_by_pipe() {
    let s = story().await;
    for n in 1..=3 {
        s.article(n, json!({})).await;
    }
    let (id, _) = s.complaint(1, CLAIMANT, true).await;
    let receipt = receipt_of(&s, id).await;
    let reply = corpus("apple-mail-reply.eml")
        .replace("{{FROM}}", CLAIMANT)
        .replace("{{IN_REPLY_TO}}", &receipt.message_id)
        .replace("{{MESSAGE_ID}}", "lmtp-reply-1");
    let verp = format!("bounces+{}@news.example", receipt.id);
    let cases: Vec<(String, Vec<&str>, &str)> = vec![
        (
            corpus("foxmail-notice.eml"),
            vec!["copyright@news.example", "editor@news.example"],
            "new_complaint",
        ),
        (
            corpus("outlook-notice.eml"),
            vec!["copyright@news.example"],
            "new_complaint",
        ),
        (
            corpus("gmail-notice.eml"),
            vec!["copyright@news.example"],
            "new_complaint",
        ),
        (bounce_for(&receipt), vec![verp.as_str()], "bounce"),
        (
            corpus("qq-auto-reply.eml"),
            vec!["copyright@news.example"],
            "auto_reply",
        ),
        (
            corpus("malformed.eml"),
            vec!["copyright@news.example"],
            "rejected",
        ),
        (reply, vec!["copyright@news.example"], "reply"),
    ];
    let addr = s.app.lmtp.expect("LMTP_BIND is set");
    let mut mta = Lmtp::connect(addr).await;
    let mut expected = Vec::new();
    for (raw, rcpts, outcome) in &cases {
        let said = mta.deliver("", rcpts, raw.as_bytes()).await;
        assert_eq!(said.len(), rcpts.len());
        for line in &said {
            assert!(line.starts_with("250 2.0.0"), "{outcome}: {said:?}");
            assert!(line.ends_with(outcome), "{outcome}: {said:?}");
        }
        // Stored before the answer: the row is there as soon as it is read.
        expected.push(outcome.to_string());
        assert_eq!(outcomes(&s).await, expected);
    }
    assert_eq!(s.app.count("complaints WHERE channel = 'email'").await, 3);
    assert!(
        receipt_of(&s, id).await.bounced_at.is_some(),
        "by its VERP recipient"
    );
    let gmail = s
        .app
        .count("complaints WHERE confirmed_by LIKE 'dmarc:mx.news.example%'")
        .await;
    assert_eq!(gmail, 1);

    // The MTA hands the Foxmail notice over again: stored, as a duplicate.
    let said = mta
        .deliver(
            "",
            &["copyright@news.example"],
            corpus("foxmail-notice.eml").as_bytes(),
        )
        .await;
    assert_eq!(said, ["250 2.0.0 stored: duplicate"]);
    assert_eq!(s.app.count("complaints WHERE channel = 'email'").await, 3);
    // 30 MB, over MAIL_MAX_BYTES: spooled, kept whole, left for a person.
    let mut big = String::from(
        "From: big@harbour.example\r\nSubject: Scans\r\nMessage-ID: <big-lmtp@harbour.example>\r\n\r\nSee https://news.example/2022/08/24/article-1.html\r\n",
    );
    while big.len() < 30 << 20 {
        big.push_str(
            ".QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n",
        );
    }
    let said = mta
        .deliver("", &["copyright@news.example"], big.as_bytes())
        .await;
    assert_eq!(said, ["250 2.0.0 stored: rejected"]);
    let sha = takedown_text::canonical::sha256_hex(big.as_bytes());
    let kept = takedown::services::inbound::kept_path(&s.app.test_db.data_dir(), &sha);
    assert_eq!(
        std::fs::metadata(kept).unwrap().len(),
        big.len() as u64,
        "kept whole, its dots unstuffed"
    );
    assert_eq!(s.app.count("complaints WHERE channel = 'email'").await, 3);
    assert_eq!(mta.command("QUIT").await[0], "221 2.0.0 bye");
    s.audit_verifies();
}

/// The database goes away: the MTA is told 451 and keeps the message; once it is back,
/// the MTA's retry stores it, once.
#[tokio::test]
async fn with_the_database_away_lmtp_answers_451_and_the_retry_arrives() {
    use crate::common::proxy::Proxy;
    use crate::common::{TestApp, TestDb};
    let test_db = Arc::new(TestDb::new().await);
    if !test_db.is_postgres() {
        crate::common::skipped("the LMTP outage test needs TEST_DATABASE_URL (PostgreSQL)");
        return;
    }
    let (proxy, proxied) = Proxy::in_front_of(&test_db.url).await;
    let app = TestApp::spawn_on(test_db.clone(), move |c| {
        c.database_url = proxied;
        c.db_acquire_timeout = Duration::from_secs(2);
        c.lmtp_bind = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    assert_eq!(
        app.post_article(&crate::common::article(1, "正文。"))
            .await
            .status(),
        201
    );
    let raw = corpus("foxmail-notice.eml");

    proxy.stop();
    let mut mta = Lmtp::connect(app.lmtp.unwrap()).await;
    let said = mta
        .deliver("", &["copyright@news.example"], raw.as_bytes())
        .await;
    assert_eq!(said.len(), 1);
    assert!(said[0].starts_with("451 4.3.0"), "{said:?}");

    proxy.resume();
    let said = mta
        .deliver("", &["copyright@news.example"], raw.as_bytes())
        .await;
    assert_eq!(said, ["250 2.0.0 stored: new_complaint"]);
    assert_eq!(app.count("complaints WHERE channel = 'email'").await, 1);
    app.stop().await;
}
