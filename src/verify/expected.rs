//! `zkpor verifier-data`: the root circuit's verifier data for given
//! parameters, built from this source alone, with no proof and no exchange
//! files. The root circuit digest depends only on (circuit-family version, B,
//! k, A, d), so an auditor who builds the tagged source gets the bytes that a
//! genuine round must publish (docs/FORMAT.md §9).

use crate::artifacts::{names, write_atomic, PublishedFile};
use crate::circuits::{ProofParams, RoundParams};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::model::bounds::{MAX_ASSETS, MAX_USERS};
use serde::Serialize;
use std::path::Path;

use super::round::{rebuilt_verifier, verifier_bytes};

/// The deepest account tree: 2^32 users.
const MAX_DEPTH: u32 = MAX_USERS.trailing_zeros();

/// What `zkpor verifier-data` prints and writes.
#[derive(Clone, Debug, Serialize)]
pub struct ExpectedVerifier {
    pub batch_size: usize,
    pub effective_batch_size: usize,
    pub arity: usize,
    pub num_assets: usize,
    pub tree_depth: u32,
    pub params_digest: String,
    pub root_circuit_digest: String,
    pub common_data: PublishedFile,
    pub verifier_only: PublishedFile,
}

/// The public parameters of a round, as summary.json records them.
#[derive(Clone, Copy, Debug)]
pub struct RoundShape {
    pub batch_size: usize,
    pub arity: usize,
    pub num_assets: usize,
    pub tree_depth: u32,
}

/// Builds the circuits for `shape` and writes the root circuit's common and
/// verifier-only data into `dir`, under the names `zkpor prove` publishes.
pub fn write_expected(shape: RoundShape, dir: &Path) -> Result<ExpectedVerifier> {
    let params = &ProofParams::new(
        shape.batch_size,
        shape.arity,
        shape.num_assets,
        shape.tree_depth,
    )
    .map_err(Error::Usage)?;
    if params.num_assets == 0 || params.num_assets > MAX_ASSETS || params.depth > MAX_DEPTH {
        return Err(Error::Usage(format!(
            "verifier data needs 1 <= assets <= {MAX_ASSETS} and depth <= {MAX_DEPTH}"
        )));
    }
    let (data, _) = rebuilt_verifier(&RoundParams::Single(*params), None)?;
    let [common, verifier_only] =
        verifier_bytes(&data.common, &data.verifier_only).map_err(Error::Usage)?;
    std::fs::create_dir_all(dir).map_err(Error::io("cannot create", dir))?;
    for (name, bytes) in [
        (names::COMMON_DATA, &common),
        (names::VERIFIER_ONLY, &verifier_only),
    ] {
        let path = dir.join(name);
        write_atomic(&path, bytes).map_err(Error::io("cannot write", &path))?;
    }
    Ok(ExpectedVerifier {
        batch_size: params.requested_batch_size(),
        effective_batch_size: params.batch_size(),
        arity: 1 << params.arity_log,
        num_assets: params.num_assets,
        tree_depth: params.depth,
        params_digest: params.digest().to_hex(),
        root_circuit_digest: Digest::from_hash_out(data.verifier_only.circuit_digest).to_hex(),
        common_data: PublishedFile::of(names::COMMON_DATA, &common),
        verifier_only: PublishedFile::of(names::VERIFIER_ONLY, &verifier_only),
    })
}
