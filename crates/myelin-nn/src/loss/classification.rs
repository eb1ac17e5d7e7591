//! Multi-class losses: cross-entropy (labels or probabilities) and negative log-likelihood,
//! with PyTorch's class `weight`, `ignore_index`, `label_smoothing` and `[N, C, d1, …]`
//! inputs through [`ClassLossOptions`].

use myelin_tensor::{Element, Tensor};

use super::Reduction;
use crate::error::{NnError, Result};

/// PyTorch's keyword arguments of `F.cross_entropy` / `F.nll_loss` for integer labels.
///
/// * `weight` `[C]`: a rescaling weight per class. Each sample's loss is multiplied by
///   the weight of its label, and the mean is the **weighted** mean `Σᵢ wᵧᵢ·lᵢ / Σᵢ wᵧᵢ`
///   (PyTorch's semantics). The weight is a constant (no gradient flows into it).
/// * `ignore_index`: samples with this label contribute 0 to the loss and to the mean's
///   denominator; their label need not be a valid class (PyTorch's default −100 has no
///   `usize` form; use `Some(usize::MAX)` or any value ≥ C for "padding"). When **every**
///   sample is ignored, the mean is NaN (0/0), as in PyTorch.
/// * `label_smoothing` ε (cross-entropy only): PyTorch's formula,
///   `(1 − ε)·nll + (ε/C)·Σ_c w_c·(−log p_c)` per sample, with the mean dividing both
///   parts by `Σᵢ wᵧᵢ` over the non-ignored samples.
/// * `reduction`: [`Reduction::None`] gives the per-sample losses in the label shape
///   (`[N]` or `[N, d1, …]`, 0 at ignored positions).
#[derive(Clone, Copy, Debug)]
pub struct ClassLossOptions<'a, T: Element> {
    /// Per-class weights `[C]`.
    pub weight: Option<&'a Tensor<T>>,
    /// The label to ignore.
    pub ignore_index: Option<usize>,
    /// Label smoothing ε in `[0, 1]` (must be 0 for `nll_loss`).
    pub label_smoothing: f64,
    /// The reduction (mean by default).
    pub reduction: Reduction,
}

impl<T: Element> Default for ClassLossOptions<'_, T> {
    fn default() -> Self {
        ClassLossOptions {
            weight: None,
            ignore_index: None,
            label_smoothing: 0.0,
            reduction: Reduction::Mean,
        }
    }
}

/// `scores` as rows `[M, C]` (class dim last) and the label shape: `[C]` → `[1, C]` and
/// `[]`; `[N, C]` as is; `[N, C, d1, …]` → `[N·d1·…, C]` and `[N, d1, …]`.
fn class_rows<T: Element>(loss: &str, scores: &Tensor<T>) -> Result<(Tensor<T>, Vec<usize>)> {
    let shape = scores.shape();
    if scores.ndim() == 0 || shape[usize::from(scores.ndim() > 1)] == 0 {
        return Err(NnError::Shape {
            op: loss.to_string(),
            detail: format!(
                "expected input [C], [N, C] or [N, C, d1, ...] with C >= 1, got {shape:?}"
            ),
        });
    }
    Ok(match scores.ndim() {
        1 => (scores.try_reshape(&[1, shape[0]])?, vec![]),
        2 => (scores.clone(), vec![shape[0]]),
        nd => {
            let mut order = vec![0];
            order.extend(2..nd);
            order.push(1);
            let mut label_shape = vec![shape[0]];
            label_shape.extend_from_slice(&shape[2..]);
            let rows: usize = label_shape.iter().product();
            (
                scores.try_permute(&order)?.try_reshape(&[rows, shape[1]])?,
                label_shape,
            )
        }
    })
}

/// Checks the labels against `C` classes (ignored ones excepted) and the weight's shape.
fn check_labels<T: Element>(
    loss: &str,
    scores: &Tensor<T>,
    rows: usize,
    classes: usize,
    labels: &[usize],
    options: &ClassLossOptions<'_, T>,
) -> Result<()> {
    if labels.len() != rows {
        return Err(NnError::Shape {
            op: loss.to_string(),
            detail: format!(
                "input {:?} needs {rows} labels (one per position of [N, d1, ...]) but {} were given",
                scores.shape(),
                labels.len()
            ),
        });
    }
    let bad = labels
        .iter()
        .enumerate()
        .find(|(_, &l)| l >= classes && Some(l) != options.ignore_index);
    if let Some((position, &label)) = bad {
        return Err(NnError::InvalidLabel {
            op: loss.to_string(),
            label,
            position,
            classes,
        });
    }
    if let Some(w) = options.weight {
        if w.shape() != [classes] {
            return Err(NnError::Shape {
                op: loss.to_string(),
                detail: format!(
                    "weight must have shape [{classes}] (one per class of input {:?}), got {:?}",
                    scores.shape(),
                    w.shape()
                ),
            });
        }
    }
    if !(0.0..=1.0).contains(&options.label_smoothing) {
        return Err(NnError::InvalidArgument(format!(
            "{loss}: label_smoothing must be between 0.0 and 1.0, got {}",
            options.label_smoothing
        )));
    }
    Ok(())
}

