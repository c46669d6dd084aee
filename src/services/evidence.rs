//! Evidence files: checked by content, stored under `DATA_DIR/evidence/` by their
//! SHA-256. A file's name is kept only as display text; it never reaches a path.

use std::path::{Path, PathBuf};

use crate::domain::canonical::sha256_hex;

pub const MAX_FILES: usize = 5;
pub const MAX_FILE_BYTES: usize = 10 << 20;

/// An uploaded file that passed the checks, not yet stored.
#[derive(Debug, Clone)]
pub struct EvidenceFile {
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub content_type: &'static str,
    pub file_name: Option<String>,
}

/// The accepted type of `bytes`, judged by content, not by name.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else if !bytes.is_empty() && !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() {
        Some("text/plain")
    } else {
        None
    }
}

/// A display name: the last path component, printable, at most 200 characters.
pub fn display_name(raw: &str) -> Option<String> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let clean = clean.trim().to_string();
    (!clean.is_empty()).then_some(clean)
}

impl EvidenceFile {
    /// Checks an upload; the error says what is wrong with it.
    pub fn check(bytes: Vec<u8>, file_name: Option<&str>) -> Result<Self, String> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(format!(
                "each file must be at most {} MB",
                MAX_FILE_BYTES >> 20
            ));
        }
        let content_type = sniff(&bytes).ok_or_else(|| {
            format!(
                "{}: only PDF, PNG, JPEG or plain-text files are accepted",
                file_name
                    .and_then(display_name)
                    .unwrap_or_else(|| "file".into())
            )
        })?;
        Ok(Self {
            sha256: sha256_hex(&bytes),
            content_type,
            file_name: file_name.and_then(display_name),
            bytes,
        })
    }
}

fn path_for(data_dir: &Path, sha256: &str) -> PathBuf {
    data_dir.join("evidence").join(sha256)
}

/// Writes the file durably (temp file, fsync, rename). Storing the same content twice
/// is harmless: the name is its hash.
pub async fn store(data_dir: &Path, file: &EvidenceFile) -> std::io::Result<()> {
    let dir = data_dir.join("evidence");
    let final_path = path_for(data_dir, &file.sha256);
    let bytes = file.bytes.clone();
    tokio::task::spawn_blocking(move || {
        if final_path.exists() {
            return Ok(());
        }
        std::fs::create_dir_all(&dir)?;
        let tmp = dir.join(format!(".{}.tmp", uuid::Uuid::new_v4().simple()));
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &final_path)
    })
    .await
    .map_err(std::io::Error::other)?
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
    fn names_never_carry_paths() {
        assert_eq!(display_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(display_name("C:\\x\\scan.pdf").as_deref(), Some("scan.pdf"));
        assert_eq!(display_name("a\r\nb.txt").as_deref(), Some("ab.txt"));
        assert_eq!(display_name("/"), None);
    }
}
