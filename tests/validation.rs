//! One test per rejection rule: the right problem, located, and no output left behind.

mod common;

use common::data;
use std::path::{Path, PathBuf};
use zkpor::backend::CpuBackend;
use zkpor::commit::{commit, CommitRequest};
use zkpor::error::{exit, Error};
use zkpor::input::{Problem, ProblemKind};
use zkpor::progress::Progress;

fn request(
    accounts: PathBuf,
    assets: PathBuf,
    reserves: Option<PathBuf>,
    out: &Path,
) -> CommitRequest<'static> {
    CommitRequest {
        accounts,
        assets,
        reserves,
        secret: Some(data("sample/secret.demo")),
        out: out.to_path_buf(),
        force: false,
        max_problems: 20,
        backend: CpuBackend::detected(),
        progress: Progress::hidden(),
    }
}

/// Commits and expects rejection; checks that nothing was left in the parent folder.
fn rejected(req: CommitRequest) -> (Vec<Problem>, i32) {
    let parent = req.out.parent().unwrap().to_path_buf();
    let err = match commit(&req) {
        Ok(_) => panic!("{} was accepted", req.accounts.display()),
        Err(e) => e,
    };
    assert!(
        !req.out.exists(),
        "a rejected run left {}",
        req.out.display()
    );
    let leftovers: Vec<_> = std::fs::read_dir(&parent).unwrap().collect();
    assert!(leftovers.is_empty(), "a rejected run left {leftovers:?}");
    let code = err.exit_code();
    match err {
        Error::Input(p) => (p.list().to_vec(), code),
        other => panic!("expected input problems, got {other}"),
    }
}

fn reject_accounts(name: &str) -> (Vec<Problem>, i32) {
    let dir = tempfile::tempdir().unwrap();
    rejected(request(
        data(&format!("invalid/{name}")),
        data("sample/assets.csv"),
        None,
        &dir.path().join("out"),
    ))
}

fn kinds(ps: &[Problem]) -> Vec<ProblemKind> {
    ps.iter().map(|p| p.kind).collect()
}

#[test]
fn malformed_numbers_are_located_and_all_reported() {
    let (ps, code) = reject_accounts("malformed_number.csv");
    assert_eq!(code, exit::BAD_INPUT);
    assert_eq!(
        kinds(&ps),
        vec![ProblemKind::Malformed, ProblemKind::Malformed]
    );
    assert_eq!(
        (ps[0].line, ps[0].column.as_deref()),
        (Some(2), Some("3 (ETH)"))
    );
    assert_eq!(
        (ps[1].line, ps[1].column.as_deref()),
        (Some(3), Some("2 (BTC)"))
    );
    let text = ps[0].to_string();
    assert!(
        text.contains("malformed_number.csv:2: column 3 (ETH)") && text.contains("'abc'"),
        "{text}"
    );
}

#[test]
fn too_many_fractional_digits_is_an_error_not_rounding() {
    let (ps, _) = reject_accounts("too_precise.csv");
    assert_eq!(kinds(&ps), vec![ProblemKind::Malformed]);
    assert!(
        ps[0].message.contains("9 fractional digits") && ps[0].message.contains("at most 8"),
        "{}",
        ps[0]
    );
}

#[test]
fn unknown_asset_column_is_rejected() {
    let (ps, _) = reject_accounts("unknown_asset.csv");
    assert_eq!(kinds(&ps), vec![ProblemKind::UnknownAsset]);
    assert_eq!(
        (ps[0].line, ps[0].column.as_deref()),
        (Some(1), Some("3 (FOO)"))
    );
}

#[test]
fn duplicate_asset_column_is_rejected() {
    let (ps, _) = reject_accounts("duplicate_column.csv");
    assert_eq!(kinds(&ps), vec![ProblemKind::DuplicateAsset]);
    assert_eq!(ps[0].column.as_deref(), Some("4 (BTC)"));
}

#[test]
fn duplicate_user_is_rejected_with_both_lines() {
    let (ps, _) = reject_accounts("duplicate_user.csv");
    assert_eq!(kinds(&ps), vec![ProblemKind::DuplicateUser]);
    assert_eq!(ps[0].line, Some(4));
    assert!(ps[0].message.contains("duplicate_user.csv:2"), "{}", ps[0]);
}

#[test]
fn empty_input_is_rejected() {
    let (ps, _) = reject_accounts("empty.csv");
    assert_eq!(kinds(&ps), vec![ProblemKind::Empty]);
    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("blank.csv");
    std::fs::write(&blank, "").unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let (ps, _) = rejected(request(
        blank,
        data("sample/assets.csv"),
        None,
        &out_dir.path().join("out"),
    ));
    assert_eq!(kinds(&ps), vec![ProblemKind::Empty]);
}

