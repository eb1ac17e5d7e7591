//! Myelin lab: the gradient-flow laboratory.
//!
//! Measures and predicts how signals and gradients vanish or explode through deep stacks.

pub mod error;
pub mod init_spec;

pub use error::LabError;
pub use init_spec::{Gain, InitKind, InitSpec, WeightDistribution};
