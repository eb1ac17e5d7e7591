//! Multi-class losses: cross-entropy (labels or probabilities) and negative log-likelihood.

use myelin_tensor::{Element, Tensor};

use super::Reduction;
use crate::error::{NnError, Result};

/// Checks `[N, C]` scores against `N` labels in `0..C`; returns `(N, C)`.
fn check_labels<T: Element>(
    loss: &str,
    scores: &Tensor<T>,
    labels: &[usize],
) -> Result<(usize, usize)> {
    if scores.ndim() != 2 || scores.shape()[1] == 0 {
        return Err(NnError::Shape {
            op: loss.to_string(),
            detail: format!(
                "expected input [N, C] with C >= 1, got {:?}",
                scores.shape()
            ),
        });
    }
    let (n, c) = (scores.shape()[0], scores.shape()[1]);
    if labels.len() != n {
        return Err(NnError::Shape {
            op: loss.to_string(),
            detail: format!(
                "input {:?} has {n} rows but {} labels were given",
                scores.shape(),
                labels.len()
            ),
        });
    }
    if let Some((position, &label)) = labels.iter().enumerate().find(|(_, &l)| l >= c) {
        return Err(NnError::InvalidLabel {
            op: loss.to_string(),
            label,
            position,
            classes: c,
        });
    }
    Ok((n, c))
}

fn check_smoothing(loss: &str, label_smoothing: f64) -> Result<()> {
    if (0.0..=1.0).contains(&label_smoothing) {
        Ok(())
    } else {
        Err(NnError::InvalidArgument(format!(
            "{loss}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}"
        )))
    }
}

/// `scores[i, labels[i]]` for every row, shape `[N]`.
fn pick<T: Element>(scores: &Tensor<T>, labels: &[usize]) -> Result<Tensor<T>> {
    let n = labels.len();
    Ok(scores.gather(1, labels, &[n, 1])?.try_reshape(&[n])?)
}

/// Reduction of an empty batch without running any op on it.
fn empty<T: Element>(loss: &str, reduction: Reduction) -> Result<Tensor<T>> {
    reduction.apply(loss, &Tensor::zeros(&[0]))
}

/// Cross-entropy of `[N, C]` logits against integer labels: `logsumexp(xᵢ) − xᵢ[yᵢ]`,
/// computed with the max-shifted log-sum-exp so logits of 1e4 are fine.
///
/// # Errors
/// [`NnError::Shape`] for non-2-D logits or a label count ≠ N,
/// [`NnError::InvalidLabel`] for a label ≥ C (naming it and its position), and the mean
/// of an empty batch.
///
/// ```
/// use myelin_nn::loss::{cross_entropy, Reduction};
/// use myelin_tensor::Tensor;
/// let logits = Tensor::<f32>::from_vec(vec![1e4, 0.0, 0.0, 1e4], &[2, 2])?;
/// assert_eq!(cross_entropy(&logits, &[0, 1], Reduction::Mean)?.item()?, 0.0);
/// assert!(cross_entropy(&logits, &[0, 2], Reduction::Mean).is_err());
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn cross_entropy<T: Element>(
    logits: &Tensor<T>,
    labels: &[usize],
    reduction: Reduction,
) -> Result<Tensor<T>> {
    cross_entropy_smoothed(logits, labels, 0.0, reduction)
}

