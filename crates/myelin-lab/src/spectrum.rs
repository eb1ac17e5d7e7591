//! Dynamical isometry (Pennington, Schoenholz & Ganguli 2017): the singular values of the
//! input–output Jacobian of a deep stack, measured through the engine's autodiff, beside
//! the free-probability prediction of their first two moments.
//!
//! The network is the probe's ([`crate::probe`]): `h_l = W_l y_{l−1} + b_l`, `y_l = φ(h_l)`,
//! `y_0 = x` with `x` one input of iid N(0, 1) entries, `N×N` weights from the initialiser and
//! biases N(0, σ_b²). Its Jacobian is
//!
//! ```text
//! J = ∂y_L/∂x = D_L W_L ⋯ D_1 W_1,        D_l = diag(φ'(h_l)).
//! ```
//!
//! **Measurement.** One backward pass gives all of `J`: the batch is `N` copies of `x`
//! (row `i` is its own forward pass through the same weights) and the loss is
//! `Σ_i y_L[i, i]`, so the gradient with respect to batch row `i` is row `i` of `J`. The
//! singular values come from [`crate::svd::singular_values`] (one-sided Jacobi in `f64`).
//!
//! **Prediction.** With `λ = σ²` the squared singular values and `q_l` the mean-field
//! variances of [`crate::theory`]:
//!
//! * mean: `E[λ] = (1/N) tr JJᵀ = Π_{l=1}^{L} χ_l`, `χ_l = σ_w² E[φ'(√q_l z)²]` — the same
//!   `χ` whose product governs the gradient norms (`χ^L` at a fixed point);
//! * normalised variance: `Var[λ]/E[λ]² = Σ_l (v_W + v_D(q_l))`, where `v_W` is that of
//!   `W Wᵀ` (1 for iid weights: Marchenko–Pastur; 0 for orthogonal ones) and
//!   `v_D(q) = E[φ'⁴]/E[φ'²]² − 1`. The normalised variance adds under free multiplicative
//!   convolution (the first coefficient of the S-transform), and the `W_l`, `D_l` are
//!   asymptotically free. Dynamical isometry is `E[λ] = 1` with a small variance: only
//!   orthogonal weights and an activation with `φ' ≈ const` near `q*` (tanh at small `q*`)
//!   reach it; ReLU has `v_D = 1` per layer whatever the weights.
//!
//! The variance prediction is the infinite-width limit; at depth `L` comparable to the width
//! the measured spectrum of one `N×N` Jacobian misses the far tail, so the measured variance
//! falls short of it (see docs/gradient-flow.md).

use myelin_activations::quadrature::gaussian_expectation;
use myelin_activations::Activation;
use myelin_nn::init::{InitKind, InitSpec};
use myelin_tensor::{seeded_rng, Tensor};
use serde::{Deserialize, Serialize};

use crate::critical::resolve_init;
use crate::error::LabError;
use crate::probe::{derive_seed, fmt_num, fmt_short};
use crate::svd::singular_values;
use crate::theory::{predict_activation_with_bias, ScalarActivation};

/// What to build and measure.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectrumConfig {
    /// The activation after every layer (elementwise).
    pub activation: Activation,
    /// How the weights are drawn (`gain=critical` is resolved at [`Self::bias_std`]).
    pub init: InitSpec,
    /// Number of layers `L`.
    pub depth: usize,
    /// Width `N`.
    pub width: usize,
    /// Seed of the weights, the biases and the input.
    pub seed: u64,
    /// Standard deviation σ_b of the biases (0: no bias).
    pub bias_std: f64,
}

impl Default for SpectrumConfig {
    /// tanh on the edge of chaos at σ_b² = 10⁻⁴ (Gaussian weights), L = 32, N = 256, seed 0.
    fn default() -> Self {
        Self {
            activation: "tanh".parse().expect("valid activation"),
            init: "xavier_normal(gain=critical)".parse().expect("valid spec"),
            depth: 32,
            width: 256,
            seed: 0,
            bias_std: 0.01,
        }
    }
}

