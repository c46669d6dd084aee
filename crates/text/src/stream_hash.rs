//! The canonical content hash of a whole stream, as `takedown hash` prints it: blocks of
//! lines are canonicalised two at a time on two threads while this one hashes the
//! previous pair, in order, and reads the next. Buffers go round: read into,
//! canonicalised, hashed, used again. Reads with `std::io` only; no files are opened.

use std::io::{BufRead, Read};

use crate::canonical::{CanonicalHasher, canonical_bytes_into};

/// Bytes per block canonicalised by one thread.
const BLOCK: usize = 4 << 20;

#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error("reading: {0}")]
    Io(#[from] std::io::Error),
    /// The input stops being UTF-8 at this byte offset.
    #[error("not UTF-8 at byte {0}")]
    NotUtf8(usize),
    #[error("a hashing thread failed")]
    Thread,
}

/// The SHA-256 (hex) of the canonical form of everything `reader` yields.
pub fn hash_reader(reader: &mut impl BufRead) -> Result<String, StreamError> {
    let mut hasher = CanonicalHasher::new();
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    let mut outputs: Vec<String> = Vec::new();
    let mut scratches: Vec<String> = Vec::new();
    let mut offset = 0usize;
    let mut pending: Vec<String> = Vec::new();
    let mut next = read_pair(reader, &mut inputs, &mut offset)?;
    while !next[0].0.is_empty() {
        let [(a, at_a), (b, at_b)] = next;
        let mut buffers = || {
            (
                outputs.pop().unwrap_or_default(),
                scratches.pop().unwrap_or_default(),
            )
        };
        let (oa, ob) = (buffers(), buffers());
        let (first, second, following) = std::thread::scope(|s| {
            let first = s.spawn(|| canonical_block(a, at_a, oa));
            let second = s.spawn(|| canonical_block(b, at_b, ob));
            for block in pending.drain(..) {
                hasher.update_canonical_block(&block);
                outputs.push(block);
            }
            let following = read_pair(reader, &mut inputs, &mut offset);
            (first.join(), second.join(), following)
        });
        for done in [first, second] {
            let (canonical, input, scratch) = done.map_err(|_| StreamError::Thread)??;
            pending.push(canonical);
            inputs.push(input);
            scratches.push(scratch);
        }
        next = following?;
    }
    for block in pending {
        hasher.update_canonical_block(&block);
    }
    Ok(hasher.finish())
}

/// Reads up to `BLOCK` bytes, extended to the end of a line, into `buf`.
fn read_block(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    buf.clear();
    let mut chunk = reader.take(BLOCK as u64);
    chunk.read_to_end(buf)?;
    if buf.len() == BLOCK && buf.last() != Some(&b'\n') {
        reader.read_until(b'\n', buf)?;
    }
    Ok(buf.len())
}

/// The canonical text of one block, written into `out`, and the input and scratch
/// buffers back for reuse; or where the block stops being UTF-8.
fn canonical_block(
    buf: Vec<u8>,
    at: usize,
    (mut out, mut scratch): (String, String),
) -> Result<(String, Vec<u8>, String), StreamError> {
    canonical_bytes_into(&buf, &mut scratch, &mut out)
        .map_err(|valid| StreamError::NotUtf8(at + valid))?;
    Ok((out, buf, scratch))
}

/// Two blocks read in turn, the second possibly empty; (block, its offset).
type Pair = [(Vec<u8>, usize); 2];

fn read_pair(
    reader: &mut impl BufRead,
    spare: &mut Vec<Vec<u8>>,
    offset: &mut usize,
) -> std::io::Result<Pair> {
    let mut take = || -> std::io::Result<(Vec<u8>, usize)> {
        let mut buf = spare.pop().unwrap_or_default();
        let at = *offset;
        *offset += read_block(reader, &mut buf)?;
        Ok((buf, at))
    };
    Ok([take()?, take()?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::content_sha256;

    #[test]
    fn a_stream_hashes_as_its_whole_text_does() {
        // Lines long enough to cross several blocks, Chinese and English alike.
        let line = "稳就业、惠民生——“新闻”报道，第 ２ 版。 The pier’s ferry — 9:30 a.m.\n";
        let text = line.repeat(BLOCK / line.len() * 5 + 7);
        let streamed = hash_reader(&mut std::io::Cursor::new(text.as_bytes())).unwrap();
        assert_eq!(streamed, content_sha256(&text));
    }

    #[test]
    fn bad_utf8_is_named_by_its_offset() {
        let mut bytes = b"fine line\n".to_vec();
        bytes.extend_from_slice(&[0xff, b'x']);
        match hash_reader(&mut std::io::Cursor::new(bytes)) {
            Err(StreamError::NotUtf8(at)) => assert_eq!(at, 10),
            other => panic!("{other:?}"),
        }
    }
}