/// Cross-entropy with PyTorch's label smoothing ε: the target is `(1 − ε)·onehot + ε/C`,
/// so the loss is `(1 − ε)·(lse − x[y]) + ε·(lse − mean_c x_c)`.
///
/// # Errors
/// As for [`cross_entropy`], and [`NnError::InvalidArgument`] unless `0 ≤ ε ≤ 1`.
///
/// ```
/// use myelin_nn::loss::{cross_entropy_smoothed, Reduction};
/// use myelin_tensor::Tensor;
/// let logits = Tensor::<f64>::from_vec(vec![0.0, 0.0], &[1, 2])?;
/// let l = cross_entropy_smoothed(&logits, &[0], 0.1, Reduction::Mean)?;
/// assert!((l.item()? - 2f64.ln()).abs() < 1e-12);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn cross_entropy_smoothed<T: Element>(
    logits: &Tensor<T>,
    labels: &[usize],
    label_smoothing: f64,
    reduction: Reduction,
) -> Result<Tensor<T>> {
    const LOSS: &str = "cross_entropy";
    check_smoothing(LOSS, label_smoothing)?;
    let (n, _) = check_labels(LOSS, logits, labels)?;
    if n == 0 {
        return empty(LOSS, reduction);
    }
    let lse = logits.logsumexp(&[1], false)?;
    let mut losses = lse.try_sub(&pick(logits, labels)?)?;
    if label_smoothing > 0.0 {
        let uniform = lse.try_sub(&logits.mean_dims(&[1], false)?)?;
        losses = losses
            .mul_scalar(1.0 - label_smoothing)
            .try_add(&uniform.mul_scalar(label_smoothing))?;
    }
    reduction.apply(LOSS, &losses)
}

/// Cross-entropy of `[N, C]` logits against `[N, C]` class probabilities `target`:
/// `−Σ_c t_c·log_softmax(x)_c` per sample (with label smoothing ε applied to the target,
/// `t·(1 − ε) + ε/C`, as PyTorch does). The mean divides by N.
///
/// # Errors
/// [`NnError::Shape`] when the shapes differ or are not 2-D; the mean of an empty batch;
/// [`NnError::InvalidArgument`] for ε outside `[0, 1]`.
///
/// ```
/// use myelin_nn::loss::{cross_entropy_probs, Reduction};
/// use myelin_tensor::Tensor;
/// let logits = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0], &[1, 3])?;
/// let target = Tensor::<f64>::from_vec(vec![0.0, 0.0, 1.0], &[1, 3])?;
/// let l = cross_entropy_probs(&logits, &target, 0.0, Reduction::Sum)?;
/// assert!((l.item()? - 0.407_605_964_444_380_1).abs() < 1e-12);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn cross_entropy_probs<T: Element>(
    logits: &Tensor<T>,
    target: &Tensor<T>,
    label_smoothing: f64,
    reduction: Reduction,
) -> Result<Tensor<T>> {
    const LOSS: &str = "cross_entropy";
    check_smoothing(LOSS, label_smoothing)?;
    if logits.ndim() != 2 || logits.shape() != target.shape() || logits.shape()[1] == 0 {
        return Err(NnError::Shape {
            op: LOSS.to_string(),
            detail: format!(
                "expected logits [N, C] and target probabilities of the same shape, got {:?} and {:?}",
                logits.shape(),
                target.shape()
            ),
        });
    }
    let (n, c) = (logits.shape()[0], logits.shape()[1]);
    if n == 0 {
        return empty(LOSS, reduction);
    }
    let target = if label_smoothing > 0.0 {
        target
            .mul_scalar(1.0 - label_smoothing)
            .add_scalar(label_smoothing / c as f64)
    } else {
        target.clone()
    };
    let log_p = logits.try_sub(&logits.logsumexp(&[1], true)?)?;
    let losses = target.try_mul(&log_p)?.sum_dims(&[1], false)?.neg();
    reduction.apply(LOSS, &losses)
}

/// Negative log-likelihood of `[N, C]` log-probabilities: `−log_probs[i, yᵢ]`.
///
/// # Errors
/// As for [`cross_entropy`].
///
/// ```
/// use myelin_nn::loss::{nll_loss, Reduction};
/// use myelin_tensor::Tensor;
/// let lp = Tensor::<f64>::from_vec(vec![-0.1, -2.0, -3.0, -0.5], &[2, 2])?;
/// assert_eq!(nll_loss(&lp, &[1, 1], Reduction::None)?.to_vec(), vec![2.0, 0.5]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn nll_loss<T: Element>(
    log_probs: &Tensor<T>,
    labels: &[usize],
    reduction: Reduction,
) -> Result<Tensor<T>> {
    const LOSS: &str = "nll_loss";
    let (n, _) = check_labels(LOSS, log_probs, labels)?;
    if n == 0 {
        return empty(LOSS, reduction);
    }
    reduction.apply(LOSS, &pick(log_probs, labels)?.neg())
}
