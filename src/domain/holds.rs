//! Takedown holds: an article is down while at least one hold on it stands, and live
//! when none does. Each hold has its own cause (an upheld complaint, a provisional
//! removal at a missed deadline) and is released by that cause alone.

use sea_orm::{DeriveActiveEnum, EnumIter};

use super::article::ArticleStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum HoldKind {
    /// A reviewer upheld the complaint.
    #[sea_orm(string_value = "upheld")]
    Upheld,
    /// The complaint's deadline passed undecided (`ON_BREACH=remove`).
    #[sea_orm(string_value = "provisional")]
    Provisional,
    /// The licence it was republished under ended (`ON_LICENCE_EXPIRY=remove`).
    #[sea_orm(string_value = "licence_expired")]
    LicenceExpired,
}

impl HoldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upheld => "upheld",
            Self::Provisional => "provisional",
            Self::LicenceExpired => "licence_expired",
        }
    }
}

/// What the public sees of an article, derived from the holds that stand on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleState {
    Live,
    /// Down; `provisional` while every standing hold is provisional.
    Down {
        provisional: bool,
    },
}

impl ArticleState {
    pub fn of(standing: impl IntoIterator<Item = HoldKind>) -> Self {
        let mut any = false;
        let mut provisional = true;
        for k in standing {
            any = true;
            provisional &= k == HoldKind::Provisional;
        }
        if any {
            Self::Down { provisional }
        } else {
            Self::Live
        }
    }

    pub fn is_down(self) -> bool {
        matches!(self, Self::Down { .. })
    }

    /// The stored status that shows this state, given the one stored before.
    pub fn status(self, before: ArticleStatus) -> ArticleStatus {
        match self {
            Self::Down { .. } => ArticleStatus::Removed,
            Self::Live if before == ArticleStatus::Published => ArticleStatus::Published,
            Self::Live => ArticleStatus::Restored,
        }
    }
}

/// Why a hold was released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    Rejected,
    Withdrawn,
    CounterNotice,
    /// Closed: the claimant did not answer a request for information in time.
    Incomplete,
}

impl Release {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
            Self::CounterNotice => "counter_notice",
            Self::Incomplete => "incomplete",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_article_is_down_while_any_hold_stands() {
        use HoldKind::*;
        assert_eq!(ArticleState::of([]), ArticleState::Live);
        assert_eq!(
            ArticleState::of([Provisional]),
            ArticleState::Down { provisional: true }
        );
        assert_eq!(
            ArticleState::of([Provisional, Upheld]),
            ArticleState::Down { provisional: false }
        );
        assert_eq!(
            ArticleState::Live.status(ArticleStatus::Published),
            ArticleStatus::Published
        );
        assert_eq!(
            ArticleState::Live.status(ArticleStatus::Removed),
            ArticleStatus::Restored
        );
    }
}
