//! A CMS that receives webhooks over a real socket: records each request's headers and
//! body, and answers with the status it is told to.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub signature: String,
    pub event: String,
    pub delivery: String,
    pub body: String,
}

pub struct Cms {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
}

impl Cms {
    pub async fn start() -> Self {
        Self::serve(TcpListener::bind("127.0.0.1:0").await.unwrap())
    }

    /// On a port of at most four digits, as URLs in the API's contract have.
    pub async fn start_on_short_port() -> Self {
        let first = 2000 + (std::process::id() % 7000) as u16;
        for port in (first..10_000).chain(2000..first) {
            if let Ok(l) = TcpListener::bind(("127.0.0.1", port)).await {
                return Self::serve(l);
            }
        }
        panic!("no free port under 10000");
    }

    fn serve(listener: TcpListener) -> Self {
        let url = format!("http://{}/hooks/takedown", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let status = Arc::new(AtomicU16::new(200));
        let (r, s) = (received.clone(), status.clone());
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let (r, s) = (r.clone(), s.clone());
                tokio::spawn(async move {
                    let svc = service_fn(move |req: Request<Incoming>| {
                        let (r, s) = (r.clone(), s.clone());
                        async move {
                            let h = |n: &str| {
                                req.headers()
                                    .get(n)
                                    .and_then(|v| v.to_str().ok())
                                    .unwrap_or_default()
                                    .to_string()
                            };
                            let rec = Received {
                                path: req.uri().path().to_string(),
                                signature: h("x-takedown-signature"),
                                event: h("x-takedown-event"),
                                delivery: h("x-takedown-delivery"),
                                body: String::new(),
                            };
                            let body = req.into_body().collect().await.map(|b| b.to_bytes());
                            let body =
                                String::from_utf8_lossy(&body.unwrap_or_default()).into_owned();
                            r.lock().unwrap().push(Received { body, ..rec });
                            let mut resp = Response::new(Full::new(Bytes::from_static(b"ok")));
                            *resp.status_mut() =
                                hyper::StatusCode::from_u16(s.load(Ordering::SeqCst)).unwrap();
                            Ok::<_, Infallible>(resp)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(sock), svc)
                        .await;
                });
            }
        });
        Self {
            url,
            received,
            status,
        }
    }

    /// The status every later request is answered with.
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}
