//! Reverse-mode automatic differentiation.
//!
//! - [`node`]: the graph node that an op leaves behind (its backward and its inputs).
//! - [`engine`]: the iterative backward walk, `backward` and `grad`.
//! - [`grad_mode`]: `no_grad` and anomaly mode switches.
//! - [`custom`]: the public API for defining new differentiable ops.
//! - [`gradcheck`]: numerical gradient checking.

pub mod custom;
pub mod engine;
pub mod grad_mode;
pub mod gradcheck;
pub mod node;
