//! Reductions over any set of dimensions, with `keepdim`: sum, mean, max/min (with
//! argmax/argmin), var, norm, logsumexp; and `sum_to`, the reduction of a broadcast
//! gradient back to an input's shape.

use crate::autograd::node::{BackwardCtx, BackwardOp};
use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::kernels::reduce::{reduce_rows, reduced_shape, sum};
use crate::shape::{normalize_dims, Dims};
use crate::tensor::Tensor;

type Grads<T> = Result<Vec<Option<Tensor<T>>>>;

/// The shape with reduced dims set to 1 (to broadcast a reduced gradient back).
fn keepdim_shape(shape: &[usize], dims: &[usize]) -> Dims {
    reduced_shape(shape, dims, true)
}

struct SumBackward {
    dims: Vec<usize>,
}
impl<T: Element> BackwardOp<T> for SumBackward {
    fn name(&self) -> &'static str {
        "sum"
    }
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        let shape = ctx.input(0).shape();
        let g = g.try_reshape(&keepdim_shape(shape, &self.dims))?;
        // A broadcast view: the kernels read stride-0 operands without materialising them.
        Ok(vec![Some(g.try_broadcast_to(shape)?)])
    }
}

impl<T: Element> Tensor<T> {
    /// Sum over `dims` (empty: all), keeping reduced dims as size 1 when `keepdim`.
    pub fn try_sum_dims(&self, dims: &[isize], keepdim: bool) -> Result<Tensor<T>> {
        let dims = normalize_dims("sum", dims, self.ndim())?;
        let values = sum(self.layout(), &self.storage_read(), &dims);
        let out = Tensor::from_data(values, &reduced_shape(self.shape(), &dims, keepdim));
        Ok(Tensor::record(out, &[self], move || SumBackward { dims }))
    }

    /// Sum over `dims` (empty: all), keeping reduced dims as size 1 when `keepdim`.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_sum_dims`] returns, on the same inputs.
    pub fn sum_dims(&self, dims: &[isize], keepdim: bool) -> Tensor<T> {
        or_panic(self.try_sum_dims(dims, keepdim))
    }

    /// Sum of all elements (a 0-d tensor; 0 for an empty tensor).
    pub fn sum(&self) -> Tensor<T> {
        self.sum_dims(&[], false)
    }

    /// Mean over `dims` (empty: all). The mean of zero elements is NaN, as in PyTorch.
    pub fn try_mean_dims(&self, dims: &[isize], keepdim: bool) -> Result<Tensor<T>> {
        let resolved = normalize_dims("mean", dims, self.ndim())?;
        let count: usize = resolved.iter().map(|&d| self.shape()[d]).product();
        Ok(self.try_sum_dims(dims, keepdim)?.div_scalar(count as f64))
    }

    /// Mean over `dims` (empty: all). The mean of zero elements is NaN, as in PyTorch.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_mean_dims`] returns, on the same inputs.
    pub fn mean_dims(&self, dims: &[isize], keepdim: bool) -> Tensor<T> {
        or_panic(self.try_mean_dims(dims, keepdim))
    }

    /// Mean of all elements.
    pub fn mean(&self) -> Tensor<T> {
        self.mean_dims(&[], false)
    }

    /// Maximum over `dims` (empty: all); NaN if any reduced element is NaN.
    pub fn try_max_dims(&self, dims: &[isize], keepdim: bool) -> Result<Tensor<T>> {
        self.extremum("max", dims, keepdim, true)
    }

    /// Maximum over `dims` (empty: all); NaN if any reduced element is NaN.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_max_dims`] returns, on the same inputs.
    pub fn max_dims(&self, dims: &[isize], keepdim: bool) -> Tensor<T> {
        or_panic(self.try_max_dims(dims, keepdim))
    }

    /// Minimum over `dims` (empty: all); NaN if any reduced element is NaN.
    pub fn try_min_dims(&self, dims: &[isize], keepdim: bool) -> Result<Tensor<T>> {
        self.extremum("min", dims, keepdim, false)
    }

    /// Minimum over `dims` (empty: all); NaN if any reduced element is NaN.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_min_dims`] returns, on the same inputs.
    pub fn min_dims(&self, dims: &[isize], keepdim: bool) -> Tensor<T> {
        or_panic(self.try_min_dims(dims, keepdim))
    }

    /// Maximum of all elements.
    pub fn max(&self) -> Tensor<T> {
        self.max_dims(&[], false)
    }

    /// Minimum of all elements.
    pub fn min(&self) -> Tensor<T> {
        self.min_dims(&[], false)
    }

