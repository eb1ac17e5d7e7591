//! Integer indexing: `index_select`, `gather` (cross-entropy with integer labels) and
//! their adjoints `index_add` / `scatter_add`, plus `one_hot`.
//!
//! Each op views the tensor as `[outer, size(dim), inner]`, so one loop serves every dim.

use crate::autograd::node::{BackwardCtx, BackwardOp};
use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::ops::map::contiguous_values;
use crate::shape::{checked_numel, normalize_dim};
use crate::storage::alloc;
use crate::tensor::Tensor;

type Grads<T> = Result<Vec<Option<Tensor<T>>>>;

pub(crate) fn split_at_dim(shape: &[usize], dim: usize) -> (usize, usize, usize) {
    (
        shape[..dim].iter().product(),
        shape[dim],
        shape[dim + 1..].iter().product(),
    )
}

fn check_indices(op: &'static str, indices: &[usize], dim: usize, size: usize) -> Result<()> {
    match indices.iter().find(|&&i| i >= size) {
        Some(&bad) => Err(TensorError::IndexOutOfRange {
            op,
            index: bad as i64,
            dim,
            size,
        }),
        None => Ok(()),
    }
}

struct IndexSelectBackward {
    dim: usize,
    indices: Vec<usize>,
}
impl<T: Element> BackwardOp<T> for IndexSelectBackward {
    fn name(&self) -> &'static str {
        "index_select"
    }
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        let size = ctx.input(0).shape()[self.dim];
        Ok(vec![Some(g.index_add(self.dim, &self.indices, size)?)])
    }
}

struct IndexAddBackward {
    dim: usize,
    indices: Vec<usize>,
}
impl<T: Element> BackwardOp<T> for IndexAddBackward {
    fn name(&self) -> &'static str {
        "index_add"
    }
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    fn backward(&self, _ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        Ok(vec![Some(
            g.try_index_select(self.dim as isize, &self.indices)?,
        )])
    }
}

struct GatherBackward {
    dim: usize,
    index: Vec<usize>,
}
impl<T: Element> BackwardOp<T> for GatherBackward {
    fn name(&self) -> &'static str {
        "gather"
    }
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        let size = ctx.input(0).shape()[self.dim];
        Ok(vec![Some(g.scatter_add(self.dim, &self.index, size)?)])
    }
}

struct ScatterAddBackward {
    dim: usize,
    index: Vec<usize>,
    index_shape: Vec<usize>,
}
impl<T: Element> BackwardOp<T> for ScatterAddBackward {
    fn name(&self) -> &'static str {
        "scatter_add"
    }
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    fn backward(&self, _ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        Ok(vec![Some(g.try_gather(
            self.dim as isize,
            &self.index,
            &self.index_shape,
        )?)])
    }
}

impl<T: Element> Tensor<T> {
    /// Entries `indices` of dimension `dim`, in that order (repeats allowed).
    pub fn try_index_select(&self, dim: isize, indices: &[usize]) -> Result<Tensor<T>> {
        let d = normalize_dim("index_select", dim, self.ndim())?;
        let (outer, size, inner) = split_at_dim(self.shape(), d);
        check_indices("index_select", indices, d, size)?;
        let mut shape = self.shape().to_vec();
        shape[d] = indices.len();
        let mut out = alloc(checked_numel::<T>("index_select", &shape)?);
        let src = contiguous_values(self);
        let n = indices.len();
        for o in 0..outer {
            for (j, &i) in indices.iter().enumerate() {
                out[(o * n + j) * inner..(o * n + j + 1) * inner]
                    .copy_from_slice(&src[(o * size + i) * inner..(o * size + i + 1) * inner]);
            }
        }
        drop(src);
        let out = Tensor::from_data(out, &shape);
        let indices = indices.to_vec();
        Ok(Tensor::record(out, &[self], move || IndexSelectBackward {
            dim: d,
            indices,
        }))
    }

