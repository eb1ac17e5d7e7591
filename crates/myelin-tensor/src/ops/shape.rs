//! Shape ops: views (reshape, permute, transpose, broadcast, narrow, squeeze) that share
//! storage, and concat/stack that copy. Each backward is the inverse movement.

use std::sync::Arc;

use crate::autograd::node::{BackwardCtx, BackwardOp};
use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::kernels::elementwise::gather;
use crate::ops::map::contiguous_values;
use crate::shape::{
    broadcast_layout, broadcast_shapes, checked_numel, normalize_dim, Dims, Layout,
};
use crate::storage::alloc;
use crate::tensor::Tensor;

type Grads<T> = Result<Vec<Option<Tensor<T>>>>;

impl<T: Element> Tensor<T> {
    /// A tensor over the same storage with another layout (not recorded).
    fn view_with(&self, layout: Layout) -> Tensor<T> {
        Tensor::from_storage(Arc::clone(&self.inner.storage), layout)
    }
}

struct ReshapeBackward {
    input_shape: Dims,
}
impl<T: Element> BackwardOp<T> for ReshapeBackward {
    fn name(&self) -> &'static str {
        "reshape"
    }
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    fn backward(&self, _ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        Ok(vec![Some(g.try_reshape(&self.input_shape)?)])
    }
}

struct ContiguousBackward;
impl<T: Element> BackwardOp<T> for ContiguousBackward {
    fn name(&self) -> &'static str {
        "contiguous"
    }
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    fn backward(&self, _ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        Ok(vec![Some(g.clone())])
    }
}

struct PermuteBackward {
    inverse: Vec<usize>,
}
impl<T: Element> BackwardOp<T> for PermuteBackward {
    fn name(&self) -> &'static str {
        "permute"
    }
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    fn backward(&self, _ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        Ok(vec![Some(g.try_permute(&self.inverse)?)])
    }
}

struct BroadcastBackward;
impl<T: Element> BackwardOp<T> for BroadcastBackward {
    fn name(&self) -> &'static str {
        "broadcast_to"
    }
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    /// The engine sums the gradient down to the input's shape.
    fn backward(&self, _ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        Ok(vec![Some(g.clone())])
    }
}

struct NarrowBackward {
    dim: usize,
    start: usize,
}
impl<T: Element> BackwardOp<T> for NarrowBackward {
    fn name(&self) -> &'static str {
        "narrow"
    }
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        let full = ctx.input(0).shape()[self.dim];
        Ok(vec![Some(g.pad_dim(self.dim, self.start, full)?)])
    }
}

/// Backward of narrow: the gradient placed into zeros; its own backward is narrow.
struct PadBackward {
    dim: usize,
    start: usize,
}
impl<T: Element> BackwardOp<T> for PadBackward {
    fn name(&self) -> &'static str {
        "pad"
    }
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        let len = ctx.input(0).shape()[self.dim];
        Ok(vec![Some(g.try_narrow(
            self.dim as isize,
            self.start,
            len,
        )?)])
    }
}

struct ConcatBackward {
    dim: usize,
}
impl<T: Element> BackwardOp<T> for ConcatBackward {
    fn name(&self) -> &'static str {
        "concat"
    }
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        let mut start = 0;
        let mut grads = Vec::with_capacity(ctx.inputs().len());
        for (i, input) in ctx.inputs().iter().enumerate() {
            let len = input.shape()[self.dim];
            grads.push(if ctx.needs_grad(i) {
                Some(g.try_narrow(self.dim as isize, start, len)?)
            } else {
                None
            });
            start += len;
        }
        Ok(grads)
    }
}

impl<T: Element> Tensor<T> {
    /// The same elements with a new shape (a view when contiguous, else a copy).
    pub fn try_reshape(&self, shape: &[usize]) -> Result<Tensor<T>> {
        let numel = checked_numel::<T>("reshape", shape)?;
        if numel != self.numel() {
            return Err(TensorError::ShapeMismatch {
                op: "reshape",
                detail: format!(
                    "cannot reshape a tensor of shape {:?} ({} elements) into shape {shape:?} ({numel} elements)",
                    self.shape(),
                    self.numel()
                ),
            });
        }
        if shape == self.shape() {
            return Ok(self.clone());
        }
        let source = if self.is_contiguous() {
            self.clone()
        } else {
            self.contiguous()
        };
        let mut layout = Layout::contiguous(shape);
        layout.offset = source.layout().offset;
        let out = source.view_with(layout);
        let input_shape = self.dims();
        Ok(Tensor::record(out, &[self], move || ReshapeBackward {
            input_shape,
        }))
    }

