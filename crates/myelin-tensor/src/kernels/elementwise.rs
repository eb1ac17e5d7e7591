//! The one elementwise kernel path: contiguous slices in chunks, split across threads
//! above a size threshold, strided and broadcast layouts through one run iterator.
//!
//! Closures passed here are inlined into straight loops with no branches of their own,
//! so the compiler vectorises them.

use rayon::prelude::*;

use crate::element::Element;
use crate::error::Result;
use crate::kernels::dispatch::{dispatch, Kernel};
use crate::shape::{broadcast_layout, broadcast_shapes, for_each_run, Layout};
use crate::storage::alloc;
use crate::tensor::Tensor;

/// Tensors with fewer elements than this stay on the calling thread: below it, waking
/// a second core costs more than it saves.
pub const PARALLEL_THRESHOLD: usize = 1 << 15;
const CHUNK: usize = 1 << 14;

/// A buffer of `len` elements from the tensor buffer pool (no page faults once a shape has
/// been seen). Its values are unspecified: for kernels that write every element.
pub fn pooled_buffer<T: Element>(len: usize) -> Vec<T> {
    alloc(len)
}

/// Sets every element of `dst` to `value`.
pub fn fill<T: Element>(dst: &mut [T], value: T) {
    if dst.len() >= PARALLEL_THRESHOLD {
        par_chunks(dst, CHUNK, &|_, c| c.fill(value));
    } else {
        dst.fill(value);
    }
}

/// Runs `body(start, chunk)` on every `chunk_len`-sized chunk of `dst` (`start` is the
/// chunk's offset in `dst`) across the rayon pool.
///
/// `body` is a trait object on purpose: rayon's machinery (jobs, join, bridges) is then
/// compiled once per element type instead of once per kernel closure. Generic callers
/// are compiled in every crate that uses them, and the per-closure copies of rayon were
/// about 40% of the LLVM IR of a crate that trains networks (`cargo llvm-lines`). One
/// dynamic call per chunk of thousands of elements costs nothing measurable.
pub(crate) fn par_chunks<T: Element>(
    dst: &mut [T],
    chunk_len: usize,
    body: &(dyn Fn(usize, &mut [T]) + Sync),
) {
    dst.par_chunks_mut(chunk_len.max(1))
        .enumerate()
        .for_each(|(i, chunk)| body(i * chunk_len.max(1), chunk));
}

// Kernel functions are traits with `#[inline(always)]` methods, not plain closures:
// a closure that calls a large inlined function (an exp polynomial, say) becomes too big
// for LLVM to inline into the loop, and the loop then makes one call per element instead
// of vectorising. Closures still work everywhere through the blanket impls.
//
// The loops also take the output slice as a separate argument: Rust tells LLVM that a
// `&mut [T]` argument aliases nothing else, so parameters captured by the function (an
// ELU's alpha) are loaded once, not on every element.

/// A one-argument elementwise function for the kernels (any `Fn(T) -> T + Sync`).
pub trait Fn1<T>: Sync {
    /// The value at `x`.
    fn call(&self, x: T) -> T;
}
/// A two-argument elementwise function for the kernels.
pub trait Fn2<T>: Sync {
    /// The value at `(x, y)`.
    fn call(&self, x: T, y: T) -> T;
}
/// A three-argument elementwise function for the kernels.
pub trait Fn3<T>: Sync {
    /// The value at `(x, y, z)`.
    fn call(&self, x: T, y: T, z: T) -> T;
}
impl<T, C: Fn(T) -> T + Sync> Fn1<T> for C {
    #[inline(always)]
    fn call(&self, x: T) -> T {
        self(x)
    }
}
impl<T, C: Fn(T, T) -> T + Sync> Fn2<T> for C {
    #[inline(always)]
    fn call(&self, x: T, y: T) -> T {
        self(x, y)
    }
}
impl<T, C: Fn(T, T, T) -> T + Sync> Fn3<T> for C {
    #[inline(always)]
    fn call(&self, x: T, y: T, z: T) -> T {
        self(x, y, z)
    }
}

