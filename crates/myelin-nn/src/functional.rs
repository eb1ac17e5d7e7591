//! Functional forms, as in `torch.nn.functional`: [`normalize`] and
//! [`cosine_similarity`].
//!
//! Both are built from differentiable tensor ops, so they have gradients of every
//! order. Their norms have a zero gradient where the norm is exactly zero (as
//! PyTorch's `linalg.vector_norm` backward), never NaN.

use myelin_tensor::{broadcast_shapes, no_grad, BackwardCtx, BackwardOp, Element, Tensor};

use crate::error::{NnError, Result};

/// PyTorch's `F.normalize(x, p, dim, eps)`: `x / max(‖x‖_p, eps)` with the p-norm taken
/// along `dim` (negative counts from the end).
///
/// `p` may be any positive number, `0` (the number of non-zero entries), `f64::INFINITY`
/// (the largest magnitude) or `f64::NEG_INFINITY` (the smallest). The clamp is
/// differentiable as in PyTorch: where the norm is below `eps`, no gradient flows
/// through it. PyTorch's defaults are `p = 2.0, dim = 1, eps = 1e-12`. Deviations:
/// `dim` is a single dimension (PyTorch also takes a tuple), and a negative finite `p`
/// is rejected.
///
/// ```
/// use myelin_nn::functional::normalize;
/// use myelin_tensor::Tensor;
///
/// let x = Tensor::<f64>::from_vec(vec![3.0, -4.0, 0.0, 0.0], &[2, 2])?;
/// let y = normalize(&x, 2.0, 1, 1e-12)?;
/// assert_eq!(y.to_vec(), vec![0.6, -0.8, 0.0, 0.0]); // a zero row stays zero
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
///
/// # Errors
/// [`NnError::InvalidArgument`] naming `normalize` for a `dim` out of range (or a 0-d
/// input), a NaN or negative finite `p`, or a NaN or negative `eps`.
pub fn normalize<T: Element>(x: &Tensor<T>, p: f64, dim: isize, eps: f64) -> Result<Tensor<T>> {
    check_eps("normalize", eps)?;
    let norm = vector_norm("normalize", x, p, dim)?;
    Ok(x.try_div(&norm.try_clamp(eps, f64::INFINITY)?)?)
}

/// PyTorch's `F.cosine_similarity(x1, x2, dim, eps)`: `Σ x1·x2 / (max(‖x1‖, eps) ·
/// max(‖x2‖, eps))` along `dim`, after broadcasting `x1` and `x2` to a common shape; the
/// result has that shape without `dim`.
///
/// As in PyTorch 2.x, each norm is clamped to `eps` separately and the result is
/// computed as `Σ (x1/‖x1‖)·(x2/‖x2‖)`. The clamp changes the value only: the gradient
/// flows as if the norm had not been clamped (PyTorch clamps in place under
/// `no_grad`), which matters for vectors shorter than `eps`. PyTorch's defaults are
/// `dim = 1, eps = 1e-8`.
///
/// ```
/// use myelin_nn::functional::cosine_similarity;
/// use myelin_tensor::Tensor;
///
/// let a = Tensor::<f64>::from_vec(vec![1.0, 0.0, 1.0, 1.0], &[2, 2])?;
/// let b = Tensor::<f64>::from_vec(vec![0.0, 2.0], &[1, 2])?; // broadcast against a
/// let s = cosine_similarity(&a, &b, 1, 1e-8)?.to_vec();
/// assert!(s[0].abs() < 1e-15);
/// assert!((s[1] - 0.5f64.sqrt()).abs() < 1e-15);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
///
/// # Errors
/// [`NnError::Tensor`] holding a broadcast error that names `cosine_similarity` and
/// both shapes when the shapes do not broadcast; [`NnError::InvalidArgument`] for a `dim` out of range of the broadcast
/// shape or a NaN or negative `eps`.
pub fn cosine_similarity<T: Element>(
    x1: &Tensor<T>,
    x2: &Tensor<T>,
    dim: isize,
    eps: f64,
) -> Result<Tensor<T>> {
    const OP: &str = "cosine_similarity";
    check_eps(OP, eps)?;
    let shape = broadcast_shapes(OP, x1.shape(), x2.shape())?;
    let a = x1.try_broadcast_to(&shape)?;
    let b = x2.try_broadcast_to(&shape)?;
    let d = resolve_dim(OP, &shape, dim)? as isize;
    let unit = |t: &Tensor<T>| -> Result<Tensor<T>> {
        let norm = vector_norm(OP, t, 2.0, dim)?;
        let clamped = {
            let _guard = no_grad();
            norm.try_clamp(eps, f64::INFINITY)?
        };
        Ok(t.try_div(&Tensor::from_op(clamped, &[&norm], StraightThrough))?)
    };
    Ok(unit(&a)?.try_mul(&unit(&b)?)?.try_sum_dims(&[d], false)?)
}

