//! `zkpor prove` and `zkpor verify` end to end on the bundled sample, and
//! tampering with any byte of the published proof or verifier data.

mod common;

use common::{data, run_on, s, stderr, stdout, zkpor};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use zkpor::artifacts::summary::read_summary;
use zkpor::circuits::CircuitSet;
use zkpor::circuits::RoundParams;
use zkpor::error::exit;
use zkpor::model::{format_units, Decimal};
use zkpor::verify::round::{params_of, verify_out, verify_with, ShippedProof, VerifierSource};

/// Proves the sample once per test binary (B = 64, k = 4: 8 batch slots, two levels).
fn proven() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let out = dir.join("round");
        let reserves = data("sample/reserves.csv");
        let flags = ["--batch-size", "64", "--arity", "4", "--quiet"];
        let o = run_on(
            "prove",
            &data("sample/accounts.csv"),
            Some(&reserves),
            &out,
            &flags,
        );
        assert!(o.status.success(), "prove failed: {}", stderr(&o));
        out
    })
}

/// The root circuit's verifier data, rebuilt from the sample's parameters once.
fn rebuilt() -> &'static (VerifierCircuitData<F, C, 2>, RoundParams) {
    static DATA: OnceLock<(VerifierCircuitData<F, C, 2>, RoundParams)> = OnceLock::new();
    DATA.get_or_init(|| {
        let params = params_of(&read_summary(proven()).unwrap()).unwrap();
        let RoundParams::Single(p) = params else {
            panic!("the sample round is format 1")
        };
        (CircuitSet::new(p).root().data.verifier_data(), params)
    })
}

#[test]
fn verify_caches_rebuilt_verifier_data_by_parameters() {
    let out = proven();
    let cache = tempfile::tempdir().unwrap();
    let first = verify_out(out, Some(cache.path())).unwrap();
    assert_eq!(first.source, VerifierSource::Rebuilt);
    let second = verify_out(out, Some(cache.path())).unwrap();
    assert_eq!(second.source, VerifierSource::Cache);
    assert_eq!(first.values, second.values);
    // A damaged cache entry is not trusted: it is rebuilt instead.
    for entry in std::fs::read_dir(cache.path()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::write(&path, b"garbage").unwrap();
    }
    assert_eq!(
        verify_out(out, Some(cache.path())).unwrap().source,
        VerifierSource::Rebuilt
    );
}

