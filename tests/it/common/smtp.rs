//! A real SMTP server on a socket, for tests: accepts, defers (4xx) or refuses (5xx)
//! on command, and keeps every message it accepted.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// 451 on MAIL FROM: try again later.
    Defer,
    /// 550 on RCPT TO: this will never work.
    Reject,
    /// Accepts the connection and never says a word.
    Hang,
    /// Answers everything, each reply after this long.
    Slow(std::time::Duration),
}

#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    /// An unfolded header's value.
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        let mut lines = self.data.split("\r\n").peekable();
        while let Some(line) = lines.next() {
            if line.is_empty() {
                return None;
            }
            if line.to_ascii_lowercase().starts_with(&prefix) {
                let mut v = line[prefix.len()..].trim().to_string();
                while let Some(next) = lines.peek() {
                    if next.starts_with(' ') || next.starts_with('\t') {
                        v.push(' ');
                        v.push_str(next.trim());
                        lines.next();
                    } else {
                        break;
                    }
                }
                return Some(v);
            }
        }
        None
    }

    pub fn message_id(&self) -> String {
        self.header("Message-ID").unwrap_or_default()
    }

    /// Every text part of the message, decoded from its transfer encoding (7bit,
    /// quoted-printable or base64), one after another: what the recipient reads.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut rest = self.data.as_str();
        // Each part (or the whole message) is headers, a blank line, then a body that
        // runs to the next boundary line ("--…").
        while let Some(i) = rest.find("\r\n\r\n") {
            let (headers, tail) = (&rest[..i], &rest[i + 4..]);
            let end = tail.find("\r\n--").unwrap_or(tail.len());
            let body = &tail[..end];
            let cte = headers
                .split("\r\n")
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-transfer-encoding:")
                        .map(|v| v.trim().to_string())
                })
                .unwrap_or_default();
            if headers.to_ascii_lowercase().contains("content-type: text/") {
                let bytes = match cte.as_str() {
                    "base64" => base64(body),
                    "quoted-printable" => quoted_printable(body),
                    _ => body.as_bytes().to_vec(),
                };
                out.push_str(&String::from_utf8_lossy(&bytes));
                out.push('\n');
            }
            rest = &tail[end..];
            // Past the boundary line to the next part's headers.
            match rest.strip_prefix("\r\n").and_then(|r| r.find("\r\n")) {
                Some(j) => rest = &rest[2 + j + 2..],
                None => break,
            }
        }
        out
    }
}

fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for v in text.bytes().filter_map(value) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn quoted_printable(text: &str) -> Vec<u8> {
    let b = text.replace("=\r\n", "").into_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[derive(Clone)]
pub struct SmtpServer {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<Mode>>,
    connections: Arc<std::sync::atomic::AtomicUsize>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let server = Self {
            addr: listener.local_addr().expect("addr"),
            received: Arc::default(),
            mode: Arc::new(Mutex::new(Mode::Accept)),
            connections: Arc::default(),
        };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(sock).await;
                });
            }
        });
        server
    }

    /// This server offers no STARTTLS, so tests say `tls=none` explicitly.
    pub fn url(&self) -> String {
        format!("smtp://{}?tls=none", self.addr)
    }

    /// The URL as an operator would first write it: STARTTLS required.
    pub fn url_requiring_tls(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn to(&self, rcpt: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.to.iter().any(|t| t == rcpt))
            .collect()
    }

    fn mode(&self) -> Mode {
        *self.mode.lock().unwrap()
    }

    async fn pause(&self) {
        if let Mode::Slow(d) = self.mode() {
            tokio::time::sleep(d).await;
        }
    }

    async fn session(&self, sock: tokio::net::TcpStream) -> std::io::Result<()> {
        self.connections
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        if self.mode() == Mode::Hang {
            // Read and drop whatever comes until the client gives up.
            let mut sink = Vec::new();
            let _ = tokio::io::AsyncReadExt::read_to_end(&mut r, &mut sink).await;
            return Ok(());
        }
        self.pause().await;
        w.write_all(b"220 test.localhost ESMTP\r\n").await?;
        let mut to = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_string();
            let upper = cmd.to_ascii_uppercase();
            let mode = self.mode();
            self.pause().await;
            let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                b"250-test.localhost\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("MAIL FROM") {
                to.clear();
                if mode == Mode::Defer {
                    b"451 4.3.0 try again later\r\n"
                } else {
                    b"250 2.1.0 ok\r\n"
                }
            } else if upper.starts_with("RCPT TO") {
                if mode == Mode::Reject {
                    b"550 5.1.1 no such mailbox\r\n"
                } else {
                    let addr = cmd[8..]
                        .trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>');
                    to.push(addr.to_string());
                    b"250 2.1.5 ok\r\n"
                }
            } else if upper == "DATA" {
                w.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                self.pause().await;
                self.received.lock().unwrap().push(Received {
                    to: std::mem::take(&mut to),
                    data,
                });
                b"250 2.0.0 queued\r\n"
            } else if upper == "QUIT" {
                w.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else if upper == "RSET" || upper == "NOOP" {
                b"250 ok\r\n"
            } else {
                b"502 command not implemented\r\n"
            };
            w.write_all(reply).await?;
        }
    }
}
