//! Matrix multiplication: 2-D, and batched with NumPy broadcasting of the batch
//! dimensions. Transposed operands are passed to the GEMM as strides, never copied.

use crate::autograd::node::{BackwardCtx, BackwardOp};
use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::kernels::matmul::{gemm_into, GemmMode, MatRef};
use crate::shape::{broadcast_layout, broadcast_shapes, for_each_run, Layout};
use crate::storage::alloc;
use crate::tensor::Tensor;

struct MatmulBackward;
impl<T: Element> BackwardOp<T> for MatmulBackward {
    fn name(&self) -> &'static str {
        "matmul"
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Result<Vec<Option<Tensor<T>>>> {
        let (a, b) = (ctx.input(0), ctx.input(1));
        // dA = G·Bᵀ, dB = Aᵀ·G; the engine sums them over broadcast batch dimensions.
        let ga = if ctx.needs_grad(0) {
            Some(g.try_matmul(&b.t())?)
        } else {
            None
        };
        let gb = if ctx.needs_grad(1) {
            Some(a.t().try_matmul(g)?)
        } else {
            None
        };
        Ok(vec![ga, gb])
    }
}

impl<T: Element> Tensor<T> {
    /// Matrix product. Both operands need at least 2 dimensions: `[.., m, k] · [.., k, n]`
    /// with the leading (batch) dimensions broadcast.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let a = Tensor::<f32>::from_vec(vec![1., 2., 3., 4.], &[2, 2]).unwrap();
    /// let b = Tensor::<f32>::eye(2);
    /// assert_eq!(a.try_matmul(&b).unwrap().to_vec(), vec![1., 2., 3., 4.]);
    /// assert!(a.try_matmul(&Tensor::zeros(&[3, 2])).is_err());
    /// ```
    pub fn try_matmul(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        let (sa, sb) = (self.shape(), other.shape());
        if sa.len() < 2 || sb.len() < 2 || sa[sa.len() - 1] != sb[sb.len() - 2] {
            return Err(TensorError::ShapeMismatch {
                op: "matmul",
                detail: format!(
                    "cannot multiply shapes {sa:?} and {sb:?} (need [.., m, k] and [.., k, n])"
                ),
            });
        }
        let (m, k, n) = (sa[sa.len() - 2], sa[sa.len() - 1], sb[sb.len() - 1]);
        let batch = broadcast_shapes("matmul", &sa[..sa.len() - 2], &sb[..sb.len() - 2])?;
        let mut out_shape = batch.to_vec();
        out_shape.extend_from_slice(&[m, n]);
        let out_numel = crate::shape::checked_numel::<T>("matmul", &out_shape)?;
        let mut out = alloc(out_numel);
        {
            let (la, lb) = (self.layout(), other.layout());
            let (da, db) = (self.storage_read(), other.storage_read());
            let operand = |l: &Layout| MatRef {
                offset: l.offset,
                row_stride: l.strides[l.shape.len() - 2],
                col_stride: l.strides[l.shape.len() - 1],
            };
            if batch.is_empty() {
                gemm_into(
                    m,
                    k,
                    n,
                    &da,
                    operand(la),
                    &db,
                    operand(lb),
                    &mut out,
                    GemmMode::default(),
                );
            } else {
                // Batch offsets of each operand, broadcast over the batch shape.
                let batch_layout = |l: &Layout| Layout {
                    shape: l.shape[..l.shape.len() - 2].into(),
                    strides: l.strides[..l.strides.len() - 2].into(),
                    offset: l.offset,
                };
                let ba = broadcast_layout(&batch_layout(la), &batch);
                let bb = broadcast_layout(&batch_layout(lb), &batch);
                let (ra, rb) = (operand(la), operand(lb));
                let mut offsets = Vec::new();
                for_each_run(&batch, [&ba, &bb], |[oa, ob], len, [sa, sb]| {
                    for i in 0..len {
                        offsets.push((oa + i * sa, ob + i * sb));
                    }
                });
                // An empty matrix (m or n = 0) leaves nothing to compute; `chunks_mut(0)`
                // would panic.
                for (chunk, (oa, ob)) in out.chunks_mut((m * n).max(1)).zip(offsets) {
                    let ra = MatRef { offset: oa, ..ra };
                    let rb = MatRef { offset: ob, ..rb };
                    gemm_into(m, k, n, &da, ra, &db, rb, chunk, GemmMode::default());
                }
            }
        }
        let out = Tensor::from_data(out, &out_shape);
        Ok(Tensor::record(out, &[self, other], || MatmulBackward))
    }

    /// Matrix product; panics on incompatible shapes (see `try_matmul`).
    pub fn matmul(&self, other: &Tensor<T>) -> Tensor<T> {
        or_panic(self.try_matmul(other))
    }
}

/// The number of rows `linear` multiplies: the product of all but the last dimension of
/// the input (not `numel / in_features`, which is 0 for `in_features = 0` while the
/// output still has rows, each equal to the bias).
fn linear_rows(input_shape: &[usize]) -> usize {
    input_shape[..input_shape.len() - 1].iter().product()
}