// Each loop is a dispatch `Kernel`: compiled once per SIMD level, the best one chosen at
// run time (see `dispatch`). Dispatching per chunk costs one relaxed atomic load.
//
// The kernels' `run` passes the slices on as *arguments* of the `*_slices` loops: only a
// function argument carries Rust's no-alias guarantee for `&mut [T]` into LLVM (a struct
// field does not). That is not enough when a parameter sits one pointer further away (a
// softplus's beta read through `ChainRule(&Softplus)` in a backward): the pointer loaded
// from `f` carries no guarantee, so a store to the output might change the parameter, it
// is reloaded on every element and the loop stays scalar (softplus backward was 10×
// slower than sigmoid's). So each loop writes a block of results into a stack buffer,
// which nothing else can point to, and copies the block out: the parameters are then
// loop-invariant, the inner loop vectorises, and the copy runs from L1.

/// Elements per stack block of the `*_slices` loops (256 B of f32, 512 B of f64).
const BLOCK: usize = 64;

#[inline(always)]
fn map_slices<T: Element, F: Fn1<T>>(src: &[T], dst: &mut [T], f: &F) {
    for (s, d) in src.chunks(BLOCK).zip(dst.chunks_mut(BLOCK)) {
        let mut block = [T::zero(); BLOCK];
        for (o, &x) in block.iter_mut().zip(s) {
            *o = f.call(x);
        }
        d.copy_from_slice(&block[..d.len()]);
    }
}

#[inline(always)]
fn zip_slices<T: Element, F: Fn2<T>>(a: &[T], b: &[T], dst: &mut [T], f: &F) {
    for ((a, b), d) in a
        .chunks(BLOCK)
        .zip(b.chunks(BLOCK))
        .zip(dst.chunks_mut(BLOCK))
    {
        let mut block = [T::zero(); BLOCK];
        for ((o, &x), &y) in block.iter_mut().zip(a).zip(b) {
            *o = f.call(x, y);
        }
        d.copy_from_slice(&block[..d.len()]);
    }
}

#[inline(always)]
fn zip3_slices<T: Element, F: Fn3<T>>(a: &[T], b: &[T], c: &[T], dst: &mut [T], f: &F) {
    let blocks = a
        .chunks(BLOCK)
        .zip(b.chunks(BLOCK))
        .zip(c.chunks(BLOCK))
        .zip(dst.chunks_mut(BLOCK));
    for (((a, b), c), d) in blocks {
        let mut block = [T::zero(); BLOCK];
        for (((o, &x), &y), &z) in block.iter_mut().zip(a).zip(b).zip(c) {
            *o = f.call(x, y, z);
        }
        d.copy_from_slice(&block[..d.len()]);
    }
}

struct MapKernel<'a, T, F> {
    src: &'a [T],
    dst: &'a mut [T],
    f: &'a F,
}
impl<T: Element, F: Fn1<T>> Kernel for MapKernel<'_, T, F> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        map_slices(self.src, self.dst, self.f);
    }
}

struct ZipKernel<'a, T, F> {
    a: &'a [T],
    b: &'a [T],
    dst: &'a mut [T],
    f: &'a F,
}
impl<T: Element, F: Fn2<T>> Kernel for ZipKernel<'_, T, F> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        zip_slices(self.a, self.b, self.dst, self.f);
    }
}

struct Zip3Kernel<'a, T, F> {
    a: &'a [T],
    b: &'a [T],
    c: &'a [T],
    dst: &'a mut [T],
    f: &'a F,
}
impl<T: Element, F: Fn3<T>> Kernel for Zip3Kernel<'_, T, F> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        zip3_slices(self.a, self.b, self.c, self.dst, self.f);
    }
}

#[inline(always)]
fn map_loop<T: Element, F: Fn1<T>>(src: &[T], dst: &mut [T], f: &F) {
    dispatch(MapKernel { src, dst, f });
}

#[inline(always)]
fn zip_loop<T: Element, F: Fn2<T>>(a: &[T], b: &[T], dst: &mut [T], f: &F) {
    dispatch(ZipKernel { a, b, dst, f });
}

#[inline(always)]
fn zip3_loop<T: Element, F: Fn3<T>>(a: &[T], b: &[T], c: &[T], dst: &mut [T], f: &F) {
    dispatch(Zip3Kernel { a, b, c, dst, f });
}

