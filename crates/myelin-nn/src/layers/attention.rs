//! `MultiheadAttention`, PyTorch's `nn.MultiheadAttention` (same parameter names, shapes,
//! initialisation and mask conventions), on top of
//! [`myelin_tensor::scaled_dot_product_attention`].

use std::sync::Mutex;

use myelin_tensor::{
    seeded_rng, try_scaled_dot_product_attention_with_weights, AttnMask, Element, SdpaOptions,
    Tensor,
};
use rand::rngs::StdRng;
use rand::Rng;

use crate::error::{NnError, Result};
use crate::init::{uniform_, xavier_uniform_};
use crate::layers::dropout::check_probability;
use crate::layers::Linear;
use crate::module::{prefixed, Module};

/// A mask in `nn.MultiheadAttention`'s conventions.
///
/// Note the boolean convention is the opposite of
/// [`AttnMask::Bool`](myelin_tensor::AttnMask): here (as in PyTorch's
/// `MultiheadAttention` and `TransformerEncoderLayer`) a non-zero entry means the position
/// is **not** allowed to be attended.
#[derive(Clone, Copy, Debug)]
pub enum MhaMask<'a, T: Element> {
    /// PyTorch's boolean mask as a 0/1 tensor: non-zero = blocked (not attended).
    Blocked(&'a Tensor<T>),
    /// A float mask added to the attention scores (−∞ blocks).
    Additive(&'a Tensor<T>),
}

impl<T: Element> MhaMask<'_, T> {
    /// The mask as an additive one (0 where allowed, −∞ where blocked).
    fn additive(&self) -> Result<Tensor<T>> {
        Ok(match self {
            MhaMask::Blocked(m) => {
                Tensor::zeros(m.shape()).try_masked_fill(m, f64::NEG_INFINITY)?
            }
            MhaMask::Additive(m) => (*m).clone(),
        })
    }

    fn tensor(&self) -> &Tensor<T> {
        match self {
            MhaMask::Blocked(m) | MhaMask::Additive(m) => m,
        }
    }
}

/// The optional arguments of `MultiheadAttention.forward` (PyTorch's defaults).
#[derive(Clone, Copy, Debug)]
pub struct MhaArgs<'a, T: Element> {
    /// `[N, S]` (or `[S]` unbatched): keys to ignore, per batch entry.
    pub key_padding_mask: Option<MhaMask<'a, T>>,
    /// Whether to return the attention weights (default `true`).
    pub need_weights: bool,
    /// `[L, S]` or `[N·num_heads, L, S]`: which keys each query may attend.
    pub attn_mask: Option<MhaMask<'a, T>>,
    /// Average the returned weights over heads (`[N, L, S]`, default `true`) or return
    /// them per head (`[N, num_heads, L, S]`).
    pub average_attn_weights: bool,
    /// Causal attention. With an `attn_mask` it is a hint that the mask is causal (PyTorch)
    /// and the mask is used; without one, the causal mask is applied (PyTorch would
    /// require the mask to be passed).
    pub is_causal: bool,
}

impl<T: Element> Default for MhaArgs<'_, T> {
    fn default() -> Self {
        MhaArgs {
            key_padding_mask: None,
            need_weights: true,
            attn_mask: None,
            average_attn_weights: true,
            is_causal: false,
        }
    }
}

