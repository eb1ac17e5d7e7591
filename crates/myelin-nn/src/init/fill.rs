//! In-place fills: constants, uniform, normal, truncated normal, Xavier, Kaiming, LeCun.
//!
//! Every function writes the tensor's values in place without recording an autograd op
//! (PyTorch's `with torch.no_grad()` inside `torch.nn.init`), draws values in row-major
//! order from the given generator, and so is reproducible: the same seed gives the same
//! weights.

use myelin_tensor::{Element, Tensor};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::fan::{calculate_fan_in_and_fan_out, fan, FanMode};
use super::gain::calculate_gain;
use super::normal_quantile::{normal_cdf, normal_quantile};
use crate::error::{NnError, Result};

/// Writes `values` (f64, one per element) into `tensor`.
pub(crate) fn write<T: Element>(tensor: &Tensor<T>, values: &[f64]) -> Result<()> {
    tensor.update_data(|data| {
        for (d, &v) in data.iter_mut().zip(values) {
            *d = T::from_f64(v);
        }
    })?;
    Ok(())
}

fn check_finite(op: &str, what: &str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(NnError::InvalidArgument(format!(
            "{op}: {what} must be finite, got {value}"
        )))
    }
}

/// Fills with zeros.
///
/// ```
/// let w = myelin_tensor::Tensor::<f32>::ones(&[2, 2]);
/// myelin_nn::init::zeros_(&w)?;
/// assert_eq!(w.to_vec(), vec![0.0; 4]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn zeros_<T: Element>(tensor: &Tensor<T>) -> Result<()> {
    constant_(tensor, 0.0)
}

/// Fills with ones.
///
/// ```
/// let w = myelin_tensor::Tensor::<f32>::zeros(&[3]);
/// myelin_nn::init::ones_(&w)?;
/// assert_eq!(w.to_vec(), vec![1.0; 3]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn ones_<T: Element>(tensor: &Tensor<T>) -> Result<()> {
    constant_(tensor, 1.0)
}

/// Fills with `value`.
///
/// ```
/// let w = myelin_tensor::Tensor::<f64>::zeros(&[2]);
/// myelin_nn::init::constant_(&w, 0.25)?;
/// assert_eq!(w.to_vec(), vec![0.25, 0.25]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn constant_<T: Element>(tensor: &Tensor<T>, value: f64) -> Result<()> {
    tensor.update_data(|data| data.fill(T::from_f64(value)))?;
    Ok(())
}

/// Fills with draws from U(a, b).
///
/// # Errors
/// [`NnError::InvalidArgument`] unless `a ≤ b`, both finite.
///
/// ```
/// use myelin_tensor::{seeded_rng, Tensor};
/// let w = Tensor::<f64>::zeros(&[100]);
/// myelin_nn::init::uniform_(&w, -0.5, 0.5, &mut seeded_rng(1))?;
/// assert!(w.to_vec().iter().all(|v| (-0.5..0.5).contains(v)));
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn uniform_<T: Element>(tensor: &Tensor<T>, a: f64, b: f64, rng: &mut impl Rng) -> Result<()> {
    check_finite("uniform_", "a", a)?;
    check_finite("uniform_", "b", b)?;
    if a > b {
        return Err(NnError::InvalidArgument(format!(
            "uniform_: expected a <= b, got a = {a}, b = {b}"
        )));
    }
    let values: Vec<f64> = (0..tensor.numel())
        .map(|_| a + (b - a) * rng.gen::<f64>())
        .collect();
    write(tensor, &values)
}

/// Fills with draws from N(mean, std²).
///
/// # Errors
/// [`NnError::InvalidArgument`] for a negative or non-finite `std` or non-finite `mean`.
///
/// ```
/// use myelin_tensor::{seeded_rng, Tensor};
/// let w = Tensor::<f32>::zeros(&[4]);
/// myelin_nn::init::normal_(&w, 0.0, 0.02, &mut seeded_rng(0))?;
/// assert!(w.to_vec().iter().all(|v| v.abs() < 0.2));
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn normal_<T: Element>(
    tensor: &Tensor<T>,
    mean: f64,
    std: f64,
    rng: &mut impl Rng,
) -> Result<()> {
    check_finite("normal_", "mean", mean)?;
    check_finite("normal_", "std", std)?;
    if std < 0.0 {
        return Err(NnError::InvalidArgument(format!(
            "normal_: std must be >= 0, got {std}"
        )));
    }
    let values: Vec<f64> = (0..tensor.numel())
        .map(|_| {
            let z: f64 = StandardNormal.sample(rng);
            mean + std * z
        })
        .collect();
    write(tensor, &values)
}

