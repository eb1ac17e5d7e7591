//! Raw loops with no autodiff: elementwise maps, reductions, matrix multiplication and
//! indexing. Ops in [`crate::ops`] call these and record their backward.
//!
//! The elementwise module is public so that crates built on the custom-op API (the
//! activations) can run their fused kernels through the same path as the built-in ops.

pub mod elementwise;
pub(crate) mod matmul;
pub(crate) mod reduce;
pub(crate) mod conv;
pub(crate) mod im2col;
pub(crate) mod pool;
