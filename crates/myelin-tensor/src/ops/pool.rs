//! Pooling over NCL / NCHW inputs, PyTorch's semantics: `max_pool1d/2d` (with optional
//! indices), `avg_pool1d/2d` and `adaptive_avg_pool1d/2d`. 1-D pools run as 2-D ones
//! over a height-1 plane.
//!
//! Max pooling's backward sends each output gradient to the input element that won
//! its window (`scatter_add` over the saved indices), itself differentiable. Average
//! pools are linear window means; the forward and its adjoint are each other's
//! backward, so gradients of any order work.

use std::sync::Arc;

use crate::autograd::node::{BackwardCtx, BackwardOp};
use crate::element::Element;
use crate::error::{or_panic, Result};
use crate::kernels::pool::{
    max_pool, window_mean, window_mean_adjoint, MaxPoolGeom, MeanGeom, Windows,
};
use crate::ops::conv::{arg_err, batched, check_positive, shape_err, Spatial};
use crate::ops::map::contiguous_values;
use crate::storage::alloc;
use crate::tensor::Tensor;

type Grads<T> = Result<Vec<Option<Tensor<T>>>>;

/// Options of a max pooling (PyTorch's `kernel_size`, `stride` — default the kernel
/// size —, `padding`, `dilation`, `ceil_mode`); see [`MaxPool1dOptions`],
/// [`MaxPool2dOptions`].
///
/// ```
/// use myelin_tensor::MaxPool2dOptions;
/// let o = MaxPool2dOptions::new(3).stride(2).padding(1).ceil_mode(true);
/// assert_eq!((o.kernel_size, o.stride, o.padding), ([3, 3], [2, 2], [1, 1]));
/// assert_eq!(MaxPool2dOptions::new((2, 3)).stride, [2, 3]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPoolOptions<const D: usize> {
    /// Window size.
    pub kernel_size: [usize; D],
    /// Step between windows (default: the kernel size).
    pub stride: [usize; D],
    /// Implicit −∞ padding on both sides (at most half the effective kernel size).
    pub padding: [usize; D],
    /// Spacing between window taps (default 1).
    pub dilation: [usize; D],
    /// Round the output size up instead of down (windows starting in the right
    /// padding are dropped, as in PyTorch).
    pub ceil_mode: bool,
}

/// Options of [`Tensor::max_pool1d`].
pub type MaxPool1dOptions = MaxPoolOptions<1>;
/// Options of [`Tensor::max_pool2d`].
pub type MaxPool2dOptions = MaxPoolOptions<2>;

impl<const D: usize> MaxPoolOptions<D> {
    /// Windows of `kernel_size`, stride = kernel size, no padding.
    pub fn new(kernel_size: impl Into<Spatial<D>>) -> Self {
        let k = kernel_size.into().0;
        MaxPoolOptions {
            kernel_size: k,
            stride: k,
            padding: [0; D],
            dilation: [1; D],
            ceil_mode: false,
        }
    }
    /// Sets the stride.
    pub fn stride(mut self, v: impl Into<Spatial<D>>) -> Self {
        self.stride = v.into().0;
        self
    }
    /// Sets the padding.
    pub fn padding(mut self, v: impl Into<Spatial<D>>) -> Self {
        self.padding = v.into().0;
        self
    }
    /// Sets the dilation.
    pub fn dilation(mut self, v: impl Into<Spatial<D>>) -> Self {
        self.dilation = v.into().0;
        self
    }
    /// Sets `ceil_mode`.
    pub fn ceil_mode(mut self, v: bool) -> Self {
        self.ceil_mode = v;
        self
    }
}

/// Options of an average pooling (PyTorch's `kernel_size`, `stride` — default the
/// kernel size —, `padding`, `ceil_mode`, `count_include_pad` — default true —,
/// `divisor_override`); see [`AvgPool1dOptions`], [`AvgPool2dOptions`].
///
/// ```
/// use myelin_tensor::AvgPool2dOptions;
/// let o = AvgPool2dOptions::new(2).padding(1).count_include_pad(false);
/// assert!(!o.count_include_pad && o.divisor_override.is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvgPoolOptions<const D: usize> {
    /// Window size.
    pub kernel_size: [usize; D],
    /// Step between windows (default: the kernel size).
    pub stride: [usize; D],
    /// Implicit zero padding on both sides (at most half the kernel size).
    pub padding: [usize; D],
    /// Round the output size up instead of down.
    pub ceil_mode: bool,
    /// Whether padded zeros count in the divisor (default true, as in PyTorch).
    pub count_include_pad: bool,
    /// Divide every window sum by this instead.
    pub divisor_override: Option<usize>,
}

