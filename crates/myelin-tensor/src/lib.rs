//! # myelin-tensor
//!
//! N-dimensional `f32`/`f64` tensors with fast CPU kernels and tape-based reverse-mode
//! automatic differentiation (including higher-order gradients).
#![warn(missing_docs)]

mod element;
mod storage;

pub use element::{DType, Element};
#[doc(hidden)]
pub use storage::BufferPool;
