//! Evidence files: streamed to a staging file in `DATA_DIR/evidence/` and hashed as
//! they arrive (never held in memory), checked by content, and moved into place under
//! their SHA-256 only after the complaint that cites them has committed. A filing that
//! fails leaves nothing behind. A file's name is kept only as display text; it never
//! reaches a path.

use crate::services::error::ServiceResult;
use std::io::Read;
use std::path::{Path, PathBuf};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, Set,
};
use sha2::{Digest, Sha256};

use crate::entities::complaint_evidence;

pub const MAX_FILES: usize = 5;
pub const MAX_FILE_BYTES: usize = 10 << 20;

/// Staging names: `.upload-<uuid>` while streaming, `.staged-<sha256>-<uuid>` once
/// hashed, so a crash between commit and rename can be finished at start-up.
const UPLOADING: &str = ".upload-";
const STAGED: &str = ".staged-";

/// Where a stored evidence file with this SHA-256 lives; None for anything that is not
/// a SHA-256 in hex, so no stored value can point outside the directory.
pub fn stored_path(data_dir: &Path, sha256: &str) -> Option<PathBuf> {
    (sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| evidence_dir(data_dir).join(sha256))
}

fn evidence_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("evidence")
}

/// A file on disk that is removed when dropped, unless kept.
#[derive(Debug)]
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// An upload in progress.
pub struct Upload {
    file: tokio::fs::File,
    temp: TempFile,
    hasher: Sha256,
    size: usize,
}

impl Upload {
    pub async fn start(data_dir: &Path) -> std::io::Result<Self> {
        let dir = evidence_dir(data_dir);
        tokio::fs::create_dir_all(&dir).await?;
        let path = dir.join(format!("{UPLOADING}{}", uuid::Uuid::new_v4().simple()));
        let file = tokio::fs::File::create(&path).await?;
        Ok(Self {
            file,
            temp: TempFile { path, keep: false },
            hasher: Sha256::new(),
            size: 0,
        })
    }

    /// Appends a chunk; false once the file is over `MAX_FILE_BYTES` (the rest of the
    /// part is then only drained, not written).
    pub async fn write(&mut self, chunk: &[u8]) -> std::io::Result<bool> {
        use tokio::io::AsyncWriteExt;
        self.size += chunk.len();
        if self.size > MAX_FILE_BYTES {
            return Ok(false);
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await?;
        Ok(true)
    }

    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// Ends the upload: the checked, hashed file on disk (fsynced), or what is wrong
    /// with it for the claimant to fix.
    pub async fn finish(
        mut self,
        file_name: Option<&str>,
    ) -> std::io::Result<Result<EvidenceFile, String>> {
        use tokio::io::AsyncWriteExt;
        if self.size > MAX_FILE_BYTES {
            return Ok(Err(format!(
                "each file must be at most {} MB",
                MAX_FILE_BYTES >> 20
            )));
        }
        self.file.flush().await?;
        self.file.sync_all().await?;
        drop(self.file);
        let sha256 = hex::encode(self.hasher.finalize());
        let path = self.temp.path.clone();
        let content_type = tokio::task::spawn_blocking(move || sniff_file(&path))
            .await
            .map_err(std::io::Error::other)??;
        let Some(content_type) = content_type else {
            return Ok(Err(format!(
                "{}: only PDF, PNG, JPEG or plain-text files are accepted",
                file_name
                    .and_then(display_name)
                    .unwrap_or_else(|| "file".into())
            )));
        };
        let staged = self.temp.path.with_file_name(format!(
            "{STAGED}{sha256}-{}",
            uuid::Uuid::new_v4().simple()
        ));
        tokio::fs::rename(&self.temp.path, &staged).await?;
        self.temp.path = staged;
        Ok(Ok(EvidenceFile {
            sha256,
            content_type,
            size: self.size as u64,
            file_name: file_name.and_then(display_name),
            staged: self.temp,
        }))
    }
}

/// An uploaded file that passed the checks, staged but not yet in place.
#[derive(Debug)]
pub struct EvidenceFile {
    pub sha256: String,
    pub content_type: &'static str,
    pub size: u64,
    pub file_name: Option<String>,
    staged: TempFile,
}

/// The row that records file `f` as complaint `complaint_id`'s evidence.
pub fn row(complaint_id: i64, f: &EvidenceFile) -> complaint_evidence::ActiveModel {
    complaint_evidence::ActiveModel {
        complaint_id: Set(complaint_id),
        kind: Set("file".into()),
        sha256: Set(Some(f.sha256.clone())),
        content_type: Set(Some(f.content_type.to_string())),
        size_bytes: Set(Some(f.size as i64)),
        file_name: Set(f.file_name.clone()),
        ..Default::default()
    }
}

/// What a later submission's files came with.
#[derive(Debug, Clone, Copy)]
pub enum SentWith {
    Answer,
    Appeal,
    CounterNotice(i64),
    /// Attached to an email about the complaint that answered nothing by itself.
    Email,
}

impl SentWith {
    pub fn as_str(self) -> &'static str {
        match self {
            SentWith::Answer => "answer",
            SentWith::Appeal => "appeal",
            SentWith::CounterNotice(_) => "counter_notice",
            SentWith::Email => "email",
        }
    }
}

