//! `tree.bin`: every stored level of the account tree (see docs/FORMAT.md).

use super::binio::{
    expect_header, invalid, read_digest, read_u32, read_u64, write_digest, write_u32, write_u64,
};
use crate::tree::{depth_for, AccountTree};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"ZKPTREE\0";
const VERSION: u32 = 1;

pub fn write_tree(path: &Path, tree: &AccountTree) -> io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    w.write_all(MAGIC)?;
    write_u32(&mut w, VERSION)?;
    write_u32(&mut w, tree.depth())?;
    write_u64(&mut w, tree.num_leaves())?;
    write_digest(&mut w, &tree.pad_leaf())?;
    for level in tree.levels() {
        for d in level {
            write_digest(&mut w, d)?;
        }
    }
    let file = w.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
}

pub fn read_tree(path: &Path) -> io::Result<AccountTree> {
    let mut r = BufReader::new(File::open(path)?);
    expect_header(&mut r, MAGIC, VERSION)?;
    let depth = read_u32(&mut r)?;
    let n = read_u64(&mut r)?;
    if n == 0 || n > crate::model::bounds::MAX_USERS || depth != depth_for(n) {
        return Err(invalid(format!(
            "tree header is inconsistent: {n} leaves at depth {depth}"
        )));
    }
    let pad_leaf = read_digest(&mut r)?;
    let mut levels = Vec::with_capacity(depth as usize + 1);
    for level in 0..=depth {
        let count = n.div_ceil(1 << level) as usize;
        let nodes = (0..count)
            .map(|_| read_digest(&mut r))
            .collect::<io::Result<Vec<_>>>()?;
        levels.push(nodes);
    }
    if r.fill_buf_is_nonempty()? {
        return Err(invalid("trailing bytes after the last tree level"));
    }
    AccountTree::from_levels(levels, pad_leaf).map_err(|e| invalid(e.to_string()))
}

trait AtEnd {
    fn fill_buf_is_nonempty(&mut self) -> io::Result<bool>;
}

impl<R: io::Read> AtEnd for BufReader<R> {
    fn fill_buf_is_nonempty(&mut self) -> io::Result<bool> {
        io::BufRead::fill_buf(self).map(|b| !b.is_empty())
    }
}