/// The spectrum of one Jacobian and its prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpectrumResult {
    /// Activation spec.
    pub activation: String,
    /// Initialiser spec as given.
    pub init: String,
    /// Number of layers.
    pub depth: usize,
    /// Width.
    pub width: usize,
    /// Seed.
    pub seed: u64,
    /// `σ_w² = N · Var(W_ij)` (after resolving `gain=critical`).
    #[serde(with = "crate::json_float::scalar")]
    pub sigma_w2: f64,
    /// `σ_b²`.
    #[serde(with = "crate::json_float::scalar")]
    pub sigma_b2: f64,
    /// Whether the weights are orthogonal (`v_W = 0`) rather than iid (`v_W = 1`).
    pub orthogonal: bool,
    /// The singular values of `J`, descending.
    #[serde(with = "crate::json_float::vec")]
    pub singular_values: Vec<f64>,
    /// Measured mean squared singular value `(1/N) Σ σ_i²`.
    #[serde(with = "crate::json_float::scalar")]
    pub mean_sq: f64,
    /// Predicted mean squared singular value `Π_l χ_l`.
    #[serde(with = "crate::json_float::scalar")]
    pub predicted_mean_sq: f64,
    /// Measured normalised variance of `λ = σ²`: `Var[λ]/E[λ]²`.
    #[serde(with = "crate::json_float::scalar")]
    pub normalized_var_sq: f64,
    /// Predicted normalised variance `Σ_l (v_W + v_D(q_l))`.
    #[serde(with = "crate::json_float::scalar")]
    pub predicted_normalized_var_sq: f64,
    /// 5th, 50th and 95th percentiles of `σ`.
    #[serde(with = "crate::json_float::vec")]
    pub percentiles: Vec<f64>,
    /// Fraction of singular values within a factor 2 of `√E[σ²]` (1 for an isometry up to
    /// scale).
    #[serde(with = "crate::json_float::scalar")]
    pub within_factor_two: f64,
    /// [`crate::svd::noise_floor`]: singular values below it are rounding noise.
    #[serde(with = "crate::json_float::scalar")]
    pub noise_floor: f64,
    /// How many singular values lie below the noise floor (numerically zero).
    pub below_floor: usize,
}

impl SpectrumResult {
    /// Largest singular value.
    pub fn max(&self) -> f64 {
        self.singular_values.first().copied().unwrap_or(f64::NAN)
    }

    /// Smallest singular value.
    pub fn min(&self) -> f64 {
        self.singular_values.last().copied().unwrap_or(f64::NAN)
    }

    /// `log10(σ_95 / σ_5)`: how many decades the middle 90% of the spectrum spans (a lower
    /// bound when `σ_5` is below the noise floor, which then stands in for it).
    pub fn spread_decades(&self) -> f64 {
        match self.percentiles.as_slice() {
            [p5, _, p95] => p95.log10() - p5.max(self.noise_floor).log10(),
            _ => f64::NAN,
        }
    }

    /// [`Self::spread_decades`] as text, `≥ x` when it is only a lower bound.
    pub fn spread_text(&self) -> String {
        let bounded = self
            .percentiles
            .first()
            .is_some_and(|&p5| p5 < self.noise_floor);
        format!(
            "{}{}",
            if bounded { "≥ " } else { "" },
            fmt_short(self.spread_decades())
        )
    }

    /// Percentile `i` (0: 5%, 1: median, 2: 95%) as text, `< floor` below the noise floor.
    pub fn percentile_text(&self, i: usize) -> String {
        match self.percentiles.get(i) {
            Some(&p) if p < self.noise_floor => format!("< {}", fmt_short(self.noise_floor)),
            Some(&p) => fmt_short(p),
            None => "—".into(),
        }
    }

    /// A short label: `tanh + xavier_normal(gain=critical), L = 32`.
    pub fn label(&self) -> String {
        format!("{} + {}, L = {}", self.activation, self.init, self.depth)
    }