    /// Reshape; panics on an element-count mismatch (see `try_reshape`).
    pub fn reshape(&self, shape: &[usize]) -> Tensor<T> {
        or_panic(self.try_reshape(shape))
    }

    /// A row-major copy (or `self` when already contiguous). Recorded as identity.
    pub fn contiguous(&self) -> Tensor<T> {
        if self.is_contiguous() {
            return self.clone();
        }
        let data = gather(self.layout(), &self.storage_read());
        let out = Tensor::from_data(data, self.shape());
        Tensor::record(out, &[self], || ContiguousBackward)
    }

    /// Flattens dimensions `start..=end` into one (PyTorch's `flatten(start_dim, end_dim)`).
    pub fn try_flatten(&self, start: isize, end: isize) -> Result<Tensor<T>> {
        if self.ndim() == 0 {
            return self.try_reshape(&[1]);
        }
        let s = normalize_dim("flatten", start, self.ndim())?;
        let e = normalize_dim("flatten", end, self.ndim())?;
        if s > e {
            return Err(TensorError::InvalidArgument {
                op: "flatten",
                detail: format!("start dim {start} comes after end dim {end}"),
            });
        }
        let shape = self.shape();
        let mut new: Vec<usize> = shape[..s].to_vec();
        new.push(shape[s..=e].iter().product());
        new.extend_from_slice(&shape[e + 1..]);
        self.try_reshape(&new)
    }

