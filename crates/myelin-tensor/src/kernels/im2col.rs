//! im2col / col2im: the patch matrix of a convolution, and its adjoint.
//!
//! For one sample `x` of shape `[c, h, w]` (contiguous), `im2col` writes the matrix
//! `cols[c·kh·kw, oh·ow]` whose row `(ci, ki, kj)` holds, for every output position
//! `(oy, ox)`, the input element `x[ci, oy·sh + ki·dh − pt, ox·sw + kj·dw − pl]` (zero
//! where that falls in the padding). The row order is PyTorch's `F.unfold` order.
//! `col2im` is the exact adjoint: it adds every entry of `cols` back onto the input
//! position it was read from (PyTorch's `F.fold`).

use crate::element::Element;
use crate::storage::{alloc, Storage};

/// The geometry of one im2col: input plane size, kernel, stride, leading padding,
/// dilation and the output grid. Trailing padding only matters for the output size,
/// which is given explicitly (`oh`, `ow`), so a transposed convolution can ask for any
/// grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Im2col {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub pt: usize,
    pub pl: usize,
    pub dh: usize,
    pub dw: usize,
    pub oh: usize,
    pub ow: usize,
}

impl Im2col {
    /// Rows of the patch matrix: `c·kh·kw`.
    pub fn rows(&self) -> usize {
        self.c * self.kh * self.kw
    }
    /// Columns of the patch matrix: `oh·ow`.
    pub fn cols(&self) -> usize {
        self.oh * self.ow
    }
    /// Elements of one input sample: `c·h·w`.
    pub fn input_len(&self) -> usize {
        self.c * self.h * self.w
    }
    /// Whether the patch matrix *is* the input (1×1 kernel, stride 1, no padding), so
    /// the copy can be skipped.
    pub fn is_identity(&self) -> bool {
        self.kh == 1
            && self.kw == 1
            && self.sh == 1
            && self.sw == 1
            && self.pt == 0
            && self.pl == 0
            && self.oh == self.h
            && self.ow == self.w
    }
}

/// The output indices `o < out` with `0 ≤ o·stride + offset < size`, as a range.
fn valid_range(offset: isize, stride: usize, size: usize, out: usize) -> (usize, usize) {
    let s = stride as isize;
    let lo = if offset >= 0 {
        0
    } else {
        ((-offset + s - 1) / s) as usize
    };
    let room = size as isize - offset;
    let hi = if room <= 0 {
        0
    } else {
        ((room + s - 1) / s) as usize
    };
    let hi = hi.min(out);
    (lo.min(hi), hi)
}

/// Calls `row_fn(row_index, ki, kj, plane)` for every (channel, kernel offset) row and
/// walks its valid spans: `span(oy, iy, ox0, ox1, ix0)` for each output row `oy` whose
/// input row `iy` exists, where outputs `ox0..ox1` read inputs `ix0, ix0 + sw, …`.
#[inline(always)]
fn for_each_span(g: &Im2col, mut span: impl FnMut(usize, usize, usize, usize, usize, usize)) {
    for row in 0..g.rows() {
        let ci = row / (g.kh * g.kw);
        let ki = (row / g.kw) % g.kh;
        let kj = row % g.kw;
        let off_w = (kj * g.dw) as isize - g.pl as isize;
        let (ox0, ox1) = valid_range(off_w, g.sw, g.w, g.ow);
        let off_h = (ki * g.dh) as isize - g.pt as isize;
        let (oy0, oy1) = valid_range(off_h, g.sh, g.h, g.oh);
        for oy in oy0..oy1 {
            let iy = (oy * g.sh) as isize + off_h;
            let ix0 = (ox0 * g.sw) as isize + off_w;
            span(
                row,
                ci * g.h * g.w + iy as usize * g.w,
                oy,
                ox0,
                ox1,
                ix0.max(0) as usize,
            );
        }
    }
}

/// Writes the patch matrix of `x` (`[c, h, w]`) into `cols` (`[c·kh·kw, oh·ow]`); every
/// element of `cols` is written.
pub(crate) fn im2col<T: Element>(g: &Im2col, x: &[T], cols: &mut [T]) {
    debug_assert_eq!(x.len(), g.input_len());
    debug_assert_eq!(cols.len(), g.rows() * g.cols());
    cols.fill(T::zero());
    let (ow, l, sw) = (g.ow, g.cols(), g.sw);
    for_each_span(g, |row, in_row, oy, ox0, ox1, ix0| {
        let dst = &mut cols[row * l + oy * ow + ox0..row * l + oy * ow + ox1];
        let src = &x[in_row..in_row + g.w];
        if sw == 1 {
            dst.copy_from_slice(&src[ix0..ix0 + dst.len()]);
        } else {
            for (i, d) in dst.iter_mut().enumerate() {
                *d = src[ix0 + i * sw];
            }
        }
    });
}

