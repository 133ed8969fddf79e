//! `tree.bin`: every stored level of the account tree (see docs/FORMAT.md).

use super::binio::{
    at_byte, expect_header, invalid, read_digest, read_u32, read_u64, write_digest, write_u32,
    write_u64, Counted,
};
use crate::tree::{depth_for, AccountTree};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
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
    read_tree_from(BufReader::new(File::open(path)?))
}

/// Reads a tree from any byte source; errors name the byte offset they happened at.
pub fn read_tree_from<R: Read>(r: R) -> io::Result<AccountTree> {
    let mut r = Counted::new(r);
    expect_header(&mut r, MAGIC, VERSION)?;
    let depth = r.field(read_u32)?;
    let n = r.field(read_u64)?;
    if n == 0 || n > crate::model::bounds::MAX_USERS || depth != depth_for(n) {
        return Err(at_byte(
            12,
            invalid(format!(
                "tree header is inconsistent: {n} leaves at depth {depth}"
            )),
        ));
    }
    let pad_leaf = r.field(read_digest)?;
    let mut levels = Vec::with_capacity(depth as usize + 1);
    for level in 0..=depth {
        let count = n.div_ceil(1 << level) as usize;
        let nodes = (0..count)
            .map(|_| r.field(read_digest))
            .collect::<io::Result<Vec<_>>>()?;
        levels.push(nodes);
    }
    let end = r.pos();
    if !r.field(Counted::at_end)? {
        return Err(at_byte(
            end,
            invalid("trailing bytes after the last tree level"),
        ));
    }
    AccountTree::from_levels(levels, pad_leaf).map_err(|e| at_byte(12, invalid(e.to_string())))
}
