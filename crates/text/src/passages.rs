//! The passages two texts share, for showing side by side: each text split into
//! segments, the shared ones marked. Tokens are folded as for matching (NFKC, lower
//! case, Traditional to Simplified, one token per Han character, one per word), so a
//! passage matches across scripts and punctuation styles; the segments keep each
//! text's own characters.

use std::collections::HashSet;

use super::canonical::nfkc;
use super::fingerprint::{K, fnv1a, is_cjk_char, kgram_hashes};
use super::script_fold::to_simplified;

/// A run of one text, marked when it lies in a shared passage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub marked: bool,
}

/// A token: its folded form's hash and its byte range in the original text.
struct Token {
    hash: u64,
    start: usize,
    end: usize,
}

fn fold_char(c: char, out: &mut String) {
    let mut buf = [0u8; 4];
    for n in nfkc(c.encode_utf8(&mut buf)).chars() {
        for l in n.to_lowercase() {
            out.push(to_simplified(l));
        }
    }
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut word_start = 0;
    let mut folded = String::new();
    let flush = |word: &mut String, start: usize, end: usize, out: &mut Vec<Token>| {
        if !word.is_empty() {
            out.push(Token {
                hash: fnv1a(word.as_bytes()),
                start,
                end,
            });
            word.clear();
        }
    };
    for (i, c) in text.char_indices() {
        folded.clear();
        fold_char(c, &mut folded);
        let end = i + c.len_utf8();
        let mut chars = folded.chars();
        let first = chars.next();
        match first {
            Some(f) if is_cjk_char(f) => {
                flush(&mut word, word_start, i, &mut out);
                out.push(Token {
                    hash: fnv1a(folded.as_bytes()),
                    start: i,
                    end,
                });
            }
            Some(f) if f.is_alphanumeric() => {
                if word.is_empty() {
                    word_start = i;
                }
                word.push_str(&folded);
            }
            _ => flush(&mut word, word_start, i, &mut out),
        }
    }
    flush(&mut word, word_start, text.len(), &mut out);
    out
}

fn grams(t: &[Token]) -> Vec<u64> {
    let hashes: Vec<u64> = t.iter().map(|t| t.hash).collect();
    kgram_hashes(&hashes, 0)
}

/// Marks every token of `t` covered by a k-gram that `other` also has.
fn marks(t: &[Token], mine: &[u64], other: &HashSet<u64>) -> Vec<bool> {
    let mut m = vec![false; t.len()];
    for (i, g) in mine.iter().enumerate() {
        if other.contains(g) {
            m[i..i + K].iter_mut().for_each(|x| *x = true);
        }
    }
    m
}

fn segments(text: &str, t: &[Token], m: &[bool]) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut push = |s: &str, marked: bool| {
        if s.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.marked == marked => last.text.push_str(s),
            _ => out.push(Segment {
                text: s.to_string(),
                marked,
            }),
        }
    };
    let mut pos = 0;
    for (i, tok) in t.iter().enumerate() {
        // What lies between two marked tokens belongs to the passage.
        let gap_marked = m[i] && i > 0 && m[i - 1];
        push(&text[pos..tok.start], gap_marked);
        push(&text[tok.start..tok.end], m[i]);
        pos = tok.end;
    }
    push(&text[pos..], false);
    out
}

/// Both texts as segments, shared passages marked, and how many of `article`'s
/// tokens lie in one.
pub fn side_by_side(claim: &str, article: &str) -> (Vec<Segment>, Vec<Segment>, usize) {
    let (ct, at) = (tokens(claim), tokens(article));
    let (cg, ag) = (grams(&ct), grams(&at));
    let cset: HashSet<u64> = cg.iter().copied().collect();
    let aset: HashSet<u64> = ag.iter().copied().collect();
    let cm = marks(&ct, &cg, &aset);
    let am = marks(&at, &ag, &cset);
    let shared = am.iter().filter(|m| **m).count();
    (
        segments(claim, &ct, &cm),
        segments(article, &at, &am),
        shared,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(s: &[Segment]) -> Vec<&str> {
        s.iter()
            .filter(|s| s.marked)
            .map(|s| s.text.as_str())
            .collect()
    }

    #[test]
    fn a_shared_passage_is_marked_in_each_texts_own_script() {
        let claim = "原文：據新華社報道，國務院今日召開常務會議，研究部署穩就業工作。其他內容。";
        let article = "转载 据新华社报道，国务院今日召开常务会议，研究部署稳就业工作。编者按：略";
        let (c, a, shared) = side_by_side(claim, article);
        assert_eq!(
            marked(&c),
            ["據新華社報道，國務院今日召開常務會議，研究部署穩就業工作"]
        );
        assert_eq!(
            marked(&a),
            ["据新华社报道，国务院今日召开常务会议，研究部署稳就业工作"]
        );
        assert_eq!(shared, 26);
        // Nothing is lost or reordered.
        let whole: String = a.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(whole, article);
    }

    #[test]
    fn english_across_curly_quotes_and_case() {
        let claim = "He said \"the council will vote on the budget next week\" at noon.";
        let article =
            "Reporters heard: “The Council will vote on the budget next week,” said the mayor.";
        let (_, a, _) = side_by_side(claim, article);
        assert_eq!(
            marked(&a),
            ["The Council will vote on the budget next week"]
        );
    }

    #[test]
    fn unrelated_texts_share_nothing() {
        let (c, a, shared) = side_by_side(
            "完全不同的一段文字内容在这里",
            "another text entirely, nothing alike at all",
        );
        assert_eq!(shared, 0);
        assert!(marked(&c).is_empty() && marked(&a).is_empty());
        assert_eq!(side_by_side("", "").2, 0);
    }
}
