//! Validated domain types: amounts, prices, assets, accounts.

pub mod account;
pub mod amount;
pub mod asset;
pub mod bounds;
pub mod decimal;
pub mod holdings;

pub use account::{Account, UserId};
pub use amount::{Amount, BoundError, Position, Price};
pub use asset::{Asset, AssetSpec, AssetTable, Symbol};
pub use decimal::{format_units, Decimal, DecimalError};
pub use holdings::{Holdings, HoldingsError};
