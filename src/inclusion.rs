//! User inclusion proofs: produced from an output directory, checked from JSON alone.

use crate::artifacts::summary::read_summary;
use crate::artifacts::user_proof::USER_PROOF_FORMAT;
use crate::artifacts::{
    self, names, AccountsReader, BalanceEntry, StoredAccount, Summary, UserProofFile,
};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::leaf::{id_commitment, leaf_digest};
use crate::model::{format_units, Amount, Decimal, Position, UserId};
use crate::tree::MerklePath;
use std::path::Path;

/// Builds `user`'s proof from a commit output directory.
pub fn make_user_proof(out: &Path, user: &str) -> Result<UserProofFile> {
    let summary = read_summary(out)?;
    let tree_path = out.join(names::TREE);
    let tree = artifacts::read_tree(&tree_path).map_err(Error::io("cannot read", &tree_path))?;
    if tree.root().to_hex() != summary.root {
        return Err(Error::Verify(format!(
            "{} does not match the root in summary.json",
            tree_path.display()
        )));
    }
    let (index, stored) = find_account(out, user)?;
    let num_assets = summary.assets.len();
    let idc = id_commitment(&stored.nonce, stored.account.id());
    let leaf = leaf_digest(&idc, stored.account.positions(), num_assets);
    if tree.leaf(index) != Some(leaf) {
        return Err(Error::Verify(format!(
            "stored account of {user} does not match leaf {index} of the tree"
        )));
    }
    let path = tree
        .prove(index)
        .ok_or_else(|| Error::Verify(format!("leaf {index} is not in the tree")))?;
    let dense = stored.account.dense(num_assets);
    let balances = summary
        .assets
        .iter()
        .zip(dense)
        .map(|(a, p)| BalanceEntry {
            symbol: a.symbol.clone(),
            decimals: a.decimals,
            equity: format_units(u128::from(p.equity.units()), a.decimals),
            debt: format_units(u128::from(p.debt.units()), a.decimals),
        })
        .collect();
    Ok(UserProofFile {
        format: USER_PROOF_FORMAT.to_string(),
        user_id: user.to_string(),
        nonce: stored.nonce.to_hex(),
        balances,
        leaf_index: index,
        siblings: path.siblings.iter().map(Digest::to_hex).collect(),
        root: tree.root().to_hex(),
        leaf: leaf.to_hex(),
        id_commitment: idc.to_hex(),
    })
}

/// The id of the user at leaf `index` of a commit output directory.
pub fn user_at(out: &Path, index: u64) -> Result<String> {
    let path = out.join(names::ACCOUNTS);
    let mut reader = AccountsReader::open(&path).map_err(Error::io("cannot read", &path))?;
    match reader.nth(index as usize) {
        Some(rec) => Ok(rec
            .map_err(Error::io("corrupt account store", &path))?
            .account
            .id()
            .as_str()
            .to_string()),
        None => Err(Error::Usage(format!(
            "{} has no leaf {index}",
            path.display()
        ))),
    }
}

fn find_account(out: &Path, user: &str) -> Result<(u64, StoredAccount)> {
    let path = out.join(names::ACCOUNTS);
    let reader = AccountsReader::open(&path).map_err(Error::io("cannot read", &path))?;
    for (i, rec) in reader.enumerate() {
        let rec = rec.map_err(Error::io("corrupt account store", &path))?;
        if rec.account.id().as_str() == user {
            return Ok((i as u64, rec));
        }
    }
    Err(Error::Usage(format!(
        "user {user} is not in {}",
        path.display()
    )))
}

/// A successful check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserVerdict {
    pub user_id: String,
    pub leaf_index: u64,
    pub root: Digest,
    /// Whether the root was compared against one given by the caller.
    pub root_trusted: bool,
}

