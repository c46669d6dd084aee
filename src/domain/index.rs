//! In-memory inverted index from fingerprint to the revisions that contain it.
//!
//! A derived cache of what the database stores: every instance builds its own from the
//! stored fingerprints and catches up before each search, so instances stay stateless.
//!
//! Two layers. What is loaded at start-up is frozen into compact postings: bucketed by
//! the top bits of the fingerprint (an offset table), each posting the next 32 bits of
//! the fingerprint and a revision slot, 8 bytes in all, built by counting sort in two
//! linear passes. Revisions recorded later go into a small hash map. Fingerprints are
//! uniformly distributed 64-bit hashes, so buckets stay short and the 40+ bits compared
//! make a false match negligible.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Fingerprints are already well-mixed 64-bit hashes: use them as their own hash.
#[derive(Default)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type FpMap<V> = HashMap<u64, V, BuildHasherDefault<IdentityHasher>>;

/// The first bytes of an index snapshot, with the format's version.
const SNAPSHOT_MAGIC: &[u8; 8] = b"TDINDEX1";

fn read_u32(r: &mut impl std::io::Read) -> std::io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn read_u64(r: &mut impl std::io::Read) -> std::io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

/// `n` values of `width` bytes each, read a megabyte at a time.
fn read_array<T>(
    r: &mut impl std::io::Read,
    n: usize,
    width: usize,
    decode: impl Fn(&[u8]) -> T,
) -> std::io::Result<Vec<T>> {
    let mut out = Vec::with_capacity(n);
    let per_chunk = ((1 << 20) / width).max(1);
    let mut buf = vec![0u8; per_chunk * width];
    let mut left = n;
    while left > 0 {
        let take = left.min(per_chunk);
        let bytes = &mut buf[..take * width];
        r.read_exact(bytes)?;
        out.extend(bytes.chunks_exact(width).map(&decode));
        left -= take;
    }
    Ok(out)
}

/// One indexed revision.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub article_id: i64,
    pub revision_id: i64,
    pub fingerprints: u32,
}

/// A candidate article: the best of its revisions.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub article_id: i64,
    pub revision_id: i64,
    pub containment: f64,
}

/// Postings frozen at load time.
#[derive(Default)]
struct Frozen {
    /// Bits of the fingerprint that choose a bucket.
    bucket_bits: u32,
    /// Start of each bucket in `rems`/`slots`; one more entry than buckets.
    offsets: Vec<u32>,
    /// The 16 bits of each posting's fingerprint right below the bucket bits. Together
    /// with the bucket that is 40 bits or more: a clash with another fingerprint in the
    /// same bucket (about 1 in 4,000 lookups) adds one count and loses nothing.
    rems: Vec<u16>,
    slots: Vec<u32>,
}

impl Frozen {
    fn split(&self, fp: u64) -> (usize, u16) {
        let bucket = (fp >> (64 - self.bucket_bits)) as usize;
        let rem = (fp >> (48 - self.bucket_bits)) as u16;
        (bucket, rem)
    }

    fn slots_of(&self, fp: u64) -> impl Iterator<Item = u32> + '_ {
        let range = if self.offsets.is_empty() {
            0..0
        } else {
            let (b, _) = self.split(fp);
            self.offsets[b] as usize..self.offsets[b + 1] as usize
        };
        let rem = if self.offsets.is_empty() {
            0
        } else {
            self.split(fp).1
        };
        range.filter_map(move |i| (self.rems[i] == rem).then_some(self.slots[i]))
    }

    fn bytes(&self) -> usize {
        (self.offsets.capacity() + self.slots.capacity()) * 4 + self.rems.capacity() * 2
    }
}

#[derive(Default)]
pub struct FingerprintIndex {
    frozen: Frozen,
    /// First revision slot holding each fingerprint: most fingerprints occur once, so
    /// this keeps the common case at one map entry without a heap allocation.
    first: FpMap<u32>,
    /// Further slots for fingerprints shared by several revisions.
    more: FpMap<Vec<u32>>,
    entries: Vec<Entry>,
    /// Highest revision id indexed; the next catch-up reads past it.
    pub watermark: i64,
}

