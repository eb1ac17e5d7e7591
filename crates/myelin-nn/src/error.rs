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

    /// A tensor operation failed.
    #[error(transparent)]
    Tensor(#[from] myelin_tensor::TensorError),

    /// An activation spec was invalid or could not be applied.
    #[error(transparent)]
    Activation(#[from] myelin_activations::ActivationError),

    /// A layer or loss got a tensor of the wrong shape.
    #[error("{op}: {detail}")]
    Shape {
        /// The layer or loss, e.g. `Linear(in_features=4, out_features=2)` or `mse_loss`.
        op: String,
        /// The shapes involved and what was expected.
        detail: String,
    },

    /// A class label is out of range for the number of classes.
    #[error("{op}: label {label} at position {position} is out of range for {classes} classes")]
    InvalidLabel {
        /// The loss or function that got the label.
        op: String,
        /// The offending label.
        label: usize,
        /// Its index in the batch.
        position: usize,
        /// The number of classes (valid labels are `0..classes`).
        classes: usize,
    },

    /// An initialiser name that is not known.
    #[error("unknown initialiser `{name}`; valid initialisers are: {valid}")]
    UnknownInit {
        /// The name as written.
        name: String,
        /// Comma-separated list of the accepted spellings.
        valid: String,
    },

    /// A known initialiser written with malformed or out-of-range arguments.
    #[error("invalid initialiser spec `{spec}`: {reason}")]
    InvalidInitSpec {
        /// The full spec as written.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A checkpoint (safetensors) file is unreadable, malformed, or does not match
    /// the tensors it is loaded into. Lists every problem found, not just the first.
    #[error("{}: {}", path.display(), problems.join("; "))]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// One line per problem (missing, unexpected or mismatched key, corrupt header…).
        problems: Vec<String>,
    },

    /// Gradient clipping found a NaN or infinite total gradient norm and was asked to
    /// treat that as an error.
    #[error("the total {norm_type}-norm of the gradients is non-finite ({norm}); set error_if_nonfinite = false to clip anyway")]
    NonFiniteGradNorm {
        /// The norm order used (`2.0`, `f64::INFINITY`, …).
        norm_type: f64,
        /// The non-finite total norm.
        norm: f64,
    },
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
