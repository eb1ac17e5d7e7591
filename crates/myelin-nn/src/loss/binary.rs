//! Binary cross-entropy, from logits (stable) and from probabilities.

use std::sync::Arc;

use myelin_tensor::{BinaryFn, Element, Tensor, UnaryFn};

use super::{same_shape, Reduction};
use crate::error::{NnError, Result};

/// `softplus(x) = max(x, 0) + log1p(exp(−|x|))`, derivative σ(x); no overflow for any x.
struct StableSoftplus;

impl<T: Element> UnaryFn<T> for StableSoftplus {
    fn name(&self) -> &'static str {
        "binary_cross_entropy_with_logits"
    }
    fn f(&self, x: T) -> T {
        x.max(T::zero()) + (-x.abs()).exp().ln_1p()
    }
    fn df(&self, x: T, _y: T) -> T {
        x.sigmoid()
    }
    fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
        Some(Arc::new(Sigmoid))
    }
}

/// σ(x) with derivative σ(1 − σ) (second order through the loss).
struct Sigmoid;

impl<T: Element> UnaryFn<T> for Sigmoid {
    fn name(&self) -> &'static str {
        "sigmoid"
    }
    fn f(&self, x: T) -> T {
        x.sigmoid()
    }
    fn df(&self, _x: T, y: T) -> T {
        y * (T::one() - y)
    }
}

/// Binary cross-entropy on logits, `max(x, 0) − x·y + log1p(exp(−|x|))`: finite for any
/// logit, gradient `σ(x) − y` with respect to `x` (exact at `x = 0` too) and `−x` with
/// respect to the target.
///
/// # Errors
/// [`NnError::Shape`] when the shapes differ; the mean of an empty batch.
///
/// ```
/// use myelin_nn::loss::{binary_cross_entropy_with_logits, Reduction};
/// use myelin_tensor::Tensor;
/// let x = Tensor::<f64>::from_vec(vec![0.0, 1000.0], &[2])?;
/// let y = Tensor::<f64>::from_vec(vec![1.0, 0.0], &[2])?;
/// let l = binary_cross_entropy_with_logits(&x, &y, Reduction::None)?.to_vec();
/// assert!((l[0] - 2f64.ln()).abs() < 1e-15);
/// assert_eq!(l[1], 1000.0);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn binary_cross_entropy_with_logits<T: Element>(
    logits: &Tensor<T>,
    target: &Tensor<T>,
    reduction: Reduction,
) -> Result<Tensor<T>> {
    let options = BceWithLogitsOptions {
        reduction,
        ..Default::default()
    };
    binary_cross_entropy_with_logits_with(logits, target, &options)
}

/// PyTorch's keyword arguments of `F.binary_cross_entropy_with_logits`.
#[derive(Clone, Copy, Debug)]
pub struct BceWithLogitsOptions<'a, T: Element> {
    /// A rescaling weight broadcast to the input's shape (multiplies each element's loss;
    /// the mean still divides by the element count, as PyTorch).
    pub weight: Option<&'a Tensor<T>>,
    /// The weight of positive examples, broadcast along the last (class) dimension —
    /// typically `[C]` with `pos_weight[c] = #negatives / #positives` of class c.
    pub pos_weight: Option<&'a Tensor<T>>,
    /// The reduction (mean by default).
    pub reduction: Reduction,
}

impl<T: Element> Default for BceWithLogitsOptions<'_, T> {
    fn default() -> Self {
        BceWithLogitsOptions {
            weight: None,
            pos_weight: None,
            reduction: Reduction::Mean,
        }
    }
}