#[test]
fn insolvent_user_is_named_with_its_own_exit_code() {
    let (ps, code) = reject_accounts("insolvent.csv");
    assert_eq!(code, exit::INSOLVENT_USER);
    assert_eq!(kinds(&ps), vec![ProblemKind::Insolvent]);
    assert_eq!(ps[0].line, Some(3));
    assert!(
        ps[0]
            .message
            .contains("user insolvent has negative net value -"),
        "{}",
        ps[0]
    );
}

#[test]
fn amount_over_bound_names_the_bound() {
    let (ps, _) = reject_accounts("over_bound.csv");
    assert_eq!(kinds(&ps), vec![ProblemKind::OutOfBound]);
    assert!(ps[0].message.contains("2^48"), "{}", ps[0]);
}

#[test]
fn bad_assets_file_reports_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let req = request(
        data("sample/accounts.csv"),
        data("invalid/bad_assets.csv"),
        None,
        &dir.path().join("out"),
    );
    let (ps, _) = rejected(req);
    assert_eq!(
        kinds(&ps),
        vec![
            ProblemKind::Malformed,
            ProblemKind::Malformed,
            ProblemKind::DuplicateAsset
        ]
    );
    assert_eq!(
        ps.iter().map(|p| p.line.unwrap()).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
}

#[test]
fn bad_reserves_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let req = request(
        data("sample/accounts.csv"),
        data("sample/assets.csv"),
        Some(data("invalid/bad_reserves.csv")),
        &dir.path().join("out"),
    );
    let (ps, _) = rejected(req);
    assert_eq!(
        kinds(&ps),
        vec![ProblemKind::UnknownAsset, ProblemKind::Malformed]
    );
}

#[test]
fn okx_problems_carry_lines() {
    let (ps, _) = reject_accounts("okx_bad.json");
    assert_eq!(
        kinds(&ps),
        vec![ProblemKind::UnknownAsset, ProblemKind::Malformed]
    );
    assert_eq!(
        ps.iter().map(|p| p.line.unwrap()).collect::<Vec<_>>(),
        vec![3, 4]
    );
}

#[test]
fn long_csv_problems_carry_lines_and_columns() {
    let (ps, _) = reject_accounts("long_bad.csv");
    assert_eq!(
        kinds(&ps),
        vec![
            ProblemKind::UnknownAsset,
            ProblemKind::DuplicateAsset,
            ProblemKind::Malformed,
            ProblemKind::DuplicateUser
        ]
    );
    let lines: Vec<u64> = ps.iter().map(|p| p.line.unwrap()).collect();
    assert_eq!(lines, vec![3, 4, 5, 8]);
    assert_eq!(ps[0].column.as_deref(), Some("2 (symbol)"));
    assert!(ps[1].message.contains("first at line 2"), "{}", ps[1]);
    assert_eq!(ps[2].column.as_deref(), Some("3 (amount)"));
    // carol's rows are not contiguous: her second run is a second user.
    assert!(ps[3].message.contains("long_bad.csv:6"), "{}", ps[3]);
}

#[test]
fn only_the_first_n_problems_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = dir.path().join("many.csv");
    let rows: String = (0..100).map(|i| format!("u{i},x\n")).collect();
    std::fs::write(&accounts, format!("user_id,BTC\n{rows}")).unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let mut req = request(
        accounts,
        data("sample/assets.csv"),
        None,
        &out_dir.path().join("out"),
    );
    req.max_problems = 5;
    let err = commit(&req).err().expect("rejected");
    let Error::Input(p) = err else {
        panic!("expected input problems")
    };
    assert_eq!(p.list().len(), 5);
    assert!(p.truncated());
    assert!(p.to_string().contains("stopped after the first 5"));
}

#[test]
fn total_over_bound_is_rejected() {
    // Each amount is below 2^48 units, but 70,000 of them sum past 2^64.
    let dir = tempfile::tempdir().unwrap();
    let accounts = dir.path().join("big.csv");
    let near_max = "2814749.76710655"; // 2^48 - 1 satoshi
    let rows: String = (0..70_000).map(|i| format!("u{i},{near_max}\n")).collect();
    std::fs::write(&accounts, format!("user_id,BTC\n{rows}")).unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let (ps, _) = rejected(request(
        accounts,
        data("sample/assets.csv"),
        None,
        &out_dir.path().join("out"),
    ));
    assert_eq!(kinds(&ps), vec![ProblemKind::OutOfBound]);
    assert!(
        ps[0].message.contains("total equity") && ps[0].message.contains("2^64"),
        "{}",
        ps[0]
    );
}
