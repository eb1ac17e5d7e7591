//! The single error type of the gradient-flow laboratory.

use std::path::PathBuf;

/// Everything that can go wrong inside `myelin-lab`.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// An initialiser name that the lab does not know.
    #[error("unknown initialiser `{name}`; valid initialisers are: {valid}")]
    UnknownInit {
        /// The name as written by the user.
        name: String,
        /// Comma-separated list of the accepted spellings.
        valid: String,
    },

    /// A known initialiser written with malformed or out-of-range arguments.
    #[error("invalid initialiser spec `{spec}`: {reason}")]
    InvalidInitSpec {
        /// The full spec as written by the user.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Iterating the mean-field variance map did not settle on a finite fixed point.
    #[error("no finite variance fixed point for sigma_w^2 = {sigma_w2}: {reason}")]
    NoFixedPoint {
        /// The weight-variance parameter σ_w² = N·Var(W_ij).
        sigma_w2: f64,
        /// Why the iteration was abandoned.
        reason: String,
    },

    /// An activation has no edge of chaos (χ₁ = 1 at an attracting variance fixed point) at
    /// the requested bias variance.
    #[error("`{activation}` has no edge of chaos at sigma_b^2 = {sigma_b2}: {reason}")]
    NoEdgeOfChaos {
        /// The activation spec.
        activation: String,
        /// The bias variance asked for.
        sigma_b2: f64,
        /// Why no critical point exists.
        reason: String,
    },

    /// A plot was asked for with settings that cannot produce a chart.
    #[error("invalid plot configuration: {0}")]
    InvalidPlot(String),

    /// A plot had no finite (or, on a log axis, no positive) data point to draw.
    #[error("plot `{title}` has no drawable data: every point is non-finite or non-positive on a log axis")]
    NoFiniteData {
        /// Title of the chart that came out empty.
        title: String,
    },

    /// The plotting backend failed while rendering.
    #[error("failed to render plot `{title}`: {message}")]
    Render {
        /// Title of the chart being rendered.
        title: String,
        /// The backend's description of the failure.
        message: String,
    },

    /// A file-system operation failed.
    #[error("I/O error on `{path}`: {source}")]
    Io {
        /// The file the operation was about.
        path: PathBuf,
        /// The underlying operating-system error.
        #[source]
        source: std::io::Error,
    },

    /// A tensor operation failed.
    #[error(transparent)]
    Tensor(#[from] myelin_tensor::TensorError),

    /// A layer, initialiser, optimiser or data operation failed.
    #[error(transparent)]
    Nn(#[from] myelin_nn::NnError),

    /// An activation could not be parsed or applied.
    #[error(transparent)]
    Activation(#[from] myelin_activations::ActivationError),

    /// A probe or study was configured with values that cannot run.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),

    /// `myelin study merge` was given shards that do not make one study.
    #[error("cannot merge shards: {0}")]
    Merge(String),

    /// A study configuration file could not be parsed.
    #[error("cannot parse config file `{path}`: {message}")]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },

    /// JSON serialisation failed.
    #[error("JSON error: {0}")]
    Json(#[from] serde_json::Error),
}
