//! Fingerprints for matching complained-of text against recorded articles.
//!
//! The text is canonicalised, lower-cased and folded from Traditional to Simplified
//! Chinese (and regional variants to one form); punctuation and whitespace are removed.
//! Han (and kana) characters are one token each, since Chinese has no spaces to split
//! words; every other run of letters or digits is one token.
//!
//! Tokens go into two streams by script, Han and the rest, each shingled on its own:
//! Latin or digits between two Han characters (a conversion tool's pinyin gloss such
//! as 區(qū), an inline number, an English fragment) do not break the Han shingles
//! around them, and Han inside English copy does not break its word shingles.
//! Romanisation glosses right after a Han character are dropped outright.
//!
//! Each k-gram of a stream is hashed with a fixed-seed 64-bit hash (so fingerprints
//! stay stable across releases and machines) and winnowed (Schleimer, Wilkerson, Aiken
//! 2003): in every window of `WINDOW` consecutive k-gram hashes the minimum is kept.
//!
//! Guarantee: any run of at least `GUARANTEED_TOKENS` = WINDOW + K - 1 = 15 tokens of
//! one stream (15 Han characters, or 15 words), shared by two texts, yields at least
//! one common fingerprint, whatever the other script interleaves with it.

use super::canonical::canonical;
use super::script_fold::to_simplified;

/// Tokens per shingle.
pub const K: usize = 6;
/// k-gram hashes per winnowing window.
pub const WINDOW: usize = 10;
/// Shortest shared run of tokens of one stream that is always detected.
pub const GUARANTEED_TOKENS: usize = WINDOW + K - 1;
/// Bumped whenever `fingerprints` could give different output for the same text;
/// stored revisions with an older version are fingerprinted again.
pub const FINGERPRINT_VERSION: i32 = 2;
/// Mixed into word-stream k-grams so the two streams never share a hash by design.
const WORD_STREAM: u64 = 0x5bd1_e995_7f4a_7c15;

/// True for characters shingled one by one (scripts written without spaces).
pub fn is_cjk_char(c: char) -> bool {
    matches!(c as u32,
        0x3005 | 0x3007
        | 0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF      // CJK Extension A
        | 0x4E00..=0x9FFF      // CJK Unified Ideographs
        | 0xF900..=0xFAFF      // CJK Compatibility Ideographs
        | 0x20000..=0x3FFFF) // Extensions B and later
}

/// Lower-cased, Traditional-to-Simplified folded canonical text.
pub fn fold(text: &str) -> String {
    canonical(text)
        .to_lowercase()
        .chars()
        .map(to_simplified)
        .collect()
}

/// FNV-1a, 64-bit: fixed and simple, so the fingerprint of a text never changes.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// splitmix64 finaliser: spreads the combined k-gram hash over all 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A text's tokens, split by script, in order within each stream.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Streams {
    pub han: Vec<u64>,
    pub words: Vec<u64>,
}

/// Whether `inner` (what lies between the brackets) reads as a romanisation gloss:
/// a short syllable or two of Latin letters, tone marks or tone digits.
fn is_gloss(inner: &[char]) -> bool {
    !inner.is_empty()
        && inner.len() <= 12
        && inner.iter().any(|c| c.is_alphabetic())
        && inner.iter().all(|c| {
            (c.is_alphabetic() && !is_cjk_char(*c))
                || ('1'..='5').contains(c)
                || matches!(c, ' ' | '\'' | '-' | '·')
                || ('\u{0300}'..='\u{036F}').contains(c)
        })
}

/// Token hashes of `text` by script stream, after folding.
pub fn token_streams(text: &str) -> Streams {
    let folded: Vec<char> = canonical(text)
        .to_lowercase()
        .chars()
        .map(to_simplified)
        .collect();
    let mut out = Streams {
        han: Vec::with_capacity(folded.len() / 2),
        words: Vec::new(),
    };
    let mut word = String::new();
    let mut buf = [0u8; 4];
    let mut after_han = false;
    let mut i = 0;
    while i < folded.len() {
        let c = folded[i];
        // NFKC has made full-width brackets ASCII: 區（qū） and 區(qū) look alike here.
        if c == '(' && after_han && word.is_empty() {
            let close = folded[i + 1..]
                .iter()
                .take(14)
                .position(|c| *c == ')')
                .map(|p| i + 1 + p);
            if let Some(end) = close
                && is_gloss(&folded[i + 1..end])
            {
                i = end + 1;
                continue;
            }
        }
        if is_cjk_char(c) {
            if !word.is_empty() {
                out.words.push(fnv1a(word.as_bytes()));
                word.clear();
            }
            out.han.push(fnv1a(c.encode_utf8(&mut buf).as_bytes()));
            after_han = true;
        } else if c.is_alphanumeric() {
            word.push(c);
            after_han = false;
        } else {
            if !word.is_empty() {
                // Punctuation and spaces separate words and are otherwise dropped.
                out.words.push(fnv1a(word.as_bytes()));
                word.clear();
            }
            after_han = after_han && c == ' ';
        }
        i += 1;
    }
    if !word.is_empty() {
        out.words.push(fnv1a(word.as_bytes()));
    }
    out
}

