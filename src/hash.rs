//! A hash that never changes between Rust releases or runs: fingerprints in reports and the
//! keys and stamps of our caches depend on it.

/// A 128-bit FNV-1a hash of the parts (each followed by a NUL), as hex. Written out here
/// rather than taken from std's `Hasher`s because fingerprints must not change between Rust
/// releases.
pub fn fnv128_hex(parts: &[&str]) -> String {
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    let mut h = OFFSET;
    for part in parts {
        for &b in part.as_bytes().iter().chain(std::iter::once(&0u8)) {
            h ^= u128::from(b);
            h = h.wrapping_mul(PRIME);
        }
    }
    format!("{h:032x}")
}

/// A 128-bit hash of the parts, as hex, for the keys and content stamps of our own caches
/// only: foldhash with two fixed seeds, which reads long text (whole source files) many times
/// faster than [`fnv128_hex`]'s byte-at-a-time loop (that loop was most of the source checks'
/// time on a build with nothing to compile). Stable for a given build of the tool on a given
/// machine, which is all a cache needs (its keys include the tool's version), but not across
/// foldhash releases or platforms: never use it for report fingerprints.
pub fn cache_hex(parts: &[&str]) -> String {
    use std::hash::BuildHasher;
    let [a, b] = [0x243f_6a88_85a3_08d3, 0x1319_8a2e_0370_7344]
        .map(|seed| foldhash::fast::FixedState::with_seed(seed).hash_one(parts));
    format!("{a:016x}{b:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_hashes_tell_parts_apart_and_repeat() {
        let key = cache_hex(&["ab", "c"]);
        assert_eq!(key.len(), 32);
        assert_eq!(key, cache_hex(&["ab", "c"]));
        // Part boundaries count: the same bytes split differently give another key.
        assert_ne!(key, cache_hex(&["a", "bc"]));
        assert_ne!(key, cache_hex(&["abc"]));
        assert_ne!(cache_hex(&[""]), cache_hex(&[]));
    }
}
