//! The edge of chaos: the initialisation `(σ_w², σ_b²)` at which gradients neither vanish
//! nor explode, for any elementwise activation, and the depth scales around it
//! (Poole et al. 2016, Schoenholz et al. 2017).
//!
//! Write `A(q) = E[φ'(√q z)²]` and `B(q) = E[φ(√q z)²]`, `z ~ N(0, 1)`. A stack sits on the
//! edge of chaos when the variance map `q ↦ σ_w² B(q) + σ_b²` has a fixed point `q*` at
//! which `χ₁ = σ_w² A(q*) = 1`. Both conditions together parametrise the critical curve by
//! `q*` (no iteration needed):
//!
//! ```text
//! σ_w²(q*) = 1 / A(q*),        σ_b²(q*) = q* − B(q*) / A(q*).
//! ```
//!
//! [`critical_point`] solves `σ_b²(q*) = σ_b²` for `q*` (a bracketing scan on a log grid
//! of `q*` followed by bisection), keeps the smallest root whose fixed point attracts the
//! variance map (`χ_q = ∂q_{l+1}/∂q_l < 1` at `q*`, or `= 1` at the marginal `q* = 0`), and
//! returns `σ_w²` there. A marginal fixed point (`χ_q = 1`, e.g. `q* = 0` for tanh at
//! `σ_b² = 0`) counts when the variance map pulls a slightly larger `q` back down to it (for
//! tanh, `E[tanh²(√q z)] < q`); it does not for GELU, whose `q* = 0` at `σ_w² = 4` repels. Two cases have no edge of chaos, reported with the reason:
//!
//! * positively homogeneous activations (`φ(ax) = aφ(x)` for `a > 0`: identity, ReLU,
//!   leaky ReLU, PReLU) have `σ_b²(q*) ≡ 0`: they are critical only at `σ_b² = 0`, where
//!   every `q` is a fixed point (`σ_w² = 1/A`, e.g. 2 for ReLU);
//! * otherwise, when `σ_b²(q*)` never reaches the requested `σ_b²` for `q*` in
//!   `[0, `[`Q_STAR_MAX`]`]`, or every root is a repelling fixed point.
//!
//! Depth scales ([`depth_scales`]): near the fixed points, `q_l − q*` and `c_l − c*` (the
//! correlation of two inputs' pre-activations) decay like `exp(−l/ξ_q)` and
//! `exp(−l/ξ_c)` with `ξ_q = −1/ln χ_q` and `ξ_c = 1/|ln χ_c|`, where
//! `χ_c = σ_w² E[φ'(u₁)φ'(u₂)]` at the correlation fixed point `c*` (`c* = 1` and `χ_c = χ₁`
//! in the ordered phase). `ξ_c` diverges on the edge of chaos; Schoenholz et al. find that
//! networks train only up to depth ≈ 6 ξ_c.

use myelin_activations::quadrature::gaussian_expectation;
use myelin_activations::Activation;
use myelin_nn::init::{Gain, InitSpec};
use serde::{Deserialize, Serialize};

use crate::error::LabError;
use crate::theory::{chi, fixed_point_q, variance_map, ScalarActivation};

/// Largest `q*` the critical-curve scan considers.
pub const Q_STAR_MAX: f64 = 1e4;

/// Grid points per decade of the `q*` scan (from 1e−8 to [`Q_STAR_MAX`]).
const SCAN_POINTS_PER_DECADE: usize = 10;

/// Relative tolerance with which `σ_b²(q*)` counts as identically zero (homogeneous φ).
const HOMOGENEOUS_TOLERANCE: f64 = 1e-9;

/// One point on the edge of chaos.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CriticalPoint {
    /// `σ_w² = N · Var(W_ij)` at which `χ₁ = 1`.
    #[serde(with = "crate::json_float::scalar")]
    pub sigma_w2: f64,
    /// The bias variance the point was solved for.
    #[serde(with = "crate::json_float::scalar")]
    pub sigma_b2: f64,
    /// The variance fixed point `q*` (for homogeneous activations, where every `q` is a
    /// fixed point, the `q₁ = σ_w²` a unit-variance input produces).
    #[serde(with = "crate::json_float::scalar")]
    pub q_star: f64,
    /// `χ_q = ∂q_{l+1}/∂q_l` at `q*` (1 when the fixed point is only marginally stable).
    #[serde(with = "crate::json_float::scalar")]
    pub chi_q: f64,
}

