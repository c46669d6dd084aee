//! In-memory inverted index from fingerprint to the revisions that contain it.
//!
//! A derived cache of what the database stores: every instance builds its own from the
//! stored fingerprints and catches up before each search, so instances stay stateless.
//!
//! Two layers. What is loaded at start-up is frozen into compact postings: bucketed by
//! the top bits of the fingerprint (an offset table), each posting the next 16 bits of
//! the fingerprint and a revision slot, 6 bytes in all. A build makes two passes over
//! the revisions (`Census` counts each bucket, `Filler` lays the postings out in place),
//! so it never holds more than the postings it builds. Revisions recorded later go into
//! a small hash map. Fingerprints are uniformly distributed 64-bit hashes, so buckets
//! stay short and the 40+ bits compared make a false match rare and harmless (one more
//! count).

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

/// Writes `values`, each encoded into the buffer, about a megabyte at a time.
fn write_array<T>(
    w: &mut impl std::io::Write,
    values: &[T],
    encode: impl Fn(&T, &mut Vec<u8>),
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 20);
    for chunk in values.chunks(1 << 16) {
        chunk.iter().for_each(|v| encode(v, &mut buf));
        w.write_all(&buf)?;
        buf.clear();
    }
    Ok(())
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

/// Bits of the fingerprint that choose a bucket for `postings` postings: about 16
/// postings a bucket keeps scans of 2-byte remainders short and the offset table a
/// fiftieth the size of the postings.
fn bucket_bits_for(postings: usize) -> u32 {
    (usize::BITS - (postings / 16).max(1).leading_zeros()).clamp(8, 26)
}

/// First pass of a build: counts the postings of each bucket, so that the second pass
/// (`Filler`) can lay them out in place. A build then never holds every fingerprint at
/// once, only the frozen arrays it fills: at a million revisions 1.4 GB instead of 3.
pub struct Census {
    /// Counts per bucket at a resolution fine enough for the postings expected; folded
    /// to the resolution the real count calls for.
    fine_bits: u32,
    counts: Vec<u32>,
    entries: Vec<Entry>,
    postings: usize,
    watermark: i64,
}

impl Census {
    /// A census expecting about `postings` postings (more only makes buckets longer).
    pub fn new(postings: usize) -> Self {
        let fine_bits = bucket_bits_for(postings);
        Self {
            fine_bits,
            counts: vec![0; 1 << fine_bits],
            entries: Vec::new(),
            postings: 0,
            watermark: 0,
        }
    }

    /// Counts one revision, in the order the filler will see it.
    pub fn add(
        &mut self,
        article_id: i64,
        revision_id: i64,
        fingerprints: impl Iterator<Item = u64>,
    ) {
        let mut n = 0u32;
        for fp in fingerprints {
            self.counts[(fp >> (64 - self.fine_bits)) as usize] += 1;
            n += 1;
        }
        self.postings += n as usize;
        self.entries.push(Entry {
            article_id,
            revision_id,
            fingerprints: n,
        });
        self.watermark = self.watermark.max(revision_id);
    }

    /// Highest revision id counted: the filler must see exactly the revisions up to it.
    pub fn watermark(&self) -> i64 {
        self.watermark
    }

    /// Revisions counted.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Lays out the buckets and allocates the postings the second pass fills.
    pub fn into_filler(self) -> Filler {
        let bucket_bits = bucket_bits_for(self.postings).min(self.fine_bits);
        let fold = 1usize << (self.fine_bits - bucket_bits);
        let mut offsets = Vec::with_capacity((1usize << bucket_bits) + 1);
        offsets.push(0u32);
        let mut total = 0u32;
        for group in self.counts.chunks(fold) {
            total += group.iter().sum::<u32>();
            offsets.push(total);
        }
        drop(self.counts);
        let next = offsets.clone();
        Filler {
            frozen: Frozen {
                bucket_bits,
                offsets,
                rems: vec![0; self.postings],
                slots: vec![0; self.postings],
            },
            next,
            entries: self.entries,
            slot: 0,
            agrees: true,
            watermark: self.watermark,
        }
    }
}

/// Second pass of a build: fills the postings with the same revisions, in the same
/// order, that the census counted.
pub struct Filler {
    frozen: Frozen,
    /// Next free posting of each bucket.
    next: Vec<u32>,
    entries: Vec<Entry>,
    slot: usize,
    /// False once a revision differs from what the census counted.
    agrees: bool,
    watermark: i64,
}

