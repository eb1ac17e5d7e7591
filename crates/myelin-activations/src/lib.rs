//! Myelin activations: the scalar mathematics of every activation function.
#![warn(missing_docs)]

pub mod error;
pub mod functions;
pub mod quadrature;

pub use error::ActivationError;
pub use quadrature::gaussian_expectation;
