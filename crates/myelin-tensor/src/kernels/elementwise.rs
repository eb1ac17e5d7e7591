//! The one elementwise kernel path: contiguous slices in chunks, split across threads
//! above a size threshold, strided and broadcast layouts through one run iterator.
//! Slices and layouts only; `ops::map` applies these loops to tensors.
//!
//! Closures passed here are inlined into straight loops with no branches of their own,
//! so the compiler vectorises them.

use rayon::prelude::*;

use crate::element::Element;
use crate::kernels::dispatch::{dispatch, Kernel};
use crate::shape::{for_each_run, Layout};
use crate::storage::alloc;

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

/// `out = f(a, b)` over a broadcast shape: `la` and `lb` are the operands' layouts
/// already broadcast to it (stride 0 along broadcast dimensions) over `da` and `db`, and
/// `out` is contiguous. Large outputs are split across threads along the first dimension.
pub(crate) fn broadcast_zip<T: Element, F: Fn(T, T) -> T + Sync>(
    la: &Layout,
    lb: &Layout,
    da: &[T],
    db: &[T],
    out: &mut [T],
    f: &F,
) {
    let shape = &la.shape;
    let numel = out.len();
    let rows = shape.first().copied().unwrap_or(1);
    if numel >= PARALLEL_THRESHOLD && rows >= 2 && shape.len() >= 2 {
        let row_len = numel / rows;
        let rows_per_task = rows.div_ceil(4 * rayon::current_num_threads().max(1));
        par_chunks(out, rows_per_task * row_len, &|at, chunk| {
            let first = at / row_len;
            let count = chunk.len() / row_len;
            let narrow = |l: &Layout| {
                let mut l = l.clone();
                l.offset += first * l.strides[0];
                l.shape[0] = count;
                l
            };
            broadcast_runs(&narrow(la), &narrow(lb), da, db, chunk, f);
        });
    } else {
        broadcast_runs(la, lb, da, db, out, f);
    }
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
pub(crate) struct FixFirst<'a, F, T> {
    pub(crate) f: &'a F,
    pub(crate) x: T,
}
impl<T: Element, F: Fn3<T>> Fn2<T> for FixFirst<'_, F, T> {
    #[inline(always)]
    fn call(&self, y: T, z: T) -> T {
        self.f.call(self.x, y, z)
    }
}

/// A three-argument function with its third argument fixed.
pub(crate) struct FixThird<'a, F, T> {
    pub(crate) f: &'a F,
    pub(crate) z: T,
}
impl<T: Element, F: Fn3<T>> Fn2<T> for FixThird<'_, F, T> {
    #[inline(always)]
    fn call(&self, x: T, y: T) -> T {
        self.f.call(x, y, self.z)
    }
}

/// A three-argument function with its first and third arguments fixed.
pub(crate) struct FixFirstAndThird<'a, F, T> {
    pub(crate) f: &'a F,
    pub(crate) x: T,
    pub(crate) z: T,
}
impl<T: Element, F: Fn3<T>> Fn1<T> for FixFirstAndThird<'_, F, T> {
    #[inline(always)]
    fn call(&self, y: T) -> T {
        self.f.call(self.x, y, self.z)
    }
}

#[cfg(test)]
mod tests {
    use super::gather;
    use crate::shape::Layout;

    #[test]
    fn tiled_transpose_copy_matches_index_arithmetic() {
        for (rows, cols) in [(1, 7), (33, 70), (64, 64), (100, 3)] {
            let values: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
            // The transpose of a row-major [rows, cols] matrix: shape [cols, rows].
            let mut layout = Layout::contiguous(&[cols, rows]);
            layout.strides[0] = 1;
            layout.strides[1] = cols;
            let got = gather(&layout, &values);
            assert_eq!(got.len(), rows * cols);
            for c in 0..cols {
                for r in 0..rows {
                    assert_eq!(got[c * rows + r], (r * cols + c) as f32);
                }
            }
        }
    }
}