impl Filler {
    /// Fills one revision's postings; returns false (and the build is void) when it is
    /// not the revision the census counted next or its fingerprints differ in number.
    pub fn add(&mut self, revision_id: i64, fingerprints: impl Iterator<Item = u64>) -> bool {
        let Some(entry) = self.entries.get(self.slot).copied() else {
            self.agrees = false;
            return false;
        };
        if !self.agrees || entry.revision_id != revision_id {
            self.agrees = false;
            return false;
        }
        let mut n = 0u32;
        for fp in fingerprints {
            let (b, rem) = self.frozen.split(fp);
            let at = self.next[b];
            if at >= self.frozen.offsets[b + 1] {
                self.agrees = false;
                return false;
            }
            self.frozen.rems[at as usize] = rem;
            self.frozen.slots[at as usize] = self.slot as u32;
            self.next[b] = at + 1;
            n += 1;
        }
        self.agrees = n == entry.fingerprints;
        self.slot += 1;
        self.agrees
    }

    /// The built index, or `None` if the revisions filled were not those counted.
    pub fn finish(self) -> Option<FingerprintIndex> {
        (self.agrees && self.slot == self.entries.len()).then(|| FingerprintIndex {
            frozen: self.frozen,
            entries: self.entries,
            watermark: self.watermark,
            ..FingerprintIndex::default()
        })
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

    /// Builds the index from revisions `(article_id, revision_id, fingerprints)` held in
    /// memory, into compact postings. Replaces whatever the index held.
    pub fn bulk(revisions: Vec<(i64, i64, Vec<u64>)>) -> Self {
        let postings: usize = revisions.iter().map(|r| r.2.len()).sum();
        let mut census = Census::new(postings);
        for (article_id, revision_id, fps) in &revisions {
            census.add(*article_id, *revision_id, fps.iter().copied());
        }
        let mut filler = census.into_filler();
        for (_, revision_id, fps) in revisions {
            filler.add(revision_id, fps.into_iter());
        }
        filler.finish().unwrap_or_default()
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
        write_array(w, &f.offsets, |v, buf| {
            buf.extend_from_slice(&v.to_le_bytes())
        })?;
        write_array(w, &f.rems, |v, buf| buf.extend_from_slice(&v.to_le_bytes()))?;
        write_array(w, &f.slots, |v, buf| {
            buf.extend_from_slice(&v.to_le_bytes())
        })?;
        write_array(w, &self.entries, |e, buf| {
            buf.extend_from_slice(&e.article_id.to_le_bytes());
            buf.extend_from_slice(&e.revision_id.to_le_bytes());
            buf.extend_from_slice(&e.fingerprints.to_le_bytes());
        })?;
        Ok(true)
    }

    /// Reads what `write_snapshot` wrote, `len` bytes in all: the index and the record
    /// hash of its watermark revision (for the caller to check against the database).
    /// `None` for another format or fingerprint version, or sizes that do not add up to
    /// `len` (checked before anything is allocated).
    pub fn read_snapshot(
        r: &mut impl std::io::Read,
        len: u64,
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
        let header = 8 + 4 + 4 + 8 + 4 + record_len as u64 + 3 * 8;
        let body = [(n_offsets, 4u64), (n_postings, 6), (n_entries, 20)]
            .iter()
            .try_fold(0u64, |sum, (n, width)| {
                (*n as u64).checked_mul(*width)?.checked_add(sum)
            });
        if n_offsets != (1usize << bucket_bits) + 1 || body.map(|b| header + b) != Some(len) {
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
    /// best first, one hit per article (its best revision). Every fingerprint counts.
    pub fn search(&self, query: &[u64], min_containment: f64, limit: usize) -> Vec<Hit> {
        self.search_capped(query, min_containment, limit, 0)
    }

    /// Revisions holding `fp`, in both layers.
    fn for_each_slot(&self, fp: u64, mut f: impl FnMut(u32)) {
        self.frozen.slots_of(fp).for_each(&mut f);
        if let Some(slot) = self.first.get(&fp) {
            f(*slot);
            self.more.get(&fp).into_iter().flatten().for_each(|s| f(*s));
        }
    }

    /// Whether more than `cap` revisions hold `fp` (counting stops past the cap).
    fn more_common_than(&self, fp: u64, cap: usize) -> bool {
        let mut n = self.frozen.slots_of(fp).take(cap + 1).count();
        if self.first.contains_key(&fp) {
            n += 1 + self.more.get(&fp).map_or(0, Vec::len);
        }
        n > cap
    }

    /// `search`, where a fingerprint held by more than `common_df` revisions (0: no
    /// limit) is common: it finds no candidates of its own, but still counts for every
    /// revision a rarer fingerprint found. Containment stays exact for every hit; what
    /// is given up is an article sharing nothing with the query but common
    /// fingerprints (boilerplate, sentences re-used across many articles).
    pub fn search_capped(
        &self,
        query: &[u64],
        min_containment: f64,
        limit: usize,
        common_df: usize,
    ) -> Vec<Hit> {
        if query.is_empty() || limit == 0 {
            return Vec::new();
        }
        let found = COUNTS.with(|cell| {
            let mut counts = cell.borrow_mut();
            if counts.len() < self.entries.len() {
                counts.resize(self.entries.len(), 0);
            }
            let mut touched: Vec<u32> = Vec::new();
            let mut common = Vec::new();
            for &fp in query {
                if common_df > 0 && self.more_common_than(fp, common_df) {
                    common.push(fp);
                    continue;
                }
                self.for_each_slot(fp, |slot| {
                    let c = &mut counts[slot as usize];
                    if *c == 0 {
                        touched.push(slot);
                    }
                    *c += 1;
                });
            }
            for fp in common {
                self.for_each_slot(fp, |slot| {
                    let c = &mut counts[slot as usize];
                    if *c > 0 {
                        *c += 1;
                    }
                });
            }
            // Read the counts and leave the scratch zeroed for the next search.
            let found: Vec<(u32, u32)> = touched
                .iter()
                .map(|&slot| (slot, std::mem::take(&mut counts[slot as usize])))
                .collect();
            found
        });
        let total = query.len() as f64;
        let mut ranked: Vec<(u32, u32)> = found
            .into_iter()
            .filter(|&(_, n)| f64::from(n) / total >= min_containment)
            .collect();
        // Best first: most fingerprints shared, then the lower article id, then the
        // later revision (so an article's first slot in this order is its best).
        let order = |a: &(u32, u32), b: &(u32, u32)| {
            let (ea, eb) = (self.entries[a.0 as usize], self.entries[b.0 as usize]);
            b.1.cmp(&a.1)
                .then(ea.article_id.cmp(&eb.article_id))
                .then(eb.revision_id.cmp(&ea.revision_id))
        };
        // Only the best few need ordering; more are ordered when revisions of the same
        // articles fill that prefix.
        let mut prefix = limit.saturating_mul(8).max(64);
        loop {
            let whole = prefix >= ranked.len();
            if whole {
                ranked.sort_unstable_by(order);
            } else {
                ranked.select_nth_unstable_by(prefix, order);
                ranked[..prefix].sort_unstable_by(order);
            }
            let mut seen = std::collections::HashSet::new();
            let mut hits = Vec::with_capacity(limit);
            for &(slot, n) in &ranked[..prefix.min(ranked.len())] {
                let e = self.entries[slot as usize];
                if seen.insert(e.article_id) {
                    hits.push(Hit {
                        article_id: e.article_id,
                        revision_id: e.revision_id,
                        containment: f64::from(n) / total,
                    });
                    if hits.len() == limit {
                        break;
                    }
                }
            }
            if whole || hits.len() == limit {
                return hits;
            }
            prefix = prefix.saturating_mul(4);
        }
    }
}

thread_local! {
    /// Per-revision counts for the searches on this thread: an array indexed by slot
    /// is far cheaper to count into than a map, and is left zeroed after each search.
    static COUNTS: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
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
        let len = bytes.len() as u64;
        let (back, record) = FingerprintIndex::read_snapshot(&mut bytes.as_slice(), len, 2)
            .unwrap()
            .unwrap();
        assert_eq!(record, "abc");
        assert_eq!((back.len(), back.watermark), (idx.len(), idx.watermark));
        assert_eq!(back.search(&query, 0.1, 5), idx.search(&query, 0.1, 5));
        assert_eq!(back.search(&query, 0.1, 5)[0].article_id, 43);
        // Another fingerprint version, or a cut file, is not read as an index.
        assert!(
            FingerprintIndex::read_snapshot(&mut bytes.as_slice(), len, 3)
                .unwrap()
                .is_none()
        );
        assert!(FingerprintIndex::read_snapshot(&mut &bytes[..bytes.len() - 3], len, 2).is_err());
        // Sizes that do not add up to the file's length are refused before any
        // allocation: a cut file, or a header claiming more postings than there are.
        assert!(
            FingerprintIndex::read_snapshot(&mut &bytes[..bytes.len() - 3], len - 3, 2)
                .unwrap()
                .is_none()
        );
        let mut lying = bytes.clone();
        let at = 8 + 4 + 4 + 8 + 4 + 3 + 8;
        lying[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(
            FingerprintIndex::read_snapshot(&mut lying.as_slice(), len, 2)
                .unwrap()
                .is_none()
        );
        // An index with later inserts is not written.
        let mut grown = back;
        grown.insert(999, 999, &[1, 2, 3]);
        assert!(!grown.write_snapshot(&mut Vec::new(), 2, "abc").unwrap());
    }

    #[test]
    fn a_fill_that_differs_from_its_census_builds_nothing() {
        let census_of = |revs: &[(i64, Vec<u64>)]| {
            let mut c = Census::new(1 << 20);
            for (id, fps) in revs {
                c.add(*id, *id, fps.iter().copied());
            }
            c.into_filler()
        };
        let revs = vec![(1, vec![1u64 << 60, 2u64 << 60]), (2, vec![3u64 << 60])];
        // The same revisions: built, and coarser buckets than the census counted in.
        let mut f = census_of(&revs);
        assert!(revs.iter().all(|(id, fps)| f.add(*id, fps.iter().copied())));
        let idx = f.finish().expect("same revisions");
        assert_eq!(idx.frozen.bucket_bits, 8);
        assert_eq!(idx.search(&[3u64 << 60], 0.5, 5)[0].article_id, 2);
        // Another revision, another fingerprint count, an extra or a missing revision.
        let mut f = census_of(&revs);
        assert!(!f.add(7, [1u64 << 60].into_iter()));
        assert!(f.finish().is_none());
        let mut f = census_of(&revs);
        assert!(!f.add(1, [1u64 << 60].into_iter()));
        assert!(f.finish().is_none());
        let mut f = census_of(&revs);
        assert!(f.add(1, revs[0].1.iter().copied()));
        assert!(f.finish().is_none());
        let mut f = census_of(&revs[..1]);
        assert!(f.add(1, revs[0].1.iter().copied()));
        assert!(!f.add(2, revs[1].1.iter().copied()));
        assert!(f.finish().is_none());
        // A fingerprint moved to another bucket overflows it rather than panicking.
        let mut f = census_of(&revs);
        assert!(!f.add(1, [1u64 << 60, 1u64 << 60].into_iter()));
        assert!(f.finish().is_none());
    }

    #[test]
    fn a_common_fingerprint_counts_but_finds_no_candidates_of_its_own() {
        // Fingerprints are well-mixed hashes (the frozen layer buckets by the top bits).
        let h = |x: u64| x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        // Fingerprint 100 is boilerplate in every revision; 1..=3 are article 7's own.
        let mut revs: Vec<(i64, i64, Vec<u64>)> = (0..50)
            .map(|a| (a, a + 1000, vec![h(100), h(500 + a as u64)]))
            .collect();
        revs[7].2 = vec![h(1), h(2), h(3), h(100)];
        let idx = FingerprintIndex::bulk(revs);
        let query = [h(1), h(2), h(100)];
        let all = idx.search(&query, 0.0, 100);
        assert_eq!(
            all.len(),
            50,
            "uncapped, the boilerplate finds every article"
        );
        let capped = idx.search_capped(&query, 0.0, 100, 10);
        assert_eq!(capped.len(), 1, "{capped:?}");
        assert_eq!(capped[0].article_id, 7);
        assert!((capped[0].containment - 1.0).abs() < 1e-9, "still counted");
        assert_eq!(capped[0], all[0]);
        // Made only of common fingerprints, a query finds nothing under the cap.
        assert!(idx.search_capped(&[h(100)], 0.0, 10, 10).is_empty());
        // A cap above the fingerprint's count changes nothing; the map layer counts too.
        assert_eq!(idx.search_capped(&query, 0.0, 100, 50), all);
        let mut grown = idx;
        for a in 50..70 {
            grown.insert(a, a + 1000, &[h(100), h(600 + a as u64)]);
        }
        assert_eq!(grown.search(&[h(100)], 0.0, 100).len(), 70);
        assert_eq!(grown.search_capped(&query, 0.0, 100, 60).len(), 1);
        assert_eq!(grown.search_capped(&query, 0.0, 100, 70).len(), 70);
    }

    #[test]
    fn many_revisions_of_one_article_do_not_crowd_out_the_next_article() {
        // Article 1 has 200 revisions sharing 3 of the query's 4 fingerprints; article 2
        // shares 2. The second hit must be article 2, past all of article 1's.
        let mut idx = FingerprintIndex::default();
        for r in 0..200 {
            idx.insert(1, r, &[1, 2, 3]);
        }
        idx.insert(2, 500, &[1, 2]);
        for a in 3..10 {
            idx.insert(a, 600 + a, &[4]);
        }
        let hits = idx.search(&[1, 2, 3, 4], 0.0, 2);
        assert_eq!(hits.len(), 2);
        assert_eq!((hits[0].article_id, hits[0].revision_id), (1, 199));
        assert_eq!(hits[1].article_id, 2);
        // The scratch counts are left zeroed: the same search again gives the same.
        assert_eq!(idx.search(&[1, 2, 3, 4], 0.0, 2), hits);
        assert_eq!(idx.search(&[4], 0.0, 20).len(), 7);
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