impl FingerprintIndex {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Builds the index from revisions `(article_id, revision_id, fingerprints)` in one
    /// go, into compact postings. Replaces whatever the index held.
    pub fn bulk(revisions: Vec<(i64, i64, Vec<u64>)>) -> Self {
        let postings: usize = revisions.iter().map(|r| r.2.len()).sum();
        // About 16 postings a bucket: short scans of 2-byte remainders, and an offset
        // table a fiftieth the size of the postings.
        let bucket_bits = (usize::BITS - (postings / 16).max(1).leading_zeros()).clamp(8, 26);
        let mut frozen = Frozen {
            bucket_bits,
            offsets: vec![0; (1usize << bucket_bits) + 1],
            rems: Vec::new(),
            slots: Vec::new(),
        };
        for (_, _, fps) in &revisions {
            for fp in fps {
                let (b, _) = frozen.split(*fp);
                frozen.offsets[b + 1] += 1;
            }
        }
        for b in 1..frozen.offsets.len() {
            frozen.offsets[b] += frozen.offsets[b - 1];
        }
        frozen.rems = vec![0; postings];
        frozen.slots = vec![0; postings];
        let mut next = frozen.offsets.clone();
        let mut entries = Vec::with_capacity(revisions.len());
        let mut watermark = 0;
        for (slot, (article_id, revision_id, fps)) in revisions.into_iter().enumerate() {
            for fp in &fps {
                let (b, rem) = frozen.split(*fp);
                let at = next[b] as usize;
                frozen.rems[at] = rem;
                frozen.slots[at] = slot as u32;
                next[b] += 1;
            }
            entries.push(Entry {
                article_id,
                revision_id,
                fingerprints: u32::try_from(fps.len()).unwrap_or(u32::MAX),
            });
            watermark = watermark.max(revision_id);
        }
        Self {
            frozen,
            entries,
            watermark,
            ..Self::default()
        }
    }

    /// Writes the frozen postings and entries, so a restart can read them instead of
    /// every fingerprint in the database. Only an index fresh from `bulk` (no map
    /// layer) is written; returns whether it was.
    pub fn write_snapshot(
        &self,
        w: &mut impl std::io::Write,
        fingerprint_version: u32,
        watermark_record: &str,
    ) -> std::io::Result<bool> {
        if !self.first.is_empty() || self.frozen.offsets.is_empty() {
            return Ok(false);
        }
        let f = &self.frozen;
        w.write_all(SNAPSHOT_MAGIC)?;
        w.write_all(&fingerprint_version.to_le_bytes())?;
        w.write_all(&f.bucket_bits.to_le_bytes())?;
        w.write_all(&self.watermark.to_le_bytes())?;
        let record = watermark_record.as_bytes();
        w.write_all(&(record.len() as u32).to_le_bytes())?;
        w.write_all(record)?;
        for n in [f.offsets.len(), f.rems.len(), self.entries.len()] {
            w.write_all(&(n as u64).to_le_bytes())?;
        }
        let mut buf = Vec::with_capacity(1 << 20);
        let flush = |buf: &mut Vec<u8>, w: &mut dyn std::io::Write| -> std::io::Result<()> {
            w.write_all(buf)?;
            buf.clear();
            Ok(())
        };
        for chunk in f.offsets.chunks(1 << 18) {
            chunk
                .iter()
                .for_each(|v| buf.extend_from_slice(&v.to_le_bytes()));
            flush(&mut buf, w)?;
        }
        for chunk in f.rems.chunks(1 << 18) {
            chunk
                .iter()
                .for_each(|v| buf.extend_from_slice(&v.to_le_bytes()));
            flush(&mut buf, w)?;
        }
        for chunk in f.slots.chunks(1 << 18) {
            chunk
                .iter()
                .for_each(|v| buf.extend_from_slice(&v.to_le_bytes()));
            flush(&mut buf, w)?;
        }
        for chunk in self.entries.chunks(1 << 16) {
            for e in chunk {
                buf.extend_from_slice(&e.article_id.to_le_bytes());
                buf.extend_from_slice(&e.revision_id.to_le_bytes());
                buf.extend_from_slice(&e.fingerprints.to_le_bytes());
            }
            flush(&mut buf, w)?;
        }
        Ok(true)
    }

