//! One signed balance cell -> a committed position (equity or debt).

use super::problem::ProblemKind;
use crate::model::decimal::cell;
use crate::model::{Amount, Asset, Decimal, Position};

/// Parses a signed decimal amount of `asset`; a blank cell is zero.
pub fn parse_position(text: &str, asset: &Asset) -> Result<Position, (ProblemKind, String)> {
    let text = cell(text);
    if text.is_empty() {
        return Ok(Position::default());
    }
    let d = Decimal::parse(text).map_err(|e| (ProblemKind::Malformed, e.to_string()))?;
    let units = d
        .magnitude_units(asset.decimals(), text)
        .map_err(|e| (ProblemKind::Malformed, format!("{}: {e}", asset.symbol())))?;
    let amount = Amount::new(units)
        .map_err(|e| (ProblemKind::OutOfBound, format!("{}: {e}", asset.symbol())))?;
    Ok(if d.is_negative() {
        Position {
            equity: Amount::ZERO,
            debt: amount,
        }
    } else {
        Position {
            equity: amount,
            debt: Amount::ZERO,
        }
    })
}
