//! A real IMAP server for the tests: Debian's Dovecot, started on a loopback port with
//! its own configuration (one passwd-file user, maildirs in a temporary folder, no TLS
//! on loopback), stopped when dropped. Without `dovecot` installed the tests that need
//! it say so and pass, unless REQUIRE_DOVECOT is set, as `.ci/run` does.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;

pub const USER: &str = "desk";
pub const PASSWORD: &str = "s3cret-desk";

pub struct Dovecot {
    dir: tempfile::TempDir,
    pub port: u16,
    /// IMAP over TLS (`imaps://localhost:…`), with a certificate from the test's own CA.
    pub tls_port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A CA and a certificate for `localhost` it signed, as a private mail server has.
fn certificates(d: &std::path::Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(d)
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=takedown test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        d.join("leaf.ext"),
        "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
    ]);
}

fn find() -> Option<PathBuf> {
    ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Whose files the mailboxes are: Dovecot refuses uid 0, so as root its own user.
fn mail_owner() -> String {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if uid == "0" {
        "uid=dovecot gid=dovecot".into()
    } else {
        let gid = Command::new("id")
            .arg("-g")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default();
        format!("uid={uid} gid={gid}")
    }
}

impl Dovecot {
    pub fn start() -> Option<Self> {
        let Some(bin) = find() else {
            assert!(
                std::env::var_os("REQUIRE_DOVECOT").is_none(),
                "REQUIRE_DOVECOT is set but dovecot is not installed (apt-get install dovecot-imapd)"
            );
            crate::common::skipped("IMAP polling: dovecot is not installed");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (port, tls_port) = (free_port(), free_port());
        certificates(d);
        for sub in ["run", "state", "mail", "home"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        for open in ["mail", "home"] {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(d.join(open), std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        std::fs::write(d.join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).unwrap();
        let p = d.display();
        let conf = format!(
            "protocols = imap\nlisten = 127.0.0.1\nssl = yes\nssl_cert = <{p}/leaf.pem\nssl_key = <{p}/leaf.key\ndisable_plaintext_auth = no\n\
             auth_mechanisms = plain login\nbase_dir = {p}/run\nstate_dir = {p}/state\n\
             log_path = {p}/dovecot.log\nmail_location = maildir:{p}/mail/%u\n\
             default_internal_user = dovecot\ndefault_login_user = dovenull\nfirst_valid_uid = 1\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {p}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = {} home={p}/home/%u\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n\
               inet_listener imaps {{\n    address = 127.0.0.1\n    port = {tls_port}\n    ssl = yes\n  }}\n  chroot =\n}}\n\
             service anvil {{\n  chroot =\n}}\n",
            mail_owner()
        );
        std::fs::write(d.join("dovecot.conf"), conf).unwrap();
        let status = Command::new(bin)
            .arg("-c")
            .arg(d.join("dovecot.conf"))
            .status()
            .unwrap();
        assert!(status.success(), "dovecot starts");
        let server = Self {
            dir,
            port,
            tls_port,
        };
        // Ready when it answers on its port.
        let until = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err()
            || std::net::TcpStream::connect(("127.0.0.1", tls_port)).is_err()
        {
            assert!(Instant::now() < until, "dovecot listens on {port}");
            std::thread::sleep(Duration::from_millis(10));
        }
        Some(server)
    }

    /// `IMAP_URL` for the desk's INBOX over TLS, and the CA that signed its certificate.
    pub fn tls_url(&self) -> (String, PathBuf) {
        (
            format!(
                "imaps://{USER}:{PASSWORD}@localhost:{}/INBOX",
                self.tls_port
            ),
            self.dir.path().join("ca.pem"),
        )
    }

    /// `IMAP_URL` for the desk's INBOX.
    pub fn url(&self) -> String {
        format!("imap://{USER}:{PASSWORD}@127.0.0.1:{}/INBOX", self.port)
    }

    async fn session(&self) -> async_imap::Session<tokio::net::TcpStream> {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .unwrap();
        let mut client = async_imap::Client::new(tcp);
        client.read_response().await.unwrap();
        client
            .login(USER, PASSWORD)
            .await
            .map_err(|(e, _)| e)
            .unwrap()
    }

    /// Puts `raw` in the INBOX as delivered at `internal_date` (`03-Dec-2026 09:12:00
    /// +0800`), as the hosted mailbox's MX would.
    pub async fn deliver(&self, raw: &[u8], internal_date: &str) {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        // APPEND by hand: a literal, sent once the server says go on.
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .unwrap();
        let (r, mut w) = tcp.into_split();
        let mut r = BufReader::new(r);
        let mut line = String::new();
        let mut expect = async |r: &mut BufReader<_>, tag: &str| loop {
            line.clear();
            let n = tokio::time::timeout(Duration::from_secs(20), r.read_line(&mut line))
                .await
                .expect("dovecot answers")
                .unwrap();
            assert!(n > 0, "dovecot closed the connection");
            if line.starts_with(tag) {
                assert!(!line.contains(" NO ") && !line.contains(" BAD "), "{line}");
                return line.clone();
            }
        };
        expect(&mut r, "* OK").await;
        w.write_all(format!("a1 LOGIN {USER} {PASSWORD}\r\n").as_bytes())
            .await
            .unwrap();
        expect(&mut r, "a1 ").await;
        w.write_all(
            format!("a2 APPEND INBOX \"{internal_date}\" {{{}}}\r\n", raw.len()).as_bytes(),
        )
        .await
        .unwrap();
        expect(&mut r, "+").await;
        w.write_all(raw).await.unwrap();
        w.write_all(b"\r\n").await.unwrap();
        let done = expect(&mut r, "a2 ").await;
        assert!(done.starts_with("a2 OK"), "{done}");
        w.write_all(b"a3 LOGOUT\r\n").await.unwrap();
    }

    /// Each message in `mailbox` by UID, with its flags as the server names them.
    pub async fn flags(&self, mailbox: &str) -> Vec<(u32, Vec<String>)> {
        let mut s = self.session().await;
        s.select(mailbox).await.unwrap();
        let fetched: Vec<_> = s
            .uid_fetch("1:*", "(UID FLAGS)")
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let mut out: Vec<(u32, Vec<String>)> = fetched
            .iter()
            .map(|f| {
                let flags = f
                    .flags()
                    .map(|fl| match fl {
                        async_imap::types::Flag::Seen => "\\Seen".to_string(),
                        async_imap::types::Flag::Custom(c) => c.to_string(),
                        other => format!("{other:?}"),
                    })
                    .collect();
                (f.uid.unwrap_or(0), flags)
            })
            .collect();
        out.sort();
        let _ = s.logout().await;
        out
    }

    /// Creates a folder, for `IMAP_DONE_FOLDER`.
    pub async fn create(&self, folder: &str) {
        let mut s = self.session().await;
        s.create(folder).await.unwrap();
        let _ = s.logout().await;
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let pid =
            std::fs::read_to_string(self.dir.path().join("run/master.pid")).unwrap_or_default();
        if !pid.trim().is_empty() {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}
