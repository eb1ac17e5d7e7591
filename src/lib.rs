#![doc = include_str!("../README.md")]
//!
//! This facade re-exports the workspace crates: [`tensor`], [`activations`], [`nn`] and
//! [`lab`].
pub use myelin_activations as activations;
pub use myelin_lab as lab;
pub use myelin_nn as nn;
pub use myelin_tensor as tensor;

/// The Rust blocks of `docs/*.md`, compiled and run as doctests so a copied example
/// compiles (README.md is the crate documentation above, tested the same way).
#[cfg(doctest)]
mod docs {
    #[doc = include_str!("../docs/training.md")]
    mod training {}
    #[doc = include_str!("../docs/activations.md")]
    mod activations {}
    #[doc = include_str!("../docs/design.md")]
    mod design {}
    #[doc = include_str!("../docs/gradient-flow.md")]
    mod gradient_flow {}
}
