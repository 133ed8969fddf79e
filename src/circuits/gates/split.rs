//! `LowHigh`: the witness for `x = lo + 2^bits · hi`, `lo` the low `bits`
//! bits of x. It only computes; whoever adds it constrains the recomposition
//! and range-checks both parts (`gadgets::below`).

use anyhow::Result;
use plonky2::field::extension::Extendable;
use plonky2::hash::hash_types::RichField;
use plonky2::iop::generator::{GeneratedValues, SimpleGenerator};
use plonky2::iop::target::Target;
use plonky2::iop::witness::{PartitionWitness, Witness, WitnessWrite};
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, IoError, IoResult, Read, Write};

#[derive(Debug, Clone, Default)]
pub struct LowHigh {
    pub x: Target,
    pub bits: usize,
    pub lo: Target,
    pub hi: Target,
}

impl<F: RichField + Extendable<D>, const D: usize> SimpleGenerator<F, D> for LowHigh {
    fn id(&self) -> String {
        "zkpor LowHigh".into()
    }

    fn dependencies(&self) -> Vec<Target> {
        vec![self.x]
    }

    fn run_once(&self, witness: &PartitionWitness<F>, out: &mut GeneratedValues<F>) -> Result<()> {
        let x = witness.get_target(self.x).to_canonical_u64();
        out.set_target(self.lo, F::from_canonical_u64(x & ((1 << self.bits) - 1)))?;
        out.set_target(self.hi, F::from_canonical_u64(x >> self.bits))
    }

    fn serialize(&self, dst: &mut Vec<u8>, _common: &CommonCircuitData<F, D>) -> IoResult<()> {
        dst.write_target(self.x)?;
        dst.write_usize(self.bits)?;
        dst.write_target(self.lo)?;
        dst.write_target(self.hi)
    }

    fn deserialize(src: &mut Buffer, _common: &CommonCircuitData<F, D>) -> IoResult<Self> {
        let x = src.read_target()?;
        let bits = src.read_usize()?;
        if !(1..64).contains(&bits) {
            return Err(IoError);
        }
        Ok(LowHigh {
            x,
            bits,
            lo: src.read_target()?,
            hi: src.read_target()?,
        })
    }
}
