//! Every letter takedown sends: what each kind says, bound to its folder under
//! `templates/email/{kind}/`. Subjects carry no user input, so nothing a claimant types
//! can reach a header; the subject is folded to one line whatever a template does.

use crate::entities::counter_notice;
use crate::mail::letter::letter;

/// The claimant's receipt, with the confirmation link.
pub struct Receipt<'a> {
    /// The complaint's public reference in the subject (its id): the tracking code
    /// is a secret, and subjects travel further than bodies.
    pub id: i64,
    pub code: &'a str,
    pub received_at: &'a str,
    pub deadline_at: &'a str,
    pub status_url: &'a str,
    /// The link that confirms the claimant's address (none once confirmed).
    pub confirm_url: Option<&'a str>,
    pub targets: &'a [String],
    /// `SEQ:HASH` of the audit event recording the receipt.
    pub receipt_event: &'a str,
}

/// One complaint in a digest of receipts that waited.
pub struct DigestItem {
    pub code: String,
    pub received_at: String,
    pub deadline_at: String,
    pub status_url: String,
    pub confirm_url: Option<String>,
    pub targets: Vec<String>,
    pub receipt_event: String,
}

/// Receipts held back by the per-address limit, sent together.
pub struct ReceiptDigest<'a> {
    pub items: &'a [DigestItem],
}

/// Staff: a new complaint arrived.
pub struct NewComplaint<'a> {
    pub id: i64,
    pub received_at: &'a str,
    pub deadline_at: &'a str,
    pub claimant: &'a str,
    pub capacity: &'a str,
    pub work_title: &'a str,
    pub targets: &'a [String],
    pub matches: &'a [String],
    /// The complaint's staff page.
    pub url: &'a str,
}

/// One complaint in a digest of new-complaint emails that waited.
pub struct StaffDigestItem {
    pub id: i64,
    pub received_at: String,
    pub deadline_at: String,
    pub claimant: String,
    pub work_title: String,
    pub targets: Vec<String>,
    /// The complaint's staff page.
    pub url: String,
}

/// Staff: new complaints held back by the per-address limit, sent together.
pub struct NewComplaintDigest<'a> {
    pub items: &'a [StaffDigestItem],
    /// The queue.
    pub queue_url: &'a str,
}

/// A complaint as the deadline emails to staff describe it.
pub struct DeadlineSummary<'a> {
    pub id: i64,
    pub deadline_at: &'a str,
    pub received_at: &'a str,
    pub claimant: &'a str,
    pub work_title: &'a str,
    pub targets: &'a [String],
    /// The complaint's staff page.
    pub url: &'a str,
    /// A breach takes the targeted articles down (`ON_BREACH=remove`).
    pub removes: bool,
    /// The claimant's address is unverified, so nothing is taken down on their word.
    pub unconfirmed: bool,
}

/// Staff: a reminder before the deadline.
pub struct Reminder<'a> {
    pub s: &'a DeadlineSummary<'a>,
    /// Seconds left until the deadline.
    pub left: u64,
}

/// The escalation address: a deadline passed undecided.
pub struct Escalation<'a> {
    pub s: &'a DeadlineSummary<'a>,
}

/// The claimant: the content was taken down provisionally at the deadline.
pub struct ProvisionalRemoval<'a> {
    /// The complaint's public reference in the subject (its id): the tracking code
    /// is a secret, and subjects travel further than bodies.
    pub id: i64,
    pub name: &'a str,
    pub targets: &'a [String],
    pub status_url: &'a str,
}

/// The source's rights contact: its articles were taken down provisionally.
pub struct SourceProvisional<'a> {
    pub outlet: &'a str,
    pub id: i64,
    pub targets: &'a [String],
}

/// The source's rights contact and the escalation address (with no outlet): how a
/// provisional removal ended. Each target says whether it is back (another complaint
/// may still hold it).
pub struct SourceProvisionalEnded<'a> {
    pub outlet: &'a str,
    pub id: i64,
    pub withdrawn: bool,
    pub reason: &'a str,
    pub targets: &'a [(String, bool)],
}