/// Options of [`Tensor::avg_pool1d`].
pub type AvgPool1dOptions = AvgPoolOptions<1>;
/// Options of [`Tensor::avg_pool2d`].
pub type AvgPool2dOptions = AvgPoolOptions<2>;

impl<const D: usize> AvgPoolOptions<D> {
    /// Windows of `kernel_size`, stride = kernel size, no padding.
    pub fn new(kernel_size: impl Into<Spatial<D>>) -> Self {
        let k = kernel_size.into().0;
        AvgPoolOptions {
            kernel_size: k,
            stride: k,
            padding: [0; D],
            ceil_mode: false,
            count_include_pad: true,
            divisor_override: None,
        }
    }
    /// Sets the stride.
    pub fn stride(mut self, v: impl Into<Spatial<D>>) -> Self {
        self.stride = v.into().0;
        self
    }
    /// Sets the padding.
    pub fn padding(mut self, v: impl Into<Spatial<D>>) -> Self {
        self.padding = v.into().0;
        self
    }
    /// Sets `ceil_mode`.
    pub fn ceil_mode(mut self, v: bool) -> Self {
        self.ceil_mode = v;
        self
    }
    /// Sets `count_include_pad`.
    pub fn count_include_pad(mut self, v: bool) -> Self {
        self.count_include_pad = v;
        self
    }
    /// Sets `divisor_override`.
    pub fn divisor_override(mut self, v: usize) -> Self {
        self.divisor_override = Some(v);
        self
    }
}

/// PyTorch's `pooling_output_shape`, with its checks: padding at most half the
/// effective kernel, and an output of at least one element.
#[allow(clippy::too_many_arguments)]
fn pool_out(
    op: &'static str,
    shape: &[usize],
    size: usize,
    k: usize,
    s: usize,
    p: usize,
    d: usize,
    ceil: bool,
) -> Result<usize> {
    let span = d * (k - 1) + 1;
    if 2 * p > span {
        return Err(arg_err(
            op,
            format!("input {shape:?}: padding {p} must be at most half the effective kernel size {span}"),
        ));
    }
    let room = (size + 2 * p) as i64 - span as i64;
    let s = s as i64;
    let mut out = if ceil {
        (room + s - 1).div_euclid(s) + 1
    } else {
        room.div_euclid(s) + 1
    };
    if ceil && (out - 1) * s >= (size + p) as i64 {
        out -= 1;
    }
    if out <= 0 {
        return Err(shape_err(
            op,
            format!("input {shape:?}: the window (kernel {k}, dilation {d}) is larger than the padded input ({size} + 2·{p}); the output size would be {out} (≤ 0)"),
        ));
    }
    Ok(out as usize)
}

/// Validates a pool's options and gives (planes, [h, w], per-axis (k, s, p, d, out)),
/// with a 1-D pool mapped onto height 1.
struct PoolAxes {
    planes: usize,
    h: usize,
    w: usize,
    /// (kernel, stride, padding, dilation, output) per axis.
    axes: [(usize, usize, usize, usize, usize); 2],
}

#[allow(clippy::too_many_arguments)]
fn pool_axes<const D: usize>(
    op: &'static str,
    x: &Tensor<impl Element>,
    k: [usize; D],
    s: [usize; D],
    p: [usize; D],
    d: [usize; D],
    ceil: bool,
) -> Result<PoolAxes> {
    check_positive(op, "kernel_size", &k)?;
    check_positive(op, "stride", &s)?;
    check_positive(op, "dilation", &d)?;
    let shape = x.shape();
    let spatial = &shape[2..];
    let mut axes = [(1, 1, 0, 1, 1); 2];
    for a in 0..D {
        let out = pool_out(op, shape, spatial[a], k[a], s[a], p[a], d[a], ceil)?;
        axes[2 - D + a] = (k[a], s[a], p[a], d[a], out);
    }
    let (h, w) = if D == 1 {
        (1, spatial[0])
    } else {
        (spatial[0], spatial[1])
    };
    Ok(PoolAxes {
        planes: shape[0] * shape[1],
        h,
        w,
        axes,
    })
}

/// The output shape: `x`'s with the spatial dims replaced.
fn out_shape(x: &[usize], spatial: &[usize]) -> Vec<usize> {
    let mut s = x[..2].to_vec();
    s.extend_from_slice(spatial);
    s
}

