//! What a decision did to each URL a complaint names. One complaint can name an
//! article we republished and a page that is not ours; each is decided on its own,
//! under one statement of reasons.

use sea_orm::{DeriveActiveEnum, EnumIter};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "Text")]
pub enum TargetOutcome {
    /// Taken down.
    #[sea_orm(string_value = "upheld")]
    Upheld,
    /// Stays up: the complaint does not hold for it.
    #[sea_orm(string_value = "rejected")]
    Rejected,
    /// Not content of ours (not a recorded article): nothing for us to remove.
    #[sea_orm(string_value = "not_ours")]
    NotOurs,
}

impl TargetOutcome {
    /// From the decision form or the API: `uphold`, `reject`, `not_ours`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "uphold" | "upheld" => Some(Self::Upheld),
            "reject" | "rejected" => Some(Self::Rejected),
            "not_ours" => Some(Self::NotOurs),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upheld => "upheld",
            Self::Rejected => "rejected",
            Self::NotOurs => "not_ours",
        }
    }

    /// Where a decision names no outcome for a target: what an uphold or a rejection
    /// means for it. A URL that is no recorded article is not ours to remove.
    pub fn default_for(upheld: bool, recorded: bool) -> Self {
        match (upheld, recorded) {
            (true, true) => Self::Upheld,
            (true, false) => Self::NotOurs,
            (false, _) => Self::Rejected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uphold_removes_only_what_is_ours() {
        assert_eq!(
            TargetOutcome::default_for(true, true),
            TargetOutcome::Upheld
        );
        assert_eq!(
            TargetOutcome::default_for(true, false),
            TargetOutcome::NotOurs
        );
        assert_eq!(
            TargetOutcome::default_for(false, true),
            TargetOutcome::Rejected
        );
        assert_eq!(
            TargetOutcome::parse(" not_ours"),
            Some(TargetOutcome::NotOurs)
        );
        assert_eq!(TargetOutcome::parse("maybe"), None);
    }
}