    /// Reads what `write_snapshot` wrote: the index and the record hash of its
    /// watermark revision (for the caller to check against the database). `None` for
    /// another format or fingerprint version.
    pub fn read_snapshot(
        r: &mut impl std::io::Read,
        fingerprint_version: u32,
    ) -> std::io::Result<Option<(Self, String)>> {
        let mut magic = [0u8; 8];
        r.read_exact(&mut magic)?;
        if &magic != SNAPSHOT_MAGIC || read_u32(r)? != fingerprint_version {
            return Ok(None);
        }
        let bucket_bits = read_u32(r)?;
        let watermark = read_u64(r)? as i64;
        let record_len = read_u32(r)? as usize;
        if record_len > 256 || !(8..=26).contains(&bucket_bits) {
            return Ok(None);
        }
        let mut record = vec![0u8; record_len];
        r.read_exact(&mut record)?;
        let (n_offsets, n_postings, n_entries) = (
            read_u64(r)? as usize,
            read_u64(r)? as usize,
            read_u64(r)? as usize,
        );
        if n_offsets != (1usize << bucket_bits) + 1 {
            return Ok(None);
        }
        let offsets = read_array(r, n_offsets, 4, |b| {
            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
        })?;
        let rems = read_array(r, n_postings, 2, |b| u16::from_le_bytes([b[0], b[1]]))?;
        let slots = read_array(r, n_postings, 4, |b| {
            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
        })?;
        let entries = read_array(r, n_entries, 20, |b| Entry {
            article_id: i64::from_le_bytes(b[0..8].try_into().unwrap_or_default()),
            revision_id: i64::from_le_bytes(b[8..16].try_into().unwrap_or_default()),
            fingerprints: u32::from_le_bytes(b[16..20].try_into().unwrap_or_default()),
        })?;
        if offsets.last().copied() != Some(n_postings as u32)
            || slots.iter().any(|s| *s as usize >= n_entries)
        {
            return Ok(None);
        }
        let index = Self {
            frozen: Frozen {
                bucket_bits,
                offsets,
                rems,
                slots,
            },
            entries,
            watermark,
            ..Self::default()
        };
        Ok(Some((index, String::from_utf8_lossy(&record).into_owned())))
    }

    /// Bytes the postings take (frozen arrays plus an estimate for the map layer).
    pub fn memory_bytes(&self) -> usize {
        let map = (self.first.capacity() + self.more.capacity()) * 24
            + self.more.values().map(|v| v.capacity() * 4).sum::<usize>();
        self.frozen.bytes() + map + self.entries.capacity() * std::mem::size_of::<Entry>()
    }

