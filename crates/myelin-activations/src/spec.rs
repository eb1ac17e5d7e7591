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

/// An activation applied to each element independently, with its parameters.
///
/// Defaults (PyTorch's where it has the function) are those of [`Activation::all_defaults`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Elementwise {
    /// `x` (aliases `linear`).
    Identity,
    /// `max(x, 0)`.
    Relu,
    /// `x` for `x > 0`, `slope·x` otherwise; default slope 0.01.
    LeakyRelu {
        /// Slope for `x ≤ 0`, any sign.
        slope: f64,
    },
    /// Leaky ReLU with learned slope(s).
    Prelu {
        /// Initial slope (PyTorch: 0.25).
        init: f64,
        /// Number of slopes: 1 (shared) or one per channel.
        num_parameters: usize,
    },
    /// `clamp(x, 0, 6)`.
    Relu6,
    /// `max(x, 0)²`.
    SquaredRelu,
    /// `1/(1 + e^{−x})` (alias `logistic`).
    Sigmoid,
    /// `ln σ(x)`.
    LogSigmoid,
    /// `clamp(x/6 + 1/2, 0, 1)`.
    HardSigmoid,
    /// `tanh x`.
    Tanh,
    /// `x − tanh x`.
    TanhShrink,
    /// `x/(1 + |x|)`.
    Softsign,
    /// `clamp(x, min, max)`.
    HardTanh {
        /// Lower bound (default −1).
        min: f64,
        /// Upper bound (default 1), `> min`.
        max: f64,
    },
    /// `x` for `x > 0`, `α(eˣ − 1)` otherwise.
    Elu {
        /// α (default 1), any finite value.
        alpha: f64,
    },
    /// `max(0, x) + min(0, α(e^{x/α} − 1))`.
    Celu {
        /// α (default 1), `> 0`.
        alpha: f64,
    },
    /// Scaled ELU with the self-normalising constants.
    Selu,
    /// `x·Φ(x)`.
    Gelu,
    /// GELU, tanh approximation.
    GeluTanh,
    /// `x·σ(1.702x)`.
    QuickGelu,
    /// `x·σ(x)`.
    Silu,
    /// `x·σ(βx)`.
    Swish {
        /// Fixed or learnable β (`> 0`).
        beta: SwishBeta,
    },
    /// `x·tanh(softplus(x))`.
    Mish,
    /// `x·relu6(x + 3)/6`.
    HardSwish,
    /// `ln(1 + e^{βx})/β`, linear where `βx > threshold`.
    Softplus {
        /// β (default 1), `> 0`.
        beta: f64,
        /// Linear above this value of `βx` (default 20).
        threshold: f64,
    },
    /// `1` for `x ≥ threshold`, else `0`, with a chosen backward gradient.
    BinaryStep {
        /// Where the step happens (default 0).
        threshold: f64,
        /// The gradient reported in backward (default [`Surrogate::None`]).
        surrogate: Surrogate,
    },
    /// `x` for `x > threshold`, else `value` (PyTorch `Threshold`).
    Threshold {
        /// The threshold (default 0.1).
        threshold: f64,
        /// The replacement value (default 0).
        value: f64,
    },
    /// Soft shrinkage by λ.
    SoftShrink {
        /// λ (default 0.5), `≥ 0`.
        lambda: f64,
    },
    /// Hard shrinkage at λ.
    HardShrink {
        /// λ (default 0.5), `≥ 0`.
        lambda: f64,
    },
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

