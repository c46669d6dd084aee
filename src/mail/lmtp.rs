//! An LMTP listener (RFC 2033), for an MTA's `lmtp:` delivery (Postfix
//! `mailbox_transport`/`transport_maps`, Dovecot's `lmtp` proxy). Each recipient is
//! answered after the message is stored and its transaction committed: 250 then, 451
//! when it could not be (the MTA keeps the message and tries again). One message is
//! stored once, whatever the number of recipients.
//!
//! Only the protocol lives here; what is done with a message is the `Handler`'s.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// The longest command line taken (RFC 5321 allows 512; parameters make it longer).
const MAX_LINE: usize = 4096;
/// How long a client may be silent before the session ends.
const IDLE: Duration = Duration::from_secs(300);

/// A message as the MTA handed it over.
pub struct Incoming {
    /// The envelope recipients (`RCPT TO`), as given.
    pub recipients: Vec<String>,
    /// The message, when it fits in `max_bytes`.
    pub raw: Vec<u8>,
    /// Larger than `max_bytes`: the whole message spooled to this file instead, for
    /// the handler to keep (and then remove).
    pub spooled: Option<PathBuf>,
}

/// What became of a message: stored (with a line for the log), or not stored now.
pub enum Delivered {
    Stored(String),
    TempFail(String),
}

pub type Handler = Arc<dyn Fn(Incoming) -> BoxFuture<'static, Delivered> + Send + Sync>;

/// What a session needs to know.
#[derive(Clone)]
pub struct Settings {
    /// This host's name in the greeting.
    pub host: String,
    /// Above this a message is spooled to disk, never held whole in memory.
    pub max_bytes: usize,
    /// Where large messages are spooled.
    pub spool_dir: PathBuf,
}

/// Accepts LMTP sessions on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    settings: Settings,
    handler: Handler,
    shutdown: impl std::future::Future<Output = ()> + Send,
) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let (settings, handler) = (settings.clone(), handler.clone());
                    tokio::spawn(async move {
                        let (r, w) = stream.into_split();
                        if let Err(e) = session(r, w, &settings, &handler).await {
                            tracing::debug!(%peer, error = %e, "LMTP session ended");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accepting an LMTP connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
}

/// Reads one line (without its CRLF), or None at the end of the stream.
async fn line<R: AsyncRead + Unpin>(r: &mut BufReader<R>) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    let n = tokio::time::timeout(
        IDLE,
        (&mut *r)
            .take(MAX_LINE as u64 + 2)
            .read_until(b'\n', &mut buf),
    )
    .await
    .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "idle"))??;
    if n == 0 {
        return Ok(None);
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(Some(buf))
}

/// The address inside `FROM:<…>` or `TO:<…>`, and whatever parameters follow.
fn path_of(arg: &str) -> Option<String> {
    let open = arg.find('<')?;
    let close = arg[open..].find('>')? + open;
    Some(arg[open + 1..close].trim().to_string())
}

