//! Pooling kernels over `[planes, h, w]` buffers (a plane is one (sample, channel)):
//! max pooling with argmax indices, and window means (average and adaptive average
//! pooling) with their adjoint.

use rayon::prelude::*;

use crate::element::Element;

/// Above this many output elements, planes are split across threads.
const PARALLEL_LEN: usize = 1 << 15;

/// Runs `f(plane_index, out_plane)` over every plane, in parallel when large.
fn per_plane<T: Send>(out: &mut [T], plane: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    if plane == 0 {
        return;
    }
    if out.len() >= PARALLEL_LEN {
        out.par_chunks_mut(plane)
            .enumerate()
            .for_each(|(p, o)| f(p, o));
    } else {
        out.chunks_mut(plane).enumerate().for_each(|(p, o)| f(p, o));
    }
}

/// The geometry of a max pooling over one plane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MaxPoolGeom {
    pub h: usize,
    pub w: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub ph: usize,
    pub pw: usize,
    pub dh: usize,
    pub dw: usize,
    pub oh: usize,
    pub ow: usize,
}

/// Max over every window, with the flat index `iy·w + ix` of the maximum within its
/// plane (PyTorch's `return_indices`). The first maximum wins ties; a NaN wins over
/// everything (PyTorch propagates NaN). Every element of `out` and `idx` is written.
pub(crate) fn max_pool<T: Element>(g: &MaxPoolGeom, x: &[T], out: &mut [T], idx: &mut [usize]) {
    let (plane_in, plane_out) = (g.h * g.w, g.oh * g.ow);
    if plane_out == 0 {
        return;
    }
    // Argmax first (in parallel), then the values from it.
    per_plane(idx, plane_out, |p, idx_p| {
        let x_p = &x[p * plane_in..(p + 1) * plane_in];
        for oy in 0..g.oh {
            for ox in 0..g.ow {
                let mut best = usize::MAX;
                let mut best_v = T::neg_infinity();
                for ki in 0..g.kh {
                    let iy = (oy * g.sh + ki * g.dh) as isize - g.ph as isize;
                    if iy < 0 || iy as usize >= g.h {
                        continue;
                    }
                    for kj in 0..g.kw {
                        let ix = (ox * g.sw + kj * g.dw) as isize - g.pw as isize;
                        if ix < 0 || ix as usize >= g.w {
                            continue;
                        }
                        let at = iy as usize * g.w + ix as usize;
                        let v = x_p[at];
                        if best == usize::MAX || v > best_v || (v.is_nan() && !best_v.is_nan()) {
                            best = at;
                            best_v = v;
                        }
                    }
                }
                // Geometry checks guarantee every window holds at least one element.
                idx_p[oy * g.ow + ox] = best;
            }
        }
    });
    for (p, (o, i)) in out
        .chunks_mut(plane_out)
        .zip(idx.chunks(plane_out))
        .enumerate()
    {
        let x_p = &x[p * plane_in..(p + 1) * plane_in];
        for (o, &i) in o.iter_mut().zip(i) {
            *o = x_p[i];
        }
    }
}

/// The windows of a mean pooling along one axis: output `o` averages inputs
/// `start[o]..end[o]`, and contributes `count[o]` to the divisor (the divisor of an
/// output is the product over both axes, unless overridden).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Windows {
    pub start: Vec<usize>,
    pub end: Vec<usize>,
    pub count: Vec<usize>,
}

/// The geometry of a window mean over one plane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MeanGeom {
    pub h: usize,
    pub w: usize,
    pub rows: Windows,
    pub cols: Windows,
    pub divisor_override: Option<usize>,
}

impl MeanGeom {
    pub fn oh(&self) -> usize {
        self.rows.start.len()
    }
    pub fn ow(&self) -> usize {
        self.cols.start.len()
    }
    fn scale<T: Element>(&self, oy: usize, ox: usize) -> T {
        let d = self
            .divisor_override
            .unwrap_or(self.rows.count[oy] * self.cols.count[ox]);
        T::one() / T::from_f64(d as f64)
    }
}

/// `out[p, oy, ox]` = the sum of its window divided by its divisor. Every element of
/// `out` is written.
pub(crate) fn window_mean<T: Element>(g: &MeanGeom, x: &[T], out: &mut [T]) {
    let (plane_in, ow) = (g.h * g.w, g.ow());
    per_plane(out, g.oh() * ow, |p, o| {
        let x_p = &x[p * plane_in..(p + 1) * plane_in];
        for oy in 0..g.oh() {
            for ox in 0..ow {
                let mut acc = T::zero();
                for iy in g.rows.start[oy]..g.rows.end[oy] {
                    let row = &x_p[iy * g.w..(iy + 1) * g.w];
                    for &v in &row[g.cols.start[ox]..g.cols.end[ox]] {
                        acc = acc + v;
                    }
                }
                o[oy * ow + ox] = acc * g.scale::<T>(oy, ox);
            }
        }
    });
}

/// The adjoint of [`window_mean`]: every output gradient spread evenly (by the same
/// divisor) over its window. Every element of `dx` is written.
pub(crate) fn window_mean_adjoint<T: Element>(g: &MeanGeom, dy: &[T], dx: &mut [T]) {
    let (plane_out, ow) = (g.oh() * g.ow(), g.ow());
    per_plane(dx, g.h * g.w, |p, d| {
        d.fill(T::zero());
        let dy_p = &dy[p * plane_out..(p + 1) * plane_out];
        for oy in 0..g.oh() {
            for ox in 0..ow {
                let v = dy_p[oy * ow + ox] * g.scale::<T>(oy, ox);
                for iy in g.rows.start[oy]..g.rows.end[oy] {
                    let row = &mut d[iy * g.w..(iy + 1) * g.w];
                    for r in &mut row[g.cols.start[ox]..g.cols.end[ox]] {
                        *r = *r + v;
                    }
                }
            }
        }
    });
}
