//! Matching on copies shaped like the ones real portals publish, from a corpus written
//! for these tests (`tests/corpus/`): Traditional conversions with inline romanisation
//! glosses at the density conversion tools leave (one per ten Han characters),
//! reordered paragraphs, partial copies, inserted bylines, captions and editor lines,
//! and regional variant characters. Each case asserts its containment; unrelated text
//! stays under 0.05. Run with `--nocapture` to see every figure.

use std::collections::HashMap;

use crate::common::{TestApp, article};
use serde_json::Value;
use takedown_text::fingerprint::{containment, fingerprints};

pub(crate) const ZH: &str = include_str!("../corpus/original_zh.txt");
const EN: &str = include_str!("../corpus/original_en.txt");
pub(crate) const UNRELATED_ZH: &str = include_str!("../corpus/unrelated_zh.txt");
const UNRELATED_EN: &str = include_str!("../corpus/unrelated_en.txt");
const T2S: &str = include_str!("../../crates/text/src/data/t2s.txt");

/// Syllables as conversion tools print them: tone marks, or tone digits.
pub(crate) const SYLLABLES: &[&str] = &[
    "qū", "guān", "chǎn", "wù", "yīng", "jiāng", "dù", "lún", "háng", "xiàn", "zhàn", "chéng",
];
const DIGIT_SYLLABLES: &[&str] = &["qu1", "guan1", "chan3", "wu4", "ying1", "jiang1"];

fn c(query: &str, copy: &str) -> f64 {
    let v = containment(&fingerprints(query), &fingerprints(copy));
    println!("{v:.3}");
    v
}

fn is_han(ch: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&ch)
}

/// Simplified → Traditional, as a conversion tool maps characters one by one.
pub(crate) fn traditional(s: &str) -> String {
    let mut map: HashMap<char, char> = HashMap::new();
    for line in T2S.lines().filter(|l| !l.starts_with('#')) {
        let mut cs = line.chars();
        if let (Some(t), Some(s)) = (cs.next(), cs.nth(1)) {
            map.entry(s).or_insert(t);
        }
    }
    s.chars().map(|ch| *map.get(&ch).unwrap_or(&ch)).collect()
}

/// A gloss after every `every`-th Han character, in the given brackets.
pub(crate) fn glossed(
    s: &str,
    every: usize,
    open: &str,
    close: &str,
    syllables: &[&str],
) -> String {
    let mut out = String::new();
    let mut n = 0;
    for ch in s.chars() {
        out.push(ch);
        if is_han(ch) {
            n += 1;
            if n % every == 0 {
                out.push_str(open);
                out.push_str(syllables[n / every % syllables.len()]);
                out.push_str(close);
            }
        }
    }
    out
}

fn paragraphs(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.trim().is_empty()).collect()
}

fn han_count(s: &str) -> usize {
    s.chars().filter(|c| is_han(*c)).count()
}

#[test]
fn a_converted_copy_with_romanisation_glosses_matches() {
    let copy = glossed(&traditional(ZH), 10, "(", ")", SYLLABLES);
    let glosses = copy.matches('(').count();
    assert!(
        glosses * 10 >= han_count(ZH) - 10,
        "one gloss per ten Han characters"
    );
    let excerpt = paragraphs(ZH)[1..4].join("\n");
    assert!(c(&excerpt, &copy) >= 0.9, "excerpt");
    assert!(c(ZH, &copy) >= 0.9, "whole original");
    // Full-width brackets and tone digits, as other tools write them.
    let copy = glossed(&traditional(ZH), 10, "（", "）", DIGIT_SYLLABLES);
    assert!(
        c(&excerpt, &copy) >= 0.9,
        "full-width brackets, tone digits"
    );
    // Even at one gloss every three characters.
    let dense = glossed(&traditional(ZH), 3, "(", ")", SYLLABLES);
    assert!(c(ZH, &dense) >= 0.9, "dense glosses");
}

#[test]
fn clean_text_loses_nothing() {
    assert_eq!(c(ZH, ZH), 1.0);
    assert_eq!(c(EN, EN), 1.0);
    assert_eq!(c(&paragraphs(ZH)[2..5].join("\n"), ZH), 1.0);
    assert_eq!(c(&traditional(ZH), ZH), 1.0);
}

#[test]
fn reordered_paragraphs_match() {
    let mut p = paragraphs(ZH);
    p.reverse();
    p.swap(1, 5);
    assert!(c(ZH, &p.join("\n")) >= 0.9);
    let mut e = paragraphs(EN);
    e.rotate_left(3);
    assert!(c(EN, &e.join("\n")) >= 0.9);
}

#[test]
fn partial_copies_contain_their_share() {
    let p = paragraphs(ZH);
    let part = p[2..5].join("\n");
    let share = han_count(&part) as f64 / han_count(ZH) as f64;
    let v = c(ZH, &glossed(&traditional(&part), 10, "(", ")", SYLLABLES));
    assert!(
        v >= 0.85 * share && v <= share + 0.1,
        "{v} for a copy of {share:.2} of the text"
    );
    // The claimant's excerpt of what was copied is found whole.
    assert!(c(&part, &traditional(&part)) >= 0.95);
    let e = paragraphs(EN);
    let part = e[1..3].join("\n");
    assert!(c(&part, EN) >= 0.95);
}

