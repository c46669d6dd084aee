//! `takedown hash`: the canonical content hash of a text file, as a revision records it.

use std::io::BufReader;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use takedown_text::canonical::NORMALIZER_VERSION;
use takedown_text::stream_hash::{StreamError, hash_reader};

use super::open_input;

pub fn run(path: &Path) -> Result<ExitCode> {
    let mut reader = BufReader::with_capacity(1 << 20, open_input(path)?);
    let hash = hash_reader(&mut reader).map_err(|e| match e {
        StreamError::NotUtf8(at) => anyhow::anyhow!("{}: not UTF-8 at byte {at}", path.display()),
        e => anyhow::anyhow!("{}: {e}", path.display()),
    })?;
    println!("{hash}  {}", path.display());
    eprintln!("canonical text SHA-256, normalizer version {NORMALIZER_VERSION}");
    Ok(ExitCode::SUCCESS)
}
