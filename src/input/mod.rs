//! Readers for the snapshot files. Every problem carries file, line and column.

mod accounts_csv;
mod accounts_long;
mod assets;
mod csv_util;
mod okx;
mod position;
pub mod problem;

pub use accounts_csv::CsvAccounts;
pub use accounts_long::{LongAccounts, LONG_HEADER};
pub use assets::{read_assets, read_assets_from, read_reserves, read_reserves_from};
pub use okx::{list_files as okx_files, parse_okx, OkxAccounts};
pub use problem::{Problem, ProblemKind, Problems};

use crate::model::{Account, AssetTable, Position, UserId};
use accounts_long::is_long_header;
use csv_util::{csv_reader, open_file, record_error};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// An account and where it was read.
#[derive(Debug, Clone)]
pub struct SourcedAccount {
    pub file: Arc<str>,
    pub line: u64,
    pub account: Account,
}

impl SourcedAccount {
    /// The account read at `file:line`, or the problems found in its record.
    /// Every reader refuses an asset given twice before it gets here, so
    /// `Account::new` cannot fail on one.
    fn read(
        file: &Arc<str>,
        line: u64,
        id: UserId,
        positions: Vec<(u32, Position)>,
        problems: Vec<Problem>,
    ) -> Result<Self, Vec<Problem>> {
        if !problems.is_empty() {
            return Err(problems);
        }
        let account = Account::new(id, positions).map_err(|_| Vec::new())?;
        Ok(SourcedAccount {
            file: file.clone(),
            line,
            account,
        })
    }
}

/// A stream of accounts; each item is an account or the problems of one record.
pub type AccountStream = Box<dyn Iterator<Item = Result<SourcedAccount, Vec<Problem>>> + Send>;

/// Opens accounts: OKX JSON for a folder or a `.json` file, CSV otherwise.
pub fn open_accounts(path: &Path, assets: Arc<AssetTable>) -> Result<AccountStream, Vec<Problem>> {
    let is_json = path.is_dir()
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        Ok(Box::new(OkxAccounts::open(path, assets)?))
    } else {
        let input = open_file(path).map_err(|p| vec![p])?;
        csv_accounts(&path.display().to_string(), Box::new(input), assets)
    }
}

/// Reads CSV accounts from any byte source; `file` names it in every problem.
/// The header tells the forms apart: exactly `user_id,symbol,amount` is the
/// long form, anything else the wide form.
pub fn csv_accounts(
    file: &str,
    input: Box<dyn Read + Send>,
    assets: Arc<AssetTable>,
) -> Result<AccountStream, Vec<Problem>> {
    let file: Arc<str> = file.into();
    let mut reader = csv_reader(input);
    let header = reader
        .headers()
        .map_err(|e| vec![record_error(&file, &e)])?
        .clone();
    if is_long_header(&header) {
        let records = reader.into_records();
        Ok(Box::new(LongAccounts::new(file, records, assets)))
    } else {
        let wide = CsvAccounts::with_header(file, reader, &header, assets)?;
        Ok(Box::new(wide))
    }
}