/// Canonical names, each with its accepted aliases (all lower case; `-` is read as `_`).
pub const NAMES: &[(&str, &[&str])] = &[
    ("identity", &["linear"]),
    ("relu", &[]),
    ("leaky_relu", &["leakyrelu", "lrelu"]),
    ("prelu", &[]),
    ("relu6", &[]),
    ("squared_relu", &["relu2", "relu_squared", "squaredrelu"]),
    ("sigmoid", &["logistic"]),
    ("log_sigmoid", &["logsigmoid"]),
    ("hardsigmoid", &["hard_sigmoid"]),
    ("tanh", &[]),
    ("tanhshrink", &["tanh_shrink"]),
    ("softsign", &["soft_sign"]),
    ("hardtanh", &["hard_tanh"]),
    ("elu", &[]),
    ("celu", &[]),
    ("selu", &[]),
    ("gelu", &[]),
    ("gelu_tanh", &["gelu_approx", "gelu_new"]),
    ("quick_gelu", &["quickgelu"]),
    ("silu", &[]),
    ("swish", &[]),
    ("mish", &[]),
    ("hardswish", &["hard_swish"]),
    ("softplus", &["soft_plus"]),
    ("binary_step", &["step", "heaviside"]),
    ("threshold", &[]),
    ("softshrink", &["soft_shrink"]),
    ("hardshrink", &["hard_shrink"]),
    ("softmax", &[]),
    ("log_softmax", &["logsoftmax"]),
];

impl Elementwise {
    /// The canonical name, e.g. `"leaky_relu"`.
    pub fn name(&self) -> &'static str {
        match self {
            Elementwise::Identity => "identity",
            Elementwise::Relu => "relu",
            Elementwise::LeakyRelu { .. } => "leaky_relu",
            Elementwise::Prelu { .. } => "prelu",
            Elementwise::Relu6 => "relu6",
            Elementwise::SquaredRelu => "squared_relu",
            Elementwise::Sigmoid => "sigmoid",
            Elementwise::LogSigmoid => "log_sigmoid",
            Elementwise::HardSigmoid => "hardsigmoid",
            Elementwise::Tanh => "tanh",
            Elementwise::TanhShrink => "tanhshrink",
            Elementwise::Softsign => "softsign",
            Elementwise::HardTanh { .. } => "hardtanh",
            Elementwise::Elu { .. } => "elu",
            Elementwise::Celu { .. } => "celu",
            Elementwise::Selu => "selu",
            Elementwise::Gelu => "gelu",
            Elementwise::GeluTanh => "gelu_tanh",
            Elementwise::QuickGelu => "quick_gelu",
            Elementwise::Silu => "silu",
            Elementwise::Swish { .. } => "swish",
            Elementwise::Mish => "mish",
            Elementwise::HardSwish => "hardswish",
            Elementwise::Softplus { .. } => "softplus",
            Elementwise::BinaryStep { .. } => "binary_step",
            Elementwise::Threshold { .. } => "threshold",
            Elementwise::SoftShrink { .. } => "softshrink",
            Elementwise::HardShrink { .. } => "hardshrink",
        }
    }

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
        let args: Vec<(&str, String)> = match *self {
            Elementwise::LeakyRelu { slope } => vec![("slope", slope.to_string())],
            Elementwise::Prelu {
                init,
                num_parameters,
            } => vec![
                ("init", init.to_string()),
                ("num_parameters", num_parameters.to_string()),
            ],
            Elementwise::HardTanh { min, max } => {
                vec![("min", min.to_string()), ("max", max.to_string())]
            }
            Elementwise::Elu { alpha } | Elementwise::Celu { alpha } => {
                vec![("alpha", alpha.to_string())]
            }
            Elementwise::Swish { beta } => vec![("beta", beta.to_string())],
            Elementwise::Softplus { beta, threshold } => vec![
                ("beta", beta.to_string()),
                ("threshold", threshold.to_string()),
            ],
            Elementwise::BinaryStep {
                threshold,
                surrogate,
            } => vec![
                ("threshold", threshold.to_string()),
                ("surrogate", surrogate.to_string()),
            ],
            Elementwise::Threshold { threshold, value } => vec![
                ("threshold", threshold.to_string()),
                ("value", value.to_string()),
            ],
            Elementwise::SoftShrink { lambda } | Elementwise::HardShrink { lambda } => {
                vec![("lambda", lambda.to_string())]
            }
            _ => Vec::new(),
        };
        write_call(f, self.name(), &args)
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