/// Adds every entry of `cols` (`[c·kh·kw, oh·ow]`) onto the element of `x` (`[c, h, w]`)
/// it was read from: the adjoint of [`im2col`]. `x` is accumulated into, not cleared.
pub(crate) fn col2im<T: Element>(g: &Im2col, cols: &[T], x: &mut [T]) {
    debug_assert_eq!(x.len(), g.input_len());
    debug_assert_eq!(cols.len(), g.rows() * g.cols());
    let (ow, l, sw) = (g.ow, g.cols(), g.sw);
    for_each_span(g, |row, in_row, oy, ox0, ox1, ix0| {
        let src = &cols[row * l + oy * ow + ox0..row * l + oy * ow + ox1];
        let dst = &mut x[in_row..in_row + g.w];
        if sw == 1 {
            for (d, &s) in dst[ix0..ix0 + src.len()].iter_mut().zip(src) {
                *d = *d + s;
            }
        } else {
            for (i, &s) in src.iter().enumerate() {
                dst[ix0 + i * sw] = dst[ix0 + i * sw] + s;
            }
        }
    });
}

/// A scratch buffer taken from the buffer pool and handed back to it when dropped, so
/// a training loop that repeats the same shapes allocates no new scratch after its
/// first step.
pub(crate) struct Scratch<T: Element>(Vec<T>);

impl<T: Element> Scratch<T> {
    /// `len` elements, contents unspecified.
    pub fn new(len: usize) -> Self {
        Scratch(alloc(len))
    }
    /// `len` zeros.
    pub fn zeroed(len: usize) -> Self {
        let mut s = Scratch::new(len);
        s.0.fill(T::zero());
        s
    }
}

impl<T: Element> std::ops::Deref for Scratch<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Element> std::ops::DerefMut for Scratch<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T: Element> Drop for Scratch<T> {
    fn drop(&mut self) {
        // A dropped storage hands its buffer to the pool.
        drop(Storage::new(std::mem::take(&mut self.0)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geom(h: usize, w: usize, k: usize, s: usize, p: usize, d: usize) -> Im2col {
        let o = |n: usize| (n + 2 * p - d * (k - 1) - 1) / s + 1;
        Im2col {
            c: 2,
            h,
            w,
            kh: k,
            kw: k,
            sh: s,
            sw: s,
            pt: p,
            pl: p,
            dh: d,
            dw: d,
            oh: o(h),
            ow: o(w),
        }
    }

    /// The patch matrix element by element from the definition.
    fn naive(g: &Im2col, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; g.rows() * g.cols()];
        for ci in 0..g.c {
            for ki in 0..g.kh {
                for kj in 0..g.kw {
                    let row = (ci * g.kh + ki) * g.kw + kj;
                    for oy in 0..g.oh {
                        for ox in 0..g.ow {
                            let iy = (oy * g.sh + ki * g.dh) as isize - g.pt as isize;
                            let ix = (ox * g.sw + kj * g.dw) as isize - g.pl as isize;
                            if iy >= 0 && ix >= 0 && (iy as usize) < g.h && (ix as usize) < g.w {
                                out[row * g.cols() + oy * g.ow + ox] =
                                    x[ci * g.h * g.w + iy as usize * g.w + ix as usize];
                            }
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn im2col_matches_the_definition_and_col2im_is_its_adjoint() {
        for &(h, w, k, s, p, d) in &[
            (5, 7, 3, 1, 1, 1),
            (6, 5, 3, 2, 1, 1),
            (7, 7, 2, 3, 0, 2),
            (4, 9, 3, 2, 2, 2),
            (3, 3, 1, 1, 0, 1),
        ] {
            let g = geom(h, w, k, s, p, d);
            let x: Vec<f64> = (0..g.input_len()).map(|i| (i as f64).sin()).collect();
            let mut cols = vec![f64::NAN; g.rows() * g.cols()];
            im2col(&g, &x, &mut cols);
            assert_eq!(cols, naive(&g, &x), "{g:?}");
            // <im2col(x), c> == <x, col2im(c)>
            let c: Vec<f64> = (0..cols.len()).map(|i| (i as f64 * 0.37).cos()).collect();
            let mut back = vec![0.0; x.len()];
            col2im(&g, &c, &mut back);
            let lhs: f64 = cols.iter().zip(&c).map(|(a, b)| a * b).sum();
            let rhs: f64 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
            assert!((lhs - rhs).abs() < 1e-9, "{g:?}: {lhs} vs {rhs}");
        }
    }
}
