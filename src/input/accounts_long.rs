//! Long-form accounts.csv: `user_id,symbol,amount`, one position per row, the
//! rows of one user contiguous. A 300-asset export needs three columns, not 301.

use super::csv_util::{line_of, record_error};
use super::position::parse_position;
use super::problem::{Problem, ProblemKind};
use super::SourcedAccount;
use crate::model::decimal::cell;
use crate::model::{AssetTable, Position, UserId};
use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

/// The header that marks a long-form file.
pub const LONG_HEADER: [&str; 3] = ["user_id", "symbol", "amount"];

type Records = csv::StringRecordsIntoIter<Box<dyn Read + Send>>;

/// Whether a CSV header is the long form's (cells compared as every header cell is).
pub fn is_long_header(header: &csv::StringRecord) -> bool {
    header.len() == LONG_HEADER.len() && header.iter().map(cell).eq(LONG_HEADER)
}

/// Streams accounts from a long-form CSV, one user's rows at a time.
pub struct LongAccounts {
    file: Arc<str>,
    records: Records,
    /// The row after the current user's, read to see where the user ends.
    next_row: Option<Result<csv::StringRecord, csv::Error>>,
    assets: Arc<AssetTable>,
}

impl LongAccounts {
    /// Takes a reader whose long-form header was already read.
    pub fn new(file: Arc<str>, records: Records, assets: Arc<AssetTable>) -> Self {
        LongAccounts {
            file,
            records,
            next_row: None,
            assets,
        }
    }

    fn read_row(&mut self) -> Option<Result<csv::StringRecord, csv::Error>> {
        self.next_row.take().or_else(|| self.records.next())
    }

    /// The rows of the user whose first row is `first`: they run until the
    /// user id changes, the file ends or a row does not parse as CSV.
    fn user_rows(&mut self, first: csv::StringRecord) -> Vec<csv::StringRecord> {
        let mut rows = vec![first];
        while let Some(row) = self.read_row() {
            match row {
                Ok(r) if r[0] == rows[0][0] => rows.push(r),
                other => {
                    self.next_row = Some(other);
                    break;
                }
            }
        }
        rows
    }

    fn parse_user(&self, rows: &[csv::StringRecord]) -> Result<SourcedAccount, Vec<Problem>> {
        let line = line_of(&rows[0]);
        let id = UserId::parse(&rows[0][0]).map_err(|m| {
            vec![Problem::new(&self.file, ProblemKind::Malformed, m)
                .at_line(line)
                .at_column(0, "user_id")]
        })?;
        let mut problems = Vec::new();
        let mut positions = Vec::with_capacity(rows.len());
        // Asset index -> the line that first gave it, for duplicate rows.
        let mut seen: HashMap<usize, u64> = HashMap::with_capacity(rows.len());
        for row in rows {
            match self.parse_position(&id, row, &mut seen) {
                Ok(p) => positions.push(p),
                Err(p) => problems.push(p),
            }
        }
        SourcedAccount::read(&self.file, line, id, positions, problems)
    }

    fn parse_position(
        &self,
        id: &UserId,
        row: &csv::StringRecord,
        seen: &mut HashMap<usize, u64>,
    ) -> Result<(u32, Position), Problem> {
        let line = line_of(row);
        let at = |col: usize, kind, msg: String| {
            Problem::new(&self.file, kind, format!("user {id}: {msg}"))
                .at_line(line)
                .at_column(col, LONG_HEADER[col])
        };
        let symbol = cell(&row[1]);
        let asset = self.assets.position_of(symbol).ok_or_else(|| {
            at(
                1,
                ProblemKind::UnknownAsset,
                format!("unknown asset {symbol}: it is not in assets.csv"),
            )
        })?;
        if let Some(&first) = seen.get(&asset) {
            return Err(at(
                1,
                ProblemKind::DuplicateAsset,
                format!("{symbol} appears twice for this user (first at line {first})"),
            ));
        }
        seen.insert(asset, line);
        parse_position(&row[2], self.assets.get(asset))
            .map(|p| (asset as u32, p))
            .map_err(|(kind, msg)| at(2, kind, msg))
    }
}

impl Iterator for LongAccounts {
    type Item = Result<SourcedAccount, Vec<Problem>>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.read_row()? {
            Ok(first) => {
                let rows = self.user_rows(first);
                self.parse_user(&rows)
            }
            Err(e) => Err(vec![record_error(&self.file, &e)]),
        })
    }
}