    /// Entries `indices` of dimension `dim`, in that order (repeats allowed).
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_index_select`] returns, on the same inputs.
    pub fn index_select(&self, dim: isize, indices: &[usize]) -> Tensor<T> {
        or_panic(self.try_index_select(dim, indices))
    }

    /// The adjoint of `index_select`: rows of `self` added into zeros at `indices`
    /// along `dim`, which gets extent `size`.
    pub(crate) fn index_add(
        &self,
        dim: usize,
        indices: &[usize],
        size: usize,
    ) -> Result<Tensor<T>> {
        let (outer, n, inner) = split_at_dim(self.shape(), dim);
        let mut shape = self.shape().to_vec();
        shape[dim] = size;
        let mut out = alloc(checked_numel::<T>("index_add", &shape)?);
        out.fill(T::zero());
        let src = contiguous_values(self);
        for o in 0..outer {
            for (j, &i) in indices.iter().enumerate() {
                let dst = &mut out[(o * size + i) * inner..(o * size + i + 1) * inner];
                for (d, &s) in dst
                    .iter_mut()
                    .zip(&src[(o * n + j) * inner..(o * n + j + 1) * inner])
                {
                    *d = *d + s;
                }
            }
        }
        drop(src);
        let out = Tensor::from_data(out, &shape);
        let indices = indices.to_vec();
        Ok(Tensor::record(out, &[self], move || IndexAddBackward {
            dim,
            indices,
        }))
    }

    /// PyTorch's `gather`: `out[.., j, ..] = self[.., index[.., j, ..], ..]` along `dim`.
    /// `index` (row-major, shape `index_shape`) matches `self`'s shape except along `dim`.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let logits = Tensor::<f64>::from_vec(vec![0.1, 0.9, 0.7, 0.3], &[2, 2]).unwrap();
    /// let picked = logits.gather(1, &[1, 0], &[2, 1]);
    /// assert_eq!(picked.to_vec(), vec![0.9, 0.7]);
    /// ```
    pub fn try_gather(
        &self,
        dim: isize,
        index: &[usize],
        index_shape: &[usize],
    ) -> Result<Tensor<T>> {
        let d = normalize_dim("gather", dim, self.ndim())?;
        let shape_ok = index_shape.len() == self.ndim()
            && index_shape
                .iter()
                .zip(self.shape())
                .enumerate()
                .all(|(k, (a, b))| k == d || a == b);
        if !shape_ok || checked_numel::<T>("gather", index_shape)? != index.len() {
            return Err(TensorError::ShapeMismatch {
                op: "gather",
                detail: format!(
                    "index of shape {index_shape:?} ({} values) does not fit input of shape {:?} along dim {d}",
                    index.len(),
                    self.shape()
                ),
            });
        }
        let (outer, size, inner) = split_at_dim(self.shape(), d);
        check_indices("gather", index, d, size)?;
        let n = index_shape[d];
        let src = contiguous_values(self);
        let mut out = alloc(index.len());
        for o in 0..outer {
            for j in 0..n {
                for i in 0..inner {
                    let at = (o * n + j) * inner + i;
                    out[at] = src[(o * size + index[at]) * inner + i];
                }
            }
        }
        drop(src);
        let out = Tensor::from_data(out, index_shape);
        let index = index.to_vec();
        Ok(Tensor::record(out, &[self], move || GatherBackward {
            dim: d,
            index,
        }))
    }

    /// PyTorch's `gather`: `out[.., j, ..] = self[.., index[.., j, ..], ..]` along `dim`.
    /// `index` (row-major, shape `index_shape`) matches `self`'s shape except along `dim`.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_gather`] returns, on the same inputs.
    pub fn gather(&self, dim: isize, index: &[usize], index_shape: &[usize]) -> Tensor<T> {
        or_panic(self.try_gather(dim, index, index_shape))
    }

    /// The adjoint of `gather`: `self` added into zeros at `index` along `dim` (extent `size`).
    pub(crate) fn scatter_add(
        &self,
        dim: usize,
        index: &[usize],
        size: usize,
    ) -> Result<Tensor<T>> {
        let (outer, n, inner) = split_at_dim(self.shape(), dim);
        let mut shape = self.shape().to_vec();
        shape[dim] = size;
        let mut out = alloc(checked_numel::<T>("scatter_add", &shape)?);
        out.fill(T::zero());
        let src = contiguous_values(self);
        for o in 0..outer {
            for j in 0..n {
                for i in 0..inner {
                    let at = (o * n + j) * inner + i;
                    let dst = (o * size + index[at]) * inner + i;
                    out[dst] = out[dst] + src[at];
                }
            }
        }
        drop(src);
        let out = Tensor::from_data(out, &shape);
        let index_shape = self.shape().to_vec();
        let index = index.to_vec();
        Ok(Tensor::record(out, &[self], move || ScatterAddBackward {
            dim,
            index,
            index_shape,
        }))
    }

    /// One-hot rows: shape `[labels.len(), classes]`. Errors on a label ≥ `classes`.
    pub fn try_one_hot(labels: &[usize], classes: usize) -> Result<Tensor<T>> {
        check_indices("one_hot", labels, 1, classes)?;
        let mut data = vec![T::zero(); checked_numel::<T>("one_hot", &[labels.len(), classes])?];
        for (row, &label) in labels.iter().enumerate() {
            data[row * classes + label] = T::one();
        }
        Tensor::from_vec(data, &[labels.len(), classes])
    }

    /// One-hot rows: shape `[labels.len(), classes]`. Errors on a label ≥ `classes`.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_one_hot`] returns, on the same inputs.
    pub fn one_hot(labels: &[usize], classes: usize) -> Tensor<T> {
        or_panic(Self::try_one_hot(labels, classes))
    }
}
