//! Regression losses: squared, absolute, Huber and smooth L1.

use myelin_tensor::{Element, Tensor};

use super::{same_shape, Reduction};

/// How a weighted loss's [`Reduction::Mean`] divides: PyTorch 2.x divides the weighted
/// sum by the sum of the weights for `mse_loss` and `l1_loss`, but by the element count
/// for `huber_loss`.
#[derive(Clone, Copy)]
enum WeightedMean {
    BySumOfWeights,
    ByCount,
}

/// `losses · weight`, reduced as PyTorch's functional losses do with `weight=`.
fn weighted<T: Element>(
    loss: &str,
    losses: &Tensor<T>,
    weight: &Tensor<T>,
    reduction: Reduction,
    mean: WeightedMean,
) -> Result<Tensor<T>> {
    if weight.shape() != losses.shape() {
        return Err(NnError::Shape {
            op: loss.to_string(),
            detail: format!(
                "weight {:?} and input {:?} must have the same shape (PyTorch: \"Weights and input must have the same size.\")",
                weight.shape(),
                losses.shape()
            ),
        });
    }
    let products = losses.try_mul(weight)?;
    match (reduction, mean) {
        (Reduction::Mean, WeightedMean::BySumOfWeights) if products.numel() > 0 => {
            Ok(products.sum().try_div(&weight.sum())?)
        }
        _ => reduction.apply(loss, &products),
    }
}
use crate::error::{NnError, Result};

/// Mean squared error, `(input − target)²` reduced.
///
/// # Errors
/// [`NnError::Shape`] when the shapes differ; see [`Reduction::apply`].
///
/// ```
/// use myelin_nn::loss::{mse_loss, Reduction};
/// use myelin_tensor::Tensor;
/// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2])?;
/// let y = Tensor::<f64>::from_vec(vec![0.0, 4.0], &[2])?;
/// assert_eq!(mse_loss(&x, &y, Reduction::Mean)?.item()?, 2.5);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn mse_loss<T: Element>(
    input: &Tensor<T>,
    target: &Tensor<T>,
    reduction: Reduction,
) -> Result<Tensor<T>> {
    same_shape("mse_loss", input, target)?;
    reduction.apply("mse_loss", &input.try_sub(target)?.square())
}

/// Mean absolute error, `|input − target|` reduced (gradient 0 where they are equal,
/// as in PyTorch).
///
/// # Errors
/// As for [`mse_loss`].
///
/// ```
/// use myelin_nn::loss::{l1_loss, Reduction};
/// use myelin_tensor::Tensor;
/// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2])?;
/// let y = Tensor::<f64>::from_vec(vec![0.0, 4.0], &[2])?;
/// assert_eq!(l1_loss(&x, &y, Reduction::Sum)?.item()?, 3.0);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn l1_loss<T: Element>(
    input: &Tensor<T>,
    target: &Tensor<T>,
    reduction: Reduction,
) -> Result<Tensor<T>> {
    same_shape("l1_loss", input, target)?;
    reduction.apply("l1_loss", &input.try_sub(target)?.abs())
}

/// [`mse_loss`] with an elementwise `weight` of the input's shape (PyTorch 2.x's
/// `F.mse_loss(…, weight=)`): `w·(input − target)²`, and the mean is
/// `Σ w·(input − target)² / Σ w`, as in PyTorch.
///
/// # Errors
/// [`NnError::Shape`] when input, target and weight shapes differ; see
/// [`Reduction::apply`].
///
/// ```
/// use myelin_nn::loss::{mse_loss_weighted, Reduction};
/// use myelin_tensor::Tensor;
/// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2])?;
/// let y = Tensor::<f64>::from_vec(vec![0.0, 4.0], &[2])?;
/// let w = Tensor::<f64>::from_vec(vec![3.0, 1.0], &[2])?;
/// assert_eq!(mse_loss_weighted(&x, &y, &w, Reduction::Mean)?.item()?, 7.0 / 4.0);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn mse_loss_weighted<T: Element>(
    input: &Tensor<T>,
    target: &Tensor<T>,
    weight: &Tensor<T>,
    reduction: Reduction,
) -> Result<Tensor<T>> {
    let losses = mse_loss(input, target, Reduction::None)?;
    weighted(
        "mse_loss",
        &losses,
        weight,
        reduction,
        WeightedMean::BySumOfWeights,
    )
}

/// [`l1_loss`] with an elementwise `weight` (PyTorch 2.x's `F.l1_loss(…, weight=)`):
/// the mean is `Σ w·|input − target| / Σ w`, as in PyTorch.
///
/// # Errors
/// As for [`mse_loss_weighted`].
pub fn l1_loss_weighted<T: Element>(
    input: &Tensor<T>,
    target: &Tensor<T>,
    weight: &Tensor<T>,
    reduction: Reduction,
) -> Result<Tensor<T>> {
    let losses = l1_loss(input, target, Reduction::None)?;
    weighted(
        "l1_loss",
        &losses,
        weight,
        reduction,
        WeightedMean::BySumOfWeights,
    )
}