    /// A human-readable summary.
    pub fn to_table(&self) -> String {
        format!(
            "spectrum of J = dy_L/dx: {} + {}, depth {}, width {}, seed {}  (sigma_w^2 = {}, sigma_b^2 = {})\n\n\
             mean sigma^2        measured {:>10}   theory prod chi_l = {:>10}   ratio {}\n\
             Var[s^2]/E[s^2]^2   measured {:>10}   theory (free prob.) {:>10}\n\
             sigma               max {}, p95 {}, median {}, p5 {}, min {}  (middle 90%: {} decades)\n\
             within 2x of sqrt(mean sigma^2): {:.1}%; below the noise floor {}: {} of {}\n",
            self.activation,
            self.init,
            self.depth,
            self.width,
            self.seed,
            fmt_short(self.sigma_w2),
            fmt_short(self.sigma_b2),
            fmt_short(self.mean_sq),
            fmt_short(self.predicted_mean_sq),
            fmt_short(self.mean_sq / self.predicted_mean_sq),
            fmt_short(self.normalized_var_sq),
            fmt_short(self.predicted_normalized_var_sq),
            fmt_short(self.max()),
            self.percentile_text(2),
            self.percentile_text(1),
            self.percentile_text(0),
            fmt_short(self.min()),
            self.spread_text(),
            100.0 * self.within_factor_two,
            fmt_short(self.noise_floor),
            self.below_floor,
            self.width,
        )
    }

    /// The singular values as CSV, `index,singular_value`.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("index,singular_value\n");
        for (i, s) in self.singular_values.iter().enumerate() {
            out.push_str(&format!("{},{}\n", i + 1, fmt_num(*s)));
        }
        out
    }

    /// The whole result as pretty JSON.
    pub fn to_json(&self) -> Result<String, LabError> {
        Ok(serde_json::to_string_pretty(self)?)
    }
}

/// Header of [`summary_csv`].
pub const SUMMARY_HEADER: &str = "activation,init,depth,width,seed,sigma_w2,sigma_b2,mean_sq,predicted_mean_sq,normalized_var_sq,predicted_normalized_var_sq,sigma_max,sigma_p95,sigma_median,sigma_p5,sigma_min,within_factor_two,noise_floor,below_floor";

/// One CSV line per spectrum (no singular values), with [`SUMMARY_HEADER`].
pub fn summary_csv(results: &[SpectrumResult]) -> String {
    let mut out = format!("{SUMMARY_HEADER}\n");
    for r in results {
        let p = |i: usize| fmt_num(r.percentiles.get(i).copied().unwrap_or(f64::NAN));
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            crate::csv::key(
                &r.activation,
                &r.init,
                &[r.depth as u64, r.width as u64, r.seed]
            ),
            fmt_num(r.sigma_w2),
            fmt_num(r.sigma_b2),
            fmt_num(r.mean_sq),
            fmt_num(r.predicted_mean_sq),
            fmt_num(r.normalized_var_sq),
            fmt_num(r.predicted_normalized_var_sq),
            fmt_num(r.max()),
            p(2),
            p(1),
            p(0),
            fmt_num(r.min()),
            fmt_num(r.within_factor_two),
            fmt_num(r.noise_floor),
            r.below_floor
        ));
    }
    out
}

const WEIGHT_STREAM: u64 = 11;
const INPUT_STREAM: u64 = 12;
const BIAS_STREAM: u64 = 13;

fn validate(config: &SpectrumConfig) -> Result<(), LabError> {
    if config.depth == 0 || config.width == 0 {
        return Err(LabError::InvalidConfig(format!(
            "spectrum: depth and width must be ≥ 1 (got depth {}, width {})",
            config.depth, config.width
        )));
    }
    if !(config.bias_std.is_finite() && config.bias_std >= 0.0) {
        return Err(LabError::InvalidConfig(format!(
            "spectrum: bias_std must be finite and ≥ 0 (got {})",
            config.bias_std
        )));
    }
    if !config.activation.is_elementwise() {
        return Err(LabError::InvalidConfig(format!(
            "spectrum: `{}` acts on whole rows; the Jacobian spectrum needs an elementwise activation",
            config.activation
        )));
    }
    Ok(())
}