#[test]
fn inserted_bylines_captions_and_editor_lines_match() {
    let converted = traditional(ZH);
    let p = paragraphs(&converted);
    let mut copy = vec!["本報記者 王明 楊帆 報道", "（來源：東江日報）"];
    for (i, para) in p.iter().enumerate() {
        copy.push(para);
        match i {
            1 => copy.push("圖為即將投入運營的電動渡輪。記者 張峰 攝"),
            4 => copy.push("原標題：東江渡輪新航線下月開通"),
            _ => {}
        }
    }
    copy.push("責任編輯：李華 校對：周敏");
    let copy = copy.join("\n");
    // And a source line in the middle of a paragraph.
    let copy = copy.replacen("。", "。（來源：東江日報）", 1);
    assert!(c(ZH, &copy) >= 0.9);

    let mut e: Vec<String> = paragraphs(EN)
        .into_iter()
        .map(|s| s.replace('\'', "’").replace(" - ", " — "))
        .collect();
    e.insert(0, "By Staff Reporter — Updated 27 November".into());
    e.insert(
        3,
        "Photo: One of the electric ferries at the old town pier. (City Daily)".into(),
    );
    e.push("Editor’s note: this article was republished under licence.".into());
    assert!(c(EN, &e.join("\n\n")) >= 0.9);
}

#[test]
fn regional_variant_characters_match() {
    assert!(ZH.contains("里") && ZH.contains("着") && ZH.contains("台") && ZH.contains("为"));
    let variants = traditional(ZH)
        .replace(['裏', '里'], "裡")
        .replace('着', "著")
        .replace(['台', '檯'], "臺")
        .replace('為', "爲");
    assert!(
        variants.contains('裡')
            && variants.contains('著')
            && variants.contains('臺')
            && variants.contains('爲')
    );
    assert!(c(ZH, &variants) >= 0.95);
}

#[test]
fn unrelated_text_stays_under_the_ceiling() {
    for (q, a) in [
        (ZH, UNRELATED_ZH),
        (UNRELATED_ZH, ZH),
        (EN, UNRELATED_EN),
        (UNRELATED_EN, EN),
        (ZH, EN),
        (EN, ZH),
    ] {
        assert!(c(q, a) <= 0.05);
        let glossed_copy = glossed(&traditional(a), 10, "(", ")", SYLLABLES);
        assert!(c(q, &glossed_copy) <= 0.05);
    }
}

/// A database written by the previous fingerprinting: its revisions are fingerprinted
/// again at start-up (and by `takedown reindex`), after which a glossed copy matches.
#[tokio::test]
async fn a_database_from_the_previous_version_matches_after_upgrade() {
    use sea_orm::{ConnectionTrait, Statement};
    let app = TestApp::spawn().await;
    let copy = glossed(&traditional(ZH), 10, "(", ")", SYLLABLES);
    let resp = app.post_article(&article(1, &copy)).await;
    assert_eq!(resp.status(), 201);
    let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    // What the previous release stored: its own fingerprints, version 1. Fingerprints
    // of the text with the glosses read as Han-run breakers stand in for them.
    let backend = app.db.get_database_backend();
    let old = takedown_text::fingerprint::to_bytes(&fingerprints(&copy.replace(['(', ')'], "")));
    app.db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Postgres => {
                    "UPDATE revision_fingerprints SET fingerprints = $1, fingerprint_version = 1"
                }
                _ => "UPDATE revision_fingerprints SET fingerprints = ?, fingerprint_version = 1",
            },
            [old.into()],
        ))
        .await
        .unwrap();
    let test_db = app.test_db.clone();
    app.stop().await;

    // `takedown reindex` does it ahead of time, with progress.
    let out = crate::common::takedown_cmd(&test_db)
        .arg("reindex")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("reindex: 1 revisions"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Stale again, then a restart does it on its own.
    let app = TestApp::spawn_on(test_db.clone(), |_| {}).await;
    app.db
        .execute_raw(Statement::from_string(
            backend,
            "UPDATE revision_fingerprints SET fingerprint_version = 1",
        ))
        .await
        .unwrap();
    app.stop().await;
    let app = TestApp::spawn_on(test_db, |_| {}).await;
    assert_eq!(
        app.count("revision_fingerprints WHERE fingerprint_version = 1")
            .await,
        0
    );
    let excerpt = paragraphs(ZH)[1..4].join("\n");
    let matches = app.match_text(&excerpt).await;
    let found = matches
        .iter()
        .find(|m| m["article_id"] == id)
        .expect("the copy matches");
    assert!(found["containment"].as_f64().unwrap() >= 0.9, "{matches:?}");
}