/// Hashes of every k-gram of tokens, `salt` marking the stream.
pub(crate) fn kgram_hashes(tokens: &[u64], salt: u64) -> Vec<u64> {
    tokens
        .windows(K)
        .map(|gram| {
            let h = gram.iter().fold(0x9e37_79b9_7f4a_7c15u64 ^ salt, |acc, t| {
                acc.wrapping_mul(0x0100_0000_01b3) ^ *t
            });
            mix(h)
        })
        .collect()
}

/// Winnows one stream's k-gram hashes into `picked`.
///
/// A stream shorter than one window but at least K tokens long keeps its smallest
/// k-gram hash, so short quotations still produce something to match.
fn winnow(grams: &[u64], picked: &mut Vec<u64>) {
    if grams.is_empty() {
        return;
    }
    if grams.len() < WINDOW {
        picked.extend(grams.iter().min());
        return;
    }
    let mut last: Option<usize> = None;
    for start in 0..=grams.len() - WINDOW {
        // Rightmost minimum, per the paper, so a run of equal minima is recorded once.
        let mut pos = start;
        for i in start..start + WINDOW {
            if grams[i] <= grams[pos] {
                pos = i;
            }
        }
        if last != Some(pos) {
            picked.push(grams[pos]);
            last = Some(pos);
        }
    }
}

/// Winnowed fingerprints of `text`, both streams, sorted and deduplicated.
pub fn fingerprints(text: &str) -> Vec<u64> {
    let streams = token_streams(text);
    let han = kgram_hashes(&streams.han, 0);
    let words = kgram_hashes(&streams.words, WORD_STREAM);
    let mut picked = Vec::with_capacity((han.len() + words.len()) * 2 / (WINDOW + 1) + 2);
    winnow(&han, &mut picked);
    winnow(&words, &mut picked);
    picked.sort_unstable();
    picked.dedup();
    picked
}

/// Share of `query` fingerprints present in `article` (both sorted, deduplicated).
pub fn containment(query: &[u64], article: &[u64]) -> f64 {
    if query.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut hits) = (0, 0, 0usize);
    while i < query.len() && j < article.len() {
        match query[i].cmp(&article[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                hits += 1;
                i += 1;
                j += 1;
            }
        }
    }
    hits as f64 / query.len() as f64
}

/// Packs fingerprints for storage (little-endian u64s).
pub fn to_bytes(fps: &[u64]) -> Vec<u8> {
    fps.iter().flat_map(|f| f.to_le_bytes()).collect()
}

/// Unpacks stored fingerprints; a trailing partial value is ignored.
pub fn from_bytes(bytes: &[u8]) -> Vec<u64> {
    unpacked(bytes).collect()
}