/// The published root of `summary`, after checking that the proof labels its
/// balances as the round does (the same symbols and decimals in the same
/// order) and fits its tree: a proof that relabels an asset does not pass.
pub fn root_from_summary(p: &UserProofFile, summary: &Summary) -> Result<Digest> {
    let bad = |m: String| Error::Verify(format!("against summary.json: {m}"));
    if p.balances.len() != summary.assets.len() {
        return Err(bad(format!(
            "the proof lists {} assets, the round {}",
            p.balances.len(),
            summary.assets.len()
        )));
    }
    for (i, (b, a)) in p.balances.iter().zip(&summary.assets).enumerate() {
        if b.symbol != a.symbol || b.decimals != a.decimals {
            return Err(bad(format!(
                "asset {i} is {} with {} decimals in the proof, {} with {} in the round",
                b.symbol, b.decimals, a.symbol, a.decimals
            )));
        }
    }
    if p.siblings.len() != summary.tree_depth as usize || p.leaf_index >= summary.users {
        return Err(bad(format!(
            "leaf {} at depth {} does not fit a round of {} users (depth {})",
            p.leaf_index,
            p.siblings.len(),
            summary.users,
            summary.tree_depth
        )));
    }
    Digest::from_hex(&summary.root).map_err(|e| bad(format!("root: {e}")))
}

/// Recomputes the leaf and the path; checks them against the file's root and,
/// when given, against `expected_root` (the published one).
pub fn verify_user_proof(p: &UserProofFile, expected_root: Option<Digest>) -> Result<UserVerdict> {
    let bad = |m: String| Error::Verify(m);
    if p.format != USER_PROOF_FORMAT {
        return Err(bad(format!(
            "unknown format '{}', expected '{USER_PROOF_FORMAT}'",
            p.format
        )));
    }
    let id = UserId::parse(&p.user_id).map_err(bad)?;
    let nonce = hex_digest("nonce", &p.nonce)?;
    let positions = parse_balances(&p.balances)?;
    let idc = id_commitment(&nonce, &id);
    let leaf = leaf_digest(&idc, &positions, p.balances.len());
    if hex_digest("leaf", &p.leaf)? != leaf {
        return Err(bad(
            "the balances and nonce do not hash to the leaf in the proof".to_string(),
        ));
    }
    let siblings = p
        .siblings
        .iter()
        .map(|s| hex_digest("sibling", s))
        .collect::<Result<Vec<_>>>()?;
    let path = MerklePath {
        leaf_index: p.leaf_index,
        siblings,
    };
    let computed = path.root_from(leaf).ok_or_else(|| {
        bad(format!(
            "leaf index {} is outside a tree of depth {}",
            p.leaf_index,
            path.siblings.len()
        ))
    })?;
    let claimed = hex_digest("root", &p.root)?;
    if computed != claimed {
        return Err(bad(format!(
            "the path leads to root {computed}, not to the proof's root {claimed}"
        )));
    }
    if let Some(expected) = expected_root.filter(|e| *e != computed) {
        return Err(bad(format!(
            "the path leads to root {computed}, not to the published root {expected}"
        )));
    }
    Ok(UserVerdict {
        user_id: p.user_id.clone(),
        leaf_index: p.leaf_index,
        root: computed,
        root_trusted: expected_root.is_some(),
    })
}

fn hex_digest(what: &str, s: &str) -> Result<Digest> {
    Digest::from_hex(s).map_err(|e| Error::Verify(format!("{what}: {e}")))
}

fn parse_balances(entries: &[BalanceEntry]) -> Result<Vec<(u32, Position)>> {
    let amount = |e: &BalanceEntry, text: &str| -> Result<Amount> {
        let units = Decimal::parse(text)
            .and_then(|d| d.non_negative_units(e.decimals, text))
            .map_err(|err| Error::Verify(format!("{}: {err}", e.symbol)))?;
        Amount::new(units).map_err(|err| Error::Verify(format!("{}: {err}", e.symbol)))
    };
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            Ok((
                i as u32,
                Position {
                    equity: amount(e, &e.equity)?,
                    debt: amount(e, &e.debt)?,
                },
            ))
        })
        .collect()
}