/// The initialiser with `gain=critical` resolved, and its `σ_w²`.
fn resolved(config: &SpectrumConfig) -> Result<(InitSpec, f64), LabError> {
    let n = config.width;
    let sigma_b2 = config.bias_std * config.bias_std;
    let init = resolve_init(&config.init, &config.activation, sigma_b2, n, n)?;
    let gain = init.gain_for(Some(&config.activation))?;
    Ok((init, n as f64 * init.kind.weight_variance(n, n, gain)))
}

/// The input–output Jacobian `J = ∂y_L/∂x` (row-major `N×N`, `J[i][j] = ∂y_L[i]/∂x[j]`),
/// computed by the engine's backward pass in `f64`.
pub fn jacobian(config: &SpectrumConfig) -> Result<Vec<f64>, LabError> {
    validate(config)?;
    let (init, _) = resolved(config)?;
    let n = config.width;
    let mut weight_rng = seeded_rng(derive_seed(config.seed, WEIGHT_STREAM));
    let mut bias_rng = seeded_rng(derive_seed(config.seed, BIAS_STREAM));
    let bias_scale = Tensor::<f64>::scalar(config.bias_std);
    let x = Tensor::<f64>::randn(
        &[n],
        &mut seeded_rng(derive_seed(config.seed, INPUT_STREAM)),
    )
    .to_vec();
    let batch: Vec<f64> = (0..n).flat_map(|_| x.iter().copied()).collect();
    let input = Tensor::<f64>::from_vec(batch, &[n, n])?.requires_grad_(true);
    let mut y = input.clone();
    for _ in 0..config.depth {
        let w = Tensor::<f64>::zeros(&[n, n]);
        init.init_(&w, Some(&config.activation), &mut weight_rng)?;
        let mut h = y.try_matmul(&w.t())?;
        if config.bias_std > 0.0 {
            let b = &Tensor::<f64>::randn(&[n], &mut bias_rng) * &bias_scale;
            h = h.try_add(&b)?;
        }
        y = config.activation.apply(&h, None)?;
    }
    let loss = (&y * &Tensor::<f64>::eye(n)).sum();
    loss.backward()?;
    drop(y);
    let grad = input.grad().ok_or_else(|| {
        LabError::InvalidConfig("spectrum: the backward pass did not reach the input".into())
    })?;
    Ok(grad.to_vec())
}

/// The mean-field / free-probability prediction `(Π χ_l, Σ_l (v_W + v_D(q_l)))`.
pub fn predicted_moments(config: &SpectrumConfig) -> Result<(f64, f64), LabError> {
    validate(config)?;
    let (init, sigma_w2) = resolved(config)?;
    let sigma_b2 = config.bias_std * config.bias_std;
    let prediction =
        predict_activation_with_bias(&config.activation, sigma_w2, sigma_b2, config.depth)?;
    let mean: f64 = prediction.chi.iter().product();
    let f = ScalarActivation::new(&config.activation)?;
    let dphi = f.dphi();
    let v_w = if init.kind == InitKind::Orthogonal {
        0.0
    } else {
        1.0
    };
    let var: f64 = prediction
        .q
        .iter()
        .map(|&q| {
            let m2 = gaussian_expectation(|x| dphi(x).powi(2), q.sqrt(), &f.kinks);
            let m4 = gaussian_expectation(|x| dphi(x).powi(4), q.sqrt(), &f.kinks);
            v_w + m4 / (m2 * m2) - 1.0
        })
        .sum();
    Ok((mean, var))
}

