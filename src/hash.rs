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
