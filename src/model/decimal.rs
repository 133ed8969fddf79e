//! Exact decimal text <-> integer units. No floating point anywhere.

use std::fmt;

/// Why a decimal string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("empty number")]
    Empty,
    #[error("malformed number '{0}': expected digits with an optional sign and one '.'")]
    Malformed(String),
    #[error("number '{0}' has too many digits to hold exactly")]
    TooLong(String),
    #[error("'{text}' has {found} fractional digits but this asset allows at most {allowed}")]
    TooPrecise {
        text: String,
        found: u32,
        allowed: u32,
    },
    #[error("'{0}' must not be negative")]
    Negative(String),
    #[error("'{0}' has a sign: this value is written without one")]
    Signed(String),
}

/// A CSV cell as zkpor reads it: spaces and tabs around it are ignored (every
/// cell but `user_id`, which is taken verbatim); inside a value they are invalid.
pub fn cell(text: &str) -> &str {
    text.trim_matches([' ', '\t'])
}

/// A parsed decimal: `(-1)^negative * mantissa * 10^-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    negative: bool,
    mantissa: u128,
    scale: u32,
}

impl Decimal {
    /// Parses an unsigned `digits[.digits]`, for values that cannot be
    /// negative (prices, reserves): a sign, even `+` or `-0`, is refused.
    pub fn parse_unsigned(text: &str) -> Result<Self, DecimalError> {
        if text.starts_with(['+', '-']) {
            return Err(DecimalError::Signed(text.to_string()));
        }
        Self::parse(text)
    }

    /// Parses `[+-]digits[.digits]`; at least one digit, no exponent, no spaces.
    pub fn parse(text: &str) -> Result<Self, DecimalError> {
        if text.is_empty() {
            return Err(DecimalError::Empty);
        }
        let malformed = || DecimalError::Malformed(text.to_string());
        let (negative, body) = match text.as_bytes()[0] {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (int_part, frac_part) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int_part.is_empty() && frac_part.is_empty()
            || !all_digits(int_part)
            || !all_digits(frac_part)
        {
            return Err(malformed());
        }
        // Trailing fractional zeros carry no value; dropping them keeps "1.50" valid
        // at one decimal without any rounding.
        let frac_part = frac_part.trim_end_matches('0');
        let mut mantissa: u128 = 0;
        for b in int_part.bytes().chain(frac_part.bytes()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(u128::from(b - b'0')))
                .ok_or_else(|| DecimalError::TooLong(text.to_string()))?;
        }
        Ok(Decimal {
            negative: negative && mantissa != 0,
            mantissa,
            scale: frac_part.len() as u32,
        })
    }

    /// Number of significant fractional digits.
    pub fn scale(&self) -> u32 {
        self.scale
    }

    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// The magnitude in units of 10^-decimals, failing if that would need rounding.
    pub fn magnitude_units(&self, decimals: u32, text: &str) -> Result<u128, DecimalError> {
        if self.scale > decimals {
            return Err(DecimalError::TooPrecise {
                text: text.to_string(),
                found: self.scale,
                allowed: decimals,
            });
        }
        pow10(decimals - self.scale)
            .and_then(|f| self.mantissa.checked_mul(f))
            .ok_or_else(|| DecimalError::TooLong(text.to_string()))
    }

    /// Units of 10^-decimals, rejecting negative values.
    pub fn non_negative_units(&self, decimals: u32, text: &str) -> Result<u128, DecimalError> {
        if self.negative {
            return Err(DecimalError::Negative(text.to_string()));
        }
        self.magnitude_units(decimals, text)
    }
}

/// 10^e as u128, or None past 10^38.
pub fn pow10(e: u32) -> Option<u128> {
    10u128.checked_pow(e)
}

/// Formats `units * 10^-decimals` exactly, with all `decimals` fractional digits.
pub fn format_units(units: u128, decimals: u32) -> String {
    UnitsDisplay { units, decimals }.to_string()
}

struct UnitsDisplay {
    units: u128,
    decimals: u32,
}

impl fmt::Display for UnitsDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.units.to_string();
        let d = self.decimals as usize;
        if d == 0 {
            return f.write_str(&digits);
        }
        let padded = format!("{digits:0>width$}", width = d + 1);
        let (int, frac) = padded.split_at(padded.len() - d);
        write!(f, "{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_scales_exactly() {
        let d = Decimal::parse("-0.5").unwrap();
        assert!(d.is_negative());
        assert_eq!(d.magnitude_units(8, "-0.5").unwrap(), 50_000_000);
        assert_eq!(
            Decimal::parse("1.50")
                .unwrap()
                .magnitude_units(1, "")
                .unwrap(),
            15
        );
        assert_eq!(
            Decimal::parse(".25")
                .unwrap()
                .magnitude_units(2, "")
                .unwrap(),
            25
        );
        assert_eq!(
            Decimal::parse("7.")
                .unwrap()
                .magnitude_units(0, "")
                .unwrap(),
            7
        );
        assert!(!Decimal::parse("-0.000").unwrap().is_negative());
    }

    #[test]
    fn rejects_malformed_and_too_precise() {
        for bad in [
            "", "-", ".", "1e5", "1.2.3", " 1", "1,5", "0x10", "--1", "NaN",
        ] {
            assert!(Decimal::parse(bad).is_err(), "{bad:?} accepted");
        }
        let err = Decimal::parse("0.123").unwrap().magnitude_units(2, "0.123");
        assert!(matches!(
            err,
            Err(DecimalError::TooPrecise {
                found: 3,
                allowed: 2,
                ..
            })
        ));
        assert!(Decimal::parse("1234567890123456789012345678901234567890").is_err());
    }

    #[test]
    fn formats_exactly() {
        assert_eq!(format_units(50_000_000, 8), "0.50000000");
        assert_eq!(format_units(123, 0), "123");
        assert_eq!(format_units(5, 3), "0.005");
        assert_eq!(format_units(12345, 2), "123.45");
    }
}