/// `0.5·d²/scale` where `|d| < threshold`, `|d| − 0.5·threshold` (times `outer`)
/// elsewhere; shared by Huber and smooth L1.
fn piecewise<T: Element>(
    d: &Tensor<T>,
    threshold: f64,
    quadratic_scale: f64,
    linear_scale: f64,
) -> Result<Tensor<T>> {
    let ad = d.abs();
    let large = ad.gt_scalar(T::from_f64(threshold));
    let quadratic = d.square().mul_scalar(0.5 * quadratic_scale);
    let linear = ad.sub_scalar(0.5 * threshold).mul_scalar(linear_scale);
    Ok(Tensor::try_where_(&large, &linear, &quadratic)?)
}

/// Huber loss: `0.5·d²` for `|d| ≤ delta`, `delta·(|d| − 0.5·delta)` otherwise, with
/// `d = input − target`.
///
/// # Errors
/// [`NnError::InvalidArgument`] unless `delta > 0`; otherwise as for [`mse_loss`].
///
/// ```
/// use myelin_nn::loss::{huber_loss, Reduction};
/// use myelin_tensor::Tensor;
/// let x = Tensor::<f64>::from_vec(vec![0.5, 3.0], &[2])?;
/// let y = Tensor::<f64>::zeros(&[2]);
/// assert_eq!(huber_loss(&x, &y, 1.0, Reduction::None)?.to_vec(), vec![0.125, 2.5]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn huber_loss<T: Element>(
    input: &Tensor<T>,
    target: &Tensor<T>,
    delta: f64,
    reduction: Reduction,
) -> Result<Tensor<T>> {
    if !(delta > 0.0 && delta.is_finite()) {
        return Err(NnError::InvalidArgument(format!(
            "huber_loss: delta must be a finite number > 0, got {delta}"
        )));
    }
    same_shape("huber_loss", input, target)?;
    let losses = piecewise(&input.try_sub(target)?, delta, 1.0, delta)?;
    reduction.apply("huber_loss", &losses)
}

/// [`huber_loss`] with an elementwise `weight` (PyTorch 2.x's
/// `F.huber_loss(…, weight=)`): `w·huber(d)`, and — unlike the weighted MSE and L1 —
/// the mean divides by the element count, not by `Σ w`, exactly as PyTorch does.
/// (`smooth_l1_loss` has no `weight` in PyTorch, so none here.)
///
/// # Errors
/// As for [`huber_loss`] and [`mse_loss_weighted`].
pub fn huber_loss_weighted<T: Element>(
    input: &Tensor<T>,
    target: &Tensor<T>,
    delta: f64,
    weight: &Tensor<T>,
    reduction: Reduction,
) -> Result<Tensor<T>> {
    let losses = huber_loss(input, target, delta, Reduction::None)?;
    weighted(
        "huber_loss",
        &losses,
        weight,
        reduction,
        WeightedMean::ByCount,
    )
}

/// Smooth L1 loss: `0.5·d²/beta` for `|d| < beta`, `|d| − 0.5·beta` otherwise; `beta =
/// 0` is the L1 loss (PyTorch's convention). Equals `huber_loss(delta = beta)/beta`.
///
/// # Errors
/// [`NnError::InvalidArgument`] unless `beta ≥ 0`; otherwise as for [`mse_loss`].
///
/// ```
/// use myelin_nn::loss::{smooth_l1_loss, Reduction};
/// use myelin_tensor::Tensor;
/// let x = Tensor::<f64>::from_vec(vec![0.5, 3.0], &[2])?;
/// let y = Tensor::<f64>::zeros(&[2]);
/// assert_eq!(smooth_l1_loss(&x, &y, 2.0, Reduction::None)?.to_vec(), vec![0.0625, 2.0]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn smooth_l1_loss<T: Element>(
    input: &Tensor<T>,
    target: &Tensor<T>,
    beta: f64,
    reduction: Reduction,
) -> Result<Tensor<T>> {
    if !(beta >= 0.0 && beta.is_finite()) {
        return Err(NnError::InvalidArgument(format!(
            "smooth_l1_loss: beta must be a finite number >= 0, got {beta}"
        )));
    }
    same_shape("smooth_l1_loss", input, target)?;
    let d = input.try_sub(target)?;
    let losses = if beta == 0.0 {
        d.abs()
    } else {
        piecewise(&d, beta, 1.0 / beta, 1.0)?
    };
    reduction.apply("smooth_l1_loss", &losses)
}
