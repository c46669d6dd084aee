//! Canonical text: the form whose SHA-256 is an article's `content_sha256`.
//!
//! canonical(s) = NFKC(s); delete every character of general category Cc or Cf that is
//! not White_Space; replace each maximal run of White_Space with one U+0020; trim.
//! Formatting changes leave it alone; any change of words changes it.

use sha2::{Digest, Sha256};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Bumped whenever `canonical` could produce different output for the same input.
pub const NORMALIZER_VERSION: i32 = 1;

/// Unicode 16 general category Cf (format characters). Kept here, not in a crate,
/// because the hash must not change when a dependency updates its tables.
const FORMAT_RANGES: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

fn is_format(c: char) -> bool {
    let c = c as u32;
    // Binary search over sorted, disjoint ranges.
    FORMAT_RANGES
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// True for characters the canonical form deletes.
fn is_dropped(c: char) -> bool {
    !c.is_whitespace() && (c.is_control() || is_format(c))
}

/// Appends the canonical form of already-normalised characters to `out`. `started`
/// and `pending_space` carry the whitespace state across chunks.
fn push_filtered(
    chars: impl Iterator<Item = char>,
    out: &mut String,
    started: &mut bool,
    pending_space: &mut bool,
) {
    for c in chars {
        if c.is_whitespace() {
            *pending_space = *started;
        } else if !is_dropped(c) {
            if *pending_space {
                out.push(' ');
                *pending_space = false;
            }
            out.push(c);
            *started = true;
        }
    }
}

/// NFKC of characters that need no context: ASCII, CJK ideographs and common CJK
/// punctuation are their own NFKC form; full-width ASCII and the ideographic space map
/// to their ASCII counterparts. None of these compose with a neighbour, so a text made
/// only of them can be normalised one character at a time.
fn simple_nfkc(c: char) -> Option<char> {
    match c as u32 {
        0..=0x7F | 0x4E00..=0x9FFF | 0x3001 | 0x3002 | 0x3008..=0x3011 => Some(c),
        0x2014 | 0x2018 | 0x2019 | 0x201C | 0x201D | 0x00B7 => Some(c),
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0),
        0x3000 => Some(' '),
        _ => None,
    }
}

/// Canonicalises ASCII, copying runs of printable bytes at once: the common case for
/// English copy.
fn push_ascii(s: &str, out: &mut String, started: &mut bool, pending_space: &mut bool) {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..]
            .iter()
            .position(|b| *b <= b' ' || *b == 0x7F)
            .unwrap_or(bytes.len() - i);
        if run > 0 {
            if *pending_space {
                out.push(' ');
                *pending_space = false;
            }
            out.push_str(&s[i..i + run]);
            *started = true;
            i += run;
        }
        if i < bytes.len() {
            if matches!(bytes[i], b'\t'..=b'\r' | b' ') {
                *pending_space = *started;
            }
            i += 1;
        }
    }
}

/// The simple path of `push_canonical`: false (with `out` partly written) as soon as a
/// character needs full normalisation.
fn push_simple(s: &str, out: &mut String, started: &mut bool, pending_space: &mut bool) -> bool {
    for c in s.chars() {
        let Some(m) = simple_nfkc(c) else {
            return false;
        };
        if m.is_ascii() {
            match m as u8 {
                b'\t'..=b'\r' | b' ' => {
                    *pending_space = *started;
                    continue;
                }
                0..=0x1F | 0x7F => continue,
                _ => {}
            }
        }
        // Every non-ASCII result of `simple_nfkc` is visible text.
        if *pending_space {
            out.push(' ');
            *pending_space = false;
        }
        out.push(m);
        *started = true;
    }
    true
}

/// Appends canonical(s) to `out`, carrying the whitespace state across chunks. Takes
/// the fastest path that gives the same result as full NFKC.
fn push_canonical(s: &str, out: &mut String, started: &mut bool, pending_space: &mut bool) {
    if s.is_ascii() {
        return push_ascii(s, out, started, pending_space);
    }
    let (mark, was_started, was_pending) = (out.len(), *started, *pending_space);
    if push_simple(s, out, started, pending_space) {
        return;
    }
    // Something needs real normalisation: redo this chunk in full.
    out.truncate(mark);
    *started = was_started;
    *pending_space = was_pending;
    if is_nfkc_quick(s.chars()) == IsNormalized::Yes {
        push_filtered(s.chars(), out, started, pending_space);
    } else {
        push_filtered(s.nfkc(), out, started, pending_space);
    }
}

/// The canonical text of `input`.
pub fn canonical(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let (mut started, mut pending_space) = (false, false);
    push_canonical(input, &mut out, &mut started, &mut pending_space);
    out
}

/// Lower-case hex of SHA-256 over `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `content_sha256`: SHA-256 of the UTF-8 bytes of the canonical text.
pub fn content_sha256(input: &str) -> String {
    sha256_hex(canonical(input).as_bytes())
}

