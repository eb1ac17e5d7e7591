//! [`Activation`]: one value per activation function and its parameters, with a text form
//! (`"leaky_relu(slope=0.2)"`) that parses ([`std::str::FromStr`]) and prints
//! ([`std::fmt::Display`]) so that printing then parsing gives back the same value.
//!
//! # How the tensor layer uses this
//!
//! * **Elementwise activations** ([`Activation::Elementwise`]): register one custom op per
//!   [`Elementwise`] value. Forward maps every element with [`Elementwise::value`];
//!   backward multiplies the upstream gradient by [`Elementwise::derivative`] (or
//!   [`Elementwise::derivative_given_output`] when the forward output was saved); double
//!   backward uses [`Elementwise::second_derivative`], which is the derivative of
//!   `derivative` almost everywhere (0 on linear pieces), so higher-order gradients are
//!   consistent with the first-order ones.
//! * **Learnable parameters** (`prelu`, `swish(beta=learnable)`): see
//!   [`Elementwise::learnable_parameter`] for the name, initial value and count (PReLU's
//!   `num_parameters` weights, one per channel along dim 1, or one shared). Use
//!   [`Elementwise::value_with_parameter`], [`Elementwise::derivative_with_parameter`] and
//!   [`Elementwise::parameter_derivative`] (∂f/∂p, to be summed over the elements sharing
//!   the parameter).
//! * **Softmax / log-softmax** ([`Activation::Softmax`], [`Activation::LogSoftmax`]): for each
//!   row along `dim` (negative counts from the end) call
//!   [`crate::functions::softmax::softmax_row`] / `log_softmax_row`, and in backward
//!   `softmax_row_backward(y, g, out)` / `log_softmax_row_backward(y, g, out)` with the saved
//!   output `y`.

mod parse;
mod suggest;
mod validate;

use std::fmt;

use crate::functions::step::Surrogate;

/// The slope parameter of swish: a constant, or a learned scalar with its initial value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SwishBeta {
    /// A constant β (spec `swish(beta=2)`).
    Fixed(f64),
    /// A learned β starting at `init` (spec `swish(beta=learnable)` for `init = 1`, or
    /// `swish(beta=learnable(0.5))`).
    Learnable {
        /// Initial value of β.
        init: f64,
    },
}

impl SwishBeta {
    /// The value of β used when no learned value is supplied (the constant or the initial
    /// value).
    pub fn value(self) -> f64 {
        match self {
            SwishBeta::Fixed(beta) | SwishBeta::Learnable { init: beta } => beta,
        }
    }
}

pub use crate::table::{Elementwise, NAMES};
pub(crate) use parse::Bound;
pub(crate) use validate::{check, invalid, Rule};

/// A parameter type an activation row can declare: how its text is read (with the row's
/// default when absent) and printed.
pub(crate) trait SpecValue: Sized {
    /// The value given for parameter `name`, or `default` when it was not given.
    fn read(bound: &Bound, name: &str, default: Self) -> Result<Self, crate::ActivationError>;
    /// The printed form (the spec text prints then parses back to the same value).
    fn show(&self) -> String;
}

impl SpecValue for f64 {
    fn read(bound: &Bound, name: &str, default: Self) -> Result<Self, crate::ActivationError> {
        bound.number(name, default)
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl SpecValue for usize {
    fn read(bound: &Bound, name: &str, default: Self) -> Result<Self, crate::ActivationError> {
        bound.integer(name, default)
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl SpecValue for SwishBeta {
    fn read(bound: &Bound, name: &str, default: Self) -> Result<Self, crate::ActivationError> {
        bound.swish_beta(name, default)
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl SpecValue for Surrogate {
    fn read(bound: &Bound, name: &str, default: Self) -> Result<Self, crate::ActivationError> {
        bound.surrogate(name, default)
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

/// Any activation: elementwise, or softmax-like along one dimension.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// Applied to each element independently.
    Elementwise(Elementwise),
    /// Softmax along `dim` (negative counts from the end; default −1).
    Softmax {
        /// The dimension whose slices are normalised.
        dim: isize,
    },
    /// Log-softmax along `dim` (default −1).
    LogSoftmax {
        /// The dimension whose slices are normalised.
        dim: isize,
    },
}

impl Elementwise {
    /// Every elementwise activation with its default parameters.
    pub fn all_defaults() -> Vec<Elementwise> {
        Activation::all_defaults()
            .into_iter()
            .filter_map(|a| a.as_elementwise().copied())
            .collect()
    }
}

impl Activation {
    /// The canonical name, e.g. `"softmax"`.
    pub fn name(&self) -> &'static str {
        match self {
            Activation::Elementwise(e) => e.name(),
            Activation::Softmax { .. } => "softmax",
            Activation::LogSoftmax { .. } => "log_softmax",
        }
    }

    /// The elementwise activation, or `None` for softmax-like ones.
    pub fn as_elementwise(&self) -> Option<&Elementwise> {
        match self {
            Activation::Elementwise(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the activation acts on each element independently.
    pub fn is_elementwise(&self) -> bool {
        self.as_elementwise().is_some()
    }

    /// One instance of every activation, with default parameters, in the order of
    /// [`NAMES`]. Used for listings (`act list`) and sweeps in the lab.
    pub fn all_defaults() -> Vec<Activation> {
        NAMES
            .iter()
            .map(|(name, _)| {
                name.parse()
                    .expect("every canonical name parses with defaults")
            })
            .collect()
    }
}

impl From<Elementwise> for Activation {
    fn from(e: Elementwise) -> Self {
        Activation::Elementwise(e)
    }
}

/// Writes `name(key=value,...)`, or just `name` when there are no parameters.
fn write_call(f: &mut fmt::Formatter<'_>, name: &str, args: &[(&str, String)]) -> fmt::Result {
    f.write_str(name)?;
    if args.is_empty() {
        return Ok(());
    }
    f.write_str("(")?;
    for (i, (key, value)) in args.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write!(f, "{key}={value}")?;
    }
    f.write_str(")")
}

impl fmt::Display for Surrogate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Surrogate::None => f.write_str("none"),
            Surrogate::StraightThrough => f.write_str("ste"),
            Surrogate::Sigmoid { sharpness } => write!(f, "sigmoid({sharpness})"),
        }
    }
}

impl fmt::Display for SwishBeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SwishBeta::Fixed(beta) => write!(f, "{beta}"),
            SwishBeta::Learnable { init } if *init == 1.0 => f.write_str("learnable"),
            SwishBeta::Learnable { init } => write!(f, "learnable({init})"),
        }
    }
}

impl fmt::Display for Elementwise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Elementwise::Custom(c) => f.write_str(c.spec()),
            _ => write_call(f, self.name(), &self.spec_arguments()),
        }
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Activation::Elementwise(e) => e.fmt(f),
            Activation::Softmax { dim } | Activation::LogSoftmax { dim } => {
                write_call(f, self.name(), &[("dim", dim.to_string())])
            }
        }
    }
}
