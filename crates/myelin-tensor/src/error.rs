//! The one error type of the tensor crate.

use thiserror::Error;

/// Everything that can go wrong in a tensor operation or in autodiff.
///
/// Every variant names the operation and the shapes or values involved, so the message
/// alone tells a user what to fix.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum TensorError {
    /// Two shapes that an op needs to agree do not.
    #[error("{op}: shape mismatch: {detail}")]
    ShapeMismatch {
        /// The operation that failed.
        op: &'static str,
        /// What was expected and what was given.
        detail: String,
    },
    /// Shapes that cannot be broadcast together.
    #[error("{op}: shapes {lhs:?} and {rhs:?} cannot be broadcast together")]
    Broadcast {
        /// The operation that failed.
        op: &'static str,
        /// Left shape.
        lhs: Vec<usize>,
        /// Right shape.
        rhs: Vec<usize>,
    },
    /// A dimension index outside `-ndim..ndim`.
    #[error("{op}: dimension {dim} is out of range for a tensor with {ndim} dimensions")]
    DimOutOfRange {
        /// The operation that failed.
        op: &'static str,
        /// The dimension asked for.
        dim: isize,
        /// The tensor's rank.
        ndim: usize,
    },
    /// An index outside a dimension's extent.
    #[error("{op}: index {index} is out of range for dimension {dim} of size {size}")]
    IndexOutOfRange {
        /// The operation that failed.
        op: &'static str,
        /// The offending index.
        index: i64,
        /// The dimension indexed.
        dim: usize,
        /// The dimension's extent.
        size: usize,
    },
    /// The element count of a shape does not fit in `usize`, or its size in bytes
    /// exceeds the largest possible allocation (`isize::MAX` bytes).
    #[error("{op}: the size of shape {shape:?} overflows: {detail}")]
    SizeOverflow {
        /// The operation that failed.
        op: &'static str,
        /// The shape that overflowed.
        shape: Vec<usize>,
        /// Which limit was exceeded (element count or bytes).
        detail: String,
    },
    /// A value argument is invalid (for example a negative step count).
    #[error("{op}: invalid argument: {detail}")]
    InvalidArgument {
        /// The operation that failed.
        op: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// Autodiff used in a way it does not support.
    #[error("autograd: {0}")]
    Autograd(String),
    /// Anomaly mode found a non-finite gradient.
    #[error("anomaly: the backward of `{op}` produced a non-finite gradient (NaN or Inf) for its input {input} from finite upstream values{created}")]
    Anomaly {
        /// The op whose backward produced the bad gradient.
        op: String,
        /// Which input of the op.
        input: usize,
        /// Where the op was created (when known).
        created: String,
    },
    /// Anomaly mode found a non-finite gradient whose cause is a NaN or Inf that was
    /// already in the op's input during the forward pass (so the op's backward is not
    /// to blame: `origin` names where the value came from).
    #[error("anomaly: input {input} of `{op}` ({origin}) already held NaN or Inf in the forward pass, so the gradient `{op}`'s backward computed for it is non-finite; the bad value comes from that input, not from `{op}`{created}")]
    NonFiniteInput {
        /// The op whose input held the bad value.
        op: String,
        /// Which input of the op.
        input: usize,
        /// The input: a leaf of some shape, or the output of the op that produced it.
        origin: String,
        /// Where the op was created (when known).
        created: String,
    },
    /// A gradient check failed.
    #[error("gradcheck: {0}")]
    GradCheck(String),
}

/// The result type of the tensor crate.
pub type Result<T, E = TensorError> = std::result::Result<T, E>;

/// The panicking form of a `try_` op: the value, or a panic whose message is the error's
/// `Display` (so `x` and `try_x` report a failure in the same words).
#[track_caller]
pub(crate) fn or_panic<V>(result: Result<V>) -> V {
    match result {
        Ok(value) => value,
        Err(e) => panic!("{e}"),
    }
}
