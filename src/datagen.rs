//! The synthetic snapshot generator: deterministic for a seed, streaming, and
//! integer-only so the same seed gives the same files on every machine.

use crate::artifacts::summary::AssetTotals;
use crate::error::{Error, Result};
use crate::model::bounds::{limit, AMOUNT_BITS};
use crate::model::decimal::pow10;
use crate::model::format_units;
use indicatif::ProgressBar;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// xoshiro256** seeded through SplitMix64: small, fast and fixed forever here.
pub struct Rng([u64; 4]);

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            mix64(x)
        };
        Rng([next(), next(), next(), next()])
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let out = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    /// Uniform in 0..n (n > 0); the bias of the modulo is below 2^-32 here.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability num/den.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }
}

/// SplitMix64's finaliser: a bijection on u64.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Output flavour of the accounts file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountsFormat {
    /// Wide CSV: one row per user, one column per asset.
    Csv,
    /// Long CSV: `user_id,symbol,amount`, one row per held position.
    Long,
    Okx,
}

pub struct GenConfig {
    pub users: u64,
    pub assets: usize,
    pub seed: u64,
    pub format: AccountsFormat,
    /// Every user holds every asset (OKX's data shape) instead of a few.
    pub dense: bool,
}

/// A generated asset: symbol, decimals, price as mantissa * 10^-price_scale.
struct GenAsset {
    symbol: String,
    decimals: u32,
    mantissa: u64,
    price_scale: u32,
}

/// All generated prices fit value scale 10: decimals + price digits <= 10.
const VALUE_SCALE: u32 = 10;

const KNOWN: &[(&str, u32, u64, u32)] = &[
    ("BTC", 8, 9_123_456, 2),
    ("ETH", 8, 321_045, 2),
    ("USDT", 6, 10_001, 4),
    ("USDC", 6, 9_999, 4),
    ("SOL", 6, 14_532, 2),
    ("XRP", 6, 5_213, 4),
    ("BNB", 8, 61_023, 2),
    ("DOGE", 6, 1_234, 4),
    ("ADA", 6, 4_512, 4),
    ("TRX", 6, 1_201, 4),
    ("TON", 6, 5_432, 3),
    ("AVAX", 8, 3_512, 2),
    ("SHIB", 2, 1_812, 8),
    ("DOT", 8, 721, 2),
    ("LINK", 8, 1_431, 2),
    ("POL", 6, 7_102, 4),
    ("LTC", 8, 8_250, 2),
    ("BCH", 8, 39_011, 2),
    ("UNI", 8, 791, 2),
    ("XLM", 6, 1_103, 4),
];

fn make_assets(n: usize, rng: &mut Rng) -> Vec<GenAsset> {
    (0..n)
        .map(|i| match KNOWN.get(i) {
            Some(&(s, d, m, p)) => GenAsset {
                symbol: s.to_string(),
                decimals: d,
                mantissa: m,
                price_scale: p,
            },
            None => {
                let decimals = [2, 4, 6, 8][rng.below(4) as usize];
                // Committed price = mantissa * 10^x < 9999 * 10^5 < 2^32.
                let x = rng.below(u64::from((VALUE_SCALE - decimals + 1).min(6))) as u32;
                let price_scale = VALUE_SCALE - decimals - x;
                let mantissa = 1 + rng.below(9_999);
                GenAsset {
                    symbol: format!("T{i:04}"),
                    decimals,
                    mantissa,
                    price_scale,
                }
            }
        })
        .collect()
}

impl GenAsset {
    /// Committed price at VALUE_SCALE: value units per amount unit.
    fn price_units(&self) -> u128 {
        u128::from(self.mantissa)
            * pow10(VALUE_SCALE - self.decimals - self.price_scale).unwrap_or(1)
    }

