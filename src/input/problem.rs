//! Input problems, located by file, line and column, collected up to a limit.

use std::fmt;

/// What kind of rule a problem broke; decides the exit code and lets tests match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// A number, symbol, id, header or record that does not parse.
    Malformed,
    /// An asset that assets.csv does not declare.
    UnknownAsset,
    /// An asset column or entry given twice.
    DuplicateAsset,
    /// A user id given twice.
    DuplicateUser,
    /// A file with no data.
    Empty,
    /// A value over a documented bound.
    OutOfBound,
    /// A user whose net value at the given prices is negative.
    Insolvent,
    /// The file could not be read.
    Io,
}

/// One located problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based line, when the problem has one.
    pub line: Option<u64>,
    /// Column as "N (name)", when the problem has one.
    pub column: Option<String>,
    pub kind: ProblemKind,
    pub message: String,
}

impl Problem {
    pub fn new(file: &str, kind: ProblemKind, message: impl Into<String>) -> Self {
        Problem {
            file: file.to_string(),
            line: None,
            column: None,
            kind,
            message: message.into(),
        }
    }

    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    /// Column by 1-based position and header name.
    pub fn at_column(mut self, index: usize, name: &str) -> Self {
        self.column = Some(format!("{} ({name})", index + 1));
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(col) = &self.column {
            write!(f, ": column {col}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Problems found so far, keeping the first `limit`.
#[derive(Debug, Clone)]
pub struct Problems {
    list: Vec<Problem>,
    limit: usize,
    more: bool,
}

impl Problems {
    pub fn new(limit: usize) -> Self {
        Problems {
            list: Vec::new(),
            limit: limit.max(1),
            more: false,
        }
    }

    pub fn push(&mut self, p: Problem) {
        if self.list.len() < self.limit {
            self.list.push(p);
        } else {
            self.more = true;
        }
    }

    pub fn extend(&mut self, ps: impl IntoIterator<Item = Problem>) {
        ps.into_iter().for_each(|p| self.push(p));
    }

    /// True once the limit is reached: readers stop early.
    pub fn is_full(&self) -> bool {
        self.list.len() >= self.limit
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn list(&self) -> &[Problem] {
        &self.list
    }

    /// Whether problems past the limit were dropped (or reading stopped early).
    pub fn truncated(&self) -> bool {
        self.more
    }

    pub fn mark_truncated(&mut self) {
        self.more = true;
    }

    /// Whether every problem is an insolvent user (exit code "insolvent user").
    pub fn only_insolvency(&self) -> bool {
        self.list.iter().all(|p| p.kind == ProblemKind::Insolvent)
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "input rejected: {} problem(s)", self.list.len())?;
        for p in &self.list {
            writeln!(f, "  {p}")?;
        }
        if self.more {
            writeln!(
                f,
                "  (stopped after the first {}; use --max-errors to see more)",
                self.limit
            )?;
        }
        Ok(())
    }
}
