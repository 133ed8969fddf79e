//! Format 2's account commitment: every validated account goes to the
//! smallest tier that holds its positions, and each tier gets its own
//! account store and its own tree over its own leaves, sparse (capacity K)
//! or dense (docs/FORMAT.md §12). Users keep their input order inside a tier.

use super::build_tree;
use crate::artifacts::{self, AccountsReader, AccountsWriter, StoredAccount};
use crate::backend::Backend;
use crate::circuits::TierKind;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::field::F;
use crate::leaf::{id_commitment, leaf_width, padding_leaf, write_leaf_inputs, SparseLayout};
use crate::model::Holdings;
use crate::tree::AccountTree;
use indicatif::ProgressBar;
use plonky2::field::types::Field;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Accounts hashed per backend call and tier.
const CHUNK: usize = 1 << 14;

/// The tier a user holding `held` positions belongs to: the first that holds it.
pub fn tier_of(kinds: &[TierKind], held: usize) -> Option<usize> {
    kinds.iter().position(|k| k.holds(held))
}

/// Where one tier's account store and tree are written.
pub struct TierPaths {
    pub accounts: PathBuf,
    pub tree: PathBuf,
}

/// How a tier's leaves are laid out.
#[derive(Clone, Copy)]
enum Leaves {
    Sparse(SparseLayout),
    Dense(usize),
}

impl Leaves {
    fn of(kind: TierKind, num_assets: usize) -> Self {
        match kind.sparse_layout(num_assets) {
            Some(layout) => Leaves::Sparse(layout),
            None => Leaves::Dense(num_assets),
        }
    }

    fn width(&self) -> usize {
        match self {
            Leaves::Sparse(l) => l.width(),
            Leaves::Dense(a) => leaf_width(*a),
        }
    }

    fn padding(&self) -> Digest {
        match self {
            Leaves::Sparse(l) => l.padding_leaf(),
            Leaves::Dense(a) => padding_leaf(*a),
        }
    }

    fn write(&self, idc: &Digest, account: &StoredAccount, row: &mut [F]) -> Result<()> {
        let positions = account.account.positions();
        match self {
            Leaves::Dense(_) => write_leaf_inputs(idc, positions, row),
            Leaves::Sparse(layout) => {
                let holdings = Holdings::new(positions.to_vec(), layout.num_assets)
                    .map_err(|e| Error::Usage(format!("user {}: {e}", account.account.id())))?;
                layout
                    .write_inputs(idc, &holdings, row)
                    .map_err(|e| Error::Usage(format!("user {}: {e}", account.account.id())))?;
            }
        }
        Ok(())
    }
}

/// One tier being written: its store, its leaves so far, and a chunk of
/// accounts waiting to be hashed.
struct TierWriter<'a> {
    leaves: Leaves,
    writer: AccountsWriter,
    path: &'a Path,
    hashed: Vec<Digest>,
    pending: Vec<StoredAccount>,
}

impl TierWriter<'_> {
    fn push(&mut self, account: StoredAccount, backend: &dyn Backend) -> Result<()> {
        self.writer
            .append(&account.account, &account.nonce)
            .map_err(Error::io("cannot write", self.path))?;
        self.pending.push(account);
        if self.pending.len() == CHUNK {
            self.flush(backend)?;
        }
        Ok(())
    }

    fn flush(&mut self, backend: &dyn Backend) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let width = self.leaves.width();
        let mut inputs = vec![F::ZERO; self.pending.len() * width];
        let leaves = self.leaves;
        inputs
            .par_chunks_mut(width)
            .zip(&self.pending)
            .try_for_each(|(row, a)| {
                let idc = id_commitment(&a.nonce, a.account.id());
                leaves.write(&idc, a, row)
            })?;
        self.hashed.extend(backend.hash_leaves(&inputs, width)?);
        self.pending.clear();
        Ok(())
    }
}

/// Splits the validated store at `all` into tiers of `kinds`, writing each
/// tier's store and tree to `paths` (synced). Every tier must receive a user.
pub fn split(
    all: &Path,
    kinds: &[TierKind],
    backend: &dyn Backend,
    paths: &[TierPaths],
    progress: &ProgressBar,
) -> Result<Vec<AccountTree>> {
    let reader = AccountsReader::open(all).map_err(Error::io("cannot read", all))?;
    let num_assets = reader.num_assets();
    let mut tiers = kinds
        .iter()
        .zip(paths)
        .map(|(&kind, p)| {
            Ok(TierWriter {
                leaves: Leaves::of(kind, num_assets),
                writer: AccountsWriter::create(&p.accounts, num_assets)
                    .map_err(Error::io("cannot create", &p.accounts))?,
                path: &p.accounts,
                hashed: Vec::new(),
                pending: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    for record in reader {
        let record = record.map_err(Error::io("cannot read", all))?;
        let held = record.account.positions().len();
        let t = tier_of(kinds, held).ok_or_else(|| {
            Error::Usage(format!(
                "user {} holds {held} assets, more than any tier of this round holds",
                record.account.id()
            ))
        })?;
        tiers[t].push(record, backend)?;
        progress.inc(1);
    }
    progress.finish_and_clear();
    let mut trees = Vec::with_capacity(tiers.len());
    for (mut tier, p) in tiers.into_iter().zip(paths) {
        tier.flush(backend)?;
        tier.writer
            .finish()
            .map_err(Error::io("cannot write", &p.accounts))?;
        let pad = tier.leaves.padding();
        let tree = build_tree(backend, tier.hashed, pad)?;
        artifacts::write_tree(&p.tree, &tree).map_err(Error::io("cannot write", &p.tree))?;
        trees.push(tree);
    }
    Ok(trees)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_go_to_the_smallest_tier_that_holds_them() {
        let kinds = [
            TierKind::Sparse { capacity: 1 },
            TierKind::Sparse { capacity: 4 },
            TierKind::Dense,
        ];
        let tiers: Vec<_> = [0, 1, 2, 4, 5, 200]
            .iter()
            .map(|&h| tier_of(&kinds, h))
            .collect();
        assert_eq!(
            tiers,
            [Some(0), Some(0), Some(1), Some(1), Some(2), Some(2)]
        );
        assert_eq!(tier_of(&kinds[..2], 5), None);
    }
}