    fn extremum(
        &self,
        op: &'static str,
        dims: &[isize],
        keepdim: bool,
        is_max: bool,
    ) -> Result<Tensor<T>> {
        let dims = normalize_dims(op, dims, self.ndim())?;
        if dims.iter().any(|&d| self.shape()[d] == 0) {
            return Err(TensorError::InvalidArgument {
                op,
                detail: format!(
                    "cannot reduce an empty dimension of shape {:?}",
                    self.shape()
                ),
            });
        }
        let pick = if is_max { T::max_nan } else { T::min_nan };
        let values = reduce_rows(self.layout(), &self.storage_read(), &dims, |row| {
            row.iter().copied().fold(row[0], pick)
        });
        let out = Tensor::from_data(values, &reduced_shape(self.shape(), &dims, keepdim));
        let saved = out.detach();
        Ok(Tensor::record(out, &[self], move || ExtremumGrad {
            dims,
            output: saved,
            name: op,
        }))
    }

    /// Index of the maximum along `dim` (first one on ties; NaN counts as maximal, as in
    /// PyTorch). Returned as plain indices in row-major order of the remaining dims.
    pub fn try_argmax(&self, dim: isize) -> Result<Vec<usize>> {
        self.arg_extremum("argmax", dim, true)
    }

    /// Index of the maximum along `dim` (first one on ties; NaN counts as maximal, as in
    /// PyTorch). Returned as plain indices in row-major order of the remaining dims.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_argmax`] returns, on the same inputs.
    pub fn argmax(&self, dim: isize) -> Vec<usize> {
        or_panic(self.try_argmax(dim))
    }

    /// Index of the minimum along `dim`.
    pub fn try_argmin(&self, dim: isize) -> Result<Vec<usize>> {
        self.arg_extremum("argmin", dim, false)
    }

    /// Index of the minimum along `dim`.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_argmin`] returns, on the same inputs.
    pub fn argmin(&self, dim: isize) -> Vec<usize> {
        or_panic(self.try_argmin(dim))
    }

    fn arg_extremum(&self, op: &'static str, dim: isize, is_max: bool) -> Result<Vec<usize>> {
        let dims = normalize_dims(op, &[dim], self.ndim())?;
        if self.shape()[dims[0]] == 0 {
            return Err(TensorError::InvalidArgument {
                op,
                detail: format!(
                    "cannot take {op} over an empty dimension of shape {:?}",
                    self.shape()
                ),
            });
        }
        Ok(reduce_rows(
            self.layout(),
            &self.storage_read(),
            &dims,
            |row| {
                let mut best = 0;
                for (i, &v) in row.iter().enumerate() {
                    let b = row[best];
                    if b.is_nan() {
                        break;
                    }
                    if v.is_nan() || (is_max && v > b) || (!is_max && v < b) {
                        best = i;
                    }
                }
                best
            },
        ))
    }

    /// Variance over `dims` with Bessel's `correction` (1: unbiased, PyTorch's default;
    /// 0: population).
    pub fn try_var_dims(
        &self,
        dims: &[isize],
        correction: usize,
        keepdim: bool,
    ) -> Result<Tensor<T>> {
        let resolved = normalize_dims("var", dims, self.ndim())?;
        let count: usize = resolved.iter().map(|&d| self.shape()[d]).product();
        let mean = self.try_mean_dims(dims, true)?;
        let centered = self.try_sub(&mean)?;
        let denom = count.saturating_sub(correction) as f64;
        Ok(centered
            .square()
            .try_sum_dims(dims, keepdim)?
            .div_scalar(denom))
    }

