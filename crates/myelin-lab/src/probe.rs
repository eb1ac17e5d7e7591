//! `myelin probe`: one deep stack, measured exactly, with the mean-field prediction beside it.
//!
//! The network (no biases, every layer square and followed by the activation):
//!
//! ```text
//! Y_0 = X              X: B×N, entries iid N(0, 1)
//! H_l = Y_{l−1} W_lᵀ   W_l: N×N (out × in) drawn by the initialiser, l = 1..L
//! Y_l = φ(H_l)
//! Loss = Σ_{b,i} R[b,i] · Y_L[b,i]      R: B×N iid N(0, 1), independent of the weights
//! ```
//!
//! Per layer it records `q = mean(H_l²)`, the mean and variance of `Y_l`, the gradient norm
//! `G_l = ‖∂Loss/∂H_l‖_F` (taken from the engine's own backward pass through a hook on
//! `H_l`), `‖∂Loss/∂W_l‖_F` and the fraction of units that are `≤ 0` for the whole batch.
//! Every norm is accumulated in `f64` with LAPACK-style scaling ([`crate::stats`]).
//!
//! Randomness: the weights, `X` and `R` come from three generators derived from the seed,
//! so two probes with the same seed see the same input and readout whatever the
//! initialiser, and a probe is bit-for-bit reproducible.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use myelin_activations::Activation;
use myelin_tensor::{seeded_rng, Element, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::LabError;
use crate::init_spec::InitSpec;
use crate::stats::{dead_fraction, mean_and_variance, tensor_norm, ScaledSumSquares};
use crate::theory::{predict_activation, Regime};

/// The element type a probe computes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats.
    F32,
    /// 64-bit floats (the default: gradients of 1e−60 stay representable).
    #[default]
    F64,
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        })
    }
}

impl FromStr for Precision {
    type Err = LabError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "f32" | "float32" => Ok(Precision::F32),
            "f64" | "float64" => Ok(Precision::F64),
            other => Err(LabError::InvalidConfig(format!(
                "unknown dtype `{other}`; use f32 or f64"
            ))),
        }
    }
}

/// What to build and measure.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeConfig {
    /// The activation after every layer (must be elementwise).
    pub activation: Activation,
    /// How the weights are drawn.
    pub init: InitSpec,
    /// Number of layers `L`.
    pub depth: usize,
    /// Width `N` of every layer (and of the input).
    pub width: usize,
    /// Batch size `B`.
    pub batch: usize,
    /// Seed of the weights, the input and the readout.
    pub seed: u64,
    /// Element type.
    pub precision: Precision,
}

impl Default for ProbeConfig {
    /// The spec's defaults: ReLU, `kaiming_normal`, L = 50, N = 256, B = 256, seed 0, f64.
    fn default() -> Self {
        Self {
            activation: Activation::Elementwise(myelin_activations::Elementwise::Relu),
            init: "kaiming_normal".parse().expect("valid spec"),
            depth: 50,
            width: 256,
            batch: 256,
            seed: 0,
            precision: Precision::F64,
        }
    }
}

/// Optional extras a probe can collect.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProbeOptions {
    /// Layers (1-based) whose post-activation values `Y_l` are sampled for histograms.
    pub sample_layers: Vec<usize>,
    /// How many values of each sampled layer to keep (the first ones, row-major: whole
    /// batch rows, which are independent samples).
    pub sample_size: usize,
}

/// The measurements of one layer; field order is the CSV column order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerStats {
    /// 1-based layer index `l`.
    pub layer: usize,
    /// `mean(H_l²)`, the pre-activation second moment.
    #[serde(with = "crate::json_float::scalar")]
    pub q: f64,
    /// Mean of `Y_l` over all B·N entries.
    #[serde(with = "crate::json_float::scalar")]
    pub act_mean: f64,
    /// Variance of `Y_l` over all B·N entries.
    #[serde(with = "crate::json_float::scalar")]
    pub act_var: f64,
    /// `G_l = ‖∂Loss/∂H_l‖_F`.
    #[serde(with = "crate::json_float::scalar")]
    pub grad_norm: f64,
    /// `‖∂Loss/∂W_l‖_F`.
    #[serde(with = "crate::json_float::scalar")]
    pub weight_grad_norm: f64,
    /// Fraction of units `j` with `H_l[b, j] ≤ 0` for every `b`.
    #[serde(with = "crate::json_float::scalar")]
    pub dead_fraction: f64,
}