/// The claimant: the decision and its reasons.
pub struct Decision<'a> {
    /// The complaint's public reference in the subject (its id): the tracking code
    /// is a secret, and subjects travel further than bodies.
    pub id: i64,
    pub upheld: bool,
    /// A provisional removal was undone by the rejection.
    pub restored: bool,
    pub reason: &'a str,
    pub targets: &'a [DecidedTarget],
    pub status_url: &'a str,
    /// `APPEAL_WINDOW`, in seconds.
    pub appeal_window: u64,
}

/// A URL the claimant named, and what the decision did to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidedTarget {
    pub url: String,
    /// `upheld`, `rejected` or `not_ours`.
    pub outcome: &'static str,
}

/// The source's rights contact: the complaint was upheld and its articles removed.
pub struct SourceRemoval<'a> {
    pub outlet: &'a str,
    pub id: i64,
    /// Each removed URL with the form on which to contest its removal.
    pub targets: &'a [(String, String)],
    pub reason: &'a str,
}

/// Staff: an appeal returned the complaint to the queue.
pub struct AppealFiled<'a> {
    pub id: i64,
    pub statement: &'a str,
    pub first_reason: &'a str,
    pub deadline_at: &'a str,
    pub url: &'a str,
}

/// The claimant: a question from the reviewer.
pub struct InfoRequest<'a> {
    /// The complaint's public reference in the subject (its id): the tracking code
    /// is a secret, and subjects travel further than bodies.
    pub id: i64,
    pub message: &'a str,
    pub answer_by: &'a str,
    pub status_url: &'a str,
}

/// Staff: the claimant answered.
pub struct InfoAnswered<'a> {
    pub id: i64,
    pub answer: &'a str,
    /// Seconds the clock was paused.
    pub waited: u64,
    pub deadline_at: &'a str,
    pub url: &'a str,
}

/// The admins: an email to staff about a complaint bounced.
pub struct StaffBounced<'a> {
    pub id: i64,
    /// The bounced email's kind (`reminder`, `escalation`, …).
    pub kind: &'a str,
    pub recipient: &'a str,
    /// What the receiving server said.
    pub diagnostic: &'a str,
    /// The complaint's staff page.
    pub url: &'a str,
    /// The failed emails' page.
    pub outbox_url: &'a str,
}

/// One article a licence email lists.
pub struct LicenceArticle {
    pub id: i64,
    pub url: String,
    pub title: String,
}

/// The licence desk: a licence ends soon; these live articles are republished under it.
pub struct LicenceReminder<'a> {
    pub reference: &'a str,
    pub licensor: &'a str,
    pub ends_at: &'a str,
    /// How long is left: whole days, or hours under a day.
    pub left_days: i64,
    pub left_hours: i64,
    pub articles: &'a [LicenceArticle],
    /// Live articles beyond those listed.
    pub more: usize,
    /// The licence's staff page.
    pub url: &'a str,
}

/// The licence desk: a licence ended; its articles are flagged, or taken down.
pub struct LicenceExpired<'a> {
    pub reference: &'a str,
    pub licensor: &'a str,
    pub ends_at: &'a str,
    /// `ON_LICENCE_EXPIRY=remove`: the articles listed are down until renewal.
    pub removed: bool,
    pub articles: &'a [LicenceArticle],
    pub more: usize,
    pub url: &'a str,
}

/// The claimant: closed, no answer in time.
pub struct InfoClosed<'a> {
    /// The complaint's public reference in the subject (its id): the tracking code
    /// is a secret, and subjects travel further than bodies.
    pub id: i64,
    pub status_url: &'a str,
}

/// Staff: the claimant withdrew the complaint or its appeal.
pub struct WithdrawnStaff<'a> {
    pub id: i64,
    pub appeal: bool,
    pub work_title: &'a str,
    pub reason: Option<&'a str>,
    /// `#12, #13`, or empty when nothing came back.
    pub restored: &'a str,
    pub url: &'a str,
}

/// The claimant: their withdrawal (of the complaint, or of its appeal) is recorded.
pub struct WithdrawnAck<'a> {
    /// The complaint's public reference in the subject (its id): the tracking code
    /// is a secret, and subjects travel further than bodies.
    pub id: i64,
    pub appeal: bool,
    pub status_url: &'a str,
}

