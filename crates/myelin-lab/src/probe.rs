//! `myelin probe`: one deep stack, measured exactly, with the mean-field prediction beside it.
//!
//! The network (every layer square and followed by the activation):
//!
//! ```text
//! Y_0 = X                  X: B×N, entries iid N(0, 1)
//! H_l = Y_{l−1} W_lᵀ + b_l  W_l: N×N (out × in) drawn by the initialiser, l = 1..L
//!                          b_l: N entries iid N(0, σ_b²) (absent when σ_b = 0, the default)
//! Y_l = φ(H_l)
//! Loss = Σ_{b,i} R[b,i] · Y_L[b,i]      R: B×N iid N(0, 1), independent of the weights
//! ```
//!
//! Per layer it records `q = mean(H_l²)`, the mean and variance of `Y_l`, the gradient norm
//! `G_l = ‖∂Loss/∂H_l‖_F` (taken from the engine's own backward pass through a hook on
//! `H_l`), `‖∂Loss/∂W_l‖_F` and the fraction of units that are `≤ 0` for the whole batch.
//! Every norm is accumulated in `f64` with LAPACK-style scaling ([`crate::stats`]).
//!
//! In f32 a deep stack can overflow: [`ProbeResult::first_nonfinite_layer`] names the first
//! layer whose pre-activations or activations are not finite, and
//! [`ProbeResult::first_nonfinite_grad_layer`] the first layer the backward pass reached
//! (the highest `l`) whose gradient `∂Loss/∂H_l` is not finite.
//!
//! `gain=critical` in the initialiser is resolved by [`crate::critical::resolve_init`] for
//! the activation and σ_b², so the stack starts on the edge of chaos.
//!
//! Randomness: the weights, `X`, `R` and the biases come from generators derived from the seed,
//! so two probes with the same seed see the same input and readout whatever the
//! initialiser, and a probe is bit-for-bit reproducible.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use myelin_activations::Activation;
use myelin_tensor::{seeded_rng, Element, Tensor};
use serde::{Deserialize, Serialize};

use crate::critical::{critical_point, depth_scales, CriticalPoint, DepthScales};
use crate::error::LabError;
use crate::init_spec::InitSpec;
use crate::stats::{dead_fraction, mean_and_variance, tensor_norm, ScaledSumSquares};
use crate::theory::{predict_activation_with_bias, Regime};

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
    /// Standard deviation σ_b of the biases (0: no bias).
    pub bias_std: f64,
}

