//! Scaled dot-product attention, PyTorch's `F.scaled_dot_product_attention` (its "math"
//! reference path), written with the differentiable tensor ops so that gradients of every
//! order work through it.
//!
//! `softmax(q·kᵀ·scale + mask)·v`, with
//! * a boolean mask ([`AttnMask::Bool`]: non-zero = the query may attend to that key,
//!   PyTorch's convention for `scaled_dot_product_attention`) or an additive mask
//!   ([`AttnMask::Additive`], added to the scores; −∞ removes a key);
//! * `is_causal`: query `i` attends to keys `j ≤ i` (the top-left aligned lower triangle,
//!   as PyTorch);
//! * dropout on the attention weights (with a seed, since Myelin has no global generator).
//!
//! **Fully masked rows.** A query whose keys are all masked has no distribution to
//! normalise. PyTorch's math backend returns NaN for that row (and the NaN spreads through
//! later layers and the gradient). Myelin returns **zeros** for that row of the weights
//! and therefore of the output, with a zero gradient, and every other row is computed
//! exactly as if the dead row were absent. (This is what PyTorch's fused CPU kernel does in
//! recent versions too.)

use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::random::seeded_rng;
use crate::shape::broadcast_shapes;
use crate::tensor::Tensor;
use rand::Rng;

/// A mask for [`scaled_dot_product_attention`], broadcastable to the scores' shape
/// `[.., L, S]` (L queries, S keys).
#[derive(Clone, Copy, Debug)]
pub enum AttnMask<'a, T: Element> {
    /// PyTorch's boolean `attn_mask` as a 0/1 tensor: non-zero where the query may attend
    /// to the key, 0 where it may not. (Note that `nn.MultiheadAttention` uses the opposite
    /// convention for its boolean masks; the layer converts.)
    Bool(&'a Tensor<T>),
    /// A float mask added to the scores before the softmax (0 keeps a key, −∞ removes it).
    Additive(&'a Tensor<T>),
}

/// PyTorch's keyword arguments of `scaled_dot_product_attention`, plus the dropout seed.
#[derive(Clone, Copy, Debug)]
pub struct SdpaOptions<'a, T: Element> {
    /// An optional mask (see [`AttnMask`]).
    pub attn_mask: Option<AttnMask<'a, T>>,
    /// Causal attention: query `i` sees keys `0..=i`. Cannot be combined with `attn_mask`
    /// (an error, as in PyTorch).
    pub is_causal: bool,
    /// Dropout probability on the attention weights, in `[0, 1]` (0 by default; pass 0 in
    /// evaluation, as PyTorch's layers do).
    pub dropout_p: f64,
    /// The score scale; `None` means `1/√E` (E: the query's last dimension).
    pub scale: Option<f64>,
    /// The seed of the dropout mask (used only when `dropout_p > 0`).
    pub dropout_seed: u64,
}

impl<T: Element> Default for SdpaOptions<'_, T> {
    fn default() -> Self {
        SdpaOptions {
            attn_mask: None,
            is_causal: false,
            dropout_p: 0.0,
            scale: None,
            dropout_seed: 0,
        }
    }
}

/// `softmax(q·kᵀ·scale + mask)·v` for `q [.., L, E]`, `k [.., S, E]`, `v [.., S, Ev]`
/// (leading dimensions broadcast), giving `[.., L, Ev]`.
///
/// ```
/// use myelin_tensor::{scaled_dot_product_attention, SdpaOptions, Tensor};
/// let q = Tensor::<f64>::randn_seeded(&[2, 3, 4], 0);
/// let k = Tensor::<f64>::randn_seeded(&[2, 5, 4], 1);
/// let v = Tensor::<f64>::randn_seeded(&[2, 5, 6], 2);
/// let out = scaled_dot_product_attention(&q, &k, &v, &SdpaOptions::default());
/// assert_eq!(out.shape(), &[2, 3, 6]);
/// ```
///
/// # Errors
/// [`TensorError::ShapeMismatch`] (op `scaled_dot_product_attention`, with all shapes)
/// when q, k, v or the mask do not fit; [`TensorError::InvalidArgument`] for a dropout
/// probability outside `[0, 1]` or a mask together with `is_causal`.
pub fn try_scaled_dot_product_attention<T: Element>(
    q: &Tensor<T>,
    k: &Tensor<T>,
    v: &Tensor<T>,
    options: &SdpaOptions<'_, T>,
) -> Result<Tensor<T>> {
    Ok(try_scaled_dot_product_attention_with_weights(q, k, v, options)?.0)
}