/// `dst[i] = f(src[i])`.
#[inline]
pub fn map<T: Element, F: Fn1<T>>(src: &[T], dst: &mut [T], f: F) {
    assert_eq!(src.len(), dst.len(), "map: length mismatch");
    if dst.len() >= PARALLEL_THRESHOLD {
        par_chunks(dst, CHUNK, &|at, d| map_loop(&src[at..at + d.len()], d, &f));
    } else {
        map_loop(src, dst, &f);
    }
}

/// `dst[i] = f(a[i], b[i])`.
#[inline]
pub fn zip<T: Element, F: Fn2<T>>(a: &[T], b: &[T], dst: &mut [T], f: F) {
    assert!(
        a.len() == dst.len() && b.len() == dst.len(),
        "zip: length mismatch"
    );
    if dst.len() >= PARALLEL_THRESHOLD {
        par_chunks(dst, CHUNK, &|at, d| {
            let end = at + d.len();
            zip_loop(&a[at..end], &b[at..end], d, &f)
        });
    } else {
        zip_loop(a, b, dst, &f);
    }
}

/// `dst[i] = f(a[i], b[i], c[i])`.
#[inline]
pub fn zip3<T: Element, F: Fn3<T>>(a: &[T], b: &[T], c: &[T], dst: &mut [T], f: F) {
    assert!(
        a.len() == dst.len() && b.len() == dst.len() && c.len() == dst.len(),
        "zip3: length mismatch"
    );
    if dst.len() >= PARALLEL_THRESHOLD {
        par_chunks(dst, CHUNK, &|at, d| {
            let end = at + d.len();
            zip3_loop(&a[at..end], &b[at..end], &c[at..end], d, &f)
        });
    } else {
        zip3_loop(a, b, c, dst, &f);
    }
}

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

/// Copies a transposed matrix (`[rows, cols]` whose *rows* are the contiguous direction)
/// in 32×32 tiles, so both the reads and the writes stay within a few cache lines.
fn gather_transposed<T: Element>(layout: &Layout, data: &[T], out: &mut [T]) {
    const TILE: usize = 32;
    let (rows, cols) = (layout.shape[0], layout.shape[1]);
    let col_stride = layout.strides[1];
    for r0 in (0..rows).step_by(TILE) {
        for c0 in (0..cols).step_by(TILE) {
            for r in r0..(r0 + TILE).min(rows) {
                let dst = &mut out[r * cols + c0..r * cols + (c0 + TILE).min(cols)];
                for (i, d) in dst.iter_mut().enumerate() {
                    *d = data[layout.offset + r + (c0 + i) * col_stride];
                }
            }
        }
    }
}

/// Copies a strided layout into a fresh row-major buffer.
pub(crate) fn gather<T: Element>(layout: &Layout, data: &[T]) -> Vec<T> {
    let mut out = alloc(layout.numel());
    if layout.shape.len() == 2 && layout.strides[0] == 1 && layout.shape[1] > 1 {
        gather_transposed(layout, data, &mut out);
        return out;
    }
    let mut pos = 0;
    for_each_run(&layout.shape, [layout], |[start], len, [stride]| {
        let dst = &mut out[pos..pos + len];
        if stride == 1 {
            dst.copy_from_slice(&data[start..start + len]);
        } else {
            for (i, o) in dst.iter_mut().enumerate() {
                *o = data[start + i * stride];
            }
        }
        pos += len;
    });
    out
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
    let numel: usize = shape.iter().product();
    let (da, db) = (a.storage_read(), b.storage_read());
    let mut out = alloc(numel);
    let rows = shape.first().copied().unwrap_or(1);
    if numel >= PARALLEL_THRESHOLD && rows >= 2 && shape.len() >= 2 {
        let row_len = numel / rows;
        let rows_per_task = rows.div_ceil(4 * rayon::current_num_threads().max(1));
        par_chunks(&mut out, rows_per_task * row_len, &|at, chunk| {
            let first = at / row_len;
            let count = chunk.len() / row_len;
            let narrow = |l: &Layout| {
                let mut l = l.clone();
                l.offset += first * l.strides[0];
                l.shape[0] = count;
                l
            };
            broadcast_runs(&narrow(&la), &narrow(&lb), &da, &db, chunk, &f);
        });
    } else {
        broadcast_runs(&la, &lb, &da, &db, &mut out, &f);
    }
    drop((da, db));
    Ok(Tensor::from_data(out, &shape))
}

