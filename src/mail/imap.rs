//! Reading a hosted mailbox over IMAP (RFC 3501), for sites whose notices arrive at
//! Tencent Exmail, Alibaba Mail or Gmail: new messages by UID, each fetched without
//! marking it, then marked (`\Seen` and `$TakedownStored`, or moved to a folder) only
//! once the caller has stored it.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::TryStreamExt;
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use crate::config::ImapConfig;

/// The keyword a stored message is flagged with, beside `\Seen`.
pub const STORED_KEYWORD: &str = "$TakedownStored";

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("connecting to {0}: {1}")]
    Connect(String, std::io::Error),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("IMAP: {0}")]
    Protocol(#[from] async_imap::error::Error),
    #[error("signing in: {0}")]
    Login(async_imap::error::Error),
    #[error("no answer from the IMAP server within {0} s")]
    Timeout(u64),
    #[error("the server gave no UIDVALIDITY for the mailbox")]
    NoUidValidity,
}

/// A connection, in clear (to this machine only) or over TLS.
pub enum Conn {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Plain(_) => "Conn::Plain",
            Self::Tls(_) => "Conn::Tls",
        })
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// One message as fetched.
pub struct Fetched {
    pub uid: u32,
    /// When the server received it (`INTERNALDATE`).
    pub internal_date: Option<OffsetDateTime>,
    pub raw: Vec<u8>,
}

/// A selected mailbox.
pub struct Mailbox {
    session: async_imap::Session<Conn>,
    pub uid_validity: u32,
    done_folder: Option<String>,
    timeout: Duration,
}

async fn within<T, E: Into<ImapError>>(
    limit: Duration,
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, ImapError> {
    tokio::time::timeout(limit, f)
        .await
        .map_err(|_| ImapError::Timeout(limit.as_secs()))?
        .map_err(Into::into)
}

fn tls_config(cfg: &ImapConfig) -> Result<ClientConfig, ImapError> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = &cfg.ca_file {
        use tokio_rustls::rustls::pki_types::CertificateDer;
        use tokio_rustls::rustls::pki_types::pem::PemObject;
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| ImapError::Tls(format!("IMAP_CA_FILE {}: {e}", path.display())))?;
        for c in certs {
            let c = c.map_err(|e| ImapError::Tls(format!("IMAP_CA_FILE: {e}")))?;
            roots
                .add(c)
                .map_err(|e| ImapError::Tls(format!("IMAP_CA_FILE: {e}")))?;
        }
    }
    Ok(ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Connects, signs in and selects the configured mailbox.
pub async fn open(cfg: &ImapConfig, timeout: Duration) -> Result<Mailbox, ImapError> {
    let addr = format!("{}:{}", cfg.host, cfg.port);
    let tcp = tokio::time::timeout(timeout, TcpStream::connect(&addr))
        .await
        .map_err(|_| ImapError::Timeout(timeout.as_secs()))?
        .map_err(|e| ImapError::Connect(addr.clone(), e))?;
    let conn = if cfg.tls {
        let name = ServerName::try_from(cfg.host.clone())
            .map_err(|e| ImapError::Tls(format!("{}: {e}", cfg.host)))?;
        let tls = TlsConnector::from(Arc::new(tls_config(cfg)?));
        let stream = tokio::time::timeout(timeout, tls.connect(name, tcp))
            .await
            .map_err(|_| ImapError::Timeout(timeout.as_secs()))?
            .map_err(|e| ImapError::Tls(e.to_string()))?;
        Conn::Tls(Box::new(stream))
    } else {
        Conn::Plain(tcp)
    };
    let mut client = async_imap::Client::new(conn);
    tokio::time::timeout(timeout, client.read_response())
        .await
        .map_err(|_| ImapError::Timeout(timeout.as_secs()))?
        .map_err(|e| ImapError::Connect(addr.clone(), e))?;
    let mut session = tokio::time::timeout(timeout, client.login(&cfg.user, &cfg.password))
        .await
        .map_err(|_| ImapError::Timeout(timeout.as_secs()))?
        .map_err(|(e, _)| ImapError::Login(e))?;
    let selected = within(timeout, session.select(&cfg.mailbox)).await?;
    Ok(Mailbox {
        uid_validity: selected.uid_validity.ok_or(ImapError::NoUidValidity)?,
        session,
        done_folder: cfg.done_folder.clone(),
        timeout,
    })
}

impl Mailbox {
    /// The UIDs above `last_uid`, oldest first, at most `max`.
    pub async fn new_since(&mut self, last_uid: u32, max: usize) -> Result<Vec<u32>, ImapError> {
        let query = format!("UID {}:*", last_uid.saturating_add(1));
        let found = within(self.timeout, self.session.uid_search(query)).await?;
        // `n:*` names the last message even when its UID is below n.
        let mut uids: Vec<u32> = found.into_iter().filter(|u| *u > last_uid).collect();
        uids.sort_unstable();
        uids.truncate(max);
        Ok(uids)
    }

    /// Message `uid`, without marking it read.
    pub async fn fetch(&mut self, uid: u32) -> Result<Option<Fetched>, ImapError> {
        let limit = self.timeout;
        let fetches: Vec<_> = within(limit, async {
            self.session
                .uid_fetch(uid.to_string(), "(UID INTERNALDATE BODY.PEEK[])")
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await?;
        Ok(fetches
            .into_iter()
            .find(|f| f.uid == Some(uid))
            .and_then(|f| {
                let raw = f.body()?.to_vec();
                let internal_date = f
                    .internal_date()
                    .and_then(|d| OffsetDateTime::from_unix_timestamp(d.timestamp()).ok());
                Some(Fetched {
                    uid,
                    internal_date,
                    raw,
                })
            }))
    }

    /// Marks message `uid` as stored: moved to the done folder, or flagged where it is.
    pub async fn done(&mut self, uid: u32) -> Result<(), ImapError> {
        let limit = self.timeout;
        within(limit, async {
            self.session
                .uid_store(uid.to_string(), format!("+FLAGS (\\Seen {STORED_KEYWORD})"))
                .await?
                .try_collect::<Vec<_>>()
                .await
        })
        .await?;
        if let Some(folder) = self.done_folder.clone() {
            within(limit, self.session.uid_mv(uid.to_string(), folder)).await?;
        }
        Ok(())
    }

    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(self.timeout, self.session.logout()).await;
    }
}