/// Streams canonical text into a hasher without holding the whole canonical copy,
/// for `takedown hash` on large files. Produces the same digest as `content_sha256`.
pub struct CanonicalHasher {
    hasher: Sha256,
    started: bool,
    pending_space: bool,
    buf: String,
}

impl Default for CanonicalHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl CanonicalHasher {
    pub fn new() -> Self {
        Self {
            hasher: Sha256::new(),
            started: false,
            pending_space: false,
            buf: String::with_capacity(1 << 16),
        }
    }

    /// Feeds a chunk. Chunks must split the text only at a character that NFKC cannot
    /// combine with its neighbours (callers split after a newline), so that chunked and
    /// whole-text normalisation agree.
    pub fn update(&mut self, chunk: &str) {
        self.buf.clear();
        push_canonical(
            chunk,
            &mut self.buf,
            &mut self.started,
            &mut self.pending_space,
        );
        self.hasher.update(self.buf.as_bytes());
    }

    /// Feeds the canonical text of a block that ended with a line break, canonicalised
    /// elsewhere (in parallel). Blocks are joined by one space, as the line break
    /// between them would have been.
    pub fn update_canonical_block(&mut self, canonical_block: &str) {
        if canonical_block.is_empty() {
            return;
        }
        if self.started || self.pending_space {
            self.hasher.update(b" ");
        }
        self.hasher.update(canonical_block.as_bytes());
        self.started = true;
        self.pending_space = false;
    }

    pub fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_letters_and_digits_fold_to_ascii() {
        assert_eq!(canonical("ＡＢＣ１２３"), "ABC123");
    }

    #[test]
    fn whitespace_runs_collapse_and_trim() {
        assert_eq!(canonical("  a \t\n b\u{3000}\u{00A0}c  \r\n"), "a b c");
    }

    #[test]
    fn zero_width_and_control_characters_are_dropped() {
        assert_eq!(canonical("a\u{200B}b\u{FEFF}c\u{0007}d\u{00AD}e"), "abcde");
    }

    #[test]
    fn nfkc_compatibility_forms() {
        // Ligature, superscript, half-width katakana, composed vs decomposed accents.
        assert_eq!(canonical("ﬁ²"), "fi2");
        assert_eq!(canonical("ｶ"), "カ");
        assert_eq!(canonical("e\u{0301}"), canonical("\u{00E9}"));
    }

    #[test]
    fn chinese_punctuation_is_kept_but_full_width_ascii_punctuation_folds() {
        assert_eq!(canonical("你好，世界！"), "你好,世界!");
        assert_eq!(canonical("他说。"), "他说。");
    }

    #[test]
    fn a_changed_word_changes_the_hash() {
        assert_ne!(
            content_sha256("the cat sat"),
            content_sha256("the cat sits")
        );
        assert_eq!(
            content_sha256("the  cat\nsat "),
            content_sha256("the cat sat")
        );
    }

    #[test]
    fn known_vector() {
        // sha256("a b") — recomputable with `printf 'a b' | sha256sum`.
        assert_eq!(
            content_sha256(" a\n\u{200B}b "),
            "c8687a08aa5d6ed2044328fa6a697ab8e96dc34291e8c2034ae8c38e6fcc6d65"
        );
    }

    proptest::proptest! {
        /// The fast paths agree with plain NFKC on any mix of the characters they handle
        /// and ones they do not.
        #[test]
        fn fast_paths_agree_with_full_nfkc(s in "[ -~\t\n\u{3000}\u{3001}\u{3002}\u{4e00}-\u{4e20}\u{ff01}-\u{ff5e}\u{0301}\u{00e9}\u{200b}\u{2026}\u{00a0}]{0,60}") {
            let mut reference = String::new();
            let (mut st, mut pend) = (false, false);
            push_filtered(s.nfkc(), &mut reference, &mut st, &mut pend);
            proptest::prop_assert_eq!(canonical(&s), reference);
        }
    }

    #[test]
    fn block_hashing_agrees_with_whole_text() {
        let text = "\u{3000}第一段。\n\n  Second line\twith ＷＩＤＥ text\u{200B}.\n\u{200B}\n第三段 e\u{301}\n";
        let mut h = CanonicalHasher::new();
        for block in text.split_inclusive('\n') {
            h.update_canonical_block(&canonical(block));
        }
        assert_eq!(h.finish(), content_sha256(text));
    }

    #[test]
    fn streaming_hasher_agrees_with_whole_text() {
        let text = "第一段。\n  Second line\twith ＷＩＤＥ text\u{200B}.\n\n第三段\n";
        let mut h = CanonicalHasher::new();
        for line in text.split_inclusive('\n') {
            h.update(line);
        }
        assert_eq!(h.finish(), content_sha256(text));
    }
}
