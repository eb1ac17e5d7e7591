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

/// Runs `kernel(row_of_pre, row_of_c, out_row…)` over the batch rows of contiguous data.
fn rows<T: Element>(pre: &Tensor<T>, c: &Tensor<T>, mut kernel: impl FnMut(&[T], &[T])) {
    pre.with_contiguous_data(|p| {
        c.with_contiguous_data(|c| {
            let hidden = c.len() / pre.shape()[0].max(1);
            if hidden == 0 {
                return;
            }
            for (p, c) in p.chunks(4 * hidden).zip(c.chunks(hidden)) {
                kernel(p, c);
            }
        })
    });
}

fn sigmoid_prime<T: Element>(s: &Tensor<T>) -> myelin_tensor::Result<Tensor<T>> {
    s.try_mul(&s.rsub_scalar(1.0))
}

/// `c' = σ(pre_f)·c + σ(pre_i)·tanh(pre_g)`.
pub(crate) fn lstm_cell_state<T: Element>(pre: &Tensor<T>, c: &Tensor<T>) -> Tensor<T> {
    let mut out = Vec::with_capacity(c.numel());
    rows(pre, c, |p, c| {
        let h = c.len();
        let (pi, rest) = p.split_at(h);
        let (pf, rest) = rest.split_at(h);
        let pg = &rest[..h];
        out.extend(
            (0..h).map(|j| pf[j].vsigmoid() * c[j] + pi[j].vsigmoid() * pg[j].vtanh()),
        );
    });
    let value = Tensor::from_vec(out, c.shape()).expect("one value per cell");
    Tensor::from_op(value, &[pre, c], LstmStateBackward)
}

struct LstmStateBackward;
impl<T: Element> BackwardOp<T> for LstmStateBackward {
    fn name(&self) -> &'static str {
        "lstm_cell_state"
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        let (pre, c) = (ctx.input(0), ctx.input(1));
        let h = c.shape()[1];
        if ctx.create_graph() {
            let s = pre.sigmoid();
            let i = s.try_narrow(1, 0, h)?;
            let f = s.try_narrow(1, h, h)?;
            let tg = pre.try_narrow(1, 2 * h, h)?.tanh();
            let d_i = g.try_mul(&tg)?.try_mul(&sigmoid_prime(&i)?)?;
            let d_f = g.try_mul(c)?.try_mul(&sigmoid_prime(&f)?)?;
            let d_g = g.try_mul(&i)?.try_mul(&tg.square().rsub_scalar(1.0))?;
            let d_o = Tensor::zeros(c.shape());
            let d_pre = Tensor::concat(&[&d_i, &d_f, &d_g, &d_o], 1)?;
            return Ok(vec![
                ctx.needs_grad(0).then_some(d_pre),
                ctx.needs_grad(1).then(|| g.try_mul(&f)).transpose()?,
            ]);
        }
        let mut d_pre = Vec::with_capacity(pre.numel());
        let mut d_c = Vec::with_capacity(c.numel());
        g.with_contiguous_data(|gs| {
            let mut gs = gs.chunks(h.max(1));
            rows(pre, c, |p, c| {
                let gr = gs.next().expect("one gradient row per batch row");
                let one = T::one();
                let base = d_pre.len();
                d_pre.resize(base + 4 * h, T::zero());
                let row = &mut d_pre[base..];
                for j in 0..h {
                    let (i, f, tg) = (p[j].vsigmoid(), p[h + j].vsigmoid(), p[2 * h + j].vtanh());
                    row[j] = gr[j] * tg * i * (one - i);
                    row[h + j] = gr[j] * c[j] * f * (one - f);
                    row[2 * h + j] = gr[j] * i * (one - tg * tg);
                    d_c.push(gr[j] * f);
                }
            });
        });
        Ok(vec![
            ctx.needs_grad(0)
                .then(|| Tensor::from_vec(d_pre, pre.shape()))
                .transpose()?,
            ctx.needs_grad(1)
                .then(|| Tensor::from_vec(d_c, c.shape()))
                .transpose()?,
        ])
    }
}

/// `h' = σ(pre_o)·tanh(c')`.
pub(crate) fn lstm_cell_output<T: Element>(pre: &Tensor<T>, c: &Tensor<T>) -> Tensor<T> {
    let mut out = Vec::with_capacity(c.numel());
    rows(pre, c, |p, c| {
        let h = c.len();
        let po = &p[3 * h..];
        out.extend((0..h).map(|j| po[j].vsigmoid() * c[j].vtanh()));
    });
    let value = Tensor::from_vec(out, c.shape()).expect("one value per cell");
    Tensor::from_op(value, &[pre, c], LstmOutputBackward)
}

struct LstmOutputBackward;
impl<T: Element> BackwardOp<T> for LstmOutputBackward {
    fn name(&self) -> &'static str {
        "lstm_cell_output"
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        let (pre, c) = (ctx.input(0), ctx.input(1));
        let h = c.shape()[1];
        if ctx.create_graph() {
            let o = pre.try_narrow(1, 3 * h, h)?.sigmoid();
            let tc = c.tanh();
            let d_o = g.try_mul(&tc)?.try_mul(&sigmoid_prime(&o)?)?;
            let d_pre = Tensor::concat(&[&Tensor::zeros(&[c.shape()[0], 3 * h]), &d_o], 1)?;
            let d_c = g.try_mul(&o)?.try_mul(&tc.square().rsub_scalar(1.0))?;
            return Ok(vec![
                ctx.needs_grad(0).then_some(d_pre),
                ctx.needs_grad(1).then_some(d_c),
            ]);
        }
        let mut d_pre = Vec::with_capacity(pre.numel());
        let mut d_c = Vec::with_capacity(c.numel());
        g.with_contiguous_data(|gs| {
            let mut gs = gs.chunks(h.max(1));
            rows(pre, c, |p, c| {
                let gr = gs.next().expect("one gradient row per batch row");
                let one = T::one();
                d_pre.extend((0..3 * h).map(|_| T::zero()));
                let po = &p[3 * h..];
                for j in 0..h {
                    let (o, tc) = (po[j].vsigmoid(), c[j].vtanh());
                    d_pre.push(gr[j] * tc * o * (one - o));
                    d_c.push(gr[j] * o * (one - tc * tc));
                }
            });
        });
        Ok(vec![
            ctx.needs_grad(0)
                .then(|| Tensor::from_vec(d_pre, pre.shape()))
                .transpose()?,
            ctx.needs_grad(1)
                .then(|| Tensor::from_vec(d_c, c.shape()))
                .transpose()?,
        ])
    }
}
