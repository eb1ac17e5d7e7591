//! Masking: `masked_fill` and the triangular parts `tril` / `triu`.
//!
//! A mask is an ordinary tensor of the same element type whose non-zero entries mean
//! "true" — exactly what the comparison ops (`eq`, `lt`, …) produce. There is no separate
//! boolean tensor type; this keeps masks composable with arithmetic (`a.mul(&b)` is "and",
//! `x.eq(&zero)` is "not"). Masks are never differentiated.

use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::shape::broadcast_shapes;
use crate::tensor::Tensor;

impl<T: Element> Tensor<T> {
    /// PyTorch's `masked_fill`: `value` where `mask` is non-zero, `self` elsewhere.
    ///
    /// `mask` and `self` broadcast together (the result has the broadcast shape). The
    /// gradient flows to `self` at the unmasked positions only, and is 0 at the masked
    /// ones; `value` may be ±∞ or NaN without affecting the gradient.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).unwrap();
    /// let mask = Tensor::from_vec(vec![0.0, 1.0], &[2]).unwrap(); // broadcast over rows
    /// let y = x.try_masked_fill(&mask, f64::NEG_INFINITY).unwrap();
    /// assert_eq!(y.to_vec(), vec![1.0, f64::NEG_INFINITY, 3.0, f64::NEG_INFINITY]);
    /// ```
    ///
    /// # Errors
    /// [`TensorError::Broadcast`] (op `masked_fill`) when the shapes do not broadcast.
    pub fn try_masked_fill(&self, mask: &Tensor<T>, value: f64) -> Result<Tensor<T>> {
        broadcast_shapes("masked_fill", self.shape(), mask.shape())?;
        Tensor::try_where_(mask, &Tensor::scalar(T::from_f64(value)), self)
    }

    /// `masked_fill`; panics when the shapes do not broadcast (see
    /// [`try_masked_fill`](Tensor::try_masked_fill)).
    pub fn masked_fill(&self, mask: &Tensor<T>, value: f64) -> Tensor<T> {
        or_panic(self.try_masked_fill(mask, value))
    }

    /// The lower triangle of the last two dimensions (PyTorch's `tril`): entries `[i, j]`
    /// with `j − i ≤ diagonal` are kept, the others are 0. `diagonal = 0` keeps the main
    /// diagonal, `-1` drops it, `1` keeps one more. Leading dimensions are a batch.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let causal = Tensor::<f32>::ones(&[3, 3]).tril(0);
    /// assert_eq!(causal.to_vec(), vec![1., 0., 0., 1., 1., 0., 1., 1., 1.]);
    /// ```
    ///
    /// # Errors
    /// [`TensorError::InvalidArgument`] for a tensor with fewer than 2 dimensions.
    pub fn try_tril(&self, diagonal: i64) -> Result<Tensor<T>> {
        self.triangle("tril", diagonal, true)
    }

    /// The lower triangle of the last two dimensions (PyTorch's `tril`): entries `[i, j]`
    /// with `j − i ≤ diagonal` are kept, the others are 0. `diagonal = 0` keeps the main
    /// diagonal, `-1` drops it, `1` keeps one more. Leading dimensions are a batch.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_tril`] returns, on the same inputs.
    pub fn tril(&self, diagonal: i64) -> Tensor<T> {
        or_panic(self.try_tril(diagonal))
    }

    /// The upper triangle of the last two dimensions (PyTorch's `triu`): entries `[i, j]`
    /// with `j − i ≥ diagonal` are kept, the others are 0.
    ///
    /// # Errors
    /// [`TensorError::InvalidArgument`] for a tensor with fewer than 2 dimensions.
    pub fn try_triu(&self, diagonal: i64) -> Result<Tensor<T>> {
        self.triangle("triu", diagonal, false)
    }

    /// The upper triangle of the last two dimensions (PyTorch's `triu`): entries `[i, j]`
    /// with `j − i ≥ diagonal` are kept, the others are 0.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_triu`] returns, on the same inputs.
    pub fn triu(&self, diagonal: i64) -> Tensor<T> {
        or_panic(self.try_triu(diagonal))
    }

    fn triangle(&self, op: &'static str, diagonal: i64, lower: bool) -> Result<Tensor<T>> {
        if self.ndim() < 2 {
            return Err(TensorError::InvalidArgument {
                op,
                detail: format!(
                    "needs a tensor with at least 2 dimensions, got shape {:?}",
                    self.shape()
                ),
            });
        }
        let (rows, cols) = (self.shape()[self.ndim() - 2], self.shape()[self.ndim() - 1]);
        let mask = triangle_mask::<T>(rows, cols, diagonal, lower);
        // `where_` (not a product): entries outside the triangle become exactly 0 even
        // when they are ±∞ or NaN, as in PyTorch.
        Tensor::try_where_(&mask, self, &Tensor::zeros(&[]))
    }
}

/// A `[rows, cols]` 0/1 mask of the lower (`j − i ≤ diagonal`) or upper (`j − i ≥
/// diagonal`) triangle.
pub(crate) fn triangle_mask<T: Element>(
    rows: usize,
    cols: usize,
    diagonal: i64,
    lower: bool,
) -> Tensor<T> {
    let mut data = Vec::with_capacity(rows * cols);
    for i in 0..rows {
        for j in 0..cols {
            let offset = j as i64 - i as i64;
            let keep = if lower {
                offset <= diagonal
            } else {
                offset >= diagonal
            };
            data.push(if keep { T::one() } else { T::zero() });
        }
    }
    Tensor::from_data(data, &[rows, cols])
}