/// Fills with draws from N(mean, std²) truncated to `[a, b]` (absolute bounds, as in
/// PyTorch's `trunc_normal_`, whose defaults are `a = −2, b = 2`).
///
/// Sampled exactly by inverting the normal CDF (no rejection loop), in the tail nearer
/// zero probability so that intervals far from the mean stay accurate.
///
/// # Errors
/// [`NnError::InvalidArgument`] unless `std > 0` and `a < b` (all finite).
///
/// ```
/// use myelin_tensor::{seeded_rng, Tensor};
/// let w = Tensor::<f64>::zeros(&[1000]);
/// myelin_nn::init::trunc_normal_(&w, 0.0, 1.0, -0.5, 0.5, &mut seeded_rng(3))?;
/// assert!(w.to_vec().iter().all(|v| v.abs() <= 0.5));
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn trunc_normal_<T: Element>(
    tensor: &Tensor<T>,
    mean: f64,
    std: f64,
    a: f64,
    b: f64,
    rng: &mut impl Rng,
) -> Result<()> {
    for (what, v) in [("mean", mean), ("std", std), ("a", a), ("b", b)] {
        check_finite("trunc_normal_", what, v)?;
    }
    if std <= 0.0 || a >= b {
        return Err(NnError::InvalidArgument(format!(
            "trunc_normal_: need std > 0 and a < b, got std = {std}, a = {a}, b = {b}"
        )));
    }
    let (lo, hi) = ((a - mean) / std, (b - mean) / std);
    // Work in the lower tail (where the CDF is small and precise) and mirror back.
    let mirrored = lo > 0.0;
    let (lo_s, hi_s) = if mirrored { (-hi, -lo) } else { (lo, hi) };
    let (cl, ch) = (normal_cdf(lo_s), normal_cdf(hi_s));
    let values: Vec<f64> = (0..tensor.numel())
        .map(|_| {
            let p = cl + (ch - cl) * rng.gen::<f64>();
            let z = normal_quantile(p).clamp(lo_s, hi_s);
            let z = if mirrored { -z } else { z };
            (mean + std * z).clamp(a, b)
        })
        .collect();
    write(tensor, &values)
}

/// Xavier/Glorot uniform: U(±gain·√(6/(fan_in + fan_out))).
///
/// # Errors
/// [`NnError::InvalidArgument`] for tensors with fewer than 2 dimensions.
///
/// ```
/// use myelin_tensor::{seeded_rng, Tensor};
/// let w = Tensor::<f64>::zeros(&[30, 20]);
/// myelin_nn::init::xavier_uniform_(&w, 1.0, &mut seeded_rng(0))?;
/// assert!(w.to_vec().iter().all(|v| v.abs() <= (6.0f64 / 50.0).sqrt()));
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn xavier_uniform_<T: Element>(
    tensor: &Tensor<T>,
    gain: f64,
    rng: &mut impl Rng,
) -> Result<()> {
    let (fan_in, fan_out) = calculate_fan_in_and_fan_out(tensor.shape())?;
    let bound = gain * (6.0 / (fan_in + fan_out) as f64).sqrt();
    uniform_(tensor, -bound, bound, rng)
}

/// Xavier/Glorot normal: N(0, gain²·2/(fan_in + fan_out)).
///
/// # Errors
/// [`NnError::InvalidArgument`] for tensors with fewer than 2 dimensions.
///
/// ```
/// use myelin_tensor::{seeded_rng, Tensor};
/// let w = Tensor::<f64>::zeros(&[64, 64]);
/// myelin_nn::init::xavier_normal_(&w, 1.0, &mut seeded_rng(0))?;
/// assert!((w.var(0).item()? - 1.0 / 64.0).abs() < 0.1 / 64.0);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn xavier_normal_<T: Element>(tensor: &Tensor<T>, gain: f64, rng: &mut impl Rng) -> Result<()> {
    let (fan_in, fan_out) = calculate_fan_in_and_fan_out(tensor.shape())?;
    let std = gain * (2.0 / (fan_in + fan_out) as f64).sqrt();
    normal_(tensor, 0.0, std, rng)
}

fn kaiming_std(shape: &[usize], a: f64, mode: FanMode, nonlinearity: &str) -> Result<f64> {
    let fan = fan(shape, mode)?;
    if fan == 0 {
        return Err(NnError::InvalidArgument(format!(
            "kaiming init: fan is 0 for shape {shape:?}"
        )));
    }
    let gain = calculate_gain(nonlinearity, Some(a))?;
    Ok(gain / (fan as f64).sqrt())
}

