//! Reading a message that comes back to us: a delivery status notification (RFC 3464)
//! for one of our emails, an automatic reply, or anything else. Parsing is
//! mail-parser's (every charset real mail uses, GBK and Big5 included); this module
//! only says what the message is.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

/// What a delivery report says of the email it reports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bounce {
    /// The outbox id in the VERP return path it came back to (`bounces+1234@…`).
    pub outbox_id: Option<i64>,
    /// The Message-ID of the email that bounced, from the report's copy of it.
    pub original_message_id: Option<String>,
    /// The address that could not be reached.
    pub recipient: Option<String>,
    /// `failed`, `delayed`, … (RFC 3464 `Action`).
    pub action: String,
    /// The RFC 3463 status (`5.1.1`) and the relay's own words.
    pub status: Option<String>,
    pub diagnostic: Option<String>,
}

impl Bounce {
    /// Whether the email will not arrive: a permanent failure, not a delay.
    pub fn failed(&self) -> bool {
        self.action.eq_ignore_ascii_case("failed")
    }

    /// One line for staff: the status and what the receiving server said.
    pub fn summary(&self) -> String {
        let mut parts = vec![self.action.clone()];
        if let Some(s) = &self.status {
            parts.push(s.clone());
        }
        if let Some(d) = &self.diagnostic {
            parts.push(d.clone());
        }
        parts.join(": ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Kind {
    Bounce(Bounce),
    AutoReply,
    /// A message we could not read as mail at all.
    Unreadable,
    #[default]
    Other,
}

/// A file attached to a message, decoded, with its name as the sender's client gave
/// it (RFC 2231 and RFC 2047 names decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: Option<String>,
    pub bytes: Vec<u8>,
}

/// A message as far as `receive` needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Read {
    pub message_id: Option<String>,
    pub from: Option<String>,
    /// The sender's display name, decoded.
    pub from_name: Option<String>,
    pub subject: Option<String>,
    /// The Message-IDs it answers (`In-Reply-To`, then `References`), without `<>`.
    pub thread: Vec<String>,
    /// What the sender wrote, without the quoted email below it.
    pub text: Option<String>,
    /// The whole text body (an HTML-only message as text), quoted parts included: a
    /// forwarded notice is all below the line.
    pub body: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Sent by a machine (`Auto-Submitted: auto-generated`, bulk `Precedence`, a
    /// request to suppress automatic answers): read and kept, never answered.
    pub no_reply: bool,
    /// Each `Authentication-Results` field, as the receiving servers wrote them.
    pub authentication: Vec<String>,
    pub kind: Kind,
}

/// What `raw` is. `delivered_to` is the envelope recipient the MTA gives (Postfix
/// `${recipient}`); `bounce_address` our return path, whose `+id` names the email.
pub fn read(raw: &[u8], delivered_to: Option<&str>, bounce_address: Option<&str>) -> Read {
    let Some(m) = MessageParser::default().parse(raw) else {
        return Read {
            kind: Kind::Unreadable,
            ..Read::default()
        };
    };
    let sender = m.from().and_then(|a| a.first());
    let from = sender
        .and_then(|a| a.address())
        .map(str::to_ascii_lowercase);
    let from_name = sender
        .and_then(|a| a.name())
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    let subject = m.subject().map(str::to_string);
    let robot = robot(&m, from.as_deref(), subject.as_deref());
    let kind = if let Some(mut b) = delivery_report(&m) {
        let to = delivered_to
            .map(str::to_string)
            .or_else(|| header(&m, "X-Original-To"))
            .or_else(|| header(&m, "Delivered-To"));
        b.outbox_id = to.as_deref().and_then(|t| verp_id(t, bounce_address?));
        Kind::Bounce(b)
    } else if robot == Some(Robot::Answer) {
        Kind::AutoReply
    } else {
        Kind::Other
    };
    let mut thread = Vec::new();
    for v in [m.in_reply_to(), m.references()] {
        for id in v.as_text_list().unwrap_or_default() {
            let id = id.trim().trim_matches(['<', '>']).to_string();
            if !id.is_empty() && !thread.contains(&id) {
                thread.push(id);
            }
        }
    }
    let body = m
        .body_text(0)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let attachments = m
        .attachments()
        .filter(|a| !a.is_message())
        .map(|a| Attachment {
            name: a.attachment_name().map(str::to_string),
            bytes: a.contents().to_vec(),
        })
        .collect();
    let authentication = m
        .headers_raw()
        .filter(|(name, _)| name.eq_ignore_ascii_case("Authentication-Results"))
        .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    Read {
        message_id: m.message_id().map(str::to_string),
        from,
        from_name,
        subject,
        thread,
        text: body.as_deref().map(fresh).filter(|t| !t.is_empty()),
        body,
        attachments,
        no_reply: robot.is_some(),
        authentication,
        kind,
    }
}

/// The DMARC result a server we trust recorded for the sender's domain: `pass` in an
/// `Authentication-Results` field whose authserv-id is `authserv_id`, for the
/// `From` domain. Fields any other server wrote (or the sender forged) count for
/// nothing. Returns the result as recorded, for staff.
pub fn dmarc_pass(read: &Read, authserv_id: &str) -> Option<String> {
    let domain = read
        .from
        .as_deref()?
        .rsplit_once('@')?
        .1
        .to_ascii_lowercase();
    read.authentication.iter().find_map(|field| {
        let (id, results) = field.split_once(';')?;
        let id = id.split_whitespace().next()?;
        if !id.eq_ignore_ascii_case(authserv_id) {
            return None;
        }
        results.split(';').find_map(|r| {
            let r = r.trim();
            let lower = r.to_ascii_lowercase();
            let rest = lower.strip_prefix("dmarc=pass")?;
            let from = rest
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix("header.from="))?
                .trim_matches(['"', ')', '(']);
            (from == domain).then(|| format!("{id}: {r}"))
        })
    })
}

