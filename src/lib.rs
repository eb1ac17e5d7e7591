#![doc = include_str!("../README.md")]
//!
//! This facade re-exports the workspace crates: [`tensor`], [`activations`], [`nn`] and
//! [`lab`].
pub use myelin_activations as activations;
pub use myelin_lab as lab;
pub use myelin_nn as nn;
pub use myelin_tensor as tensor;
