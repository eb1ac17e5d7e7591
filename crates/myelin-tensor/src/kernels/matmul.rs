//! Matrix multiplication: the `gemm` crates for real sizes, a direct loop for tiny ones
//! (where the GEMM's packing and dispatch cost more than the arithmetic).
//!
//! We call `gemm-f32` / `gemm-f64` directly rather than the `gemm` facade: the facade
//! also compiles the complex and f16 kernels (about a fifth of a clean build's time), which
//! we never use. Both choose AVX-512 / FMA / scalar code at run time on their own.

use std::any::TypeId;

use gemm_common::Parallelism;

use crate::element::Element;

/// A strided matrix operand: element (i, j) is at `data[offset + i*row_stride + j*col_stride]`.
#[derive(Clone, Copy)]
pub(crate) struct MatRef {
    pub offset: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

/// Below this many multiply-adds the direct loop wins.
const TINY: usize = 16 * 16 * 16;
/// Below this many multiply-adds one thread wins (measured: a 64×128×128 product takes
/// 20 µs on one thread and 30 µs split over two, the wake-up costs more than it saves).
const SERIAL: usize = 192 * 192 * 192;

/// How [`gemm_into`] writes and whether it may use threads.
#[derive(Clone, Copy, Default)]
pub(crate) struct GemmMode {
    /// `dst += lhs·rhs` instead of `dst = lhs·rhs`.
    pub accumulate: bool,
    /// Keep to the calling thread (the caller already splits work across threads).
    pub serial: bool,
}

/// `dst[m×n] (contiguous) (+)= lhs[m×k] · rhs[k×n]`, as `mode` says.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_into<T: Element>(
    m: usize,
    k: usize,
    n: usize,
    lhs_data: &[T],
    lhs: MatRef,
    rhs_data: &[T],
    rhs: MatRef,
    dst: &mut [T],
    mode: GemmMode,
) {
    debug_assert_eq!(dst.len(), m * n);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !mode.accumulate {
            dst.fill(T::zero());
        }
        return;
    }
    let work = m * n * k;
    if work <= TINY {
        for i in 0..m {
            for j in 0..n {
                let mut acc = if mode.accumulate {
                    dst[i * n + j]
                } else {
                    T::zero()
                };
                for p in 0..k {
                    acc = acc
                        + lhs_data[lhs.offset + i * lhs.row_stride + p * lhs.col_stride]
                            * rhs_data[rhs.offset + p * rhs.row_stride + j * rhs.col_stride];
                }
                dst[i * n + j] = acc;
            }
        }
        return;
    }
    let parallelism = if mode.serial || work <= SERIAL {
        Parallelism::None
    } else {
        Parallelism::Rayon(0)
    };
    // The microkernels want a column-major destination; ours is row-major, so compute
    // dstᵀ = rhsᵀ · lhsᵀ (what the `gemm` facade does): swap the operands and exchange
    // every row stride with its column stride.
    let dst_ptr = dst.as_mut_ptr();
    // SAFETY: every pointer/stride pair addresses elements inside its slice: the
    // callers derive (offset, strides) from layouts validated against these buffers, and
    // `dst` is an exclusive contiguous m×n buffer (column-major n×m: column stride n, row
    // stride 1). `T` is f32 or f64 (checked by TypeId), so the casts are identities.
    unsafe {
        macro_rules! call {
            ($ty:ty, $get:path) => {
                // (m, n, k, dst, dst column stride, dst row stride, read dst,
                //  lhs, its column and row strides, rhs, its column and row strides, ...)
                $get()(
                    n,
                    m,
                    k,
                    dst_ptr as *mut $ty,
                    n as isize,
                    1,
                    mode.accumulate,
                    (rhs_data.as_ptr() as *const $ty).add(rhs.offset),
                    rhs.row_stride as isize,
                    rhs.col_stride as isize,
                    (lhs_data.as_ptr() as *const $ty).add(lhs.offset),
                    lhs.row_stride as isize,
                    lhs.col_stride as isize,
                    if mode.accumulate { 1.0 } else { 0.0 },
                    1.0,
                    false,
                    false,
                    false,
                    parallelism,
                )
            };
        }
        if TypeId::of::<T>() == TypeId::of::<f32>() {
            call!(f32, gemm_f32::gemm::f32::get_gemm_fn);
        } else if TypeId::of::<T>() == TypeId::of::<f64>() {
            call!(f64, gemm_f64::gemm::f64::get_gemm_fn);
        } else {
            unreachable!("Element is implemented for f32 and f64 only");
        }
    }
}
