//! A user's inclusion proof as JSON (docs/FORMAT.md, "User proof").

use super::ReadError;
use serde::{Deserialize, Serialize};

pub const USER_PROOF_FORMAT: &str = "zkpor-user-proof/1";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserProofFile {
    pub format: String,
    pub user_id: String,
    /// The user's nonce, 64 hex digits.
    pub nonce: String,
    /// Every committed asset in leaf order, zeros included.
    pub balances: Vec<BalanceEntry>,
    pub leaf_index: u64,
    /// Sibling digests from the leaf level up.
    pub siblings: Vec<String>,
    pub root: String,
    pub leaf: String,
    pub id_commitment: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceEntry {
    pub symbol: String,
    pub decimals: u32,
    pub equity: String,
    pub debt: String,
}

/// Parses a user proof file's bytes; `file` names it in the error, which
/// carries serde_json's line and column.
pub fn parse_user_proof(file: &str, bytes: &[u8]) -> Result<UserProofFile, ReadError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ReadError::Malformed(format!("{file}: not a user proof: {e}")))
}
