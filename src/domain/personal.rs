//! Personal data stays out of the audit log: events carry a keyed hash of it instead,
//! keyed by a salt kept in the complaint's row. Erasing the row's personal data erases
//! the salt with it, and the hashes left in the chain no longer link to anyone; the
//! chain itself is untouched and still verifies.

use hmac::{KeyInit, Mac};
use rand::RngCore;

/// What erased personal fields read afterwards.
pub const ERASED: &str = "[erased]";

/// A new random salt, hex.
pub fn new_salt() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// HMAC-SHA256 of `value` under `salt`, hex: stands for the value in the audit log.
pub fn keyed_hash(salt: &str, value: &str) -> String {
    // HMAC takes keys of any length; this cannot fail.
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(salt.as_bytes()) else {
        return String::new();
    };
    mac.update(value.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_depends_on_salt_and_value_and_hides_the_value() {
        let (a, b) = (new_salt(), new_salt());
        assert_ne!(a, b);
        let h = keyed_hash(&a, "wang@citydaily.example");
        assert_eq!(h.len(), 64);
        assert_eq!(h, keyed_hash(&a, "wang@citydaily.example"));
        assert_ne!(h, keyed_hash(&b, "wang@citydaily.example"));
        assert_ne!(h, keyed_hash(&a, "li@citydaily.example"));
        assert!(!h.contains("wang"));
    }
}
