//! Softmax and log-softmax along any dimension, as custom differentiable ops.
//!
//! * **Forward**: the input is viewed with `dim` moved last (a permutation, then a
//!   contiguous copy only when needed), every row goes through
//!   [`softmax_row`](crate::functions::softmax::softmax_row) /
//!   [`log_softmax_row`](crate::functions::softmax::log_softmax_row) — max-shifted, so
//!   huge logits never overflow — in parallel for large inputs, and the result is moved back.
//! * **Backward**: the fused row kernels with the saved output,
//!   `∂L/∂x = y ⊙ (g − Σ g·y)` (softmax) and `g − exp(y)·Σ g` (log-softmax).
//! * **Backward with `create_graph`**: the same formulas written with tensor ops on a
//!   recomputed (recorded) output, so second-order gradients work.
//! * **Degenerate rows** (all `−∞`, a NaN, or `+∞`) give NaN in that row only; the other
//!   rows of the batch are unaffected, forward and backward.

use myelin_tensor::simd::{dispatch, pooled_buffer, Kernel, PARALLEL_THRESHOLD};
use myelin_tensor::{with_no_grad, BackwardCtx, BackwardOp, Element, Tensor, TensorError};
use rayon::prelude::*;

use crate::functions::softmax::{
    log_softmax_row, log_softmax_row_backward, softmax_row, softmax_row_backward,
};

/// Which of the two functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Softmax,
    LogSoftmax,
}

/// Softmax along `dim` (negative counts from the end), differentiable to any order.
pub fn softmax<T: Element>(x: &Tensor<T>, dim: isize) -> myelin_tensor::Result<Tensor<T>> {
    along_dim(x, dim, Kind::Softmax)
}

/// Log-softmax along `dim` (negative counts from the end), differentiable to any order.
pub fn log_softmax<T: Element>(x: &Tensor<T>, dim: isize) -> myelin_tensor::Result<Tensor<T>> {
    along_dim(x, dim, Kind::LogSoftmax)
}

/// Resolves a possibly negative `dim` against `ndim`.
fn resolve_dim(dim: isize, ndim: usize, op: &'static str) -> myelin_tensor::Result<usize> {
    let resolved = if dim < 0 { dim + ndim as isize } else { dim };
    if resolved < 0 || resolved as usize >= ndim {
        return Err(TensorError::InvalidArgument {
            op,
            detail: format!("dim {dim} is out of range for a tensor with {ndim} dimensions"),
        });
    }
    Ok(resolved as usize)
}

/// The permutation moving `dim` last, and its inverse (`None` when `dim` is already last).
fn permutations(dim: usize, ndim: usize) -> Option<(Vec<usize>, Vec<usize>)> {
    if dim + 1 == ndim {
        return None;
    }
    let order: Vec<usize> = (0..ndim).filter(|&d| d != dim).chain([dim]).collect();
    let mut inverse = vec![0; ndim];
    for (position, &d) in order.iter().enumerate() {
        inverse[d] = position;
    }
    Some((order, inverse))
}

/// One of the four fused row kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RowOp {
    Softmax,
    LogSoftmax,
    /// `other` is the saved output.
    SoftmaxBackward,
    /// `other` is the saved output.
    LogSoftmaxBackward,
}

/// A block of whole rows through one [`RowOp`], as a dispatch kernel (compiled per SIMD
/// level; the row functions are `#[inline(always)]` so their loops are vectorised for it).
struct RowBlock<'a, T> {
    op: RowOp,
    input: &'a [T],
    other: &'a [T],
    output: &'a mut [T],
    row_length: usize,
}

impl<T: Element> Kernel for RowBlock<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let n = self.row_length;
        for (r, out) in self.output.chunks_mut(n).enumerate() {
            let input = &self.input[r * n..(r + 1) * n];
            match self.op {
                RowOp::Softmax => softmax_row(input, out),
                RowOp::LogSoftmax => log_softmax_row(input, out),
                RowOp::SoftmaxBackward => {
                    softmax_row_backward(&self.other[r * n..(r + 1) * n], input, out)
                }
                RowOp::LogSoftmaxBackward => {
                    log_softmax_row_backward(&self.other[r * n..(r + 1) * n], input, out)
                }
            }
        }
    }
}

/// Applies `op` to every row of length `row_length` (`other`: the saved output for the
/// backward ops, empty otherwise), in parallel for large inputs. The output buffer comes
/// from the tensor pool (every element is written).
fn rows<T: Element>(input: &[T], other: &[T], row_length: usize, op: RowOp) -> Vec<T> {
    let mut output = pooled_buffer(input.len());
    if input.is_empty() || row_length == 0 {
        output.fill(T::zero());
        return output;
    }
    let rows_per_task = (PARALLEL_THRESHOLD / 2 / row_length).max(1);
    let chunk = rows_per_task * row_length;
    let task = |(index, output): (usize, &mut [T])| {
        let start = index * chunk;
        let end = start + output.len();
        dispatch(RowBlock {
            op,
            input: &input[start..end],
            other: if other.is_empty() {
                other
            } else {
                &other[start..end]
            },
            output,
            row_length,
        });
    };
    if input.len() >= PARALLEL_THRESHOLD {
        output.par_chunks_mut(chunk).enumerate().for_each(task);
    } else {
        output.chunks_mut(chunk).enumerate().for_each(task);
    }
    output
}