/// Records files sent after the notice, in the caller's transaction; they are moved
/// into place by `persist` once it commits. Returns their SHA-256s for the audit.
pub async fn record_later(
    txn: &impl ConnectionTrait,
    complaint_id: i64,
    with: SentWith,
    files: &[EvidenceFile],
) -> Result<Vec<String>, DbErr> {
    let counter_notice_id = match with {
        SentWith::CounterNotice(id) => Some(id),
        _ => None,
    };
    for f in files {
        complaint_evidence::ActiveModel {
            submitted_with: Set(Some(with.as_str().to_string())),
            counter_notice_id: Set(counter_notice_id),
            ..row(complaint_id, f)
        }
        .insert(txn)
        .await?;
    }
    Ok(files.iter().map(|f| f.sha256.clone()).collect())
}

/// Moves committed evidence into place as `evidence/<sha256>`; storing the same
/// content twice is harmless, the name is its hash.
pub async fn persist(data_dir: &Path, files: Vec<EvidenceFile>) -> std::io::Result<()> {
    if files.is_empty() {
        return Ok(());
    }
    let dir = evidence_dir(data_dir);
    tokio::task::spawn_blocking(move || {
        for mut f in files {
            let dest = dir.join(&f.sha256);
            if !dest.exists() {
                std::fs::rename(&f.staged.path, &dest)?;
                f.staged.keep = true;
            }
        }
        // The renames themselves survive a crash once the folder is synced.
        std::fs::File::open(&dir)?.sync_all()
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Finishes what a crash interrupted: staged files whose complaint committed are moved
/// into place; every other staging file is removed. Returns how many were moved.
pub async fn recover(db: &DatabaseConnection, data_dir: &Path) -> ServiceResult<usize> {
    let dir = evidence_dir(data_dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(0);
    };
    let mut moved = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with(UPLOADING) {
            let _ = std::fs::remove_file(&path);
            continue;
        }
        let Some(sha) = name
            .strip_prefix(STAGED)
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        let cited = complaint_evidence::Entity::find()
            .filter(complaint_evidence::Column::Sha256.eq(sha))
            .one(db)
            .await?
            .is_some()
            || crate::entities::licence::Entity::find()
                .filter(crate::entities::licence::Column::DocumentSha256.eq(sha))
                .one(db)
                .await?
                .is_some();
        let dest = dir.join(sha);
        if cited && !dest.exists() && std::fs::rename(&path, &dest).is_ok() {
            moved += 1;
        } else {
            let _ = std::fs::remove_file(&path);
        }
    }
    Ok(moved)
}

/// The accepted type of a file on disk, judged by content, read in pieces.
fn sniff_file(path: &Path) -> std::io::Result<Option<&'static str>> {
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 64 << 10];
    let n = read_full(&mut f, &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if let Some(binary) = sniff_binary(&buf[..n]) {
        return Ok(Some(binary).filter(|_| !hides_html(&buf[..n])));
    }
    // Text: valid UTF-8 throughout, no NUL, no markup, checked piece by piece with the
    // bytes a piece ends on carried into the next.
    let mut carry: Vec<u8> = Vec::new();
    let mut n = n;
    loop {
        let mut piece = std::mem::take(&mut carry);
        piece.extend_from_slice(&buf[..n]);
        let at_end = n < buf.len();
        let valid = match std::str::from_utf8(&piece) {
            Ok(_) => piece.len(),
            Err(e) if e.error_len().is_none() && !at_end => e.valid_up_to(),
            Err(_) => return Ok(None),
        };
        if piece.contains(&0) || looks_like_markup(&piece) {
            return Ok(None);
        }
        if at_end {
            return Ok(Some("text/plain"));
        }
        // Keep an incomplete character and enough for a tag split across pieces.
        let keep_from = valid.min(piece.len().saturating_sub(16));
        carry = piece[keep_from..].to_vec();
        n = read_full(&mut f, &mut buf)?;
        if n == 0 {
            return Ok(if std::str::from_utf8(&carry).is_ok() {
                Some("text/plain")
            } else {
                None
            });
        }
    }
}

fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match f.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

fn sniff_binary(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else {
        None
    }
}

/// The accepted type of `bytes`, judged by content, not by name.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if let Some(binary) = sniff_binary(bytes) {
        Some(binary).filter(|_| !hides_html(bytes))
    } else if !bytes.is_empty()
        && !bytes.contains(&0)
        && std::str::from_utf8(bytes).is_ok()
        && !looks_like_markup(bytes)
    {
        Some("text/plain")
    } else {
        None
    }
}

