//! In-memory inverted index from fingerprint to the revisions that contain it.
//!
//! A derived cache of what the database stores: every instance builds its own from the
//! stored fingerprints and catches up before each search, so instances stay stateless.

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

#[derive(Default)]
pub struct FingerprintIndex {
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
    fn threshold_and_limit_apply() {
        let mut idx = FingerprintIndex::default();
        for a in 0..5 {
            idx.insert(a, a, &[100, a as u64 + 1000]);
        }
        assert_eq!(idx.search(&[100, 1, 2, 3], 0.3, 10).len(), 0);
        assert_eq!(idx.search(&[100, 1], 0.3, 3).len(), 3);
    }
}