/// The depth scales of signal propagation at one `(σ_w², σ_b²)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DepthScales {
    /// Variance fixed point `q*`.
    #[serde(with = "crate::json_float::scalar")]
    pub q_star: f64,
    /// `χ₁ = σ_w² E[φ'(√q* z)²]`: < 1 ordered, > 1 chaotic.
    #[serde(with = "crate::json_float::scalar")]
    pub chi_1: f64,
    /// `χ_q`, the slope of the variance map at `q*`.
    #[serde(with = "crate::json_float::scalar")]
    pub chi_q: f64,
    /// `ξ_q = −1/ln χ_q` (∞ when `χ_q ≥ 1`).
    #[serde(with = "crate::json_float::scalar")]
    pub xi_q: f64,
    /// The correlation fixed point `c*` (1 in the ordered phase).
    #[serde(with = "crate::json_float::scalar")]
    pub c_star: f64,
    /// `χ_c = σ_w² E[φ'(u₁)φ'(u₂)]` at `c*`.
    #[serde(with = "crate::json_float::scalar")]
    pub chi_c: f64,
    /// `ξ_c = −1/|ln χ_c|` (∞ on the edge of chaos).
    #[serde(with = "crate::json_float::scalar")]
    pub xi_c: f64,
}

fn no_edge(activation: &Activation, sigma_b2: f64, reason: String) -> LabError {
    LabError::NoEdgeOfChaos {
        activation: activation.to_string(),
        sigma_b2,
        reason,
    }
}

/// The `(σ_w², σ_b²)` on the edge of chaos for `activation` at bias variance `sigma_b2`.
///
/// # Errors
/// [`LabError::NoEdgeOfChaos`] (with the reason) when no such point exists,
/// [`LabError::InvalidConfig`] for softmax-like activations or a negative `sigma_b2`.
///
/// ```
/// use myelin_lab::critical::critical_point;
/// let relu = critical_point(&"relu".parse().unwrap(), 0.0).unwrap();
/// assert!((relu.sigma_w2 - 2.0).abs() < 1e-9);
/// let tanh = critical_point(&"tanh".parse().unwrap(), 0.0).unwrap();
/// assert!((tanh.sigma_w2 - 1.0).abs() < 1e-9);
/// assert!(critical_point(&"relu".parse().unwrap(), 0.1).is_err());
/// ```
pub fn critical_point(activation: &Activation, sigma_b2: f64) -> Result<CriticalPoint, LabError> {
    if !(sigma_b2.is_finite() && sigma_b2 >= 0.0) {
        return Err(LabError::InvalidConfig(format!(
            "critical point of `{activation}`: sigma_b^2 must be finite and ≥ 0, got {sigma_b2}"
        )));
    }
    let f = ScalarActivation::new(activation)?;
    let (phi, dphi) = (f.phi(), f.dphi());
    let a = |q: f64| gaussian_expectation(|x| dphi(x).powi(2), q.sqrt(), &f.kinks);
    let b = |q: f64| gaussian_expectation(|x| phi(x).powi(2), q.sqrt(), &f.kinks);
    // σ_b²(q*) − target; NaN where A(q*) = 0 (no σ_w² makes χ₁ = 1).
    let excess = |q: f64| {
        let a_q = a(q);
        if a_q > 0.0 && a_q.is_finite() {
            q - b(q) / a_q - sigma_b2
        } else {
            f64::NAN
        }
    };
    let decades = (Q_STAR_MAX.log10() + 8.0) as usize;
    let mut grid = vec![0.0];
    grid.extend(
        (0..=decades * SCAN_POINTS_PER_DECADE)
            .map(|k| 10f64.powf(-8.0 + k as f64 / SCAN_POINTS_PER_DECADE as f64)),
    );
    let values: Vec<f64> = grid.iter().map(|&q| excess(q)).collect();

    // Positively homogeneous φ: σ_b²(q*) = 0 for every q*.
    // (q* = 0 is skipped: a kink at 0 can make A(0) = 0 there.)
    let homogeneous = values[1..].iter().all(|v| v.is_finite())
        && values[1..]
            .iter()
            .zip(&grid[1..])
            .all(|(&v, &q)| (v + sigma_b2).abs() <= HOMOGENEOUS_TOLERANCE * (1.0 + q));
    if homogeneous {
        let sigma_w2 = 1.0 / a(1.0);
        if sigma_b2 <= HOMOGENEOUS_TOLERANCE {
            return Ok(CriticalPoint {
                sigma_w2,
                sigma_b2,
                q_star: sigma_w2,
                chi_q: 1.0,
            });
        }
        return Err(no_edge(
            activation,
            sigma_b2,
            format!(
                "the activation is positively homogeneous (φ(ax) = aφ(x)), so χ₁ = σ_w² E[φ'²] = 1 \
                 needs σ_w² = {} and then the variance map is q ↦ q + σ_b²: with σ_b² > 0 the \
                 variance grows without bound; the only critical point is σ_b² = 0",
                crate::probe::fmt_short(sigma_w2)
            ),
        ));
    }

    let mut saw_repelling = None;
    for i in 0..grid.len() {
        let (q0, v0) = (grid[i], values[i]);
        let root = if v0 == 0.0 {
            Some(q0)
        } else if let Some((&q1, &v1)) = grid.get(i + 1).zip(values.get(i + 1)) {
            (v0.is_finite() && v1.is_finite() && v0.signum() != v1.signum() && v1 != 0.0)
                .then(|| bisect(&excess, q0, q1, v0))
        } else {
            None
        };
        let Some(q_star) = root else { continue };
        let sigma_w2 = 1.0 / a(q_star);
        let chi_q = variance_slope(&phi, &f.kinks, sigma_w2, sigma_b2, q_star);
        // At a marginal fixed point (χ_q ≈ 1, e.g. q* = 0 for tanh) the slope does not
        // decide: the variance map must pull a slightly larger q back down.
        let probe_q = q_star + 1e-3 * (1.0 + q_star);
        let attracting = if (chi_q - 1.0).abs() <= 1e-3 {
            variance_map(&phi, &f.kinks, sigma_w2, sigma_b2, probe_q) <= probe_q
        } else {
            chi_q < 1.0
        };
        if attracting {
            return Ok(CriticalPoint {
                sigma_w2,
                sigma_b2,
                q_star,
                chi_q: chi_q.min(1.0),
            });
        }
        saw_repelling.get_or_insert((q_star, sigma_w2, chi_q));
    }
    let finite: Vec<f64> = values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| v + sigma_b2)
        .collect();
    let reason = if let Some((q, w, c)) = saw_repelling {
        format!(
            "the only solutions of χ₁ = 1 (e.g. q* = {}, σ_w² = {}) are repelling fixed points \
             of the variance map (χ_q = {} > 1), so the variance never settles there",
            crate::probe::fmt_short(q),
            crate::probe::fmt_short(w),
            crate::probe::fmt_short(c)
        )
    } else if finite.is_empty() {
        "E[φ'(√q z)²] = 0 for every q: no weight variance makes χ₁ = 1".to_string()
    } else {
        let (lo, hi) = finite
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        format!(
            "on the curve χ₁ = 1 the bias variance σ_b²(q*) = q* − E[φ²]/E[φ'²] only takes values \
             in [{}, {}] for q* in [0, {Q_STAR_MAX}]",
            crate::probe::fmt_short(lo),
            crate::probe::fmt_short(hi)
        )
    };
    Err(no_edge(activation, sigma_b2, reason))
}

