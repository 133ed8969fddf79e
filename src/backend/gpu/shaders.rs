//! WGSL assembly. The shaders live in `shaders/*.wgsl`, one concern per file,
//! and are compiled into the binary. The Poseidon constants are not typed
//! anywhere: the prelude is generated from plonky2's own tables, and the round
//! constants are uploaded from `ALL_ROUND_CONSTANTS` (see `kernels.rs`).

use plonky2::hash::poseidon::{Poseidon, HALF_N_FULL_ROUNDS, N_PARTIAL_ROUNDS, SPONGE_WIDTH};

use crate::field::F;

const GOLDILOCKS_U32: &str = include_str!("../../../shaders/goldilocks_u32.wgsl");
const GOLDILOCKS_U64: &str = include_str!("../../../shaders/goldilocks_u64.wgsl");
const POSEIDON: &str = include_str!("../../../shaders/poseidon.wgsl");
const SPONGE: &str = include_str!("../../../shaders/sponge.wgsl");
const MERKLE: &str = include_str!("../../../shaders/merkle.wgsl");
const PERMUTE: &str = include_str!("../../../shaders/permute.wgsl");
const FIELD_OPS: &str = include_str!("../../../shaders/field_ops.wgsl");
const NTT: &str = include_str!("../../../shaders/ntt.wgsl");
const BIT_REVERSE: &str = include_str!("../../../shaders/bit_reverse.wgsl");
const COSET_SPREAD: &str = include_str!("../../../shaders/coset_spread.wgsl");
const TRANSPOSE: &str = include_str!("../../../shaders/transpose.wgsl");

/// How field elements are represented in the shaders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Arith {
    /// Two u32 limbs: runs on every adapter.
    U32,
    /// Native u64 (`SHADER_INT64`).
    U64,
}

impl Arith {
    pub fn name(self) -> &'static str {
        match self {
            Arith::U32 => "u32",
            Arith::U64 => "u64",
        }
    }
}

/// The kernels, each a compute entry point in its own WGSL file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    Sponge,
    Merkle,
    /// One bare permutation per invocation (tests, `zkpor bench`).
    Permute,
    /// Element-wise add, sub, mul (tests).
    FieldOps,
    /// Up to 11 DIF NTT layers in workgroup memory.
    NttPass,
    /// Bit-reversal permutation times a constant.
    BitReverse,
    /// The coset shift and the zero-padded layers of a coset LDE.
    CosetSpread,
    /// Column-major LDE to row-major Merkle leaves.
    Transpose,
}

/// Every kernel, for validation.
#[cfg(test)]
pub const ALL_KERNELS: [Kernel; 8] = [
    Kernel::Sponge,
    Kernel::Merkle,
    Kernel::Permute,
    Kernel::FieldOps,
    Kernel::NttPass,
    Kernel::BitReverse,
    Kernel::CosetSpread,
    Kernel::Transpose,
];

impl Kernel {
    pub fn entry_point(self) -> &'static str {
        match self {
            Kernel::Sponge => "hash_leaves",
            Kernel::Merkle => "reduce_subtrees",
            Kernel::Permute => "permute_states",
            Kernel::FieldOps => "field_ops",
            Kernel::NttPass => "ntt_pass",
            Kernel::BitReverse => "bit_reverse",
            Kernel::CosetSpread => "coset_spread",
            Kernel::Transpose => "transpose_rows",
        }
    }

    /// Whether one invocation hashes one item, with the configurable
    /// Poseidon workgroup size (see [`source`]).
    pub fn hashes_per_invocation(self) -> bool {
        matches!(self, Kernel::Sponge | Kernel::Permute)
    }

    /// Whether the kernel reads the round constants (binding 0).
    pub fn uses_poseidon(self) -> bool {
        matches!(self, Kernel::Sponge | Kernel::Merkle | Kernel::Permute)
    }
}

/// Poseidon's round counts and straight-line layers, generated from plonky2's
/// parameters; `shaders/poseidon.wgsl` builds the permutation from them.
fn poseidon_prelude(workgroup: u32) -> String {
    let mut s = String::from("// Generated from plonky2's Poseidon parameters at run time.\n");
    s += &format!("const POSEIDON_WORKGROUP: u32 = {workgroup}u;\n");
    s += &format!("const HALF_N_FULL_ROUNDS: u32 = {HALF_N_FULL_ROUNDS}u;\n");
    s += &format!("const N_PARTIAL_ROUNDS: u32 = {N_PARTIAL_ROUNDS}u;\n");
    s += &unrolled(
        "add_round_constants(state: ptr<function, array<Fe, 12>>, round: u32)",
        |i| format!("(*state)[{i}] = fe_add((*state)[{i}], round_constant(round, {i}u));"),
    );
    s += &unrolled("sbox_layer(state: ptr<function, array<Fe, 12>>)", |i| {
        format!("(*state)[{i}] = sbox((*state)[{i}]);")
    });
    s + &mds()
}

