//! # myelin-tensor
//!
//! N-dimensional `f32`/`f64` tensors with fast CPU kernels and tape-based reverse-mode
//! automatic differentiation, including higher-order gradients.
//!
//! ```
//! use myelin_tensor::{grad, Tensor};
//! // y = sum(tanh(W·x)), gradients with respect to W.
//! let w = Tensor::<f64>::from_vec(vec![0.5, -0.2, 0.1, 0.3], &[2, 2]).unwrap().requires_grad_(true);
//! let x = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2, 1]).unwrap();
//! let y = w.matmul(&x).tanh().sum();
//! y.backward().unwrap();
//! assert_eq!(w.grad().unwrap().shape(), &[2, 2]);
//! ```
//!
//! Layout: [`Tensor`] (the handle), `shape` (layouts and broadcasting), `kernels` (raw
//! loops over slices, crate-private; [`simd`] re-exports the few a crate building fused
//! kernels needs), `ops` (one file per op family, forward beside backward; `ops::map`
//! runs the elementwise loops over tensors), [`autograd`] (the graph, the iterative
//! backward engine, grad modes, the custom-op API, gradcheck).
#![warn(missing_docs)]

pub mod autograd;
mod by_dtype;
mod element;
mod error;
mod fastmath;
mod kernels;
mod ops;
mod random;
mod shape;
pub mod simd;
mod storage;
mod tensor;
mod tensor_display;

pub use autograd::custom::{BinaryFn, ClosureBinary, ClosureUnary, UnaryFn};
pub use autograd::engine::{grad, grad_with, BackwardOptions, GradOptions};
pub use autograd::grad_mode::{
    detect_anomaly, is_anomaly_enabled, is_grad_enabled, no_grad, set_grad_enabled, with_no_grad,
    AnomalyGuard, GradModeGuard,
};
pub use autograd::gradcheck::{
    gradcheck, gradcheck_params, gradgradcheck, gradgradcheck_params, GradCheckOptions,
};
pub use autograd::node::{live_nodes, live_nodes_on_this_thread, BackwardCtx, BackwardOp};
pub use by_dtype::TensorByDtype;
pub use element::{DType, Element};
pub use error::{Result, TensorError};
pub use ops::attention::{
    scaled_dot_product_attention, scaled_dot_product_attention_with_weights,
    try_scaled_dot_product_attention, try_scaled_dot_product_attention_with_weights, AttnMask,
    SdpaOptions,
};
pub use ops::conv::{
    Conv1dOptions, Conv2dOptions, ConvOptions, ConvTranspose2dOptions, Padding, Spatial,
};
pub use ops::fold::FoldOptions;
pub use ops::index_ranges::{IndexItem, IntoIndexItem, TensorIndex};
pub use ops::pad::PadMode;
pub use ops::pool::{
    AvgPool1dOptions, AvgPool2dOptions, AvgPoolOptions, MaxPool1dOptions, MaxPool2dOptions,
    MaxPoolOptions,
};
pub use ops::unary as unary_fns;
pub use random::seeded_rng;
pub use shape::broadcast_shapes;
#[doc(hidden)]
pub use storage::BufferPool;
pub use tensor::{GradHook, Tensor};
