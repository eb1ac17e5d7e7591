//! The LSTM cell's gate arithmetic as two fused ops of the custom-op API
//! ([`Tensor::from_op`]): one kernel pass each forward and backward instead of about a
//! dozen small recorded ops per time step.
//!
//! - `lstm_cell_state`: `c' = σ(pre_f)·c + σ(pre_i)·tanh(pre_g)`
//! - `lstm_cell_output`: `h' = σ(pre_o)·tanh(c')`
//!
//! `pre` is the `[batch, 4·hidden]` pre-activation (gates i, f, g, o). Each backward has a
//! fused kernel (used when no graph of the backward is wanted) and the same formulas in
//! differentiable tensor ops (used with `create_graph`), so gradients of gradients work.

use myelin_tensor::{BackwardCtx, BackwardOp, Element, Tensor};

type Grads<T> = myelin_tensor::Result<Vec<Option<Tensor<T>>>>;

fn sigmoid_prime<T: Element>(s: &Tensor<T>) -> myelin_tensor::Result<Tensor<T>> {
    s.try_mul(&s.rsub_scalar(1.0))
}

/// Runs `kernel(pre_row, c_row, extra_row)` over the batch rows of contiguous
/// `pre` `[batch, 4·hidden]`, `c` `[batch, hidden]` and `extra` `[batch, hidden]`.
fn for_rows<T: Element>(
    pre: &Tensor<T>,
    c: &Tensor<T>,
    extra: &Tensor<T>,
    mut kernel: impl FnMut(&[T], &[T], &[T]),
) {
    let hidden = c.shape()[1];
    if hidden == 0 {
        return;
    }
    pre.with_contiguous_data(|p| {
        c.with_contiguous_data(|c| {
            extra.with_contiguous_data(|e| {
                for ((p, c), e) in p
                    .chunks(4 * hidden)
                    .zip(c.chunks(hidden))
                    .zip(e.chunks(hidden))
                {
                    kernel(p, c, e);
                }
            })
        })
    });
}

/// The forward of a fused op: `value(pre_row, c_row, out_row)` per row, recorded with `op`.
fn fused_forward<T: Element>(
    pre: &Tensor<T>,
    c: &Tensor<T>,
    op: impl BackwardOp<T>,
    mut value: impl FnMut(&[T], &[T], &mut [T]),
) -> Tensor<T> {
    let hidden = c.shape()[1];
    let mut out = vec![T::zero(); c.numel()];
    let mut rows = out.chunks_mut(hidden.max(1));
    for_rows(pre, c, c, |p, c, _| {
        value(p, c, rows.next().expect("one output row per batch row"))
    });
    let value = Tensor::from_vec(out, c.shape()).expect("one value per cell");
    Tensor::from_op(value, &[pre, c], op)
}

/// One batch row of a fused backward: the inputs, the incoming gradient and the two
/// gradient rows to fill (zero-initialised); `h` is the hidden size.
struct Row<'a, T> {
    p: &'a [T],
    c: &'a [T],
    g: &'a [T],
    d_pre: &'a mut [T],
    d_c: &'a mut [T],
    h: usize,
}

/// The fused backward of an op of `(pre, c)`: `unit(row, j)` for every hidden unit `j` of
/// every batch row fills both gradients.
fn fused_backward<T: Element>(
    ctx: &BackwardCtx<'_, T>,
    g: &Tensor<T>,
    mut unit: impl FnMut(&mut Row<'_, T>, usize),
) -> Grads<T> {
    let (pre, c) = (ctx.input(0), ctx.input(1));
    let h = c.shape()[1];
    let mut d_pre = vec![T::zero(); pre.numel()];
    let mut d_c = vec![T::zero(); c.numel()];
    {
        let mut pre_rows = d_pre.chunks_mut(4 * h.max(1));
        let mut c_rows = d_c.chunks_mut(h.max(1));
        for_rows(pre, c, g, |p, c, g| {
            let (d_pre, d_c) = (pre_rows.next().expect("row"), c_rows.next().expect("row"));
            let mut row = Row {
                p,
                c,
                g,
                d_pre,
                d_c,
                h,
            };
            for j in 0..h {
                unit(&mut row, j);
            }
        });
    }
    Ok(vec![
        ctx.needs_grad(0)
            .then(|| Tensor::from_vec(d_pre, pre.shape()))
            .transpose()?,
        ctx.needs_grad(1)
            .then(|| Tensor::from_vec(d_c, c.shape()))
            .transpose()?,
    ])
}

/// `c' = σ(pre_f)·c + σ(pre_i)·tanh(pre_g)`.
pub(crate) fn lstm_cell_state<T: Element>(pre: &Tensor<T>, c: &Tensor<T>) -> Tensor<T> {
    fused_forward(pre, c, LstmBackward::State, |p, c, out| {
        let h = c.len();
        for j in 0..h {
            out[j] = p[h + j].vsigmoid() * c[j] + p[j].vsigmoid() * p[2 * h + j].vtanh();
        }
    })
}

/// The backward of either fused op.
enum LstmBackward {
    State,
    Output,
}

impl<T: Element> BackwardOp<T> for LstmBackward {
    fn name(&self) -> &'static str {
        match self {
            LstmBackward::State => "lstm_cell_state",
            LstmBackward::Output => "lstm_cell_output",
        }
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        match self {
            LstmBackward::State => state_backward(ctx, g),
            LstmBackward::Output => output_backward(ctx, g),
        }
    }
}

