//! `takedown hash` beside `sha256sum` on the same files, one kind of real text at a
//! time: plain ASCII; Chinese news with full-width punctuation; English with curly
//! quotes, dashes and tables; and a mix. Every file has the characters real copy has,
//! so none of them is hashed on a path that only clean text takes.
//!
//! `cargo bench --bench hash [-- --mb 64]`

use std::io::Write;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const HAN: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研";
const PUNCT_ZH: &[&str] = &[
    "，", "。", "、", "：", "；", "“", "”", "！", "？", "《", "》", "（", "）", "——",
];
const WORDS: &[&str] = &[
    "the",
    "harbour",
    "authority",
    "said",
    "on",
    "Tuesday",
    "that",
    "ferry",
    "services",
    "would",
    "resume",
    "after",
    "a",
    "review",
    "of",
    "safety",
    "rules",
    "council",
    "budget",
    "vote",
    "residents",
    "were",
    "told",
    "in",
    "statement",
    "minister",
    "report",
    "week",
];

fn zh(rng: &mut StdRng, out: &mut String) {
    let han: Vec<char> = HAN.chars().collect();
    for i in 0..rng.random_range(80..200) {
        out.push(han[rng.random_range(0..han.len())]);
        if i % 11 == 10 {
            out.push_str(PUNCT_ZH[rng.random_range(0..PUNCT_ZH.len())]);
        }
        if i % 60 == 59 {
            // Dates, numbers and the occasional full-width figure, as news has.
            out.push_str(if rng.random::<bool>() {
                "2026年11月27日"
            } else {
                "ＧＤＰ增长５．２％"
            });
        }
    }
    out.push_str("。\n");
}

fn en(rng: &mut StdRng, out: &mut String, typographic: bool) {
    for i in 0..rng.random_range(60..140) {
        if i > 0 {
            out.push(if typographic && i % 37 == 0 {
                '\u{00A0}'
            } else {
                ' '
            });
        }
        let w = WORDS[rng.random_range(0..WORDS.len())];
        match (typographic, i % 13) {
            (true, 3) => out.push_str(&format!("“{w}”")),
            (true, 7) => out.push_str(&format!("{w}’s")),
            (true, 11) => out.push_str(&format!("{w} — ")),
            (true, 12) => out.push_str(&format!("{w}…")),
            (false, 3) => out.push_str(&format!("\"{w}\"")),
            (false, 7) => out.push_str(&format!("{w}'s")),
            _ => out.push_str(w),
        }
    }
    out.push_str(".\n");
    if typographic && rng.random_range(0..8) == 0 {
        out.push_str("Region\tQ1\tQ2\n| North | 1,204 | 1,310 |\n| South – East | 980 | 1 012 |\n");
    }
}

fn write(
    path: &std::path::Path,
    mb: usize,
    mut fill: impl FnMut(&mut String),
) -> std::io::Result<f64> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut written = 0;
    let mut s = String::new();
    while written < mb << 20 {
        s.clear();
        fill(&mut s);
        f.write_all(s.as_bytes())?;
        written += s.len();
    }
    f.flush()?;
    Ok(written as f64)
}

/// Appends one paragraph of a kind of text.
type Fill = dyn FnMut(&mut StdRng, &mut String);

fn run(cmd: &mut std::process::Command) -> f64 {
    let t = Instant::now();
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.elapsed().as_secs_f64()
}

/// Best of five runs of each, taken in turn, so that both see the same machine.
fn best_of_both(
    ours: &mut std::process::Command,
    theirs: &mut std::process::Command,
) -> (f64, f64) {
    let (mut a, mut b) = (f64::MAX, f64::MAX);
    for _ in 0..5 {
        a = a.min(run(ours));
        b = b.min(run(theirs));
    }
    (a, b)
}

fn main() {
    let mb = std::env::args()
        .skip_while(|a| a != "--mb")
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let dir = tempfile::tempdir().expect("temp dir");
    println!("hash benchmark: {mb} MB per kind, best of 5 runs taken in turn, release binary");
    let kinds: [(&str, Box<Fill>); 4] = [
        ("ASCII", Box::new(|r, s| en(r, s, false))),
        ("Chinese, full-width punctuation", Box::new(zh)),
        ("English, typographic", Box::new(|r, s| en(r, s, true))),
        (
            "mixed",
            Box::new(|r, s| {
                if r.random::<bool>() {
                    zh(r, s)
                } else {
                    en(r, s, true)
                }
            }),
        ),
    ];
    for (name, mut fill) in kinds {
        let path = dir.path().join("text.txt");
        let mut rng = StdRng::seed_from_u64(7);
        let size = write(&path, mb, |s| fill(&mut rng, s)).expect("write");
        let (ours, theirs) = best_of_both(
            std::process::Command::new(env!("CARGO_BIN_EXE_takedown"))
                .arg("hash")
                .arg(&path),
            std::process::Command::new("sha256sum").arg(&path),
        );
        println!(
            "{name:34} takedown hash {:5.0} MB/s, sha256sum {:5.0} MB/s = {:.2}x  (target ≥ 1x)",
            size / ours / 1e6,
            size / theirs / 1e6,
            theirs / ours
        );
    }
}
