//! Email bodies from `templates/email/`, in the recipient's language. Subjects carry no
//! user input, so nothing a claimant types can reach a header.

use askama::Template;

/// An email template failed to render (a bug, never input): nothing is enqueued.
#[derive(Debug, thiserror::Error)]
#[error("rendering email: {0}")]
pub struct RenderError(#[from] askama::Error);

/// Renders an email body inside the transaction that owes it; a failure rolls it back.
pub fn render_email(t: impl Template) -> Result<String, RenderError> {
    Ok(t.render()?)
}

/// What a receipt says, in any language and format.
pub struct Receipt<'a> {
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

#[derive(Template)]
#[template(path = "email/receipt.en.txt")]
pub struct ReceiptEn<'a> {
    pub r: &'a Receipt<'a>,
}

#[derive(Template)]
#[template(path = "email/receipt.zh.txt")]
pub struct ReceiptZh<'a> {
    pub r: &'a Receipt<'a>,
}

/// The receipt's HTML alternative: the status link clickable, input escaped.
#[derive(Template)]
#[template(path = "email/receipt.en.html")]
pub struct ReceiptEnHtml<'a> {
    pub r: &'a Receipt<'a>,
}

#[derive(Template)]
#[template(path = "email/receipt.zh.html")]
pub struct ReceiptZhHtml<'a> {
    pub r: &'a Receipt<'a>,
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

/// Receipts held back by the per-address limit, sent together (Chinese and English).
#[derive(Template)]
#[template(path = "email/receipt_digest.txt")]
pub struct ReceiptDigest<'a> {
    pub items: &'a [DigestItem],
}

#[derive(Template)]
#[template(path = "email/new_complaint.en.txt")]
pub struct NewComplaintEn<'a> {
    pub id: i64,
    pub code: &'a str,
    pub received_at: &'a str,
    pub deadline_at: &'a str,
    pub claimant: &'a str,
    pub capacity: &'a str,
    pub work_title: &'a str,
    pub targets: &'a [String],
    pub matches: &'a [String],
    pub status_url: &'a str,
}

/// A complaint as the deadline emails to staff describe it.
pub struct DeadlineSummary<'a> {
    pub id: i64,
    pub deadline_at: &'a str,
    pub received_at: &'a str,
    pub claimant: &'a str,
    pub work_title: &'a str,
    pub targets: &'a [String],
    pub status_url: &'a str,
    /// A breach takes the targeted articles down (`ON_BREACH=remove`).
    pub removes: bool,
    /// The claimant's address is unverified, so nothing is taken down on their word.
    pub unconfirmed: bool,
}

#[derive(Template)]
#[template(path = "email/reminder.en.txt")]
pub struct ReminderEn<'a> {
    pub s: &'a DeadlineSummary<'a>,
    pub time_left: &'a str,
}

#[derive(Template)]
#[template(path = "email/escalation.en.txt")]
pub struct EscalationEn<'a> {
    pub s: &'a DeadlineSummary<'a>,
}

/// What a provisional-removal notice to the claimant says, in either language.
pub struct Removal<'a> {
    pub name: &'a str,
    pub code: &'a str,
    pub targets: &'a [String],
    pub status_url: &'a str,
}

#[derive(Template)]
#[template(path = "email/removal.en.txt")]
pub struct RemovalEn<'a> {
    pub r: &'a Removal<'a>,
}

#[derive(Template)]
#[template(path = "email/removal.zh.txt")]
pub struct RemovalZh<'a> {
    pub r: &'a Removal<'a>,
}

/// The source's rights contact: its articles were taken down provisionally.
#[derive(Template)]
#[template(path = "email/source_provisional.txt")]
pub struct SourceProvisional<'a> {
    pub zh: bool,
    pub outlet: &'a str,
    pub id: i64,
    pub targets: &'a [String],
}

/// The source's rights contact and the escalation address: how a provisional removal
/// ended. Each target says whether it is back (another complaint may still hold it).
#[derive(Template)]
#[template(path = "email/source_provisional_ended.txt")]
pub struct SourceProvisionalEnded<'a> {
    pub zh: bool,
    pub outlet: &'a str,
    pub id: i64,
    pub withdrawn: bool,
    pub reason: &'a str,
    pub targets: &'a [(String, bool)],
}

