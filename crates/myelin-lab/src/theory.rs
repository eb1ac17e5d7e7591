//! Mean-field theory of signal and gradient propagation (Poole et al. 2016,
//! Schoenholz et al. 2017) for a deep stack of square dense layers.
//!
//! The network is `Y_0 = X` (entries iid N(0, 1)), `H_l = Y_{l−1} W_lᵀ + b_l`, `Y_l = φ(H_l)`
//! for `l = 1..L`, with iid weights of variance `σ_w²/N` and iid biases of variance `σ_b²`
//! (`σ_b = 0`: no bias). In the wide limit the pre-activations of layer `l` are Gaussian with
//! second moment `q_l`:
//!
//! * `q_1 = σ_w² · E[x²] + σ_b² = σ_w² + σ_b²` (the input has unit second moment),
//! * `q_l = σ_w² · E[φ(√q_{l−1} z)²] + σ_b²` for `l ≥ 2`, `z ~ N(0, 1)`.
//!
//! Back-propagating, `∂L/∂H_l = φ'(H_l) ⊙ (∂L/∂H_{l+1} W_{l+1})`, so the squared norm of the
//! gradient with respect to the pre-activations, `G_l²`, obeys `G_l² = χ_l · G_{l+1}²` with
//!
//! * `χ_l = σ_w² · E[φ'(√q_l z)²]`.
//!
//! Hence `log10(G_l / G_L) = ½ Σ_{k=l}^{L−1} log10 χ_k`.
//!
//! All Gaussian expectations are computed with
//! [`myelin_activations::quadrature::gaussian_expectation`]; `kinks` are the points (in
//! units of φ's argument) where φ or φ' is not smooth, e.g. `[0.0]` for ReLU.

use std::fmt;

use myelin_activations::quadrature::gaussian_expectation;
use serde::{Deserialize, Serialize};

use crate::error::LabError;

/// Largest number of variance-map iterations [`fixed_point_q`] performs.
pub const FIXED_POINT_MAX_ITERATIONS: usize = 100_000;

/// [`fixed_point_q`] stops when one step changes `q` by at most this times `1 + q`.
///
/// At a critical point (e.g. tanh with σ_w² = 1, where `q → 0` like `1/(2l)`) convergence is
/// only algebraic, so the returned `q*` is then accurate to roughly the square root of this.
pub const FIXED_POINT_TOLERANCE: f64 = 1e-9;

/// Above this second moment the variance map is declared divergent.
const DIVERGENCE_LIMIT: f64 = 1e200;

/// Predicted per-layer moments and gradient norms of a deep stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeanFieldPrediction {
    /// `q[l − 1]` = second moment of the pre-activations `H_l`, for `l = 1..=L`.
    pub q: Vec<f64>,
    /// `chi[l − 1] = χ_l = σ_w² · E[φ'(√q_l z)²]`, for `l = 1..=L`. The last entry is the
    /// factor a further layer would apply; it does not enter the ratio over this stack.
    pub chi: Vec<f64>,
    /// `predicted_log10_grad_norm[l − 1] = log10(G_l / G_L)`; the last entry is 0.
    pub predicted_log10_grad_norm: Vec<f64>,
    /// `log10(G_1 / G_L) = ½ Σ_{l=1}^{L−1} log10 χ_l`; negative means vanishing gradients.
    pub log10_grad_ratio: f64,
}

/// One step of the variance map: `σ_w² · E[φ(√q z)²] + σ_b²`.
pub fn variance_map(
    phi: &dyn Fn(f64) -> f64,
    kinks: &[f64],
    sigma_w2: f64,
    sigma_b2: f64,
    q: f64,
) -> f64 {
    sigma_w2 * gaussian_expectation(|x| phi(x).powi(2), q.sqrt(), kinks) + sigma_b2
}

/// The gradient-norm multiplier `χ = σ_w² · E[φ'(√q z)²]` of a layer whose pre-activations
/// have second moment `q`.
pub fn chi(dphi: &dyn Fn(f64) -> f64, kinks: &[f64], sigma_w2: f64, q: f64) -> f64 {
    sigma_w2 * gaussian_expectation(|x| dphi(x).powi(2), q.sqrt(), kinks)
}