    /// Variance over `dims` with Bessel's `correction` (1: unbiased, PyTorch's default;
    /// 0: population).
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_var_dims`] returns, on the same inputs.
    pub fn var_dims(&self, dims: &[isize], correction: usize, keepdim: bool) -> Tensor<T> {
        or_panic(self.try_var_dims(dims, correction, keepdim))
    }

    /// Population-or-sample variance of all elements (`correction` as in `var_dims`).
    pub fn var(&self, correction: usize) -> Tensor<T> {
        self.var_dims(&[], correction, false)
    }

    /// Euclidean (L2) norm over `dims` (empty: all).
    pub fn try_norm_dims(&self, dims: &[isize], keepdim: bool) -> Result<Tensor<T>> {
        normalize_dims("norm", dims, self.ndim())?;
        Ok(self.square().try_sum_dims(dims, keepdim)?.sqrt())
    }

    /// Euclidean (L2) norm over `dims` (empty: all).
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_norm_dims`] returns, on the same inputs.
    pub fn norm_dims(&self, dims: &[isize], keepdim: bool) -> Tensor<T> {
        or_panic(self.try_norm_dims(dims, keepdim))
    }

    /// L2 norm of all elements. (Its gradient at 0 is NaN-free only away from 0.)
    pub fn norm(&self) -> Tensor<T> {
        self.norm_dims(&[], false)
    }

    /// log Σ exp(x) over `dims`, computed stably by subtracting the maximum first.
    /// Rows that are entirely −∞ give −∞.
    /// An empty reduced dimension gives −∞ (the log of an empty sum), as in PyTorch.
    pub fn try_logsumexp(&self, dims: &[isize], keepdim: bool) -> Result<Tensor<T>> {
        let resolved = normalize_dims("logsumexp", dims, self.ndim())?;
        if resolved.iter().any(|&d| self.shape()[d] == 0) {
            return Ok(self.exp().try_sum_dims(dims, keepdim)?.log());
        }
        let shift = {
            let _guard = crate::no_grad();
            let m = self.try_max_dims(dims, true)?;
            // A row of −∞ (or +∞) would give ∞ − ∞; shift by 0 there instead.
            crate::ops::map::unary(&m, |v: T| if v.is_finite() { v } else { T::zero() })
        };
        let lse = self
            .try_sub(&shift)?
            .exp()
            .try_sum_dims(dims, true)?
            .log()
            .try_add(&shift)?;
        if keepdim {
            Ok(lse)
        } else {
            lse.try_reshape(&reduced_shape(self.shape(), &resolved, false))
        }
    }

    /// log Σ exp(x) over `dims`, computed stably by subtracting the maximum first.
    /// Rows that are entirely −∞ give −∞.
    /// An empty reduced dimension gives −∞ (the log of an empty sum), as in PyTorch.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_logsumexp`] returns, on the same inputs.
    pub fn logsumexp(&self, dims: &[isize], keepdim: bool) -> Tensor<T> {
        or_panic(self.try_logsumexp(dims, keepdim))
    }

    /// [`try_sum_to`](Self::try_sum_to), panicking with the same message on a shape that
    /// does not broadcast to `self`'s.
    pub fn sum_to(&self, shape: &[usize]) -> Tensor<T> {
        or_panic(self.try_sum_to(shape))
    }

    /// Sums a (broadcast) tensor down to `shape`: the adjoint of `broadcast_to`
    /// (PyTorch's `sum_to_size`).
    pub fn try_sum_to(&self, shape: &[usize]) -> Result<Tensor<T>> {
        if self.shape() == shape {
            return Ok(self.clone());
        }
        let ndim = self.ndim();
        if shape.len() > ndim {
            return Err(TensorError::Broadcast {
                op: "sum_to",
                lhs: self.shape().to_vec(),
                rhs: shape.to_vec(),
            });
        }
        let lead = ndim - shape.len();
        let mut dims: Vec<isize> = (0..lead as isize).collect();
        for (i, &s) in shape.iter().enumerate() {
            let have = self.shape()[lead + i];
            if s == 1 && have != 1 {
                dims.push((lead + i) as isize);
            } else if s != have {
                return Err(TensorError::Broadcast {
                    op: "sum_to",
                    lhs: self.shape().to_vec(),
                    rhs: shape.to_vec(),
                });
            }
        }
        self.try_sum_dims(&dims, false)?.try_reshape(shape)
    }

    /// Dot product of two 1-D tensors as a 0-d tensor.
    pub fn try_dot(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        if self.ndim() != 1 || self.shape() != other.shape() {
            return Err(TensorError::ShapeMismatch {
                op: "dot",
                detail: format!(
                    "needs two 1-D tensors of equal length, got {:?} and {:?}",
                    self.shape(),
                    other.shape()
                ),
            });
        }
        Ok(self.try_mul(other)?.sum())
    }

    /// Dot product of two 1-D tensors as a 0-d tensor.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_dot`] returns, on the same inputs.
    pub fn dot(&self, other: &Tensor<T>) -> Tensor<T> {
        or_panic(self.try_dot(other))
    }
}

/// max/min backward: the gradient is shared evenly among the positions that attain the
/// extremum (PyTorch's `amax` rule).
struct ExtremumGrad<T: Element> {
    dims: Vec<usize>,
    output: Tensor<T>,
    name: &'static str,
}
impl<T: Element> BackwardOp<T> for ExtremumGrad<T> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn saves_output(&self) -> bool {
        true
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        let x = ctx.input(0);
        let keep = keepdim_shape(x.shape(), &self.dims);
        let out = self.output.try_reshape(&keep)?;
        // Positions attaining the extremum, each taking an equal share (not recorded:
        // the mask is piecewise constant).
        let mask = crate::ops::map::binary(self.name, &x.detach(), &out, |v, m| {
            if v == m || (v.is_nan() && m.is_nan()) {
                T::one()
            } else {
                T::zero()
            }
        })?;
        let counts = mask.try_sum_dims(
            &self.dims.iter().map(|&d| d as isize).collect::<Vec<_>>(),
            true,
        )?;
        let share = mask.try_div(&counts)?;
        let g = g.try_reshape(&keep)?;
        Ok(vec![Some(share.try_mul(&g)?)])
    }
}
