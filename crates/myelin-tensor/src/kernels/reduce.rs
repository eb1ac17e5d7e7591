//! The one reduction path: bring the reduced dimensions to the end (a view, copied only
//! when not already contiguous), then reduce each contiguous row.

use rayon::prelude::*;

use crate::element::Element;
use crate::kernels::dispatch::{dispatch, Kernel};
use crate::kernels::elementwise::{gather, par_chunks, PARALLEL_THRESHOLD};
use crate::shape::{Dims, Layout};
use crate::storage::alloc;

/// Applies `f` to each row of reduced elements of `layout` over `data`; returns one
/// result per kept position, in row-major order of the kept dimensions. `dims` is sorted
/// and unique.
pub(crate) fn reduce_rows<T: Element, R: Send, F: Fn(&[T]) -> R + Sync>(
    layout: &Layout,
    data: &[T],
    dims: &[usize],
    f: F,
) -> Vec<R> {
    let kept: Vec<usize> = (0..layout.shape.len())
        .filter(|d| !dims.contains(d))
        .collect();
    let order: Vec<usize> = kept.iter().chain(dims.iter()).copied().collect();
    let permuted = Layout {
        shape: order.iter().map(|&d| layout.shape[d]).collect(),
        strides: order.iter().map(|&d| layout.strides[d]).collect(),
        offset: layout.offset,
    };
    let row_len: usize = dims.iter().map(|&d| layout.shape[d]).product();
    let rows: usize = kept.iter().map(|&d| layout.shape[d]).product();
    if row_len == 0 {
        return (0..rows).map(|_| f(&[])).collect();
    }
    let owned;
    let values: &[T] = if permuted.is_contiguous() {
        &data[permuted.offset..permuted.offset + rows * row_len]
    } else {
        owned = gather(&permuted, data);
        &owned
    };
    if rows * row_len >= PARALLEL_THRESHOLD && rows > 1 {
        values.par_chunks(row_len).map(&f).collect()
    } else {
        values.chunks(row_len).map(&f).collect()
    }
}

/// Sum of a slice with eight independent accumulators (vectorisable, and more accurate
/// than one running sum), at the dispatched SIMD level. The order of additions is fixed
/// here, so the result is the same at every level.
#[inline]
pub fn sum_slice<T: Element>(values: &[T]) -> T {
    dispatch(SumSlice(values))
}

struct SumSlice<'a, T>(&'a [T]);
impl<T: Element> Kernel for SumSlice<'_, T> {
    type Output = T;
    #[inline(always)]
    fn run(self) -> T {
        let mut acc = [T::zero(); 8];
        let chunks = self.0.chunks_exact(8);
        let tail = chunks.remainder();
        for c in chunks {
            for i in 0..8 {
                acc[i] = acc[i] + c[i];
            }
        }
        let mut total =
            ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
        for &v in tail {
            total = total + v;
        }
        total
    }
}

/// `out[j] = Σ_r values[r·inner + start + j]`: the columns `start..start + out.len()` of a
/// row-major `[outer, inner]` block summed over its rows.
struct SumRows<'a, T> {
    values: &'a [T],
    outer: usize,
    inner: usize,
    start: usize,
    out: &'a mut [T],
}
impl<T: Element> Kernel for SumRows<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        sum_rows(self.values, self.outer, self.inner, self.start, self.out);
    }
}

/// The loop of [`SumRows`], with the slices as arguments (no-alias for `out`).
#[inline(always)]
fn sum_rows<T: Element>(values: &[T], outer: usize, inner: usize, start: usize, out: &mut [T]) {
    let end = start + out.len();
    out.fill(T::zero());
    for r in 0..outer {
        let row = &values[r * inner + start..r * inner + end];
        for (o, &v) in out.iter_mut().zip(row) {
            *o = *o + v;
        }
    }
}

/// Sum over `dims` of `layout` over `data`. When the reduced dimensions lead a
/// contiguous layout (a bias gradient: sum over the batch), rows are accumulated in place
/// instead of transposed.
pub(crate) fn sum<T: Element>(layout: &Layout, data: &[T], dims: &[usize]) -> Vec<T> {
    let ndim = layout.shape.len();
    let leading = dims.iter().enumerate().all(|(i, &d)| i == d);
    let contiguous = layout.is_contiguous();
    if leading && !dims.is_empty() && dims.len() < ndim && contiguous {
        let outer: usize = dims.iter().map(|&d| layout.shape[d]).product();
        let inner: usize = layout.shape[dims.len()..].iter().product();
        let base = layout.offset;
        let values = &data[base..base + outer * inner];
        let accumulate = |start: usize, out: &mut [T]| {
            dispatch(SumRows {
                values,
                outer,
                inner,
                start,
                out,
            })
        };
        let mut out = alloc(inner);
        if outer * inner >= PARALLEL_THRESHOLD && inner >= 64 {
            let chunk = inner.div_ceil(rayon::current_num_threads().max(1)).max(64);
            par_chunks(&mut out, chunk, &|at, o| accumulate(at, o));
        } else {
            accumulate(0, &mut out);
        }
        return out;
    }
    let numel = layout.numel();
    if dims.len() == ndim && contiguous && numel >= PARALLEL_THRESHOLD {
        // One long row: partial sums per chunk on all threads.
        let values = &data[layout.offset..layout.offset + numel];
        let partial: Vec<T> = values.par_chunks(1 << 16).map(sum_slice).collect();
        return vec![sum_slice(&partial)];
    }
    reduce_rows(layout, data, dims, sum_slice)
}

/// The output shape of a reduction.
pub(crate) fn reduced_shape(shape: &[usize], dims: &[usize], keepdim: bool) -> Dims {
    let mut out = Dims::new();
    for (d, &s) in shape.iter().enumerate() {
        if dims.contains(&d) {
            if keepdim {
                out.push(1);
            }
        } else {
            out.push(s);
        }
    }
    out
}