/// The mean-field prediction for the probed configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TheorySummary {
    /// `σ_w² = fan_in · Var(W_ij)` of the initialiser.
    #[serde(with = "crate::json_float::scalar")]
    pub sigma_w2: f64,
    /// Predicted `q_l`, `l = 1..L`.
    #[serde(with = "crate::json_float::vec")]
    pub q: Vec<f64>,
    /// Predicted `χ_l`, `l = 1..L`.
    #[serde(with = "crate::json_float::vec")]
    pub chi: Vec<f64>,
    /// Predicted `log10(G_l / G_L)`, `l = 1..L`.
    #[serde(with = "crate::json_float::vec")]
    pub log10_grad_norm: Vec<f64>,
    /// Predicted `log10(G_1 / G_L)`.
    #[serde(with = "crate::json_float::scalar")]
    pub log10_grad_ratio: f64,
    /// Regime of the prediction.
    pub regime: Regime,
}

/// Everything a probe measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    /// Activation spec as text.
    pub activation: String,
    /// Initialiser spec as text.
    pub init: String,
    /// Number of layers.
    pub depth: usize,
    /// Layer width.
    pub width: usize,
    /// Batch size.
    pub batch: usize,
    /// Seed.
    pub seed: u64,
    /// Element type.
    pub dtype: Precision,
    /// Per-layer measurements, `l = 1..L`.
    pub layers: Vec<LayerStats>,
    /// Measured `log10(G_1 / G_L)`: negative vanishing, positive exploding.
    #[serde(with = "crate::json_float::scalar")]
    pub log10_grad_ratio: f64,
    /// Regime of the measurement.
    pub regime: Regime,
    /// The mean-field prediction.
    pub theory: TheorySummary,
    /// Sampled `Y_l` values, `(layer, values)`, when asked for in [`ProbeOptions`].
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "crate::json_float::samples"
    )]
    pub samples: Vec<(usize, Vec<f64>)>,
}

impl ProbeResult {
    /// Predicted `G_l`, anchored at the measured `G_L`: `G_L · 10^{predicted log10(G_l/G_L)}`.
    pub fn predicted_grad_norms(&self) -> Vec<f64> {
        let last = self.layers.last().map_or(f64::NAN, |s| s.grad_norm);
        self.theory
            .log10_grad_norm
            .iter()
            .map(|&p| last * 10f64.powf(p))
            .collect()
    }

    /// The per-layer table as CSV, columns
    /// `layer,q,act_mean,act_var,grad_norm,weight_grad_norm,dead_fraction`.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(CSV_HEADER);
        out.push('\n');
        for s in &self.layers {
            out.push_str(&format!(
                "{},{},{},{},{},{},{}\n",
                s.layer,
                fmt_num(s.q),
                fmt_num(s.act_mean),
                fmt_num(s.act_var),
                fmt_num(s.grad_norm),
                fmt_num(s.weight_grad_norm),
                fmt_num(s.dead_fraction)
            ));
        }
        out
    }

    /// The whole result as pretty JSON (non-finite numbers become `null`).
    pub fn to_json(&self) -> Result<String, LabError> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// A human-readable table with the prediction beside the measurement.
    pub fn to_table(&self) -> String {
        let mut out = format!(
            "probe: {} + {}, depth {}, width {}, batch {}, seed {}, {}  (sigma_w^2 = {})\n\n",
            self.activation,
            self.init,
            self.depth,
            self.width,
            self.batch,
            self.seed,
            self.dtype,
            fmt_short(self.theory.sigma_w2)
        );
        out.push_str(&format!(
            "{:>5}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>6}\n",
            "layer",
            "q",
            "q theory",
            "act_mean",
            "act_var",
            "grad_norm",
            "G theory",
            "W grad",
            "dead"
        ));
        let predicted = self.predicted_grad_norms();
        for (i, s) in self.layers.iter().enumerate() {
            out.push_str(&format!(
                "{:>5}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>10}  {:>6.3}\n",
                s.layer,
                fmt_short(s.q),
                fmt_short(self.theory.q.get(i).copied().unwrap_or(f64::NAN)),
                fmt_short(s.act_mean),
                fmt_short(s.act_var),
                fmt_short(s.grad_norm),
                fmt_short(predicted.get(i).copied().unwrap_or(f64::NAN)),
                fmt_short(s.weight_grad_norm),
                s.dead_fraction
            ));
        }
        out.push_str(&format!(
            "\nlog10(G_1/G_L): measured {:+.3} ({}), mean-field prediction {:+.3} ({})\n",
            self.log10_grad_ratio, self.regime, self.theory.log10_grad_ratio, self.theory.regime
        ));
        out
    }
}

