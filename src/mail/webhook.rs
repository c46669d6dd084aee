//! Delivering CMS webhooks from the outbox: one POST of the stored JSON, signed with
//! HMAC-SHA256 under `WEBHOOK_SECRET` of `{t}.{body}` in
//! `X-Takedown-Signature: t=<unix seconds>,v1=<hex>` (Stripe's scheme: the timestamp is
//! signed with the body, so a captured request cannot be replayed later). A 2xx
//! answer delivers it; 408, 429, 5xx and network errors retry; other answers are
//! refused for good and kept for an admin, like a refused email.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hmac::{KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use super::delivery::SendError;
use crate::entities::outbox;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// `t=<t>,v1=<hex>`: the HMAC of `{t}.{body}` under `secret`, which the receiver
/// recomputes (and refuses when `t` is more than a few minutes old).
pub fn signature(secret: &[u8], t: i64, body: &[u8]) -> String {
    let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

pub struct WebhookSender {
    secret: Option<Vec<u8>>,
    timeout: Duration,
    tls: TlsConnector,
    /// Whether a status callback may reach a loopback or private address (a test
    /// machine, an intranet); by default only public addresses are called.
    callbacks_to_private: bool,
}

/// Whether `ip` is an address on the public internet: not loopback, private,
/// link-local, shared, documentation, multicast or unspecified.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

impl WebhookSender {
    pub fn new(secret: Option<&str>, timeout: Duration, callbacks_to_private: bool) -> Self {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let config = ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        Self {
            secret: secret.map(|s| s.as_bytes().to_vec()),
            timeout,
            tls: TlsConnector::from(Arc::new(config)),
            callbacks_to_private,
        }
    }

    /// POSTs a CMS webhook row's JSON to its URL, signed under `WEBHOOK_SECRET`.
    pub async fn post(&self, row: &outbox::Model) -> Result<(), SendError> {
        let Some(secret) = &self.secret else {
            // Kept and retried: a row owed is never dropped for want of configuration.
            return Err(SendError::Temporary(
                "WEBHOOK_SECRET is not set; the webhook waits until it is".into(),
            ));
        };
        self.post_signed(row, secret, None).await
    }

    /// POSTs a status callback row to the submitter's URL, signed under the secret it
    /// gave. The URL was the submitter's to choose, so it is called only at a public
    /// address (unless `CALLBACK_ALLOW_PRIVATE`), checked where it is connected to.
    pub async fn post_callback(&self, row: &outbox::Model, secret: &[u8]) -> Result<(), SendError> {
        let private = self.callbacks_to_private;
        self.post_signed(row, secret, Some(private)).await
    }

    /// POSTs the row's JSON to its URL, within the timeout. `callback` holds whether a
    /// private address may be called, for a URL a submitter chose.
    async fn post_signed(
        &self,
        row: &outbox::Model,
        secret: &[u8],
        callback: Option<bool>,
    ) -> Result<(), SendError> {
        let url = url::Url::parse(&row.recipient)
            .map_err(|e| SendError::Permanent(format!("webhook URL: {e}")))?;
        let host = url
            .host_str()
            .ok_or_else(|| SendError::Permanent("webhook URL has no host".into()))?
            .to_string();
        let port = url.port_or_known_default().unwrap_or(80);
        // Signed at each attempt: a retry carries its own time.
        let t = time::OffsetDateTime::now_utc().unix_timestamp();
        let sig = signature(secret, t, row.body_text.as_bytes());
        let mut path = url.path().to_string();
        if let Some(q) = url.query() {
            path = format!("{path}?{q}");
        }
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        let req = Request::post(path)
            .header("host", authority)
            .header("content-type", "application/json")
            .header("user-agent", "takedown")
            .header("x-takedown-event", row.subject.as_str())
            .header("x-takedown-delivery", row.message_id.as_str())
            .header("x-takedown-signature", sig)
            .body(Full::new(Bytes::from(row.body_text.clone())))
            .map_err(|e| SendError::Permanent(format!("building request: {e}")))?;
        let exchange = async {
            let mut addrs: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), port))
                    .await
                    .map_err(|e| SendError::Temporary(format!("resolving {host}: {e}")))?
                    .collect();
            if callback == Some(false) {
                addrs.retain(|a| is_public(a.ip()));
                if addrs.is_empty() {
                    return Err(SendError::Permanent(format!(
                        "{host} is not at a public address; callbacks go only to the internet (CALLBACK_ALLOW_PRIVATE)"
                    )));
                }
            }
            let tcp = TcpStream::connect(&addrs[..])
                .await
                .map_err(|e| SendError::Temporary(format!("connecting to {host}:{port}: {e}")))?;
            let _ = tcp.set_nodelay(true);
            if url.scheme() == "https" {
                let name = ServerName::try_from(host.clone())
                    .map_err(|e| SendError::Permanent(format!("webhook host: {e}")))?;
                let tls = self
                    .tls
                    .connect(name, tcp)
                    .await
                    .map_err(|e| SendError::Temporary(format!("TLS with {host}: {e}")))?;
                send(tls, req).await
            } else {
                send(tcp, req).await
            }
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(SendError::Temporary(format!(
                    "no answer from the webhook within {} s",
                    self.timeout.as_secs()
                )))
            })
    }
}

async fn send<S>(io: S, req: Request<Full<Bytes>>) -> Result<(), SendError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| SendError::Temporary(format!("HTTP handshake: {e}")))?;
    tokio::spawn(conn);
    let res = sender
        .send_request(req)
        .await
        .map_err(|e| SendError::Temporary(format!("sending webhook: {e}")))?;
    let status = res.status();
    // Read the answer so the receiver sees a clean exchange; its content is not used.
    let _ = res.into_body().collect().await;
    match status.as_u16() {
        200..=299 => Ok(()),
        408 | 429 | 500..=599 => Err(SendError::Temporary(format!("webhook answered {status}"))),
        _ => Err(SendError::Permanent(format!("webhook answered {status}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_the_time_and_the_body() {
        // RFC 4231 test case 2, its message split as `{t}.{body}`.
        let sig = signature(b"Jefe", 1, b"what do ya want for nothing?");
        assert!(sig.starts_with("t=1,v1="), "{sig}");
        let mut mac = HmacSha256::new_from_slice(b"Jefe").unwrap();
        mac.update(b"1.what do ya want for nothing?");
        assert_eq!(
            sig,
            format!("t=1,v1={}", hex::encode(mac.finalize().into_bytes()))
        );
        assert_ne!(sig, signature(b"Jefe", 2, b"what do ya want for nothing?"));
    }
}