    /// Flattens dimensions `start..=end` into one (PyTorch's `flatten(start_dim, end_dim)`).
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_flatten`] returns, on the same inputs.
    pub fn flatten(&self, start: isize, end: isize) -> Tensor<T> {
        or_panic(self.try_flatten(start, end))
    }

    /// Flattens everything into one dimension.
    pub fn flatten_all(&self) -> Tensor<T> {
        self.reshape(&[self.numel()])
    }

    /// Reorders dimensions (a view).
    pub fn try_permute(&self, order: &[usize]) -> Result<Tensor<T>> {
        let ndim = self.ndim();
        let mut seen = vec![false; ndim];
        if order.len() != ndim
            || order
                .iter()
                .any(|&d| d >= ndim || std::mem::replace(&mut seen[d], true))
        {
            return Err(TensorError::InvalidArgument {
                op: "permute",
                detail: format!(
                    "{order:?} is not a permutation of the {ndim} dimensions of shape {:?}",
                    self.shape()
                ),
            });
        }
        let layout = self.layout();
        let out = self.view_with(Layout {
            shape: order.iter().map(|&d| layout.shape[d]).collect(),
            strides: order.iter().map(|&d| layout.strides[d]).collect(),
            offset: layout.offset,
        });
        let mut inverse = vec![0; ndim];
        for (i, &d) in order.iter().enumerate() {
            inverse[d] = i;
        }
        Ok(Tensor::record(out, &[self], move || PermuteBackward {
            inverse,
        }))
    }

    /// Reorders dimensions; panics on a bad permutation.
    pub fn permute(&self, order: &[usize]) -> Tensor<T> {
        or_panic(self.try_permute(order))
    }

    /// Swaps two dimensions (a view).
    pub fn try_transpose(&self, dim0: isize, dim1: isize) -> Result<Tensor<T>> {
        let a = normalize_dim("transpose", dim0, self.ndim())?;
        let b = normalize_dim("transpose", dim1, self.ndim())?;
        let mut order: Vec<usize> = (0..self.ndim()).collect();
        order.swap(a, b);
        self.try_permute(&order)
    }

    /// Swaps two dimensions (a view).
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_transpose`] returns, on the same inputs.
    pub fn transpose(&self, dim0: isize, dim1: isize) -> Tensor<T> {
        or_panic(self.try_transpose(dim0, dim1))
    }

    /// The transpose of a 2-D tensor (the last two dims of a batch).
    pub fn t(&self) -> Tensor<T> {
        if self.ndim() < 2 {
            return self.clone();
        }
        self.transpose(-2, -1)
    }

    /// A view broadcast to `shape` (NumPy rules; no copy).
    pub fn try_broadcast_to(&self, shape: &[usize]) -> Result<Tensor<T>> {
        if shape == self.shape() {
            return Ok(self.clone());
        }
        let full = broadcast_shapes("broadcast_to", self.shape(), shape)?;
        if full.as_slice() != shape {
            return Err(TensorError::Broadcast {
                op: "broadcast_to",
                lhs: self.shape().to_vec(),
                rhs: shape.to_vec(),
            });
        }
        checked_numel::<T>("broadcast_to", shape)?;
        let out = self.view_with(broadcast_layout(self.layout(), shape));
        Ok(Tensor::record(out, &[self], || BroadcastBackward))
    }

    /// Broadcast view; panics when the shapes are incompatible.
    pub fn broadcast_to(&self, shape: &[usize]) -> Tensor<T> {
        or_panic(self.try_broadcast_to(shape))
    }

    /// Inserts a dimension of size 1 at `dim` (−1 appends).
    pub fn try_unsqueeze(&self, dim: isize) -> Result<Tensor<T>> {
        let d = normalize_dim("unsqueeze", dim, self.ndim() + 1)?;
        let mut shape = self.shape().to_vec();
        shape.insert(d, 1);
        self.try_reshape(&shape)
    }

    /// Inserts a dimension of size 1 at `dim` (−1 appends).
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_unsqueeze`] returns, on the same inputs.
    pub fn unsqueeze(&self, dim: isize) -> Tensor<T> {
        or_panic(self.try_unsqueeze(dim))
    }

    /// Removes dimension `dim` if it has size 1 (a no-op otherwise, as PyTorch).
    pub fn try_squeeze(&self, dim: isize) -> Result<Tensor<T>> {
        let d = normalize_dim("squeeze", dim, self.ndim())?;
        if self.shape()[d] != 1 {
            return Ok(self.clone());
        }
        let mut shape = self.shape().to_vec();
        shape.remove(d);
        self.try_reshape(&shape)
    }

    /// Removes dimension `dim` if it has size 1 (a no-op otherwise, as PyTorch).
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_squeeze`] returns, on the same inputs.
    pub fn squeeze(&self, dim: isize) -> Tensor<T> {
        or_panic(self.try_squeeze(dim))
    }

    /// Removes every dimension of size 1.
    pub fn squeeze_all(&self) -> Tensor<T> {
        let shape: Vec<usize> = self.shape().iter().copied().filter(|&s| s != 1).collect();
        self.reshape(&shape)
    }

    /// [`try_narrow`](Self::try_narrow), panicking with the same message on a bad
    /// dimension or range.
    pub fn narrow(&self, dim: isize, start: usize, len: usize) -> Tensor<T> {
        or_panic(self.try_narrow(dim, start, len))
    }

    /// `len` entries of dimension `dim` starting at `start` (a view).
    pub fn try_narrow(&self, dim: isize, start: usize, len: usize) -> Result<Tensor<T>> {
        self.narrow_named("narrow", dim, start, len)
    }

    /// `narrow`, reporting errors as `op` (so `slice` errors say `slice`).
    fn narrow_named(
        &self,
        op: &'static str,
        dim: isize,
        start: usize,
        len: usize,
    ) -> Result<Tensor<T>> {
        let d = normalize_dim(op, dim, self.ndim())?;
        let size = self.shape()[d];
        if start.checked_add(len).is_none_or(|end| end > size) {
            return Err(TensorError::IndexOutOfRange {
                op,
                index: (start as i64).saturating_add(len as i64),
                dim: d,
                size,
            });
        }
        let mut layout = self.layout().clone();
        layout.offset += start * layout.strides[d];
        layout.shape[d] = len;
        let out = self.view_with(layout);
        Ok(Tensor::record(out, &[self], move || NarrowBackward {
            dim: d,
            start,
        }))
    }

    /// Elements `start..end` of dimension `dim` (PyTorch's `x[..., start:end, ...]`).
    ///
    /// Deviation from PyTorch: an `end` beyond the dimension (or `end < start`) is an
    /// error naming `slice`, where Python slicing would silently clamp it.
    pub fn try_slice(&self, dim: isize, start: usize, end: usize) -> Result<Tensor<T>> {
        if end < start {
            return Err(TensorError::InvalidArgument {
                op: "slice",
                detail: format!("end {end} is before start {start}"),
            });
        }
        self.narrow_named("slice", dim, start, end - start)
    }

    /// Elements `start..end` of dimension `dim` (PyTorch's `x[..., start:end, ...]`).
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_slice`] returns, on the same inputs.
    pub fn slice(&self, dim: isize, start: usize, end: usize) -> Tensor<T> {
        or_panic(self.try_slice(dim, start, end))
    }

    /// Places `self` at `start..start+len` of dimension `dim` inside zeros of extent `full`.
    pub(crate) fn pad_dim(&self, dim: usize, start: usize, full: usize) -> Result<Tensor<T>> {
        let mut shape = self.shape().to_vec();
        shape[dim] = full;
        let out_layout = Layout::contiguous(&shape);
        let mut out = alloc(out_layout.numel());
        out.fill(T::zero());
        let src = contiguous_values(self);
        let inner: usize = shape[dim + 1..].iter().product();
        let outer: usize = shape[..dim].iter().product();
        let len = self.shape()[dim];
        for o in 0..outer {
            let dst = &mut out[(o * full + start) * inner..(o * full + start + len) * inner];
            dst.copy_from_slice(&src[o * len * inner..(o + 1) * len * inner]);
        }
        drop(src);
        let out = Tensor::from_data(out, &shape);
        Ok(Tensor::record(out, &[self], move || PadBackward {
            dim,
            start,
        }))
    }

    /// Joins tensors along an existing dimension.
    pub fn try_concat(tensors: &[&Tensor<T>], dim: isize) -> Result<Tensor<T>> {
        let first = tensors
            .first()
            .ok_or_else(|| TensorError::InvalidArgument {
                op: "concat",
                detail: "needs at least one tensor".into(),
            })?;
        if first.ndim() == 0 {
            return Err(TensorError::InvalidArgument {
                op: "concat",
                detail: "zero-dimensional tensors cannot be concatenated (use stack)".into(),
            });
        }
        let d = normalize_dim("concat", dim, first.ndim())?;
        let mut total = 0;
        for (i, t) in tensors.iter().enumerate() {
            let same_rank = t.ndim() == first.ndim();
            let compatible = same_rank
                && t.shape()
                    .iter()
                    .zip(first.shape())
                    .enumerate()
                    .all(|(k, (a, b))| k == d || a == b);
            if !compatible {
                return Err(TensorError::ShapeMismatch {
                    op: "concat",
                    detail: format!(
                        "tensor {i} has shape {:?}, incompatible with tensor 0's shape {:?} outside dimension {d}",
                        t.shape(),
                        first.shape()
                    ),
                });
            }
            total += t.shape()[d];
        }
        let mut shape = first.shape().to_vec();
        shape[d] = total;
        let numel = checked_numel::<T>("concat", &shape)?;
        let inner: usize = shape[d + 1..].iter().product();
        let outer: usize = shape[..d].iter().product();
        let mut out = alloc(numel);
        let mut start = 0;
        for t in tensors {
            let len = t.shape()[d];
            let src = contiguous_values(t);
            for o in 0..outer {
                let dst = &mut out[(o * total + start) * inner..(o * total + start + len) * inner];
                dst.copy_from_slice(&src[o * len * inner..(o + 1) * len * inner]);
            }
            start += len;
        }
        let out = Tensor::from_data(out, &shape);
        Ok(Tensor::record(out, tensors, move || ConcatBackward {
            dim: d,
        }))
    }

    /// Joins tensors along an existing dimension.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_concat`] returns, on the same inputs.
    pub fn concat(tensors: &[&Tensor<T>], dim: isize) -> Tensor<T> {
        or_panic(Self::try_concat(tensors, dim))
    }

    /// Joins tensors of equal shape along a new dimension.
    pub fn try_stack(tensors: &[&Tensor<T>], dim: isize) -> Result<Tensor<T>> {
        let first = tensors
            .first()
            .ok_or_else(|| TensorError::InvalidArgument {
                op: "stack",
                detail: "needs at least one tensor".into(),
            })?;
        for (i, t) in tensors.iter().enumerate() {
            if t.shape() != first.shape() {
                return Err(TensorError::ShapeMismatch {
                    op: "stack",
                    detail: format!(
                        "tensor {i} has shape {:?}, tensor 0 has {:?}",
                        t.shape(),
                        first.shape()
                    ),
                });
            }
        }
        let d = normalize_dim("stack", dim, first.ndim() + 1)?;
        let expanded = tensors
            .iter()
            .map(|t| t.try_unsqueeze(d as isize))
            .collect::<Result<Vec<_>>>()?;
        let refs: Vec<&Tensor<T>> = expanded.iter().collect();
        Tensor::try_concat(&refs, d as isize)
    }

    /// Joins tensors of equal shape along a new dimension.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_stack`] returns, on the same inputs.
    pub fn stack(tensors: &[&Tensor<T>], dim: isize) -> Tensor<T> {
        or_panic(Self::try_stack(tensors, dim))
    }
}
