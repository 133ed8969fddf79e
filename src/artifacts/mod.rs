//! What zkpor writes and reads: the tree, the account store, the summary and
//! user proofs, and the atomic output directory they are staged in.

pub mod accounts_file;
pub(crate) mod binio;
mod read_error;
pub mod sha256;
pub mod staging;
pub mod summary;
pub mod tree_file;
pub mod user_proof;

pub use accounts_file::{AccountsReader, AccountsWriter, StoredAccount};
pub use read_error::ReadError;
pub use staging::{write_atomic, StagingDir};
pub use summary::{AssetSummary, AssetTotals, ProofFiles, ProofSummary, PublishedFile, Summary};
pub use summary::{TierSummary, TreeProofSummary};
pub use tree_file::{read_tree, read_tree_from, write_tree};
pub use user_proof::{parse_user_proof, BalanceEntry, TierPath, UserProofFile};

/// File names inside an output directory.
pub mod names {
    pub const SUMMARY: &str = "summary.json";
    pub const TREE: &str = "tree.bin";
    pub const ACCOUNTS: &str = "accounts.bin";
    pub const SECRET: &str = "secret";
    pub const ROOT_PROOF: &str = "root_proof.bin";
    pub const COMMON_DATA: &str = "root_common_data.bin";
    pub const VERIFIER_ONLY: &str = "root_verifier_only.bin";
    /// A tiered round's tiers, one folder each (`tiers/0/`, ...), each
    /// holding the tier's `accounts.bin` and `tree.bin`.
    pub const TIERS: &str = "tiers";
}
