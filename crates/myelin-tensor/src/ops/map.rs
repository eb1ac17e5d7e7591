//! Elementwise maps over tensors: the slice kernels of `kernels::elementwise` applied to
//! tensors of any layout, with NumPy broadcasting and the broadcast-scalar fast paths.
//! Every elementwise op and the custom-op API run through here.

use crate::element::Element;
use crate::error::Result;
use crate::kernels::elementwise::{
    broadcast_zip, gather, map, zip, zip3, FixFirst, FixFirstAndThird, FixThird, Fn1, Fn3,
};
use crate::shape::{broadcast_layout, broadcast_shapes};
use crate::storage::alloc;
use crate::tensor::Tensor;

/// A contiguous copy of a tensor's elements (borrowing when already contiguous).
pub(crate) fn contiguous_values<T: Element>(x: &Tensor<T>) -> ContiguousValues<'_, T> {
    if x.is_contiguous() {
        ContiguousValues::Borrowed(x.storage_read(), x.layout().offset, x.numel())
    } else {
        ContiguousValues::Owned(gather(x.layout(), &x.storage_read()))
    }
}

/// Row-major elements of a tensor, either borrowed from its storage or copied.
pub(crate) enum ContiguousValues<'a, T: Element> {
    Borrowed(std::sync::RwLockReadGuard<'a, Vec<T>>, usize, usize),
    Owned(Vec<T>),
}

impl<T: Element> std::ops::Deref for ContiguousValues<'_, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            ContiguousValues::Borrowed(g, off, n) => &g[*off..*off + *n],
            ContiguousValues::Owned(v) => v,
        }
    }
}

/// `f` applied to every element; the result is contiguous.
pub(crate) fn unary<T: Element, F: Fn1<T>>(x: &Tensor<T>, f: F) -> Tensor<T> {
    let src = contiguous_values(x);
    let mut out = alloc(src.len());
    map(&src, &mut out, f);
    drop(src);
    Tensor::from_data(out, x.shape())
}

/// The single value of a layout whose every element is the same storage slot (a
/// broadcast scalar, such as the gradient of a `sum`), if it is one.
fn uniform_value<T: Element>(x: &Tensor<T>) -> Option<T> {
    let layout = x.layout();
    let uniform = layout
        .shape
        .iter()
        .zip(&layout.strides)
        .all(|(&size, &stride)| size <= 1 || stride == 0);
    (uniform && layout.numel() > 0).then(|| x.storage_read()[layout.offset])
}

/// `f` applied pairwise with NumPy broadcasting; the result is contiguous.
///
/// Fast paths: equal contiguous shapes, and one side a broadcast scalar (both a plain
/// vectorised map). Everything else walks runs of the last dimension, split over threads
/// along the first dimension when large.
pub(crate) fn binary<T: Element, F: Fn(T, T) -> T + Sync>(
    op: &'static str,
    a: &Tensor<T>,
    b: &Tensor<T>,
    f: F,
) -> Result<Tensor<T>> {
    if a.shape() == b.shape() && a.is_contiguous() && b.is_contiguous() {
        let (va, vb) = (contiguous_values(a), contiguous_values(b));
        let mut out = alloc(va.len());
        zip(&va, &vb, &mut out, f);
        return Ok(Tensor::from_data(out, a.shape()));
    }
    let shape = broadcast_shapes(op, a.shape(), b.shape())?;
    crate::shape::checked_numel::<T>(op, &shape)?;
    if shape.as_slice() == a.shape() && a.is_contiguous() {
        if let Some(y) = uniform_value(b) {
            let va = contiguous_values(a);
            let mut out = alloc(va.len());
            map(&va, &mut out, |x| f(x, y));
            return Ok(Tensor::from_data(out, &shape));
        }
    }
    if shape.as_slice() == b.shape() && b.is_contiguous() {
        if let Some(x) = uniform_value(a) {
            let vb = contiguous_values(b);
            let mut out = alloc(vb.len());
            map(&vb, &mut out, |y| f(x, y));
            return Ok(Tensor::from_data(out, &shape));
        }
    }
    let la = broadcast_layout(a.layout(), &shape);
    let lb = broadcast_layout(b.layout(), &shape);
    let (da, db) = (a.storage_read(), b.storage_read());
    let mut out = alloc(shape.iter().product());
    broadcast_zip(&la, &lb, &da, &db, &mut out, &f);
    drop((da, db));
    Ok(Tensor::from_data(out, &shape))
}

/// `f` applied to three same-shaped tensors (no broadcasting); the result is contiguous.
pub(crate) fn ternary<T: Element, F: Fn3<T>>(
    a: &Tensor<T>,
    b: &Tensor<T>,
    c: &Tensor<T>,
    f: F,
) -> Tensor<T> {
    debug_assert!(a.shape() == b.shape() && b.shape() == c.shape());
    // Broadcast scalars (a `sum`'s gradient, a scalar operand) are read once, never
    // materialised.
    let (ua, uc) = (uniform_value(a), uniform_value(c));
    let out = match (ua, uc) {
        (Some(x), Some(z)) => {
            let vb = contiguous_values(b);
            let mut out = alloc(vb.len());
            map(&vb, &mut out, FixFirstAndThird { f: &f, x, z });
            out
        }
        (Some(x), None) => {
            let (vb, vc) = (contiguous_values(b), contiguous_values(c));
            let mut out = alloc(vb.len());
            zip(&vb, &vc, &mut out, FixFirst { f: &f, x });
            out
        }
        (None, Some(z)) => {
            let (va, vb) = (contiguous_values(a), contiguous_values(b));
            let mut out = alloc(va.len());
            zip(&va, &vb, &mut out, FixThird { f: &f, z });
            out
        }
        (None, None) => {
            let (va, vb, vc) = (
                contiguous_values(a),
                contiguous_values(b),
                contiguous_values(c),
            );
            let mut out = alloc(va.len());
            zip3(&va, &vb, &vc, &mut out, f);
            out
        }
    };
    Tensor::from_data(out, a.shape())
}
