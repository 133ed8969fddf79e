//! A user's account: id and per-asset positions.

use super::amount::Position;
use super::asset::AssetTable;
use super::bounds::MAX_USER_ID_BYTES;

/// A validated user id: 1..=128 bytes of UTF-8, taken verbatim.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(String);

impl UserId {
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("empty user id".to_string());
        }
        if text.len() > MAX_USER_ID_BYTES {
            return Err(format!(
                "user id is {} bytes, above the maximum of {MAX_USER_ID_BYTES}",
                text.len()
            ));
        }
        Ok(UserId(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One user's account. Positions are sparse, sorted by asset index, never zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    id: UserId,
    positions: Vec<(u32, Position)>,
}

impl Account {
    /// Builds an account; zero positions are dropped and the rest sorted.
    /// Returns the duplicated asset index if one appears twice.
    pub fn new(id: UserId, mut positions: Vec<(u32, Position)>) -> Result<Self, u32> {
        positions.retain(|(_, p)| !p.is_zero());
        positions.sort_by_key(|(a, _)| *a);
        if let Some(w) = positions.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(w[0].0);
        }
        Ok(Account { id, positions })
    }

    pub fn id(&self) -> &UserId {
        &self.id
    }

    pub fn positions(&self) -> &[(u32, Position)] {
        &self.positions
    }

    /// The dense position vector over all `num_assets` assets.
    pub fn dense(&self, num_assets: usize) -> Vec<Position> {
        let mut out = vec![Position::default(); num_assets];
        for &(a, p) in &self.positions {
            out[a as usize] = p;
        }
        out
    }

    /// Net value at the committed prices, in units of 10^-value_scale USD.
    pub fn net_value(&self, assets: &AssetTable) -> i128 {
        self.positions
            .iter()
            .map(|&(a, p)| p.net_value(assets.get(a as usize).price))
            .sum()
    }
}
