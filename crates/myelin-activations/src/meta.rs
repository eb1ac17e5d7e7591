//! Descriptive metadata of each activation: output range, shape properties, PyTorch
//! equivalent and the points where it is not smooth.
//!
//! Most properties are declared per activation (and depend on its parameters, e.g. a
//! leaky ReLU with a negative slope is not monotonic). Three are *computed* from the
//! function itself so they cannot drift from the implementation:
//! * `monotonic`: `f` is non-decreasing on a dense grid over `[−50, 50]` plus both sides of
//!   every kink;
//! * `zero_centred`: `f(0) = 0` and the output range contains negative and positive
//!   values (tanh yes, sigmoid and ReLU no);
//! * the lower end of the range of the self-gated, non-monotonic functions (GELU, SiLU,
//!   mish, …), found by a grid search refined by golden-section search.

use std::fmt;

use crate::spec::{Activation, Elementwise};

/// How smooth the function is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Smoothness {
    /// Has jumps (binary step, hard shrink, PyTorch's thresholded softplus).
    Discontinuous,
    /// Continuous, with kinks where the slope jumps (ReLU, hardtanh, SELU).
    C0,
    /// Continuously differentiable, second derivative jumps (squared ReLU, CELU, softsign).
    C1,
    /// Infinitely differentiable (tanh, GELU, sigmoid).
    CInfinity,
}

impl fmt::Display for Smoothness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Smoothness::Discontinuous => "discontinuous",
            Smoothness::C0 => "C0",
            Smoothness::C1 => "C1",
            Smoothness::CInfinity => "C∞",
        })
    }
}

/// On which side(s) the function flattens out (its derivative tends to 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Saturation {
    /// Never flat: the slope stays away from 0 at both ends.
    None,
    /// Flat for `x → −∞` (ReLU, GELU, ELU).
    Negative,
    /// Flat for `x → +∞` (log-sigmoid).
    Positive,
    /// Flat at both ends (sigmoid, tanh, hardtanh).
    Both,
}

impl fmt::Display for Saturation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Saturation::None => "none",
            Saturation::Negative => "negative side",
            Saturation::Positive => "positive side",
            Saturation::Both => "both sides",
        })
    }
}

/// The family of weight initialisation practitioners start with for an activation
/// ([`Elementwise::recommended_init`]; the lab maps it to its initialisers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InitFamily {
    /// He/Kaiming (weight variance 2/fan_in): the ReLU family and the other unbounded
    /// activations (GELU, SiLU, ELU, …).
    He,
    /// Glorot/Xavier: the bounded, saturating activations (sigmoid, tanh, …) and identity.
    Glorot,
    /// LeCun normal (variance 1/fan_in): SELU's self-normalising fixed point.
    LeCun,
}

/// How the activation is applied to a tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Application {
    /// To each element independently.
    Elementwise,
    /// To each slice along one dimension (softmax); the value is the dim.
    AlongDim(isize),
}

/// The set of output values.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputRange {
    /// Infimum of the outputs (may be `−∞`).
    pub low: f64,
    /// Supremum of the outputs (may be `∞`).
    pub high: f64,
    /// Human-readable form, e.g. `"(0, 1)"`, `"[-0.1700, ∞)"`, `"{0, 1}"`.
    pub text: String,
}

/// Everything [`Activation::meta`] reports.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivationMeta {
    /// The output range.
    pub output_range: OutputRange,
    /// `f(0) = 0` and outputs of both signs (computed).
    pub zero_centred: bool,
    /// Non-decreasing everywhere (computed; always false for softmax-like activations,
    /// where it does not apply).
    pub monotonic: bool,
    /// How smooth `f` is.
    pub smoothness: Smoothness,
    /// Where the derivative vanishes asymptotically.
    pub saturation: Saturation,
    /// Of the form `x · gate(x)` with a gate in `[0, 1]` (GELU, SiLU, swish, mish, hard swish).
    pub self_gated: bool,
    /// Names of learnable parameters (`["weight"]` for PReLU, `["beta"]` for learnable swish).
    pub learnable_parameters: Vec<&'static str>,
    /// The PyTorch module, or the expression to write where PyTorch has none.
    pub pytorch: String,
    /// Elementwise or along a dim.
    pub application: Application,
    /// Points (in `x`) where `f` or one of its first two derivatives is not smooth, sorted;
    /// pass them to [`crate::gaussian_expectation`].
    pub kinks: Vec<f64>,
}

impl Activation {
    /// The metadata of this activation with its parameters.
    pub fn meta(&self) -> ActivationMeta {
        match *self {
            Activation::Elementwise(e) => e.meta(),
            Activation::Softmax { dim } => along_dim(dim, "torch.nn.Softmax", (0.0, 1.0), "(0, 1)"),
            Activation::LogSoftmax { dim } => along_dim(
                dim,
                "torch.nn.LogSoftmax",
                (f64::NEG_INFINITY, 0.0),
                "(-∞, 0]",
            ),
        }
    }
}

fn along_dim(dim: isize, module: &str, (low, high): (f64, f64), text: &str) -> ActivationMeta {
    ActivationMeta {
        output_range: OutputRange {
            low,
            high,
            text: text.to_string(),
        },
        zero_centred: false,
        monotonic: false,
        smoothness: Smoothness::CInfinity,
        saturation: Saturation::Both,
        self_gated: false,
        learnable_parameters: Vec::new(),
        pytorch: format!("{module}(dim={dim})"),
        application: Application::AlongDim(dim),
        kinks: Vec::new(),
    }
}