/// One run of the broadcasting loop: `dst[i] = f(a[i·sa], b[i·sb])`, where `a` and `b`
/// start at the run's first element.
struct BroadcastRun<'a, T, F> {
    dst: &'a mut [T],
    a: &'a [T],
    b: &'a [T],
    strides: (usize, usize),
    f: &'a F,
}
impl<T: Element, F: Fn(T, T) -> T> Kernel for BroadcastRun<'_, T, F> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        broadcast_run(self.dst, self.a, self.b, self.strides, self.f);
    }
}

/// The loop of a [`BroadcastRun`], with the slices as arguments (see `map_slices`).
#[inline(always)]
fn broadcast_run<T: Element, F: Fn(T, T) -> T>(
    dst: &mut [T],
    a: &[T],
    b: &[T],
    strides: (usize, usize),
    f: &F,
) {
    let len = dst.len();
    match strides {
        (1, 1) => {
            for ((d, &x), &y) in dst.iter_mut().zip(&a[..len]).zip(&b[..len]) {
                *d = f(x, y);
            }
        }
        (1, 0) => {
            let y = b[0];
            for (d, &x) in dst.iter_mut().zip(&a[..len]) {
                *d = f(x, y);
            }
        }
        (0, 1) => {
            let x = a[0];
            for (d, &y) in dst.iter_mut().zip(&b[..len]) {
                *d = f(x, y);
            }
        }
        (sa, sb) => {
            for (i, d) in dst.iter_mut().enumerate() {
                *d = f(a[i * sa], b[i * sb]);
            }
        }
    }
}

/// The serial broadcasting loop: `out` (contiguous, shape of `la`) = f(a, b).
fn broadcast_runs<T: Element, F: Fn(T, T) -> T>(
    la: &Layout,
    lb: &Layout,
    da: &[T],
    db: &[T],
    out: &mut [T],
    f: &F,
) {
    let out_layout = Layout::contiguous(&la.shape);
    for_each_run(
        &la.shape,
        [&out_layout, la, lb],
        |[o, ia, ib], len, [_, sa, sb]| {
            dispatch(BroadcastRun {
                dst: &mut out[o..o + len],
                a: &da[ia..],
                b: &db[ib..],
                strides: (sa, sb),
                f,
            });
        },
    );
}

/// A three-argument function with its first argument fixed.
struct FixFirst<'a, F, T> {
    f: &'a F,
    x: T,
}
impl<T: Element, F: Fn3<T>> Fn2<T> for FixFirst<'_, F, T> {
    #[inline(always)]
    fn call(&self, y: T, z: T) -> T {
        self.f.call(self.x, y, z)
    }
}

/// A three-argument function with its third argument fixed.
struct FixThird<'a, F, T> {
    f: &'a F,
    z: T,
}
impl<T: Element, F: Fn3<T>> Fn2<T> for FixThird<'_, F, T> {
    #[inline(always)]
    fn call(&self, x: T, y: T) -> T {
        self.f.call(x, y, self.z)
    }
}

/// A three-argument function with its first and third arguments fixed.
struct FixFirstAndThird<'a, F, T> {
    f: &'a F,
    x: T,
    z: T,
}
impl<T: Element, F: Fn3<T>> Fn1<T> for FixFirstAndThird<'_, F, T> {
    #[inline(always)]
    fn call(&self, y: T) -> T {
        self.f.call(self.x, y, self.z)
    }
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

#[cfg(test)]
mod tests {
    use crate::tensor::Tensor;

    #[test]
    fn tiled_transpose_copy_matches_index_arithmetic() {
        for (rows, cols) in [(1, 7), (33, 70), (64, 64), (100, 3)] {
            let values: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
            let m = Tensor::from_vec(values, &[rows, cols]).unwrap();
            let t = m.t().contiguous();
            assert_eq!(t.shape(), &[cols, rows]);
            let got = t.to_vec();
            for c in 0..cols {
                for r in 0..rows {
                    assert_eq!(got[c * rows + r], (r * cols + c) as f32);
                }
            }
        }
    }
}