    fn price_text(&self) -> String {
        trim(format_units(u128::from(self.mantissa), self.price_scale))
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Writes accounts, assets.csv and reserves.csv into `dir`.
pub fn generate(cfg: &GenConfig, dir: &Path, progress: &ProgressBar) -> Result<()> {
    if cfg.users == 0 || cfg.assets == 0 {
        return Err(Error::Usage(
            "--users and --assets must be at least 1".to_string(),
        ));
    }
    std::fs::create_dir_all(dir).map_err(Error::io("cannot create", dir))?;
    let mut rng = Rng::new(cfg.seed);
    let assets = make_assets(cfg.assets, &mut rng);
    write_assets(&dir.join("assets.csv"), &assets)?;
    let totals = write_accounts(cfg, dir, &assets, &mut rng, progress)?;
    write_reserves(&dir.join("reserves.csv"), &assets, &totals, &mut rng)
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    File::create(path)
        .map(BufWriter::new)
        .map_err(Error::io("cannot create", path))
}

fn write_assets(path: &Path, assets: &[GenAsset]) -> Result<()> {
    let mut w = create(path)?;
    let mut text = String::from("symbol,decimals,price_usd\n");
    for a in assets {
        text += &format!("{},{},{}\n", a.symbol, a.decimals, a.price_text());
    }
    w.write_all(text.as_bytes())
        .and_then(|_| w.flush())
        .map_err(Error::io("cannot write", path))
}

/// One user's signed balances in units: every asset, each with a balance.
/// Debt comes as in `make_user`, netted into one asset's cell.
fn make_dense_user(rng: &mut Rng, assets: &[GenAsset]) -> Vec<(usize, i128)> {
    let mut out: Vec<(usize, i128)> = (0..assets.len())
        .map(|a| (a, units_for_value(rng, &assets[a]) as i128))
        .collect();
    if rng.chance(3, 100) {
        add_debt(rng, assets, &mut out);
    }
    out
}

/// One user's signed balances in units, sparse.
fn make_user(rng: &mut Rng, assets: &[GenAsset]) -> Vec<(usize, i128)> {
    let held =
        1 + [0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 4, 7][rng.below(12) as usize].min(assets.len() - 1);
    let mut out: Vec<(usize, i128)> = Vec::with_capacity(held + 1);
    while out.len() < held {
        let a = pick_asset(rng, assets.len(), &out);
        out.push((a, units_for_value(rng, &assets[a]) as i128));
    }
    if rng.chance(3, 100) {
        add_debt(rng, assets, &mut out);
    }
    out
}

/// An asset the user does not hold yet, skewed toward popular (low) indices.
fn pick_asset(rng: &mut Rng, n: usize, held: &[(usize, i128)]) -> usize {
    let free = |a: usize| held.iter().all(|&(b, _)| b != a);
    for _ in 0..64 {
        let u = rng.below(1 << 16);
        let a = ((n as u64 * u * u) >> 32) as usize;
        if free(a) {
            return a;
        }
    }
    // Only reached when nearly every asset is held: take the first free one.
    (0..n).find(|&a| free(a)).unwrap_or(0)
}

/// A heavy-tailed (Pareto, alpha = 1) USD value between $50 and ~$840M, in asset units.
fn units_for_value(rng: &mut Rng, asset: &GenAsset) -> u128 {
    let cents = 5_000 * (1u128 << 24) / (1 + u128::from(rng.below(1 << 24)));
    let value_units = cents * pow10(VALUE_SCALE - 2).unwrap_or(1);
    (value_units / asset.price_units().max(1)).clamp(1, limit(AMOUNT_BITS) - 1)
}

/// Borrows up to 80% of the user's collateral value in one asset.
fn add_debt(rng: &mut Rng, assets: &[GenAsset], user: &mut Vec<(usize, i128)>) {
    let collateral: i128 = user
        .iter()
        .map(|&(a, u)| u * assets[a].price_units() as i128)
        .sum();
    let a = rng.below(assets.len() as u64) as usize;
    let price = assets[a].price_units() as i128;
    let debt = collateral * (10 + rng.below(71) as i128) / 100 / price.max(1);
    if debt == 0 || price == 0 {
        return;
    }
    match user.iter_mut().find(|(b, _)| *b == a) {
        // Netting against a holding of the same asset keeps one signed cell.
        Some((_, u)) => *u -= debt,
        None => user.push((a, -debt)),
    }
}

fn user_id(seed: u64, i: u64) -> String {
    format!("{:016x}", mix64(mix64(seed) ^ i))
}

fn cell(units: i128, decimals: u32) -> String {
    let s = trim(format_units(units.unsigned_abs(), decimals));
    if units < 0 {
        format!("-{s}")
    } else {
        s
    }
}

fn write_accounts(
    cfg: &GenConfig,
    dir: &Path,
    assets: &[GenAsset],
    rng: &mut Rng,
    progress: &ProgressBar,
) -> Result<Vec<AssetTotals>> {
    let name = if cfg.format == AccountsFormat::Okx {
        "accounts.json"
    } else {
        "accounts.csv"
    };
    let path = dir.join(name);
    let mut w = create(&path)?;
    let mut totals = vec![AssetTotals::default(); assets.len()];
    let io = Error::io("cannot write", &path);
    let mut buf = String::new();
    buf += &match cfg.format {
        AccountsFormat::Csv => format!(
            "user_id,{}\n",
            assets
                .iter()
                .map(|a| a.symbol.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ),
        AccountsFormat::Long => "user_id,symbol,amount\n".to_string(),
        AccountsFormat::Okx => "[\n".to_string(),
    };
    for i in 0..cfg.users {
        let user = if cfg.dense {
            make_dense_user(rng, assets)
        } else {
            make_user(rng, assets)
        };
        for &(a, u) in &user {
            let t = &mut totals[a];
            if u >= 0 {
                t.equity += u as u128
            } else {
                t.debt += u.unsigned_abs()
            }
        }
        match cfg.format {
            AccountsFormat::Csv => csv_row(&mut buf, &user_id(cfg.seed, i), &user, assets),
            AccountsFormat::Long => long_rows(&mut buf, &user_id(cfg.seed, i), &user, assets),
            AccountsFormat::Okx => okx_record(
                &mut buf,
                &user_id(cfg.seed, i),
                &user,
                assets,
                i + 1 == cfg.users,
            ),
        }
        if buf.len() > 1 << 16 {
            w.write_all(buf.as_bytes())
                .map_err(Error::io("cannot write", &path))?;
            buf.clear();
        }
        progress.inc(1);
    }
    if cfg.format == AccountsFormat::Okx {
        buf += "]\n";
    }
    w.write_all(buf.as_bytes())
        .and_then(|_| w.flush())
        .map_err(io)?;
    progress.finish_and_clear();
    Ok(totals)
}

fn csv_row(buf: &mut String, id: &str, user: &[(usize, i128)], assets: &[GenAsset]) {
    let mut cells = vec![String::new(); assets.len()];
    for &(a, u) in user {
        cells[a] = cell(u, assets[a].decimals);
    }
    buf.push_str(id);
    for c in cells {
        buf.push(',');
        buf.push_str(&c);
    }
    buf.push('\n');
}

/// One row per position the user holds (every generated user holds at least one).
fn long_rows(buf: &mut String, id: &str, user: &[(usize, i128)], assets: &[GenAsset]) {
    for &(a, u) in user {
        let symbol = &assets[a].symbol;
        buf.push_str(&format!("{id},{symbol},{}\n", cell(u, assets[a].decimals)));
    }
}

fn okx_record(buf: &mut String, id: &str, user: &[(usize, i128)], assets: &[GenAsset], last: bool) {
    let fields: Vec<String> = user
        .iter()
        .map(|&(a, u)| {
            format!(
                "\"{}\": \"{}\"",
                assets[a].symbol,
                cell(u, assets[a].decimals)
            )
        })
        .collect();
    buf.push_str(&format!(
        "  {{\"id\": \"{id}\", \"assets\": {{{}}}}}",
        fields.join(", ")
    ));
    buf.push_str(if last { "\n" } else { ",\n" });
}

/// Reserves 2-10% above each asset's net liability (never negative).
fn write_reserves(
    path: &Path,
    assets: &[GenAsset],
    totals: &[AssetTotals],
    rng: &mut Rng,
) -> Result<()> {
    let mut text = String::from("symbol,amount\n");
    for (a, t) in assets.iter().zip(totals) {
        let net = t.equity.saturating_sub(t.debt);
        let reserve = net + net * u128::from(2 + rng.below(9)) / 100;
        text += &format!("{},{}\n", a.symbol, trim(format_units(reserve, a.decimals)));
    }
    let mut w = create(path)?;
    w.write_all(text.as_bytes())
        .and_then(|_| w.flush())
        .map_err(Error::io("cannot write", path))
}
