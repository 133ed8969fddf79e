//! OKX proof-of-reserves JSON: a file, or a folder of files, each holding
//! `[{"id": "<hex>", "assets": {"BTC": "-12.5", ...}}, ...]`.

use super::position::parse_position;
use super::problem::{Problem, ProblemKind};
use super::SourcedAccount;
use crate::model::{AssetTable, UserId};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Streams accounts file by file; each file is parsed whole, record by record.
pub struct OkxAccounts {
    files: std::vec::IntoIter<PathBuf>,
    pending: std::vec::IntoIter<Result<SourcedAccount, Vec<Problem>>>,
    assets: Arc<AssetTable>,
}

impl OkxAccounts {
    pub fn open(path: &Path, assets: Arc<AssetTable>) -> Result<Self, Vec<Problem>> {
        let files = list_files(path).map_err(|m| {
            vec![Problem::new(
                &path.display().to_string(),
                ProblemKind::Io,
                m,
            )]
        })?;
        if files.is_empty() {
            let p = Problem::new(
                &path.display().to_string(),
                ProblemKind::Empty,
                "folder holds no .json files",
            );
            return Err(vec![p]);
        }
        Ok(OkxAccounts {
            files: files.into_iter(),
            pending: Vec::new().into_iter(),
            assets,
        })
    }
}

/// The files an OKX accounts path is read from, in reading order.
pub fn list_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| format!("cannot list folder: {e}"))? {
        let p = entry
            .map_err(|e| format!("cannot list folder: {e}"))?
            .path();
        if p.extension().is_some_and(|e| e == "json") {
            files.push(p);
        }
    }
    // Sorted so that leaf order does not depend on the filesystem.
    files.sort();
    Ok(files)
}

impl Iterator for OkxAccounts {
    type Item = Result<SourcedAccount, Vec<Problem>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.pending.next() {
                return Some(item);
            }
            let path = self.files.next()?;
            self.pending = parse_file(&path, &self.assets).into_iter();
        }
    }
}

fn parse_file(path: &Path, assets: &AssetTable) -> Vec<Result<SourcedAccount, Vec<Problem>>> {
    let file = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => parse_okx(&file, &bytes, assets),
        Err(e) => vec![Err(vec![Problem::new(
            &file,
            ProblemKind::Io,
            format!("cannot read: {e}"),
        )])],
    }
}

/// Parses one OKX JSON file's bytes; `file` names it in every problem.
pub fn parse_okx(
    file: &str,
    bytes: &[u8],
    assets: &AssetTable,
) -> Vec<Result<SourcedAccount, Vec<Problem>>> {
    let file: Arc<str> = file.into();
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = 1 + count_lines(&bytes[..e.valid_up_to()]);
            return vec![Err(vec![Problem::new(
                &file,
                ProblemKind::Malformed,
                "the file is not valid UTF-8",
            )
            .at_line(line)])];
        }
    };
    // A UTF-8 byte-order mark, as some exporters write, is ignored (as in CSV).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match split_array(text) {
        Ok(records) => records
            .into_iter()
            .map(|(line, v)| parse_record(&file, line, &v, assets))
            .collect(),
        Err((line, msg)) => vec![Err(vec![
            Problem::new(&file, ProblemKind::Malformed, msg).at_line(line)
        ])],
    }
}

/// Splits a top-level JSON array into its elements with the line each starts on.
fn split_array(text: &str) -> Result<Vec<(u64, Value)>, (u64, String)> {
    let bytes = text.as_bytes();
    let mut pos = skip_ws(bytes, 0);
    let mut line = 1 + count_lines(&bytes[..pos]);
    if bytes.get(pos) != Some(&b'[') {
        return Err((line, "expected a JSON array of account records".to_string()));
    }
    pos += 1;
    let mut out = Vec::new();
    loop {
        let next = skip_ws(bytes, pos);
        line += count_lines(&bytes[pos..next]);
        pos = next;
        match bytes.get(pos) {
            Some(b']') if out.is_empty() => {
                pos += 1;
                break;
            }
            None => return Err((line, "unexpected end of file inside the array".to_string())),
            _ => {}
        }
        let mut stream = serde_json::Deserializer::from_str(&text[pos..]).into_iter::<Value>();
        let value = match stream.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err((line + e.line() as u64 - 1, format!("invalid JSON: {e}"))),
            None => return Err((line, "unexpected end of file inside the array".to_string())),
        };
        let end = pos + stream.byte_offset();
        out.push((line, value));
        line += count_lines(&bytes[pos..end]);
        let after = skip_ws(bytes, end);
        line += count_lines(&bytes[end..after]);
        pos = after + 1;
        match bytes.get(after) {
            Some(b',') => continue,
            Some(b']') => break,
            _ => {
                return Err((
                    line,
                    "expected ',' or ']' after an account record".to_string(),
                ))
            }
        }
    }
    if skip_ws(bytes, pos) != bytes.len() {
        return Err((line, "unexpected data after the array".to_string()));
    }
    Ok(out)
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
        pos += 1;
    }
    pos
}

fn count_lines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

fn parse_record(
    file: &Arc<str>,
    line: u64,
    v: &Value,
    assets: &AssetTable,
) -> Result<SourcedAccount, Vec<Problem>> {
    let bad = |kind, msg: String| Problem::new(file, kind, msg).at_line(line);
    let id = v.get("id").and_then(Value::as_str).ok_or_else(|| {
        vec![bad(
            ProblemKind::Malformed,
            "record has no string field \"id\"".to_string(),
        )]
    })?;
    let id = UserId::parse(id).map_err(|m| vec![bad(ProblemKind::Malformed, m)])?;
    let map = v.get("assets").and_then(Value::as_object).ok_or_else(|| {
        vec![bad(
            ProblemKind::Malformed,
            format!("user {id}: record has no object field \"assets\""),
        )]
    })?;
    let mut positions = Vec::new();
    let mut problems = Vec::new();
    for (symbol, amount) in map {
        let text = match amount {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => {
                problems.push(bad(
                    ProblemKind::Malformed,
                    format!("user {id}: {symbol} amount must be a string or number"),
                ));
                continue;
            }
        };
        let Some(i) = assets.position_of(symbol) else {
            problems.push(bad(
                ProblemKind::UnknownAsset,
                format!("user {id}: unknown asset {symbol}: it is not in assets.csv"),
            ));
            continue;
        };
        match parse_position(&text, assets.get(i)) {
            Ok(p) => positions.push((i as u32, p)),
            Err((kind, msg)) => problems.push(bad(kind, format!("user {id}: {msg}"))),
        }
    }
    // serde_json objects cannot hold a key twice, so assets are unique here.
    SourcedAccount::read(file, line, id, positions, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_array_reports_lines() {
        let text = "[\n {\"id\": \"a\"},\n\n {\"id\": \"b\"}\n]\n";
        let recs = split_array(text).unwrap();
        assert_eq!(recs.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 4]);
        assert_eq!(split_array("[]").unwrap().len(), 0);
        assert_eq!(split_array("[\n{\"id\":1},\n{oops}]").unwrap_err().0, 3);
        assert!(split_array("{}").is_err());
    }
}
