//! [`SeenIds`]: which ids a [`Lookup`](super::Lookup) has already taken, in bounded memory.
//!
//! Ids are remembered as 128-bit fingerprints (16 bytes each; collisions about 10⁻²⁹ for a
//! million ids, so no distinct id is ever skipped), in two generations of at most
//! [`DEDUP_WINDOW`]` / 2` each: when the newer one is full, the older one is forgotten. So an
//! id repeated within [`DEDUP_WINDOW`]` / 2` distinct ids of its last appearance is always
//! skipped; one further apart may be looked up again. Memory stays under about 40 MB
//! however many ids come.

use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};

/// The distinct ids (two generations of half each) remembered to skip repeats.
pub const DEDUP_WINDOW: usize = 1 << 20;

/// The ids seen lately, as fingerprints; see the module's documentation. Public so that
/// another pass over the same ids (a sync reading its ids file twice) skips exactly what a
/// [`Lookup`](super::Lookup) skips.
///
/// ```
/// let mut seen = conversations_core::SeenIds::default();
/// assert!(seen.insert("crm-1"));
/// assert!(!seen.insert("crm-1"));
/// ```
#[derive(Debug, Default)]
pub struct SeenIds {
    hasher: RandomState,
    newer: HashSet<u128>,
    older: HashSet<u128>,
}

impl SeenIds {
    /// Whether `id` is new (not seen within the window); it is remembered either way.
    pub fn insert(&mut self, id: &str) -> bool {
        let fingerprint = hash128(&self.hasher, id);
        if self.newer.contains(&fingerprint) {
            return false;
        }
        let new = !self.older.contains(&fingerprint);
        if self.newer.len() >= DEDUP_WINDOW / 2 {
            self.older = std::mem::take(&mut self.newer);
        }
        self.newer.insert(fingerprint);
        new
    }
}

/// A 128-bit fingerprint of `id` from two differently seeded hashes.
fn hash128(state: &impl BuildHasher, id: &str) -> u128 {
    let half = |salt: u8| {
        let mut h = state.build_hasher();
        salt.hash(&mut h);
        id.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_differ_for_different_ids() {
        let state = RandomState::new();
        let a = hash128(&state, "crm-1");
        assert_eq!(a, hash128(&state, "crm-1"));
        assert_ne!(a, hash128(&state, "crm-2"));
    }

    #[test]
    fn repeats_within_half_the_window_are_skipped_and_memory_is_bounded() {
        let mut seen = SeenIds::default();
        assert!(seen.insert("first"));
        assert!(!seen.insert("first"));
        for i in 0..DEDUP_WINDOW / 2 - 1 {
            assert!(seen.insert(&format!("id-{i}")));
        }
        // `first` is still within the window, as is every id after it.
        assert!(!seen.insert("first"));
        assert!(!seen.insert("id-0"));
        for i in 0..DEDUP_WINDOW {
            seen.insert(&format!("more-{i}"));
        }
        assert!(seen.newer.len() + seen.older.len() <= DEDUP_WINDOW);
        // Two generations later, `first` is forgotten: looked up again.
        assert!(seen.insert("first"));
    }
}
