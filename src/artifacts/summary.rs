//! `summary.json`: the published commitment and per-asset figures.

use super::sha256::sha256_hex;
use super::{names, ReadError};
use crate::model::{format_units, Asset};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const SUMMARY_FORMAT: &str = "zkpor-summary/2";
/// A tiered round (account format 2): the root is the account root over the
/// tier roots, and `tiers` describes each tier (docs/FORMAT.md §12).
pub const SUMMARY_FORMAT_TIERED: &str = "zkpor-summary/3";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub format: String,
    pub zkpor_version: String,
    /// Account-tree root, 64 hex digits; in a tiered round the account root
    /// over the tier roots.
    pub root: String,
    pub users: u64,
    /// The account tree's depth; in a tiered round the top tree's, ⌈log2 T⌉.
    pub tree_depth: u32,
    /// Net values are in units of 10^-value_scale USD.
    pub value_scale: u32,
    /// Which hashing backend built the tree: "cpu" or "gpu".
    pub backend: String,
    /// The backend in detail: instruction set, or adapter and arithmetic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend_detail: Option<String>,
    pub assets: Vec<AssetSummary>,
    /// Whether reserves cover every asset; null without a reserves file.
    pub all_covered: Option<bool>,
    /// Wall time per phase in milliseconds.
    pub timings_ms: BTreeMap<String, u64>,
    /// Present once `zkpor prove` has made the root proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<ProofSummary>,
    /// A tiered round's tiers, in tier order (format 3 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<Vec<TierSummary>>,
}

/// One tier of a tiered round: its kind, users and subtree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierSummary {
    /// K, the positions a leaf of the tier holds; null for the dense tier.
    pub capacity: Option<usize>,
    pub users: u64,
    /// The tier's subtree root, 64 hex digits.
    pub root: String,
    pub tree_depth: u32,
    /// How the tier's batches were proven; present once the root proof is made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<TreeProofSummary>,
}

/// How one account tree's batches and levels were proven.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeProofSummary {
    /// B as requested or chosen: the value in the parameter digest.
    pub batch_size: usize,
    /// B' = min(B, 2^tree_depth).
    pub effective_batch_size: usize,
    /// Batch positions in the tree, padding included.
    pub batches: u64,
    /// Arity of each aggregation level, bottom up.
    pub level_arities: Vec<usize>,
}

/// What the root proof commits to and how it was made (docs/FORMAT.md §9).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofSummary {
    /// Whether `--batch-size auto` chose B (every tier's B, in a tiered round).
    pub batch_size_auto: bool,
    pub arity: usize,
    pub num_assets: usize,
    pub tree_depth: u32,
    /// The account tree's batches and levels; in a tiered round each tier's
    /// are in its `tiers` entry instead, and these keys are absent.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<TreeProofSummary>,
    pub params_digest: String,
    pub price_commitment: String,
    pub reserve_commitment: String,
    /// plonky2 circuit digest of the root circuit.
    pub root_circuit_digest: String,
    pub proof_bytes: usize,
    pub zero_knowledge: bool,
    pub files: ProofFiles,
}

/// The published files the summary vouches for, each bound by size and SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofFiles {
    pub root_proof: PublishedFile,
    pub common_data: PublishedFile,
    pub verifier_only: PublishedFile,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedFile {
    /// The file's name, beside summary.json.
    pub name: String,
    pub bytes: u64,
    /// SHA-256 of the file's bytes, 64 lower-case hex digits (`sha256sum`).
    pub sha256: String,
}

impl PublishedFile {
    pub fn of(name: &str, content: &[u8]) -> Self {
        PublishedFile {
            name: name.to_string(),
            bytes: content.len() as u64,
            sha256: sha256_hex(content),
        }
    }

    /// Why `content`, read from this entry's file, is not the file the summary names.
    pub fn mismatch(&self, content: &[u8]) -> Option<String> {
        if content.len() as u64 != self.bytes {
            return Some(format!(
                "{} holds {} bytes, summary.json says {}",
                self.name,
                content.len(),
                self.bytes
            ));
        }
        let sha = sha256_hex(content);
        (sha != self.sha256).then(|| {
            format!(
                "{} has SHA-256 {sha}, summary.json says {}",
                self.name, self.sha256
            )
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetSummary {
    pub symbol: String,
    pub decimals: u32,
    pub price_usd: String,
    /// The committed integer price: 10^-value_scale USD per 10^-decimals of the asset.
    pub committed_price: String,
    pub total_equity: String,
    pub total_debt: String,
    /// total_equity - total_debt, signed.
    pub net_liability: String,
    pub reserve: Option<String>,
    /// reserve / net_liability, floored to 4 decimals; null if nothing is owed or no reserve given.
    pub coverage_ratio: Option<String>,
    /// reserve + total_debt >= total_equity.
    pub covered: Option<bool>,
    /// How much reserve is missing, when not covered.
    pub shortfall: Option<String>,
}

/// Exact per-asset totals in units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AssetTotals {
    pub equity: u128,
    pub debt: u128,
}

impl AssetSummary {
    pub fn new(asset: &Asset, totals: AssetTotals, reserve: Option<u64>) -> Self {
        let dec = asset.decimals();
        let net = totals.equity as i128 - totals.debt as i128;
        let reserve = reserve.map(u128::from);
        let covered = reserve.map(|r| r + totals.debt >= totals.equity);
        AssetSummary {
            symbol: asset.symbol().to_string(),
            decimals: dec,
            price_usd: asset.spec.price_text.clone(),
            committed_price: asset.price.units().to_string(),
            total_equity: format_units(totals.equity, dec),
            total_debt: format_units(totals.debt, dec),
            net_liability: format_signed(net, dec),
            reserve: reserve.map(|r| format_units(r, dec)),
            coverage_ratio: reserve.and_then(|r| coverage_ratio(r, net)),
            covered,
            shortfall: reserve
                .filter(|_| covered == Some(false))
                .map(|r| format_units((net - r as i128) as u128, dec)),
        }
    }
}

/// reserve / net with 4 decimals, floored; None when nothing is owed.
fn coverage_ratio(reserve: u128, net: i128) -> Option<String> {
    (net > 0).then(|| format_units(reserve * 10_000 / net as u128, 4))
}

pub fn format_signed(v: i128, decimals: u32) -> String {
    let s = format_units(v.unsigned_abs(), decimals);
    if v < 0 {
        format!("-{s}")
    } else {
        s
    }
}

/// Reads summary.json from an output directory.
pub fn read_summary(out: &Path) -> Result<Summary, ReadError> {
    read_summary_file(&out.join(names::SUMMARY))
}

/// A summary.json at any path (a customer's download, say).
pub fn read_summary_file(path: &Path) -> Result<Summary, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ReadError::Malformed(format!("{}: malformed summary: {e}", path.display())))
}
