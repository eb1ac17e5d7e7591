//! The single error type of this crate.

use myelin_tensor::TensorError;
use thiserror::Error;

/// Everything that can go wrong when describing or building an activation.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ActivationError {
    /// The activation name is not known.
    #[error("unknown activation `{name}`{suggestion}; valid names: {valid}")]
    UnknownName {
        /// The name as written.
        name: String,
        /// `", did you mean `x`?"` or empty when nothing is close.
        suggestion: String,
        /// Comma-separated list of the valid names.
        valid: String,
    },
    /// The spec text is not of the form `name` or `name(arg, key=value, ...)`.
    #[error("malformed activation spec `{spec}`: {reason}")]
    Syntax {
        /// The whole spec text.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An argument name that the activation does not accept.
    #[error("`{activation}` has no parameter `{argument}`; it accepts: {accepted}")]
    UnknownArgument {
        /// Canonical activation name.
        activation: String,
        /// The argument name as written.
        argument: String,
        /// The accepted parameter names (or `none`).
        accepted: String,
    },
    /// More positional arguments than parameters, or the same parameter given twice.
    #[error("`{activation}`: {reason}")]
    ArgumentCount {
        /// Canonical activation name.
        activation: String,
        /// Explanation, e.g. "takes at most 1 argument, got 2".
        reason: String,
    },
    /// A parameter whose value is not allowed.
    #[error("`{activation}`: invalid `{parameter}` = {value}: {reason}")]
    InvalidParameter {
        /// Canonical activation name.
        activation: String,
        /// Parameter name.
        parameter: String,
        /// The value as written or computed.
        value: String,
        /// Why it is not allowed.
        reason: String,
    },
    /// The operation needs an elementwise activation but got one that works along a dim.
    #[error("`{activation}` is not elementwise: it works along a dimension")]
    NotElementwise {
        /// Canonical activation spec.
        activation: String,
    },
    /// A learnable parameter that does not fit the activation or its input, e.g.
    /// `prelu: 3 weights for 8 channels`.
    #[error("{activation}: {detail}")]
    Parameter {
        /// Canonical activation name.
        activation: String,
        /// What does not fit.
        detail: String,
    },
    /// A user-defined activation expression that does not parse; `column` (1-based, in
    /// characters of `spec`) is where the problem is, `caret` a `^` under it.
    #[error("invalid activation expression at column {column}: {reason}\n  {spec}\n  {caret}")]
    Expression {
        /// The spec as written.
        spec: String,
        /// 1-based column in `spec`.
        column: usize,
        /// What is wrong there.
        reason: String,
        /// Spaces and a `^` under the column (aligned with `spec`).
        caret: String,
    },
    /// A custom activation that cannot be registered under this name.
    #[error("custom activation `{name}`: {reason}")]
    Custom {
        /// The name as given.
        name: String,
        /// Why not.
        reason: String,
    },
    /// A tensor operation failed (bad `dim`, shape mismatch, autograd error).
    #[error(transparent)]
    Tensor(#[from] TensorError),
}
