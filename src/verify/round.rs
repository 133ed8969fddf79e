//! `zkpor verify`: rebuild the circuits from the public parameters, require the
//! shipped verifier data to match them byte for byte, verify the root proof with
//! the rebuilt data, and check its public inputs against summary.json.

use crate::artifacts::summary::read_summary;
use crate::artifacts::summary::{SUMMARY_FORMAT, SUMMARY_FORMAT_TIERED};
use crate::artifacts::{
    names, AssetSummary, ProofSummary, PublishedFile, Summary, TreeProofSummary,
};
use crate::circuits::tiers::account_root;
use crate::circuits::witness::{reserve_commitment, PriceVector};
use crate::circuits::{CircuitSet, Proof, ProofParams, RootValues, C, D};
use crate::circuits::{RoundParams, Tier, TierKind, TieredCircuitSet, TieredParams};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::field::F;
use crate::model::amount::check_bound;
use crate::model::bounds::{PRICE_BITS, TOTAL_BITS};
use crate::model::{Decimal, Price};
use crate::progress::ms;
use plonky2::plonk::circuit_data::{
    CommonCircuitData, VerifierCircuitData, VerifierOnlyCircuitData,
};
use plonky2::util::serialization::DefaultGateSerializer;
use std::path::Path;
use std::time::Instant;

pub struct VerifyReport {
    pub summary: Summary,
    pub values: RootValues,
    pub rebuild_ms: u64,
    pub verify_ms: u64,
    pub source: VerifierSource,
}

/// The shipped bytes of a root proof and its verifier data.
pub struct ShippedProof {
    pub proof: Vec<u8>,
    pub common: Vec<u8>,
    pub verifier_only: Vec<u8>,
}

impl ShippedProof {
    /// Reads the published files that `summary` names, and refuses any whose
    /// size or SHA-256 differs from what the summary records.
    pub fn read(out: &Path, summary: &Summary) -> Result<Self> {
        let files = &proof_section(summary)?.files;
        let read = |entry: &PublishedFile, name: &str| {
            // The names are fixed: a summary cannot point verify at another file.
            if entry.name != name {
                return Err(Error::Verify(format!(
                    "summary.json names {} where {name} belongs",
                    entry.name
                )));
            }
            let p = out.join(name);
            let bytes = std::fs::read(&p).map_err(Error::io("cannot read", &p))?;
            match entry.mismatch(&bytes) {
                Some(why) => Err(Error::Verify(why)),
                None => Ok(bytes),
            }
        };
        Ok(ShippedProof {
            proof: read(&files.root_proof, names::ROOT_PROOF)?,
            common: read(&files.common_data, names::COMMON_DATA)?,
            verifier_only: read(&files.verifier_only, names::VERIFIER_ONLY)?,
        })
    }
}

/// A root circuit's verifier data as zkpor publishes it: the common data
/// (with `DefaultGateSerializer`) and the verifier-only data, in plonky2's bytes.
pub fn verifier_bytes(
    common: &CommonCircuitData<F, D>,
    verifier_only: &VerifierOnlyCircuitData<C, D>,
) -> std::result::Result<[Vec<u8>; 2], String> {
    let err = |e: plonky2::util::serialization::IoError| format!("serialisation: {e:?}");
    Ok([
        common.to_bytes(&DefaultGateSerializer).map_err(err)?,
        verifier_only.to_bytes().map_err(err)?,
    ])
}

/// Where rebuilt verifier data came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifierSource {
    /// Rebuilt from the parameters in this run.
    Rebuilt,
    /// Rebuilt by an earlier run of this zkpor version and cached locally.
    Cache,
}

