//! Every kind of email takedown owes, and the key that makes each owed email one row.
//!
//! The dedupe key is built here and nowhere else, from (complaint, round, kind,
//! occasion, recipient): two different owed emails cannot share one, and the same owed
//! email enqueued twice (a retried sweep, a second instance) is written once.

use std::fmt;

/// A kind of email. The outbox's `kind` column is `outbox_kind()`; the key tells apart
/// what that column groups (the claimant's and the source's removal notices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// The claimant's receipt, with the confirmation link.
    Receipt,
    /// Receipts held back by the per-address limit, sent together.
    ReceiptDigest,
    /// Staff: a new complaint arrived.
    NewComplaint,
    /// Staff: new complaints from one client address past its limit, together.
    NewComplaintDigest,
    /// Staff: a reminder before the deadline.
    Reminder,
    /// The escalation address: a deadline passed undecided.
    Escalation,
    /// The claimant: the content was taken down provisionally at the deadline.
    ProvisionalRemoval,
    /// The source's rights contact: its article was taken down provisionally.
    ProvisionalRemovalSource,
    /// The source and the escalation address: how a provisional removal ended.
    ProvisionalEnded,
    /// The claimant: the decision and its reasons.
    Decision,
    /// The source's rights contact: its article was removed, with the reasons and the
    /// counter-notice link.
    RemovalSource,
    /// Staff: an appeal returned the complaint to the queue.
    Appeal,
    /// The claimant: a question from the reviewer.
    InfoRequest,
    /// Staff: the claimant answered.
    InfoAnswered,
    /// The claimant: closed, no answer in time.
    ClosedIncomplete,
    /// Staff: the claimant withdrew.
    Withdrawn,
    /// The claimant: their withdrawal is recorded.
    WithdrawnAck,
    /// The claimant: a counter-notice arrived.
    CounterNoticeForward,
    /// The counter-notifier: their counter-notice is recorded.
    CounterNoticeAck,
    /// Everyone concerned: a counter-notice's wait ended.
    Restored,
    /// The counter-notifier: the claimant reported legal action.
    LegalAction,
    /// Staff: the claimant reports legal action, for a reviewer to confirm.
    LegalActionReported,
    /// Admins: an email to staff bounced, so its reminders reach no one there.
    StaffBounced,
    /// The licence desk: a licence ends soon, with the live articles it covers.
    LicenceReminder,
    /// The licence desk: a licence ended, and what that did to its articles.
    LicenceExpired,
}

impl NoticeKind {
    pub const ALL: [Self; 25] = [
        Self::Receipt,
        Self::ReceiptDigest,
        Self::NewComplaint,
        Self::NewComplaintDigest,
        Self::Reminder,
        Self::Escalation,
        Self::ProvisionalRemoval,
        Self::ProvisionalRemovalSource,
        Self::ProvisionalEnded,
        Self::Decision,
        Self::RemovalSource,
        Self::Appeal,
        Self::InfoRequest,
        Self::InfoAnswered,
        Self::ClosedIncomplete,
        Self::Withdrawn,
        Self::WithdrawnAck,
        Self::CounterNoticeForward,
        Self::CounterNoticeAck,
        Self::Restored,
        Self::LegalAction,
        Self::LegalActionReported,
        Self::StaffBounced,
        Self::LicenceReminder,
        Self::LicenceExpired,
    ];

    /// The name in the dedupe key: one per variant.
    pub fn key_name(self) -> &'static str {
        match self {
            Self::Receipt => "receipt",
            Self::ReceiptDigest => "receipt_digest",
            Self::NewComplaint => "new_complaint",
            Self::NewComplaintDigest => "new_complaint_digest",
            Self::Reminder => "reminder",
            Self::Escalation => "escalation",
            Self::ProvisionalRemoval => "provisional_removal",
            Self::ProvisionalRemovalSource => "provisional_removal_source",
            Self::ProvisionalEnded => "provisional_ended",
            Self::Decision => "decision",
            Self::RemovalSource => "removal_source",
            Self::Appeal => "appeal",
            Self::InfoRequest => "info_request",
            Self::InfoAnswered => "info_answered",
            Self::ClosedIncomplete => "closed_incomplete",
            Self::Withdrawn => "withdrawn",
            Self::WithdrawnAck => "withdrawn_ack",
            Self::CounterNoticeForward => "counter_notice_forward",
            Self::CounterNoticeAck => "counter_notice_ack",
            Self::Restored => "restored",
            Self::LegalAction => "legal_action",
            Self::LegalActionReported => "legal_action_reported",
            Self::StaffBounced => "staff_bounced",
            Self::LicenceReminder => "licence_reminder",
            Self::LicenceExpired => "licence_expired",
        }
    }

    /// The outbox's `kind` column, as pages, metrics and operators know it.
    pub fn outbox_kind(self) -> &'static str {
        match self {
            Self::ProvisionalRemoval | Self::ProvisionalRemovalSource | Self::RemovalSource => {
                "removal"
            }
            Self::NewComplaint | Self::NewComplaintDigest => "new_complaint",
            Self::CounterNoticeForward | Self::CounterNoticeAck => "counter_notice",
            other => other.key_name(),
        }
    }
}