/// A reply's own words: the text above the quoted email that mail clients add below
/// it ("On … wrote:", "在 … 写道：", QQ Mail's "原始邮件", Outlook's "-----Original
/// Message-----" and "From:" block, or lines quoted with `>`).
pub fn fresh(text: &str) -> String {
    let mut kept = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        let quoted = t.starts_with('>')
            || (t.starts_with("On ") && t.ends_with("wrote:"))
            || (t.starts_with('在') && (t.ends_with("写道：") || t.ends_with("写道:")))
            || t.contains("原始邮件")
            || t.starts_with("-----Original Message-----")
            || ((t.starts_with("From:") || t.starts_with("发件人：") || t.starts_with("发件人:"))
                && kept.last().is_some_and(|l: &&str| l.trim().is_empty()));
        if quoted {
            break;
        }
        kept.push(line);
    }
    kept.join("\n").trim().to_string()
}

fn header(m: &Message<'_>, name: &str) -> Option<String> {
    m.header_raw(name).map(|v| v.trim().to_string())
}

/// The outbox id in `to` when it is `local+ID@domain` for our `local@domain`.
pub fn verp_id(to: &str, bounce_address: &str) -> Option<i64> {
    let to = to.trim().trim_matches(['<', '>']).to_ascii_lowercase();
    let (local, domain) = bounce_address
        .to_ascii_lowercase()
        .split_once('@')
        .map(|(l, d)| (l.to_string(), d.to_string()))?;
    let (to_local, to_domain) = to.split_once('@')?;
    if to_domain != domain {
        return None;
    }
    to_local
        .strip_prefix(&format!("{local}+"))?
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
}

/// `local+ID@domain`: the return path of outbox row `id`.
pub fn verp_address(bounce_address: &str, id: i64) -> Option<String> {
    let (local, domain) = bounce_address.split_once('@')?;
    Some(format!("{local}+{id}@{domain}"))
}

/// The delivery report in `m`, if it is one: its `message/delivery-status` part read
/// field by field, and the Message-ID of the copy of our email it carries.
fn delivery_report(m: &Message<'_>) -> Option<Bounce> {
    let mut status: Option<String> = None;
    let mut original: Option<String> = None;
    for part in &m.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let kind = (
            ct.ctype().to_ascii_lowercase(),
            ct.subtype().unwrap_or("").to_ascii_lowercase(),
        );
        match (kind.0.as_str(), kind.1.as_str()) {
            ("message", "delivery-status") | ("message", "global-delivery-status") => {
                let bytes = match &part.body {
                    PartType::Message(inner) => inner.raw_message().to_vec(),
                    _ => part.contents().to_vec(),
                };
                status = Some(String::from_utf8_lossy(&bytes).into_owned());
            }
            ("message", "rfc822") | ("message", "global") => {
                if let PartType::Message(inner) = &part.body {
                    original = original.or_else(|| inner.message_id().map(str::to_string));
                }
            }
            ("text", "rfc822-headers") | ("message", "rfc822-headers") => {
                let text = String::from_utf8_lossy(part.contents()).into_owned();
                original = original.or_else(|| {
                    field(&text, "Message-ID").map(|v| v.trim_matches(['<', '>']).to_string())
                });
            }
            _ => {}
        }
    }
    let status = status?;
    Some(Bounce {
        outbox_id: None,
        original_message_id: original,
        recipient: field(&status, "Final-Recipient")
            .or_else(|| field(&status, "Original-Recipient"))
            .map(|r| {
                r.split_once(';')
                    .map_or(r.clone(), |(_, a)| a.trim().to_string())
            }),
        action: field(&status, "Action").unwrap_or_else(|| "failed".into()),
        status: field(&status, "Status"),
        diagnostic: field(&status, "Diagnostic-Code").map(|d| {
            d.split_once(';')
                .map_or(d.clone(), |(_, t)| t.trim().to_string())
        }),
    })
}