/// Predicts moments and gradient norms through `depth` layers of activation `phi`
/// (derivative `dphi`) with weight variance `σ_w²/N` and bias variance `σ_b²`.
///
/// `depth == 0` gives empty vectors and a ratio of 0. Non-finite moments (e.g. a linear
/// stack whose variance overflows) propagate as non-finite predictions rather than panicking.
pub fn predict(
    phi: &dyn Fn(f64) -> f64,
    dphi: &dyn Fn(f64) -> f64,
    kinks: &[f64],
    sigma_w2: f64,
    sigma_b2: f64,
    depth: usize,
) -> MeanFieldPrediction {
    let mut q = Vec::with_capacity(depth);
    if depth > 0 {
        q.push(sigma_w2 + sigma_b2);
    }
    while q.len() < depth {
        let previous = *q.last().expect("q is non-empty");
        q.push(variance_map(phi, kinks, sigma_w2, sigma_b2, previous));
    }
    let chi: Vec<f64> = q
        .iter()
        .map(|&q_l| chi(dphi, kinks, sigma_w2, q_l))
        .collect();

    // Suffix sums: log10(G_l / G_L) = ½ Σ_{k=l}^{L−1} log10 χ_k.
    let mut predicted_log10_grad_norm = vec![0.0; depth];
    for l in (0..depth.saturating_sub(1)).rev() {
        predicted_log10_grad_norm[l] = predicted_log10_grad_norm[l + 1] + 0.5 * chi[l].log10();
    }
    let log10_grad_ratio = predicted_log10_grad_norm.first().copied().unwrap_or(0.0);
    MeanFieldPrediction {
        q,
        chi,
        predicted_log10_grad_norm,
        log10_grad_ratio,
    }
}

/// [`predict`] without biases, for an activation spec: `φ`, `φ'` and the kinks come from
/// the activations crate (learnable parameters at their initial values).
///
/// # Errors
/// [`LabError::InvalidConfig`] for softmax-like activations, which act on whole rows.
pub fn predict_activation(
    activation: &myelin_activations::Activation,
    sigma_w2: f64,
    depth: usize,
) -> Result<MeanFieldPrediction, LabError> {
    predict_activation_with_bias(activation, sigma_w2, 0.0, depth)
}

/// [`predict_activation`] with biases of variance `σ_b²`.
///
/// # Errors
/// [`LabError::InvalidConfig`] for softmax-like activations, which act on whole rows.
pub fn predict_activation_with_bias(
    activation: &myelin_activations::Activation,
    sigma_w2: f64,
    sigma_b2: f64,
    depth: usize,
) -> Result<MeanFieldPrediction, LabError> {
    let f = ScalarActivation::new(activation)?;
    let (phi, dphi) = (f.phi(), f.dphi());
    let prediction = predict(&phi, &dphi, &f.kinks, sigma_w2, sigma_b2, depth);
    Ok(prediction)
}

/// An elementwise activation as the scalar functions the theory integrates.
pub struct ScalarActivation {
    activation: myelin_activations::Elementwise,
    /// Points where `φ` or `φ'` is not smooth.
    pub kinks: Vec<f64>,
}

impl ScalarActivation {
    /// Wraps `activation`.
    ///
    /// # Errors
    /// [`LabError::InvalidConfig`] for softmax-like activations, which act on whole rows.
    pub fn new(activation: &myelin_activations::Activation) -> Result<Self, LabError> {
        let e = activation.as_elementwise().ok_or_else(|| {
            LabError::InvalidConfig(format!(
                "`{activation}` is not elementwise; the mean-field theory needs a per-unit activation"
            ))
        })?;
        Ok(Self {
            kinks: e.meta().kinks,
            activation: *e,
        })
    }

    /// `φ`.
    pub fn phi(&self) -> impl Fn(f64) -> f64 + '_ {
        |x| self.activation.value(x)
    }

    /// `φ'`.
    pub fn dphi(&self) -> impl Fn(f64) -> f64 + '_ {
        |x| self.activation.derivative(x)
    }
}

