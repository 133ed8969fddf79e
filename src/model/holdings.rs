//! A user's held positions in format version 2: only the assets with a
//! non-zero equity or debt, by asset index, strictly increasing.

use super::Position;

/// Why a list of positions is not a user's holdings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoldingsError {
    #[error("asset index {index} is not below the {assets} listed assets")]
    IndexOutOfRange { index: u32, assets: usize },
    #[error("asset index {index} follows {previous}: indices must strictly increase")]
    NotIncreasing { previous: u32, index: u32 },
}

/// Positions `(asset index, position)` with indices strictly increasing and
/// below the asset count: the only shape the v2 leaf and circuits accept.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Holdings(Vec<(u32, Position)>);

impl Holdings {
    /// Checks order and range, and drops zero positions: a user holds an
    /// asset only where equity or debt is non-zero (docs/FORMAT.md §12), so
    /// one balance sheet has one leaf.
    pub fn new(positions: Vec<(u32, Position)>, num_assets: usize) -> Result<Self, HoldingsError> {
        let mut previous: Option<u32> = None;
        for &(index, _) in &positions {
            if index as usize >= num_assets {
                return Err(HoldingsError::IndexOutOfRange {
                    index,
                    assets: num_assets,
                });
            }
            if let Some(p) = previous.filter(|&p| p >= index) {
                return Err(HoldingsError::NotIncreasing { previous: p, index });
            }
            previous = Some(index);
        }
        Ok(Holdings(
            positions
                .into_iter()
                .filter(|(_, p)| !p.is_zero())
                .collect(),
        ))
    }

    /// The non-zero positions of a dense list, in asset order.
    pub fn from_dense(dense: &[Position]) -> Self {
        Holdings(
            dense
                .iter()
                .enumerate()
                .filter(|(_, p)| !p.is_zero())
                .map(|(a, p)| (a as u32, *p))
                .collect(),
        )
    }

    pub fn positions(&self) -> &[(u32, Position)] {
        &self.0
    }

    /// The dense list over `num_assets` assets: the asset count the
    /// holdings were checked against (an index past it is left out).
    pub fn dense(&self, num_assets: usize) -> Vec<Position> {
        let mut out = vec![Position::default(); num_assets];
        for &(a, p) in &self.0 {
            if let Some(slot) = out.get_mut(a as usize) {
                *slot = p;
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Amount;

    fn p(e: u128) -> Position {
        Position {
            equity: Amount::new(e).unwrap(),
            debt: Amount::new(0).unwrap(),
        }
    }

    #[test]
    fn order_and_range_are_checked() {
        assert!(Holdings::new(vec![(0, p(1)), (3, p(2))], 4).is_ok());
        assert_eq!(
            Holdings::new(vec![(3, p(1)), (3, p(2))], 4),
            Err(HoldingsError::NotIncreasing {
                previous: 3,
                index: 3
            })
        );
        assert!(Holdings::new(vec![(2, p(1)), (1, p(2))], 4).is_err());
        assert_eq!(
            Holdings::new(vec![(4, p(1))], 4),
            Err(HoldingsError::IndexOutOfRange {
                index: 4,
                assets: 4
            })
        );
        let zero = Holdings::new(vec![(0, p(0)), (2, p(3))], 4).unwrap();
        assert_eq!(zero.positions(), &[(2, p(3))]);
        let dense = [p(0), p(5), p(0), p(7)];
        let h = Holdings::from_dense(&dense);
        assert_eq!(h.positions(), &[(1, p(5)), (3, p(7))]);
    }
}
