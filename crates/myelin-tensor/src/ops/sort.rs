//! Sorting along a dimension: `sort`, `argsort` and `topk`.
//!
//! The values come out of [`Tensor::gather`], so they are differentiable (the gradient
//! goes back to the positions they were taken from); the indices are plain `usize`s
//! (Myelin has no integer tensors; PyTorch returns an `int64` tensor of the same
//! shape), in row-major order of the result's shape, ready for `gather`.
//!
//! The sort is stable (equal values keep their order, PyTorch's `stable=True`), and
//! NaN sorts above every number, as in PyTorch.

use std::cmp::Ordering;

use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::ops::map::contiguous_values;
use crate::shape::normalize_dim;
use crate::tensor::Tensor;

/// NaN-last total order on values.
fn compare<T: Element>(a: T, b: T) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

impl<T: Element> Tensor<T> {
    /// The first `k` positions of each lane along `dim` in sorted order, as a gather
    /// index of shape `self.shape()` with `dim` set to `k`.
    fn sorted_index(&self, dim: usize, k: usize, descending: bool) -> Vec<usize> {
        let shape = self.shape();
        let outer: usize = shape[..dim].iter().product();
        let size = shape[dim];
        let inner: usize = shape[dim + 1..].iter().product();
        let src = contiguous_values(self);
        let mut index = vec![0; outer * k * inner];
        let mut lane: Vec<usize> = Vec::with_capacity(size);
        for o in 0..outer {
            for i in 0..inner {
                let value = |j: usize| src[(o * size + j) * inner + i];
                lane.clear();
                lane.extend(0..size);
                if descending {
                    lane.sort_by(|&a, &b| compare(value(b), value(a)));
                } else {
                    lane.sort_by(|&a, &b| compare(value(a), value(b)));
                }
                for (j, &pos) in lane[..k].iter().enumerate() {
                    index[(o * k + j) * inner + i] = pos;
                }
            }
        }
        index
    }

    fn sort_impl(
        &self,
        op: &'static str,
        dim: isize,
        k: Option<usize>,
        descending: bool,
    ) -> Result<(Tensor<T>, Vec<usize>)> {
        if self.ndim() == 0 {
            // A scalar is one lane of one element (dim must be 0 or -1, as in PyTorch).
            normalize_dim(op, dim, 1)?;
            return match k {
                Some(k) if k > 1 => Err(TensorError::InvalidArgument {
                    op,
                    detail: format!("k = {k} exceeds the single element of a 0-d tensor"),
                }),
                Some(0) => Ok((self.reshape(&[1]).try_slice(0, 0, 0)?.reshape(&[0]), vec![])),
                _ => Ok((self.clone(), vec![0])),
            };
        }
        let d = normalize_dim(op, dim, self.ndim())?;
        let size = self.shape()[d];
        let k = k.unwrap_or(size);
        if k > size {
            return Err(TensorError::InvalidArgument {
                op,
                detail: format!(
                    "k = {k} exceeds the size {size} of dimension {d} of shape {:?}",
                    self.shape()
                ),
            });
        }
        let index = self.sorted_index(d, k, descending);
        let mut shape = self.shape().to_vec();
        shape[d] = k;
        let values = self.try_gather(d as isize, &index, &shape)?;
        Ok((values, index))
    }

    /// Sorts along `dim` (PyTorch's `torch.sort(x, dim, descending, stable=True)`):
    /// the sorted values (differentiable) and the positions they came from.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![3.0, 1.0, 2.0, 0.0, 5.0, 4.0], &[2, 3]).unwrap();
    /// let (values, indices) = x.sort(1, false);
    /// assert_eq!(values.to_vec(), vec![1.0, 2.0, 3.0, 0.0, 4.0, 5.0]);
    /// assert_eq!(indices, vec![1, 2, 0, 0, 2, 1]);
    /// ```
    pub fn try_sort(&self, dim: isize, descending: bool) -> Result<(Tensor<T>, Vec<usize>)> {
        self.sort_impl("sort", dim, None, descending)
    }

    /// Sorts along `dim` (PyTorch's `torch.sort(x, dim, descending, stable=True)`):
    /// the sorted values (differentiable) and the positions they came from.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_sort`] returns, on the same inputs.
    pub fn sort(&self, dim: isize, descending: bool) -> (Tensor<T>, Vec<usize>) {
        or_panic(self.try_sort(dim, descending))
    }

    /// The positions that sort each lane along `dim` (PyTorch's `argsort`, stable).
    pub fn try_argsort(&self, dim: isize, descending: bool) -> Result<Vec<usize>> {
        if self.ndim() == 0 {
            return Ok(vec![0]);
        }
        let d = normalize_dim("argsort", dim, self.ndim())?;
        Ok(self.sorted_index(d, self.shape()[d], descending))
    }

    /// The positions that sort each lane along `dim` (PyTorch's `argsort`, stable).
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_argsort`] returns, on the same inputs.
    pub fn argsort(&self, dim: isize, descending: bool) -> Vec<usize> {
        or_panic(self.try_argsort(dim, descending))
    }

    /// The `k` largest (`largest = true`) or smallest entries of each lane along `dim`,
    /// in sorted order (largest first, or smallest first), with their positions
    /// (PyTorch's `topk(k, dim, largest, sorted=True)`). Among equal values the earlier
    /// position comes first.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f32>::from_vec(vec![0.1, 0.7, 0.2, 0.9], &[4]).unwrap();
    /// let (values, indices) = x.topk(2, 0, true);
    /// assert_eq!(values.to_vec(), vec![0.9, 0.7]);
    /// assert_eq!(indices, vec![3, 1]);
    /// ```
    pub fn try_topk(&self, k: usize, dim: isize, largest: bool) -> Result<(Tensor<T>, Vec<usize>)> {
        self.sort_impl("topk", dim, Some(k), largest)
    }

    /// The `k` largest (`largest = true`) or smallest entries of each lane along `dim`,
    /// in sorted order (largest first, or smallest first), with their positions
    /// (PyTorch's `topk(k, dim, largest, sorted=True)`). Among equal values the earlier
    /// position comes first.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_topk`] returns, on the same inputs.
    pub fn topk(&self, k: usize, dim: isize, largest: bool) -> (Tensor<T>, Vec<usize>) {
        or_panic(self.try_topk(k, dim, largest))
    }
}
