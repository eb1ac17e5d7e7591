//! Myelin lab: the gradient-flow laboratory.
//!
//! Measures and predicts how signals and gradients vanish or explode through deep stacks.

pub mod error;
pub mod init_spec;
pub mod plot;
pub mod theory;

pub use error::LabError;
pub use init_spec::{Gain, InitKind, InitSpec, WeightDistribution};
pub use theory::{chi_at_fixed_point, fixed_point_q, predict, MeanFieldPrediction, Regime};
