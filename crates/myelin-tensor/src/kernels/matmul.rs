//! Matrix multiplication: the `gemm` crate for real sizes, a direct loop for tiny ones
//! (where the GEMM's packing and dispatch cost more than the arithmetic).

use gemm::{gemm, Parallelism};

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

/// `dst[m×n] (contiguous) = lhs[m×k] · rhs[k×n]`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul_into<T: Element>(
    m: usize,
    k: usize,
    n: usize,
    lhs_data: &[T],
    lhs: MatRef,
    rhs_data: &[T],
    rhs: MatRef,
    dst: &mut [T],
) {
    gemm_into(
        m,
        k,
        n,
        lhs_data,
        lhs,
        rhs_data,
        rhs,
        dst,
        GemmMode::default(),
    );
}

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
    // SAFETY: every pointer/stride pair addresses elements inside its slice: the
    // callers derive (offset, strides) from layouts validated against these buffers, and
    // `dst` is an exclusive contiguous m×n buffer.
    unsafe {
        gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            mode.accumulate,
            lhs_data.as_ptr().add(lhs.offset),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs_data.as_ptr().add(rhs.offset),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            if mode.accumulate { T::one() } else { T::zero() },
            T::one(),
            false,
            false,
            false,
            parallelism,
        );
    }
}
