//! The gate selectors (which selector polynomial filters each gate, and the
//! gate range of each selector group). plonky2 keeps `SelectorsInfo`'s fields
//! crate-private, but writes them with its public `Write::write_selectors_info`;
//! this module reads them back from those bytes.

use std::ops::Range;

use anyhow::{ensure, Context, Result};
use plonky2::plonk::circuit_data::CommonCircuitData;
use plonky2::util::serialization::{Buffer, Read, Write};

use crate::field::{D, F};

/// Selector index of each gate and the gate range of each selector group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selectors {
    /// `indices[g]`: the selector polynomial that filters gate `g`.
    pub indices: Vec<usize>,
    /// `groups[s]`: the gates that selector `s` distinguishes.
    pub groups: Vec<Range<usize>>,
}

impl Selectors {
    /// Reads the circuit's selectors through plonky2's public serialisation and
    /// checks that they describe its gates.
    pub fn read(common: &CommonCircuitData<F, D>) -> Result<Self> {
        let mut bytes = Vec::new();
        bytes
            .write_selectors_info(&common.selectors_info)
            .map_err(|e| anyhow::anyhow!("serialising the selectors: {e:?}"))?;
        let selectors = parse(&bytes).context("reading back the serialised selectors")?;
        selectors.check(common)?;
        Ok(selectors)
    }

    pub fn num_selectors(&self) -> usize {
        self.groups.len()
    }

    fn check(&self, common: &CommonCircuitData<F, D>) -> Result<()> {
        ensure!(
            self.indices.len() == common.gates.len(),
            "{} selector indices for {} gates",
            self.indices.len(),
            common.gates.len()
        );
        ensure!(
            self.num_selectors() == common.selectors_info.num_selectors(),
            "read {} selector groups, plonky2 counts {}",
            self.num_selectors(),
            common.selectors_info.num_selectors()
        );
        for (gate, &s) in self.indices.iter().enumerate() {
            let group = self
                .groups
                .get(s)
                .with_context(|| format!("gate {gate} names selector {s}, which does not exist"))?;
            ensure!(
                group.contains(&gate),
                "gate {gate} lies outside its selector group {group:?}"
            );
        }
        Ok(())
    }
}

/// The inverse of `write_selectors_info`: a `usize` vector of indices, then the
/// group count and each group's start and end.
fn parse(bytes: &[u8]) -> Result<Selectors> {
    let io = |e| anyhow::anyhow!("{e:?}");
    let mut buf = Buffer::new(bytes);
    let indices = buf.read_usize_vec().map_err(io)?;
    let count = buf.read_usize().map_err(io)?;
    let mut groups = Vec::with_capacity(count.min(bytes.len()));
    for _ in 0..count {
        let start = buf.read_usize().map_err(io)?;
        let end = buf.read_usize().map_err(io)?;
        groups.push(start..end);
    }
    ensure!(
        buf.unread_bytes().is_empty(),
        "{} bytes left after the selectors",
        buf.unread_bytes().len()
    );
    Ok(Selectors { indices, groups })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(indices: &[usize], groups: &[(usize, usize)]) -> Vec<u8> {
        let word = |x: usize| (x as u64).to_le_bytes();
        let mut out = word(indices.len()).to_vec();
        indices.iter().for_each(|&i| out.extend(word(i)));
        out.extend(word(groups.len()));
        for &(s, e) in groups {
            out.extend(word(s));
            out.extend(word(e));
        }
        out
    }

    #[test]
    fn parses_plonky2s_layout_and_rejects_damage() {
        let good = bytes(&[0, 0, 1], &[(0, 2), (2, 3)]);
        let s = parse(&good).unwrap();
        assert_eq!(s.indices, vec![0, 0, 1]);
        assert_eq!(s.groups, vec![0..2, 2..3]);
        assert!(parse(&good[..good.len() - 1]).is_err(), "truncated");
        let mut long = good.clone();
        long.push(0);
        assert!(parse(&long).is_err(), "trailing bytes");
    }
}
