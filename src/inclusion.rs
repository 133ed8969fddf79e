//! User inclusion proofs: produced from an output directory, checked from JSON alone.
//! A format 1 round's proof lists every asset and one path; a tiered round's
//! (format 2) lists the held positions, the path to the tier root and the
//! path over the tier roots to the account root (docs/FORMAT.md §12).

use crate::artifacts::summary::read_summary;
use crate::artifacts::user_proof::{USER_PROOF_FORMAT, USER_PROOF_FORMAT_TIERED};
use crate::artifacts::{
    self, names, AccountsReader, BalanceEntry, StoredAccount, Summary, TierPath, TierSummary,
    UserProofFile,
};
use crate::circuits::tiers::top_siblings;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::leaf::{id_commitment, leaf_digest, SparseLayout};
use crate::model::bounds::MAX_ASSETS;
use crate::model::{format_units, Amount, Decimal, Holdings, Position, UserId};
use crate::tree::MerklePath;
use std::path::{Path, PathBuf};

/// The folder of tier `t` of a tiered round (the job's `tiers/T/`).
fn tier_folder(out: &Path, t: usize) -> PathBuf {
    out.join(names::TIERS).join(t.to_string())
}

/// Builds `user`'s proof from a commit or job output directory.
pub fn make_user_proof(out: &Path, user: &str) -> Result<UserProofFile> {
    let summary = read_summary(out)?;
    if let Some(tiers) = &summary.tiers {
        return make_tiered(out, &summary, tiers, user);
    }
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
            index: None,
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
        num_assets: None,
        tier: None,
    })
}

/// A tiered round's user proof: found in the tier that holds the user.
fn make_tiered(
    out: &Path,
    summary: &Summary,
    tiers: &[TierSummary],
    user: &str,
) -> Result<UserProofFile> {
    let mut found = None;
    for t in 0..tiers.len() {
        if let Some(hit) = find_in(&tier_folder(out, t).join(names::ACCOUNTS), user)? {
            found = Some((t, hit));
            break;
        }
    }
    let Some((t, (index, stored))) = found else {
        return Err(Error::Usage(format!(
            "user {user} is not in any tier of {}",
            out.display()
        )));
    };
    let tree_path = tier_folder(out, t).join(names::TREE);
    let tree = artifacts::read_tree(&tree_path).map_err(Error::io("cannot read", &tree_path))?;
    let tier = &tiers[t];
    if tree.root().to_hex() != tier.root {
        return Err(Error::Verify(format!(
            "{} does not match tier {t}'s root in summary.json",
            tree_path.display()
        )));
    }
    let num_assets = summary.assets.len();
    let idc = id_commitment(&stored.nonce, stored.account.id());
    let leaf = tier_leaf(&idc, stored.account.positions(), num_assets, tier.capacity)?;
    if tree.leaf(index) != Some(leaf) {
        return Err(Error::Verify(format!(
            "stored account of {user} does not match leaf {index} of tier {t}"
        )));
    }
    let path = tree
        .prove(index)
        .ok_or_else(|| Error::Verify(format!("leaf {index} is not in tier {t}")))?;
    let roots = tiers
        .iter()
        .map(|t| hex_digest("tier root", &t.root))
        .collect::<Result<Vec<_>>>()?;
    let balances = stored
        .account
        .positions()
        .iter()
        .map(|&(i, p)| {
            let a = &summary.assets[i as usize];
            BalanceEntry {
                index: Some(i),
                symbol: a.symbol.clone(),
                decimals: a.decimals,
                equity: format_units(u128::from(p.equity.units()), a.decimals),
                debt: format_units(u128::from(p.debt.units()), a.decimals),
            }
        })
        .collect();
    Ok(UserProofFile {
        format: USER_PROOF_FORMAT_TIERED.to_string(),
        user_id: user.to_string(),
        nonce: stored.nonce.to_hex(),
        balances,
        leaf_index: index,
        siblings: path.siblings.iter().map(Digest::to_hex).collect(),
        root: summary.root.clone(),
        leaf: leaf.to_hex(),
        id_commitment: idc.to_hex(),
        num_assets: Some(num_assets),
        tier: Some(TierPath {
            index: t as u64,
            capacity: tier.capacity,
            root: tier.root.clone(),
            siblings: top_siblings(&roots, t).iter().map(Digest::to_hex).collect(),
        }),
    })
}

/// The leaf of a tier of capacity `capacity` (None: dense) over `num_assets`.
fn tier_leaf(
    idc: &Digest,
    positions: &[(u32, Position)],
    num_assets: usize,
    capacity: Option<usize>,
) -> Result<Digest> {
    let bad = |e: String| Error::Verify(format!("positions: {e}"));
    // Order and range first: the dense leaf writes each index's place.
    let holdings = Holdings::new(positions.to_vec(), num_assets).map_err(|e| bad(e.to_string()))?;
    match capacity {
        None => Ok(leaf_digest(idc, holdings.positions(), num_assets)),
        Some(capacity) => SparseLayout {
            num_assets,
            capacity,
        }
        .digest(idc, &holdings)
        .map_err(|e| bad(e.to_string())),
    }
}