pub fn verify_out(out: &Path, cache: Option<&Path>) -> Result<VerifyReport> {
    let summary = read_summary(out)?;
    if summary.format != SUMMARY_FORMAT && summary.format != SUMMARY_FORMAT_TIERED {
        return Err(Error::Verify(format!(
            "{}: format {} is neither {SUMMARY_FORMAT} nor {SUMMARY_FORMAT_TIERED}, the ones this zkpor verifies",
            out.join(names::SUMMARY).display(),
            summary.format
        )));
    }
    let params = params_of(&summary)?;
    let shipped = ShippedProof::read(out, &summary)?;
    let t = Instant::now();
    let (verifier, source) = rebuilt_verifier(&params, cache)?;
    let rebuild_ms = ms(t);
    let t = Instant::now();
    let values = match (verify_with(&verifier, &params, &summary, &shipped), source) {
        // A cache entry from another build of the same version may be stale:
        // a failure against cached data is only final after a fresh rebuild.
        (Err(_), VerifierSource::Cache) => return verify_out(out, None),
        (result, _) => result?,
    };
    Ok(VerifyReport {
        summary,
        values,
        rebuild_ms,
        verify_ms: ms(t),
        source,
    })
}

/// The root circuit's verifier data for `params`: from the local cache when an
/// earlier rebuild stored it, otherwise rebuilt (and stored when `cache` is set).
pub fn rebuilt_verifier(
    params: &RoundParams,
    cache: Option<&Path>,
) -> Result<(VerifierCircuitData<F, C, D>, VerifierSource)> {
    if let Some(v) = cache.and_then(|dir| cache::load(dir, params)) {
        return Ok((v, VerifierSource::Cache));
    }
    let verifier = match params {
        RoundParams::Single(p) => CircuitSet::new(*p).root().data.verifier_data(),
        RoundParams::Tiered(t) => TieredCircuitSet::new(t.clone()).root().data.verifier_data(),
    };
    if let Some(dir) = cache {
        // A cache that cannot be written only costs the next run a rebuild.
        let _ = cache::store(dir, params, &verifier);
    }
    Ok((verifier, VerifierSource::Rebuilt))
}

fn proof_section(summary: &Summary) -> Result<&ProofSummary> {
    summary
        .proof
        .as_ref()
        .ok_or_else(|| Error::Verify("summary.json has no proof section: run zkpor prove".into()))
}

/// The proof parameters recorded in a summary, checked against the values
/// that follow from them (B', the batch counts and the level arities).
pub fn params_of(summary: &Summary) -> Result<RoundParams> {
    let p = proof_section(summary)?;
    if p.num_assets != summary.assets.len() || p.tree_depth != summary.tree_depth {
        return Err(Error::Verify(
            "summary.json: proof.num_assets or proof.tree_depth disagrees with the assets and tree_depth".into(),
        ));
    }
    match (&summary.tiers, &p.tree) {
        (None, Some(tree)) if summary.format == SUMMARY_FORMAT => {
            let params = tree_params(tree, p.arity, summary.assets.len(), summary.tree_depth, "proof")?;
            Ok(RoundParams::Single(params))
        }
        (Some(tiers), None) if summary.format == SUMMARY_FORMAT_TIERED => {
            tiered_params_of(summary, tiers, p.arity).map(RoundParams::Tiered)
        }
        _ => Err(Error::Verify(format!(
            "summary.json: format {} does not fit its proof section (a tiered round lists its tiers, a format 1 round its tree)",
            summary.format
        ))),
    }
}

/// One tree's parameters from its recorded batch figures, checked against them.
fn tree_params(
    t: &TreeProofSummary,
    arity: usize,
    num_assets: usize,
    depth: u32,
    at: &str,
) -> Result<ProofParams> {
    let params = ProofParams::new(t.batch_size, arity, num_assets, depth).map_err(Error::Verify)?;
    let levels: Vec<usize> = params
        .level_arity_logs()
        .iter()
        .map(|a| 1usize << a)
        .collect();
    let derived = [
        (
            "effective_batch_size",
            t.effective_batch_size == params.batch_size(),
        ),
        ("batches", t.batches == params.num_batches()),
        ("level_arities", t.level_arities == levels),
    ];
    match derived.iter().find(|(_, ok)| !ok) {
        Some((what, _)) => Err(Error::Verify(format!(
            "summary.json: {at}.{what} disagrees with batch_size, arity, the asset count and tree_depth"
        ))),
        None => Ok(params),
    }
}