/// The p-norm of `x` along `dim`, keeping `dim` as size 1; its gradient is zero where
/// the norm is zero.
fn vector_norm<T: Element>(op: &str, x: &Tensor<T>, p: f64, dim: isize) -> Result<Tensor<T>> {
    let d = [resolve_dim(op, x.shape(), dim)? as isize];
    if p.is_nan() || (p < 0.0 && p != f64::NEG_INFINITY) {
        return Err(NnError::InvalidArgument(format!(
            "{op}: p must be positive, 0 or ±infinity, got {p}"
        )));
    }
    let norm = if p == 1.0 {
        x.abs().try_sum_dims(&d, true)?
    } else if p == f64::INFINITY {
        x.abs().try_max_dims(&d, true)?
    } else if p == f64::NEG_INFINITY {
        x.abs().try_min_dims(&d, true)?
    } else if p == 0.0 {
        x.try_ne(&Tensor::scalar(T::zero()))?
            .try_sum_dims(&d, true)?
    } else if p == 2.0 {
        root(&x.square().try_sum_dims(&d, true)?, 2.0)?
    } else {
        root(&x.abs().powf(p).try_sum_dims(&d, true)?, p)?
    };
    Ok(norm)
}

/// `s^(1/p)` for `s ≥ 0`, with a zero (not infinite) gradient at `s = 0`: the root is
/// taken of 1 where `s` is 0 and that branch is then replaced by 0, so no infinite
/// derivative enters the chain.
fn root<T: Element>(s: &Tensor<T>, p: f64) -> Result<Tensor<T>> {
    let zero = s.try_eq(&Tensor::scalar(T::zero()))?;
    let safe = Tensor::try_where_(&zero, &Tensor::scalar(T::one()), s)?;
    let r = if p == 2.0 {
        safe.sqrt()
    } else {
        safe.powf(1.0 / p)
    };
    Ok(Tensor::try_where_(&zero, &Tensor::scalar(T::zero()), &r)?)
}

/// `dim` in `0..shape.len()` (negative counts from the end).
fn resolve_dim(op: &str, shape: &[usize], dim: isize) -> Result<usize> {
    let n = shape.len() as isize;
    let d = if dim < 0 { dim + n } else { dim };
    if (0..n).contains(&d) {
        Ok(d as usize)
    } else {
        Err(NnError::InvalidArgument(format!(
            "{op}: dim {dim} is out of range for shape {shape:?}"
        )))
    }
}

fn check_eps(op: &str, eps: f64) -> Result<()> {
    if eps >= 0.0 {
        Ok(())
    } else {
        Err(NnError::InvalidArgument(format!(
            "{op}: eps must be >= 0, got {eps}"
        )))
    }
}

/// The identity gradient: the clamped norm passes its gradient on unchanged, as if it
/// had not been clamped.
struct StraightThrough;

impl<T: Element> BackwardOp<T> for StraightThrough {
    fn name(&self) -> &'static str {
        "cosine_similarity_clamp"
    }
    fn backward(
        &self,
        _ctx: &BackwardCtx<'_, T>,
        g: &Tensor<T>,
    ) -> myelin_tensor::Result<Vec<Option<Tensor<T>>>> {
        Ok(vec![Some(g.clone())])
    }
}
