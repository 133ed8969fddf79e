//! The input rules of docs/FORMAT.md §2 and the output forms of §6, each
//! decided once and checked through `zkpor commit` as an exchange runs it:
//! spaces around cells, signs, byte-order marks, case, reserves without a
//! row, amounts at zero decimals, and digests in upper-case hex.

mod common;

use common::{s, stderr, stdout, zkpor};
use serde_json::Value;
use std::path::{Path, PathBuf};
use zkpor::error::exit;

const SECRET: &str = "a test round secret of at least 32 bytes\n";

/// A snapshot folder written from text.
struct Snap {
    dir: tempfile::TempDir,
}

impl Snap {
    fn new(assets: &str, accounts: &str, reserves: &str) -> Snap {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            ("assets.csv", assets),
            ("accounts.csv", accounts),
            ("reserves.csv", reserves),
            ("secret", SECRET),
        ] {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        Snap { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `zkpor commit --json --tiers none` with `accounts` (a file name in the folder).
    fn commit(&self, accounts: &str) -> std::process::Output {
        let out = self.path(&format!("out-{accounts}"));
        zkpor(&[
            "commit",
            "--accounts",
            s(&self.path(accounts)),
            "--assets",
            s(&self.path("assets.csv")),
            "--reserves",
            s(&self.path("reserves.csv")),
            "--secret",
            s(&self.path("secret")),
            "--out",
            s(&out),
            "--json",
            "--quiet",
            "--tiers",
            "none",
        ])
    }

    fn summary(&self, accounts: &str) -> Value {
        let o = self.commit(accounts);
        assert!(o.status.success(), "{accounts}: {}", stderr(&o));
        serde_json::from_str(&stdout(&o)).unwrap()
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).unwrap();
    }
}

const ASSETS: &str = "symbol,decimals,price_usd\nBTC,8,100\nUSD,0,1.50\n";
const ACCOUNTS: &str = "user_id,BTC,USD\nalice,1.5,25\nbob,0.05,-2\ncarol,,3\n";
const RESERVES: &str = "symbol,amount\nBTC,2\nUSD,30\n";

/// Asserts a rejection with exit 3 whose message names `file:line` and `what`.
fn rejected(o: &std::process::Output, file: &str, line: u32, what: &str) {
    assert_eq!(o.status.code(), Some(exit::BAD_INPUT), "{}", stderr(o));
    let err = stderr(o);
    assert!(err.contains(&format!("{file}:{line}")), "{err}");
    assert!(err.contains(what), "{err}");
}

#[test]
fn spaces_and_tabs_around_any_cell_but_user_id_are_ignored() {
    let plain = Snap::new(ASSETS, ACCOUNTS, RESERVES);
    let want = plain.summary("accounts.csv");
    let spaced = Snap::new(
        "symbol , decimals , price_usd\n BTC ,\t8 , 100 \nUSD,0,1.50\t\n",
        "user_id, BTC ,USD\nalice, 1.5 ,\t25\nbob,0.05 , -2\ncarol, \t,3\n",
        "symbol,amount\n BTC , 2 \nUSD,\t30\n",
    );
    let got = spaced.summary("accounts.csv");
    assert_eq!(got["root"], want["root"]);
    assert_eq!(got["assets"], want["assets"], "price_usd is echoed trimmed");
    // user_id is verbatim: a space makes another user, so another root.
    let other = Snap::new(ASSETS, &ACCOUNTS.replace("alice", " alice"), RESERVES);
    assert_ne!(other.summary("accounts.csv")["root"], want["root"]);
    // Inside a value a space is an error, located.
    let inner = Snap::new(ASSETS, &ACCOUNTS.replace("1.5", "1 .5"), RESERVES);
    rejected(
        &inner.commit("accounts.csv"),
        "accounts.csv",
        2,
        "malformed number",
    );
}

#[test]
fn signs_are_for_balances_only() {
    let base = Snap::new(ASSETS, ACCOUNTS, RESERVES).summary("accounts.csv");
    // In a balance, + and -0 are plain numbers.
    let signed = Snap::new(
        ASSETS,
        "user_id,BTC,USD\nalice,+1.5,+25\nbob,+0.05,-2\ncarol,-0,3\n",
        RESERVES,
    );
    assert_eq!(signed.summary("accounts.csv")["root"], base["root"]);
    // A price or a reserve takes no sign at all.
    for (assets, reserves, file, line) in [
        (
            "symbol,decimals,price_usd\nBTC,8,+100\nUSD,0,1.50\n",
            RESERVES,
            "assets.csv",
            2,
        ),
        (
            "symbol,decimals,price_usd\nBTC,8,100\nUSD,0,-0\n",
            RESERVES,
            "assets.csv",
            3,
        ),
        (ASSETS, "symbol,amount\nBTC,+2\nUSD,30\n", "reserves.csv", 2),
        (ASSETS, "symbol,amount\nBTC,2\nUSD,-0\n", "reserves.csv", 3),
        (
            "symbol,decimals,price_usd\nBTC,+8,100\nUSD,0,1.50\n",
            RESERVES,
            "assets.csv",
            2,
        ),
    ] {
        let snap = Snap::new(assets, ACCOUNTS, reserves);
        let what = if assets.contains("+8") {
            "not a whole number"
        } else {
            "has a sign"
        };
        rejected(&snap.commit("accounts.csv"), file, line, what);
    }
}

#[test]
fn a_byte_order_mark_is_ignored_in_csv_and_json() {
    let snap = Snap::new(ASSETS, ACCOUNTS, RESERVES);
    let want = snap.summary("accounts.csv");
    snap.write("bom.csv", &[b"\xef\xbb\xbf", ACCOUNTS.as_bytes()].concat());
    assert_eq!(snap.summary("bom.csv")["root"], want["root"]);
    let okx = r#"[{"id":"alice","assets":{"BTC":"1.5","USD":"25"}},{"id":"bob","assets":{"BTC":"0.05","USD":"-2"}},{"id":"carol","assets":{"USD":3}}]"#;
    snap.write("plain.json", okx.as_bytes());
    snap.write("bom.json", &[b"\xef\xbb\xbf", okx.as_bytes()].concat());
    assert_eq!(snap.summary("plain.json")["root"], want["root"]);
    assert_eq!(snap.summary("bom.json")["root"], want["root"]);
}

#[test]
fn headers_and_symbols_are_case_sensitive() {
    let upper = Snap::new(ASSETS, &ACCOUNTS.replace("user_id", "User_ID"), RESERVES);
    rejected(
        &upper.commit("accounts.csv"),
        "accounts.csv",
        1,
        "expected 'user_id'",
    );
    let lower = Snap::new(ASSETS, &ACCOUNTS.replace("BTC", "btc"), RESERVES);
    rejected(
        &lower.commit("accounts.csv"),
        "accounts.csv",
        1,
        "unknown asset btc",
    );
}

#[test]
fn output_forms_of_summary_json() {
    // USD has 0 decimals: its amounts carry no point. An asset without a
    // reserves row has reserve 0, so owing anything makes it uncovered, and
    // the shortfall is exact at the asset's decimals.
    let snap = Snap::new(ASSETS, ACCOUNTS, "symbol,amount\nBTC,1.54999999\n");
    let o = snap.commit("accounts.csv");
    assert!(
        o.status.success(),
        "commit does not need coverage: {}",
        stderr(&o)
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let (btc, usd) = (&v["assets"][0], &v["assets"][1]);
    assert_eq!(usd["total_equity"], "28");
    assert_eq!(usd["total_debt"], "2");
    assert_eq!(usd["price_usd"], "1.50", "price_usd is verbatim");
    assert_eq!(usd["reserve"], "0");
    assert_eq!(usd["shortfall"], "26");
    assert_eq!(btc["total_equity"], "1.55000000");
    assert_eq!(btc["shortfall"], "0.00000001");
    assert_eq!(v["all_covered"], false);
    let keys: Vec<&str> = v["timings_ms"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["build_tree", "read_and_hash_leaves", "write_tree"]);
}

/// One user proof of the plain snapshot, and its root.
fn user_proof(snap: &Snap) -> (PathBuf, String) {
    let root = snap.summary("accounts.csv")["root"]
        .as_str()
        .unwrap()
        .to_string();
    let file = snap.path("alice.json");
    let o = zkpor(&[
        "user-proof",
        s(&snap.path("out-accounts.csv")),
        "--user",
        "alice",
        "--out",
        s(&file),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    (file, root)
}

#[test]
fn digests_are_read_in_either_case_and_written_in_lower_case() {
    let snap = Snap::new(ASSETS, ACCOUNTS, RESERVES);
    let (file, root) = user_proof(&snap);
    assert_eq!(root, root.to_lowercase());
    let check = |root: &str| zkpor(&["verify-user", s(&file), "--root", root]);
    for ok in [root.clone(), root.to_uppercase(), format!("0x{root}")] {
        let o = check(&ok);
        assert!(o.status.success(), "{ok}: {}{}", stdout(&o), stderr(&o));
    }
    // A sign is not a hex digit, though Rust's integer parser would take it.
    let signed = format!("+{}", &root[1..]);
    assert_eq!(check(&signed).status.code(), Some(exit::USAGE));
    let short = &root[..63];
    assert_eq!(check(short).status.code(), Some(exit::USAGE));
}

#[test]
fn verify_user_against_a_summary_checks_the_round_shape() {
    let snap = Snap::new(ASSETS, ACCOUNTS, RESERVES);
    let (file, _) = user_proof(&snap);
    let summary = snap.path("out-accounts.csv").join("summary.json");
    let ok = zkpor(&["verify-user", s(&file), "--summary", s(&summary)]);
    assert!(ok.status.success(), "{}{}", stdout(&ok), stderr(&ok));
    // Changing the decimals of an asset in the proof is a relabelling too.
    let mut p: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    p["balances"][1]["decimals"] = 2.into();
    p["balances"][1]["equity"] = "25.00".into();
    let bad = snap.path("bad.json");
    std::fs::write(&bad, serde_json::to_vec(&p).unwrap()).unwrap();
    let o = zkpor(&["verify-user", s(&bad), "--summary", s(&summary)]);
    assert_eq!(o.status.code(), Some(exit::VERIFY_FAILED), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("asset 1 is USD with 2 decimals"),
        "{}",
        stdout(&o)
    );
    let missing = zkpor(&[
        "verify-user",
        s(&file),
        "--summary",
        s(Path::new("/nonexistent.json")),
    ]);
    assert_eq!(missing.status.code(), Some(exit::IO));
}