fn unbatch<T: Element>(y: Tensor<T>, unbatched: bool) -> Result<Tensor<T>> {
    if unbatched {
        y.try_squeeze(0)
    } else {
        Ok(y)
    }
}

// ----- max pooling ---------------------------------------------------------------------

struct MaxPoolBackward {
    indices: Arc<Vec<usize>>,
    planes: usize,
    plane_in: usize,
}
impl<T: Element> BackwardOp<T> for MaxPoolBackward {
    fn name(&self) -> &'static str {
        "max_pool"
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        let plane_out = self.indices.len() / self.planes.max(1);
        let dx = g
            .try_reshape(&[self.planes, plane_out])?
            .scatter_add(1, &self.indices, self.plane_in)?
            .try_reshape(ctx.input(0).shape())?;
        Ok(vec![Some(dx)])
    }
}

fn max_pool_nd<T: Element, const D: usize>(
    op: &'static str,
    x: &Tensor<T>,
    o: &MaxPoolOptions<D>,
) -> Result<(Tensor<T>, Vec<usize>)> {
    let (x, unbatched) = batched(op, x, D)?;
    let a = pool_axes(
        op,
        &x,
        o.kernel_size,
        o.stride,
        o.padding,
        o.dilation,
        o.ceil_mode,
    )?;
    let [(kh, sh, ph, dh, oh), (kw, sw, pw, dw, ow)] = a.axes;
    let g = MaxPoolGeom {
        h: a.h,
        w: a.w,
        kh,
        kw,
        sh,
        sw,
        ph,
        pw,
        dh,
        dw,
        oh,
        ow,
    };
    let n_out = a.planes * oh * ow;
    let mut out = alloc(n_out);
    let mut idx = vec![0usize; n_out];
    max_pool(&g, &contiguous_values(&x), &mut out, &mut idx);
    let spatial: Vec<usize> = if D == 1 { vec![ow] } else { vec![oh, ow] };
    let y = Tensor::from_data(out, &out_shape(x.shape(), &spatial));
    let indices = Arc::new(idx);
    let saved = Arc::clone(&indices);
    let y = Tensor::record(y, &[&x], move || MaxPoolBackward {
        indices: saved,
        planes: a.planes,
        plane_in: a.h * a.w,
    });
    let indices = Arc::try_unwrap(indices).unwrap_or_else(|shared| (*shared).clone());
    Ok((unbatch(y, unbatched)?, indices))
}

// ----- window means ----------------------------------------------------------------------

fn mean_raw<T: Element>(
    g: Arc<MeanGeom>,
    planes: usize,
    x: &Tensor<T>,
    shape: &[usize],
) -> Tensor<T> {
    let mut out = alloc(planes * g.oh() * g.ow());
    window_mean(&g, &contiguous_values(x), &mut out);
    let y = Tensor::from_data(out, shape);
    let in_shape = x.shape().to_vec();
    Tensor::record(y, &[x], move || WindowMeanBackward {
        g,
        planes,
        in_shape,
    })
}

fn mean_adjoint_raw<T: Element>(
    g: Arc<MeanGeom>,
    planes: usize,
    dy: &Tensor<T>,
    shape: &[usize],
) -> Tensor<T> {
    let mut out = alloc(planes * g.h * g.w);
    window_mean_adjoint(&g, &contiguous_values(dy), &mut out);
    let dx = Tensor::from_data(out, shape);
    let out_shape = dy.shape().to_vec();
    Tensor::record(dx, &[dy], move || WindowMeanAdjointBackward {
        g,
        planes,
        out_shape,
    })
}

struct WindowMeanBackward {
    g: Arc<MeanGeom>,
    planes: usize,
    in_shape: Vec<usize>,
}
impl<T: Element> BackwardOp<T> for WindowMeanBackward {
    fn name(&self) -> &'static str {
        "avg_pool"
    }
    fn backward(&self, _ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        Ok(vec![Some(mean_adjoint_raw(
            Arc::clone(&self.g),
            self.planes,
            g,
            &self.in_shape,
        ))])
    }
}

struct WindowMeanAdjointBackward {
    g: Arc<MeanGeom>,
    planes: usize,
    out_shape: Vec<usize>,
}
impl<T: Element> BackwardOp<T> for WindowMeanAdjointBackward {
    fn name(&self) -> &'static str {
        "avg_pool_backward"
    }
    fn backward(&self, _ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        Ok(vec![Some(mean_raw(
            Arc::clone(&self.g),
            self.planes,
            g,
            &self.out_shape,
        ))])
    }
}