/// `softmax(q·kᵀ·scale + mask)·v` for `q [.., L, E]`, `k [.., S, E]`, `v [.., S, Ev]`
/// (leading dimensions broadcast), giving `[.., L, Ev]`.
///
/// # Panics
/// With the message of the error [`try_scaled_dot_product_attention`] returns, on the same inputs.
pub fn scaled_dot_product_attention<T: Element>(
    q: &Tensor<T>,
    k: &Tensor<T>,
    v: &Tensor<T>,
    options: &SdpaOptions<'_, T>,
) -> Tensor<T> {
    or_panic(try_scaled_dot_product_attention(q, k, v, options))
}

/// [`scaled_dot_product_attention`] that also returns the attention weights `[.., L, S]`
/// (after dropout, as `nn.MultiheadAttention` returns them; rows sum to 1 without dropout,
/// fully masked rows are 0).
///
/// # Errors
/// As for [`scaled_dot_product_attention`].
pub fn try_scaled_dot_product_attention_with_weights<T: Element>(
    q: &Tensor<T>,
    k: &Tensor<T>,
    v: &Tensor<T>,
    options: &SdpaOptions<'_, T>,
) -> Result<(Tensor<T>, Tensor<T>)> {
    const OP: &str = "scaled_dot_product_attention";
    let shapes = || {
        format!(
            "query {:?}, key {:?}, value {:?}",
            q.shape(),
            k.shape(),
            v.shape()
        )
    };
    let fits = q.ndim() >= 2
        && k.ndim() >= 2
        && v.ndim() >= 2
        && q.shape()[q.ndim() - 1] == k.shape()[k.ndim() - 1]
        && k.shape()[k.ndim() - 2] == v.shape()[v.ndim() - 2];
    if !fits {
        return Err(TensorError::ShapeMismatch {
            op: OP,
            detail: format!(
                "need query [.., L, E], key [.., S, E], value [.., S, Ev]; got {}",
                shapes()
            ),
        });
    }
    let batch = |t: &Tensor<T>| t.shape()[..t.ndim() - 2].to_vec();
    let qk = broadcast_shapes(OP, &batch(q), &batch(k))
        .and_then(|b| broadcast_shapes(OP, &b, &batch(v)));
    if qk.is_err() {
        return Err(TensorError::ShapeMismatch {
            op: OP,
            detail: format!("batch dimensions do not broadcast: {}", shapes()),
        });
    }
    if !(0.0..=1.0).contains(&options.dropout_p) {
        return Err(TensorError::InvalidArgument {
            op: OP,
            detail: format!(
                "dropout_p must be between 0 and 1, got {}",
                options.dropout_p
            ),
        });
    }
    if options.is_causal && options.attn_mask.is_some() {
        return Err(TensorError::InvalidArgument {
            op: OP,
            detail: "an explicit attn_mask should not be set when is_causal=True".into(),
        });
    }
    let e = q.shape()[q.ndim() - 1];
    let scale = options.scale.unwrap_or(1.0 / (e as f64).sqrt());
    let mut scores = q.try_matmul(&k.t())?.mul_scalar(scale);
    let (l, s) = (q.shape()[q.ndim() - 2], k.shape()[k.ndim() - 2]);
    let scores_shape = scores.shape().to_vec();
    let check_mask = |m: &Tensor<T>| -> Result<()> {
        match broadcast_shapes(OP, &scores_shape, m.shape()) {
            Ok(full) if full.as_slice() == scores_shape.as_slice() => Ok(()),
            _ => Err(TensorError::ShapeMismatch {
                op: OP,
                detail: format!(
                    "attn_mask of shape {:?} does not broadcast to the attention scores [.., L, S] = {:?} ({})",
                    m.shape(),
                    scores_shape,
                    shapes()
                ),
            }),
        }
    };
    if options.is_causal {
        let keep = crate::ops::mask::triangle_mask::<T>(l, s, 0, true);
        scores = scores.try_masked_fill(&keep.try_eq(&Tensor::zeros(&[]))?, f64::NEG_INFINITY)?;
    }
    match options.attn_mask {
        Some(AttnMask::Bool(m)) => {
            check_mask(m)?;
            scores = scores.try_masked_fill(&m.try_eq(&Tensor::zeros(&[]))?, f64::NEG_INFINITY)?;
        }
        Some(AttnMask::Additive(m)) => {
            check_mask(m)?;
            scores = scores.try_add(m)?;
        }
        None => {}
    }
    let mut weights = softmax_last_dim(&scores)?;
    if options.dropout_p > 0.0 {
        weights = dropout(&weights, options.dropout_p, options.dropout_seed)?;
    }
    let out = weights.try_matmul(v)?;
    Ok((out, weights))
}