/// The first `name:` field in header-shaped `text`, unfolded.
fn field(text: &str, name: &str) -> Option<String> {
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        if !k.trim().eq_ignore_ascii_case(name) {
            continue;
        }
        let mut value = v.trim().to_string();
        while let Some(next) = lines.peek() {
            if next.starts_with([' ', '\t']) {
                value.push(' ');
                value.push_str(next.trim());
                lines.next();
            } else {
                break;
            }
        }
        return Some(value).filter(|v| !v.is_empty());
    }
    None
}

/// What kind of machine sent a message, when one did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Robot {
    /// An autoresponder answering our email (out of office, "自动回复"), or a mailer
    /// daemon: nothing to act on.
    Answer,
    /// Mail generated without a person (RFC 3834 `auto-generated`, bulk `Precedence`,
    /// or asking for no automatic answer): read as any mail, never answered.
    Bulk,
}

/// Whether a machine sent a message, not a person, and which kind: RFC 3834
/// `Auto-Submitted`, bulk `Precedence`, the autoresponders' own headers, a mailer
/// daemon, or the subjects Chinese and English autoresponders give.
fn robot(m: &Message<'_>, from: Option<&str>, subject: Option<&str>) -> Option<Robot> {
    let h = |n: &str| header(m, n).map(|v| v.to_ascii_lowercase());
    let auto_submitted = h("Auto-Submitted").filter(|v| v != "no");
    if auto_submitted
        .as_deref()
        .is_some_and(|v| v.starts_with("auto-replied"))
    {
        return Some(Robot::Answer);
    }
    let precedence = h("Precedence");
    if precedence.as_deref() == Some("auto_reply") {
        return Some(Robot::Answer);
    }
    if ["X-Autoreply", "X-Autorespond"]
        .iter()
        .any(|n| h(n).is_some())
    {
        return Some(Robot::Answer);
    }
    if from.is_some_and(|f| {
        let local = f.split('@').next().unwrap_or("");
        local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster")
    }) {
        return Some(Robot::Answer);
    }
    let answer_subject = subject.is_some_and(|s| {
        let s = s.trim();
        let lower = s.to_lowercase();
        s.starts_with("自动回复")
            || s.starts_with("自動回覆")
            || lower.starts_with("auto:")
            || lower.starts_with("automatic reply")
            || lower.starts_with("auto-reply")
            || lower.starts_with("out of office")
    });
    if answer_subject {
        return Some(Robot::Answer);
    }
    let bulk = auto_submitted.is_some()
        || precedence
            .as_deref()
            .is_some_and(|v| matches!(v, "bulk" | "list" | "junk"))
        || h("X-Auto-Response-Suppress").is_some();
    bulk.then_some(Robot::Bulk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verp_names_the_email_only_at_our_address() {
        assert_eq!(
            verp_id("bounces+1234@news.example", "bounces@news.example"),
            Some(1234)
        );
        assert_eq!(
            verp_id("<Bounces+7@News.Example>", "bounces@news.example"),
            Some(7)
        );
        assert_eq!(
            verp_id("bounces+12@other.example", "bounces@news.example"),
            None
        );
        assert_eq!(
            verp_id("bounces+x@news.example", "bounces@news.example"),
            None
        );
        assert_eq!(
            verp_id("bounces@news.example", "bounces@news.example"),
            None
        );
        assert_eq!(
            verp_address("bounces@news.example", 42).as_deref(),
            Some("bounces+42@news.example")
        );
    }

    #[test]
    fn fields_unfold_and_name_case_does_not_matter() {
        let t = "Reporting-MTA: dns; mx.example\r\n\r\nfinal-recipient: rfc822; a@b.example\r\nDiagnostic-Code: smtp; 550 5.1.1\r\n  user unknown\r\n";
        assert_eq!(
            field(t, "Final-Recipient").as_deref(),
            Some("rfc822; a@b.example")
        );
        assert_eq!(
            field(t, "Diagnostic-Code").as_deref(),
            Some("smtp; 550 5.1.1 user unknown")
        );
        assert_eq!(field(t, "Status"), None);
    }

    fn corpus(name: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/mail")
            .join(name);
        std::fs::read(p).unwrap()
    }

    #[test]
    fn a_postfix_bounce_names_the_email_by_verp_and_by_its_headers() {
        let raw = String::from_utf8(corpus("postfix-bounce.eml"))
            .unwrap()
            .replace("{{ID}}", "31")
            .replace("{{RCPT}}", "wang@citydaily.example")
            .replace("{{MESSAGE_ID}}", "<a1b2c3@news.example>");
        let r = read(raw.as_bytes(), None, Some("bounces@news.example"));
        let Kind::Bounce(b) = r.kind else {
            panic!("{:?}", r.kind)
        };
        assert_eq!(b.outbox_id, Some(31), "from Delivered-To");
        assert_eq!(
            b.original_message_id.as_deref(),
            Some("a1b2c3@news.example")
        );
        assert_eq!(b.recipient.as_deref(), Some("wang@citydaily.example"));
        assert!(b.failed());
        assert_eq!(b.status.as_deref(), Some("5.1.1"));
        assert!(
            b.diagnostic
                .as_deref()
                .is_some_and(|d| d.contains("User unknown in virtual mailbox table")),
            "{b:?}"
        );
        // The envelope recipient the MTA gives wins over the headers.
        let r = read(
            raw.as_bytes(),
            Some("bounces+77@news.example"),
            Some("bounces@news.example"),
        );
        assert!(matches!(
            r.kind,
            Kind::Bounce(Bounce {
                outbox_id: Some(77),
                ..
            })
        ));
        // Without our bounce address, no id is read from it.
        let r = read(raw.as_bytes(), None, None);
        assert!(matches!(
            r.kind,
            Kind::Bounce(Bounce {
                outbox_id: None,
                ..
            })
        ));
    }

    #[test]
    fn a_qq_mail_auto_reply_in_gbk_is_automatic() {
        let r = read(&corpus("qq-auto-reply.eml"), None, None);
        assert_eq!(r.kind, Kind::AutoReply);
        assert_eq!(r.subject.as_deref(), Some("自动回复：我们已收到您的投诉"));
        assert_eq!(r.from.as_deref(), Some("litao@qq.com"));
        assert_eq!(r.message_id.as_deref(), Some("tencent_3A1F0C2B9E@qq.com"));
    }

    #[test]
    fn notices_from_three_clients_read_in_full() {
        // Foxmail: GBK in base64, a GB2312 encoded-word subject and name.
        let r = read(&corpus("foxmail-notice.eml"), None, None);
        assert_eq!(r.kind, Kind::Other);
        assert_eq!(r.subject.as_deref(), Some("侵权通知：请删除转载文章"));
        assert_eq!(r.from_name.as_deref(), Some("李涛"));
        let body = r.body.unwrap_or_default();
        assert!(body.contains("联系电话：0571-8512 3456"), "{body}");
        assert!(body.contains("https://news.example/2022/08/24/article-1.html"));
        // Outlook: HTML only, quoted-printable; read as text, one paragraph a line.
        let r = read(&corpus("outlook-notice.eml"), None, None);
        assert_eq!(
            r.subject.as_deref(),
            Some("Copyright infringement notice – “Ferry pier opens”")
        );
        let body = r.body.unwrap_or_default();
        assert!(
            body.contains("correspondent’s report “Ferry pier opens”"),
            "{body}"
        );
        assert!(
            body.lines().any(|l| l.trim() == "Phone: +44 20 7946 0958"),
            "{body}"
        );
        assert!(!body.contains("<p"), "{body}");
        // Gmail: the PDF's RFC 2231 name in Chinese, and DMARC only as our server saw it.
        let r = read(&corpus("gmail-notice.eml"), None, None);
        assert_eq!(r.attachments.len(), 1);
        assert_eq!(r.attachments[0].name.as_deref(), Some("授权证明.pdf"));
        assert!(r.attachments[0].bytes.starts_with(b"%PDF-"));
        assert!(r.body.as_deref().is_some_and(|b| b.contains("王芳")));
        let pass = dmarc_pass(&r, "mx.news.example").unwrap_or_default();
        assert!(pass.starts_with("mx.news.example: dmarc=pass"), "{pass}");
        assert_eq!(dmarc_pass(&r, "mx.other.example"), None);
        let mut forged = r.clone();
        forged.from = Some("someone@qq.com".into());
        assert_eq!(
            dmarc_pass(&forged, "mx.news.example"),
            None,
            "a pass for gmail.com says nothing of qq.com"
        );
        assert!(!r.no_reply);
    }

    #[test]
    fn anything_else_is_other_and_nothing_panics() {
        let r = read(&corpus("malformed.eml"), None, None);
        assert!(matches!(r.kind, Kind::Other | Kind::Unreadable), "{r:?}");
        for raw in [
            &b""[..],
            b"\r\n\r\n",
            b"Content-Type: multipart/report\r\n\r\n--x--",
        ] {
            let _ = read(raw, Some("bounces+1@x.example"), Some("bounces@x.example"));
        }
        let person =
            b"From: Li Wei <li@harbour.example>\r\nSubject: Re: your notice\r\n\r\nThanks.\r\n";
        assert_eq!(read(person, None, None).kind, Kind::Other);
    }
}
