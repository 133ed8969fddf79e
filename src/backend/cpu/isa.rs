//! Run-time choice of the instruction set for the vectorised Poseidon. Each
//! entry point below is compiled once per instruction set (the generic code is
//! inlined into a `#[target_feature]` function) and called only after the CPU
//! reported the feature.

use plonky2::hash::poseidon::SPONGE_WIDTH;

use super::scalar;
use crate::digest::Digest;
use crate::field::F;

/// Calls `sponge::$f::<lanes>` for the instruction set, after checking the
/// CPU has it (which is what makes the `unsafe` calls sound).
macro_rules! dispatch {
    ($isa:expr, $f:ident($($arg:expr),*)) => {{
        let isa: Isa = $isa;
        assert!(isa.available(), "{} is not available on this CPU", isa.name());
        match isa {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU has AVX-512F (checked above).
            Isa::Avx512 => unsafe { x86_avx512::$f($($arg),*) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: the CPU has AVX2 (checked above).
            Isa::Avx2 => unsafe { x86_avx2::$f($($arg),*) },
            _ => scalar::$f($($arg),*),
        }
    }};
}

/// The instruction sets the CPU backend can hash with, fastest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Isa {
    /// Eight lanes of AVX-512F.
    Avx512,
    /// Four lanes of AVX2.
    Avx2,
    /// plonky2's own scalar permutation, one hash at a time: every CPU (on
    /// aarch64 it is plonky2's NEON code).
    Portable,
}

impl Isa {
    pub const ALL: [Isa; 3] = [Isa::Avx512, Isa::Avx2, Isa::Portable];

    /// The fastest instruction set this CPU has.
    pub fn detect() -> Isa {
        Isa::ALL
            .into_iter()
            .find(|isa| isa.available())
            .unwrap_or(Isa::Portable)
    }

    pub fn available(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => super::avx512::Avx512::available(),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => super::avx2::Avx2::available(),
            Isa::Portable => true,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "avx512",
            Isa::Avx2 => "avx2",
            Isa::Portable => "portable",
        }
    }

    /// Hashes computed at once.
    pub fn lanes(self) -> usize {
        match self {
            Isa::Avx512 => 8,
            Isa::Avx2 => 4,
            Isa::Portable => 1,
        }
    }

    /// `hash_no_pad` of each `width`-element row of `inputs` into `out`.
    pub fn hash_rows(self, inputs: &[F], width: usize, out: &mut [Digest]) {
        assert_eq!(inputs.len(), width * out.len(), "ragged rows");
        dispatch!(self, hash_rows(inputs, width, out))
    }

    /// `two_to_one` of each pair into `out`.
    pub fn hash_pairs(self, pairs: &[(Digest, Digest)], out: &mut [Digest]) {
        assert_eq!(pairs.len(), out.len(), "one output per pair");
        dispatch!(self, hash_pairs(pairs, out))
    }

    /// plonky2's Poseidon permutation of each state, in place.
    pub fn permute(self, states: &mut [[u64; SPONGE_WIDTH]]) {
        dispatch!(self, permute_states(states))
    }
}

/// The sponge entry points compiled with one instruction set enabled: the
/// generic code is `#[inline(always)]`, so it is generated inside these, once
/// per instruction set, and nothing wider leaks into the narrower variant.
macro_rules! entry_points {
    ($module:ident, $feature:literal, $lanes:ty) => {
        #[cfg(target_arch = "x86_64")]
        mod $module {
            use super::super::sponge;
            use crate::digest::Digest;
            use crate::field::F;
            use plonky2::hash::poseidon::SPONGE_WIDTH;

            #[target_feature(enable = $feature)]
            pub unsafe fn hash_rows(inputs: &[F], width: usize, out: &mut [Digest]) {
                sponge::hash_rows::<$lanes>(inputs, width, out)
            }

            #[target_feature(enable = $feature)]
            pub unsafe fn hash_pairs(pairs: &[(Digest, Digest)], out: &mut [Digest]) {
                sponge::hash_pairs::<$lanes>(pairs, out)
            }

            #[target_feature(enable = $feature)]
            pub unsafe fn permute_states(states: &mut [[u64; SPONGE_WIDTH]]) {
                sponge::permute_states::<$lanes>(states)
            }
        }
    };
}

entry_points!(x86_avx512, "avx512f", super::super::avx512::Avx512);
entry_points!(x86_avx2, "avx2", super::super::avx2::Avx2);
