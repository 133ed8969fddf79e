//! The bodies of the fuzz targets (`fuzz/`) and of their bounded run in
//! `tests/fuzz_props.rs`, so that both check the same thing.
//!
//! Each body feeds one byte string to one reader of user input. The reader
//! may accept it or reject it; the body panics only when the reader breaks its
//! contract: a panic of its own, or an error that does not say where. An error
//! must name the file it was given ([`NAME`]) and, where the format has lines,
//! a line that exists; binary formats name a byte offset. Only whole-file
//! problems (an empty file, too many assets, a value scale too large) may
//! come without a line.

use crate::artifacts::{parse_user_proof, read_tree_from, AccountsReader};
use crate::inclusion::verify_user_proof;
use crate::input::{
    csv_accounts, parse_okx, read_assets_from, read_reserves_from, Problem, ProblemKind,
    SourcedAccount,
};
use crate::model::bounds::MAX_DECIMALS;
use crate::model::{format_units, AssetTable, Decimal};
use crate::secret::secret_from_bytes;
use std::io::{self, Cursor};
use std::sync::{Arc, OnceLock};

/// The file name every body passes to its reader; errors must repeat it.
pub const NAME: &str = "fuzz-input";

/// How many problems a CSV reader keeps.
const MAX_PROBLEMS: usize = 50;

/// The sample's assets.csv: the asset table the account and reserve bodies read against.
pub const SAMPLE_ASSETS: &str = "symbol,decimals,price_usd
BTC,8,91234.56
ETH,8,3210.45
USDT,6,1.0001
USDC,6,0.9999
SOL,6,145.32
XRP,6,0.5213
BNB,8,610.23
DOGE,6,0.1234
";

/// The asset table of [`SAMPLE_ASSETS`].
pub fn sample_assets() -> Arc<AssetTable> {
    static TABLE: OnceLock<Arc<AssetTable>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            let table = read_assets_from(NAME, SAMPLE_ASSETS.as_bytes(), MAX_PROBLEMS);
            Arc::new(table.unwrap_or_else(|p| panic!("the sample assets do not parse: {p}")))
        })
        .clone()
}

/// The number of the last line of `data`, counting both line ends.
fn last_line(data: &[u8]) -> u64 {
    1 + data.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64
}

fn check_problem(data: &[u8], p: &Problem) {
    assert_eq!(p.file, NAME, "problem names another file: {p}");
    assert!(!p.message.is_empty(), "problem without a message: {p:?}");
    match p.line {
        Some(line) => assert!(
            (1..=last_line(data)).contains(&line),
            "problem names line {line}, outside the input: {p}"
        ),
        None => assert!(
            matches!(p.kind, ProblemKind::Empty | ProblemKind::OutOfBound),
            "problem without a line: {p}"
        ),
    }
    let shown = p.to_string();
    assert!(
        shown.starts_with(NAME),
        "problem display hides the file: {shown}"
    );
}

fn check_problems(data: &[u8], ps: &[Problem]) {
    assert!(!ps.is_empty(), "a rejection with no problem in it");
    ps.iter().for_each(|p| check_problem(data, p));
}

fn check_records(data: &[u8], records: impl Iterator<Item = Result<SourcedAccount, Vec<Problem>>>) {
    for r in records {
        match r {
            Ok(a) => assert!(
                a.file.as_ref() == NAME && (1..=last_line(data)).contains(&a.line),
                "account located at {}:{}",
                a.file,
                a.line
            ),
            Err(ps) => check_problems(data, &ps),
        }
    }
}

/// accounts.csv (wide or long form, told apart by the header) against the
/// sample assets.
pub fn accounts_csv(data: &[u8]) {
    let input = Box::new(Cursor::new(data.to_vec()));
    match csv_accounts(NAME, input, sample_assets()) {
        Ok(records) => check_records(data, records),
        Err(ps) => check_problems(data, &ps),
    }
}

/// One OKX JSON file against the sample assets.
pub fn okx_json(data: &[u8]) {
    check_records(data, parse_okx(NAME, data, &sample_assets()).into_iter());
}

/// assets.csv; an accepted table is also used to read the sample's reserves.
pub fn assets_csv(data: &[u8]) {
    match read_assets_from(NAME, data, MAX_PROBLEMS) {
        Ok(table) => {
            let reserves = "symbol,amount\nBTC,1\n";
            if let Err(ps) = read_reserves_from(NAME, reserves.as_bytes(), &table, MAX_PROBLEMS) {
                check_problems(reserves.as_bytes(), ps.list());
            }
        }
        Err(ps) => check_problems(data, ps.list()),
    }
}