/// Multi-head attention, PyTorch's `nn.MultiheadAttention(embed_dim, num_heads, dropout,
/// bias, batch_first=…)` with `kdim = vdim = embed_dim`.
///
/// Parameters (PyTorch's names and initialisation): `in_proj_weight` `[3E, E]`
/// (Xavier-uniform), `in_proj_bias` `[3E]` (zeros), `out_proj.weight` `[E, E]`
/// (U(±1/√E)), `out_proj.bias` `[E]` (zeros).
///
/// Inputs are `[N, L, E]` with `batch_first`, else `[L, N, E]`, or unbatched `[L, E]`.
/// Deviation from PyTorch: a query whose keys are all masked gets a zero output (and zero
/// weights) instead of NaN; see [`myelin_tensor::scaled_dot_product_attention`].
///
/// ```
/// use myelin_nn::layers::{MhaArgs, MhaMask, MultiheadAttention};
/// use myelin_nn::Module;
/// use myelin_tensor::Tensor;
///
/// let mha = MultiheadAttention::<f64>::new(8, 2, 0.0, true, true, 0)?;
/// let x = Tensor::randn_seeded(&[3, 5, 8], 1);
/// let pad = Tensor::from_vec(vec![0., 0., 0., 1., 1.].repeat(3), &[3, 5])?; // last two keys are padding
/// let args = MhaArgs { key_padding_mask: Some(MhaMask::Blocked(&pad)), ..Default::default() };
/// let (y, w) = mha.forward_qkv(&x, &x, &x, &args)?;
/// assert_eq!(y.shape(), &[3, 5, 8]);
/// let w = w.unwrap();
/// assert_eq!(w.shape(), &[3, 5, 5]);
/// assert_eq!(w.get(&[0, 0, 4])?, 0.0);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct MultiheadAttention<T: Element> {
    embed_dim: usize,
    num_heads: usize,
    dropout: f64,
    batch_first: bool,
    in_proj_weight: Tensor<T>,
    in_proj_bias: Option<Tensor<T>>,
    out_proj: Linear<T>,
    rng: Mutex<StdRng>,
    training: bool,
}

impl<T: Element> MultiheadAttention<T> {
    /// A layer with PyTorch's initialisation, drawn from a generator seeded with `seed`
    /// (which also seeds the attention dropout).
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when `embed_dim` is 0 or not divisible by `num_heads`,
    /// or `dropout` is outside `[0, 1]`.
    pub fn new(
        embed_dim: usize,
        num_heads: usize,
        dropout: f64,
        bias: bool,
        batch_first: bool,
        seed: u64,
    ) -> Result<Self> {
        if embed_dim == 0 || num_heads == 0 || !embed_dim.is_multiple_of(num_heads) {
            return Err(NnError::InvalidArgument(format!(
                "MultiheadAttention: embed_dim ({embed_dim}) must be positive and divisible by num_heads ({num_heads})"
            )));
        }
        check_probability("MultiheadAttention", dropout)?;
        let mut rng = seeded_rng(seed);
        let in_proj_weight = Tensor::zeros(&[3 * embed_dim, embed_dim]).requires_grad_(true);
        xavier_uniform_(&in_proj_weight, 1.0, &mut rng)?;
        let in_proj_bias = bias.then(|| Tensor::zeros(&[3 * embed_dim]).requires_grad_(true));
        let out_weight = Tensor::zeros(&[embed_dim, embed_dim]);
        let bound = 1.0 / (embed_dim as f64).sqrt();
        uniform_(&out_weight, -bound, bound, &mut rng)?;
        let out_bias = bias.then(|| Tensor::zeros(&[embed_dim]));
        let out_proj = Linear::from_tensors(out_weight, out_bias)?;
        let dropout_seed = rng.gen();
        Ok(MultiheadAttention {
            embed_dim,
            num_heads,
            dropout,
            batch_first,
            in_proj_weight,
            in_proj_bias,
            out_proj,
            rng: Mutex::new(seeded_rng(dropout_seed)),
            training: true,
        })
    }

    /// `embed_dim` (E).
    pub fn embed_dim(&self) -> usize {
        self.embed_dim
    }

    /// The number of heads.
    pub fn num_heads(&self) -> usize {
        self.num_heads
    }

    /// `in_proj_weight`, `[3E, E]` (query, key, value projections stacked).
    pub fn in_proj_weight(&self) -> &Tensor<T> {
        &self.in_proj_weight
    }