/// Stored fingerprints, unpacked as they are read (`from_bytes` without the vector).
pub fn unpacked(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    bytes.chunks_exact(8).map(|c| {
        let mut a = [0u8; 8];
        a.copy_from_slice(c);
        u64::from_le_bytes(a)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn traditional_folds_to_simplified() {
        assert_eq!(
            fold("臺灣經濟發展與國際貿易"),
            fold("台湾经济发展与国际贸易")
        );
        assert_eq!(fold("這是一個測試"), "这是一个测试");
    }

    #[test]
    fn punctuation_and_width_do_not_change_tokens() {
        assert_eq!(
            token_streams("「你好」，世界。—…“引號”"),
            token_streams("你好, 世界 \"引号\"")
        );
        assert_eq!(
            token_streams("Hello,   “World”!"),
            token_streams("hello \"world\"")
        );
    }

    #[test]
    fn han_is_one_token_per_character_and_words_are_one_token() {
        let s = token_streams("中文abc def");
        assert_eq!((s.han.len(), s.words.len()), (2, 2));
    }

    #[test]
    fn romanisation_glosses_are_dropped_and_latin_does_not_split_han() {
        let clean = token_streams("地区关系产业服务应当");
        for glossed in [
            "地區(qū)關(guān)係產(chǎn)業服務(wù)應(yīng)當",
            "地區（qū）關（guān）係產（chǎn）業服務（wù）應（yīng）當",
            "地區(qu1)關(guan1)係產(chan3)業服務(wu4)應(ying1)當",
        ] {
            assert_eq!(token_streams(glossed), clean, "{glossed}");
        }
        // Other Latin between Han characters goes to the word stream, leaving the
        // Han stream whole.
        let mixed = token_streams("地区关系GDP产业2026服务应当");
        assert_eq!(mixed.han, clean.han);
        assert_eq!(mixed.words.len(), 2);
        // A bracketed word that is not a gloss stays.
        assert_eq!(
            token_streams("记者(Reuters news agency report)报道")
                .words
                .len(),
            4
        );
    }

    #[test]
    fn regional_variants_fold_to_one_form() {
        assert_eq!(
            token_streams("這裡有著名的臺灣人爲此"),
            token_streams("这里有着名的台湾人为此")
        );
    }

    #[test]
    fn fingerprints_are_stable_across_releases() {
        // Pinned: changing the hash or tokenisation breaks stored fingerprints.
        let fps = fingerprints("one two three four five six seven");
        assert_eq!(fps.len(), 1);
        assert_eq!(fingerprints("ONE two three four five six seven"), fps);
    }

    #[test]
    fn bytes_round_trip() {
        let fps = vec![0, 1, u64::MAX, 0x0123_4567_89ab_cdef];
        assert_eq!(from_bytes(&to_bytes(&fps)), fps);
    }

    fn word(i: u32) -> String {
        format!("w{i}")
    }

    proptest! {
        /// The winnowing guarantee: a shared run of GUARANTEED_TOKENS tokens, anywhere in
        /// two otherwise unrelated texts, always gives a common fingerprint.
        #[test]
        fn shared_span_of_guaranteed_length_is_always_found(
            left in proptest::collection::vec(0u32..1_000_000, 0..200),
            right in proptest::collection::vec(1_000_000u32..2_000_000, 0..200),
            shared in proptest::collection::vec(2_000_000u32..3_000_000, GUARANTEED_TOKENS..60),
            split_l in 0usize..200,
            split_r in 0usize..200,
        ) {
            let (l1, l2) = left.split_at(split_l.min(left.len()));
            let (r1, r2) = right.split_at(split_r.min(right.len()));
            let a: Vec<String> = l1.iter().chain(&shared).chain(l2).map(|i| word(*i)).collect();
            let b: Vec<String> = r1.iter().chain(&shared).chain(r2).map(|i| word(*i)).collect();
            let fa = fingerprints(&a.join(" "));
            let fb = fingerprints(&b.join(" "));
            prop_assert!(containment(&fa, &fb) > 0.0);
        }

        /// The guarantee holds with Latin and glosses interleaved in the Han run.
        #[test]
        fn shared_han_span_survives_interleaved_latin(
            shared in "[\u{4e00}-\u{9fff}]{15,40}",
            noise in proptest::collection::vec("(\\([a-z]{1,6}[1-4]?\\)|[A-Za-z0-9]{1,8})", 1..10),
            at in proptest::collection::vec(0usize..40, 1..10),
            other in "[\u{4e00}-\u{9fff}]{0,80}",
        ) {
            let mut copy: Vec<String> = shared.chars().map(String::from).collect();
            for (n, p) in noise.iter().zip(&at) {
                copy.insert((*p).min(copy.len()), n.clone());
            }
            let fa = fingerprints(&shared);
            let fb = fingerprints(&format!("{other}。{}", copy.concat()));
            prop_assert!(containment(&fa, &fb) > 0.0);
        }

        #[test]
        fn shared_han_span_is_found(
            prefix in "[\u{4e00}-\u{9fff}]{0,80}",
            shared in "[\u{4e00}-\u{9fff}]{15,40}",
            suffix in "[\u{4e00}-\u{9fff}]{0,80}",
            other in "[\u{4e00}-\u{9fff}]{0,80}",
        ) {
            let fa = fingerprints(&format!("{prefix}{shared}{suffix}"));
            let fb = fingerprints(&format!("{other}。{shared}"));
            prop_assert!(containment(&fa, &fb) > 0.0);
        }
    }
}
