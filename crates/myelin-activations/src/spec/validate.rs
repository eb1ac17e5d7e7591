//! The one validation of activation parameters, shared by the text parser, [`apply`]
//! and the constructors, so an activation built directly (`Elementwise::HardTanh { min:
//! 2.0, max: 1.0 }`) is rejected exactly as its text form is.
//!
//! [`apply`]: crate::apply

use super::{Activation, Elementwise, Surrogate, SwishBeta};
use crate::error::ActivationError;

/// What a parameter must satisfy.
#[derive(Clone, Copy)]
enum Rule {
    /// Not NaN (±∞ allowed).
    NotNan,
    /// Finite.
    Finite,
    /// Finite and `> 0`.
    Positive,
    /// Finite and `≥ 0`.
    NonNegative,
}

fn check(activation: &str, parameter: &str, value: f64, rule: Rule) -> Result<(), ActivationError> {
    let reason = if value.is_nan() {
        Some("must not be NaN")
    } else {
        match rule {
            Rule::NotNan => None,
            _ if !value.is_finite() => Some("must be finite"),
            Rule::Positive if value <= 0.0 => Some("must be greater than 0"),
            Rule::NonNegative if value < 0.0 => Some("must be 0 or greater"),
            _ => None,
        }
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(invalid(activation, parameter, value, reason)),
    }
}

fn invalid(
    activation: &str,
    parameter: &str,
    value: impl ToString,
    reason: &str,
) -> ActivationError {
    ActivationError::InvalidParameter {
        activation: activation.to_string(),
        parameter: parameter.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

impl Elementwise {
    /// Checks the parameters: the same rules the text parser applies (for example
    /// `hardtanh` needs `min < max`, `softplus` a finite `beta > 0`, the shrinks a
    /// finite `lambda ≥ 0`). Called by the parser, by [`crate::apply`] and by
    /// [`crate::ActivationOp::try_new`].
    ///
    /// ```
    /// use myelin_activations::spec::Elementwise;
    /// let bad = Elementwise::HardTanh { min: 2.0, max: 1.0 };
    /// let err = bad.validate().unwrap_err().to_string();
    /// assert!(err.contains("hardtanh") && err.contains("less than max"), "{err}");
    /// assert!(Elementwise::HardTanh { min: -1.0, max: 1.0 }.validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<(), ActivationError> {
        use Rule::*;
        let name = self.name();
        let c = |parameter: &str, value: f64, rule: Rule| check(name, parameter, value, rule);
        match *self {
            Elementwise::LeakyRelu { slope } => c("slope", slope, Finite),
            Elementwise::Prelu {
                init,
                num_parameters,
            } => {
                if num_parameters == 0 {
                    return Err(invalid(name, "num_parameters", 0, "must be at least 1"));
                }
                c("init", init, Finite)
            }
            Elementwise::HardTanh { min, max } => {
                c("min", min, NotNan)?;
                c("max", max, NotNan)?;
                if min >= max {
                    return Err(invalid(
                        name,
                        "min",
                        min,
                        &format!("must be less than max = {max}"),
                    ));
                }
                Ok(())
            }
            Elementwise::Elu { alpha } => c("alpha", alpha, Finite),
            Elementwise::Celu { alpha } => c("alpha", alpha, Positive),
            Elementwise::Swish { beta } => match beta {
                SwishBeta::Fixed(beta) => c("beta", beta, Positive),
                SwishBeta::Learnable { init } => c("beta", init, Positive),
            },
            Elementwise::Softplus { beta, threshold } => {
                c("beta", beta, Positive)?;
                c("threshold", threshold, NotNan)
            }
            Elementwise::BinaryStep {
                threshold,
                surrogate,
            } => {
                c("threshold", threshold, Finite)?;
                match surrogate {
                    Surrogate::Sigmoid { sharpness } => c("surrogate", sharpness, Positive)
                        .map_err(|_| {
                            invalid(
                                name,
                                "surrogate",
                                surrogate,
                                "sigmoid sharpness must be finite and > 0",
                            )
                        }),
                    Surrogate::None | Surrogate::StraightThrough => Ok(()),
                }
            }
            Elementwise::Threshold { threshold, value } => {
                c("threshold", threshold, Finite)?;
                c("value", value, Finite)
            }
            Elementwise::SoftShrink { lambda } | Elementwise::HardShrink { lambda } => {
                c("lambda", lambda, NonNegative)
            }
            Elementwise::Identity
            | Elementwise::Relu
            | Elementwise::Relu6
            | Elementwise::SquaredRelu
            | Elementwise::Sigmoid
            | Elementwise::LogSigmoid
            | Elementwise::HardSigmoid
            | Elementwise::Tanh
            | Elementwise::TanhShrink
            | Elementwise::Softsign
            | Elementwise::Selu
            | Elementwise::Gelu
            | Elementwise::GeluTanh
            | Elementwise::QuickGelu
            | Elementwise::Silu
            | Elementwise::Mish
            | Elementwise::HardSwish => Ok(()),
        }
    }
}

impl Activation {
    /// Checks the parameters ([`Elementwise::validate`]; softmax-like activations have
    /// none that can be invalid).
    pub fn validate(&self) -> Result<(), ActivationError> {
        match self {
            Activation::Elementwise(e) => e.validate(),
            Activation::Softmax { .. } | Activation::LogSoftmax { .. } => Ok(()),
        }
    }
}
