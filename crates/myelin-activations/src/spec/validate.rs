//! The one validation of activation parameters, shared by the text parser, [`apply`]
//! and the constructors, so an activation built directly (`Elementwise::HardTanh { min:
//! 2.0, max: 1.0 }`) is rejected exactly as its text form is.
//!
//! [`apply`]: crate::apply

use super::Activation;
use crate::error::ActivationError;

/// What a parameter must satisfy.
#[derive(Clone, Copy)]
pub(crate) enum Rule {
    /// Not NaN (±∞ allowed).
    NotNan,
    /// Finite.
    Finite,
    /// Finite and `> 0`.
    Positive,
    /// Finite and `≥ 0`.
    NonNegative,
}

pub(crate) fn check(
    activation: &str,
    parameter: &str,
    value: f64,
    rule: Rule,
) -> Result<(), ActivationError> {
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

pub(crate) fn invalid(
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
