//! Myelin nn: layers, losses, optimisers, save/load and data handling.
//!
//! The [`data`] module loads and prepares tabular data sets (the embedded
//! [`data::digits`] set, CSV and IDX files), splits them reproducibly and
//! iterates over mini-batches. Every fallible function returns
//! [`Result`], whose error type is the crate-wide [`NnError`].

pub mod data;
pub mod error;

pub use error::{NnError, Result};
pub mod clip;
pub mod optim;
pub mod schedule;
pub mod serialize;

pub use clip::{clip_grad_norm, clip_grad_value};
pub use optim::Optimizer;
pub use schedule::LrScheduler;
pub mod functional;
pub mod init;
pub mod layers;
pub mod loss;
pub mod module;
pub mod train;

pub use module::Module;
/// `#[derive(Module)]` (see [`module::derive`]); imported together with the trait.
pub use myelin_derive::Module;

// Lets the derive's `::myelin_nn::…` paths resolve inside this crate too.
extern crate self as myelin_nn;

#[doc(hidden)]
pub mod __private {
    pub use crate::module::derive::{extend_prefixed, TensorField};
    pub use crate::module::{ForwardHook, HookHandle};
    pub use myelin_tensor::{Element, Tensor};
}
