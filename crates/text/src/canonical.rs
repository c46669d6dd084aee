//! Canonical text: the form whose SHA-256 is an article's `content_sha256`.
//!
//! canonical(s) = NFKC(s); delete every character of general category Cc or Cf that is
//! not White_Space; replace each maximal run of White_Space with one U+0020; trim.
//! Formatting changes leave it alone; any change of words changes it.

use sha2::{Digest, Sha256};

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

/// Whether `c` is a format character (general category Cf): bidi embeddings and
/// isolates, zero-width characters, the BOM.
pub fn is_format(c: char) -> bool {
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

/// NFKC from ICU4X: it copies the spans that quick-check says are already normalised
/// and normalises only around the rest, so real text (full-width punctuation, curly
/// quotes) no longer sends whole blocks down the slow path.
const NFKC: icu_normalizer::ComposingNormalizerBorrowed<'static> =
    icu_normalizer::ComposingNormalizerBorrowed::new_nfkc();

/// How the filter treats each byte value.
const PLAIN: u8 = 0;
const SPACE: u8 = 1;
const CONTROL: u8 = 2;
const CANDIDATE: u8 = 3;

/// The class of every byte: visible ASCII, continuation bytes and the lead bytes of
/// characters that cannot be whitespace, control or format characters (Han among them)
/// are PLAIN and copied without being decoded; CANDIDATE lead bytes start a character
/// that may be one of those and is decoded. The filter sees NFKC output only, where
/// U+3000..U+3FFF (CJK punctuation, kana) holds none of them: its one space, U+3000,
/// has become U+0020, so CJK punctuation is PLAIN too.
const CLASS: [u8; 256] = {
    let mut t = [PLAIN; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = match b {
            b' ' => SPACE,
            0..=0x1F | 0x7F => CONTROL,
            0xC2 | 0xD8..=0xDC | 0xE0..=0xE2 | 0xEF | 0xF0..=0xF4 => CANDIDATE,
            _ => PLAIN,
        };
        i += 1;
    }
    t
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// How many of eight bytes (0 to 8) are already canonical as they stand: the prefix
/// before the first byte that needs a look (not ASCII, a control, the second of two
/// spaces, a space starting a run), and not ending on a space (the next byte decides
/// it). Checked a word at a time (SWAR), so English goes through up to eight bytes a
/// step, and a curly quote or a double space ends a step instead of spoiling it.
fn plain_ascii_prefix(chunk: &[u8], at_run_start: bool) -> usize {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(chunk);
    let w = u64::from_le_bytes(bytes);
    // Below the first byte that is not ASCII, a control or DEL these per-byte tests are
    // exact; a borrow only runs upwards, past a byte that already stops the prefix.
    let high = w & HIGHS;
    let below_space = w.wrapping_sub(ONES * 0x20) & HIGHS;
    let del = {
        let t = w ^ (ONES * 0x7F);
        t.wrapping_sub(ONES) & !t & HIGHS
    };
    // Exact for every byte: no carry crosses a byte.
    let spaces = {
        let t = w ^ (ONES * 0x20);
        !(((t & !HIGHS) + !HIGHS) | t) & HIGHS
    };
    let run_start = if at_run_start { spaces & 0x80 } else { 0 };
    let stop = high | below_space | del | (spaces & (spaces << 8)) | run_start;
    let n = (stop.trailing_zeros() / 8) as usize;
    if n > 0 && spaces & (0x80 << (8 * (n - 1))) != 0 {
        n - 1
    } else {
        n
    }
}

fn utf8_width(lead: u8) -> usize {
    match lead {
        0..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// The second half of `canonical`: drops control and format characters and collapses
/// whitespace, carrying its state across blocks.
#[derive(Debug, Default, Clone, Copy)]
struct Filter {
    started: bool,
    pending_space: bool,
}

impl Filter {
    /// Feeds NFKC-normalised text; the canonical output goes to `emit` in pieces,
    /// unchanged spans as slices of `s`.
    fn feed(&mut self, s: &str, emit: &mut impl FnMut(&str)) {
        let b = s.as_bytes();
        let (mut i, mut run) = (0, 0);
        loop {
            if let Some(chunk) = b.get(i..i + 8) {
                if chunk[0] < 0x80 {
                    let n = plain_ascii_prefix(chunk, i == run);
                    if n > 0 {
                        i += n;
                        continue;
                    }
                } else if chunk.iter().fold(PLAIN, |acc, x| acc | CLASS[*x as usize]) == PLAIN {
                    // Han, kana and other text outside ASCII: eight bytes at a time
                    // while none of them needs a look.
                    i += 8;
                    continue;
                }
            }
            let Some(&x) = b.get(i) else { break };
            if CLASS[x as usize] == PLAIN {
                i += 1;
                continue;
            }
            let (w, whitespace) = match CLASS[x as usize] {
                SPACE => {
                    // One space between two visible characters is already canonical:
                    // keep it in the run, so text goes out in long slices.
                    if i > run && b.get(i + 1).is_some_and(|n| CLASS[*n as usize] == PLAIN) {
                        i += 2;
                        continue;
                    }
                    (1, true)
                }
                CONTROL => (1, matches!(x, b'\t'..=b'\r')),
                // Of U+F000..U+FFFF only U+FEFF and U+FFF9..U+FFFB are dropped:
                // full-width forms are passed from their bytes, without decoding.
                _ if x == 0xEF && !matches!(b.get(i + 1), Some(0xBB | 0xBF)) => {
                    i += 3;
                    continue;
                }
                _ => {
                    let w = utf8_width(x);
                    match s[i..].chars().next() {
                        // Dashes, quotes, ellipses, per mille: the common typographic
                        // punctuation, none of it whitespace or a format character.
                        Some('\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205E}') => {
                            i += w;
                            continue;
                        }
                        Some(c) if c.is_whitespace() => (w, true),
                        Some(c) if is_dropped(c) => (w, false),
                        _ => {
                            i += w;
                            continue;
                        }
                    }
                }
            };
            self.flush(&s[run..i], emit);
            if whitespace {
                self.pending_space = self.started;
            }
            i += w;
            run = i;
        }
        self.flush(&s[run..], emit);
    }

    fn flush(&mut self, visible: &str, emit: &mut impl FnMut(&str)) {
        if visible.is_empty() {
            return;
        }
        if self.pending_space {
            emit(" ");
            self.pending_space = false;
        }
        emit(visible);
        self.started = true;
    }
}

/// The canonical text of `input`.
pub fn canonical(input: &str) -> String {
    let mut out = String::new();
    canonical_into(input, &mut out);
    out
}

/// As `canonical_into`, for bytes that should be UTF-8: ICU decodes while it
/// normalises, so the text is not validated in a pass of its own. Ill-formed input is
/// refused with the offset where it stops being UTF-8. The NFKC text goes into
/// `scratch`, which a caller going block after block reuses instead of allocating (and
/// faulting in) a new copy each time.
pub fn canonical_bytes_into(
    input: &[u8],
    scratch: &mut String,
    out: &mut String,
) -> Result<(), usize> {
    out.clear();
    scratch.clear();
    // Writing into a String cannot fail.
    let _ = NFKC.normalize_utf8_to(input, scratch);
    // ICU stands U+FFFD in for ill-formed bytes; only then is there anything to check.
    if scratch.contains('\u{FFFD}')
        && let Err(e) = std::str::from_utf8(input)
    {
        return Err(e.valid_up_to());
    }
    out.reserve(scratch.len());
    Filter::default().feed(scratch, &mut |piece| out.push_str(piece));
    Ok(())
}

/// Writes the canonical text of `input` into `out`, replacing what it held (so a
/// buffer can be reused block after block).
pub fn canonical_into(input: &str, out: &mut String) {
    out.clear();
    let normalised = NFKC.normalize(input);
    out.reserve(normalised.len());
    Filter::default().feed(&normalised, &mut |piece| out.push_str(piece));
}

/// Lower-case hex of SHA-256 over `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `content_sha256`: SHA-256 of the UTF-8 bytes of the canonical text.
pub fn content_sha256(input: &str) -> String {
    sha256_hex(canonical(input).as_bytes())
}

/// Hashes canonical text block by block without holding the whole canonical copy,
/// for `takedown hash` on large files. Produces the same digest as `content_sha256`.
#[derive(Default)]
pub struct CanonicalHasher {
    hasher: Sha256,
    started: bool,
}

impl CanonicalHasher {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the canonical text of a block that ended with a line break, canonicalised
    /// elsewhere (in parallel). Blocks are joined by one space, as the line break
    /// between them would have been.
    pub fn update_canonical_block(&mut self, canonical_block: &str) {
        if canonical_block.is_empty() {
            return;
        }
        if self.started {
            self.hasher.update(b" ");
        }
        self.hasher.update(canonical_block.as_bytes());
        self.started = true;
    }

    pub fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

/// NFKC of `text`, borrowed when it is already normalised.
pub fn nfkc(chunk: &str) -> std::borrow::Cow<'_, str> {
    NFKC.normalize(chunk)
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

    /// The definition, spelled out with an independent NFKC (unicode-normalization)
    /// and a character-at-a-time filter.
    fn reference(s: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        let mut out = String::new();
        let (mut started, mut pending) = (false, false);
        for c in s.nfkc() {
            if c.is_whitespace() {
                pending = started;
            } else if !is_dropped(c) {
                if pending {
                    out.push(' ');
                    pending = false;
                }
                out.push(c);
                started = true;
            }
        }
        out
    }

    proptest::proptest! {
        /// ICU4X's NFKC and the byte-level filter agree with the definition on any mix
        /// of characters that need work and ones that do not.
        #[test]
        fn canonical_agrees_with_the_definition(s in "[ -~\t\n\u{3000}\u{3001}\u{3002}\u{4e00}-\u{4e20}\u{ff01}-\u{ff5e}\u{0301}\u{00e9}\u{200b}\u{2026}\u{00a0}\u{0085}\u{00ad}\u{1680}\u{2028}\u{202f}\u{feff}\u{fff9}\u{0600}\u{070f}\u{201c}\u{201d}\u{2014}\u{fb01}\u{00b2}\u{ac00}\u{1100}\u{1161}\u{0041}\u{030a}\u{212b}\u{e0041}\u{1d173}]{0,60}") {
            proptest::prop_assert_eq!(canonical(&s), reference(&s));
        }

        /// And on any text at all: the two NFKC implementations agree, so no stored
        /// `content_sha256` moves.
        #[test]
        fn any_text_hashes_as_before(s in proptest::prelude::any::<String>()) {
            proptest::prop_assert_eq!(canonical(&s), reference(&s));
        }

        /// Bytes: the same canonical text when they are UTF-8, the same error offset as
        /// the standard library's check when they are not.
        #[test]
        fn bytes_agree_with_text(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80)) {
            let mut out = String::new();
            match std::str::from_utf8(&b) {
                Ok(s) => proptest::prop_assert_eq!(canonical_bytes_into(&b, &mut String::new(), &mut out).map(|()| out), Ok(reference(s))),
                Err(e) => proptest::prop_assert_eq!(canonical_bytes_into(&b, &mut String::new(), &mut out), Err(e.valid_up_to())),
            }
        }
    }

    #[test]
    fn eight_byte_steps_stop_wherever_a_byte_needs_work() {
        assert_eq!(plain_ascii_prefix(b"a b c de", false), 8);
        assert_eq!(plain_ascii_prefix(b" abcdefg", false), 8);
        assert_eq!(
            plain_ascii_prefix(b" abcdefg", true),
            0,
            "a run does not start with a space"
        );
        assert_eq!(plain_ascii_prefix(b"ab  cdef", false), 2, "two spaces");
        assert_eq!(plain_ascii_prefix(b"abcdefg ", false), 7, "ends on a space");
        assert_eq!(plain_ascii_prefix(b"abc \ndef", false), 3);
        assert_eq!(plain_ascii_prefix(b"abc\x7fdefg", false), 3);
        assert_eq!(plain_ascii_prefix(b"\x00bcdefgh", false), 0);
        assert_eq!(plain_ascii_prefix(b"abcdefg\x1f", false), 7);
        assert_eq!(plain_ascii_prefix(b"abc\tdefg", false), 3);
        assert_eq!(plain_ascii_prefix("ab\u{e9}cdef".as_bytes(), false), 2);
        assert_eq!(plain_ascii_prefix("a \u{201c}cde".as_bytes(), false), 1);
        assert_eq!(
            canonical("one two  three\tfour   five six seven eight"),
            "one two three four five six seven eight"
        );
    }

    #[test]
    fn bytes_are_checked_as_utf8_while_normalised() {
        let (mut scratch, mut out) = (String::new(), String::new());
        assert_eq!(
            canonical_bytes_into("ＡＢ\u{FFFD} c".as_bytes(), &mut scratch, &mut out),
            Ok(())
        );
        assert_eq!(out, "AB\u{FFFD} c");
        assert_eq!(
            canonical_bytes_into(b"ok\n\xff\xfe\n", &mut scratch, &mut out),
            Err(3)
        );
        assert_eq!(
            canonical_bytes_into("第一".as_bytes(), &mut scratch, &mut out),
            Ok(())
        );
    }

    #[test]
    fn canonical_blocks_agree_with_whole_text() {
        let text = "\u{3000}第一段。\n\n  Second line\twith ＷＩＤＥ text\u{200B}.\n\u{200B}\n第三段 e\u{301}\n";
        let mut h = CanonicalHasher::new();
        let mut buf = String::new();
        for block in text.split_inclusive('\n') {
            canonical_into(block, &mut buf);
            h.update_canonical_block(&buf);
        }
        assert_eq!(h.finish(), content_sha256(text));
    }

    #[test]
    fn line_by_line_hashing_agrees_with_whole_text() {
        let text = "第一段。\n  Second line\twith ＷＩＤＥ text\u{200B}.\n\n第三段\n";
        let mut h = CanonicalHasher::new();
        let (mut scratch, mut buf) = (String::new(), String::new());
        for line in text.split_inclusive('\n') {
            canonical_bytes_into(line.as_bytes(), &mut scratch, &mut buf).unwrap();
            h.update_canonical_block(&buf);
        }
        assert_eq!(h.finish(), content_sha256(text));
    }
}
