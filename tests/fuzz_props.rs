//! A bounded, deterministic run of the fuzz targets' bodies (`zkpor::fuzzing`,
//! the same code `fuzz/` runs under libFuzzer): seeded random byte strings and
//! mutations of the seed files in `fuzz/seeds/<target>/`. A body panics when a
//! reader panics or gives an error that does not say where; each case runs
//! under `catch_unwind` and a failure names the target, the case and the input.
//! See docs/FUZZING.md.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use zkpor::fuzzing;

/// Cases per target: random strings and mutated seeds.
const CASES: usize = 50_000;

/// xorshift64*: small, fast and the same on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-enough in `0..n`; 0 when n is 0.
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Pieces that break parsers: separators, quotes, line ends, a BOM, signs,
/// exponents, multi-byte and invalid UTF-8, JSON punctuation and huge numbers.
const TOKENS: &[&[u8]] = &[
    b",",
    b"\"",
    b"\"\"",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xEF\xBB\xBF",
    "\u{e9}".as_bytes(),
    "\u{1d7d9}".as_bytes(),
    "\u{202e}".as_bytes(),
    b"\xff",
    b"\xc3",
    b"\0",
    b"-",
    b"+",
    b".",
    b"e5",
    b"E-3",
    b" ",
    b"\t",
    b"0x",
    b"0",
    b"99999999999999999999999999999999999999999",
    b"340282366920938463463374607431768211456",
    b"18446744073709551615",
    b"281474976710656",
    b"-0",
    b"[",
    b"]",
    b"{",
    b"}",
    b":",
    b"null",
    b"true",
    b"1e400",
    b"\"id\"",
    b"\"assets\"",
    b"\\u0000",
    b"\\ud800",
    b"user_id",
    b"symbol",
    b"amount",
    b"BTC",
    b"FOO",
];

/// Little-endian integers that sit on the edges of the binary headers' fields.
const EDGES: &[u64] = &[
    0,
    1,
    2,
    31,
    32,
    63,
    64,
    65,
    0xff,
    0xffff,
    0x1_0000,
    0xffff_ffff,
    1 << 32,
    (1 << 32) + 1,
    u64::MAX,
    0xffff_ffff_0000_0001,
];

const MAX_LEN: usize = 1 << 16;

fn random_input(rng: &mut Rng) -> Vec<u8> {
    let mut v = Vec::new();
    let parts = rng.below(24);
    for _ in 0..parts {
        if rng.below(2) == 0 {
            v.extend_from_slice(TOKENS[rng.below(TOKENS.len())]);
        } else {
            let n = 1 + rng.below(8);
            v.extend((0..n).map(|_| rng.next() as u8));
        }
    }
    v
}

fn mutate(rng: &mut Rng, seed: &[u8], seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(9) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.truncate(at),
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                v.splice(at..at, t.iter().copied());
            }
            3 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            4 => {
                let end = (at + 1 + rng.below(16)).min(v.len());
                v.drain(at..end);
            }
            5 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                v.truncate(at);
                v.extend_from_slice(&other[from..]);
            }
            6 if !v.is_empty() => {
                let start = rng.below(v.len());
                let end = (start + 1 + rng.below(64)).min(v.len());
                let chunk = v[start..end].to_vec();
                v.splice(at..at, chunk);
            }
            7 => {
                let e = EDGES[rng.below(EDGES.len())].to_le_bytes();
                let width = [1, 2, 4, 8][rng.below(4)];
                let end = (at + width).min(v.len());
                v.splice(at..end, e[..width].iter().copied());
            }
            _ => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let end = (at + t.len()).min(v.len());
                v.splice(at..end, t.iter().copied());
            }
        }
        v.truncate(MAX_LEN);
    }
    v
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let seeds: Vec<_> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// `input` as Rust byte-string text, short enough to read in a test log.
fn show(input: &[u8]) -> String {
    let text: String = input
        .iter()
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    if text.len() > 2000 {
        format!("{}... ({} bytes)", &text[..2000], input.len())
    } else {
        format!("b\"{text}\" ({} bytes)", input.len())
    }
}

/// Runs one case; a panic comes back as a report naming the case and its input.
fn run_case(target: &str, body: fn(&[u8]), case: &str, input: &[u8]) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| body(input))).map_err(|payload| {
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("(non-string panic)");
        format!("{target}: {case} panicked: {msg}\n  input: {}", show(input))
    })
}

fn body(target: &str) -> fn(&[u8]) {
    fuzzing::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap_or_else(|| panic!("no fuzz body named {target}"))
        .1
}

fn run_target(target: &str) {
    let body = body(target);
    let seeds = seeds(target);
    // One seed per target name, so that the targets do not all see the same inputs.
    let mut rng = Rng::new(target.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }));
    for (i, s) in seeds.iter().enumerate() {
        run_case(target, body, &format!("seed {i}"), s).unwrap_or_else(|m| panic!("{m}"));
    }
    for case in 0..CASES {
        let input = if case % 4 == 0 {
            random_input(&mut rng)
        } else {
            let s = &seeds[rng.below(seeds.len())];
            mutate(&mut rng, s, &seeds)
        };
        run_case(target, body, &format!("case {case}"), &input).unwrap_or_else(|m| panic!("{m}"));
    }
}

macro_rules! fuzz_test {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run_target(stringify!($name));
            }
        )*
    };
}

fuzz_test!(
    accounts_csv,
    okx_json,
    assets_csv,
    reserves_csv,
    decimal,
    secret,
    user_proof_json,
    tree_bin,
    accounts_bin,
);

#[test]
fn every_body_has_a_test_and_seeds() {
    for (name, _) in fuzzing::TARGETS {
        assert!(!seeds(name).is_empty());
    }
    assert_eq!(fuzzing::TARGETS.len(), 9);
}

#[test]
fn a_panicking_body_is_reported_with_its_input() {
    fn boom(data: &[u8]) {
        assert!(data.is_empty(), "not empty");
    }
    assert!(run_case("boom", boom, "case 0", b"").is_ok());
    let report = run_case("boom", boom, "case 1", b"a,\"\n\xff").unwrap_err();
    assert!(
        report.contains("boom: case 1 panicked: not empty"),
        "{report}"
    );
    assert!(report.contains(r#"b"a,\"\n\xff" (5 bytes)"#), "{report}");
}

/// Inputs the fuzzers found (docs/FUZZING.md); each once broke its reader.
const REGRESSIONS: &[(&str, &[u8])] = &[];

#[test]
fn regressions() {
    for (i, (target, input)) in REGRESSIONS.iter().enumerate() {
        run_case(target, body(target), &format!("regression {i}"), input)
            .unwrap_or_else(|m| panic!("{m}"));
    }
}
