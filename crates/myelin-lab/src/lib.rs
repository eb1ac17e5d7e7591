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

pub mod critical;
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
pub use probe::{probe, probe_with, LayerStats, Precision, ProbeConfig, ProbeOptions, ProbeResult};
pub use theory::{
    chi_at_fixed_point, fixed_point_q, predict, predict_activation, MeanFieldPrediction, Regime,
};
