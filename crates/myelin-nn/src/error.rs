//! The crate-wide error type, [`NnError`].

use std::fmt;
use std::path::PathBuf;

/// Every error the `myelin-nn` crate reports.
///
/// Errors about a file name the file and the place in it: a 1-based line
/// (and field) for text formats, a byte offset for binary ones.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NnError {
    /// The file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },

    /// A text (CSV) file is malformed.
    #[error("{}:{line}{}: {message}", path.display(), ColumnSuffix(*column))]
    Csv {
        /// The file (or a description such as `<embedded digits.csv.gz>`).
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// 1-based field (column) number, when the problem is in one field.
        column: Option<usize>,
        /// What was wrong.
        message: String,
    },

    /// A binary IDX file is malformed.
    #[error("{}: at byte offset {offset}: {message}", path.display())]
    Idx {
        /// The file that is malformed.
        path: PathBuf,
        /// Byte offset (in the decompressed stream for `.gz` files) of the problem.
        offset: u64,
        /// What was wrong.
        message: String,
    },

    /// A data set's parts are inconsistent with each other.
    #[error("invalid data set: {0}")]
    InvalidDataset(String),

    /// An argument is outside its valid range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

/// `Result` with [`NnError`] as the error type.
pub type Result<T, E = NnError> = std::result::Result<T, E>;

/// Formats an optional column as `:N` (or nothing).
struct ColumnSuffix(Option<usize>);

impl fmt::Display for ColumnSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(c) => write!(f, ":{c}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_error_names_file_line_and_column() {
        let e = NnError::Csv {
            path: PathBuf::from("a/b.csv"),
            line: 7,
            column: Some(3),
            message: "bad".into(),
        };
        assert_eq!(e.to_string(), "a/b.csv:7:3: bad");
        let e = NnError::Csv {
            path: PathBuf::from("a/b.csv"),
            line: 1,
            column: None,
            message: "empty file".into(),
        };
        assert_eq!(e.to_string(), "a/b.csv:1: empty file");
    }

    #[test]
    fn idx_error_names_offset() {
        let e = NnError::Idx {
            path: PathBuf::from("x.idx"),
            offset: 12,
            message: "truncated".into(),
        };
        assert_eq!(e.to_string(), "x.idx: at byte offset 12: truncated");
    }
}