    /// Adds a revision's fingerprints (sorted, deduplicated).
    pub fn insert(&mut self, article_id: i64, revision_id: i64, fingerprints: &[u64]) {
        let Ok(slot) = u32::try_from(self.entries.len()) else {
            return;
        };
        self.entries.push(Entry {
            article_id,
            revision_id,
            fingerprints: u32::try_from(fingerprints.len()).unwrap_or(u32::MAX),
        });
        for fp in fingerprints {
            match self.first.entry(*fp) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(slot);
                }
                std::collections::hash_map::Entry::Occupied(_) => {
                    self.more.entry(*fp).or_default().push(slot);
                }
            }
        }
        self.watermark = self.watermark.max(revision_id);
    }

    /// Articles sharing at least `min_containment` of `query` (sorted, deduplicated),
    /// best first, one hit per article (its best revision).
    pub fn search(&self, query: &[u64], min_containment: f64, limit: usize) -> Vec<Hit> {
        if query.is_empty() {
            return Vec::new();
        }
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for fp in query {
            for slot in self.frozen.slots_of(*fp) {
                *counts.entry(slot).or_default() += 1;
            }
            if let Some(slot) = self.first.get(fp) {
                *counts.entry(*slot).or_default() += 1;
                for s in self.more.get(fp).into_iter().flatten() {
                    *counts.entry(*s).or_default() += 1;
                }
            }
        }
        let total = query.len() as f64;
        let mut best: HashMap<i64, Hit> = HashMap::new();
        for (slot, n) in counts {
            let e = self.entries[slot as usize];
            let containment = f64::from(n) / total;
            if containment < min_containment {
                continue;
            }
            let hit = Hit {
                article_id: e.article_id,
                revision_id: e.revision_id,
                containment,
            };
            best.entry(e.article_id)
                .and_modify(|h| {
                    if hit.containment > h.containment
                        || (hit.containment == h.containment && hit.revision_id > h.revision_id)
                    {
                        *h = hit.clone();
                    }
                })
                .or_insert(hit);
        }
        let mut hits: Vec<Hit> = best.into_values().collect();
        hits.sort_by(|a, b| {
            b.containment
                .total_cmp(&a.containment)
                .then(a.article_id.cmp(&b.article_id))
        });
        hits.truncate(limit);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_revision_per_article_ranked_by_containment() {
        let mut idx = FingerprintIndex::default();
        idx.insert(1, 10, &[1, 2, 3, 4]);
        idx.insert(1, 11, &[1, 2]);
        idx.insert(2, 12, &[3, 9]);
        idx.insert(3, 13, &[7, 8]);
        let hits = idx.search(&[1, 2, 3, 4], 0.01, 10);
        assert_eq!(hits.len(), 2);
        assert_eq!((hits[0].article_id, hits[0].revision_id), (1, 10));
        assert!((hits[0].containment - 1.0).abs() < 1e-9);
        assert_eq!(hits[1].article_id, 2);
        assert!((hits[1].containment - 0.25).abs() < 1e-9);
        assert_eq!(idx.watermark, 13);
    }

    #[test]
    fn bulk_loaded_and_later_revisions_are_found_alike() {
        let fps = |seed: u64, n: u64| -> Vec<u64> {
            let mut v: Vec<u64> = (0..n)
                .map(|i| (seed * 1_000 + i).wrapping_mul(0x9e37_79b9_7f4a_7c15))
                .collect();
            v.sort_unstable();
            v
        };
        let mut idx =
            FingerprintIndex::bulk((0..2000).map(|a| (a, a + 1, fps(a as u64, 50))).collect());
        assert_eq!((idx.len(), idx.watermark), (2000, 2000));
        idx.insert(5000, 5001, &fps(5000, 50));
        // Shares half of revision 7's fingerprints and all of 5000's.
        let mut q = fps(7, 25);
        q.extend(fps(5000, 50));
        q.sort_unstable();
        let hits = idx.search(&q, 0.1, 10);
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert_eq!((hits[0].article_id, hits[1].article_id), (5000, 7));
        assert!((hits[1].containment - 25.0 / 75.0).abs() < 1e-9);
        // Every bulk revision is found by its own fingerprints, and only it.
        for a in (0..2000).step_by(97) {
            let hits = idx.search(&fps(a as u64, 50), 0.5, 5);
            assert_eq!(hits.len(), 1);
            assert_eq!(hits[0].article_id, a);
        }
        assert!(
            FingerprintIndex::bulk(Vec::new())
                .search(&[1, 2], 0.0, 5)
                .is_empty()
        );
    }

    #[test]
    fn a_snapshot_reads_back_the_same_index() {
        let revs: Vec<(i64, i64, Vec<u64>)> = (0..300u64)
            .map(|i| {
                let mut fps: Vec<u64> = (0..40u64)
                    .map(|j| (i * 100 + j).wrapping_mul(0x9E37_79B9_7F4A_7C15))
                    .collect();
                fps.sort_unstable();
                (i as i64 + 1, i as i64 + 10, fps)
            })
            .collect();
        let query = revs[42].2[..20].to_vec();
        let idx = FingerprintIndex::bulk(revs);
        let mut bytes = Vec::new();
        assert!(idx.write_snapshot(&mut bytes, 2, "abc").unwrap());
        let (back, record) = FingerprintIndex::read_snapshot(&mut bytes.as_slice(), 2)
            .unwrap()
            .unwrap();
        assert_eq!(record, "abc");
        assert_eq!((back.len(), back.watermark), (idx.len(), idx.watermark));
        assert_eq!(back.search(&query, 0.1, 5), idx.search(&query, 0.1, 5));
        assert_eq!(back.search(&query, 0.1, 5)[0].article_id, 43);
        // Another fingerprint version, or a cut file, is not read as an index.
        assert!(
            FingerprintIndex::read_snapshot(&mut bytes.as_slice(), 3)
                .unwrap()
                .is_none()
        );
        assert!(FingerprintIndex::read_snapshot(&mut &bytes[..bytes.len() - 3], 2).is_err());
        // An index with later inserts is not written.
        let mut grown = back;
        grown.insert(999, 999, &[1, 2, 3]);
        assert!(!grown.write_snapshot(&mut Vec::new(), 2, "abc").unwrap());
    }

    #[test]
    fn threshold_and_limit_apply() {
        let mut idx = FingerprintIndex::default();
        for a in 0..5 {
            idx.insert(a, a, &[100, a as u64 + 1000]);
        }
        assert_eq!(idx.search(&[100, 1, 2, 3], 0.3, 10).len(), 0);
        assert_eq!(idx.search(&[100, 1], 0.3, 3).len(), 3);
    }
}