/// Tags that make a browser (or anything that sniffs) treat text as HTML, SVG or XML.
const MARKUP: [&[u8]; 12] = [
    b"<html",
    b"<!doctype",
    b"<svg",
    b"<script",
    b"<?xml",
    b"<body",
    b"<head",
    b"<iframe",
    b"<object",
    b"<embed",
    b"<style",
    b"<meta",
];

/// Whether `bytes` carry markup anywhere: text evidence is plain text only. Besides
/// the tags: an event attribute in any tag (`<p onclick=`), a namespaced script
/// (`<x:script`), a `javascript:` URL, or markup spelled in UTF-7 (`+ADw-`).
pub fn looks_like_markup(bytes: &[u8]) -> bool {
    has_tag(bytes, &MARKUP)
        || contains_ignore_case(bytes, b"javascript:")
        || contains_ignore_case(bytes, b"+adw-")
        || memchr_all(bytes, b'<').any(|i| tag_is_active(&bytes[i + 1..]))
}

/// Tags that make a file HTML to a browser that sniffs, whatever its header says.
const HTML_IN_BINARY: [&[u8]; 6] = [
    b"<html",
    b"<!doctype html",
    b"<script",
    b"<body",
    b"<iframe",
    b"<head",
];

/// A PDF or PNG whose bytes after the header hold an HTML page (a polyglot).
fn hides_html(bytes: &[u8]) -> bool {
    !bytes.starts_with(b"\xFF\xD8\xFF") && has_tag(bytes, &HTML_IN_BINARY)
}

fn has_tag(bytes: &[u8], tags: &[&[u8]]) -> bool {
    memchr_all(bytes, b'<').any(|i| {
        let rest = &bytes[i..];
        tags.iter()
            .any(|tag| rest.len() >= tag.len() && rest[..tag.len()].eq_ignore_ascii_case(tag))
    })
}