/// What tells apart two emails of one kind in one round of one complaint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Occasion {
    /// Owed once a round.
    Once,
    /// A reminder step, by its offset from the round's start.
    Reminder(String),
    /// The n-th request for information in the round, or the answer to it.
    Request(u32),
    /// About one counter-notice.
    CounterNotice(i64),
    /// A digest, by the first complaint it carries.
    Digest(i64),
    /// About one email that bounced, by its outbox id.
    Bounce(i64),
    /// One step of a licence's end (a reminder, the expiry), by its id.
    LicenceStep(i64),
}

impl fmt::Display for Occasion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Once => f.write_str("once"),
            // The offset is humantime's own words ("12h 30m"): no separator inside.
            Self::Reminder(at) => write!(f, "at-{}", at.replace([':', ' '], "_")),
            Self::Request(n) => write!(f, "request-{n}"),
            Self::CounterNotice(id) => write!(f, "counter-notice-{id}"),
            Self::Digest(first) => write!(f, "digest-{first}"),
            Self::Bounce(id) => write!(f, "bounce-{id}"),
            Self::LicenceStep(id) => write!(f, "licence-step-{id}"),
        }
    }
}

/// The identity of one owed email.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoticeKey {
    /// None for a digest, which spans complaints.
    pub complaint_id: Option<i64>,
    /// 1 for the complaint as filed, 2 for its appeal, 0 outside any round.
    pub round: i32,
    pub kind: NoticeKind,
    pub occasion: Occasion,
}

impl NoticeKey {
    pub fn new(complaint_id: i64, round: i32, kind: NoticeKind, occasion: Occasion) -> Self {
        Self {
            complaint_id: Some(complaint_id),
            round,
            kind,
            occasion,
        }
    }

    /// The outbox's unique key for this email to `recipient`. The recipient enters as
    /// a digest: the key outlives the address, which retention erases.
    pub fn dedupe_key(&self, recipient: &str) -> String {
        use sha2::{Digest, Sha256};
        let complaint = self
            .complaint_id
            .map_or_else(|| "none".to_string(), |id| id.to_string());
        format!(
            "notice:{complaint}:r{}:{}:{}:{}",
            self.round,
            self.kind.key_name(),
            self.occasion,
            hex::encode(&Sha256::digest(recipient.to_ascii_lowercase().as_bytes())[..12])
        )
    }
}

/// An owed email short of its kind, which the letter posted for it brings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Owed {
    pub complaint_id: Option<i64>,
    pub round: i32,
    pub occasion: Occasion,
}

impl Owed {
    /// Owed once in the round.
    pub fn once(complaint_id: i64, round: i32) -> Self {
        Self::on(complaint_id, round, Occasion::Once)
    }

    pub fn on(complaint_id: i64, round: i32, occasion: Occasion) -> Self {
        Self {
            complaint_id: Some(complaint_id),
            round,
            occasion,
        }
    }

    /// About a licence, outside any complaint.
    pub fn licence_step(step_id: i64) -> Self {
        Self {
            complaint_id: None,
            round: 0,
            occasion: Occasion::LicenceStep(step_id),
        }
    }

    /// A digest of receipts, which spans complaints.
    pub fn digest(first_complaint: i64) -> Self {
        Self {
            complaint_id: None,
            round: 0,
            occasion: Occasion::Digest(first_complaint),
        }
    }

    pub fn key(&self, kind: NoticeKind) -> NoticeKey {
        NoticeKey {
            complaint_id: self.complaint_id,
            round: self.round,
            kind,
            occasion: self.occasion.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// Every variant, crossed with rounds, occasions and recipients: no two keys alike.
    #[test]
    fn no_two_owed_emails_share_a_key() {
        let occasions = [
            Occasion::Once,
            Occasion::Reminder("12h".into()),
            Occasion::Reminder("12h 30m".into()),
            Occasion::Request(1),
            Occasion::Request(2),
            Occasion::CounterNotice(1),
            Occasion::CounterNotice(2),
            Occasion::Digest(1),
        ];
        let recipients = ["a@x.example", "b@x.example", "a@y.example"];
        let mut seen = HashSet::new();
        let mut n = 0;
        for kind in NoticeKind::ALL {
            for complaint_id in [Some(1), Some(2), Some(12), None] {
                for round in [0, 1, 2] {
                    for occasion in &occasions {
                        for to in recipients {
                            let key = NoticeKey {
                                complaint_id,
                                round,
                                kind,
                                occasion: occasion.clone(),
                            };
                            n += 1;
                            assert!(seen.insert(key.dedupe_key(to)), "{key:?} to {to}");
                        }
                    }
                }
            }
        }
        assert_eq!(seen.len(), n);
        let names: HashSet<_> = NoticeKind::ALL.iter().map(|k| k.key_name()).collect();
        assert_eq!(names.len(), NoticeKind::ALL.len());
    }

    #[test]
    fn the_same_owed_email_has_the_same_key() {
        let k = NoticeKey::new(7, 2, NoticeKind::Decision, Occasion::Once);
        assert_eq!(k.dedupe_key("A@X.example"), k.dedupe_key("a@x.example"));
        let key = k.dedupe_key("a@x.example");
        assert!(key.starts_with("notice:7:r2:decision:once:"), "{key}");
        assert!(!key.contains("x.example"), "no address in the key");
    }
}