/// Average-pool windows along one axis (PyTorch's start/end/divisor rules).
fn avg_windows(
    size: usize,
    k: usize,
    s: usize,
    p: usize,
    out: usize,
    include_pad: bool,
) -> Windows {
    let mut w = Windows {
        start: Vec::with_capacity(out),
        end: Vec::with_capacity(out),
        count: Vec::with_capacity(out),
    };
    for o in 0..out {
        let start = (o * s) as i64 - p as i64;
        let end = (start + k as i64).min((size + p) as i64);
        let pool = end - start;
        let (cs, ce) = (start.max(0), end.min(size as i64));
        w.start.push(cs as usize);
        w.end.push(ce.max(cs) as usize);
        let count = if include_pad { pool } else { ce - cs };
        w.count.push(count.max(1) as usize);
    }
    w
}

/// Adaptive windows along one axis: `[⌊o·size/out⌋, ⌈(o+1)·size/out⌉)`.
fn adaptive_windows(size: usize, out: usize) -> Windows {
    let start: Vec<usize> = (0..out).map(|o| o * size / out).collect();
    let end: Vec<usize> = (0..out).map(|o| ((o + 1) * size).div_ceil(out)).collect();
    let count = start
        .iter()
        .zip(&end)
        .map(|(s, e)| (e - s).max(1))
        .collect();
    Windows { start, end, count }
}

fn avg_pool_nd<T: Element, const D: usize>(
    op: &'static str,
    x: &Tensor<T>,
    o: &AvgPoolOptions<D>,
) -> Result<Tensor<T>> {
    let (x, unbatched) = batched(op, x, D)?;
    if o.divisor_override == Some(0) {
        return Err(arg_err(op, "divisor_override must be positive".into()));
    }
    let a = pool_axes(
        op,
        &x,
        o.kernel_size,
        o.stride,
        o.padding,
        [1; D],
        o.ceil_mode,
    )?;
    let [(kh, sh, ph, _, oh), (kw, sw, pw, _, ow)] = a.axes;
    let g = MeanGeom {
        h: a.h,
        w: a.w,
        rows: avg_windows(a.h, kh, sh, ph, oh, o.count_include_pad),
        cols: avg_windows(a.w, kw, sw, pw, ow, o.count_include_pad),
        divisor_override: o.divisor_override,
    };
    let spatial: Vec<usize> = if D == 1 { vec![ow] } else { vec![oh, ow] };
    let y = mean_raw(Arc::new(g), a.planes, &x, &out_shape(x.shape(), &spatial));
    unbatch(y, unbatched)
}

fn adaptive_avg_pool_nd<T: Element, const D: usize>(
    op: &'static str,
    x: &Tensor<T>,
    output_size: [usize; D],
) -> Result<Tensor<T>> {
    let (x, unbatched) = batched(op, x, D)?;
    let shape = x.shape();
    let spatial = &shape[2..];
    if spatial.contains(&0) || output_size.contains(&0) {
        return Err(shape_err(
            op,
            format!("input {shape:?}, output_size {output_size:?}: sizes must be positive"),
        ));
    }
    let (h, w, oh, ow) = if D == 1 {
        (1, spatial[0], 1, output_size[0])
    } else {
        (spatial[0], spatial[1], output_size[0], output_size[1])
    };
    let g = MeanGeom {
        h,
        w,
        rows: adaptive_windows(h, oh),
        cols: adaptive_windows(w, ow),
        divisor_override: None,
    };
    let planes = shape[0] * shape[1];
    let y = mean_raw(Arc::new(g), planes, &x, &out_shape(shape, &output_size));
    unbatch(y, unbatched)
}

impl<T: Element> Tensor<T> {
    /// PyTorch's `F.max_pool2d`: the maximum of each window of `[N, C, H, W]` (or
    /// unbatched `[C, H, W]`). The gradient goes to the first maximum of each window (as
    /// PyTorch); NaN propagates.
    ///
    /// # Errors
    /// [`TensorError::ShapeMismatch`](crate::TensorError) naming `max_pool2d` for a wrong
    /// rank or a window larger than the padded input; `InvalidArgument` for a zero
    /// kernel size, stride or dilation, or padding above half the effective kernel.
    ///
    /// ```
    /// use myelin_tensor::{MaxPool2dOptions, Tensor};
    /// let x = Tensor::<f64>::from_vec(vec![1., 5., 2., 0., 3., 4., 7., 1., 6., 2., 1., 8., 0., 9., 3., 2.], &[1, 1, 4, 4])?;
    /// let y = x.try_max_pool2d(MaxPool2dOptions::new(2))?;
    /// assert_eq!(y.to_vec(), vec![5., 7., 9., 8.]);
    /// # Ok::<(), myelin_tensor::TensorError>(())
    /// ```
    pub fn try_max_pool2d(&self, options: MaxPool2dOptions) -> Result<Tensor<T>> {
        Ok(max_pool_nd("max_pool2d", self, &options)?.0)
    }

