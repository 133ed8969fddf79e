//! assets.csv (`symbol,decimals,price_usd`) and reserves.csv (`symbol,amount`).

use super::csv_util::{check_header, csv_reader, line_of, open_file, record_error};
use super::problem::{Problem, ProblemKind, Problems};
use crate::model::amount::check_bound;
use crate::model::bounds::{MAX_ASSETS, TOTAL_BITS};
use crate::model::decimal::cell;
use crate::model::{AssetSpec, AssetTable, Decimal, Symbol};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// Reads and commits assets.csv, or returns every problem found (up to the limit).
pub fn read_assets(path: &Path, max_problems: usize) -> Result<AssetTable, Problems> {
    let input = open_file(path).map_err(|p| one(p, max_problems))?;
    read_assets_from(&path.display().to_string(), input, max_problems)
}

/// `read_assets` from any byte source; `file` names it in every problem.
pub fn read_assets_from<R: Read>(
    file: &str,
    input: R,
    max_problems: usize,
) -> Result<AssetTable, Problems> {
    let mut problems = Problems::new(max_problems);
    let mut specs = Vec::new();
    let mut seen: HashMap<Symbol, u64> = HashMap::new();
    let mut reader = csv_reader(input);
    check_header(&mut reader, file, &["symbol", "decimals", "price_usd"])
        .map_err(|p| one(p, max_problems))?;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(record_error(file, &e));
                continue;
            }
        };
        let line = line_of(&record);
        let symbol = match Symbol::parse(cell(&record[0])) {
            Ok(s) => s,
            Err(m) => {
                problems.push(
                    Problem::new(file, ProblemKind::Malformed, m)
                        .at_line(line)
                        .at_column(0, "symbol"),
                );
                continue;
            }
        };
        // Checked before the rest of the row, so a duplicate of a bad row is still seen.
        if let Some(first) = seen.insert(symbol.clone(), line) {
            problems.push(dup_asset(file, line, &symbol, first));
            continue;
        }
        match parse_asset_row(file, line, symbol, &record) {
            Ok(spec) => specs.push(spec),
            Err(p) => problems.push(p),
        }
    }
    if specs.is_empty() && problems.is_empty() {
        problems.push(Problem::new(
            file,
            ProblemKind::Empty,
            "no assets: the file has a header but no rows",
        ));
    }
    if specs.len() > MAX_ASSETS {
        problems.push(Problem::new(
            file,
            ProblemKind::OutOfBound,
            format!(
                "{} assets is above the maximum of {MAX_ASSETS}",
                specs.len()
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    AssetTable::new(specs).map_err(|e| {
        one(
            Problem::new(file, ProblemKind::OutOfBound, e.to_string()),
            max_problems,
        )
    })
}

fn parse_asset_row(
    file: &str,
    line: u64,
    symbol: Symbol,
    r: &csv::StringRecord,
) -> Result<AssetSpec, Problem> {
    let at = |col: usize, name: &str, kind, msg: String| {
        Problem::new(file, kind, msg)
            .at_line(line)
            .at_column(col, name)
    };
    let text = cell(&r[1]);
    let decimals: u32 = text
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse().ok())
        .flatten()
        .ok_or_else(|| {
            at(
                1,
                "decimals",
                ProblemKind::Malformed,
                format!("decimals '{}' is not a whole number", &r[1]),
            )
        })?;
    AssetSpec::new(symbol, decimals, &r[2])
        .map_err(|m| at(2, "price_usd", ProblemKind::Malformed, m))
}

fn dup_asset(file: &str, line: u64, symbol: &Symbol, first: u64) -> Problem {
    Problem::new(
        file,
        ProblemKind::DuplicateAsset,
        format!("asset {symbol} is listed twice (first on line {first})"),
    )
    .at_line(line)
    .at_column(0, "symbol")
}

fn one(p: Problem, limit: usize) -> Problems {
    let mut ps = Problems::new(limit);
    ps.push(p);
    ps
}

/// Reserve per asset in assets.csv order, in asset units; assets not listed hold 0.
pub fn read_reserves(
    path: &Path,
    assets: &AssetTable,
    max_problems: usize,
) -> Result<Vec<u64>, Problems> {
    let input = open_file(path).map_err(|p| one(p, max_problems))?;
    read_reserves_from(&path.display().to_string(), input, assets, max_problems)
}

/// `read_reserves` from any byte source; `file` names it in every problem.
pub fn read_reserves_from<R: Read>(
    file: &str,
    input: R,
    assets: &AssetTable,
    max_problems: usize,
) -> Result<Vec<u64>, Problems> {
    let mut problems = Problems::new(max_problems);
    let mut reserves = vec![0u64; assets.len()];
    let mut seen: HashMap<usize, u64> = HashMap::new();
    let mut reader = csv_reader(input);
    check_header(&mut reader, file, &["symbol", "amount"]).map_err(|p| one(p, max_problems))?;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(record_error(file, &e));
                continue;
            }
        };
        let line = line_of(&record);
        match parse_reserve_row(file, line, &record, assets) {
            Ok((i, amount)) => {
                if let Some(first) = seen.insert(i, line) {
                    let sym = assets.get(i).symbol();
                    problems.push(dup_asset(file, line, sym, first));
                }
                reserves[i] = amount;
            }
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() {
        Ok(reserves)
    } else {
        Err(problems)
    }
}

fn parse_reserve_row(
    file: &str,
    line: u64,
    r: &csv::StringRecord,
    assets: &AssetTable,
) -> Result<(usize, u64), Problem> {
    let at = |col: usize, name: &str, kind, msg: String| {
        Problem::new(file, kind, msg)
            .at_line(line)
            .at_column(col, name)
    };
    let symbol =
        Symbol::parse(cell(&r[0])).map_err(|m| at(0, "symbol", ProblemKind::Malformed, m))?;
    let i = assets.position_of(symbol.as_str()).ok_or_else(|| {
        at(
            0,
            "symbol",
            ProblemKind::UnknownAsset,
            format!("unknown asset {symbol}: it is not in assets.csv"),
        )
    })?;
    let decimals = assets.get(i).decimals();
    let text = cell(&r[1]);
    let units = Decimal::parse_unsigned(text)
        .and_then(|d| d.non_negative_units(decimals, text))
        .map_err(|e| at(1, "amount", ProblemKind::Malformed, e.to_string()))?;
    let amount = check_bound("reserve", units, TOTAL_BITS)
        .map_err(|e| at(1, "amount", ProblemKind::OutOfBound, e.to_string()))?;
    Ok((i, amount))
}
