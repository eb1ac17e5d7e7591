//! Myelin: a deep-learning engine in Rust with a gradient-flow laboratory.
//!
//! This facade re-exports the workspace crates.
pub use myelin_activations as activations;
pub use myelin_lab as lab;
pub use myelin_nn as nn;
pub use myelin_tensor as tensor;
