//! What a use case answers instead of its result. The HTTP edge converts it once
//! (`AppError: From<ServiceError>`); pages translate a conflict by its code.

use sea_orm::DbErr;

use crate::domain::validate::FieldErrors;
use crate::mail::letter::RenderError;
use crate::mail::outbox::PostError;

/// A request that the complaint's current state refuses. `code()` is the contract's
/// `error` value; pages translate by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// Decided already (or closed), so it cannot be decided or questioned again.
    AlreadyDecided,
    /// A question to the claimant is already waiting for its answer.
    AlreadyWaiting,
    /// An appeal must be decided by someone other than the first reviewer.
    DifferentReviewerRequired,
    /// Another reviewer has claimed it: only they, or an admin, may decide it.
    ClaimedByAnother,
    /// No question is waiting, so there is nothing to answer.
    NotWaiting,
    /// Only a rejection can be appealed.
    NotRejected,
    AlreadyAppealed,
    AppealWindowClosed,
    /// Decided or closed: nothing is left to withdraw.
    NotOpen,
    /// The article is live: there is nothing to contest.
    NotRemoved,
    /// A counter-notice for the article is already waiting.
    CounterNoticePending,
    /// Legal action is already on record.
    LegalActionRecorded,
    /// The claimant already reported legal action; staff confirm it.
    LegalActionReported,
    /// No counter-notice waits to restore the content: there is nothing to stop.
    NoCounterNoticeWaiting,
    /// A counter-notice names a URL that is not the removed article's.
    RemovedUrlMismatch,
}

impl Conflict {
    pub fn code(self) -> &'static str {
        match self {
            Self::AlreadyDecided => "already_decided",
            Self::AlreadyWaiting => "already_waiting",
            Self::DifferentReviewerRequired => "different_reviewer_required",
            Self::ClaimedByAnother => "claimed_by_another",
            Self::NotWaiting => "not_waiting",
            Self::NotRejected => "not_rejected",
            Self::AlreadyAppealed => "already_appealed",
            Self::AppealWindowClosed => "appeal_window_closed",
            Self::NotOpen => "not_open",
            Self::NotRemoved => "not_removed",
            Self::CounterNoticePending => "counter_notice_pending",
            Self::LegalActionRecorded => "already_recorded",
            Self::LegalActionReported => "already_reported",
            Self::NoCounterNoticeWaiting => "no_counter_notice_waiting",
            Self::RemovedUrlMismatch => "removed_url_mismatch",
        }
    }

    /// The English message of the API's body and the staff pages.
    pub fn message(self) -> &'static str {
        match self {
            Self::AlreadyDecided => "this complaint has already been decided",
            Self::AlreadyWaiting => "this complaint is already waiting for the claimant's answer",
            Self::DifferentReviewerRequired => {
                "this is an appeal: a reviewer other than the one who first decided must decide it"
            }
            Self::ClaimedByAnother => {
                "another reviewer has claimed this complaint: only they or an admin may decide it (an admin can reassign it)"
            }
            Self::NotWaiting => "this complaint is not waiting for information",
            Self::NotRejected => "only a rejected complaint can be appealed",
            Self::AlreadyAppealed => "this complaint has already been appealed",
            Self::AppealWindowClosed => "the time to appeal this decision has passed",
            Self::NotOpen => "this complaint is already decided or closed",
            Self::NotRemoved => "this article is not removed: there is nothing to contest",
            Self::CounterNoticePending => "a counter-notice for this article is already waiting",
            Self::LegalActionRecorded => "legal action is already recorded on this complaint",
            Self::LegalActionReported => {
                "legal action is already reported on this complaint; staff will confirm it"
            }
            Self::NoCounterNoticeWaiting => {
                "no counter-notice is waiting on this complaint: there is no restoration to stop"
            }
            Self::RemovedUrlMismatch => "removed_url is not the URL of the removed article",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Db(#[from] DbErr),
    /// An email could not be rendered: the change that owed it is rolled back.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The match index could not be built, read or saved.
    #[error("match index: {0}")]
    Index(String),
    /// Input handed to a bulk use case (an import) could not be read.
    #[error("reading input: {0}")]
    Io(#[from] std::io::Error),
    #[error("not found")]
    NotFound,
    #[error("{}", .0.message())]
    Conflict(Conflict),
    #[error("validation failed")]
    Invalid(FieldErrors),
}

impl From<PostError> for ServiceError {
    fn from(e: PostError) -> Self {
        match e {
            PostError::Render(e) => Self::Render(e),
            PostError::Db(e) => Self::Db(e),
        }
    }
}

impl From<Conflict> for ServiceError {
    fn from(c: Conflict) -> Self {
        Self::Conflict(c)
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
