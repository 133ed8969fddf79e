//! `accounts.bin`: each user's id, nonce and positions in leaf order, so a
//! user's proof can be produced later without the input files (docs/FORMAT.md).

use super::binio::{at_byte, expect_header, invalid, read_array, read_digest, read_u16, read_u32};
use super::binio::{read_u64, Counted};
use super::binio::{write_digest, write_u16, write_u32, write_u64};
use crate::digest::Digest;
use crate::model::{Account, Amount, Position, UserId};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"ZKPACCT\0";
const VERSION: u32 = 1;
/// Offset of the user count, patched when writing finishes.
const COUNT_OFFSET: u64 = 16;

/// One stored record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAccount {
    pub account: Account,
    pub nonce: Digest,
}

/// Appends records in leaf order; `finish` patches the count and syncs.
pub struct AccountsWriter {
    w: BufWriter<File>,
    count: u64,
}

impl AccountsWriter {
    pub fn create(path: &Path, num_assets: usize) -> io::Result<Self> {
        let mut w = BufWriter::new(File::create(path)?);
        w.write_all(MAGIC)?;
        write_u32(&mut w, VERSION)?;
        write_u32(&mut w, num_assets as u32)?;
        write_u64(&mut w, 0)?;
        Ok(AccountsWriter { w, count: 0 })
    }

    pub fn append(&mut self, account: &Account, nonce: &Digest) -> io::Result<()> {
        let id = account.id().as_bytes();
        write_u16(&mut self.w, id.len() as u16)?;
        self.w.write_all(id)?;
        write_digest(&mut self.w, nonce)?;
        write_u16(&mut self.w, account.positions().len() as u16)?;
        for &(asset, p) in account.positions() {
            write_u16(&mut self.w, asset as u16)?;
            write_u64(&mut self.w, p.equity.units())?;
            write_u64(&mut self.w, p.debt.units())?;
        }
        self.count += 1;
        Ok(())
    }

    pub fn finish(self) -> io::Result<u64> {
        let mut file = self.w.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(COUNT_OFFSET))?;
        file.write_all(&self.count.to_le_bytes())?;
        file.sync_all()?;
        Ok(self.count)
    }
}

/// Bytes before the first record.
pub const HEADER_BYTES: u64 = 24;

/// Reads records in leaf order, from the file or from any seekable byte source.
pub struct AccountsReader<R = BufReader<File>> {
    r: R,
    num_assets: usize,
    count: u64,
    remaining: u64,
    /// Byte offset of the next record.
    offset: u64,
}

impl AccountsReader {
    pub fn open(path: &Path) -> io::Result<Self> {
        Self::from_reader(BufReader::new(File::open(path)?))
    }
}

impl<R: Read + Seek> AccountsReader<R> {
    /// Reads the header; errors name the byte offset they happened at.
    pub fn from_reader(r: R) -> io::Result<Self> {
        let mut r = Counted::new(r);
        expect_header(&mut r, MAGIC, VERSION)?;
        let num_assets = r.field(read_u32)? as usize;
        let count = r.field(read_u64)?;
        Ok(AccountsReader {
            r: r.into_inner(),
            num_assets,
            count,
            remaining: count,
            offset: HEADER_BYTES,
        })
    }

    pub fn num_assets(&self) -> usize {
        self.num_assets
    }

    /// Number of records in the file (not `count`: that would be `Iterator::count`).
    pub fn records(&self) -> u64 {
        self.count
    }

    /// Byte offset of the next record; with its record number it lets a later
    /// reader start there (`seek_to`) instead of reading everything before it.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Continues at record number `record`, which starts at byte `offset`.
    pub fn seek_to(&mut self, offset: u64, record: u64) -> io::Result<()> {
        if record > self.count || offset < HEADER_BYTES {
            return Err(invalid(format!(
                "record {record} at byte {offset} is outside the account store"
            )));
        }
        self.r.seek(SeekFrom::Start(offset))?;
        self.offset = offset;
        self.remaining = self.count - record;
        Ok(())
    }

    fn read_one(&mut self) -> io::Result<StoredAccount> {
        let id_len = read_u16(&mut self.r)? as usize;
        let mut id = vec![0u8; id_len];
        self.r.read_exact(&mut id)?;
        let id = String::from_utf8(id).map_err(|_| invalid("user id is not UTF-8"))?;
        let id = UserId::parse(&id).map_err(invalid)?;
        let nonce = read_digest(&mut self.r)?;
        let n = read_u16(&mut self.r)? as usize;
        let mut positions = Vec::with_capacity(n);
        for _ in 0..n {
            let asset = read_u16(&mut self.r)?;
            if usize::from(asset) >= self.num_assets {
                return Err(invalid(format!("asset index {asset} out of range")));
            }
            let equity = read_amount(&mut self.r)?;
            let debt = read_amount(&mut self.r)?;
            positions.push((u32::from(asset), Position { equity, debt }));
        }
        self.offset += (2 + id_len + 32 + 2 + 18 * n) as u64;
        let account =
            Account::new(id, positions).map_err(|a| invalid(format!("asset {a} stored twice")))?;
        Ok(StoredAccount { account, nonce })
    }
}

fn read_amount<R: Read>(r: &mut R) -> io::Result<Amount> {
    let units = u64::from_le_bytes(read_array(r)?);
    Amount::new(u128::from(units)).map_err(|e| invalid(e.to_string()))
}

impl<R: Read + Seek> Iterator for AccountsReader<R> {
    type Item = io::Result<StoredAccount>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let record = self.count - self.remaining - 1;
        let start = self.offset;
        Some(self.read_one().map_err(|e| {
            io::Error::new(e.kind(), format!("record {record}: {}", at_byte(start, e)))
        }))
    }
}