/// [`scaled_dot_product_attention`] that also returns the attention weights `[.., L, S]`
/// (after dropout, as `nn.MultiheadAttention` returns them; rows sum to 1 without dropout,
/// fully masked rows are 0).
///
/// # Panics
/// With the message of the error [`try_scaled_dot_product_attention_with_weights`]
/// returns, on the same inputs.
pub fn scaled_dot_product_attention_with_weights<T: Element>(
    q: &Tensor<T>,
    k: &Tensor<T>,
    v: &Tensor<T>,
    options: &SdpaOptions<'_, T>,
) -> (Tensor<T>, Tensor<T>) {
    or_panic(try_scaled_dot_product_attention_with_weights(
        q, k, v, options,
    ))
}

/// Softmax over the last dimension in which a row that is entirely −∞ gives zeros (and
/// passes no gradient) instead of NaN. Other rows are the ordinary, max-shifted softmax;
/// the shift is a constant (softmax is shift-invariant), so the graph is exact at every
/// order.
fn softmax_last_dim<T: Element>(scores: &Tensor<T>) -> Result<Tensor<T>> {
    if scores.shape().last() == Some(&0) {
        return Ok(scores.mul_scalar(0.0));
    }
    let (shift, dead) = {
        let _guard = crate::no_grad();
        let max = scores.try_max_dims(&[-1], true)?;
        let dead = max.try_eq(&Tensor::scalar(T::neg_infinity()))?;
        let any_dead = dead.with_contiguous_data(|d| d.iter().any(|&x| x != T::zero()));
        let shift = if any_dead {
            max.try_masked_fill(&dead, 0.0)?
        } else {
            max
        };
        (shift, any_dead.then_some(dead))
    };
    let x = match &dead {
        Some(dead) => scores.try_masked_fill(dead, 0.0)?,
        None => scores.clone(),
    };
    let exps = x.try_sub(&shift)?.exp();
    let probs = exps.try_div(&exps.try_sum_dims(&[-1], true)?)?;
    match &dead {
        Some(dead) => probs.try_masked_fill(dead, 0.0),
        None => Ok(probs),
    }
}

/// Inverted dropout with a seeded mask: each weight kept with probability `1 − p` and
/// scaled by `1/(1 − p)` (all zeros for `p = 1`).
fn dropout<T: Element>(x: &Tensor<T>, p: f64, seed: u64) -> Result<Tensor<T>> {
    let mut rng = seeded_rng(seed);
    let scale = if p >= 1.0 { 0.0 } else { 1.0 / (1.0 - p) };
    let mask: Vec<T> = (0..x.numel())
        .map(|_| T::from_f64(if rng.gen::<f64>() >= p { scale } else { 0.0 }))
        .collect();
    x.try_mul(&Tensor::from_vec(mask, x.shape())?)
}
