//! Assets, their decimals and committed prices.

use super::amount::{BoundError, Price};
use super::bounds::{MAX_DECIMALS, MAX_SYMBOL_BYTES, MAX_VALUE_SCALE};
use super::decimal::{pow10, Decimal};
use std::collections::HashMap;
use std::fmt;

/// A validated asset symbol: 1..=32 characters of `[A-Za-z0-9._-]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol(String);

impl Symbol {
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if text.is_empty() || text.len() > MAX_SYMBOL_BYTES || !text.chars().all(ok_char) {
            return Err(format!(
                "malformed asset symbol '{text}': expected 1 to {MAX_SYMBOL_BYTES} characters of A-Z, a-z, 0-9, '.', '_' or '-'"
            ));
        }
        Ok(Symbol(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One row of assets.csv before prices are committed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetSpec {
    pub symbol: Symbol,
    pub decimals: u32,
    /// The price as written, kept for reports.
    pub price_text: String,
    pub price: Decimal,
}

impl AssetSpec {
    pub fn new(symbol: Symbol, decimals: u32, price_text: &str) -> Result<Self, String> {
        if decimals > MAX_DECIMALS {
            return Err(format!(
                "decimals {decimals} is above the maximum {MAX_DECIMALS}"
            ));
        }
        let price_text = super::decimal::cell(price_text);
        let price = Decimal::parse_unsigned(price_text).map_err(|e| e.to_string())?;
        Ok(AssetSpec {
            symbol,
            decimals,
            price_text: price_text.to_string(),
            price,
        })
    }
}

/// An asset with its committed integer price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asset {
    pub spec: AssetSpec,
    pub price: Price,
}

impl Asset {
    pub fn symbol(&self) -> &Symbol {
        &self.spec.symbol
    }

    pub fn decimals(&self) -> u32 {
        self.spec.decimals
    }
}

/// Why a table of assets could not be committed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssetTableError {
    #[error("value scale {0} (decimals plus price fractional digits) is above the maximum {MAX_VALUE_SCALE}")]
    ScaleTooLarge(u32),
    #[error("asset {symbol}: {source}; lower its decimals or the precision of the prices")]
    PriceBound { symbol: String, source: BoundError },
}

/// The committed assets, in assets.csv order, which is the leaf order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetTable {
    assets: Vec<Asset>,
    value_scale: u32,
    index: HashMap<String, usize>,
}

impl AssetTable {
    /// Chooses the smallest value scale S that makes every price an integer
    /// number of 10^-S USD per amount unit, then commits each price at S.
    pub fn new(specs: Vec<AssetSpec>) -> Result<Self, AssetTableError> {
        let value_scale = specs
            .iter()
            .map(|s| s.decimals + s.price.scale())
            .max()
            .unwrap_or(0);
        if value_scale > MAX_VALUE_SCALE {
            return Err(AssetTableError::ScaleTooLarge(value_scale));
        }
        let assets = specs
            .into_iter()
            .map(|spec| commit_price(spec, value_scale))
            .collect::<Result<Vec<_>, _>>()?;
        let index = assets
            .iter()
            .enumerate()
            .map(|(i, a)| (a.symbol().as_str().to_string(), i))
            .collect();
        Ok(AssetTable {
            assets,
            value_scale,
            index,
        })
    }

    pub fn len(&self) -> usize {
        self.assets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.assets.is_empty()
    }

    pub fn assets(&self) -> &[Asset] {
        &self.assets
    }

    pub fn get(&self, i: usize) -> &Asset {
        &self.assets[i]
    }

    /// Value unit exponent: net values are in units of 10^-value_scale USD.
    pub fn value_scale(&self) -> u32 {
        self.value_scale
    }

    pub fn position_of(&self, symbol: &str) -> Option<usize> {
        self.index.get(symbol).copied()
    }
}

fn commit_price(spec: AssetSpec, value_scale: u32) -> Result<Asset, AssetTableError> {
    // price * 10^(S - decimals) is an integer because S >= decimals + price scale.
    let exp = value_scale - spec.decimals;
    let price_units = spec.price.magnitude_units(exp, &spec.price_text);
    let bound_err = |value| AssetTableError::PriceBound {
        symbol: spec.symbol.to_string(),
        source: BoundError {
            what: "committed price",
            value,
            bits: super::bounds::PRICE_BITS,
        },
    };
    let units = price_units.map_err(|_| bound_err(u128::MAX))?;
    let price = Price::new(units).map_err(|_| bound_err(units))?;
    debug_assert!(pow10(exp).is_some());
    Ok(Asset { spec, price })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(sym: &str, dec: u32, price: &str) -> AssetSpec {
        AssetSpec::new(Symbol::parse(sym).unwrap(), dec, price).unwrap()
    }

    #[test]
    fn value_scale_makes_all_prices_integral() {
        let t =
            AssetTable::new(vec![spec("BTC", 8, "91234.56"), spec("USDT", 6, "1.0002")]).unwrap();
        assert_eq!(t.value_scale(), 10);
        assert_eq!(t.get(0).price.units(), 9_123_456);
        assert_eq!(t.get(1).price.units(), 10_002);
    }

    #[test]
    fn price_over_bound_names_the_bound() {
        let err = AssetTable::new(vec![spec("BTC", 8, "90000"), spec("SHIB", 8, "0.00000812")])
            .unwrap_err();
        assert!(err.to_string().contains("2^32"), "{err}");
    }

    #[test]
    fn symbols_are_validated() {
        assert!(Symbol::parse("BTC").is_ok());
        assert!(Symbol::parse("").is_err());
        assert!(Symbol::parse("B TC").is_err());
    }
}
