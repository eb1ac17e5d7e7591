//! Raw loops with no autodiff and no tensors: elementwise maps, reductions, matrix
//! multiplication and indexing over slices and layouts. Ops in [`crate::ops`] call these
//! (tensor-level elementwise maps through `ops::map`) and record their backward.
//!
//! Crate-private; [`crate::simd`] re-exports the dispatch and elementwise loops for
//! crates that run fused kernels of their own at the same run-time-selected SIMD level.

pub(crate) mod conv;
pub(crate) mod dispatch;
pub(crate) mod elementwise;
pub(crate) mod im2col;
pub(crate) mod matmul;
pub(crate) mod pool;
pub(crate) mod reduce;