/// Measures the Jacobian's singular values and predicts their moments.
pub fn spectrum(config: &SpectrumConfig) -> Result<SpectrumResult, LabError> {
    let j = jacobian(config)?;
    let n = config.width;
    let values = singular_values(&j, n, n)?;
    let (predicted_mean_sq, predicted_normalized_var_sq) = predicted_moments(config)?;
    let (init, sigma_w2) = resolved(config)?;
    let squares: Vec<f64> = values.iter().map(|s| s * s).collect();
    let mean_sq = squares.iter().sum::<f64>() / n as f64;
    let var_sq = squares.iter().map(|l| (l - mean_sq).powi(2)).sum::<f64>() / n as f64;
    let mut ascending = values.clone();
    ascending.reverse();
    let percentile = |p: f64| {
        let position = p * (n - 1) as f64;
        let (lo, hi) = (position.floor() as usize, position.ceil() as usize);
        let t = position - lo as f64;
        ascending[lo] * (1.0 - t) + ascending[hi] * t
    };
    let noise_floor = crate::svd::noise_floor(values.first().copied().unwrap_or(0.0), n, n);
    let scale = mean_sq.sqrt();
    let within_factor_two = values
        .iter()
        .filter(|&&s| s >= 0.5 * scale && s <= 2.0 * scale)
        .count() as f64
        / n as f64;
    let below_floor = values.iter().filter(|&&s| s < noise_floor).count();
    Ok(SpectrumResult {
        activation: config.activation.to_string(),
        init: config.init.to_string(),
        depth: config.depth,
        width: n,
        seed: config.seed,
        sigma_w2,
        sigma_b2: config.bias_std * config.bias_std,
        orthogonal: init.kind == InitKind::Orthogonal,
        percentiles: vec![percentile(0.05), percentile(0.5), percentile(0.95)],
        singular_values: values,
        mean_sq,
        predicted_mean_sq,
        normalized_var_sq: var_sq / (mean_sq * mean_sq),
        predicted_normalized_var_sq,
        within_factor_two,
        noise_floor,
        below_floor,
    })
}

/// The spectra part of a study: [`study_configs`] at these depths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpectrumStudyConfig {
    /// Run it at all.
    pub enabled: bool,
    /// Depths `L`.
    pub depths: Vec<usize>,
    /// Width `N` (the Jacobian is `N×N`).
    pub width: usize,
    /// Bias variance of the tanh stacks (ReLU has no edge of chaos with biases).
    pub sigma_b2: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for SpectrumStudyConfig {
    /// Depths 32 and 128 at width 256, tanh at σ_b² = 10⁻⁴ (a small `q*`, where tanh' ≈ 1
    /// and orthogonal weights reach isometry).
    fn default() -> Self {
        Self {
            enabled: true,
            depths: vec![32, 128],
            width: 256,
            sigma_b2: 1e-4,
            seed: 0,
        }
    }
}

impl SpectrumStudyConfig {
    /// The `--quick` spectra: depths 4 and 16 at width 32.
    pub fn quick() -> Self {
        Self {
            depths: vec![4, 16],
            width: 32,
            ..Self::default()
        }
    }

    /// Every spectrum of the study, measured in parallel, in [`study_configs`] order.
    pub fn run(&self) -> Result<Vec<SpectrumResult>, LabError> {
        use rayon::prelude::*;
        if !self.enabled {
            return Ok(Vec::new());
        }
        if !(self.sigma_b2.is_finite() && self.sigma_b2 >= 0.0) {
            return Err(LabError::InvalidConfig(format!(
                "spectrum: sigma_b2 must be finite and ≥ 0, got {}",
                self.sigma_b2
            )));
        }
        study_configs(&self.depths, self.width, self.sigma_b2, self.seed)
            .par_iter()
            .map(|c| {
                // Grad mode is per thread; a stolen job must not inherit another's no_grad.
                let _grad = myelin_tensor::set_grad_enabled(true);
                spectrum(c)
            })
            .collect()
    }
}

