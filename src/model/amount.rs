//! Bounded integer amounts in an asset's smallest committed unit.

use super::bounds::{limit, AMOUNT_BITS, PRICE_BITS};
use crate::field::F;
use plonky2::field::types::Field;

/// A value that broke one of the documented bit bounds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} is {value}, which is not below the bound 2^{bits}")]
pub struct BoundError {
    pub what: &'static str,
    pub value: u128,
    pub bits: u32,
}

/// Checks `value < 2^bits`.
pub fn check_bound(what: &'static str, value: u128, bits: u32) -> Result<u64, BoundError> {
    if value < limit(bits) && value <= u128::from(u64::MAX) {
        Ok(value as u64)
    } else {
        Err(BoundError { what, value, bits })
    }
}

/// A non-negative amount < 2^AMOUNT_BITS units of 10^-decimals of one asset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(u64);

impl Amount {
    pub const ZERO: Amount = Amount(0);

    pub fn new(units: u128) -> Result<Self, BoundError> {
        check_bound("amount", units, AMOUNT_BITS).map(Amount)
    }

    pub fn units(self) -> u64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn to_field(self) -> F {
        F::from_canonical_u64(self.0)
    }
}

/// A committed price: value units (10^-value_scale USD) per amount unit, < 2^PRICE_BITS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(u64);

impl Price {
    pub fn new(value_units: u128) -> Result<Self, BoundError> {
        check_bound("committed price", value_units, PRICE_BITS).map(Price)
    }

    pub fn units(self) -> u64 {
        self.0
    }
}

/// One asset's committed position for one user: both sides are non-negative.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Position {
    pub equity: Amount,
    pub debt: Amount,
}

impl Position {
    pub fn is_zero(&self) -> bool {
        self.equity.is_zero() && self.debt.is_zero()
    }

    /// Signed value of this position at `price`, in value units. Exact: |result| < 2^80.
    pub fn net_value(&self, price: Price) -> i128 {
        (i128::from(self.equity.units()) - i128::from(self.debt.units()))
            * i128::from(price.units())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_bound_is_exclusive() {
        assert!(Amount::new((1 << AMOUNT_BITS) - 1).is_ok());
        let err = Amount::new(1 << AMOUNT_BITS).unwrap_err();
        assert_eq!(err.bits, AMOUNT_BITS);
        assert!(err.to_string().contains("2^48"));
        assert!(Price::new(1 << PRICE_BITS).is_err());
    }
}
