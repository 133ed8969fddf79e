//! `batches.bin`: for each non-padding batch, where its first account starts in
//! `accounts.bin` and its per-asset totals. With it a shard seeks straight to
//! its batches, and every proof's expected public inputs, totals included, are
//! known without reading accounts (docs/FORMAT.md §10).

use crate::artifacts::binio::{
    expect_header, invalid, read_u32, read_u64, write_u32, write_u64, Counted,
};
use crate::artifacts::AccountsReader;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::Path;

const MAGIC: &[u8; 8] = b"ZKPBATCH";
const VERSION: u32 = 1;
const HEADER: u64 = 28;

/// Writes the index of `accounts` cut into batches of `batch_size` users.
pub fn write(accounts: &Path, batch_size: usize, out: &Path) -> io::Result<u64> {
    let mut reader = AccountsReader::open(accounts)?;
    let num_assets = reader.num_assets();
    let batches = reader.records().div_ceil(batch_size as u64);
    let mut w = BufWriter::new(File::create(out)?);
    w.write_all(MAGIC)?;
    write_u32(&mut w, VERSION)?;
    write_u32(&mut w, batch_size as u32)?;
    write_u32(&mut w, num_assets as u32)?;
    write_u64(&mut w, batches)?;
    for _ in 0..batches {
        let offset = reader.offset();
        let mut totals = vec![(0u64, 0u64); num_assets];
        for rec in reader.by_ref().take(batch_size) {
            for &(a, p) in rec?.account.positions() {
                let t = &mut totals[a as usize];
                // A batch sums at most 2^14 amounts below 2^48.
                t.0 += p.equity.units();
                t.1 += p.debt.units();
            }
        }
        write_u64(&mut w, offset)?;
        for (e, d) in totals {
            write_u64(&mut w, e)?;
            write_u64(&mut w, d)?;
        }
    }
    let file = w.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(batches)
}

/// Random access to a batch index.
pub struct BatchIndex {
    file: File,
    pub batch_size: usize,
    pub num_assets: usize,
    pub batches: u64,
}

impl BatchIndex {
    pub fn open(path: &Path) -> io::Result<Self> {
        let mut r = Counted::new(BufReader::new(File::open(path)?));
        expect_header(&mut r, MAGIC, VERSION)?;
        let batch_size = read_u32(&mut r)? as usize;
        let num_assets = read_u32(&mut r)? as usize;
        let batches = read_u64(&mut r)?;
        let file = r.into_inner().into_inner();
        let idx = BatchIndex {
            file,
            batch_size,
            num_assets,
            batches,
        };
        let want = HEADER + batches * idx.record_len();
        if idx.file.metadata()?.len() != want {
            return Err(invalid(format!(
                "batch index holds {} bytes, expected {want}",
                idx.file.metadata()?.len()
            )));
        }
        Ok(idx)
    }

    fn record_len(&self) -> u64 {
        8 + 16 * self.num_assets as u64
    }

    fn read(&self, range: Range<u64>) -> io::Result<Vec<u8>> {
        let len = self.record_len();
        let mut buf = vec![0u8; ((range.end - range.start) * len) as usize];
        self.file
            .read_exact_at(&mut buf, HEADER + range.start * len)?;
        Ok(buf)
    }

    /// Byte offset in accounts.bin of batch `batch`'s first record.
    pub fn offset(&self, batch: u64) -> io::Result<u64> {
        let b = self.read(batch..batch + 1)?;
        Ok(u64::from_le_bytes(b[..8].try_into().expect("8 bytes")))
    }

    /// Per-asset (equity, debt) totals over `range` of non-padding batches.
    pub fn totals(&self, range: Range<u64>) -> io::Result<Vec<(u64, u64)>> {
        let mut sums = vec![(0u128, 0u128); self.num_assets];
        // Bounded reads: a node high in the tree covers many batches.
        const CHUNK: u64 = 4096;
        let mut at = range.start;
        while at < range.end {
            let end = range.end.min(at + CHUNK);
            let buf = self.read(at..end)?;
            for rec in buf.chunks(self.record_len() as usize) {
                for (a, s) in sums.iter_mut().enumerate() {
                    let v = |o: usize| u64::from_le_bytes(rec[o..o + 8].try_into().expect("8"));
                    s.0 += u128::from(v(8 + 16 * a));
                    s.1 += u128::from(v(16 + 16 * a));
                }
            }
            at = end;
        }
        sums.into_iter()
            .map(|(e, d)| match (u64::try_from(e), u64::try_from(d)) {
                (Ok(e), Ok(d)) => Ok((e, d)),
                _ => Err(invalid("batch totals exceed 2^64")),
            })
            .collect()
    }
}