/// The declared part of the metadata (each row of [`crate::table`] gives it).
pub(crate) struct Declared {
    range: (f64, f64, String),
    smoothness: Smoothness,
    saturation: Saturation,
    self_gated: bool,
    pytorch: String,
    kinks: Vec<f64>,
}

/// Formats an interval end: `∞`, `-∞`, or the number.
pub(crate) fn end(value: f64) -> String {
    if value == f64::INFINITY {
        "∞".to_string()
    } else if value == f64::NEG_INFINITY {
        "-∞".to_string()
    } else if value == value.round() && value.abs() < 1e15 {
        format!("{value}")
    } else {
        format!("{value:.4}")
    }
}

/// `(low, high)` with the given bracket kinds; returns (low, high, text).
pub(crate) fn interval(
    low: f64,
    high: f64,
    closed_low: bool,
    closed_high: bool,
) -> (f64, f64, String) {
    let open = if closed_low && low.is_finite() {
        '['
    } else {
        '('
    };
    let close = if closed_high && high.is_finite() {
        ']'
    } else {
        ')'
    };
    (
        low,
        high,
        format!("{open}{}, {}{close}", end(low), end(high)),
    )
}

pub(crate) const REAL_LINE: (f64, f64) = (f64::NEG_INFINITY, f64::INFINITY);

impl Elementwise {
    /// The metadata of this elementwise activation with its parameters.
    pub fn meta(&self) -> ActivationMeta {
        let declared = self.declared();
        let monotonic = self.is_monotonic(&declared.kinks);
        let (low, high, text) = declared.range;
        let zero_centred = self.value(0.0f64) == 0.0 && low < 0.0 && high > 0.0;
        ActivationMeta {
            output_range: OutputRange { low, high, text },
            zero_centred,
            monotonic,
            smoothness: declared.smoothness,
            saturation: declared.saturation,
            self_gated: declared.self_gated,
            learnable_parameters: self
                .learnable_parameter()
                .map(|p| vec![p.name])
                .unwrap_or_default(),
            pytorch: declared.pytorch,
            application: Application::Elementwise,
            kinks: declared.kinks,
        }
    }

    /// Non-decreasing on a dense grid plus both sides of every kink.
    fn is_monotonic(&self, kinks: &[f64]) -> bool {
        let mut points: Vec<f64> = (-5000..=5000).map(|i| i as f64 * 0.01 + 0.003).collect();
        for &k in kinks {
            points.extend([k - 1e-9, k, k + 1e-9]);
        }
        points.sort_by(f64::total_cmp);
        points
            .windows(2)
            .all(|w| self.value(w[1]) >= self.value(w[0]))
    }

    /// The minimum of a non-monotonic self-gated function (attained on `[−10, 0]`).
    fn computed_minimum(&self) -> f64 {
        let step = 1e-3;
        let best = (0..=10_000)
            .map(|i| -10.0 + step * i as f64)
            .min_by(|a, b| self.value(*a).total_cmp(&self.value(*b)))
            .expect("non-empty grid");
        // Golden-section search on the bracketing cell.
        let ratio = (5f64.sqrt() - 1.0) / 2.0;
        let (mut a, mut b) = (best - step, best + step);
        for _ in 0..80 {
            let c = b - ratio * (b - a);
            let d = a + ratio * (b - a);
            if self.value(c) < self.value(d) {
                b = d;
            } else {
                a = c;
            }
        }
        self.value(0.5 * (a + b))
    }
}

/// The plain text of a PyTorch module (or expression).
pub(crate) fn module(text: &str) -> String {
    text.to_string()
}

/// Declared metadata of a function that is not self-gated.
pub(crate) fn declare(
    range: (f64, f64, String),
    smoothness: Smoothness,
    saturation: Saturation,
    pytorch: String,
    kinks: Vec<f64>,
) -> Declared {
    Declared {
        range,
        smoothness,
        saturation,
        self_gated: false,
        pytorch,
        kinks,
    }
}

/// Declared metadata of a self-gated function `x·gate(x)`: its range starts at the computed
/// minimum, it saturates on the negative side.
pub(crate) fn gated(
    this: &Elementwise,
    pytorch: String,
    smoothness: Smoothness,
    kinks: Vec<f64>,
) -> Declared {
    Declared {
        range: interval(this.computed_minimum(), f64::INFINITY, true, false),
        smoothness,
        saturation: Saturation::Negative,
        self_gated: true,
        pytorch,
        kinks,
    }
}

/// Declared metadata of a (leaky) rectifier with negative-side slope `slope`.
pub(crate) fn rectifier(slope: f64, pytorch: String) -> Declared {
    let range = if slope > 0.0 {
        interval(REAL_LINE.0, REAL_LINE.1, false, false)
    } else {
        interval(0.0, f64::INFINITY, true, false)
    };
    let (smoothness, kinks) = if slope == 1.0 {
        (Smoothness::CInfinity, vec![])
    } else {
        (Smoothness::C0, vec![0.0])
    };
    let saturation = if slope == 0.0 {
        Saturation::Negative
    } else {
        Saturation::None
    };
    declare(range, smoothness, saturation, pytorch, kinks)
}

/// `[−λ, λ]`, or `[0]` when `λ = 0`.
pub(crate) fn shrink_kinks(lambda: f64) -> Vec<f64> {
    if lambda > 0.0 {
        vec![-lambda, lambda]
    } else {
        vec![0.0]
    }
}