/// The CSV header of [`ProbeResult::to_csv`].
pub const CSV_HEADER: &str = "layer,q,act_mean,act_var,grad_norm,weight_grad_norm,dead_fraction";

/// Formats a number for CSV: plain decimals in `[1e−4, 1e6)`, scientific otherwise, `NaN`,
/// `inf`, `-inf` for non-finite values. Round-trips exactly.
pub fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else if x == 0.0 || (1e-4..1e6).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// Formats a number in about 4 significant digits for tables.
pub fn fmt_short(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else if x == 0.0 {
        "0".into()
    } else if (1e-3..1e5).contains(&x.abs()) {
        let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 6) as usize;
        format!("{x:.digits$}")
    } else {
        format!("{x:.3e}")
    }
}

/// `σ_w² = fan_in · Var(W)` of `init` on an `N×N` layer followed by `activation`.
pub fn sigma_w2(init: &InitSpec, activation: &Activation, width: usize) -> Result<f64, LabError> {
    let gain = init.gain_for(Some(activation))?;
    Ok(width as f64 * init.kind.weight_variance(width, width, gain))
}

/// Mixes a seed and a stream number into an independent-looking seed (SplitMix64).
pub fn derive_seed(seed: u64, stream: u64) -> u64 {
    let mut z = seed
        .wrapping_add(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const WEIGHT_STREAM: u64 = 1;
const INPUT_STREAM: u64 = 2;
const READOUT_STREAM: u64 = 3;

/// Checks a configuration before running it.
pub fn validate(config: &ProbeConfig) -> Result<(), LabError> {
    if config.depth == 0 || config.width == 0 || config.batch == 0 {
        return Err(LabError::InvalidConfig(format!(
            "depth, width and batch must all be ≥ 1 (got depth {}, width {}, batch {})",
            config.depth, config.width, config.batch
        )));
    }
    if !config.activation.is_elementwise() {
        return Err(LabError::InvalidConfig(format!(
            "`{}` acts on whole rows; probe needs an elementwise activation",
            config.activation
        )));
    }
    Ok(())
}

/// Builds the stack of [`ProbeConfig`], runs forward and backward, and measures it.
pub fn probe(config: &ProbeConfig) -> Result<ProbeResult, LabError> {
    probe_with(config, &ProbeOptions::default())
}

/// [`probe`] with extras (value samples for histograms).
pub fn probe_with(config: &ProbeConfig, options: &ProbeOptions) -> Result<ProbeResult, LabError> {
    match config.precision {
        Precision::F32 => probe_typed::<f32>(config, options),
        Precision::F64 => probe_typed::<f64>(config, options),
    }
}

/// `(weights, X, R)` as drawn for a probe.
pub type ProbeTensors<T> = (Vec<Tensor<T>>, Tensor<T>, Tensor<T>);

/// The probe's weights, input and readout, exactly as [`probe`] draws them: `(weights
/// W_1..W_L as N×N leaves requiring grad, X, R)`. Exposed so tests can recompute the
/// gradients another way.
pub fn draw_tensors<T: Element>(config: &ProbeConfig) -> Result<ProbeTensors<T>, LabError> {
    validate(config)?;
    let (n, b) = (config.width, config.batch);
    let mut weight_rng = seeded_rng(derive_seed(config.seed, WEIGHT_STREAM));
    let weights = (0..config.depth)
        .map(|_| {
            let w = Tensor::<T>::zeros(&[n, n]).requires_grad_(true);
            config
                .init
                .init_(&w, Some(&config.activation), &mut weight_rng)?;
            Ok(w)
        })
        .collect::<Result<Vec<_>, LabError>>()?;
    let x = Tensor::<T>::randn(
        &[b, n],
        &mut seeded_rng(derive_seed(config.seed, INPUT_STREAM)),
    );
    let r = Tensor::<T>::randn(
        &[b, n],
        &mut seeded_rng(derive_seed(config.seed, READOUT_STREAM)),
    );
    Ok((weights, x, r))
}

fn probe_typed<T: Element>(
    config: &ProbeConfig,
    options: &ProbeOptions,
) -> Result<ProbeResult, LabError> {
    let (weights, x, r) = draw_tensors::<T>(config)?;
    let (depth, n, b) = (config.depth, config.width, config.batch);
    let grad_norms = Arc::new(Mutex::new(vec![0.0f64; depth]));
    let mut layers = Vec::with_capacity(depth);
    let mut samples = Vec::new();

    let mut y = x;
    for (index, w) in weights.iter().enumerate() {
        let layer = index + 1;
        let h = y.try_matmul(&w.t())?;
        let store = Arc::clone(&grad_norms);
        h.register_hook(move |g| {
            store.lock().unwrap_or_else(|e| e.into_inner())[index] = tensor_norm(g);
            None
        });
        let (q, dead) = h.with_contiguous_data(|data| {
            let mut sum = ScaledSumSquares::new();
            sum.extend(data);
            (sum.mean_square(data.len()), dead_fraction(data, b, n))
        });
        y = config.activation.apply(&h, None)?;
        let (act_mean, act_var) = y.with_contiguous_data(mean_and_variance);
        if options.sample_layers.contains(&layer) {
            let values = y.with_contiguous_data(|data| {
                data.iter()
                    .take(options.sample_size)
                    .map(|v| Element::to_f64(*v))
                    .collect::<Vec<f64>>()
            });
            samples.push((layer, values));
        }
        layers.push(LayerStats {
            layer,
            q,
            act_mean,
            act_var,
            grad_norm: f64::NAN,
            weight_grad_norm: f64::NAN,
            dead_fraction: dead,
        });
    }
    let loss = (&y * &r).sum();
    loss.backward()?;
    drop(y);

    let grad_norms = grad_norms.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for ((stats, w), g) in layers.iter_mut().zip(&weights).zip(grad_norms) {
        stats.grad_norm = g;
        stats.weight_grad_norm = w.grad().map_or(0.0, |gw| tensor_norm(&gw));
    }
    let log10_grad_ratio = log10_ratio(
        layers.first().map_or(f64::NAN, |s| s.grad_norm),
        layers.last().map_or(f64::NAN, |s| s.grad_norm),
    );

    let sigma_w2 = sigma_w2(&config.init, &config.activation, n)?;
    let prediction = predict_activation(&config.activation, sigma_w2, depth)?;
    let theory = TheorySummary {
        sigma_w2,
        regime: Regime::classify(prediction.log10_grad_ratio),
        q: prediction.q,
        chi: prediction.chi,
        log10_grad_norm: prediction.predicted_log10_grad_norm,
        log10_grad_ratio: prediction.log10_grad_ratio,
    };
    Ok(ProbeResult {
        activation: config.activation.to_string(),
        init: config.init.to_string(),
        depth,
        width: n,
        batch: b,
        seed: config.seed,
        dtype: config.precision,
        layers,
        log10_grad_ratio,
        regime: Regime::classify(log10_grad_ratio),
        theory,
        samples,
    })
}

/// `log10(first / last)` computed as a difference of logs so it never overflows; NaN or
/// infinite norms give NaN; a first norm of 0 gives `−∞` (vanished), a last norm of 0 with a
/// positive first gives `+∞`.
pub fn log10_ratio(first: f64, last: f64) -> f64 {
    if !(first.is_finite() && last.is_finite()) {
        return f64::NAN;
    }
    match (first > 0.0, last > 0.0) {
        (true, true) => first.log10() - last.log10(),
        (false, true) => f64::NEG_INFINITY,
        (true, false) => f64::INFINITY,
        (false, false) => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_distinct_per_stream() {
        let a = derive_seed(0, WEIGHT_STREAM);
        let b = derive_seed(0, INPUT_STREAM);
        let c = derive_seed(1, WEIGHT_STREAM);
        assert!(a != b && a != c && b != c);
    }

    #[test]
    fn number_formats() {
        assert_eq!(fmt_num(0.5), "0.5");
        assert_eq!(fmt_num(1e-30), "1e-30");
        assert_eq!(fmt_num(f64::NAN), "NaN");
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!("1.5e-30".parse::<f64>().unwrap(), 1.5e-30);
        assert_eq!(fmt_short(1234.5678), "1235");
        assert_eq!(fmt_short(0.012345), "0.01235");
        assert_eq!(fmt_short(1e-30), "1.000e-30");
    }

    #[test]
    fn log_ratio_edges() {
        assert!((log10_ratio(1e-200, 1e200) + 400.0).abs() < 1e-9);
        assert_eq!(log10_ratio(0.0, 1.0), f64::NEG_INFINITY);
        assert!(log10_ratio(f64::NAN, 1.0).is_nan());
    }
}