    /// [`Tensor::try_max_pool2d`] that panics on invalid shapes or options.
    pub fn max_pool2d(&self, options: MaxPool2dOptions) -> Tensor<T> {
        or_panic(self.try_max_pool2d(options))
    }

    /// [`Tensor::try_max_pool2d`] that also returns, for every output element (row-major,
    /// the output's shape), the flat index `h·W + w` of its maximum within its input
    /// plane (PyTorch's `return_indices=True`).
    ///
    /// ```
    /// use myelin_tensor::{MaxPool2dOptions, Tensor};
    /// let x = Tensor::<f64>::from_vec(vec![1., 3., 3., 2.], &[1, 1, 2, 2])?;
    /// let (y, idx) = x.try_max_pool2d_with_indices(MaxPool2dOptions::new(2))?;
    /// assert_eq!((y.to_vec(), idx), (vec![3.], vec![1])); // ties: the first maximum
    /// # Ok::<(), myelin_tensor::TensorError>(())
    /// ```
    pub fn try_max_pool2d_with_indices(
        &self,
        options: MaxPool2dOptions,
    ) -> Result<(Tensor<T>, Vec<usize>)> {
        max_pool_nd("max_pool2d", self, &options)
    }

    /// [`Tensor::max_pool2d`] that also returns, for every output element (row-major,
    /// the output's shape), the flat index `h·W + w` of its maximum within its input
    /// plane (PyTorch's `return_indices=True`).
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_max_pool2d_with_indices`]
    /// returns, on the same inputs.
    pub fn max_pool2d_with_indices(&self, options: MaxPool2dOptions) -> (Tensor<T>, Vec<usize>) {
        or_panic(self.try_max_pool2d_with_indices(options))
    }

    /// PyTorch's `F.max_pool1d` over `[N, C, L]` (or `[C, L]`); see
    /// [`Tensor::try_max_pool2d`].
    ///
    /// ```
    /// use myelin_tensor::{MaxPool1dOptions, Tensor};
    /// let x = Tensor::<f64>::from_vec(vec![1., 4., 2., 3., 0.], &[1, 1, 5])?;
    /// let y = x.try_max_pool1d(MaxPool1dOptions::new(2).ceil_mode(true))?;
    /// assert_eq!(y.to_vec(), vec![4., 3., 0.]);
    /// # Ok::<(), myelin_tensor::TensorError>(())
    /// ```
    pub fn try_max_pool1d(&self, options: MaxPool1dOptions) -> Result<Tensor<T>> {
        Ok(max_pool_nd("max_pool1d", self, &options)?.0)
    }

    /// [`Tensor::try_max_pool1d`] that panics on invalid shapes or options.
    pub fn max_pool1d(&self, options: MaxPool1dOptions) -> Tensor<T> {
        or_panic(self.try_max_pool1d(options))
    }

    /// [`Tensor::try_max_pool1d`] with the index (within `L`) of each maximum.
    pub fn try_max_pool1d_with_indices(
        &self,
        options: MaxPool1dOptions,
    ) -> Result<(Tensor<T>, Vec<usize>)> {
        max_pool_nd("max_pool1d", self, &options)
    }

    /// [`Tensor::max_pool1d`] with the index (within `L`) of each maximum.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_max_pool1d_with_indices`]
    /// returns, on the same inputs.
    pub fn max_pool1d_with_indices(&self, options: MaxPool1dOptions) -> (Tensor<T>, Vec<usize>) {
        or_panic(self.try_max_pool1d_with_indices(options))
    }

