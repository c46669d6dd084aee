//! takedown's text engine: the canonical form a content hash covers, Traditional to
//! Simplified folding, winnowed fingerprints, shared passages and the in-memory match
//! index. Pure: no I/O beyond what a caller hands in, nothing else of takedown.

pub mod canonical;
pub mod fingerprint;
pub mod index;
pub mod passages;
pub mod script_fold;
pub mod stream_hash;
