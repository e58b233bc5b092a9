//! Records of one walk that map to one row but differ: found, so that none is merged into
//! another in silence.
//!
//! A row's key is the provider id as text (see [`row_key`](crate::row_key)), so two records
//! of one run may share it while their bytes differ — an id sent once as the number `5000001`
//! and once as the string `"5000001"`, or a record changed between two pages of one walk. The
//! later one is the one written (a batch keeps the last copy of a key, and batches commit in
//! order); [`Collisions`] says which records replaced another of other bytes, so the run can
//! count them and note them on the row.

use std::hash::{BuildHasher, RandomState};

use nohash_hasher::IntMap;

/// The keys of a run's records, each with a fingerprint of the bytes of its latest record:
/// two 64-bit hashes a record (a few dozen bytes with the map's own room), never the strings.
#[derive(Debug, Default)]
pub(crate) struct Collisions {
    hasher: RandomState,
    /// Keyed hashes (`hasher`'s) already: the map takes them as their own hash.
    latest: IntMap<u64, u64>,
}

impl Collisions {
    /// Takes the next record of the run: its row key and its bytes' fingerprint. `true` when
    /// an earlier record of the run had this key and other bytes (this one replaces it);
    /// identical bytes sent again are no collision.
    pub(crate) fn differs(&mut self, key: &str, fingerprint: u64) -> bool {
        let key = self.hasher.hash_one(key);
        self.latest
            .insert(key, fingerprint)
            .is_some_and(|before| before != fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_seen_with_other_bytes_is_a_collision_and_the_same_bytes_are_not() {
        let mut seen = Collisions::default();
        assert!(!seen.differs("5000001", 1), "first sighting");
        assert!(!seen.differs("5000001", 1), "the same bytes again");
        assert!(!seen.differs("5000002", 2), "another key");
        assert!(seen.differs("5000001", 3), "other bytes");
        assert!(
            seen.differs("5000001", 1),
            "the first bytes again, after others"
        );
        assert!(!seen.differs("5000001", 1));
    }
}
