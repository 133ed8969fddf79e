//! The logUp argument that routes each sparse position to its asset
//! (docs/FORMAT.md §12, "Routing: soundness"). With challenges α, β, γ in the quadratic
//! extension, derived in-circuit from everything the identity mentions,
//!
//!   Σ_positions (1 + β·e + β²·d) / (α + key(i, limbs))
//!     = Σ_table (m_a + β·E_a + β²·D_a) / (α + key(a, limbs_a)),
//!
//! key(x_0, x_1, ...) = x_0 + γ·x_1 + γ²·x_2 + ..., holds except with
//! negligible probability only if every position's (index, price limbs) is
//! a table row, and each row's E_a, D_a are the exact sums of the positions
//! routed to it.

use super::gadgets::Builder;
use super::D;
use crate::field::F;
use plonky2::field::types::Field;
use plonky2::hash::poseidon::PoseidonHash;
use plonky2::iop::ext_target::ExtensionTarget;
use plonky2::iop::target::Target;

type Ext = ExtensionTarget<D>;

/// The three extension-field challenges.
pub(super) struct Challenges {
    alpha: Ext,
    beta: Ext,
    beta_sq: Ext,
    gamma: Ext,
}

impl Challenges {
    /// α, β, γ as the first six outputs of the Poseidon sponge over `inputs`
    /// (plonky2's `hash_n_to_m_no_pad`), two base elements each.
    pub fn derive(b: &mut Builder, inputs: Vec<Target>) -> Self {
        let h = b.hash_n_to_m_no_pad::<PoseidonHash>(inputs, 6);
        let ext = |i: usize| ExtensionTarget([h[i], h[i + 1]]);
        let beta = ext(2);
        let beta_sq = b.square_extension(beta);
        Challenges {
            alpha: ext(0),
            beta,
            beta_sq,
            gamma: ext(4),
        }
    }

    /// The six base elements (α_0, α_1, β_0, β_1, γ_0, γ_1), for tests that
    /// recompute them on the host.
    pub fn targets(&self) -> [Target; 6] {
        let [a0, a1] = self.alpha.0;
        let [b0, b1] = self.beta.0;
        let [g0, g1] = self.gamma.0;
        [a0, a1, b0, b1, g0, g1]
    }

    /// `w_0 + β·w_1 + β²·w_2`; a missing side is zero.
    fn weight(&self, b: &mut Builder, w0: Target, sides: Option<(Target, Target)>) -> Ext {
        let w0 = b.convert_to_ext(w0);
        match sides {
            Some((e, d)) => {
                let t = b.scalar_mul_add_extension(d, self.beta_sq, w0);
                b.scalar_mul_add_extension(e, self.beta, t)
            }
            None => w0,
        }
    }

    /// `α + key(x)`, by Horner's rule in γ.
    fn denominator(&self, b: &mut Builder, key: &[Target]) -> Ext {
        let (first, rest) = key.split_first().expect("a key has an index");
        let mut t: Option<Ext> = None;
        for &x in rest.iter().rev() {
            let x = b.convert_to_ext(x);
            t = Some(match t {
                Some(t) => b.mul_add_extension(self.gamma, t, x),
                None => x,
            });
        }
        let first = b.convert_to_ext(*first);
        let base = b.add_extension(self.alpha, first);
        match t {
            Some(t) => b.mul_add_extension(self.gamma, t, base),
            None => base,
        }
    }

    /// `acc + weight / (α + key)`. A zero denominator is unsatisfiable; for
    /// an honest prover it happens with probability below 2^-110.
    pub fn add_term(
        &self,
        b: &mut Builder,
        acc: Ext,
        key: &[Target],
        w0: Target,
        sides: Option<(Target, Target)>,
    ) -> Ext {
        let weight = self.weight(b, w0, sides);
        let den = self.denominator(b, key);
        b.div_add_extension(weight, den, acc)
    }
}

/// A constant as a target (table indices).
pub(super) fn index_constant(b: &mut Builder, index: u64) -> Target {
    b.constant(F::from_canonical_u64(index))
}
