//! A pool of SMTP connections to the relay, on sockets with TCP_NODELAY.
//!
//! lettre writes a message's body and its closing dot as two writes; with Nagle's
//! algorithm on, the dot waits for the relay's delayed ACK (40 ms on Linux) on every
//! message, which caps one connection at about 25 emails/s. Connections are opened
//! here, on our own sockets, and driven by lettre's SMTP client. Every step has its own
//! timeout, so a relay that stops answering costs at most `timeout` per step.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::net::TcpStream;

/// How the connection to the relay is protected.
enum Security {
    /// Plain text, chosen explicitly with `tls=none`.
    None,
    /// STARTTLS, required (`smtp://`).
    StartTls(TlsParameters),
    /// TLS from the first byte (`smtps://`).
    Implicit(TlsParameters),
}

/// Why a send failed: the relay's refusal, or anything else (network, timeout).
#[derive(Debug)]
pub enum RelayError {
    /// A 5xx answer: sending the same message again will not help.
    Permanent(String),
    Temporary(String),
}

pub struct SmtpPool {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    timeout: Duration,
    hello: ClientId,
    idle: Mutex<Vec<AsyncSmtpConnection>>,
    max_idle: usize,
}

fn relay_error(e: lettre::transport::smtp::Error) -> RelayError {
    if e.is_permanent() {
        RelayError::Permanent(e.to_string())
    } else {
        RelayError::Temporary(e.to_string())
    }
}

impl SmtpPool {
    /// From a `MAIL_URL` already checked for its TLS choice: `smtp://` means STARTTLS
    /// required unless `plaintext`; `smtps://` means implicit TLS.
    pub fn new(
        url: &url::Url,
        plaintext: bool,
        timeout: Duration,
        max_idle: usize,
    ) -> anyhow::Result<Self> {
        let host = url
            .host_str()
            .ok_or_else(|| anyhow::anyhow!("MAIL_URL has no host"))?
            .trim_matches(['[', ']'])
            .to_string();
        let implicit = url.scheme() == "smtps";
        let port = url.port().unwrap_or(if implicit { 465 } else { 587 });
        let tls =
            || TlsParameters::new(host.clone()).map_err(|e| anyhow::anyhow!("MAIL_URL TLS: {e}"));
        let security = match (implicit, plaintext) {
            (true, _) => Security::Implicit(tls()?),
            (false, false) => Security::StartTls(tls()?),
            (false, true) => Security::None,
        };
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| anyhow::anyhow!("MAIL_URL credentials are not UTF-8"))
        };
        let credentials = match url.password() {
            Some(p) => Some(Credentials::new(decode(url.username())?, decode(p)?)),
            None => None,
        };
        Ok(Self {
            host,
            port,
            security,
            credentials,
            timeout,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
            max_idle,
        })
    }

    async fn step<T>(
        &self,
        what: &str,
        f: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
    ) -> Result<T, RelayError> {
        match tokio::time::timeout(self.timeout, f).await {
            Ok(r) => r.map_err(relay_error),
            Err(_) => Err(RelayError::Temporary(format!(
                "the mail relay did not answer {what} within {} s",
                self.timeout.as_secs()
            ))),
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, RelayError> {
        let mut conn = match &self.security {
            Security::Implicit(tls) => {
                self.step(
                    "the TLS connection",
                    AsyncSmtpConnection::connect_tokio1(
                        (self.host.as_str(), self.port),
                        Some(self.timeout),
                        &self.hello,
                        Some(tls.clone()),
                        None,
                    ),
                )
                .await?
            }
            _ => {
                let tcp = tokio::time::timeout(
                    self.timeout,
                    TcpStream::connect((self.host.as_str(), self.port)),
                )
                .await
                .map_err(|_| {
                    RelayError::Temporary("connecting to the mail relay timed out".into())
                })?
                .map_err(|e| RelayError::Temporary(format!("connecting to the mail relay: {e}")))?;
                let _ = tcp.set_nodelay(true);
                self.step(
                    "the greeting",
                    AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello),
                )
                .await?
            }
        };
        if let Security::StartTls(tls) = &self.security {
            if !conn.can_starttls() {
                conn.abort().await;
                return Err(RelayError::Temporary(
                    "the mail relay does not offer STARTTLS; set tls=none in MAIL_URL only if plain text is really meant".into(),
                ));
            }
            self.step("STARTTLS", conn.starttls(tls.clone(), &self.hello))
                .await?;
        }
        if let Some(c) = &self.credentials {
            self.step("AUTH", conn.auth(DEFAULT_MECHANISMS, c)).await?;
        }
        Ok(conn)
    }

    /// Opens a session as a send would (greeting, STARTTLS, AUTH) and closes it: the
    /// relay is there and accepts us.
    pub async fn check(&self) -> Result<(), RelayError> {
        let mut conn = self.connect().await?;
        let _ = self.step("QUIT", conn.quit()).await;
        Ok(())
    }

    fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop()
    }

    fn put_back(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle && !conn.has_broken() {
            idle.push(conn);
        }
    }

    /// Sends one message. A pooled connection the relay has since closed is replaced
    /// by a fresh one, once.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), RelayError> {
        if let Some(mut conn) = self.take_idle() {
            // MAIL, RCPT, DATA and the body: four answers to wait for.
            let sent = tokio::time::timeout(self.timeout * 4, conn.send(envelope, message)).await;
            match sent {
                Ok(Ok(_)) => {
                    self.put_back(conn);
                    return Ok(());
                }
                Ok(Err(e)) if e.is_permanent() => {
                    self.put_back(conn);
                    return Err(relay_error(e));
                }
                // A stale or broken connection: try once on a new one.
                _ => {}
            }
        }
        let mut conn = self.connect().await?;
        match tokio::time::timeout(self.timeout * 4, conn.send(envelope, message)).await {
            Ok(Ok(_)) => {
                self.put_back(conn);
                Ok(())
            }
            Ok(Err(e)) => {
                if e.is_permanent() {
                    self.put_back(conn);
                }
                Err(relay_error(e))
            }
            Err(_) => Err(RelayError::Temporary(format!(
                "the mail relay did not accept the message within {} s",
                (self.timeout * 4).as_secs()
            ))),
        }
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(s.get(i + 1..i + 3)?, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_percent_decoded() {
        assert_eq!(percent_decode("p%40ss%2Fw").as_deref(), Some("p@ss/w"));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert_eq!(percent_decode("%E7%8E%8B").as_deref(), Some("王"));
    }
}