/// A WGSL function whose body is `line(i)` for each of the 12 state elements.
fn unrolled(signature: &str, line: impl Fn(usize) -> String) -> String {
    let body: Vec<String> = (0..SPONGE_WIDTH)
        .map(|i| format!("    {}\n", line(i)))
        .collect();
    format!("fn {signature} {{\n{}}}\n", body.concat())
}

/// The MDS layer, out[r] = sum_i state[(i + r) % 12] * CIRC[i] + state[r] * DIAG[r],
/// as one dot-product term per nonzero matrix entry.
fn mds() -> String {
    let circ = <F as Poseidon>::MDS_MATRIX_CIRC;
    let diag = <F as Poseidon>::MDS_MATRIX_DIAG;
    let mut s = String::from("fn mds(s: array<Fe, 12>) -> array<Fe, 12> {\n");
    for r in 0..SPONGE_WIDTH {
        s += &format!("    var a{r} = dot_zero();\n");
        for j in 0..SPONGE_WIDTH {
            let k = circ[(j + SPONGE_WIDTH - r) % SPONGE_WIDTH] + if j == r { diag[r] } else { 0 };
            if k != 0 {
                s += &format!("    a{r} = dot_term(a{r}, s[{j}], {k}u);\n");
            }
        }
    }
    let rows: Vec<String> = (0..SPONGE_WIDTH)
        .map(|r| format!("dot_finish(a{r})"))
        .collect();
    s + &format!("    return array<Fe, 12>({});\n}}\n", rows.join(", "))
}

/// The complete WGSL module for one kernel and one arithmetic, with
/// `poseidon_workgroup` invocations per workgroup in the kernels that hash
/// one item per invocation (`hash_leaves`, `permute_states`).
pub fn source(kernel: Kernel, arith: Arith, poseidon_workgroup: u32) -> String {
    let field = match arith {
        Arith::U32 => GOLDILOCKS_U32,
        Arith::U64 => GOLDILOCKS_U64,
    };
    let body = match kernel {
        Kernel::Sponge => SPONGE,
        Kernel::Merkle => MERKLE,
        Kernel::Permute => PERMUTE,
        Kernel::FieldOps => FIELD_OPS,
        Kernel::NttPass => NTT,
        Kernel::BitReverse => BIT_REVERSE,
        Kernel::CosetSpread => COSET_SPREAD,
        Kernel::Transpose => TRANSPOSE,
    };
    let poseidon = if kernel.uses_poseidon() {
        poseidon_prelude(poseidon_workgroup) + POSEIDON
    } else {
        String::new()
    };
    [field, poseidon.as_str(), body].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mds_sums_fit_the_small_dot_product() {
        // dot_term needs every row's coefficient sum below 2^16.
        let circ: u64 = <F as Poseidon>::MDS_MATRIX_CIRC.iter().sum();
        let diag = <F as Poseidon>::MDS_MATRIX_DIAG.iter().max().copied();
        assert!(circ + diag.unwrap_or(0) < 1 << 16);
    }

    /// Parses and validates every module with naga, so a shader error shows up
    /// even on a machine without any adapter.
    #[test]
    fn every_module_validates() {
        use naga::valid::{Capabilities, ValidationFlags, Validator};
        for kernel in ALL_KERNELS {
            for (arith, workgroup) in [(Arith::U32, 64), (Arith::U64, 64), (Arith::U64, 256)] {
                let src = source(kernel, arith, workgroup);
                let module = naga::front::wgsl::parse_str(&src)
                    .unwrap_or_else(|e| panic!("{kernel:?}/{arith:?}: {}", e.emit_to_string(&src)));
                let caps = match arith {
                    Arith::U32 => Capabilities::empty(),
                    Arith::U64 => Capabilities::SHADER_INT64,
                };
                Validator::new(ValidationFlags::all(), caps)
                    .validate(&module)
                    .unwrap_or_else(|e| panic!("{kernel:?}/{arith:?}: {e:?}"));
                let entry = module
                    .entry_points
                    .iter()
                    .find(|e| e.name == kernel.entry_point());
                let size = entry.map(|e| e.workgroup_size);
                assert!(size.is_some(), "{kernel:?}: no entry point");
                if kernel.hashes_per_invocation() {
                    assert_eq!(size, Some([workgroup, 1, 1]), "{kernel:?}/{arith:?}");
                }
            }
        }
    }
}
