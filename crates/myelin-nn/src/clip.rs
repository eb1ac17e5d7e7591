//! Gradient clipping: [`clip_grad_norm`] (`torch.nn.utils.clip_grad_norm_`) and
//! [`clip_grad_value`] (`torch.nn.utils.clip_grad_value_`).
//!
//! Both work in place on the gradients accumulated on the parameters (call them after
//! `backward` and before the optimiser step). Parameters without a gradient are
//! ignored.

use crate::error::{NnError, Result};
use myelin_tensor::{Element, Tensor};

/// Rescales the gradients of `params` so that their global norm is at most `max_norm`,
/// and returns the global norm measured before clipping (PyTorch's
/// `clip_grad_norm_(params, max_norm, norm_type, error_if_nonfinite)`).
///
/// The norm is taken over all gradients together, as if they were concatenated into
/// one vector: `(Σ |g|^p)^(1/p)` for `norm_type` p (finite, `> 0`), or `max |g|` for
/// `norm_type = f64::INFINITY`. It is accumulated in `f64` whatever the element type
/// (PyTorch accumulates in the gradient's dtype; for `f32` gradients the result may
/// differ from PyTorch's in the last bits), and large 2-norms are computed with
/// rescaling so that they do not overflow. Every gradient is then multiplied by
/// `min(max_norm / (total + 1e-6), 1)`.
///
/// A NaN or infinite total is an [`NnError::NonFiniteGradNorm`] error (with nothing
/// changed) when `error_if_nonfinite` is true. Otherwise the gradients are multiplied
/// by the clip coefficient just as PyTorch does: with a NaN total every gradient
/// becomes NaN; with an infinite total the coefficient is 0, so finite entries become
/// 0 and infinite ones NaN. With no gradients at all the result is 0.
///
/// Errors on a `max_norm` that is NaN or negative, a `norm_type` that is not positive,
/// or a gradient whose shape differs from its parameter's.
///
/// ```
/// use myelin_nn::clip::clip_grad_norm;
/// use myelin_tensor::Tensor;
///
/// let a = Tensor::<f64>::zeros(&[1]).requires_grad_(true);
/// let b = Tensor::<f64>::zeros(&[1]).requires_grad_(true);
/// a.set_grad(Some(Tensor::from_vec(vec![3.0], &[1])?));
/// b.set_grad(Some(Tensor::from_vec(vec![4.0], &[1])?));
/// let total = clip_grad_norm(&[a.clone(), b.clone()], 1.0, 2.0, false)?;
/// assert_eq!(total, 5.0); // global norm of [3, 4]
/// let scale = 1.0 / (5.0 + 1e-6);
/// assert_eq!(a.grad().unwrap().to_vec(), vec![3.0 * scale]);
/// assert_eq!(b.grad().unwrap().to_vec(), vec![4.0 * scale]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn clip_grad_norm<T: Element>(
    params: &[Tensor<T>],
    max_norm: f64,
    norm_type: f64,
    error_if_nonfinite: bool,
) -> Result<f64> {
    if max_norm.is_nan() || max_norm < 0.0 {
        return Err(NnError::InvalidArgument(format!(
            "clip_grad_norm: max_norm must be >= 0, got {max_norm}"
        )));
    }
    if norm_type.is_nan() || norm_type <= 0.0 {
        return Err(NnError::InvalidArgument(format!(
            "clip_grad_norm: norm_type must be > 0 (or infinity), got {norm_type}"
        )));
    }
    let grads = grads_of("clip_grad_norm", params)?;
    if grads.is_empty() {
        return Ok(0.0);
    }
    let total = total_norm(&grads, norm_type);
    if error_if_nonfinite && !total.is_finite() {
        return Err(NnError::NonFiniteGradNorm {
            norm_type,
            norm: total,
        });
    }
    let coef = max_norm / (total + 1e-6);
    // torch.clamp(coef, max=1.0) propagates NaN.
    let clamped = if coef.is_nan() {
        f64::NAN
    } else {
        coef.min(1.0)
    };
    if clamped != 1.0 {
        let c = T::from_f64(clamped);
        for (p, g) in &grads {
            map_grad_in_place(p, g, |v| v * c)?;
        }
    }
    Ok(total)
}