#[test]
fn prove_then_verify_the_sample() {
    let out = proven();
    for f in [
        "root_proof.bin",
        "root_common_data.bin",
        "root_verifier_only.bin",
        "summary.json",
        "tree.bin",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let summary = read_summary(out).unwrap();
    let proof = summary.proof.as_ref().expect("proof section");
    assert!(proof.zero_knowledge);
    assert_eq!(proof.tree.as_ref().unwrap().level_arities, vec![4, 2]);
    let o = zkpor(&["verify", s(out)]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("VALID"), "{}", stdout(&o));
    // The committed root is the same whether or not proofs were made.
    let commit_dir = tempfile::tempdir().unwrap();
    let c = commit_dir.path().join("c");
    let o = run_on(
        "commit",
        &data("sample/accounts.csv"),
        None,
        &c,
        &["--json", "--quiet"],
    );
    let committed: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(committed["root"], summary.root);
}

/// A user proof of the proven sample, written into `dir`.
fn sample_user_proof(dir: &Path) -> PathBuf {
    let file = dir.join("u.json");
    let o = zkpor(&[
        "user-proof",
        s(proven()),
        "--user",
        "6268de564d05820b",
        "--out",
        s(&file),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    file
}

#[test]
fn verify_user_accepts_the_root_of_a_verified_proof() {
    let out = proven();
    let dir = tempfile::tempdir().unwrap();
    let file = sample_user_proof(dir.path());
    let o = zkpor(&["verify-user", s(&file), "--verified", s(out)]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("VALID: user 6268de564d05820b"));
}

#[test]
fn any_changed_byte_in_proof_or_verifier_data_fails() {
    let out = proven();
    let summary = read_summary(out).unwrap();
    let (data, params) = rebuilt();
    let shipped = ShippedProof::read(out, &summary).unwrap();
    verify_with(data, params, &summary, &shipped).expect("untouched proof verifies");
    let check = |name: &str, len: usize, stride: usize, edit: &dyn Fn(&mut ShippedProof, usize)| {
        let mut positions: Vec<usize> = (0..len).step_by(stride).collect();
        positions.push(len - 1);
        for at in positions {
            let mut bad = ShippedProof {
                proof: shipped.proof.clone(),
                common: shipped.common.clone(),
                verifier_only: shipped.verifier_only.clone(),
            };
            edit(&mut bad, at);
            assert!(
                verify_with(data, params, &summary, &bad).is_err(),
                "{name}: flipping byte {at} still verifies"
            );
        }
    };
    check("proof", shipped.proof.len(), 151, &|b, at| {
        b.proof[at] ^= 0x01
    });
    check("common data", shipped.common.len(), 7, &|b, at| {
        b.common[at] ^= 0x80
    });
    check("verifier data", shipped.verifier_only.len(), 1, &|b, at| {
        b.verifier_only[at] ^= 0x01
    });
}

#[test]
fn summary_that_disagrees_with_the_proof_fails() {
    let out = proven();
    let summary = read_summary(out).unwrap();
    let (data, params) = rebuilt();
    let shipped = ShippedProof::read(out, &summary).unwrap();
    let mut bad = summary.clone();
    bad.assets[2].total_equity = "157517.238215".into();
    assert!(
        verify_with(data, params, &bad, &shipped).is_err(),
        "inflated total accepted"
    );
    let mut bad = summary.clone();
    bad.assets[0].reserve = Some("1.00000000".into());
    assert!(
        verify_with(data, params, &bad, &shipped).is_err(),
        "changed reserve accepted"
    );
    let mut bad = summary.clone();
    bad.users += 1;
    assert!(
        verify_with(data, params, &bad, &shipped).is_err(),
        "changed user count accepted"
    );
}

#[test]
fn reserve_shortfall_exits_5_and_names_the_asset() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("round");
    let short = data("invalid/short_reserves.csv");
    let o = run_on(
        "prove",
        &data("sample/accounts.csv"),
        Some(&short),
        &out,
        &["--quiet"],
    );
    assert_eq!(
        o.status.code(),
        Some(exit::RESERVE_SHORTFALL),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("BTC short by 0.15347445"),
        "{}",
        stderr(&o)
    );
    // The operator sees the numbers behind the verdict on stdout.
    assert!(
        stdout(&o).contains("RESERVE SHORTFALL: BTC is short by 0.15347445"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("total equity"), "{}", stdout(&o));
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "output left behind"
    );
}

// Verbatim from docs/FORMAT.md §9: stock plonky2, nothing from zkpor.
use plonky2::field::goldilocks_field::GoldilocksField as F;
use plonky2::plonk::circuit_data::{
    CommonCircuitData, VerifierCircuitData, VerifierOnlyCircuitData,
};
use plonky2::plonk::config::PoseidonGoldilocksConfig as C;
use plonky2::plonk::proof::ProofWithPublicInputs;
use plonky2::util::serialization::DefaultGateSerializer;

fn verify_root(out: &std::path::Path) -> anyhow::Result<Vec<F>> {
    let io = |e| anyhow::anyhow!("{e:?}"); // plonky2's IoError
    let common = CommonCircuitData::<F, 2>::from_bytes(
        std::fs::read(out.join("root_common_data.bin"))?,
        &DefaultGateSerializer,
    )
    .map_err(io)?;
    let verifier_only = VerifierOnlyCircuitData::<C, 2>::from_bytes(std::fs::read(
        out.join("root_verifier_only.bin"),
    )?)
    .map_err(io)?;
    let proof = ProofWithPublicInputs::<F, C, 2>::from_bytes(
        std::fs::read(out.join("root_proof.bin"))?,
        &common,
    )?;
    VerifierCircuitData {
        verifier_only,
        common,
    }
    .verify(proof.clone())?;
    Ok(proof.public_inputs) // the layout above
}

#[test]
fn stock_plonky2_verifies_the_shipped_files() {
    let out = proven();
    let pis = verify_root(out).expect("stock plonky2 accepts the root proof");
    let summary = read_summary(out).unwrap();
    let values = zkpor::circuits::RootValues::parse(&pis, summary.assets.len()).unwrap();
    assert_eq!(values.account_root.to_hex(), summary.root);
    assert_eq!(values.users, 300);
}

/// A copy of the proven sample's published files, to tamper with.
fn published_copy(dir: &Path) -> PathBuf {
    let copy = dir.join("published");
    std::fs::create_dir_all(&copy).unwrap();
    for f in [
        "summary.json",
        "root_proof.bin",
        "root_common_data.bin",
        "root_verifier_only.bin",
    ] {
        std::fs::copy(proven().join(f), copy.join(f)).unwrap();
    }
    copy
}

#[test]
fn summary_binds_every_published_file_by_size_and_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let copy = published_copy(dir.path());
    let summary = read_summary(&copy).unwrap();
    let files = &summary.proof.as_ref().unwrap().files;
    for entry in [&files.root_proof, &files.common_data, &files.verifier_only] {
        let bytes = std::fs::read(copy.join(&entry.name)).unwrap();
        assert_eq!(entry.bytes, bytes.len() as u64, "{}", entry.name);
        assert_eq!(
            entry.sha256,
            zkpor::artifacts::sha256::sha256_hex(&bytes),
            "{}",
            entry.name
        );
    }
    verify_out(&copy, None).expect("the untouched copy verifies");
    // One more byte at the end of any file is caught by its recorded size,
    // before any proof check runs.
    for name in [
        "root_proof.bin",
        "root_common_data.bin",
        "root_verifier_only.bin",
    ] {
        let path = copy.join(name);
        let good = std::fs::read(&path).unwrap();
        let mut longer = good.clone();
        longer.push(0);
        std::fs::write(&path, &longer).unwrap();
        let e = verify_out(&copy, None)
            .err()
            .expect("a longer file is refused");
        assert!(
            e.to_string().contains(&format!("{name} holds")),
            "{name}: {e}"
        );
        std::fs::write(&path, &good).unwrap();
    }
    // A summary whose proof section contradicts its own parameters is refused.
    let mut bad = summary.clone();
    bad.proof.as_mut().unwrap().tree.as_mut().unwrap().batches += 1;
    std::fs::write(copy.join("summary.json"), serde_json::to_vec(&bad).unwrap()).unwrap();
    let e = verify_out(&copy, None)
        .err()
        .expect("wrong batch count refused");
    assert!(e.to_string().contains("proof.batches"), "{e}");
}

#[test]
fn verify_refuses_a_reserve_or_price_past_its_bound_instead_of_reducing_it() {
    let dir = tempfile::tempdir().unwrap();
    let copy = published_copy(dir.path());
    let summary = read_summary(&copy).unwrap();
    // Rebuilt once, then loaded: the tampers change no parameter.
    let cache = tempfile::tempdir().unwrap();
    let tamper = |edit: &dyn Fn(&mut zkpor::artifacts::AssetSummary)| {
        let mut bad = summary.clone();
        edit(&mut bad.assets[0]);
        std::fs::write(copy.join("summary.json"), serde_json::to_vec(&bad).unwrap()).unwrap();
        verify_out(&copy, Some(cache.path()))
            .err()
            .map(|e| e.to_string())
    };
    // r + 2^64 units truncates to the committed r: it must be refused by its
    // bound, not matched against the reserve commitment.
    let raised = |a: &mut zkpor::artifacts::AssetSummary| {
        let text = a.reserve.clone().unwrap();
        let units = Decimal::parse(&text)
            .unwrap()
            .non_negative_units(a.decimals, &text)
            .unwrap();
        a.reserve = Some(format_units(units + (1u128 << 64), a.decimals));
    };
    let e = tamper(&raised).expect("a reserve of 2^64 units more is refused");
    assert!(e.contains("reserve") && e.contains("over its bound"), "{e}");
    // p + q is q as a field element: refused as a price of 2^32 or more.
    let p = 0xffff_ffff_0000_0001u64;
    let wrapped = |a: &mut zkpor::artifacts::AssetSummary| {
        let q: u64 = a.committed_price.parse().unwrap();
        a.committed_price = (q + p).to_string();
    };
    let e = tamper(&wrapped).expect("a price of p + q is refused");
    assert!(e.contains("not an integer below 2^32"), "{e}");
    // The untouched summary still verifies.
    std::fs::write(
        copy.join("summary.json"),
        serde_json::to_vec(&summary).unwrap(),
    )
    .unwrap();
    verify_out(&copy, Some(cache.path())).expect("the untouched copy verifies");
}

#[test]
fn verifier_data_rebuilds_the_published_verifier_data_without_a_proof() {
    let summary = read_summary(proven()).unwrap();
    let p = summary.proof.as_ref().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (b, k, a, d) = (
        p.tree.as_ref().unwrap().batch_size.to_string(),
        p.arity.to_string(),
        p.num_assets.to_string(),
        summary.tree_depth.to_string(),
    );
    let o = zkpor(&[
        "verifier-data",
        "--batch-size",
        &b,
        "--arity",
        &k,
        "--assets",
        &a,
        "--depth",
        &d,
        "--out",
        s(dir.path()),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let printed: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        printed["root_circuit_digest"],
        p.root_circuit_digest.as_str()
    );
    assert_eq!(printed["params_digest"], p.params_digest.as_str());
    for f in ["root_common_data.bin", "root_verifier_only.bin"] {
        assert_eq!(
            std::fs::read(dir.path().join(f)).unwrap(),
            std::fs::read(proven().join(f)).unwrap(),
            "{f} differs from the published one"
        );
    }
    // Another arity is another circuit.
    let other = dir.path().join("other");
    let o = zkpor(&[
        "verifier-data",
        "--batch-size",
        &b,
        "--arity",
        "2",
        "--assets",
        &a,
        "--depth",
        &d,
        "--out",
        s(&other),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let printed: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_ne!(
        printed["root_circuit_digest"],
        p.root_circuit_digest.as_str()
    );
}

#[test]
fn verify_user_with_the_summary_refuses_a_relabelled_asset() {
    let out = proven();
    let dir = tempfile::tempdir().unwrap();
    let file = sample_user_proof(dir.path());
    let summary = out.join("summary.json");
    let ok = zkpor(&["verify-user", s(&file), "--summary", s(&summary)]);
    assert!(ok.status.success(), "{}{}", stdout(&ok), stderr(&ok));
    assert!(stdout(&ok).contains("VALID"), "{}", stdout(&ok));
    // Swap the labels of the first two assets: the leaf still matches (labels
    // are not hashed), so only the cross-check against the round can catch it.
    let mut proof: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let b = proof["balances"].as_array_mut().unwrap();
    let first = b[0]["symbol"].clone();
    b[0]["symbol"] = b[1]["symbol"].clone();
    b[1]["symbol"] = first;
    let relabelled = dir.path().join("relabelled.json");
    std::fs::write(&relabelled, serde_json::to_vec(&proof).unwrap()).unwrap();
    let alone = zkpor(&["verify-user", s(&relabelled)]);
    assert!(
        alone.status.success(),
        "without the summary the labels are not checked"
    );
    let bad = zkpor(&["verify-user", s(&relabelled), "--summary", s(&summary)]);
    assert_eq!(
        bad.status.code(),
        Some(exit::VERIFY_FAILED),
        "{}",
        stdout(&bad)
    );
    assert!(
        stdout(&bad).contains("against summary.json"),
        "{}",
        stdout(&bad)
    );
}
