//! Myelin lab: the gradient-flow laboratory.
//!
//! Measures and predicts how signals and gradients vanish or explode through deep stacks.
//!
//! * [`probe`]: one deep stack measured layer by layer, with the mean-field prediction.
//! * [`study`]: the whole comparison (signal propagation grid, training runs on the digits
//!   data, plots and a written report).
//! * [`theory`]: the mean-field predictions (Poole et al. 2016, Schoenholz et al. 2017).
//! * [`critical`]: the edge of chaos (critical initialisation) and depth scales;
//!   [`phase`]: ordered/chaotic phase diagrams.
//! * [`spectrum`]: singular values of the input–output Jacobian (dynamical isometry),
//!   with [`svd`]'s Jacobi solver; [`trainability`]: Schoenholz et al.'s trainable-depth map.
//! * [`plot`]: SVG charts; [`stats`]: overflow-safe norms and moments.
//!
//! **Your own activations.** Every part of the lab takes an activation spec, and a spec can
//! be a user-defined activation: `expr(<expression in x>)`, a name defined with
//! [`register_expr`] (or a study configuration's `[custom_activations]` table), or a Rust
//! [`UnaryFn`](myelin_tensor::UnaryFn) registered with [`register_activation`]. The theory,
//! the critical initialiser, the probe and the study then treat it like a built-in.
//!
//! ```
//! use myelin_lab::{critical::critical_point, probe, Precision, ProbeConfig};
//!
//! myelin_lab::register_expr("lab_doc_act", "tanh(x) + 0.1 * sin(x)").unwrap();
//! let activation = "lab_doc_act".parse().unwrap();
//! let edge = critical_point(&activation, 0.01).unwrap();
//! let result = probe(&ProbeConfig {
//!     activation,
//!     init: "xavier_normal(gain=critical)".parse().unwrap(),
//!     depth: 30,
//!     width: 64,
//!     batch: 32,
//!     seed: 0,
//!     precision: Precision::F64,
//!     bias_std: 0.1,
//! })
//! .unwrap();
//! assert!(edge.sigma_w2 > 1.0);
//! assert!(result.log10_grad_ratio.abs() < 0.5);
//! ```

pub mod critical;
pub mod csv;
pub mod error;
pub mod init_spec;
pub mod json_float;
pub mod phase;
pub mod plot;
pub mod probe;
pub mod spectrum;
pub mod stats;
pub mod study;
pub mod svd;
pub mod theory;
pub mod trainability;

pub use error::LabError;
pub use init_spec::{Gain, InitKind, InitSpec, WeightDistribution};
pub use myelin_activations::{register_activation, register_expr};
pub use probe::{probe, probe_with, LayerStats, Precision, ProbeConfig, ProbeOptions, ProbeResult};
pub use theory::{
    chi_at_fixed_point, fixed_point_q, predict, predict_activation, MeanFieldPrediction, Regime,
};