/// The id of the user at leaf `index` of a commit output directory (in a
/// tiered round, counting through the tiers in order).
pub fn user_at(out: &Path, index: u64) -> Result<String> {
    if let Ok(Some(tiers)) = read_summary(out).map(|s| s.tiers) {
        let mut left = index;
        for (t, tier) in tiers.iter().enumerate() {
            if left < tier.users {
                return user_in(&tier_folder(out, t).join(names::ACCOUNTS), left);
            }
            left -= tier.users;
        }
        return Err(Error::Usage(format!(
            "{} has no user {index}",
            out.display()
        )));
    }
    user_in(&out.join(names::ACCOUNTS), index)
}

fn user_in(path: &Path, index: u64) -> Result<String> {
    let mut reader = AccountsReader::open(path).map_err(Error::io("cannot read", path))?;
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
    find_in(&path, user)?
        .ok_or_else(|| Error::Usage(format!("user {user} is not in {}", path.display())))
}

fn find_in(path: &Path, user: &str) -> Result<Option<(u64, StoredAccount)>> {
    let reader = AccountsReader::open(path).map_err(Error::io("cannot read", path))?;
    for (i, rec) in reader.enumerate() {
        let rec = rec.map_err(Error::io("corrupt account store", path))?;
        if rec.account.id().as_str() == user {
            return Ok(Some((i as u64, rec)));
        }
    }
    Ok(None)
}

/// A successful check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserVerdict {
    pub user_id: String,
    pub leaf_index: u64,
    pub root: Digest,
    /// Whether the root was compared against one given by the caller.
    pub root_trusted: bool,
    /// A tiered round's proof: the tier that holds the leaf.
    pub tier: Option<TierPlace>,
}

/// Which tier a format-2 proof's leaf is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TierPlace {
    pub index: u64,
    /// K, or None for the dense tier.
    pub capacity: Option<usize>,
}