fn state_backward<T: Element>(ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
    if !ctx.create_graph() {
        return fused_backward(ctx, g, |r, j| {
            let (h, one) = (r.h, T::one());
            let (i, f, tg) = (
                r.p[j].vsigmoid(),
                r.p[h + j].vsigmoid(),
                r.p[2 * h + j].vtanh(),
            );
            r.d_pre[j] = r.g[j] * tg * i * (one - i);
            r.d_pre[h + j] = r.g[j] * r.c[j] * f * (one - f);
            r.d_pre[2 * h + j] = r.g[j] * i * (one - tg * tg);
            r.d_c[j] = r.g[j] * f;
        });
    }
    let (pre, c) = (ctx.input(0), ctx.input(1));
    let h = c.shape()[1];
    let s = pre.sigmoid();
    let i = s.try_narrow(1, 0, h)?;
    let f = s.try_narrow(1, h, h)?;
    let tg = pre.try_narrow(1, 2 * h, h)?.tanh();
    let d_i = g.try_mul(&tg)?.try_mul(&sigmoid_prime(&i)?)?;
    let d_f = g.try_mul(c)?.try_mul(&sigmoid_prime(&f)?)?;
    let d_g = g.try_mul(&i)?.try_mul(&tg.square().rsub_scalar(1.0))?;
    let d_o = Tensor::zeros(c.shape());
    Ok(vec![
        ctx.needs_grad(0)
            .then(|| Tensor::try_concat(&[&d_i, &d_f, &d_g, &d_o], 1))
            .transpose()?,
        ctx.needs_grad(1).then(|| g.try_mul(&f)).transpose()?,
    ])
}

/// `h' = σ(pre_o)·tanh(c')`.
pub(crate) fn lstm_cell_output<T: Element>(pre: &Tensor<T>, c: &Tensor<T>) -> Tensor<T> {
    fused_forward(pre, c, LstmBackward::Output, |p, c, out| {
        let h = c.len();
        for j in 0..h {
            out[j] = p[3 * h + j].vsigmoid() * c[j].vtanh();
        }
    })
}

fn output_backward<T: Element>(ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
    if !ctx.create_graph() {
        return fused_backward(ctx, g, |r, j| {
            let (h, one) = (r.h, T::one());
            let (o, tc) = (r.p[3 * h + j].vsigmoid(), r.c[j].vtanh());
            r.d_pre[3 * h + j] = r.g[j] * tc * o * (one - o);
            r.d_c[j] = r.g[j] * o * (one - tc * tc);
        });
    }
    let (pre, c) = (ctx.input(0), ctx.input(1));
    let h = c.shape()[1];
    let o = pre.try_narrow(1, 3 * h, h)?.sigmoid();
    let tc = c.tanh();
    let d_o = g.try_mul(&tc)?.try_mul(&sigmoid_prime(&o)?)?;
    let zeros = Tensor::zeros(&[c.shape()[0], 3 * h]);
    Ok(vec![
        ctx.needs_grad(0)
            .then(|| Tensor::try_concat(&[&zeros, &d_o], 1))
            .transpose()?,
        ctx.needs_grad(1)
            .then(|| g.try_mul(&o)?.try_mul(&tc.square().rsub_scalar(1.0)))
            .transpose()?,
    ])
}