/// Iterates the variance map from `q_1 = σ_w² + σ_b²` until it settles, returning the fixed
/// point `q*`.
///
/// Errors if the variance diverges (e.g. ReLU with σ_w² > 2) or has not settled after
/// [`FIXED_POINT_MAX_ITERATIONS`] steps.
pub fn fixed_point_q(
    phi: &dyn Fn(f64) -> f64,
    kinks: &[f64],
    sigma_w2: f64,
    sigma_b2: f64,
) -> Result<f64, LabError> {
    let no_fixed_point = |reason: String| LabError::NoFixedPoint { sigma_w2, reason };
    if !(sigma_w2.is_finite() && sigma_w2 >= 0.0 && sigma_b2.is_finite() && sigma_b2 >= 0.0) {
        return Err(no_fixed_point(format!(
            "sigma_w^2 and sigma_b^2 must be finite and ≥ 0 (sigma_b^2 = {sigma_b2})"
        )));
    }
    let mut q = sigma_w2 + sigma_b2;
    for iteration in 1..=FIXED_POINT_MAX_ITERATIONS {
        let next = variance_map(phi, kinks, sigma_w2, sigma_b2, q);
        if !next.is_finite() || next > DIVERGENCE_LIMIT {
            return Err(no_fixed_point(format!(
                "the variance diverges (q = {next:e} after {iteration} layers)"
            )));
        }
        if (next - q).abs() <= FIXED_POINT_TOLERANCE * (1.0 + q) {
            return Ok(next);
        }
        q = next;
    }
    Err(no_fixed_point(format!(
        "the variance map did not settle within {FIXED_POINT_MAX_ITERATIONS} iterations (last q = {q:e})"
    )))
}

/// `χ* = σ_w² · E[φ'(√q* z)²]` at the variance fixed point; `χ* < 1` is the ordered
/// (vanishing) phase, `χ* > 1` the chaotic (exploding) phase, `χ* = 1` the edge of chaos.
pub fn chi_at_fixed_point(
    phi: &dyn Fn(f64) -> f64,
    dphi: &dyn Fn(f64) -> f64,
    kinks: &[f64],
    sigma_w2: f64,
    sigma_b2: f64,
) -> Result<f64, LabError> {
    let q_star = fixed_point_q(phi, kinks, sigma_w2, sigma_b2)?;
    Ok(chi(dphi, kinks, sigma_w2, q_star))
}

/// Decades of change over the whole stack beyond which a run counts as vanishing/exploding.
pub const REGIME_THRESHOLD_DECADES: f64 = 1.0;

/// Qualitative behaviour of gradients through a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Regime {
    /// The first layer's gradient is more than the threshold smaller than the last layer's.
    Vanishing,
    /// Within the threshold of each other.
    Stable,
    /// The first layer's gradient is more than the threshold larger than the last layer's.
    Exploding,
    /// A measured run produced NaN.
    Nan,
    /// A measured run overflowed to infinity.
    Overflow,
}

impl Regime {
    /// Classifies `log10(G_1 / G_L)` with the default ±[`REGIME_THRESHOLD_DECADES`] threshold.
    pub fn classify(log10_ratio: f64) -> Regime {
        Regime::classify_with_threshold(log10_ratio, REGIME_THRESHOLD_DECADES)
    }

    /// Classifies `log10(G_1 / G_L)` with a custom threshold in decades.
    ///
    /// `−∞` (the first layer's gradient underflowed to zero) is [`Regime::Vanishing`];
    /// `+∞` is [`Regime::Overflow`]; NaN is [`Regime::Nan`].
    pub fn classify_with_threshold(log10_ratio: f64, threshold_decades: f64) -> Regime {
        if log10_ratio.is_nan() {
            Regime::Nan
        } else if log10_ratio == f64::INFINITY {
            Regime::Overflow
        } else if log10_ratio < -threshold_decades {
            Regime::Vanishing
        } else if log10_ratio > threshold_decades {
            Regime::Exploding
        } else {
            Regime::Stable
        }
    }
}