/// The shared core: per-sample (and reduced) losses from row log-probabilities `[M, C]`.
fn nll_core<T: Element>(
    loss: &str,
    log_probs: &Tensor<T>,
    labels: &[usize],
    label_shape: &[usize],
    options: &ClassLossOptions<'_, T>,
) -> Result<Tensor<T>> {
    let (m, c) = (log_probs.shape()[0], log_probs.shape()[1]);
    if m == 0 {
        return options.reduction.apply(loss, &Tensor::zeros(&[0]));
    }
    let ignored = |l: usize| Some(l) == options.ignore_index;
    let class_weight: Option<Vec<f64>> = options.weight.map(|w| w.to_f64_vec());
    // Per-sample weight wᵧᵢ (0 when ignored), a constant.
    let sample_weight: Vec<f64> = labels
        .iter()
        .map(|&l| match (&class_weight, ignored(l)) {
            (_, true) => 0.0,
            (Some(w), false) => w[l],
            (None, false) => 1.0,
        })
        .collect();
    let uniform = sample_weight.iter().all(|&w| w == 1.0);
    let safe: Vec<usize> = labels
        .iter()
        .map(|&l| if ignored(l) { 0 } else { l })
        .collect();
    let mut losses = log_probs
        .try_gather(1, &safe, &[m, 1])?
        .try_reshape(&[m])?
        .neg();
    let sample_weight_t = || {
        Tensor::from_vec(
            sample_weight.iter().map(|&w| T::from_f64(w)).collect(),
            &[m],
        )
    };
    if !uniform {
        losses = losses.try_mul(&sample_weight_t()?)?;
    }
    let eps = options.label_smoothing;
    if eps > 0.0 {
        // −Σ_c w_c·log p_c, zero for ignored samples.
        let weighted = match options.weight {
            Some(w) => log_probs.try_mul(&w.detach())?,
            None => log_probs.clone(),
        };
        let mut smooth = weighted.try_sum_dims(&[1], false)?.neg();
        if options.ignore_index.is_some() && labels.iter().any(|&l| ignored(l)) {
            let valid: Vec<T> = labels
                .iter()
                .map(|&l| if ignored(l) { T::zero() } else { T::one() })
                .collect();
            smooth = smooth.try_mul(&Tensor::from_vec(valid, &[m])?)?;
        }
        losses = losses
            .mul_scalar(1.0 - eps)
            .try_add(&smooth.mul_scalar(eps / c as f64))?;
    }
    match options.reduction {
        Reduction::None => Ok(losses.try_reshape(label_shape)?),
        Reduction::Sum => Ok(losses.sum()),
        Reduction::Mean if uniform => Ok(losses.mean()),
        Reduction::Mean => {
            // The weighted mean; 0/0 = NaN when every sample is ignored (PyTorch).
            let total: f64 = sample_weight.iter().sum();
            Ok(losses.sum().div_scalar(total))
        }
    }
}

/// Cross-entropy of logits against integer labels with PyTorch's options: class
/// `weight`, `ignore_index`, `label_smoothing`, and inputs `[C]`, `[N, C]` or
/// `[N, C, d1, …]` with labels for `[]`, `[N]` or `[N, d1, …]` (row-major), per
/// [`ClassLossOptions`]. `log_softmax` is max-shifted, so logits of 1e4 are fine.
///
/// # Errors
/// [`NnError::Shape`] for a label count that does not match or a weight that is not
/// `[C]`; [`NnError::InvalidLabel`] for a label ≥ C that is not `ignore_index`;
/// [`NnError::InvalidArgument`] for ε outside `[0, 1]`; the mean of an empty batch.
///
/// ```
/// use myelin_nn::loss::{cross_entropy_with, ClassLossOptions, Reduction};
/// use myelin_tensor::Tensor;
/// // [N = 1, C = 2, L = 3]: a sequence of three positions, the last one padding.
/// let logits = Tensor::<f64>::from_vec(vec![0.0, 1.0, 2.0, 0.0, 0.0, 0.0], &[1, 2, 3])?;
/// let weight = Tensor::from_vec(vec![1.0, 3.0], &[2])?;
/// let opts = ClassLossOptions { weight: Some(&weight), ignore_index: Some(9), ..Default::default() };
/// let loss = cross_entropy_with(&logits, &[0, 1, 9], &opts)?;
/// // Position 0: logits (0, 0), label 0, weight 1; position 1: logits (1, 0), label 1,
/// // weight 3; position 2 is ignored. The weighted mean divides by 1 + 3.
/// let want = (2f64.ln() + 3.0 * (1f64.exp() + 1.0).ln()) / 4.0;
/// assert!((loss.item()? - want).abs() < 1e-12);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn cross_entropy_with<T: Element>(
    logits: &Tensor<T>,
    labels: &[usize],
    options: &ClassLossOptions<'_, T>,
) -> Result<Tensor<T>> {
    const LOSS: &str = "cross_entropy";
    let (rows, label_shape) = class_rows(LOSS, logits)?;
    let (m, c) = (rows.shape()[0], rows.shape()[1]);
    check_labels(LOSS, logits, m, c, labels, options)?;
    if m == 0 {
        return options.reduction.apply(LOSS, &Tensor::zeros(&[0]));
    }
    let log_probs = rows.try_sub(&rows.try_logsumexp(&[1], true)?)?;
    nll_core(LOSS, &log_probs, labels, &label_shape, options)
}