/// A tiered round's parameters, after checking that the tier roots and
/// user counts add up to the summary's account root and user count.
fn tiered_params_of(
    summary: &Summary,
    tiers: &[crate::artifacts::TierSummary],
    arity: usize,
) -> Result<TieredParams> {
    let assets = summary.assets.len();
    let mut list = Vec::with_capacity(tiers.len());
    let mut roots = Vec::with_capacity(tiers.len());
    for (i, t) in tiers.iter().enumerate() {
        let at = format!("tiers[{i}].proof");
        let proof = t
            .proof
            .as_ref()
            .ok_or_else(|| Error::Verify(format!("summary.json: {at} is missing")))?;
        let tree = tree_params(proof, arity, assets, t.tree_depth, &at)?;
        if crate::tree::depth_for(t.users) != t.tree_depth || t.users == 0 {
            return Err(Error::Verify(format!(
                "summary.json: tiers[{i}] holds {} users in a tree of depth {}",
                t.users, t.tree_depth
            )));
        }
        let kind = TierKind::from_capacity(t.capacity);
        list.push(Tier { kind, tree });
        roots.push(
            Digest::from_hex(&t.root)
                .map_err(|e| Error::Verify(format!("summary.json: tiers[{i}].root: {e}")))?,
        );
    }
    let params =
        TieredParams::new(list).map_err(|e| Error::Verify(format!("summary.json: tiers: {e}")))?;
    if params.top_depth() != summary.tree_depth {
        return Err(Error::Verify(
            "summary.json: tree_depth is not the top depth over the tiers".into(),
        ));
    }
    if account_root(&roots).to_hex() != summary.root {
        return Err(Error::Verify(
            "summary.json: the tier roots do not hash to the account root".into(),
        ));
    }
    if tiers.iter().map(|t| t.users).sum::<u64>() != summary.users {
        return Err(Error::Verify(
            "summary.json: the tiers' user counts do not add up to users".into(),
        ));
    }
    Ok(params)
}

/// Verifies shipped bytes against rebuilt verifier data.
pub fn verify_with(
    data: &VerifierCircuitData<F, C, D>,
    params: &RoundParams,
    summary: &Summary,
    shipped: &ShippedProof,
) -> Result<RootValues> {
    let bad = |m: String| Error::Verify(m);
    let [common, verifier] = verifier_bytes(&data.common, &data.verifier_only).map_err(bad)?;
    if shipped.common != common {
        return Err(bad(
            "the shipped common circuit data differs from the circuit rebuilt from the parameters"
                .into(),
        ));
    }
    if shipped.verifier_only != verifier {
        return Err(bad(
            "the shipped verifier data differs from the circuit rebuilt from the parameters".into(),
        ));
    }
    let proof = Proof::from_bytes(shipped.proof.clone(), &data.common)
        .map_err(|e| bad(format!("malformed root proof: {e:?}")))?;
    // plonky2 may panic on adversarial bytes; a panic is a failed verification.
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| data.verify(proof.clone())));
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(bad(format!("the root proof does not verify: {e}"))),
        Err(_) => {
            return Err(bad(
                "the root proof does not verify (verifier rejected malformed data)".into(),
            ))
        }
    }
    let values = RootValues::parse(&proof.public_inputs, params.num_assets())
        .map_err(|e| bad(e.to_string()))?;
    check_against_summary(&values, summary, params)?;
    Ok(values)
}

fn check_against_summary(v: &RootValues, s: &Summary, params: &RoundParams) -> Result<()> {
    let mismatch = |what: &str| {
        Err(Error::Verify(format!(
            "public input {what} does not match summary.json"
        )))
    };
    if v.account_root.to_hex() != s.root {
        return mismatch("account root");
    }
    if v.users != s.users {
        return mismatch("user count");
    }
    if v.params_digest != params.digest() {
        return mismatch("parameter digest");
    }
    for (a, &(eq, debt)) in s.assets.iter().zip(&v.totals) {
        if units(&a.total_equity, a.decimals)? != u128::from(eq)
            || units(&a.total_debt, a.decimals)? != u128::from(debt)
        {
            return mismatch(&format!("totals of {}", a.symbol));
        }
    }
    let prices = PriceVector {
        value_scale: s.value_scale,
        prices: s
            .assets
            .iter()
            .map(committed_price)
            .collect::<Result<_>>()?,
    };
    if v.price_commitment != prices.commitment() {
        return mismatch("price commitment");
    }
    let reserves =
        s.assets
            .iter()
            .map(|a| {
                let r = a.reserve.as_deref().ok_or_else(|| {
                    Error::Verify(format!("summary has no reserve for {}", a.symbol))
                })?;
                bounded_reserve(r, a.decimals, &a.symbol)
            })
            .collect::<Result<Vec<_>>>()?;
    if v.reserve_commitment != reserve_commitment(&reserves) {
        return mismatch("reserve commitment");
    }
    let recorded = s
        .proof
        .as_ref()
        .map(|p| (p.price_commitment.as_str(), p.reserve_commitment.as_str()));
    // The public inputs equal the recomputed commitments by now; compare with them.
    if recorded != Some((&v.price_commitment.to_hex(), &v.reserve_commitment.to_hex())) {
        return mismatch("commitments recorded in the proof section");
    }
    Ok(())
}