/// Moves `dim` last (a view, or the tensor itself).
fn to_rows<T: Element>(x: &Tensor<T>, perms: &Option<(Vec<usize>, Vec<usize>)>) -> Tensor<T> {
    match perms {
        Some((order, _)) => x.permute(order),
        None => x.clone(),
    }
}

/// Moves the last dim back to `dim`, contiguous.
fn from_rows<T: Element>(rows: Tensor<T>, perms: &Option<(Vec<usize>, Vec<usize>)>) -> Tensor<T> {
    match perms {
        Some((_, inverse)) => rows.permute(inverse).contiguous(),
        None => rows,
    }
}

fn along_dim<T: Element>(
    x: &Tensor<T>,
    dim: isize,
    kind: Kind,
) -> myelin_tensor::Result<Tensor<T>> {
    let op = match kind {
        Kind::Softmax => "softmax",
        Kind::LogSoftmax => "log_softmax",
    };
    if x.ndim() == 0 {
        // A scalar is a row of one element.
        resolve_dim(dim, 1, op)?;
        return along_dim(&x.try_reshape(&[1])?, 0, kind)?.try_reshape(&[]);
    }
    let dim = resolve_dim(dim, x.ndim(), op)?;
    let perms = permutations(dim, x.ndim());
    let row_length = x.shape()[dim];
    let (rows_out, value) = with_no_grad(|| -> myelin_tensor::Result<_> {
        let xr = to_rows(x, &perms);
        let data = xr.with_contiguous_data(|input| {
            let op = match kind {
                Kind::Softmax => RowOp::Softmax,
                Kind::LogSoftmax => RowOp::LogSoftmax,
            };
            rows(input, &[], row_length, op)
        });
        let rows_out = Tensor::from_vec(data, xr.shape())?;
        let value = from_rows(rows_out.clone(), &perms);
        Ok((rows_out, value))
    })?;
    Ok(Tensor::from_op(
        value,
        &[x],
        SoftmaxBackward {
            kind,
            dim,
            perms,
            row_length,
            saved_rows: rows_out,
        },
    ))
}

struct SoftmaxBackward<T: Element> {
    kind: Kind,
    dim: usize,
    perms: Option<(Vec<usize>, Vec<usize>)>,
    row_length: usize,
    /// The output with `dim` last, contiguous, detached.
    saved_rows: Tensor<T>,
}

impl<T: Element> BackwardOp<T> for SoftmaxBackward<T> {
    fn name(&self) -> &'static str {
        match self.kind {
            Kind::Softmax => "softmax",
            Kind::LogSoftmax => "log_softmax",
        }
    }

    /// The backward reads the saved output (as PyTorch's `SoftmaxBackward0` does), so
    /// modifying the output in place before backward is an error.
    fn saves_output(&self) -> bool {
        true
    }

    fn backward(
        &self,
        ctx: &BackwardCtx<'_, T>,
        grad: &Tensor<T>,
    ) -> myelin_tensor::Result<Vec<Option<Tensor<T>>>> {
        if !ctx.needs_grad(0) {
            return Ok(vec![None]);
        }
        let d = [self.dim as isize];
        if ctx.create_graph() {
            // Recompute the output on the graph so the gradient is differentiable in x.
            let x = ctx.input(0);
            let gx = match self.kind {
                Kind::Softmax => {
                    let y = softmax(x, self.dim as isize)?;
                    let dot = grad.try_mul(&y)?.try_sum_dims(&d, true)?;
                    y.try_mul(&grad.try_sub(&dot)?)?
                }
                Kind::LogSoftmax => {
                    let y = log_softmax(x, self.dim as isize)?;
                    let total = grad.try_sum_dims(&d, true)?;
                    grad.try_sub(&y.exp().try_mul(&total)?)?
                }
            };
            return Ok(vec![Some(gx)]);
        }
        let gr = to_rows(grad, &self.perms);
        let op = match self.kind {
            Kind::Softmax => RowOp::SoftmaxBackward,
            Kind::LogSoftmax => RowOp::LogSoftmaxBackward,
        };
        let data = gr.with_contiguous_data(|g| {
            self.saved_rows
                .with_contiguous_data(|y| rows(g, y, self.row_length, op))
        });
        let rows_grad = Tensor::from_vec(data, self.saved_rows.shape())?;
        Ok(vec![Some(from_rows(rows_grad, &self.perms))])
    }
}
