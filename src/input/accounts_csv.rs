//! Wide-format accounts.csv: `user_id,<SYM1>,<SYM2>,...`, one row per user.

use super::csv_util::{line_of, record_error};
use super::position::parse_position;
use super::problem::{Problem, ProblemKind};
use super::SourcedAccount;
use crate::model::decimal::cell;
use crate::model::{AssetTable, Symbol, UserId};
use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

/// Streams accounts from a wide CSV, one row at a time.
pub struct CsvAccounts {
    file: Arc<str>,
    records: csv::StringRecordsIntoIter<Box<dyn Read + Send>>,
    /// Asset index of each column after user_id.
    columns: Vec<usize>,
    names: Vec<String>,
    assets: Arc<AssetTable>,
}

impl CsvAccounts {
    /// Takes a reader whose header was already read, and checks that header
    /// against the assets.
    pub fn with_header(
        file: Arc<str>,
        reader: csv::Reader<Box<dyn Read + Send>>,
        header: &csv::StringRecord,
        assets: Arc<AssetTable>,
    ) -> Result<Self, Vec<Problem>> {
        let (columns, names) = map_header(&file, header, &assets)?;
        Ok(CsvAccounts {
            file,
            records: reader.into_records(),
            columns,
            names,
            assets,
        })
    }

    fn parse_row(&self, record: &csv::StringRecord) -> Result<SourcedAccount, Vec<Problem>> {
        let line = line_of(record);
        let mut problems = Vec::new();
        let id = UserId::parse(&record[0]).map_err(|m| {
            vec![Problem::new(&self.file, ProblemKind::Malformed, m)
                .at_line(line)
                .at_column(0, "user_id")]
        })?;
        let mut positions = Vec::new();
        for (col, &asset) in self.columns.iter().enumerate() {
            match parse_position(&record[col + 1], self.assets.get(asset)) {
                Ok(p) => positions.push((asset as u32, p)),
                Err((kind, msg)) => problems.push(
                    Problem::new(&self.file, kind, msg)
                        .at_line(line)
                        .at_column(col + 1, &self.names[col]),
                ),
            }
        }
        // Columns were checked for duplicates.
        SourcedAccount::read(&self.file, line, id, positions, problems)
    }
}

fn map_header(
    file: &str,
    header: &csv::StringRecord,
    assets: &AssetTable,
) -> Result<(Vec<usize>, Vec<String>), Vec<Problem>> {
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(vec![Problem::new(
            file,
            ProblemKind::Empty,
            "the file is empty: expected a header line",
        )
        .at_line(1)]);
    }
    let mut problems = Vec::new();
    if cell(&header[0]) != "user_id" {
        problems.push(
            Problem::new(
                file,
                ProblemKind::Malformed,
                format!("first column is '{}', expected 'user_id'", &header[0]),
            )
            .at_line(1)
            .at_column(0, &header[0]),
        );
    }
    let mut columns = Vec::new();
    let mut names = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (col, name) in header.iter().enumerate().skip(1) {
        let name = cell(name);
        let at = |kind, msg: String| {
            Problem::new(file, kind, msg)
                .at_line(1)
                .at_column(col, name)
        };
        if let Err(m) = Symbol::parse(name) {
            problems.push(at(ProblemKind::Malformed, m));
        } else if let Some(first) = seen.insert(name, col) {
            problems.push(at(
                ProblemKind::DuplicateAsset,
                format!(
                    "asset column {name} appears twice (first as column {})",
                    first + 1
                ),
            ));
        } else if let Some(i) = assets.position_of(name) {
            columns.push(i);
            names.push(name.to_string());
        } else {
            problems.push(at(
                ProblemKind::UnknownAsset,
                format!("unknown asset {name}: it is not in assets.csv"),
            ));
        }
    }
    if problems.is_empty() {
        Ok((columns, names))
    } else {
        Err(problems)
    }
}

impl Iterator for CsvAccounts {
    type Item = Result<SourcedAccount, Vec<Problem>>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = self.records.next()?;
        Some(match record {
            Ok(r) => self.parse_row(&r),
            Err(e) => Err(vec![record_error(&self.file, &e)]),
        })
    }
}