/// Clamps every gradient entry of `params` to `[-clip_value, clip_value]`, in place
/// (PyTorch's `clip_grad_value_`). NaN entries stay NaN.
///
/// Errors if `clip_value` is NaN or negative (PyTorch would clamp everything to the
/// negative value), or a gradient's shape differs from its parameter's.
///
/// ```
/// use myelin_nn::clip::clip_grad_value;
/// use myelin_tensor::Tensor;
///
/// let w = Tensor::<f32>::zeros(&[3]).requires_grad_(true);
/// w.set_grad(Some(Tensor::from_vec(vec![-5.0, 0.25, 2.0], &[3])?));
/// clip_grad_value(std::slice::from_ref(&w), 1.0)?;
/// assert_eq!(w.grad().unwrap().to_vec(), vec![-1.0, 0.25, 1.0]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn clip_grad_value<T: Element>(params: &[Tensor<T>], clip_value: f64) -> Result<()> {
    if clip_value.is_nan() || clip_value < 0.0 {
        return Err(NnError::InvalidArgument(format!(
            "clip_grad_value: clip_value must be >= 0, got {clip_value}"
        )));
    }
    let grads = grads_of("clip_grad_value", params)?;
    let hi = T::from_f64(clip_value);
    let lo = -hi;
    for (p, g) in &grads {
        map_grad_in_place(p, g, |v| {
            if v > hi {
                hi
            } else if v < lo {
                lo
            } else {
                v
            }
        })?;
    }
    Ok(())
}

/// The (parameter, gradient) pairs that have a gradient, with shapes checked.
fn grads_of<T: Element>(op: &str, params: &[Tensor<T>]) -> Result<Vec<(Tensor<T>, Tensor<T>)>> {
    let mut out = Vec::with_capacity(params.len());
    for (i, p) in params.iter().enumerate() {
        if let Some(g) = p.grad() {
            if g.shape() != p.shape() {
                return Err(NnError::InvalidArgument(format!(
                    "{op}: the gradient of parameter {i} has shape {:?}, the parameter has shape {:?}",
                    g.shape(),
                    p.shape()
                )));
            }
            out.push((p.clone(), g));
        }
    }
    Ok(out)
}

/// The global `norm_type`-norm of all gradients, accumulated in `f64`.
fn total_norm<T: Element>(grads: &[(Tensor<T>, Tensor<T>)], norm_type: f64) -> f64 {
    let mut max_abs = 0.0f64;
    let mut nan = false;
    for (_, g) in grads {
        g.with_contiguous_data(|d| {
            for &v in d {
                let a = Element::to_f64(v).abs();
                if a.is_nan() {
                    nan = true;
                } else if a > max_abs {
                    max_abs = a;
                }
            }
        });
    }
    if nan {
        return f64::NAN;
    }
    if norm_type == f64::INFINITY || max_abs == 0.0 || max_abs.is_infinite() {
        // The inf-norm; and for any p, an all-zero (0) or infinite (inf) total.
        return max_abs;
    }
    let p = norm_type;
    let sum_pow = |scale: f64| {
        let mut acc = 0.0f64;
        for (_, g) in grads {
            g.with_contiguous_data(|d| {
                if p == 2.0 {
                    acc += d
                        .iter()
                        .map(|v| {
                            let x = Element::to_f64(*v) * scale;
                            x * x
                        })
                        .sum::<f64>();
                } else if p == 1.0 {
                    acc += d
                        .iter()
                        .map(|v| (Element::to_f64(*v) * scale).abs())
                        .sum::<f64>();
                } else {
                    acc += d
                        .iter()
                        .map(|v| (Element::to_f64(*v) * scale).abs().powf(p))
                        .sum::<f64>();
                }
            });
        }
        acc
    };
    let direct = sum_pow(1.0);
    if direct.is_finite() && direct > f64::MIN_POSITIVE * 1e20 {
        return root(direct, p);
    }
    // Overflow or heavy underflow: measure in units of the largest entry.
    let scaled = sum_pow(1.0 / max_abs);
    root(scaled, p) * max_abs
}

/// `x^(1/p)`, exact for the common orders 1 and 2.
fn root(x: f64, p: f64) -> f64 {
    if p == 1.0 {
        x
    } else if p == 2.0 {
        x.sqrt()
    } else {
        x.powf(1.0 / p)
    }
}

/// Applies `f` to every element of `param`'s gradient `g`: in place when `g` is
/// contiguous, otherwise by installing a new gradient tensor.
fn map_grad_in_place<T: Element>(
    param: &Tensor<T>,
    g: &Tensor<T>,
    f: impl Fn(T) -> T,
) -> Result<()> {
    if g.is_contiguous() {
        g.update_data(|d| d.iter_mut().for_each(|v| *v = f(*v)))?;
    } else {
        let values: Vec<T> = g.to_vec().into_iter().map(f).collect();
        param.set_grad(Some(Tensor::from_vec(values, g.shape())?));
    }
    Ok(())
}