/// What a decision email to the claimant says, in either language.
pub struct DecisionNotice<'a> {
    pub code: &'a str,
    pub upheld: bool,
    /// A provisional removal was undone by the rejection.
    pub restored: bool,
    pub reason: &'a str,
    pub targets: &'a [String],
    pub status_url: &'a str,
    /// `APPEAL_WINDOW` in the claimant's language.
    pub appeal_window: &'a str,
}

#[derive(Template)]
#[template(path = "email/decision.en.txt")]
pub struct DecisionEn<'a> {
    pub d: &'a DecisionNotice<'a>,
}

#[derive(Template)]
#[template(path = "email/decision.zh.txt")]
pub struct DecisionZh<'a> {
    pub d: &'a DecisionNotice<'a>,
}

/// The source's rights contact: the complaint was upheld and its articles removed.
#[derive(Template)]
#[template(path = "email/source_removal.txt")]
pub struct SourceRemoval<'a> {
    pub zh: bool,
    pub outlet: &'a str,
    pub id: i64,
    /// Each removed URL with the form on which to contest its removal.
    pub targets: &'a [(String, String)],
    pub reason: &'a str,
}

#[derive(Template)]
#[template(path = "email/info_request.txt")]
pub struct InfoRequest<'a> {
    pub zh: bool,
    pub code: &'a str,
    pub message: &'a str,
    pub answer_by: &'a str,
    pub status_url: &'a str,
}

#[derive(Template)]
#[template(path = "email/info_closed.txt")]
pub struct InfoClosed<'a> {
    pub zh: bool,
    pub code: &'a str,
    pub status_url: &'a str,
}

#[derive(Template)]
#[template(path = "email/info_answered.txt")]
pub struct InfoAnswered<'a> {
    pub id: i64,
    pub answer: &'a str,
    pub waited: &'a str,
    pub deadline_at: &'a str,
    pub url: &'a str,
}

#[derive(Template)]
#[template(path = "email/counter_notice_forward.txt")]
pub struct CounterNoticeForward<'a> {
    pub zh: bool,
    pub code: &'a str,
    pub n: &'a crate::entities::counter_notice::Model,
    pub restore_at: &'a str,
    pub status_url: &'a str,
}

#[derive(Template)]
#[template(path = "email/counter_notice_ack.txt")]
pub struct CounterNoticeAck<'a> {
    pub n: &'a crate::entities::counter_notice::Model,
    pub restore_at: &'a str,
}

#[derive(Template)]
#[template(path = "email/restored.txt")]
pub struct Restored<'a> {
    pub url: &'a str,
    pub id: i64,
    pub counter_notice_id: i64,
    /// The complaint's hold is released but another still stands.
    pub still_held: bool,
}

#[derive(Template)]
#[template(path = "email/legal_action.txt")]
pub struct LegalActionNotice<'a> {
    pub n: &'a crate::entities::counter_notice::Model,
    pub id: i64,
}

#[derive(Template)]
#[template(path = "email/appeal.txt")]
pub struct AppealFiled<'a> {
    pub id: i64,
    pub statement: &'a str,
    pub first_reason: &'a str,
    pub deadline_at: &'a str,
    pub url: &'a str,
}

/// Staff: the claimant withdrew the complaint or its appeal.
#[derive(Template)]
#[template(path = "email/withdrawn.txt")]
pub struct WithdrawnStaff<'a> {
    pub id: i64,
    pub appeal: bool,
    pub work_title: &'a str,
    pub reason: &'a str,
    /// `#12, #13`, or empty when nothing came back.
    pub restored: &'a str,
    pub url: &'a str,
}

/// The claimant: their withdrawal (of the complaint, or of its appeal) is recorded.
#[derive(Template)]
#[template(path = "email/withdrawn_ack.txt")]
pub struct WithdrawnAck<'a> {
    pub zh: bool,
    pub appeal: bool,
    pub code: &'a str,
    pub status_url: &'a str,
}