/// Backward of `linear`: dx = G·W, dW = Gᵀ·X (computed directly in W's [out, in] layout,
/// no transposed copy), db = Σ_rows G. Written with tensor ops, so it is differentiable.
struct LinearBackward;
impl<T: Element> BackwardOp<T> for LinearBackward {
    fn name(&self) -> &'static str {
        "linear"
    }
    /// The bias (input 2) is not needed by the backward.
    fn saves_input(&self, i: usize) -> bool {
        i < 2
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Result<Vec<Option<Tensor<T>>>> {
        let (x, w) = (ctx.input(0), ctx.input(1));
        let out_features = w.shape()[0];
        let in_features = w.shape()[1];
        let rows = linear_rows(x.shape());
        let g2 = g.try_reshape(&[rows, out_features])?;
        let gx = if ctx.needs_grad(0) {
            Some(g2.try_matmul(w)?.try_reshape(x.shape())?)
        } else {
            None
        };
        let gw = if ctx.needs_grad(1) {
            let x2 = x.try_reshape(&[rows, in_features])?;
            Some(g2.t().try_matmul(&x2)?)
        } else {
            None
        };
        let mut grads = vec![gx, gw];
        if ctx.inputs().len() == 3 {
            grads.push(if ctx.needs_grad(2) {
                Some(g2.try_sum_dims(&[0], false)?)
            } else {
                None
            });
        }
        Ok(grads)
    }
}

impl<T: Element> Tensor<T> {
    /// PyTorch's `F.linear`: `x·Wᵀ + b` for `x` of shape `[.., in]`, `weight` `[out, in]`
    /// and `bias` `[out]`. One op with one fused backward: the weight gradient is produced
    /// directly in `[out, in]` layout and the bias is added in the same pass as the output
    /// is written.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![1., 2.], &[1, 2]).unwrap();
    /// let w = Tensor::<f64>::from_vec(vec![1., 0., 0., 1., 1., 1.], &[3, 2]).unwrap();
    /// let b = Tensor::<f64>::from_vec(vec![0.5, 0.5, 0.5], &[3]).unwrap();
    /// assert_eq!(x.linear(&w, Some(&b)).to_vec(), vec![1.5, 2.5, 3.5]);
    /// ```
    pub fn try_linear(&self, weight: &Tensor<T>, bias: Option<&Tensor<T>>) -> Result<Tensor<T>> {
        let ws = weight.shape();
        let xs = self.shape();
        let shapes_ok = ws.len() == 2 && !xs.is_empty() && xs[xs.len() - 1] == ws[1];
        let bias_ok = bias.is_none_or(|b| b.shape() == [ws.first().copied().unwrap_or(0)]);
        if !shapes_ok || !bias_ok {
            return Err(TensorError::ShapeMismatch {
                op: "linear",
                detail: format!(
                    "input {xs:?}, weight {ws:?}{} (need input [.., in], weight [out, in], bias [out])",
                    bias.map(|b| format!(", bias {:?}", b.shape())).unwrap_or_default()
                ),
            });
        }
        let (out_features, in_features) = (ws[0], ws[1]);
        let rows = linear_rows(xs);
        let mut out_shape = xs.to_vec();
        *out_shape.last_mut().expect("non-empty") = out_features;
        let mut out = alloc(crate::shape::checked_numel::<T>("linear", &out_shape)?);
        {
            let x2 = {
                let _g = crate::no_grad();
                self.try_reshape(&[rows, in_features])?
            };
            let (lx, lw) = (x2.layout(), weight.layout());
            let (dx, dw) = (x2.storage_read(), weight.storage_read());
            let lhs = MatRef {
                offset: lx.offset,
                row_stride: lx.strides[0],
                col_stride: lx.strides[1],
            };
            // Wᵀ as strides: element (k, j) of Wᵀ is W[j, k].
            let rhs = MatRef {
                offset: lw.offset,
                row_stride: lw.strides[1],
                col_stride: lw.strides[0],
            };
            let (m, k, n) = (rows, in_features, out_features);
            gemm_into(m, k, n, &dx, lhs, &dw, rhs, &mut out, GemmMode::default());
        }
        if let Some(b) = bias {
            let bv = b.to_vec();
            for row in out.chunks_mut(out_features.max(1)) {
                for (o, &v) in row.iter_mut().zip(&bv) {
                    *o = *o + v;
                }
            }
        }
        let out = Tensor::from_data(out, &out_shape);
        let mut inputs = vec![self, weight];
        inputs.extend(bias);
        Ok(Tensor::record(out, &inputs, || LinearBackward))
    }

    /// PyTorch's `F.linear`: `x·Wᵀ + b` for `x` of shape `[.., in]`, `weight` `[out, in]`
    /// and `bias` `[out]`. One op with one fused backward: the weight gradient is produced
    /// directly in `[out, in]` layout and the bias is added in the same pass as the output
    /// is written.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_linear`] returns, on the same inputs.
    pub fn linear(&self, weight: &Tensor<T>, bias: Option<&Tensor<T>>) -> Tensor<T> {
        or_panic(self.try_linear(weight, bias))
    }
}
