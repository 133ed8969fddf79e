//! Twiddle tables, computed on the host from plonky2's own constants
//! (`primitive_root_of_unity`, `coset_shift`; never typed in) and uploaded
//! once per size: a prover commits at the same few sizes over and over.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use plonky2::field::types::{Field, PrimeField64};

use super::engine::Engine;
use super::GpuError;
use crate::backend::dft::{powers, reverse_bits};
use crate::field::F;

/// Which table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Table {
    /// w^t for t < n/2, w = primitive_root_of_unity(log_n), or its inverse.
    Roots { log_n: u32, inverse: bool },
    /// The coset LDE's spread factors: entry b n + j is (s w_N^k)^j with
    /// s = coset_shift, N = n 2^rate_bits, k = reverse(b) over rate_bits bits
    /// (see coset_spread.wgsl).
    Coset { log_n: u32, rate_bits: u32 },
}

impl Table {
    /// Elements in the table.
    pub fn len(self) -> usize {
        match self {
            Table::Roots { log_n, .. } => (1usize << log_n) / 2,
            Table::Coset { log_n, rate_bits } => 1usize << (log_n + rate_bits),
        }
    }

    fn values(self) -> Vec<F> {
        match self {
            Table::Roots { log_n, inverse } => {
                let w = F::primitive_root_of_unity(log_n as usize);
                powers(if inverse { w.inverse() } else { w }, self.len())
            }
            Table::Coset { log_n, rate_bits } => {
                let w = F::primitive_root_of_unity((log_n + rate_bits) as usize);
                (0..1usize << rate_bits)
                    .flat_map(|b| {
                        let k = reverse_bits(b, rate_bits as usize) as u64;
                        powers(F::coset_shift() * w.exp_u64(k), 1 << log_n)
                    })
                    .collect()
            }
        }
    }
}

/// The tables uploaded so far.
#[derive(Default)]
pub struct Twiddles {
    cache: Mutex<HashMap<Table, Arc<wgpu::Buffer>>>,
}

impl Twiddles {
    /// The table on the device, uploaded on first use.
    pub fn get(&self, engine: &Engine, table: Table) -> Result<Arc<wgpu::Buffer>, GpuError> {
        let mut cache = self.cache.lock().map_err(|_| GpuError::Poisoned)?;
        if let Some(b) = cache.get(&table) {
            return Ok(b.clone());
        }
        let values = table.values();
        let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST;
        let buffer = engine.alloc("twiddles", values.len() as u64 * 8, usage)?;
        engine.write_words(&buffer, values.len(), |i| values[i].to_canonical_u64())?;
        let buffer = Arc::new(buffer);
        cache.insert(table, buffer.clone());
        Ok(buffer)
    }
}
