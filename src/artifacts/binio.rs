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

/// The same error, prefixed with the byte offset it happened at.
pub fn at_byte(offset: u64, e: io::Error) -> io::Error {
    let msg = if e.kind() == io::ErrorKind::UnexpectedEof {
        "the file ends early".to_string()
    } else {
        e.to_string()
    };
    io::Error::new(e.kind(), format!("at byte {offset}: {msg}"))
}

/// A reader that counts what it has read, so that errors can name an offset.
pub struct Counted<R> {
    inner: R,
    pos: u64,
}

impl<R: Read> Counted<R> {
    pub fn new(inner: R) -> Self {
        Counted { inner, pos: 0 }
    }

    /// Reads one field; an error names the byte offset the field starts at.
    pub fn field<T>(&mut self, f: impl FnOnce(&mut Self) -> io::Result<T>) -> io::Result<T> {
        let at = self.pos;
        f(self).map_err(|e| at_byte(at, e))
    }

    /// Bytes read so far.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// Whether the input has no byte left.
    pub fn at_end(&mut self) -> io::Result<bool> {
        let mut b = [0u8; 1];
        Ok(self.read(&mut b)? == 0)
    }

    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Reads and checks an 8-byte magic and a u32 version.
pub fn expect_header<R: Read>(r: &mut Counted<R>, magic: &[u8; 8], version: u32) -> io::Result<()> {
    let start = r.pos;
    let found: [u8; 8] = r.field(read_array)?;
    if &found != magic {
        return Err(at_byte(
            start,
            invalid(format!(
                "not a {} file (bad magic)",
                String::from_utf8_lossy(magic).trim_end_matches('\0')
            )),
        ));
    }
    let v = r.field(read_u32)?;
    if v != version {
        return Err(at_byte(
            start + 8,
            invalid(format!("unsupported version {v}, expected {version}")),
        ));
    }
    Ok(())
}
