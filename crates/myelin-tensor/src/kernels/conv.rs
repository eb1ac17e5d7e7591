//! Convolution kernels: im2col + GEMM per sample and group, batched over samples with
//! rayon. Three kernels cover a convolution and every derivative of it:
//!
//! - [`conv_forward`]: `y = W ⋆ x (+ b)`;
//! - [`conv_input_grad`]: the adjoint in `x`, `dx = Wᵀ ⋆ dy` (col2im of `Wᵀ·dy`), which
//!   is also the transposed convolution;
//! - [`conv_weight_grad`]: the adjoint in `W`, `dW = Σₙ dyₙ · colsₙᵀ`.
//!
//! All buffers are contiguous NCHW; the weight is `[c_out, c_in/groups, kh, kw]`.

use rayon::prelude::*;

use crate::element::Element;
use crate::kernels::im2col::{col2im, im2col, Im2col, Scratch};
use crate::kernels::matmul::{gemm_into, GemmMode, MatRef};

/// The full shape of one convolution: batch, groups, output channels and the per-group
/// im2col geometry (`geom.c` is the number of input channels per group).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ConvShape {
    pub n: usize,
    pub groups: usize,
    pub c_out: usize,
    pub geom: Im2col,
}

/// Below this many multiply-adds per call, one thread does everything.
const PARALLEL_WORK: usize = 1 << 20;

impl ConvShape {
    /// Input channels.
    pub fn c_in(&self) -> usize {
        self.geom.c * self.groups
    }
    /// Output channels per group.
    fn og(&self) -> usize {
        self.c_out / self.groups
    }
    /// Elements of one input sample.
    pub fn x_len(&self) -> usize {
        self.c_in() * self.geom.h * self.geom.w
    }
    /// Elements of one output sample.
    pub fn y_len(&self) -> usize {
        self.c_out * self.geom.cols()
    }
    /// Elements of the weight.
    pub fn w_len(&self) -> usize {
        self.c_out * self.geom.rows()
    }
    /// Input shape `[n, c_in, h, w]`.
    pub fn x_shape(&self) -> [usize; 4] {
        [self.n, self.c_in(), self.geom.h, self.geom.w]
    }
    /// Output shape `[n, c_out, oh, ow]`.
    pub fn y_shape(&self) -> [usize; 4] {
        [self.n, self.c_out, self.geom.oh, self.geom.ow]
    }
    /// Weight shape `[c_out, c_in/groups, kh, kw]`.
    pub fn w_shape(&self) -> [usize; 4] {
        [self.c_out, self.geom.c, self.geom.kh, self.geom.kw]
    }
    /// Whether to split the batch across threads (each GEMM then runs on one thread).
    fn split_batch(&self) -> bool {
        self.n > 1
            && rayon::current_num_threads() > 1
            && self.n * self.w_len() * self.geom.cols() >= PARALLEL_WORK
    }
    fn mode(&self, accumulate: bool) -> GemmMode {
        GemmMode {
            accumulate,
            serial: self.split_batch(),
        }
    }
}

fn contiguous(offset: usize, row_stride: usize) -> MatRef {
    MatRef {
        offset,
        row_stride,
        col_stride: 1,
    }
}

/// Runs `f(sample_index, out_chunk, scratch)` for each sample, in parallel when it pays.
fn per_sample<T: Element>(
    s: &ConvShape,
    out: &mut [T],
    chunk: usize,
    scratch_len: usize,
    f: impl Fn(usize, &mut [T], &mut [T]) + Sync,
) {
    if s.n == 0 || chunk == 0 {
        return;
    }
    if s.split_batch() {
        out.par_chunks_mut(chunk).enumerate().for_each_init(
            || Scratch::<T>::new(scratch_len),
            |scratch, (i, o)| f(i, o, scratch),
        );
    } else {
        let mut scratch = Scratch::<T>::new(scratch_len);
        for (i, o) in out.chunks_mut(chunk).enumerate() {
            f(i, o, &mut scratch);
        }
    }
}

/// `y[n, c_out, oh, ow] = conv(x, w) + bias`. Every element of `y` is written.
pub(crate) fn conv_forward<T: Element>(
    s: &ConvShape,
    x: &[T],
    w: &[T],
    bias: Option<&[T]>,
    y: &mut [T],
) {
    let g = s.geom;
    let (rows, l, og) = (g.rows(), g.cols(), s.og());
    let identity = g.is_identity();
    let scratch_len = if identity { 0 } else { rows * l };
    let mode = s.mode(false);
    per_sample(s, y, s.y_len(), scratch_len, |n, y_n, cols| {
        let x_n = &x[n * s.x_len()..(n + 1) * s.x_len()];
        for grp in 0..s.groups {
            let x_g = &x_n[grp * g.input_len()..(grp + 1) * g.input_len()];
            let rhs: &[T] = if identity {
                x_g
            } else {
                im2col(&g, x_g, cols);
                cols
            };
            let w_g = contiguous(grp * og * rows, rows);
            let y_g = &mut y_n[grp * og * l..(grp + 1) * og * l];
            gemm_into(og, rows, l, w, w_g, rhs, contiguous(0, l), y_g, mode);
        }
        if let Some(b) = bias {
            for (row, &bv) in y_n.chunks_mut(l.max(1)).zip(b) {
                for v in row {
                    *v = *v + bv;
                }
            }
        }
    });
}