/// One LMTP session, until QUIT or the end of the stream.
pub async fn session<R, W>(
    r: R,
    mut w: W,
    settings: &Settings,
    handler: &Handler,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut r = BufReader::new(r);
    let say = |text: String| text.into_bytes();
    w.write_all(&say(format!(
        "220 {} LMTP takedown ready\r\n",
        settings.host
    )))
    .await?;
    let mut greeted = false;
    let mut from: Option<String> = None;
    let mut rcpts: Vec<String> = Vec::new();
    while let Some(raw) = line(&mut r).await? {
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (verb, arg) = text.split_once(' ').unwrap_or((text.as_str(), ""));
        let reply = match verb.to_ascii_uppercase().as_str() {
            "LHLO" if arg.trim().is_empty() => "501 5.5.4 LHLO needs a host name\r\n".to_string(),
            "LHLO" => {
                greeted = true;
                (from, rcpts) = (None, Vec::new());
                format!(
                    "250-{}\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n",
                    settings.host
                )
            }
            "HELO" | "EHLO" => "500 5.5.1 this is LMTP: say LHLO\r\n".into(),
            _ if !greeted
                && !matches!(verb.to_ascii_uppercase().as_str(), "QUIT" | "NOOP" | "RSET") =>
            {
                "503 5.5.1 say LHLO first\r\n".into()
            }
            "MAIL" => match arg
                .to_ascii_uppercase()
                .starts_with("FROM:")
                .then(|| path_of(arg))
                .flatten()
            {
                _ if from.is_some() => "503 5.5.1 one sender at a time\r\n".into(),
                Some(f) => {
                    from = Some(f);
                    "250 2.1.0 sender ok\r\n".into()
                }
                None => "501 5.5.4 say MAIL FROM:<address>\r\n".into(),
            },
            "RCPT" => match arg
                .to_ascii_uppercase()
                .starts_with("TO:")
                .then(|| path_of(arg))
                .flatten()
            {
                _ if from.is_none() => "503 5.5.1 MAIL first\r\n".into(),
                Some(t) if !t.is_empty() => {
                    rcpts.push(t);
                    "250 2.1.5 recipient ok\r\n".into()
                }
                _ => "501 5.5.4 say RCPT TO:<address>\r\n".into(),
            },
            "DATA" if rcpts.is_empty() => "503 5.5.1 no valid recipients\r\n".into(),
            "DATA" => {
                w.write_all(b"354 end data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let incoming = data(&mut r, settings, std::mem::take(&mut rcpts)).await?;
                from = None;
                let n = incoming.recipients.len();
                let answer = match handler(incoming).await {
                    Delivered::Stored(what) => format!("250 2.0.0 stored: {what}\r\n"),
                    Delivered::TempFail(why) => {
                        tracing::warn!(reason = %why, "LMTP delivery deferred");
                        "451 4.3.0 not stored now; try again later\r\n".to_string()
                    }
                };
                // One answer per recipient, each the same: the message is stored once.
                answer.repeat(n)
            }
            "RSET" => {
                (from, rcpts) = (None, Vec::new());
                "250 2.0.0 ok\r\n".into()
            }
            "NOOP" => "250 2.0.0 ok\r\n".into(),
            "QUIT" => {
                w.write_all(b"221 2.0.0 bye\r\n").await?;
                return w.flush().await;
            }
            "VRFY" => "252 2.5.0 cannot verify\r\n".into(),
            _ => "500 5.5.2 command not recognised\r\n".into(),
        };
        w.write_all(reply.as_bytes()).await?;
        w.flush().await?;
    }
    Ok(())
}

/// Reads a message up to the line holding one dot, undoing dot-stuffing. Past
/// `max_bytes` it is written to a spool file instead of memory.
async fn data<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
    settings: &Settings,
    recipients: Vec<String>,
) -> std::io::Result<Incoming> {
    let mut raw: Vec<u8> = Vec::new();
    let mut spool: Option<(PathBuf, tokio::io::BufWriter<tokio::fs::File>)> = None;
    loop {
        let mut buf = Vec::new();
        let n = tokio::time::timeout(IDLE, r.read_until(b'\n', &mut buf))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "idle in DATA"))??;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the client left in DATA",
            ));
        }
        if buf == b".\r\n" || buf == b".\n" {
            break;
        }
        let bytes = if buf.starts_with(b"..") {
            &buf[1..]
        } else {
            &buf[..]
        };
        match &mut spool {
            Some((_, f)) => f.write_all(bytes).await?,
            None if raw.len() + bytes.len() > settings.max_bytes => {
                tokio::fs::create_dir_all(&settings.spool_dir).await?;
                let path = settings
                    .spool_dir
                    .join(format!(".lmtp-{}.tmp", uuid::Uuid::new_v4().simple()));
                let mut f = tokio::io::BufWriter::new(tokio::fs::File::create(&path).await?);
                f.write_all(&raw).await?;
                f.write_all(bytes).await?;
                raw = Vec::new();
                spool = Some((path, f));
            }
            None => raw.extend_from_slice(bytes),
        }
    }
    let spooled = match spool {
        Some((path, mut f)) => {
            f.flush().await?;
            Some(path)
        }
        None => None,
    };
    Ok(Incoming {
        recipients,
        raw,
        spooled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn settings(dir: &std::path::Path) -> Settings {
        Settings {
            host: "takedown.test".into(),
            max_bytes: 64,
            spool_dir: dir.to_path_buf(),
        }
    }

    /// What the handler was given: the recipients, the bytes, and whether spooled.
    type Got = Vec<(Vec<String>, Vec<u8>, bool)>;

    /// Runs a session over `script` and returns what the server said and what it got.
    async fn run(script: &str, answer: fn() -> Delivered) -> (String, Got) {
        let dir = tempfile::tempdir().unwrap();
        let got: Arc<Mutex<Got>> = Arc::default();
        let seen = got.clone();
        let handler: Handler = Arc::new(move |m: Incoming| {
            let raw = match &m.spooled {
                Some(p) => std::fs::read(p).unwrap(),
                None => m.raw.clone(),
            };
            seen.lock()
                .unwrap()
                .push((m.recipients, raw, m.spooled.is_some()));
            Box::pin(async move { answer() })
        });
        let mut out = Vec::new();
        session(script.as_bytes(), &mut out, &settings(dir.path()), &handler)
            .await
            .unwrap();
        let got = got.lock().unwrap().clone();
        (String::from_utf8(out).unwrap(), got)
    }

    #[tokio::test]
    async fn each_recipient_is_answered_after_the_message_is_stored() {
        let script = "LHLO mx.test\r\nMAIL FROM:<a@b.example> BODY=8BITMIME\r\nRCPT TO:<copyright@news.example>\r\nRCPT TO:<bounces+7@news.example>\r\nDATA\r\nSubject: x\r\n\r\n..leading dot\r\nend\r\n.\r\nQUIT\r\n";
        let (said, got) = run(script, || Delivered::Stored("new_complaint".into())).await;
        assert!(said.starts_with("220 takedown.test"), "{said}");
        assert!(said.contains("250-PIPELINING"));
        assert_eq!(
            said.matches("250 2.0.0 stored: new_complaint").count(),
            2,
            "{said}"
        );
        assert!(said.ends_with("221 2.0.0 bye\r\n"));
        assert_eq!(got.len(), 1, "stored once for both recipients");
        assert_eq!(
            got[0].0,
            ["copyright@news.example", "bounces+7@news.example"]
        );
        assert_eq!(
            got[0].1, b"Subject: x\r\n\r\n.leading dot\r\nend\r\n",
            "dots unstuffed"
        );
    }

    #[tokio::test]
    async fn a_failure_is_451_and_order_is_enforced() {
        let script = "MAIL FROM:<a@b.example>\r\nEHLO x\r\nLHLO x\r\nRCPT TO:<c@d.example>\r\nDATA\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n";
        let (said, got) = run(script, || Delivered::TempFail("database away".into())).await;
        let codes: Vec<&str> = said.lines().map(|l| &l[..3]).collect();
        assert_eq!(
            codes,
            [
                "220", "503", "500", "250", "250", "250", "250", "503", "503", "250", "250", "354",
                "451", "221"
            ],
            "{said}"
        );
        assert_eq!(got.len(), 1);
    }

    #[tokio::test]
    async fn a_message_over_the_limit_is_spooled_whole() {
        let body = "x".repeat(200);
        let script = format!(
            "LHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nSubject: big\r\n\r\n{body}\r\n.\r\nQUIT\r\n"
        );
        let (said, got) = run(&script, || Delivered::Stored("rejected".into())).await;
        assert!(said.contains("250 2.0.0 stored"), "{said}");
        assert!(got[0].2, "spooled");
        assert_eq!(
            got[0].1,
            format!("Subject: big\r\n\r\n{body}\r\n").into_bytes()
        );
    }
}
