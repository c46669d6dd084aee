//! Keyset paging: a page starts after the last row of the one before, named by its
//! ordering time and id, so a deep page costs what the first does (no OFFSET).

use time::OffsetDateTime;

/// The last row of a page: its ordering time and id, which breaks ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: OffsetDateTime,
    pub id: i64,
}

impl Cursor {
    /// `MICROS_ID`, as `to_param` writes it; anything else is refused.
    pub fn parse(s: &str) -> Option<Self> {
        let (micros, id) = s.split_once('_')?;
        let micros: i128 = micros.parse().ok()?;
        let at = OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1000)?).ok()?;
        Some(Self {
            at,
            id: id.parse().ok().filter(|id: &i64| *id > 0)?,
        })
    }

    pub fn to_param(self) -> String {
        format!("{}_{}", self.at.unix_timestamp_nanos() / 1000, self.id)
    }
}

/// Rows strictly past `c` in the order of (`at`, `id`): later ones when the listing
/// ascends, earlier ones when it descends.
pub fn past<A, I>(at: A, id: I, c: Cursor, ascending: bool) -> sea_orm::Condition
where
    A: sea_orm::ColumnTrait,
    I: sea_orm::ColumnTrait,
{
    use sea_orm::Condition;
    let (beyond_at, beyond_id) = if ascending {
        (at.gt(c.at), id.gt(c.id))
    } else {
        (at.lt(c.at), id.lt(c.id))
    };
    Condition::any()
        .add(beyond_at)
        .add(Condition::all().add(at.eq(c.at)).add(beyond_id))
}

/// Cuts a page fetched `size + 1` long back to `size`; the next page's cursor (its
/// last row's key) when there was more.
pub fn cut<T>(rows: &mut Vec<T>, size: u64, key: impl Fn(&T) -> Cursor) -> Option<Cursor> {
    if rows.len() as u64 <= size {
        return None;
    }
    rows.truncate(size as usize);
    rows.last().map(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_nothing_else_parses() {
        let c = Cursor {
            at: time::macros::datetime!(2026-12-02 12:34:56.123456 UTC),
            id: 42,
        };
        assert_eq!(Cursor::parse(&c.to_param()), Some(c));
        for bad in [
            "",
            "1",
            "x_1",
            "1_x",
            "1_0",
            "1_-3",
            "99999999999999999999999999_1",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }
}
