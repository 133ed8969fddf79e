//! Readers for the snapshot files. Every problem carries file, line and column.

mod accounts_csv;
mod assets;
mod csv_util;
mod okx;
mod position;
pub mod problem;

pub use accounts_csv::CsvAccounts;
pub use assets::{read_assets, read_assets_from, read_reserves, read_reserves_from};
pub use okx::{list_files as okx_files, parse_okx, OkxAccounts};
pub use problem::{Problem, ProblemKind, Problems};

use crate::model::{Account, AssetTable};
use std::path::Path;
use std::sync::Arc;

/// An account and where it was read.
#[derive(Debug, Clone)]
pub struct SourcedAccount {
    pub file: Arc<str>,
    pub line: u64,
    pub account: Account,
}

/// A stream of accounts; each item is an account or the problems of one record.
pub type AccountStream = Box<dyn Iterator<Item = Result<SourcedAccount, Vec<Problem>>> + Send>;

/// Opens accounts: OKX JSON for a folder or a `.json` file, wide CSV otherwise.
pub fn open_accounts(path: &Path, assets: Arc<AssetTable>) -> Result<AccountStream, Vec<Problem>> {
    let is_json = path.is_dir()
        || path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        Ok(Box::new(OkxAccounts::open(path, assets)?))
    } else {
        Ok(Box::new(CsvAccounts::open(path, assets)?))
    }
}