/// Negative log-likelihood of log-probabilities with PyTorch's options (`weight`,
/// `ignore_index`, N-d inputs; see [`ClassLossOptions`]): `−wᵧ·log_probs[y]` per sample.
///
/// # Errors
/// As for [`cross_entropy_with`], and [`NnError::InvalidArgument`] for a non-zero
/// `label_smoothing` (PyTorch's `nll_loss` has none).
///
/// ```
/// use myelin_nn::loss::{nll_loss_with, ClassLossOptions, Reduction};
/// use myelin_tensor::Tensor;
/// let lp = Tensor::<f64>::from_vec(vec![-0.1, -2.0, -3.0, -0.5], &[2, 2])?;
/// let opts = ClassLossOptions { ignore_index: Some(0), ..Default::default() };
/// assert_eq!(nll_loss_with(&lp, &[0, 1], &opts)?.item()?, 0.5);
/// let all_ignored = nll_loss_with(&lp, &[0, 0], &opts)?;
/// assert!(all_ignored.item()?.is_nan()); // as PyTorch
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn nll_loss_with<T: Element>(
    log_probs: &Tensor<T>,
    labels: &[usize],
    options: &ClassLossOptions<'_, T>,
) -> Result<Tensor<T>> {
    const LOSS: &str = "nll_loss";
    if options.label_smoothing != 0.0 {
        return Err(NnError::InvalidArgument(format!(
            "{LOSS}: has no label_smoothing (got {}); use cross_entropy_with",
            options.label_smoothing
        )));
    }
    let (rows, label_shape) = class_rows(LOSS, log_probs)?;
    let (m, c) = (rows.shape()[0], rows.shape()[1]);
    check_labels(LOSS, log_probs, m, c, labels, options)?;
    nll_core(LOSS, &rows, labels, &label_shape, options)
}

/// Cross-entropy of logits against integer labels: `logsumexp(xᵢ) − xᵢ[yᵢ]`, computed with
/// the max-shifted log-sum-exp so logits of 1e4 are fine. `[N, C]` (or `[N, C, d1, …]`)
/// logits; for class weights and `ignore_index` see [`cross_entropy_with`].
///
/// # Errors
/// [`NnError::Shape`] for a label count ≠ N, [`NnError::InvalidLabel`] for a label ≥ C
/// (naming it and its position), and the mean of an empty batch.
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
    let options = ClassLossOptions {
        label_smoothing,
        reduction,
        ..Default::default()
    };
    cross_entropy_with(logits, labels, &options)
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
    if !(0.0..=1.0).contains(&label_smoothing) {
        return Err(NnError::InvalidArgument(format!(
            "{LOSS}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}"
        )));
    }
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
        return reduction.apply(LOSS, &Tensor::zeros(&[0]));
    }
    let target = if label_smoothing > 0.0 {
        target
            .mul_scalar(1.0 - label_smoothing)
            .add_scalar(label_smoothing / c as f64)
    } else {
        target.clone()
    };
    let log_p = logits.try_sub(&logits.try_logsumexp(&[1], true)?)?;
    let losses = target.try_mul(&log_p)?.try_sum_dims(&[1], false)?.neg();
    reduction.apply(LOSS, &losses)
}

/// Negative log-likelihood of `[N, C]` log-probabilities: `−log_probs[i, yᵢ]`. For class
/// weights, `ignore_index` and N-d inputs see [`nll_loss_with`].
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
    let options = ClassLossOptions {
        reduction,
        ..Default::default()
    };
    nll_loss_with(log_probs, labels, &options)
}
