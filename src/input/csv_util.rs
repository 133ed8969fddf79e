//! Shared CSV plumbing: opening, header checks and error locations.

use super::problem::{Problem, ProblemKind};
use std::fs::File;
use std::path::Path;

pub fn open_file(path: &Path) -> Result<File, Problem> {
    File::open(path).map_err(|e| {
        Problem::new(
            &path.display().to_string(),
            ProblemKind::Io,
            format!("cannot open: {e}"),
        )
    })
}

/// A header-first CSV reader over any byte source.
pub fn csv_reader<R: std::io::Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input)
}

/// Checks that the header is exactly `expected`.
pub fn check_header<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    file: &str,
    expected: &[&str],
) -> Result<(), Problem> {
    let header = reader.headers().map_err(|e| record_error(file, &e))?;
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(Problem::new(
            file,
            ProblemKind::Empty,
            "the file is empty: expected a header line",
        )
        .at_line(1));
    }
    let found: Vec<&str> = header.iter().map(str::trim).collect();
    if found != expected {
        return Err(Problem::new(
            file,
            ProblemKind::Malformed,
            format!(
                "header is '{}', expected '{}'",
                found.join(","),
                expected.join(",")
            ),
        )
        .at_line(1));
    }
    Ok(())
}

pub fn line_of(record: &csv::StringRecord) -> u64 {
    record.position().map_or(0, |p| p.line())
}

/// A csv crate error as a located problem.
pub fn record_error(file: &str, e: &csv::Error) -> Problem {
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("row has {len} fields, expected {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "row is not valid UTF-8".to_string(),
        csv::ErrorKind::Io(err) => format!("read error: {err}"),
        _ => e.to_string(),
    };
    let p = Problem::new(file, ProblemKind::Malformed, message);
    match line {
        Some(l) => p.at_line(l),
        None => p,
    }
}