/// `dx[n, c_in, h, w] = col2im(Wᵀ · dy)`: the adjoint of [`conv_forward`] in `x` (and
/// the transposed convolution). Every element of `dx` is written.
pub(crate) fn conv_input_grad<T: Element>(s: &ConvShape, dy: &[T], w: &[T], dx: &mut [T]) {
    let g = s.geom;
    let (rows, l, og) = (g.rows(), g.cols(), s.og());
    let identity = g.is_identity();
    let scratch_len = if identity { 0 } else { rows * l };
    let mode = s.mode(false);
    per_sample(s, dx, s.x_len(), scratch_len, |n, dx_n, cols| {
        let dy_n = &dy[n * s.y_len()..(n + 1) * s.y_len()];
        for grp in 0..s.groups {
            // Wᵀ of the group as strides: element (r, o) is w[(grp·og + o)·rows + r].
            let wt = MatRef {
                offset: grp * og * rows,
                row_stride: 1,
                col_stride: rows,
            };
            let dy_g = contiguous(grp * og * l, l);
            let dx_g = &mut dx_n[grp * g.input_len()..(grp + 1) * g.input_len()];
            if identity {
                gemm_into(rows, og, l, w, wt, dy_n, dy_g, dx_g, mode);
            } else {
                gemm_into(rows, og, l, w, wt, dy_n, dy_g, cols, mode);
                dx_g.fill(T::zero());
                col2im(&g, cols, dx_g);
            }
        }
    });
}

/// `dw[c_out, c_in/groups, kh, kw] = Σₙ dyₙ · im2col(xₙ)ᵀ`: the adjoint of
/// [`conv_forward`] in `w`. Every element of `dw` is written.
pub(crate) fn conv_weight_grad<T: Element>(s: &ConvShape, x: &[T], dy: &[T], dw: &mut [T]) {
    let g = s.geom;
    let (rows, l, og) = (g.rows(), g.cols(), s.og());
    let identity = g.is_identity();
    let scratch_len = if identity { 0 } else { rows * l };
    // Samples `range` accumulated into `acc` (a whole weight-sized buffer).
    let accumulate = |range: std::ops::Range<usize>, acc: &mut [T], mode: GemmMode| {
        let mut cols = Scratch::<T>::new(scratch_len);
        for n in range {
            let x_n = &x[n * s.x_len()..(n + 1) * s.x_len()];
            let dy_n = &dy[n * s.y_len()..(n + 1) * s.y_len()];
            for grp in 0..s.groups {
                let x_g = &x_n[grp * g.input_len()..(grp + 1) * g.input_len()];
                let patches: &[T] = if identity {
                    x_g
                } else {
                    im2col(&g, x_g, &mut cols);
                    &cols
                };
                // colsᵀ as strides: element (p, r) is cols[r·l + p].
                let cols_t = MatRef {
                    offset: 0,
                    row_stride: 1,
                    col_stride: l,
                };
                let dw_g = &mut acc[grp * og * rows..(grp + 1) * og * rows];
                let dy_g = contiguous(grp * og * l, l);
                gemm_into(og, l, rows, dy_n, dy_g, patches, cols_t, dw_g, mode);
            }
        }
    };
    dw.fill(T::zero());
    if s.n == 0 {
        return;
    }
    if s.split_batch() {
        let parts = rayon::current_num_threads().min(s.n);
        let per = s.n.div_ceil(parts);
        let partials: Vec<Scratch<T>> = (0..parts)
            .into_par_iter()
            .map(|p| {
                let mut acc = Scratch::<T>::zeroed(dw.len());
                accumulate(
                    p * per..((p + 1) * per).min(s.n),
                    &mut acc,
                    GemmMode {
                        accumulate: true,
                        serial: true,
                    },
                );
                acc
            })
            .collect();
        for part in &partials {
            for (d, &v) in dw.iter_mut().zip(part.iter()) {
                *d = *d + v;
            }
        }
    } else {
        accumulate(
            0..s.n,
            dw,
            GemmMode {
                accumulate: true,
                serial: false,
            },
        );
    }
}

/// `cols[n] = im2col(x[n])` for every sample (`F.unfold`); every element is written.
pub(crate) fn unfold_batch<T: Element>(g: &Im2col, n: usize, x: &[T], cols: &mut [T]) {
    let (xl, cl) = (g.input_len(), g.rows() * g.cols());
    if n == 0 || cl == 0 {
        return;
    }
    let body = |(i, c): (usize, &mut [T])| im2col(g, &x[i * xl..(i + 1) * xl], c);
    if n > 1 && cols.len() >= 1 << 16 {
        cols.par_chunks_mut(cl).enumerate().for_each(body);
    } else {
        cols.chunks_mut(cl).enumerate().for_each(body);
    }
}

/// `x[n] = col2im(cols[n])` for every sample (`F.fold`); every element is written.
pub(crate) fn fold_batch<T: Element>(g: &Im2col, n: usize, cols: &[T], x: &mut [T]) {
    let (xl, cl) = (g.input_len(), g.rows() * g.cols());
    x.fill(T::zero());
    if n == 0 || xl == 0 {
        return;
    }
    let body = |(i, xi): (usize, &mut [T])| col2im(g, &cols[i * cl..(i + 1) * cl], xi);
    if n > 1 && x.len() >= 1 << 16 {
        x.par_chunks_mut(xl).enumerate().for_each(body);
    } else {
        x.chunks_mut(xl).enumerate().for_each(body);
    }
}