/// Bisection of a sign change of `f` in `[lo, hi]` (`f(lo) = f_lo`) to relative precision 1e−13.
fn bisect(f: &dyn Fn(f64) -> f64, lo: f64, hi: f64, f_lo: f64) -> f64 {
    bisect_steps(f, lo, hi, f_lo, 200)
}

/// [`bisect`] with at most `steps` halvings.
fn bisect_steps(
    f: &dyn Fn(f64) -> f64,
    mut lo: f64,
    mut hi: f64,
    mut f_lo: f64,
    steps: usize,
) -> f64 {
    for _ in 0..steps {
        let mid = 0.5 * (lo + hi);
        if hi - lo <= 1e-13 * hi.abs().max(1e-300) {
            break;
        }
        let f_mid = f(mid);
        if f_mid == 0.0 {
            return mid;
        }
        if f_mid.signum() == f_lo.signum() {
            lo = mid;
            f_lo = f_mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// `χ_q = ∂/∂q [σ_w² E[φ(√q z)²] + σ_b²]` at `q`, by a central difference (one-sided at 0).
fn variance_slope(
    phi: &dyn Fn(f64) -> f64,
    kinks: &[f64],
    sigma_w2: f64,
    sigma_b2: f64,
    q: f64,
) -> f64 {
    let h = 1e-5 * q.max(1e-3);
    if q > h {
        (variance_map(phi, kinks, sigma_w2, sigma_b2, q + h)
            - variance_map(phi, kinks, sigma_w2, sigma_b2, q - h))
            / (2.0 * h)
    } else {
        (variance_map(phi, kinks, sigma_w2, sigma_b2, q + h)
            - variance_map(phi, kinks, sigma_w2, sigma_b2, q))
            / h
    }
}

/// The critical curve: [`critical_point`] at each bias variance (an `Err` where none exists).
pub fn edge_of_chaos_curve(
    activation: &Activation,
    sigma_b2: &[f64],
) -> Vec<Result<CriticalPoint, LabError>> {
    sigma_b2
        .iter()
        .map(|&s| critical_point(activation, s))
        .collect()
}

/// `E[f(u₁) g(u₂)]` for a centred Gaussian pair with variances `q` and correlation `c`:
/// `u₁ = √q z₁`, `u₂ = √q (c z₁ + √(1 − c²) z₂)`, by nested quadrature.
pub fn correlated_expectation(
    f: &dyn Fn(f64) -> f64,
    g: &dyn Fn(f64) -> f64,
    kinks: &[f64],
    q: f64,
    c: f64,
) -> f64 {
    let sd = q.sqrt();
    let s = (1.0 - c * c).max(0.0).sqrt();
    gaussian_expectation(
        |x1| {
            let shift = c * x1;
            let shifted: Vec<f64> = kinks.iter().map(|k| k - shift).collect();
            f(x1) * gaussian_expectation(|y| g(shift + y), sd * s, &shifted)
        },
        sd,
        kinks,
    )
}

/// `−1/ln χ`, the decay length of a perturbation multiplied by `χ` per layer (∞ at `χ = 1`);
/// for `χ > 1` (growth) the growth length `1/ln χ`.
pub fn depth_scale(chi: f64) -> f64 {
    let l = chi.ln().abs();
    if l == 0.0 {
        f64::INFINITY
    } else {
        1.0 / l
    }
}

/// Bisection steps for the correlation fixed point in [`depth_scales`] (precision 2⁻⁴⁰).
const CORRELATION_BISECTIONS: usize = 40;

/// `q*`, `χ₁`, `χ_q`, `ξ_q`, `c*`, `χ_c` and `ξ_c` of `activation` at `(σ_w², σ_b²)`.
///
/// # Errors
/// [`LabError::NoFixedPoint`] when the variance diverges; [`LabError::InvalidConfig`] for
/// softmax-like activations.
pub fn depth_scales(
    activation: &Activation,
    sigma_w2: f64,
    sigma_b2: f64,
) -> Result<DepthScales, LabError> {
    let f = ScalarActivation::new(activation)?;
    let (phi, dphi) = (f.phi(), f.dphi());
    let q_star = fixed_point_q(&phi, &f.kinks, sigma_w2, sigma_b2)?;
    let chi_1 = chi(&dphi, &f.kinks, sigma_w2, q_star);
    let chi_q = variance_slope(&phi, &f.kinks, sigma_w2, sigma_b2, q_star);
    let (c_star, chi_c) = if chi_1 <= 1.0 || q_star == 0.0 {
        (1.0, chi_1)
    } else {
        // Chaotic phase: c = 1 is a repelling fixed point of the correlation map
        // c ↦ (σ_w² E[φ(u₁)φ(u₂)] + σ_b²) / q*, and the attracting c* lies below it, where
        // map(c) − c changes sign from + (at c = 0, since map(0) ≥ 0) to − (just below 1).
        let gap = |c: f64| {
            (sigma_w2 * correlated_expectation(&phi, &phi, &f.kinks, q_star, c) + sigma_b2) / q_star
                - c
        };
        let (lo, hi) = (0.0, 1.0 - 1e-7);
        let (g_lo, g_hi) = (gap(lo), gap(hi));
        let c = if g_lo <= 0.0 {
            lo
        } else if g_hi >= 0.0 {
            1.0
        } else {
            bisect_steps(&gap, lo, hi, g_lo, CORRELATION_BISECTIONS)
        };
        (
            c,
            sigma_w2 * correlated_expectation(&dphi, &dphi, &f.kinks, q_star, c),
        )
    };
    Ok(DepthScales {
        q_star,
        chi_1,
        chi_q,
        xi_q: if chi_q >= 1.0 {
            f64::INFINITY
        } else {
            depth_scale(chi_q)
        },
        c_star,
        chi_c,
        xi_c: depth_scale(chi_c),
    })
}

/// Resolves `gain=critical` in `init` for a `fan_out × fan_in` layer followed by
/// `activation` with biases of variance `sigma_b2`: the explicit gain `g` with
/// `fan_in · Var(W_ij) = σ_w²*` of [`critical_point`]. Other specs are returned unchanged.
///
/// # Errors
/// Those of [`critical_point`], and [`LabError::InvalidConfig`] when the family's variance
/// does not scale with the gain (e.g. `normal(0)`).
pub fn resolve_init(
    init: &InitSpec,
    activation: &Activation,
    sigma_b2: f64,
    fan_in: usize,
    fan_out: usize,
) -> Result<InitSpec, LabError> {
    if init.gain != Gain::Critical {
        return Ok(*init);
    }
    let target = critical_point(activation, sigma_b2)?.sigma_w2;
    let unit = fan_in as f64 * init.kind.weight_variance(fan_in, fan_out, 1.0);
    if !(unit > 0.0 && unit.is_finite()) {
        return Err(LabError::InvalidConfig(format!(
            "`{init}`: the family's variance at gain 1 is {unit}, so no gain reaches the critical sigma_w^2 = {target}"
        )));
    }
    Ok(init.with_gain(Gain::Explicit((target / unit).sqrt())))
}