/// Kaiming/He uniform: U(±gain·√(3/fan)), gain = `calculate_gain(nonlinearity, a)`
/// (`a` is the leaky ReLU slope; PyTorch's defaults are `a = 0`, `fan_in`,
/// `"leaky_relu"`, i.e. gain √2).
///
/// # Errors
/// [`NnError::InvalidArgument`] for fewer than 2 dimensions, a zero fan or an unknown
/// nonlinearity.
///
/// ```
/// use myelin_nn::init::{kaiming_uniform_, FanMode};
/// use myelin_tensor::{seeded_rng, Tensor};
/// let w = Tensor::<f64>::zeros(&[10, 6]);
/// kaiming_uniform_(&w, 0.0, FanMode::FanIn, "relu", &mut seeded_rng(0))?;
/// assert!(w.to_vec().iter().all(|v| v.abs() <= 1.0)); // bound √(6/6) = 1
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn kaiming_uniform_<T: Element>(
    tensor: &Tensor<T>,
    a: f64,
    mode: FanMode,
    nonlinearity: &str,
    rng: &mut impl Rng,
) -> Result<()> {
    let bound = 3f64.sqrt() * kaiming_std(tensor.shape(), a, mode, nonlinearity)?;
    uniform_(tensor, -bound, bound, rng)
}

/// Kaiming/He normal: N(0, gain²/fan); see [`kaiming_uniform_`] for the arguments.
///
/// # Errors
/// As for [`kaiming_uniform_`].
///
/// ```
/// use myelin_nn::init::{kaiming_normal_, FanMode};
/// use myelin_tensor::{seeded_rng, Tensor};
/// let w = Tensor::<f64>::zeros(&[200, 50]);
/// kaiming_normal_(&w, 0.0, FanMode::FanOut, "relu", &mut seeded_rng(0))?;
/// assert!((w.var(0).item()? - 2.0 / 200.0).abs() < 0.1 * 2.0 / 200.0);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn kaiming_normal_<T: Element>(
    tensor: &Tensor<T>,
    a: f64,
    mode: FanMode,
    nonlinearity: &str,
    rng: &mut impl Rng,
) -> Result<()> {
    let std = kaiming_std(tensor.shape(), a, mode, nonlinearity)?;
    normal_(tensor, 0.0, std, rng)
}

fn lecun_std(shape: &[usize]) -> Result<f64> {
    let (fan_in, _) = calculate_fan_in_and_fan_out(shape)?;
    if fan_in == 0 {
        return Err(NnError::InvalidArgument(format!(
            "lecun init: fan_in is 0 for shape {shape:?}"
        )));
    }
    Ok(1.0 / (fan_in as f64).sqrt())
}

/// LeCun normal: N(0, 1/fan_in). (PyTorch has no such function; JAX's `lecun_normal`
/// uses a truncated normal with the same variance, this is the plain normal used with
/// SELU networks.)
///
/// # Errors
/// [`NnError::InvalidArgument`] for fewer than 2 dimensions or `fan_in = 0`.
///
/// ```
/// use myelin_tensor::{seeded_rng, Tensor};
/// let w = Tensor::<f64>::zeros(&[100, 100]);
/// myelin_nn::init::lecun_normal_(&w, &mut seeded_rng(0))?;
/// assert!((w.var(0).item()? - 0.01).abs() < 0.001);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn lecun_normal_<T: Element>(tensor: &Tensor<T>, rng: &mut impl Rng) -> Result<()> {
    let std = lecun_std(tensor.shape())?;
    normal_(tensor, 0.0, std, rng)
}

/// LeCun uniform: U(±√(3/fan_in)), variance 1/fan_in.
///
/// # Errors
/// As for [`lecun_normal_`].
///
/// ```
/// use myelin_tensor::{seeded_rng, Tensor};
/// let w = Tensor::<f64>::zeros(&[4, 3]);
/// myelin_nn::init::lecun_uniform_(&w, &mut seeded_rng(0))?;
/// assert!(w.to_vec().iter().all(|v| v.abs() <= 1.0));
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn lecun_uniform_<T: Element>(tensor: &Tensor<T>, rng: &mut impl Rng) -> Result<()> {
    let bound = 3f64.sqrt() * lecun_std(tensor.shape())?;
    uniform_(tensor, -bound, bound, rng)
}
