//! Bit bounds on every committed quantity.
//!
//! They are chosen so that no sum or product the proofs need can wrap around the
//! Goldilocks modulus p = 2^64 - 2^32 + 1; `docs/FORMAT.md` gives the argument.

/// Each committed equity or debt amount is < 2^AMOUNT_BITS units.
pub const AMOUNT_BITS: u32 = 48;
/// Each committed price (value units per amount unit) is < 2^PRICE_BITS.
pub const PRICE_BITS: u32 = 32;
/// Each per-asset total of equity, of debt, and each reserve is < 2^TOTAL_BITS units.
pub const TOTAL_BITS: u32 = 64;
/// At most this many assets in one snapshot.
pub const MAX_ASSETS: usize = 1024;
/// At most this many users (non-padding leaves) in one snapshot.
pub const MAX_USERS: u64 = 1 << 32;
/// Largest `decimals` an asset may declare.
pub const MAX_DECIMALS: u32 = 18;
/// Largest value scale (decimals plus price fractional digits).
pub const MAX_VALUE_SCALE: u32 = 36;
/// A user id is 1..=MAX_USER_ID_BYTES bytes of UTF-8.
pub const MAX_USER_ID_BYTES: usize = 128;
/// An asset symbol is 1..=MAX_SYMBOL_BYTES ASCII characters from `[A-Za-z0-9._-]`.
pub const MAX_SYMBOL_BYTES: usize = 32;

/// 2^bits as a u128, for bound checks.
pub const fn limit(bits: u32) -> u128 {
    1u128 << bits
}
