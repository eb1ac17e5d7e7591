//! Raw loops with no autodiff: elementwise maps, reductions, matrix multiplication and
//! indexing. Ops in [`crate::ops`] call these and record their backward.
//!
//! The elementwise and dispatch modules are public so that crates built on the custom-op
//! API (the activations) can run their fused kernels through the same path as the
//! built-in ops, at the same run-time-selected SIMD level.

pub(crate) mod conv;
pub mod dispatch;
pub mod elementwise;
pub(crate) mod im2col;
pub(crate) mod matmul;
pub(crate) mod pool;
pub(crate) mod reduce;
