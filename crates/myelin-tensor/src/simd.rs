//! The slice-level kernel API: the run-time SIMD dispatch and the elementwise loops the
//! built-in ops use, for crates that write fused kernels of their own (the activations'
//! softmax rows) and for benchmarks. Everything here works on slices; tensors go through
//! the ops and the custom-op API ([`UnaryFn`](crate::UnaryFn), [`BinaryFn`](crate::BinaryFn)).
//!
//! ```
//! use myelin_tensor::simd::{map, simd_level};
//! let src = [1.0f32, -2.0, 3.0];
//! let mut dst = [0.0f32; 3];
//! map(&src, &mut dst, |x: f32| x * x);
//! assert_eq!(dst, [1.0, 4.0, 9.0]);
//! assert!(simd_level().is_supported());
//! ```

pub use crate::kernels::dispatch::{dispatch, set_simd_level, simd_level, Kernel, SimdLevel};
pub use crate::kernels::elementwise::{
    map, pooled_buffer, zip, zip3, Fn1, Fn2, Fn3, PARALLEL_THRESHOLD,
};
