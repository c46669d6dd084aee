//! Traditional → Simplified Chinese, one character at a time.
//!
//! Character by character (no phrase context) so that a character folds the same way
//! wherever it stands, which keeps shingles of the two scripts aligned.

use std::collections::HashMap;
use std::sync::OnceLock;

static TABLE: &str = include_str!("data/t2s.txt");

/// The characters most text has, looked up by index rather than hashed.
const DIRECT: std::ops::RangeInclusive<u32> = 0x2E80..=0x9FFF;

struct Tables {
    /// Simplified form of each character in `DIRECT`, by offset.
    direct: Vec<char>,
    /// The few mapped characters outside it (compatibility ideographs and the like).
    rest: HashMap<char, char>,
}

fn pairs() -> impl Iterator<Item = (char, char)> {
    TABLE
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut chars = l.chars();
            let from = chars.next()?;
            let to = chars.nth(1)?;
            Some((from, to))
        })
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut direct: Vec<char> = DIRECT.filter_map(char::from_u32).collect();
        let mut rest = HashMap::new();
        for (from, to) in pairs() {
            if DIRECT.contains(&(from as u32)) {
                direct[(from as u32 - DIRECT.start()) as usize] = to;
            } else {
                rest.insert(from, to);
            }
        }
        Tables { direct, rest }
    })
}

#[cfg(test)]
fn table() -> HashMap<char, char> {
    pairs().collect()
}

/// Regional and variant forms folded to one, on both sides of a comparison: 著 and 着
/// are one character for matching even where a writer keeps them apart.
fn variant(c: char) -> char {
    match c {
        '著' => '着',
        '峯' => '峰',
        '羣' => '群',
        '衆' => '众',
        '啓' | '啟' => '启',
        '綫' => '线',
        '麪' => '面',
        '牀' => '床',
        '戶' => '户',
        '僞' => '伪',
        '衞' => '卫',
        '敎' => '教',
        _ => c,
    }
}

/// The Simplified form of `c`, or `c` itself.
pub fn to_simplified(c: char) -> char {
    if (c as u32) < 0x2E80 {
        return c;
    }
    let t = tables();
    let mapped = match (c as u32).checked_sub(*DIRECT.start()) {
        Some(off) if (off as usize) < t.direct.len() => t.direct[off as usize],
        _ => t.rest.get(&c).copied().unwrap_or(c),
    };
    variant(mapped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_traditional_characters_fold() {
        let folded: String = "臺灣經濟發展與國際貿易這個測試"
            .chars()
            .map(to_simplified)
            .collect();
        assert_eq!(folded, "台湾经济发展与国际贸易这个测试");
    }

    #[test]
    fn simplified_and_latin_are_unchanged() {
        let s = "中国 abc 123";
        assert_eq!(s.chars().map(to_simplified).collect::<String>(), s);
    }

    #[test]
    fn table_is_loaded() {
        assert!(table().len() > 2500);
    }

    #[test]
    fn the_indexed_table_agrees_with_the_file() {
        for (from, to) in table() {
            assert_eq!(to_simplified(from), variant(to), "{from}");
        }
        assert_eq!(to_simplified('中'), '中');
        assert_eq!(to_simplified('\u{20000}'), '\u{20000}');
    }
}
