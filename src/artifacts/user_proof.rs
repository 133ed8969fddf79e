//! A user's inclusion proof as JSON (docs/FORMAT.md, "User proof").

use super::ReadError;
use serde::{Deserialize, Serialize};

pub const USER_PROOF_FORMAT: &str = "zkpor-user-proof/1";
/// A user of a tiered round (account format 2): only the held positions,
/// the path to the tier root, then the path over the tier roots.
pub const USER_PROOF_FORMAT_TIERED: &str = "zkpor-user-proof/2";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProofFile {
    pub format: String,
    pub user_id: String,
    /// The user's nonce, 64 hex digits.
    pub nonce: String,
    /// Format 1: every committed asset in leaf order, zeros included.
    /// Format 2: the positions the user holds, in asset order, each with its index.
    pub balances: Vec<BalanceEntry>,
    /// The leaf's index in its tree (the tier's, in format 2).
    pub leaf_index: u64,
    /// Sibling digests from the leaf level up, to the tree's root.
    pub siblings: Vec<String>,
    /// The account root.
    pub root: String,
    pub leaf: String,
    pub id_commitment: String,
    /// Format 2: the round's asset count A.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_assets: Option<usize>,
    /// Format 2: the user's tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<TierPath>,
}

/// Where a tier's tree sits under the account root (format 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierPath {
    /// The tier's position among the round's tiers: its index in the top tree.
    pub index: u64,
    /// K, or null for the dense tier.
    pub capacity: Option<usize>,
    /// The tier's subtree root, where `siblings` lead.
    pub root: String,
    /// Sibling digests in the top tree, from the tier roots up to the account root.
    pub siblings: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceEntry {
    pub symbol: String,
    pub decimals: u32,
    pub equity: String,
    pub debt: String,
    /// Format 2: the asset's index in the round's asset list. Last, so that
    /// a format 1 balance written as a list reads as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
}

/// Parses a user proof file's bytes; `file` names it in the error, which
/// carries serde_json's line and column.
pub fn parse_user_proof(file: &str, bytes: &[u8]) -> Result<UserProofFile, ReadError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ReadError::Malformed(format!("{file}: not a user proof: {e}")))
}
