//! A TCP proxy in front of a real server that a test can stop and start: stopped, it
//! cuts every open connection and closes each new one at once, as a server that has
//! gone away would.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Clone)]
pub struct Proxy {
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    /// Bumped on every stop, so open connections end.
    generation: watch::Sender<u64>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let (generation, _) = watch::channel(0u64);
        let proxy = Self {
            addr: listener.local_addr().expect("addr"),
            up: Arc::new(AtomicBool::new(true)),
            generation,
        };
        let p = proxy.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !p.up.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cut = p.generation.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let mut client = client;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        proxy
    }

    /// A proxy in front of the PostgreSQL server `database_url` names, and the same URL
    /// through the proxy.
    pub async fn in_front_of(database_url: &str) -> (Self, String) {
        let mut url = url::Url::parse(database_url).unwrap();
        let upstream = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
        let addr = tokio::net::lookup_host(upstream)
            .await
            .unwrap()
            .next()
            .unwrap();
        let proxy = Self::start(addr).await;
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(proxy.addr.port())).unwrap();
        (proxy, url.to_string())
    }

    /// The server goes away: open connections are cut, new ones closed at once.
    pub fn stop(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    /// The server is back.
    pub fn resume(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}