/// The spectra the study compares: tanh on the edge of chaos at `σ_b²` with Gaussian and
/// with orthogonal weights, and ReLU with `kaiming_normal` and with critical orthogonal
/// weights (`σ_w² = 2`), each at every depth.
pub fn study_configs(
    depths: &[usize],
    width: usize,
    sigma_b2: f64,
    seed: u64,
) -> Vec<SpectrumConfig> {
    let cases = [
        ("tanh", "xavier_normal(gain=critical)", sigma_b2),
        ("tanh", "orthogonal(gain=critical)", sigma_b2),
        ("relu", "kaiming_normal", 0.0),
        ("relu", "orthogonal(gain=critical)", 0.0),
    ];
    let mut out = Vec::new();
    for (activation, init, b2) in cases {
        for &depth in depths {
            out.push(SpectrumConfig {
                activation: activation.parse().expect("valid activation"),
                init: init.parse().expect("valid spec"),
                depth,
                width,
                seed,
                bias_std: f64::sqrt(b2),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(
        activation: &str,
        init: &str,
        depth: usize,
        width: usize,
        bias_std: f64,
    ) -> SpectrumConfig {
        SpectrumConfig {
            activation: activation.parse().unwrap(),
            init: init.parse().unwrap(),
            depth,
            width,
            seed: 3,
            bias_std,
        }
    }

    #[test]
    fn linear_orthogonal_stack_is_an_exact_isometry() {
        let r = spectrum(&config("identity", "orthogonal", 6, 24, 0.0)).unwrap();
        assert_eq!(r.singular_values.len(), 24);
        for s in &r.singular_values {
            assert!((s - 1.0).abs() < 1e-10, "{:?}", r.singular_values);
        }
        assert!((r.predicted_mean_sq - 1.0).abs() < 1e-12);
        assert!(r.predicted_normalized_var_sq.abs() < 1e-12);
    }

    #[test]
    fn jacobian_matches_finite_differences_of_the_forward_map() {
        // Rebuild the same stack by hand and differentiate numerically.
        let c = config("tanh", "xavier_normal", 3, 5, 0.3);
        let j = jacobian(&c).unwrap();
        let n = c.width;
        let mut weight_rng = seeded_rng(derive_seed(c.seed, WEIGHT_STREAM));
        let mut bias_rng = seeded_rng(derive_seed(c.seed, BIAS_STREAM));
        let mut layers = Vec::new();
        for _ in 0..c.depth {
            let w = Tensor::<f64>::zeros(&[n, n]);
            c.init
                .init_(&w, Some(&c.activation), &mut weight_rng)
                .unwrap();
            let b = Tensor::<f64>::randn(&[n], &mut bias_rng).to_vec();
            layers.push((w.to_vec(), b));
        }
        let x =
            Tensor::<f64>::randn(&[n], &mut seeded_rng(derive_seed(c.seed, INPUT_STREAM))).to_vec();
        let forward = |x: &[f64]| {
            let mut y = x.to_vec();
            for (w, b) in &layers {
                y = (0..n)
                    .map(|i| {
                        let h: f64 =
                            (0..n).map(|k| w[i * n + k] * y[k]).sum::<f64>() + c.bias_std * b[i];
                        h.tanh()
                    })
                    .collect();
            }
            y
        };
        let eps = 1e-6;
        for col in 0..n {
            let (mut plus, mut minus) = (x.clone(), x.clone());
            plus[col] += eps;
            minus[col] -= eps;
            let (fp, fm) = (forward(&plus), forward(&minus));
            for row in 0..n {
                let numeric = (fp[row] - fm[row]) / (2.0 * eps);
                assert!(
                    (numeric - j[row * n + col]).abs() < 1e-8,
                    "J[{row}][{col}]: {numeric} vs {}",
                    j[row * n + col]
                );
            }
        }
    }

    #[test]
    fn linear_gaussian_stack_has_fuss_catalan_variance() {
        // Product of L iid Gaussian N×N matrices: E[λ] = 1, Var[λ]/E[λ]² → L.
        let r = spectrum(&config("identity", "lecun_normal", 3, 96, 0.0)).unwrap();
        assert!((r.predicted_normalized_var_sq - 3.0).abs() < 1e-9);
        assert!((r.mean_sq - 1.0).abs() < 0.1, "{}", r.mean_sq);
        assert!(
            (r.normalized_var_sq - 3.0).abs() < 0.9,
            "{}",
            r.normalized_var_sq
        );
    }

    #[test]
    fn mean_squared_singular_value_follows_the_product_of_chi() {
        // One Jacobian's E[σ²] fluctuates by O(√(L/N)); average four seeds.
        for (activation, init, bias) in [
            ("tanh", "xavier_normal(gain=critical)", 0.05f64.sqrt()),
            ("tanh", "orthogonal(gain=critical)", 0.05f64.sqrt()),
            ("tanh", "xavier_normal(gain=2)", 0.0),
            ("relu", "kaiming_normal", 0.0),
        ] {
            let (mut measured, mut predicted) = (0.0, 0.0);
            for seed in 0..4 {
                let c = SpectrumConfig {
                    seed,
                    ..config(activation, init, 6, 96, bias)
                };
                let r = spectrum(&c).unwrap();
                measured += r.mean_sq / 4.0;
                predicted = r.predicted_mean_sq;
            }
            let ratio = measured / predicted;
            assert!(
                (ratio - 1.0).abs() < 0.2,
                "{activation} + {init}: {measured} vs {predicted}"
            );
        }
        // The chaotic tanh stack is far from 1, so the agreement above is not trivial.
        let chaotic =
            predicted_moments(&config("tanh", "xavier_normal(gain=2)", 6, 96, 0.0)).unwrap();
        assert!(chaotic.0 > 4.0, "{chaotic:?}");
    }

    #[test]
    fn orthogonal_weights_narrow_the_tanh_spectrum_but_not_the_relu_one() {
        let b = 0.05f64.sqrt();
        let gauss = spectrum(&config("tanh", "xavier_normal(gain=critical)", 16, 96, b)).unwrap();
        let orth = spectrum(&config("tanh", "orthogonal(gain=critical)", 16, 96, b)).unwrap();
        let relu = spectrum(&config("relu", "orthogonal(gain=critical)", 16, 96, 0.0)).unwrap();
        assert!(
            orth.normalized_var_sq < 0.5 * gauss.normalized_var_sq,
            "{} vs {}",
            orth.normalized_var_sq,
            gauss.normalized_var_sq
        );
        assert!(orth.within_factor_two > 2.0 * gauss.within_factor_two);
        assert!(relu.normalized_var_sq > 2.0, "{}", relu.normalized_var_sq);
        assert!(orth.predicted_normalized_var_sq < gauss.predicted_normalized_var_sq - 15.0);
    }

    #[test]
    fn bad_configs_are_errors_naming_the_problem() {
        let e = spectrum(&config("tanh", "orthogonal", 0, 8, 0.0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("spectrum") && e.contains("depth 0"), "{e}");
        let e = spectrum(&config("softmax", "orthogonal", 2, 8, 0.0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("softmax") && e.contains("elementwise"), "{e}");
        let e = spectrum(&config("tanh", "orthogonal", 2, 8, -1.0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("bias_std"), "{e}");
    }

    #[test]
    fn csv_lists_every_singular_value_and_the_summary_quotes_specs() {
        let r = spectrum(&config(
            "leaky_relu(slope=0.2)",
            "normal(0.2, gain=2)",
            2,
            6,
            0.0,
        ))
        .unwrap();
        let csv = r.to_csv();
        assert_eq!(csv.lines().count(), 7);
        let line = csv.lines().nth(1).unwrap();
        assert_eq!(
            line.split(',').nth(1).unwrap().parse::<f64>().unwrap(),
            r.singular_values[0]
        );
        let summary = summary_csv(&[r]);
        assert!(
            summary
                .lines()
                .nth(1)
                .unwrap()
                .starts_with("leaky_relu(slope=0.2),\"normal(0.2, gain=2)\",2,6,3,"),
            "{summary}"
        );
    }
}