/// The claimant: a counter-notice arrived, reproduced in full.
pub struct CounterNoticeForward<'a> {
    /// The complaint's public reference in the subject (its id): the tracking code
    /// is a secret, and subjects travel further than bodies.
    pub id: i64,
    pub n: &'a counter_notice::Model,
    pub restore_at: &'a str,
    pub status_url: &'a str,
}

/// The counter-notifier: their counter-notice is recorded.
pub struct CounterNoticeAck<'a> {
    pub n: &'a counter_notice::Model,
    pub restore_at: &'a str,
}

/// Everyone concerned: a counter-notice's wait ended.
pub struct Restored<'a> {
    pub url: &'a str,
    pub id: i64,
    pub counter_notice_id: i64,
    /// The complaint's hold is released but another still stands.
    pub still_held: bool,
}

/// The counter-notifier: the claimant reported legal action.
pub struct LegalActionNotice<'a> {
    pub n: &'a counter_notice::Model,
    pub id: i64,
}

/// Staff: the claimant reports legal action against a counter-notice.
pub struct LegalActionReported<'a> {
    pub id: i64,
    pub reference: &'a str,
    /// When the content returns unless staff confirm.
    pub restore_at: &'a str,
    pub url: &'a str,
}

letter!(Receipt => Receipt,
    subject: "email/receipt/subject.en.txt" "email/receipt/subject.zh.txt",
    text: "email/receipt/text.en.txt" "email/receipt/text.zh.txt",
    html: "email/receipt/html.en.html" "email/receipt/html.zh.html");

letter!(ReceiptDigest => ReceiptDigest,
    subject: "email/receipt_digest/subject.en.txt" "email/receipt_digest/subject.zh.txt",
    text: "email/receipt_digest/text.en.txt" "email/receipt_digest/text.zh.txt");

letter!(NewComplaint => NewComplaint,
    subject: "email/new_complaint/subject.en.txt" "email/new_complaint/subject.zh.txt",
    text: "email/new_complaint/text.en.txt" "email/new_complaint/text.zh.txt");

letter!(NewComplaintDigest => NewComplaintDigest,
    subject: "email/new_complaint_digest/subject.en.txt" "email/new_complaint_digest/subject.zh.txt",
    text: "email/new_complaint_digest/text.en.txt" "email/new_complaint_digest/text.zh.txt");

letter!(Reminder => Reminder,
    subject: "email/reminder/subject.en.txt" "email/reminder/subject.zh.txt",
    text: "email/reminder/text.en.txt" "email/reminder/text.zh.txt");

letter!(Escalation => Escalation,
    subject: "email/escalation/subject.en.txt" "email/escalation/subject.zh.txt",
    text: "email/escalation/text.en.txt" "email/escalation/text.zh.txt");

letter!(ProvisionalRemoval => ProvisionalRemoval,
    subject: "email/provisional_removal/subject.en.txt" "email/provisional_removal/subject.zh.txt",
    text: "email/provisional_removal/text.en.txt" "email/provisional_removal/text.zh.txt");

letter!(SourceProvisional => ProvisionalRemovalSource,
    subject: "email/provisional_removal_source/subject.en.txt" "email/provisional_removal_source/subject.zh.txt",
    text: "email/provisional_removal_source/text.en.txt" "email/provisional_removal_source/text.zh.txt");

letter!(SourceProvisionalEnded => ProvisionalEnded,
    subject: "email/provisional_ended/subject.en.txt" "email/provisional_ended/subject.zh.txt",
    text: "email/provisional_ended/text.en.txt" "email/provisional_ended/text.zh.txt");

letter!(Decision => Decision,
    subject: "email/decision/subject.en.txt" "email/decision/subject.zh.txt",
    text: "email/decision/text.en.txt" "email/decision/text.zh.txt");

letter!(SourceRemoval => RemovalSource,
    subject: "email/removal_source/subject.en.txt" "email/removal_source/subject.zh.txt",
    text: "email/removal_source/text.en.txt" "email/removal_source/text.zh.txt");

