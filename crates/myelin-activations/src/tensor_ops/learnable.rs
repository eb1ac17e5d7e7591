//! Activations with a learnable parameter: PReLU (`f(x, w) = x` for `x > 0`, `w·x`
//! otherwise) and swish with a learned β (`f(x, β) = x·σ(βx)`).
//!
//! Both are a [`BinaryFn`] of the input and a broadcast view of the parameter (PReLU's
//! per-channel weight reshaped to `[1, C, 1, …]`). The forward is the engine's fused
//! broadcasting kernel ([`Tensor::map_binary`]); the op is recorded with
//! [`Tensor::from_op`] and its own backward so that:
//!
//! * the ordinary backward is fused (`g·∂f/∂x` and `g·∂f/∂p` in one pass each, the latter
//!   reduced to the parameter's shape);
//! * with `create_graph` the two partial derivatives are rebuilt from differentiable
//!   tensor ops, so gradients of gradients work (PReLU's mixed partial `∂²f/∂x∂w = 1` on
//!   the negative side, swish's full Hessian). `map_binary` alone refuses `create_graph`.

use myelin_tensor::kernels::elementwise::zip3;
use myelin_tensor::{with_no_grad, BackwardCtx, BackwardOp, BinaryFn, Element, Tensor};

use crate::functions::{relu, swish};

/// A [`BinaryFn`] whose partial derivatives can also be written with tensor ops.
pub(crate) trait LearnableFn<T: Element>: BinaryFn<T> + Clone {
    /// `(g·∂f/∂x, g·∂f/∂p)` at full (broadcast) shape, built from differentiable ops.
    fn graph_partials(
        &self,
        x: &Tensor<T>,
        p: &Tensor<T>,
        g: &Tensor<T>,
    ) -> myelin_tensor::Result<(Tensor<T>, Tensor<T>)>;
}

/// PReLU as a function of the input `a` and the (broadcast) weight `b`.
#[derive(Clone, Copy, Debug, Default)]
pub struct PreluFn;

impl<T: Element> BinaryFn<T> for PreluFn {
    fn name(&self) -> &'static str {
        "prelu"
    }
    #[inline(always)]
    fn f(&self, a: T, b: T) -> T {
        relu::prelu(a, b)
    }
    #[inline(always)]
    fn df_da(&self, a: T, b: T) -> T {
        relu::prelu_derivative(a, b)
    }
    #[inline(always)]
    fn df_db(&self, a: T, _b: T) -> T {
        relu::prelu_weight_derivative(a)
    }
}

impl<T: Element> LearnableFn<T> for PreluFn {
    fn graph_partials(
        &self,
        x: &Tensor<T>,
        w: &Tensor<T>,
        g: &Tensor<T>,
    ) -> myelin_tensor::Result<(Tensor<T>, Tensor<T>)> {
        let positive = x.gt_scalar(T::zero());
        let gw = g.try_mul(w)?;
        let dx = Tensor::where_(&positive, g, &gw)?;
        let gx = g.try_mul(x)?;
        let dw = Tensor::where_(&positive, &gx.zeros_like(), &gx)?;
        Ok((dx, dw))
    }
}

/// Swish as a function of the input `a` and a learned β `b`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SwishBetaFn;

impl<T: Element> BinaryFn<T> for SwishBetaFn {
    fn name(&self) -> &'static str {
        "swish"
    }
    #[inline(always)]
    fn f(&self, a: T, b: T) -> T {
        swish::swish(a, b)
    }
    #[inline(always)]
    fn df_da(&self, a: T, b: T) -> T {
        swish::swish_derivative(a, b)
    }
    #[inline(always)]
    fn df_db(&self, a: T, b: T) -> T {
        swish::swish_beta_derivative(a, b)
    }
}

impl<T: Element> LearnableFn<T> for SwishBetaFn {
    fn graph_partials(
        &self,
        x: &Tensor<T>,
        beta: &Tensor<T>,
        g: &Tensor<T>,
    ) -> myelin_tensor::Result<(Tensor<T>, Tensor<T>)> {
        // s = σ(βx), s' = s(1 − s); ∂f/∂x = s + βx·s', ∂f/∂β = x²·s'.
        let z = x.try_mul(beta)?;
        let s = z.sigmoid();
        let slope = s.try_mul(&s.rsub_scalar(1.0))?;
        let dx = s.try_add(&z.try_mul(&slope)?)?;
        let dbeta = x.try_mul(x)?.try_mul(&slope)?;
        Ok((g.try_mul(&dx)?, g.try_mul(&dbeta)?))
    }
}

struct LearnableBackward<F> {
    func: F,
}

impl<T: Element, F: LearnableFn<T>> BackwardOp<T> for LearnableBackward<F> {
    fn name(&self) -> &'static str {
        self.func.name()
    }

    fn backward(
        &self,
        ctx: &BackwardCtx<'_, T>,
        grad: &Tensor<T>,
    ) -> myelin_tensor::Result<Vec<Option<Tensor<T>>>> {
        let (x, p) = (ctx.input(0), ctx.input(1));
        let (want_x, want_p) = (ctx.needs_grad(0), ctx.needs_grad(1));
        if ctx.create_graph() {
            let (gx, gp) = self.func.graph_partials(x, p, grad)?;
            return Ok(vec![
                want_x.then(|| gx.try_sum_to(x.shape())).transpose()?,
                want_p.then(|| gp.try_sum_to(p.shape())).transpose()?,
            ]);
        }
        let shape = grad.shape().to_vec();
        let xb = x.try_broadcast_to(&shape)?.contiguous();
        let pb = p.try_broadcast_to(&shape)?.contiguous();
        let func = &self.func;
        let gx = if want_x {
            let full = fused(grad, &xb, &pb, |x, p| func.df_da(x, p))?;
            Some(full.try_sum_to(x.shape())?)
        } else {
            None
        };
        let gp = if want_p {
            let full = fused(grad, &xb, &pb, |x, p| func.df_db(x, p))?;
            Some(full.try_sum_to(p.shape())?)
        } else {
            None
        };
        Ok(vec![gx, gp])
    }
}

/// `g·partial(x, p)` elementwise over same-shaped contiguous tensors, in one pass.
fn fused<T: Element, P: Fn(T, T) -> T + Sync>(
    grad: &Tensor<T>,
    x: &Tensor<T>,
    p: &Tensor<T>,
    partial: P,
) -> myelin_tensor::Result<Tensor<T>> {
    let values = grad.with_contiguous_data(|g| {
        x.with_contiguous_data(|xs| {
            p.with_contiguous_data(|ps| {
                let mut out = vec![T::zero(); g.len()];
                zip3(g, xs, ps, &mut out, |g, x, p| g * partial(x, p));
                out
            })
        })
    });
    Tensor::from_vec(values, grad.shape())
}

/// `f(x, p)` with `p` already shaped to broadcast against `x`, recorded with a backward
/// that supports `create_graph`.
pub(crate) fn apply_learnable<T: Element, F: LearnableFn<T>>(
    x: &Tensor<T>,
    p: &Tensor<T>,
    func: F,
) -> myelin_tensor::Result<Tensor<T>> {
    let value = with_no_grad(|| x.map_binary(p, func.clone()))?;
    Ok(Tensor::from_op(value, &[x, p], LearnableBackward { func }))
}
