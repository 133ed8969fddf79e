//! Little-endian binary helpers shared by the artifact files.

use crate::digest::Digest;
use std::io::{self, Read, Write};

pub fn write_u16<W: Write>(w: &mut W, v: u16) -> io::Result<()> {
    w.write_all(&v.to_le_bytes())
}

pub fn write_u32<W: Write>(w: &mut W, v: u32) -> io::Result<()> {
    w.write_all(&v.to_le_bytes())
}

pub fn write_u64<W: Write>(w: &mut W, v: u64) -> io::Result<()> {
    w.write_all(&v.to_le_bytes())
}

pub fn write_digest<W: Write>(w: &mut W, d: &Digest) -> io::Result<()> {
    w.write_all(&d.to_bytes())
}

pub fn read_array<R: Read, const N: usize>(r: &mut R) -> io::Result<[u8; N]> {
    let mut b = [0u8; N];
    r.read_exact(&mut b)?;
    Ok(b)
}

pub fn read_u16<R: Read>(r: &mut R) -> io::Result<u16> {
    read_array(r).map(u16::from_le_bytes)
}

pub fn read_u32<R: Read>(r: &mut R) -> io::Result<u32> {
    read_array(r).map(u32::from_le_bytes)
}

pub fn read_u64<R: Read>(r: &mut R) -> io::Result<u64> {
    read_array(r).map(u64::from_le_bytes)
}

pub fn read_digest<R: Read>(r: &mut R) -> io::Result<Digest> {
    let b = read_array::<R, 32>(r)?;
    Digest::from_bytes(&b).map_err(|e| invalid(e.to_string()))
}

pub fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// Reads and checks an 8-byte magic and a u32 version.
pub fn expect_header<R: Read>(r: &mut R, magic: &[u8; 8], version: u32) -> io::Result<()> {
    let found: [u8; 8] = read_array(r)?;
    if &found != magic {
        return Err(invalid(format!(
            "not a {} file (bad magic)",
            String::from_utf8_lossy(magic).trim_end_matches('\0')
        )));
    }
    let v = read_u32(r)?;
    if v != version {
        return Err(invalid(format!(
            "unsupported version {v}, expected {version}"
        )));
    }
    Ok(())
}
