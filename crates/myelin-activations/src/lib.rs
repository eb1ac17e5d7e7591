//! Myelin activations: the scalar mathematics of every activation function.
#![warn(missing_docs)]

pub mod error;
pub mod evaluate;
pub mod functions;
pub mod quadrature;
pub mod spec;

pub use error::ActivationError;
pub use evaluate::LearnableParameter;
pub use functions::step::Surrogate;
pub use quadrature::gaussian_expectation;
pub use spec::{Activation, Elementwise, SwishBeta};
