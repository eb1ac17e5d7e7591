//! Myelin activations: every activation function, from its scalar mathematics to a
//! differentiable tensor op.
//!
//! * [`functions`]: value, derivative and second derivative of every activation, generic
//!   over `f32`/`f64`, plus softmax rows.
//! * [`Activation`] / [`Elementwise`]: one value per activation with its parameters, with a
//!   text form that parses and prints (`"leaky_relu(slope=0.2)"`), and per-element
//!   evaluation ([`Elementwise::value`], [`Elementwise::derivative`], …).
//! * [`meta`]: range, smoothness, kinks, PyTorch equivalent.
//! * [`gain`]: initialisation gains, computed by [`gaussian_expectation`].
//! * [`tensor_ops`]: every activation as a differentiable tensor op ([`apply`],
//!   [`ActivationOp`] with its learnable parameter, [`softmax()`], [`log_softmax()`]).
//!
//! ```
//! use myelin_activations::{gain, Activation};
//!
//! let act: Activation = "leaky_relu(slope=0.2)".parse().unwrap();
//! assert_eq!(act.to_string(), "leaky_relu(slope=0.2)");
//! let e = act.as_elementwise().unwrap();
//! assert_eq!(e.value(-1.0f32), -0.2);
//! assert_eq!(e.derivative(-1.0f64), 0.2);
//! assert_eq!(e.second_derivative(3.0f64), 0.0);
//! assert_eq!(act.meta().kinks, vec![0.0]);
//! let forward = gain::forward_gain(&act).unwrap();
//! assert!((forward - (2.0f64 / 1.04).sqrt()).abs() < 1e-12);
//!
//! let err = "rleu".parse::<Activation>().unwrap_err();
//! assert!(err.to_string().contains("did you mean `relu`"));
//! ```
#![warn(missing_docs)]

pub mod custom;
pub mod error;
pub mod evaluate;
pub mod functions;
pub mod gain;
pub mod meta;
pub mod quadrature;
pub mod spec;
#[macro_use]
pub mod table;
pub mod tensor_ops;
pub mod testing;

pub use custom::{register_activation, register_expr, CustomActivation};
pub use error::ActivationError;
pub use evaluate::LearnableParameter;
pub use functions::step::Surrogate;
pub use meta::{ActivationMeta, Application, InitFamily, OutputRange, Saturation, Smoothness};
pub use quadrature::gaussian_expectation;
pub use spec::{Activation, Elementwise, SwishBeta};
pub use tensor_ops::{
    apply, apply_elementwise, log_softmax, softmax, try_apply_elementwise, ActivationOp,
};