/// Binary cross-entropy on logits with `weight` and `pos_weight` p (PyTorch's formula):
/// `w·[(1 − y)·x + (1 + (p − 1)·y)·softplus(−x)]`, stable for any logit; with `p = 1` and
/// no weight it is [`binary_cross_entropy_with_logits`].
///
/// # Errors
/// [`NnError::Shape`] when input and target differ in shape or `weight` / `pos_weight`
/// do not broadcast to it (naming all shapes); the mean of an empty batch.
///
/// ```
/// use myelin_nn::loss::{binary_cross_entropy_with_logits_with, BceWithLogitsOptions, Reduction};
/// use myelin_tensor::Tensor;
/// let x = Tensor::<f64>::from_vec(vec![0.0, 0.0], &[1, 2])?;
/// let y = Tensor::<f64>::from_vec(vec![1.0, 0.0], &[1, 2])?;
/// let pw = Tensor::from_vec(vec![3.0, 3.0], &[2])?;
/// let opts = BceWithLogitsOptions { pos_weight: Some(&pw), reduction: Reduction::None, ..Default::default() };
/// let l = binary_cross_entropy_with_logits_with(&x, &y, &opts)?.to_vec();
/// assert!((l[0] - 3.0 * 2f64.ln()).abs() < 1e-15); // positives count 3×
/// assert!((l[1] - 2f64.ln()).abs() < 1e-15);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn binary_cross_entropy_with_logits_with<T: Element>(
    logits: &Tensor<T>,
    target: &Tensor<T>,
    options: &BceWithLogitsOptions<'_, T>,
) -> Result<Tensor<T>> {
    const LOSS: &str = "binary_cross_entropy_with_logits";
    same_shape(LOSS, logits, target)?;
    let fits = |name: &str, t: &Tensor<T>| -> Result<()> {
        match t.try_broadcast_to(logits.shape()) {
            Ok(_) => Ok(()),
            Err(_) => Err(NnError::Shape {
                op: LOSS.to_string(),
                detail: format!(
                    "{name} of shape {:?} does not broadcast to the input shape {:?}",
                    t.shape(),
                    logits.shape()
                ),
            }),
        }
    };
    let mut losses = match options.pos_weight {
        None => logits
            .map_unary(StableSoftplus)
            .try_sub(&logits.try_mul(target)?)?,
        Some(p) => {
            fits("pos_weight", p)?;
            // (1 − y)·x + (1 + (p − 1)·y)·softplus(−x)
            let log_weight = target.try_mul(&p.sub_scalar(1.0))?.add_scalar(1.0);
            let softplus_neg = logits.neg().map_unary(StableSoftplus);
            target
                .rsub_scalar(1.0)
                .try_mul(logits)?
                .try_add(&log_weight.try_mul(&softplus_neg)?)?
        }
    };
    if let Some(w) = options.weight {
        fits("weight", w)?;
        losses = losses.try_mul(w)?;
    }
    options.reduction.apply(LOSS, &losses)
}

/// `−(y·max(ln p, −100) + (1 − y)·max(log1p(−p), −100))` (PyTorch's kernel: `log1p`
/// keeps all digits of ln(1 − p) for small p), with PyTorch's gradient
/// `(p − y)/max((1 − p)·p, 1e-12)`.
struct Bce;

const LOG_FLOOR: f64 = -100.0;
/// PyTorch's gradient floor `EPSILON = 1e-12`, a `float` constant in its kernel: the
/// nearest f32 to 1e-12 (9.9999999600e-13), which the f64 gradient at p = 1e-15 shows.
const GRAD_EPSILON: f64 = 1e-12_f32 as f64;

impl<T: Element> BinaryFn<T> for Bce {
    fn name(&self) -> &'static str {
        "binary_cross_entropy"
    }
    fn f(&self, p: T, y: T) -> T {
        let floor = T::from_f64(LOG_FLOOR);
        let (lp, lq) = (p.ln().max(floor), (-p).ln_1p().max(floor));
        -(y * lp + (T::one() - y) * lq)
    }
    fn df_da(&self, p: T, y: T) -> T {
        (p - y) / ((T::one() - p) * p).max(T::from_f64(GRAD_EPSILON))
    }
    fn df_db(&self, p: T, _y: T) -> T {
        let floor = T::from_f64(LOG_FLOOR);
        (-p).ln_1p().max(floor) - p.ln().max(floor)
    }
}

/// Binary cross-entropy of probabilities `input ∈ [0, 1]` against `target`, each log
/// clamped at −100 as in PyTorch (so `p = 0` with `y = 1` costs 100, not ∞). Prefer
/// [`binary_cross_entropy_with_logits`], which is stable.
///
/// # Errors
/// [`NnError::Shape`] when the shapes differ, [`NnError::InvalidArgument`] when an
/// input is outside `[0, 1]` (or NaN), and the mean of an empty batch.
///
/// ```
/// use myelin_nn::loss::{binary_cross_entropy, Reduction};
/// use myelin_tensor::Tensor;
/// let p = Tensor::<f64>::from_vec(vec![0.5, 0.0], &[2])?;
/// let y = Tensor::<f64>::from_vec(vec![1.0, 1.0], &[2])?;
/// let l = binary_cross_entropy(&p, &y, Reduction::None)?.to_vec();
/// assert!((l[0] - 2f64.ln()).abs() < 1e-15);
/// assert_eq!(l[1], 100.0);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn binary_cross_entropy<T: Element>(
    input: &Tensor<T>,
    target: &Tensor<T>,
    reduction: Reduction,
) -> Result<Tensor<T>> {
    const LOSS: &str = "binary_cross_entropy";
    same_shape(LOSS, input, target)?;
    let bad = input.with_contiguous_data(|d| {
        d.iter()
            .enumerate()
            .find(|(_, v)| !(T::zero()..=T::one()).contains(*v))
            .map(|(i, &v)| (i, Element::to_f64(v)))
    });
    if let Some((i, v)) = bad {
        return Err(NnError::InvalidArgument(format!(
            "{LOSS}: all elements of input should be between 0 and 1, element {i} is {v}"
        )));
    }
    reduction.apply(LOSS, &input.try_map_binary(target, Bce)?)
}