impl fmt::Display for Regime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Regime::Vanishing => "vanishing",
            Regime::Stable => "stable",
            Regime::Exploding => "exploding",
            Regime::Nan => "NaN",
            Regime::Overflow => "overflow",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init_spec::InitSpec;

    fn relu(x: f64) -> f64 {
        x.max(0.0)
    }
    fn relu_derivative(x: f64) -> f64 {
        if x > 0.0 {
            1.0
        } else {
            0.0
        }
    }
    fn identity(x: f64) -> f64 {
        x
    }
    fn one(_: f64) -> f64 {
        1.0
    }
    fn tanh_derivative(x: f64) -> f64 {
        1.0 - x.tanh().powi(2)
    }
    fn sigmoid(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }
    fn sigmoid_derivative(x: f64) -> f64 {
        sigmoid(x) * (1.0 - sigmoid(x))
    }

    fn assert_close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "expected {expected} ± {tolerance}, got {actual}"
        );
    }

    #[test]
    fn relu_chi_is_half_sigma_w2_at_every_layer() {
        for sigma_w2 in [0.5, 1.0, 2.0, 3.0] {
            let prediction = predict(&relu, &relu_derivative, &[0.0], sigma_w2, 0.0, 12);
            assert_eq!(prediction.chi.len(), 12);
            for &chi in &prediction.chi {
                assert_close(chi, sigma_w2 / 2.0, 1e-12);
            }
        }
    }

    #[test]
    fn relu_variance_halves_then_scales() {
        let prediction = predict(&relu, &relu_derivative, &[0.0], 3.0, 0.0, 5);
        let mut expected = 3.0;
        for &q in &prediction.q {
            assert_close(q, expected, 1e-10 * expected);
            expected *= 3.0 / 2.0;
        }
    }

    #[test]
    fn identity_chi_is_sigma_w2_and_variance_is_geometric() {
        let prediction = predict(&identity, &one, &[], 1.5, 0.0, 6);
        for (l, (&q, &chi)) in prediction.q.iter().zip(&prediction.chi).enumerate() {
            assert_close(chi, 1.5, 1e-12);
            let expected_q = 1.5f64.powi(l as i32 + 1);
            assert_close(q, expected_q, 1e-10 * expected_q);
        }
        assert_close(prediction.log10_grad_ratio, 2.5 * 1.5f64.log10(), 1e-12);
    }

    #[test]
    fn relu_with_kaiming_keeps_variance_and_gradients_constant() {
        let sigma_w2 = "kaiming_normal"
            .parse::<InitSpec>()
            .unwrap()
            .sigma_w2(256, 256, 1.0);
        let prediction = predict(&relu, &relu_derivative, &[0.0], sigma_w2, 0.0, 50);
        for &q in &prediction.q {
            assert_close(q, 2.0, 1e-10);
        }
        assert_close(prediction.log10_grad_ratio, 0.0, 1e-10);
        assert_eq!(
            Regime::classify(prediction.log10_grad_ratio),
            Regime::Stable
        );
    }

    #[test]
    fn relu_with_xavier_vanishes_by_seven_decades_over_fifty_layers() {
        let sigma_w2 = "xavier_normal"
            .parse::<InitSpec>()
            .unwrap()
            .sigma_w2(256, 256, 1.0);
        let prediction = predict(&relu, &relu_derivative, &[0.0], sigma_w2, 0.0, 50);
        let expected = 0.5 * 49.0 * 0.5f64.log10();
        assert_close(prediction.log10_grad_ratio, expected, 1e-9);
        assert_close(expected, -7.375, 1e-3);
        assert_eq!(
            Regime::classify(prediction.log10_grad_ratio),
            Regime::Vanishing
        );
    }

    #[test]
    fn per_layer_gradient_prediction_is_a_suffix_sum() {
        let prediction = predict(&relu, &relu_derivative, &[0.0], 1.0, 0.0, 4);
        let step = 0.5 * 0.5f64.log10();
        let expected = [3.0 * step, 2.0 * step, step, 0.0];
        for (&actual, &expected) in prediction.predicted_log10_grad_norm.iter().zip(&expected) {
            assert_close(actual, expected, 1e-12);
        }
        assert_eq!(
            prediction.log10_grad_ratio,
            prediction.predicted_log10_grad_norm[0]
        );
    }

    #[test]
    fn tanh_at_unit_sigma_w2_vanishes_slowly() {
        let prediction = predict(&f64::tanh, &tanh_derivative, &[], 1.0, 0.0, 50);
        assert_close(prediction.log10_grad_ratio, -0.92, 0.02);
        assert!(
            prediction.q.windows(2).all(|w| w[1] < w[0]),
            "tanh variance must decay"
        );
    }

    #[test]
    fn sigmoid_at_unit_sigma_w2_vanishes_fast() {
        let prediction = predict(&sigmoid, &sigmoid_derivative, &[], 1.0, 0.0, 50);
        assert_close(prediction.log10_grad_ratio, -30.8, 0.1);
    }

    #[test]
    fn degenerate_depths() {
        let empty = predict(&relu, &relu_derivative, &[0.0], 2.0, 0.0, 0);
        assert!(empty.q.is_empty() && empty.chi.is_empty());
        assert_eq!(empty.log10_grad_ratio, 0.0);
        let single = predict(&relu, &relu_derivative, &[0.0], 2.0, 0.0, 1);
        assert_eq!(single.q, vec![2.0]);
        assert_eq!(single.predicted_log10_grad_norm, vec![0.0]);
    }

    #[test]
    fn relu_fixed_points() {
        assert_close(fixed_point_q(&relu, &[0.0], 2.0, 0.0).unwrap(), 2.0, 1e-9);
        assert!(fixed_point_q(&relu, &[0.0], 1.0, 0.0).unwrap() < 1e-6);
        let error = fixed_point_q(&relu, &[0.0], 2.5, 0.0).unwrap_err();
        assert!(matches!(error, LabError::NoFixedPoint { .. }), "{error}");
        assert_close(
            chi_at_fixed_point(&relu, &relu_derivative, &[0.0], 2.0, 0.0).unwrap(),
            1.0,
            1e-12,
        );
    }

    #[test]
    fn tanh_fixed_points_straddle_the_edge_of_chaos() {
        // σ_w² = 1 is critical: q* = 0 (approached algebraically) and χ* = 1.
        assert!(fixed_point_q(&f64::tanh, &[], 1.0, 0.0).unwrap() < 1e-3);
        let critical = chi_at_fixed_point(&f64::tanh, &tanh_derivative, &[], 1.0, 0.0).unwrap();
        assert_close(critical, 1.0, 1e-2);
        // Below it q* = 0 exactly and χ* = σ_w² φ'(0)² < 1: ordered.
        let ordered = chi_at_fixed_point(&f64::tanh, &tanh_derivative, &[], 0.5, 0.0).unwrap();
        assert_close(ordered, 0.5, 1e-6);
        // Above it q* > 0 solves q = σ_w² E[tanh²(√q z)], and χ* > 1: chaotic.
        let q_star = fixed_point_q(&f64::tanh, &[], 4.0, 0.0).unwrap();
        assert!(q_star > 1.0);
        assert_close(
            variance_map(&f64::tanh, &[], 4.0, 0.0, q_star),
            q_star,
            1e-8,
        );
        let chaotic = chi_at_fixed_point(&f64::tanh, &tanh_derivative, &[], 4.0, 0.0).unwrap();
        assert!(chaotic > 1.0, "χ* = {chaotic}");
    }

    #[test]
    fn identity_variance_has_a_fixed_point_only_at_one() {
        assert_close(fixed_point_q(&identity, &[], 1.0, 0.0).unwrap(), 1.0, 1e-12);
        assert!(fixed_point_q(&identity, &[], 1.1, 0.0).is_err());
        assert!(fixed_point_q(&identity, &[], f64::NAN, 0.0).is_err());
    }

    #[test]
    fn regime_classification_and_display() {
        assert_eq!(Regime::classify(-7.4), Regime::Vanishing);
        assert_eq!(Regime::classify(-0.92), Regime::Stable);
        assert_eq!(Regime::classify(0.0), Regime::Stable);
        assert_eq!(Regime::classify(1.5), Regime::Exploding);
        assert_eq!(Regime::classify(f64::NAN), Regime::Nan);
        assert_eq!(Regime::classify(f64::INFINITY), Regime::Overflow);
        assert_eq!(Regime::classify(f64::NEG_INFINITY), Regime::Vanishing);
        assert_eq!(
            Regime::classify_with_threshold(-0.92, 0.5),
            Regime::Vanishing
        );
        assert_eq!(Regime::Vanishing.to_string(), "vanishing");
        assert_eq!(Regime::Exploding.to_string(), "exploding");
        assert_eq!(Regime::Nan.to_string(), "NaN");
    }
}