    /// PyTorch's `forward(query, key, value, key_padding_mask, need_weights, attn_mask,
    /// average_attn_weights, is_causal)`: the output (the query's shape) and, when
    /// `need_weights`, the attention weights (`[N, L, S]` averaged over heads, or
    /// `[N, H, L, S]`; without the batch dimension for unbatched input).
    ///
    /// # Errors
    /// [`NnError::Shape`] naming the layer and the shapes when the inputs or masks do not
    /// fit.
    pub fn forward_qkv(
        &self,
        query: &Tensor<T>,
        key: &Tensor<T>,
        value: &Tensor<T>,
        args: &MhaArgs<'_, T>,
    ) -> Result<(Tensor<T>, Option<Tensor<T>>)> {
        let e = self.embed_dim;
        let shape_error = |detail: String| NnError::Shape {
            op: self.describe(),
            detail,
        };
        let batched = query.ndim() == 3;
        let rank_ok = (query.ndim() == 2 || batched)
            && key.ndim() == query.ndim()
            && value.ndim() == query.ndim();
        if !rank_ok
            || query.shape()[query.ndim() - 1] != e
            || key.shape()[key.ndim() - 1] != e
            || value.shape()[value.ndim() - 1] != e
            || key.shape()[..key.ndim() - 1] != value.shape()[..value.ndim() - 1]
        {
            return Err(shape_error(format!(
                "expected query [N, L, {e}], key and value [N, S, {e}] (batch_first={}; or unbatched [L, {e}], [S, {e}]), got query {:?}, key {:?}, value {:?}",
                self.batch_first,
                query.shape(),
                key.shape(),
                value.shape()
            )));
        }
        // Everything below works on [N, L, E].
        let to_nle = |x: &Tensor<T>| -> Result<Tensor<T>> {
            Ok(if !batched {
                x.try_unsqueeze(0)?
            } else if self.batch_first {
                x.clone()
            } else {
                x.try_transpose(0, 1)?
            })
        };
        let (q_in, k_in, v_in) = (to_nle(query)?, to_nle(key)?, to_nle(value)?);
        let (n, l, s) = (q_in.shape()[0], q_in.shape()[1], k_in.shape()[1]);
        if k_in.shape()[0] != n {
            return Err(shape_error(format!(
                "query batch {n} differs from key batch {} (query {:?}, key {:?})",
                k_in.shape()[0],
                query.shape(),
                key.shape()
            )));
        }
        // [.., N, H, L, D] views of the projections (no copies).
        let (q, k, v) = self.project_heads(&q_in, &k_in, &v_in, query, key, value)?;

        let mask = self.combined_mask(args, batched, n, l, s)?;
        let causal_only =
            args.is_causal && args.attn_mask.is_none() && args.key_padding_mask.is_none();
        let dropout_p = if self.training { self.dropout } else { 0.0 };
        let dropout_seed = if dropout_p > 0.0 {
            self.rng.lock().unwrap_or_else(|e| e.into_inner()).gen()
        } else {
            0
        };
        let opts = SdpaOptions {
            attn_mask: mask.as_ref().map(AttnMask::Additive),
            is_causal: causal_only,
            dropout_p,
            scale: None,
            dropout_seed,
        };
        let (o, w) = try_scaled_dot_product_attention_with_weights(&q, &k, &v, &opts)?;
        // [.., N, H, L, D] → [.., N, L, H, D] → [N, L, E].
        let r = o.ndim();
        let mut order: Vec<usize> = (0..r - 3).collect();
        order.extend([r - 2, r - 3, r - 1]);
        let o = o.try_permute(&order)?.try_reshape(&[n, l, e])?;
        let w = w.try_reshape(&[n, self.num_heads, l, s])?;
        let mut out = self.out_proj.forward(&o)?;
        out = if !batched {
            out.try_squeeze(0)?
        } else if self.batch_first {
            out
        } else {
            out.try_transpose(0, 1)?
        };
        let weights = if args.need_weights {
            let w = if args.average_attn_weights {
                w.try_mean_dims(&[1], false)?
            } else {
                w
            };
            Some(if batched { w } else { w.try_squeeze(0)? })
        } else {
            None
        };
        Ok((out, weights))
    }