letter!(AppealFiled => Appeal,
    subject: "email/appeal/subject.en.txt" "email/appeal/subject.zh.txt",
    text: "email/appeal/text.en.txt" "email/appeal/text.zh.txt");

letter!(InfoRequest => InfoRequest,
    subject: "email/info_request/subject.en.txt" "email/info_request/subject.zh.txt",
    text: "email/info_request/text.en.txt" "email/info_request/text.zh.txt");

letter!(StaffBounced => StaffBounced,
    subject: "email/staff_bounced/subject.en.txt" "email/staff_bounced/subject.zh.txt",
    text: "email/staff_bounced/text.en.txt" "email/staff_bounced/text.zh.txt");

letter!(LicenceReminder => LicenceReminder,
    subject: "email/licence_reminder/subject.en.txt" "email/licence_reminder/subject.zh.txt",
    text: "email/licence_reminder/text.en.txt" "email/licence_reminder/text.zh.txt");

letter!(LicenceExpired => LicenceExpired,
    subject: "email/licence_expired/subject.en.txt" "email/licence_expired/subject.zh.txt",
    text: "email/licence_expired/text.en.txt" "email/licence_expired/text.zh.txt");

letter!(InfoAnswered => InfoAnswered,
    subject: "email/info_answered/subject.en.txt" "email/info_answered/subject.zh.txt",
    text: "email/info_answered/text.en.txt" "email/info_answered/text.zh.txt");

letter!(InfoClosed => ClosedIncomplete,
    subject: "email/closed_incomplete/subject.en.txt" "email/closed_incomplete/subject.zh.txt",
    text: "email/closed_incomplete/text.en.txt" "email/closed_incomplete/text.zh.txt");

letter!(WithdrawnStaff => Withdrawn,
    subject: "email/withdrawn/subject.en.txt" "email/withdrawn/subject.zh.txt",
    text: "email/withdrawn/text.en.txt" "email/withdrawn/text.zh.txt");

letter!(WithdrawnAck => WithdrawnAck,
    subject: "email/withdrawn_ack/subject.en.txt" "email/withdrawn_ack/subject.zh.txt",
    text: "email/withdrawn_ack/text.en.txt" "email/withdrawn_ack/text.zh.txt");

letter!(CounterNoticeForward => CounterNoticeForward,
    subject: "email/counter_notice_forward/subject.en.txt" "email/counter_notice_forward/subject.zh.txt",
    text: "email/counter_notice_forward/text.en.txt" "email/counter_notice_forward/text.zh.txt");

letter!(CounterNoticeAck => CounterNoticeAck,
    subject: "email/counter_notice_ack/subject.en.txt" "email/counter_notice_ack/subject.zh.txt",
    text: "email/counter_notice_ack/text.en.txt" "email/counter_notice_ack/text.zh.txt");

letter!(Restored => Restored,
    subject: "email/restored/subject.en.txt" "email/restored/subject.zh.txt",
    text: "email/restored/text.en.txt" "email/restored/text.zh.txt");

letter!(LegalActionNotice => LegalAction,
    subject: "email/legal_action/subject.en.txt" "email/legal_action/subject.zh.txt",
    text: "email/legal_action/text.en.txt" "email/legal_action/text.zh.txt");

letter!(LegalActionReported => LegalActionReported,
    subject: "email/legal_action_reported/subject.en.txt" "email/legal_action_reported/subject.zh.txt",
    text: "email/legal_action_reported/text.en.txt" "email/legal_action_reported/text.zh.txt");

#[cfg(test)]
mod tests {
    use crate::mail::notice::NoticeKind;

    /// Each kind of email has its folder, with a subject and a text in both languages.
    #[test]
    fn every_kind_has_its_letter_in_both_languages() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/email");
        for kind in NoticeKind::ALL {
            for part in [
                "subject.en.txt",
                "subject.zh.txt",
                "text.en.txt",
                "text.zh.txt",
            ] {
                let path = root.join(kind.key_name()).join(part);
                assert!(path.is_file(), "{kind:?} has no {}", path.display());
            }
        }
    }
}