fn contains_ignore_case(bytes: &[u8], needle: &[u8]) -> bool {
    bytes
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// After a `<`: a tag name whose attributes include an event handler, or a namespaced
/// script (`svg:script`). Looks no further than the tag's `>` (or 512 bytes).
fn tag_is_active(after: &[u8]) -> bool {
    let tag = &after[..after.len().min(512)];
    let tag = tag.split(|b| *b == b'>').next().unwrap_or_default();
    let name_len = tag
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_'))
        .count();
    if name_len == 0 || !tag[0].is_ascii_alphabetic() {
        return false;
    }
    let name = &tag[..name_len];
    if let Some(colon) = name.iter().position(|b| *b == b':')
        && name[colon + 1..].eq_ignore_ascii_case(b"script")
    {
        return true;
    }
    // An attribute named on… followed (perhaps after spaces) by `=`.
    let attrs = &tag[name_len..];
    (1..attrs.len()).any(|i| {
        let starts_attr = matches!(
            attrs[i - 1],
            b' ' | b'\t' | b'\n' | b'\r' | b'/' | b'"' | b'\''
        );
        let rest = &attrs[i..];
        if !starts_attr || rest.len() < 3 || !rest[..2].eq_ignore_ascii_case(b"on") {
            return false;
        }
        let letters = rest[2..]
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        let after = &rest[2 + letters..];
        let gap = after.iter().take_while(|b| b.is_ascii_whitespace()).count();
        letters > 0 && after.get(gap) == Some(&b'=')
    })
}

fn memchr_all(bytes: &[u8], needle: u8) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(move |(_, b)| **b == needle)
        .map(|(i, _)| i)
}

/// A display name: the last path component, printable, at most 200 characters.
pub fn display_name(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    // No controls, and no format characters: `a\u{202e}gnp.exe` must not read "aexe.png".
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !takedown_text::canonical::is_format(*c))
        .take(200)
        .collect();
    let clean = clean.trim().to_string();
    (!clean.is_empty()).then_some(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_judged_by_content() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some("image/jpeg"));
        assert_eq!(sniff("证据 text".as_bytes()), Some("text/plain"));
        assert_eq!(sniff(b"MZ\x90\x00\x03"), None);
        assert_eq!(sniff(b"\xff\xfe\xfd"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn text_with_markup_is_not_plain_text() {
        assert_eq!(
            sniff("证据：原文发表于 2022 年 <2022-08-23>".as_bytes()),
            Some("text/plain")
        );
        for bad in [
            "<!DOCTYPE html><p>x</p>",
            "notes\n<SVG onload=alert(1)>",
            "  <html>",
            "a <script>alert(1)</script>",
            "<?xml version=\"1.0\"?><svg/>",
            "tail <svg",
            "click <a href=x onclick=alert(1)>here</a>",
            "<img src=x onerror = alert(1)>",
            "<p/onmouseover=alert(1)>",
            "<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">alert(1)</x:script>",
            "see JavaScript:alert(1)",
            "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
        ] {
            assert_eq!(sniff(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn plain_text_that_only_mentions_tags_stays_text() {
        for fine in [
            "a < b and c > d",
            "分数 <90 分> 以上",
            "the <b> tag, online = yes",
            "email me <wang@citydaily.example>",
            "on=1 <tr>",
        ] {
            assert_eq!(sniff(fine.as_bytes()), Some("text/plain"), "{fine}");
        }
    }

    #[test]
    fn a_pdf_or_png_hiding_a_page_is_refused() {
        assert_eq!(sniff(b"%PDF-1.4\n<html><script>alert(1)</script>"), None);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0<!DOCTYPE html><body>"), None);
        // XMP metadata in a PDF is XML, not a page.
        assert_eq!(
            sniff(b"%PDF-1.7\n<?xpacket begin?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\">"),
            Some("application/pdf")
        );
    }

    #[test]
    fn names_lose_bidi_and_format_controls() {
        assert_eq!(
            display_name("a\u{202e}gnp.exe").as_deref(),
            Some("agnp.exe")
        );
        assert_eq!(
            display_name("\u{2066}scan\u{200f}\u{feff}.pdf\u{2069}").as_deref(),
            Some("scan.pdf")
        );
    }

    #[test]
    fn names_never_carry_paths() {
        assert_eq!(display_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(display_name("C:\\x\\scan.pdf").as_deref(), Some("scan.pdf"));
        assert_eq!(display_name("a\r\nb.txt").as_deref(), Some("ab.txt"));
        assert_eq!(display_name("/"), None);
    }
}