/// reserves.csv against the sample assets.
pub fn reserves_csv(data: &[u8]) {
    let assets = sample_assets();
    match read_reserves_from(NAME, data, &assets, MAX_PROBLEMS) {
        Ok(reserves) => assert_eq!(reserves.len(), assets.len()),
        Err(ps) => check_problems(data, ps.list()),
    }
}

/// One decimal cell: parsing never panics; `parse_unsigned` accepts what
/// `parse` accepts, less a leading sign; and every value accepted at some
/// decimals prints back, with `format_units`, to text that parses to the same units.
pub fn decimal(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = Decimal::parse(text);
    let unsigned = Decimal::parse_unsigned(text);
    let signed = text.starts_with(['+', '-']);
    assert_eq!(
        unsigned.as_ref().ok(),
        parsed.as_ref().ok().filter(|_| !signed),
        "parse_unsigned({text:?}) disagrees with parse"
    );
    let d = match parsed {
        Ok(d) => d,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    for decimals in 0..=MAX_DECIMALS + 2 {
        let Ok(units) = d.magnitude_units(decimals, text) else {
            continue;
        };
        assert_eq!(
            d.non_negative_units(decimals, text).is_ok(),
            !d.is_negative(),
            "sign of {text:?}"
        );
        let printed = format_units(units, decimals);
        let back = Decimal::parse(&printed)
            .and_then(|b| b.magnitude_units(decimals, &printed))
            .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?} does not parse: {e}"));
        assert_eq!(back, units, "{text:?} printed as {printed:?}");
    }
}

/// A secret file: accepted exactly when it has at least 32 bytes.
pub fn secret(data: &[u8]) {
    match secret_from_bytes(NAME, data) {
        Ok(_) => assert!(data.len() >= crate::leaf::MIN_SECRET_BYTES),
        Err(e) => {
            assert!(data.len() < crate::leaf::MIN_SECRET_BYTES);
            assert!(e.to_string().starts_with(NAME), "secret error: {e}");
        }
    }
}

/// A user proof JSON file, parsed and, when it parses, checked with and without a root.
pub fn user_proof_json(data: &[u8]) {
    match parse_user_proof(NAME, data) {
        Ok(p) => {
            let verdict = verify_user_proof(&p, None);
            if let Ok(v) = verdict {
                assert!(verify_user_proof(&p, Some(v.root)).is_ok());
            }
        }
        Err(e) => {
            let m = e.to_string();
            assert!(
                m.contains(NAME) && m.contains(" line "),
                "unlocated user proof error: {m}"
            );
        }
    }
}

fn check_binary_error(e: &io::Error) {
    let m = e.to_string();
    assert!(
        m.contains("at byte "),
        "binary error without an offset: {m}"
    );
    let shown = crate::error::Error::io("cannot read", NAME)(io::Error::new(e.kind(), m));
    assert!(shown.to_string().contains(NAME));
}

/// tree.bin: the header and every level.
pub fn tree_bin(data: &[u8]) {
    match read_tree_from(data) {
        Ok(tree) => {
            let n = tree.num_leaves();
            assert!(n >= 1);
            // Stored nodes are not rehashed on reading: only the shape is checked here.
            assert!(tree.leaf(n - 1).is_some() && tree.prove(n - 1).is_some());
            assert_eq!(tree.levels().len() as u32, tree.depth() + 1);
            let _ = tree.root();
        }
        Err(e) => check_binary_error(&e),
    }
}

/// accounts.bin: the header and up to 10,000 records.
pub fn accounts_bin(data: &[u8]) {
    match AccountsReader::from_reader(Cursor::new(data)) {
        Ok(reader) => {
            for r in reader.take(10_000) {
                if let Err(e) = r {
                    check_binary_error(&e);
                    break;
                }
            }
        }
        Err(e) => check_binary_error(&e),
    }
}

/// A fuzz body: panics when the reader breaks its contract on `data`.
pub type Body = fn(&[u8]);

/// Every body by name, for the property test and for reproducing a crash.
pub const TARGETS: &[(&str, Body)] = &[
    ("accounts_csv", accounts_csv),
    ("okx_json", okx_json),
    ("assets_csv", assets_csv),
    ("reserves_csv", reserves_csv),
    ("decimal", decimal),
    ("secret", secret),
    ("user_proof_json", user_proof_json),
    ("tree_bin", tree_bin),
    ("accounts_bin", accounts_bin),
];