    /// The query/key/value projections split into heads, `[.., N, H, len, D]` views. Self-
    /// attention (the three inputs are the same tensor) takes one matrix product with the
    /// whole `in_proj_weight` and views its `[N, L, 3, H, D]` result as `[3, N, H, L, D]`.
    fn project_heads(
        &self,
        q_in: &Tensor<T>,
        k_in: &Tensor<T>,
        v_in: &Tensor<T>,
        query: &Tensor<T>,
        key: &Tensor<T>,
        value: &Tensor<T>,
    ) -> Result<(Tensor<T>, Tensor<T>, Tensor<T>)> {
        let (e, h) = (self.embed_dim, self.num_heads);
        let n = q_in.shape()[0];
        let same = |a: &Tensor<T>, b: &Tensor<T>| {
            a.shares_storage_with(b) && a.shape() == b.shape() && a.strides() == b.strides()
        };
        if same(query, key) && same(key, value) {
            let l = q_in.shape()[1];
            let qkv = q_in
                .try_linear(&self.in_proj_weight, self.in_proj_bias.as_ref())?
                .try_reshape(&[n, l, 3, h, e / h])?
                .try_permute(&[2, 0, 3, 1, 4])?;
            let part = |i: usize| qkv.try_narrow(0, i, 1);
            return Ok((part(0)?, part(1)?, part(2)?));
        }
        let proj = |x: &Tensor<T>, i: usize| -> Result<Tensor<T>> {
            let w = self.in_proj_weight.try_narrow(0, i * e, e)?;
            let b = match &self.in_proj_bias {
                Some(b) => Some(b.try_narrow(0, i * e, e)?),
                None => None,
            };
            let len = x.shape()[1];
            Ok(x.try_linear(&w, b.as_ref())?
                .try_reshape(&[n, len, h, e / h])?
                .try_permute(&[0, 2, 1, 3])?)
        };
        Ok((proj(q_in, 0)?, proj(k_in, 1)?, proj(v_in, 2)?))
    }

    /// `attn_mask`, `key_padding_mask` and the causal mask combined into one additive mask
    /// broadcastable to `[N, H, L, S]` (`None` when there is nothing to mask, or only the
    /// causal mask, which the attention applies itself).
    fn combined_mask(
        &self,
        args: &MhaArgs<'_, T>,
        batched: bool,
        n: usize,
        l: usize,
        s: usize,
    ) -> Result<Option<Tensor<T>>> {
        let h = self.num_heads;
        let bad = |what: &str, m: &Tensor<T>, want: String| NnError::Shape {
            op: self.describe(),
            detail: format!(
                "{what} of shape {:?} does not fit; expected {want}",
                m.shape()
            ),
        };
        let mut total: Option<Tensor<T>> = None;
        let mut add = |m: Tensor<T>| -> Result<()> {
            total = Some(match total.take() {
                Some(t) => t.try_add(&m)?,
                None => m,
            });
            Ok(())
        };
        if let Some(m) = args.attn_mask {
            let t = m.tensor();
            let shaped = if t.shape() == [l, s] {
                m.additive()?
            } else if t.shape() == [n * h, l, s] {
                m.additive()?.try_reshape(&[n, h, l, s])?
            } else {
                return Err(bad(
                    "attn_mask",
                    t,
                    format!("[{l}, {s}] or [{}, {l}, {s}]", n * h),
                ));
            };
            add(shaped)?;
        } else if args.is_causal && args.key_padding_mask.is_some() {
            let blocked = Tensor::ones(&[l, s]).try_triu(1)?;
            add(MhaMask::Blocked(&blocked).additive()?)?;
        }
        if let Some(m) = args.key_padding_mask {
            let t = m.tensor();
            let want: Vec<usize> = if batched { vec![n, s] } else { vec![s] };
            if t.shape() != want.as_slice() {
                return Err(bad("key_padding_mask", t, format!("{want:?}")));
            }
            add(m.additive()?.try_reshape(&[n, 1, 1, s])?)?;
        }
        Ok(total)
    }
}

impl<T: Element> Module<T> for MultiheadAttention<T> {
    /// Self-attention without masks: `forward_qkv(x, x, x)` without the weights.
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let args = MhaArgs {
            need_weights: false,
            ..Default::default()
        };
        Ok(self.forward_qkv(x, x, x, &args)?.0)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        let mut named = vec![("in_proj_weight".to_string(), self.in_proj_weight.clone())];
        if let Some(b) = &self.in_proj_bias {
            named.push(("in_proj_bias".to_string(), b.clone()));
        }
        named.extend(prefixed("out_proj", self.out_proj.named_parameters()));
        named
    }

    fn train(&mut self, mode: bool) {
        self.training = mode;
        self.out_proj.train(mode);
    }

    fn is_training(&self) -> bool {
        self.training
    }

    fn describe(&self) -> String {
        format!(
            "MultiheadAttention(embed_dim={}, num_heads={}, dropout={}, batch_first={})",
            self.embed_dim, self.num_heads, self.dropout, self.batch_first
        )
    }
}