    /// PyTorch's `F.avg_pool2d`: the mean of each window of `[N, C, H, W]` (or
    /// unbatched). The divisor is the window size clipped to the padded input
    /// (`count_include_pad`, the default), the number of real input elements in the
    /// window otherwise, or `divisor_override`.
    ///
    /// # Errors
    /// As [`Tensor::try_max_pool2d`], naming `avg_pool2d`; also a zero
    /// `divisor_override`.
    ///
    /// ```
    /// use myelin_tensor::{AvgPool2dOptions, Tensor};
    /// let x = Tensor::<f64>::ones(&[1, 1, 2, 2]);
    /// let with_pad = x.try_avg_pool2d(AvgPool2dOptions::new(2).padding(1))?;
    /// assert_eq!(with_pad.to_vec(), vec![0.25; 4]);
    /// let without = x.try_avg_pool2d(AvgPool2dOptions::new(2).padding(1).count_include_pad(false))?;
    /// assert_eq!(without.to_vec(), vec![1.0; 4]);
    /// # Ok::<(), myelin_tensor::TensorError>(())
    /// ```
    pub fn try_avg_pool2d(&self, options: AvgPool2dOptions) -> Result<Tensor<T>> {
        avg_pool_nd("avg_pool2d", self, &options)
    }

    /// [`Tensor::try_avg_pool2d`] that panics on invalid shapes or options.
    pub fn avg_pool2d(&self, options: AvgPool2dOptions) -> Tensor<T> {
        or_panic(self.try_avg_pool2d(options))
    }

    /// PyTorch's `F.avg_pool1d` over `[N, C, L]` (or `[C, L]`); see
    /// [`Tensor::try_avg_pool2d`].
    ///
    /// ```
    /// use myelin_tensor::{AvgPool1dOptions, Tensor};
    /// let x = Tensor::<f64>::from_vec(vec![1., 3., 5., 7.], &[1, 1, 4])?;
    /// assert_eq!(x.try_avg_pool1d(AvgPool1dOptions::new(2))?.to_vec(), vec![2., 6.]);
    /// # Ok::<(), myelin_tensor::TensorError>(())
    /// ```
    pub fn try_avg_pool1d(&self, options: AvgPool1dOptions) -> Result<Tensor<T>> {
        avg_pool_nd("avg_pool1d", self, &options)
    }

    /// [`Tensor::try_avg_pool1d`] that panics on invalid shapes or options.
    pub fn avg_pool1d(&self, options: AvgPool1dOptions) -> Tensor<T> {
        or_panic(self.try_avg_pool1d(options))
    }

    /// PyTorch's `F.adaptive_avg_pool2d`: output `[N, C, oh, ow]`, where output `(i, j)`
    /// averages rows `⌊i·H/oh⌋..⌈(i+1)·H/oh⌉` and the columns likewise; `[1, 1]` is
    /// global average pooling. (PyTorch's `None` entries, "keep this size", are written
    /// as the input's size.)
    ///
    /// # Errors
    /// [`TensorError::ShapeMismatch`](crate::TensorError) naming `adaptive_avg_pool2d`
    /// for a wrong rank or a zero size.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f64>::arange(0.0, 12.0, 1.0)?.reshape(&[1, 1, 3, 4]);
    /// assert_eq!(x.try_adaptive_avg_pool2d([1, 1])?.to_vec(), vec![5.5]);
    /// assert_eq!(x.try_adaptive_avg_pool2d([1, 2])?.to_vec(), vec![4.5, 6.5]);
    /// # Ok::<(), myelin_tensor::TensorError>(())
    /// ```
    pub fn try_adaptive_avg_pool2d(&self, output_size: [usize; 2]) -> Result<Tensor<T>> {
        adaptive_avg_pool_nd("adaptive_avg_pool2d", self, output_size)
    }

    /// [`Tensor::try_adaptive_avg_pool2d`] that panics on invalid shapes.
    pub fn adaptive_avg_pool2d(&self, output_size: [usize; 2]) -> Tensor<T> {
        or_panic(self.try_adaptive_avg_pool2d(output_size))
    }

    /// PyTorch's `F.adaptive_avg_pool1d` over `[N, C, L]` (or `[C, L]`).
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![1., 2., 3., 4., 5.], &[1, 1, 5])?;
    /// assert_eq!(x.try_adaptive_avg_pool1d(2)?.to_vec(), vec![2., 4.]);
    /// # Ok::<(), myelin_tensor::TensorError>(())
    /// ```
    pub fn try_adaptive_avg_pool1d(&self, output_size: usize) -> Result<Tensor<T>> {
        adaptive_avg_pool_nd("adaptive_avg_pool1d", self, [output_size])
    }

    /// [`Tensor::try_adaptive_avg_pool1d`] that panics on invalid shapes.
    pub fn adaptive_avg_pool1d(&self, output_size: usize) -> Tensor<T> {
        or_panic(self.try_adaptive_avg_pool1d(output_size))
    }
}