/// A committed price as the circuit holds it: below 2^PRICE_BITS (FORMAT §3).
/// A larger one must be refused, not reduced: p + q would hash as q.
fn committed_price(a: &AssetSummary) -> Result<u64> {
    let q = a.committed_price.parse::<u128>().ok();
    q.and_then(|q| Price::new(q).ok())
        .map(Price::units)
        .ok_or_else(|| {
            Error::Verify(format!(
                "summary.json: committed price {:?} of {} is not an integer below 2^{PRICE_BITS}",
                a.committed_price, a.symbol
            ))
        })
}

/// A reserve in units below 2^TOTAL_BITS (FORMAT §3). Truncating a larger one
/// would let r + 2^64 units pass as the committed r.
fn bounded_reserve(text: &str, decimals: u32, symbol: &str) -> Result<u64> {
    check_bound("reserve", units(text, decimals)?, TOTAL_BITS).map_err(|_| {
        Error::Verify(format!(
            "summary.json: reserve {text} of {symbol} is 2^{TOTAL_BITS} units or more, over its bound"
        ))
    })
}

fn units(text: &str, decimals: u32) -> Result<u128> {
    Decimal::parse(text)
        .and_then(|d| d.non_negative_units(decimals, text))
        .map_err(|e| Error::Verify(format!("summary.json: {e}")))
}

/// The local cache of rebuilt verifier data, keyed by zkpor version and the
/// parameter digest (which includes the circuit-family version).
mod cache {
    use super::{RoundParams, VerifierCircuitData, C, D, F};
    use plonky2::plonk::circuit_data::{CommonCircuitData, VerifierOnlyCircuitData};
    use plonky2::util::serialization::DefaultGateSerializer;
    use std::path::{Path, PathBuf};

    fn paths(dir: &Path, params: &RoundParams) -> (PathBuf, PathBuf) {
        let key = format!(
            "v{}-{}",
            env!("CARGO_PKG_VERSION"),
            params.digest().to_hex()
        );
        (
            dir.join(format!("{key}.common")),
            dir.join(format!("{key}.verifier")),
        )
    }

    pub fn load(dir: &Path, params: &RoundParams) -> Option<VerifierCircuitData<F, C, D>> {
        let (c, v) = paths(dir, params);
        let common =
            CommonCircuitData::from_bytes(std::fs::read(c).ok()?, &DefaultGateSerializer).ok()?;
        let verifier_only = VerifierOnlyCircuitData::from_bytes(std::fs::read(v).ok()?).ok()?;
        Some(VerifierCircuitData {
            verifier_only,
            common,
        })
    }

    pub fn store(
        dir: &Path,
        params: &RoundParams,
        data: &VerifierCircuitData<F, C, D>,
    ) -> Option<()> {
        let (c, v) = paths(dir, params);
        std::fs::create_dir_all(dir).ok()?;
        let [common, verifier] = super::verifier_bytes(&data.common, &data.verifier_only).ok()?;
        crate::artifacts::write_atomic(&c, &common).ok()?;
        crate::artifacts::write_atomic(&v, &verifier).ok()
    }
}

/// The default cache folder: $ZKPOR_CACHE_DIR, else $XDG_CACHE_HOME/zkpor, else ~/.cache/zkpor.
pub fn default_cache_dir() -> Option<std::path::PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
    };
    env("ZKPOR_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("zkpor")))
        .or_else(|| env("HOME").map(|h| h.join(".cache").join("zkpor")))
}