impl Default for ProbeConfig {
    /// The spec's defaults: ReLU, `kaiming_normal`, L = 50, N = 256, B = 256, seed 0, f64,
    /// no bias.
    fn default() -> Self {
        Self {
            activation: Activation::Elementwise(myelin_activations::Elementwise::Relu),
            init: "kaiming_normal".parse().expect("valid spec"),
            depth: 50,
            width: 256,
            batch: 256,
            seed: 0,
            precision: Precision::F64,
            bias_std: 0.0,
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

impl LayerStats {
    /// The row of [`ProbeResult::to_csv`], without a line end.
    pub fn csv_row(&self) -> String {
        format!(
            "{},{},{},{},{},{},{}",
            self.layer,
            fmt_num(self.q),
            fmt_num(self.act_mean),
            fmt_num(self.act_var),
            fmt_num(self.grad_norm),
            fmt_num(self.weight_grad_norm),
            fmt_num(self.dead_fraction)
        )
    }
}

/// The mean-field prediction for the probed configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TheorySummary {
    /// `σ_w² = fan_in · Var(W_ij)` of the initialiser.
    #[serde(with = "crate::json_float::scalar")]
    pub sigma_w2: f64,
    /// `σ_b²`, the bias variance.
    #[serde(default)]
    pub sigma_b2: f64,
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
    /// Depth scales at this `(σ_w², σ_b²)`; `None` when the variance has no fixed point.
    #[serde(default)]
    pub depth_scales: Option<DepthScales>,
    /// The edge of chaos of this activation at this `σ_b²`, if it has one.
    #[serde(default)]
    pub critical: Option<CriticalPoint>,
    /// Why there is no edge of chaos, when [`Self::critical`] is `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_critical_reason: Option<String>,
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
    /// σ_b, the bias standard deviation.
    #[serde(default)]
    pub bias_std: f64,
    /// The first layer `l` whose `H_l` or `Y_l` holds a non-finite value.
    #[serde(default)]
    pub first_nonfinite_layer: Option<usize>,
    /// The first layer reached by the backward pass (highest `l`) whose gradient
    /// `∂Loss/∂H_l` holds a non-finite value.
    #[serde(default)]
    pub first_nonfinite_grad_layer: Option<usize>,
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
            out.push_str(&s.csv_row());
            out.push('\n');
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
            "probe: {} + {}, depth {}, width {}, batch {}, seed {}, {}  (sigma_w^2 = {}, sigma_b^2 = {})\n\n",
            self.activation,
            self.init,
            self.depth,
            self.width,
            self.batch,
            self.seed,
            self.dtype,
            fmt_short(self.theory.sigma_w2),
            fmt_short(self.theory.sigma_b2)
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
        out.push_str(&self.theory_notes());
        out
    }

    /// The depth scales, the edge of chaos and the first non-finite layers, as text lines.
    pub fn theory_notes(&self) -> String {
        let mut out = String::new();
        match &self.theory.depth_scales {
            Some(d) => out.push_str(&format!(
                "depth scales: q* = {}, chi_1 = {}, xi_q = {}, c* = {}, chi_c = {}, xi_c = {}\n",
                fmt_short(d.q_star),
                fmt_short(d.chi_1),
                fmt_short(d.xi_q),
                fmt_short(d.c_star),
                fmt_short(d.chi_c),
                fmt_short(d.xi_c)
            )),
            None => {
                out.push_str("depth scales: none (the variance map has no finite fixed point)\n")
            }
        }
        match (&self.theory.critical, &self.theory.no_critical_reason) {
            (Some(c), _) => out.push_str(&format!(
                "edge of chaos at sigma_b^2 = {}: sigma_w^2 = {} (q* = {}); this run uses sigma_w^2 = {}\n",
                fmt_short(c.sigma_b2),
                fmt_short(c.sigma_w2),
                fmt_short(c.q_star),
                fmt_short(self.theory.sigma_w2)
            )),
            (None, Some(reason)) => out.push_str(&format!("no edge of chaos: {reason}\n")),
            (None, None) => {}
        }
        if let Some(l) = self.first_nonfinite_layer {
            out.push_str(&format!("first non-finite values: layer {l}\n"));
        }
        if let Some(l) = self.first_nonfinite_grad_layer {
            out.push_str(&format!(
                "first non-finite gradient (backward order): layer {l}\n"
            ));
        }
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

/// `σ_w² = fan_in · Var(W)` of `init` on an `N×N` layer followed by `activation`
/// (`gain=critical` resolved without bias; see [`effective_init`]).
pub fn sigma_w2(init: &InitSpec, activation: &Activation, width: usize) -> Result<f64, LabError> {
    let init = crate::critical::resolve_init(init, activation, 0.0, width, width)?;
    let gain = init.gain_for(Some(activation))?;
    Ok(width as f64 * init.kind.weight_variance(width, width, gain))
}

/// The initialiser the probe samples from: `config.init` with `gain=critical` resolved for
/// the activation and `σ_b² = bias_std²`.
pub fn effective_init(config: &ProbeConfig) -> Result<InitSpec, LabError> {
    crate::critical::resolve_init(
        &config.init,
        &config.activation,
        config.bias_std * config.bias_std,
        config.width,
        config.width,
    )
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
const BIAS_STREAM: u64 = 4;

/// Checks a configuration before running it.
pub fn validate(config: &ProbeConfig) -> Result<(), LabError> {
    if config.depth == 0 || config.width == 0 || config.batch == 0 {
        return Err(LabError::InvalidConfig(format!(
            "depth, width and batch must all be ≥ 1 (got depth {}, width {}, batch {})",
            config.depth, config.width, config.batch
        )));
    }
    if !(config.bias_std.is_finite() && config.bias_std >= 0.0) {
        return Err(LabError::InvalidConfig(format!(
            "bias_std must be finite and ≥ 0 (got {})",
            config.bias_std
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
    let init = effective_init(config)?;
    let (n, b) = (config.width, config.batch);
    let mut weight_rng = seeded_rng(derive_seed(config.seed, WEIGHT_STREAM));
    let weights = (0..config.depth)
        .map(|_| {
            let w = Tensor::<T>::zeros(&[n, n]).requires_grad_(true);
            init.init_(&w, Some(&config.activation), &mut weight_rng)?;
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

/// The probe's biases `b_1..b_L` (each `N` entries iid N(0, σ_b²)), exactly as [`probe`]
/// draws them; empty when `bias_std == 0` (the stack then has no bias at all).
pub fn draw_biases<T: Element>(config: &ProbeConfig) -> Vec<Tensor<T>> {
    if config.bias_std == 0.0 {
        return Vec::new();
    }
    let mut rng = seeded_rng(derive_seed(config.seed, BIAS_STREAM));
    let scale = Tensor::<T>::scalar(T::from_f64(config.bias_std));
    (0..config.depth)
        .map(|_| &Tensor::<T>::randn(&[config.width], &mut rng) * &scale)
        .collect()
}

fn all_finite<T: Element>(t: &Tensor<T>) -> bool {
    t.with_contiguous_data(|data| data.iter().all(|v| Element::to_f64(*v).is_finite()))
}

fn probe_typed<T: Element>(
    config: &ProbeConfig,
    options: &ProbeOptions,
) -> Result<ProbeResult, LabError> {
    let (weights, x, r) = draw_tensors::<T>(config)?;
    let biases = draw_biases::<T>(config);
    let (depth, n, b) = (config.depth, config.width, config.batch);
    let mut first_nonfinite_layer = None;
    let grad_norms = Arc::new(Mutex::new(vec![0.0f64; depth]));
    let mut layers = Vec::with_capacity(depth);
    let mut samples = Vec::new();

    let mut y = x;
    for (index, w) in weights.iter().enumerate() {
        let layer = index + 1;
        let mut h = y.try_matmul(&w.t())?;
        if let Some(bias) = biases.get(index) {
            h = h.try_add(bias)?;
        }
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
        if first_nonfinite_layer.is_none() && !(all_finite(&h) && all_finite(&y)) {
            first_nonfinite_layer = Some(layer);
        }
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
    let first_nonfinite_grad_layer = layers
        .iter()
        .rev()
        .find(|s| !s.grad_norm.is_finite())
        .map(|s| s.layer);
    let log10_grad_ratio = log10_ratio(
        layers.first().map_or(f64::NAN, |s| s.grad_norm),
        layers.last().map_or(f64::NAN, |s| s.grad_norm),
    );

    let init = effective_init(config)?;
    let sigma_w2 = n as f64
        * init
            .kind
            .weight_variance(n, n, init.gain_for(Some(&config.activation))?);
    let sigma_b2 = config.bias_std * config.bias_std;
    let prediction = predict_activation_with_bias(&config.activation, sigma_w2, sigma_b2, depth)?;
    let (critical, no_critical_reason) = match critical_point(&config.activation, sigma_b2) {
        Ok(point) => (Some(point), None),
        Err(LabError::NoEdgeOfChaos { reason, .. }) => (None, Some(reason)),
        Err(other) => return Err(other),
    };
    let theory = TheorySummary {
        sigma_w2,
        sigma_b2,
        depth_scales: depth_scales(&config.activation, sigma_w2, sigma_b2).ok(),
        critical,
        no_critical_reason,
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
        bias_std: config.bias_std,
        first_nonfinite_layer,
        first_nonfinite_grad_layer,
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