/// The published root of `summary`, after checking that the proof labels its
/// balances as the round does (the same symbols and decimals in the same
/// order) and fits its tree: a proof that relabels an asset does not pass.
pub fn root_from_summary(p: &UserProofFile, summary: &Summary) -> Result<Digest> {
    let bad = |m: String| Error::Verify(format!("against summary.json: {m}"));
    if let Some(tiers) = &summary.tiers {
        return tiered_root_from_summary(p, summary, tiers);
    }
    if p.tier.is_some() {
        return Err(bad("a tiered user proof, a round of format 1".into()));
    }
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

/// The same checks for a tiered round: each listed position names its asset
/// as the round does, and the tier and both paths fit the round's shape.
fn tiered_root_from_summary(
    p: &UserProofFile,
    summary: &Summary,
    tiers: &[TierSummary],
) -> Result<Digest> {
    let bad = |m: String| Error::Verify(format!("against summary.json: {m}"));
    let tier = p
        .tier
        .as_ref()
        .ok_or_else(|| bad("a format 1 user proof, a tiered round".into()))?;
    if p.num_assets != Some(summary.assets.len()) {
        return Err(bad(format!(
            "the proof says {:?} assets, the round {}",
            p.num_assets,
            summary.assets.len()
        )));
    }
    for b in &p.balances {
        let a = b
            .index
            .and_then(|i| summary.assets.get(i as usize))
            .ok_or_else(|| bad(format!("{} has no asset index of the round", b.symbol)))?;
        if b.symbol != a.symbol || b.decimals != a.decimals {
            return Err(bad(format!(
                "asset {:?} is {} with {} decimals in the proof, {} with {} in the round",
                b.index, b.symbol, b.decimals, a.symbol, a.decimals
            )));
        }
    }
    let t = usize::try_from(tier.index)
        .ok()
        .and_then(|i| tiers.get(i))
        .ok_or_else(|| bad(format!("the round has no tier {}", tier.index)))?;
    if t.capacity != tier.capacity || !same_digest(&t.root, &tier.root) {
        return Err(bad(format!(
            "tier {} has another capacity or root",
            tier.index
        )));
    }
    if p.siblings.len() != t.tree_depth as usize
        || p.leaf_index >= t.users
        || tier.siblings.len() != summary.tree_depth as usize
    {
        return Err(bad(format!(
            "leaf {} at depth {} in tier {} does not fit the round's tiers",
            p.leaf_index,
            p.siblings.len(),
            tier.index
        )));
    }
    Digest::from_hex(&summary.root).map_err(|e| bad(format!("root: {e}")))
}

/// Recomputes the leaf and the path; checks them against the file's root and,
/// when given, against `expected_root` (the published one).
pub fn verify_user_proof(p: &UserProofFile, expected_root: Option<Digest>) -> Result<UserVerdict> {
    if p.format == USER_PROOF_FORMAT_TIERED {
        return verify_tiered(p, expected_root);
    }
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
    let computed = follow(p.leaf_index, &p.siblings, leaf, "leaf")?;
    verdict(p, computed, expected_root, "the path", None)
}

/// The verdict once the path reached `computed`: it must be the file's root
/// and, when given, the published one. `path` names the path in messages;
/// `tier` is where a format-2 leaf is.
fn verdict(
    p: &UserProofFile,
    computed: Digest,
    expected_root: Option<Digest>,
    path: &str,
    tier: Option<TierPlace>,
) -> Result<UserVerdict> {
    let bad = |m: String| Error::Verify(m);
    let claimed = hex_digest("root", &p.root)?;
    if computed != claimed {
        return Err(bad(format!(
            "{path} leads to root {computed}, not to the proof's root {claimed}"
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
        tier,
    })
}

/// A tiered user proof: the leaf from the held positions at the tier's
/// capacity, the path to the tier root, then the top path to the account root.
fn verify_tiered(p: &UserProofFile, expected_root: Option<Digest>) -> Result<UserVerdict> {
    let bad = |m: String| Error::Verify(m);
    let (Some(num_assets), Some(tier)) = (p.num_assets, p.tier.as_ref()) else {
        return Err(bad(format!(
            "a {USER_PROOF_FORMAT_TIERED} proof needs num_assets and tier"
        )));
    };
    // Bounds first, so that no size in the file makes the leaf's preimage large.
    if num_assets == 0 || num_assets > MAX_ASSETS {
        return Err(bad(format!(
            "num_assets {num_assets} is not between 1 and {MAX_ASSETS}"
        )));
    }
    if let Some(k) = tier.capacity.filter(|&k| k == 0 || k > num_assets) {
        return Err(bad(format!(
            "tier capacity {k} is not between 1 and num_assets {num_assets}"
        )));
    }
    let id = UserId::parse(&p.user_id).map_err(bad)?;
    let nonce = hex_digest("nonce", &p.nonce)?;
    let positions = parse_held(&p.balances)?;
    let idc = id_commitment(&nonce, &id);
    let leaf = tier_leaf(&idc, &positions, num_assets, tier.capacity)?;
    if hex_digest("leaf", &p.leaf)? != leaf {
        return Err(bad(
            "the positions and nonce do not hash to the leaf in the proof".to_string(),
        ));
    }
    let tier_root = follow(p.leaf_index, &p.siblings, leaf, "leaf")?;
    if tier_root != hex_digest("tier root", &tier.root)? {
        return Err(bad(format!(
            "the path leads to tier root {tier_root}, not to the proof's tier root {}",
            tier.root
        )));
    }
    let computed = follow(tier.index, &tier.siblings, tier_root, "tier")?;
    let place = TierPlace {
        index: tier.index,
        capacity: tier.capacity,
    };
    verdict(p, computed, expected_root, "the tier path", Some(place))
}

/// The root `siblings` lead to from `node` at `index`.
fn follow(index: u64, siblings: &[String], node: Digest, what: &str) -> Result<Digest> {
    let siblings = siblings
        .iter()
        .map(|s| hex_digest("sibling", s))
        .collect::<Result<Vec<_>>>()?;
    let depth = siblings.len();
    MerklePath {
        leaf_index: index,
        siblings,
    }
    .root_from(node)
    .ok_or_else(|| {
        Error::Verify(format!(
            "{what} index {index} is outside a tree of depth {depth}"
        ))
    })
}

fn hex_digest(what: &str, s: &str) -> Result<Digest> {
    Digest::from_hex(s).map_err(|e| Error::Verify(format!("{what}: {e}")))
}

fn amount(e: &BalanceEntry, text: &str) -> Result<Amount> {
    let units = Decimal::parse(text)
        .and_then(|d| d.non_negative_units(e.decimals, text))
        .map_err(|err| Error::Verify(format!("{}: {err}", e.symbol)))?;
    Amount::new(units).map_err(|err| Error::Verify(format!("{}: {err}", e.symbol)))
}

fn position(e: &BalanceEntry) -> Result<Position> {
    Ok(Position {
        equity: amount(e, &e.equity)?,
        debt: amount(e, &e.debt)?,
    })
}

fn parse_balances(entries: &[BalanceEntry]) -> Result<Vec<(u32, Position)>> {
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| Ok((i as u32, position(e)?)))
        .collect()
}

/// Held positions of a format 2 proof, each with its asset index (the leaf
/// checks their order; a zero position is refused, since a leaf holds none).
fn parse_held(entries: &[BalanceEntry]) -> Result<Vec<(u32, Position)>> {
    entries
        .iter()
        .map(|e| {
            let i = e.index.ok_or_else(|| {
                Error::Verify(format!("{}: a format 2 position needs its index", e.symbol))
            })?;
            let p = position(e)?;
            if p.is_zero() {
                return Err(Error::Verify(format!(
                    "{}: a listed position must hold equity or debt",
                    e.symbol
                )));
            }
            Ok((i, p))
        })
        .collect()
}

/// Whether two hex texts name the same digest: FORMAT §1 lets a user proof
/// write either case and a `0x` prefix, so text equality would refuse a
/// valid file.
fn same_digest(a: &str, b: &str) -> bool {
    matches!((Digest::from_hex(a), Digest::from_hex(b)), (Ok(x), Ok(y)) if x == y)
}
