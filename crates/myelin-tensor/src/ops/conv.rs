//! Convolutions: `conv1d`, `conv2d` and `conv_transpose2d` (NCL / NCHW, PyTorch's
//! semantics), with their options types.
//!
//! One op family covers a convolution and all of its derivatives. With `A_W` the linear
//! map `x ↦ conv(x, W)`:
//!
//! - `conv(x, W) = A_W x`, backward: `dx = A_Wᵀ dy`, `dW = wgrad(x, dy)`;
//! - `A_Wᵀ dy` (the transposed convolution), backward: `d(dy) = conv(u, W)`,
//!   `dW = wgrad(u, dy)`;
//! - `wgrad(x, dy)`, backward: `dx = A_Vᵀ dy`, `d(dy) = conv(x, V)`.
//!
//! Each is one fused kernel (im2col + GEMM, see `kernels::conv`), and each backward is
//! written with the other two, so gradients of any order work (`create_graph`). 1-D
//! convolutions run as 2-D ones over a height-1 plane.

use crate::autograd::node::{BackwardCtx, BackwardOp};
use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::kernels::conv::{conv_forward, conv_input_grad, conv_weight_grad, ConvShape};
use crate::kernels::im2col::Im2col;
use crate::ops::map::contiguous_values;
use crate::storage::alloc;
use crate::tensor::Tensor;

type Grads<T> = Result<Vec<Option<Tensor<T>>>>;

/// A per-axis size (stride, dilation, kernel size): one value for every axis, or one
/// per axis. `2.into()` and `[2, 1].into()` (or `(2, 1).into()` in 2-D) both work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spatial<const D: usize>(pub [usize; D]);

impl<const D: usize> From<usize> for Spatial<D> {
    fn from(v: usize) -> Self {
        Spatial([v; D])
    }
}
impl<const D: usize> From<[usize; D]> for Spatial<D> {
    fn from(v: [usize; D]) -> Self {
        Spatial(v)
    }
}
impl From<(usize, usize)> for Spatial<2> {
    fn from((a, b): (usize, usize)) -> Self {
        Spatial([a, b])
    }
}

/// The padding of a convolution, PyTorch's `padding=` argument.
///
/// - `Explicit`: `(before, after)` zeros per spatial axis (`[(top, bottom), (left,
///   right)]` in 2-D). `1.into()` pads every side by 1, `(1, 2).into()` pads height by
///   1 and width by 2 on both sides (PyTorch's `padding=(1, 2)`), and
///   `[(0, 1), (1, 1)].into()` gives every side its own amount (PyTorch needs an
///   `F.pad` for that).
/// - `Same`: the output has the input's size (stride 1 only); when the total
///   `dilation·(k−1)` is odd the extra zero goes after, as in PyTorch.
/// - `Valid`: no padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding<const D: usize> {
    /// `(before, after)` per spatial axis.
    Explicit([(usize, usize); D]),
    /// Output size equals input size.
    Same,
    /// No padding.
    Valid,
}

impl<const D: usize> Default for Padding<D> {
    fn default() -> Self {
        Padding::Explicit([(0, 0); D])
    }
}
impl<const D: usize> From<usize> for Padding<D> {
    fn from(p: usize) -> Self {
        Padding::Explicit([(p, p); D])
    }
}
impl<const D: usize> From<[usize; D]> for Padding<D> {
    fn from(p: [usize; D]) -> Self {
        Padding::Explicit(p.map(|v| (v, v)))
    }
}
impl From<(usize, usize)> for Padding<2> {
    fn from((h, w): (usize, usize)) -> Self {
        Padding::Explicit([(h, h), (w, w)])
    }
}
impl<const D: usize> From<[(usize, usize); D]> for Padding<D> {
    fn from(p: [(usize, usize); D]) -> Self {
        Padding::Explicit(p)
    }
}

/// Options of a `D`-dimensional convolution (PyTorch's `stride`, `padding`, `dilation`,
/// `groups`); see [`Conv1dOptions`] and [`Conv2dOptions`].
///
/// ```
/// use myelin_tensor::{Conv2dOptions, Padding};
/// let o = Conv2dOptions::default().stride(2).padding(1).groups(4);
/// assert_eq!(o.stride, [2, 2]);
/// assert_eq!(o.padding, Padding::Explicit([(1, 1), (1, 1)]));
/// let same = Conv2dOptions::default().padding(Padding::Same).dilation((2, 1));
/// assert_eq!(same.dilation, [2, 1]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvOptions<const D: usize> {
    /// Step between output positions, per axis (default 1).
    pub stride: [usize; D],
    /// Zero padding (default none).
    pub padding: Padding<D>,
    /// Spacing between kernel taps, per axis (default 1).
    pub dilation: [usize; D],
    /// Channel groups: input and output channels are split into `groups` blocks
    /// convolved separately (`groups = in_channels` is a depthwise convolution).
    pub groups: usize,
}

/// Options of [`Tensor::conv1d`].
pub type Conv1dOptions = ConvOptions<1>;
/// Options of [`Tensor::conv2d`].
pub type Conv2dOptions = ConvOptions<2>;

impl<const D: usize> Default for ConvOptions<D> {
    fn default() -> Self {
        ConvOptions {
            stride: [1; D],
            padding: Padding::default(),
            dilation: [1; D],
            groups: 1,
        }
    }
}

impl<const D: usize> ConvOptions<D> {
    /// Sets the stride.
    pub fn stride(mut self, stride: impl Into<Spatial<D>>) -> Self {
        self.stride = stride.into().0;
        self
    }
    /// Sets the padding.
    pub fn padding(mut self, padding: impl Into<Padding<D>>) -> Self {
        self.padding = padding.into();
        self
    }
    /// Sets the dilation.
    pub fn dilation(mut self, dilation: impl Into<Spatial<D>>) -> Self {
        self.dilation = dilation.into().0;
        self
    }
    /// Sets the number of groups.
    pub fn groups(mut self, groups: usize) -> Self {
        self.groups = groups;
        self
    }
}

/// Options of [`Tensor::conv_transpose2d`] (PyTorch's `stride`, `padding`,
/// `output_padding`, `groups`, `dilation`). `padding` is the padding of the
/// convolution this op is the transpose of (it trims that many rows/columns from each
/// side of the full output); `output_padding` adds rows/columns at the bottom/right, to
/// pick one of the input sizes that the strided convolution maps to the same size.
///
/// ```
/// use myelin_tensor::ConvTranspose2dOptions;
/// let o = ConvTranspose2dOptions::default().stride(2).padding(1).output_padding(1);
/// assert_eq!((o.stride, o.padding, o.output_padding), ([2, 2], [1, 1], [1, 1]));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvTranspose2dOptions {
    /// Stride of the underlying convolution (default 1).
    pub stride: [usize; 2],
    /// Symmetric padding of the underlying convolution (default 0).
    pub padding: [usize; 2],
    /// Extra size added at the end of each axis (default 0); must be smaller than the
    /// stride or the dilation.
    pub output_padding: [usize; 2],
    /// Dilation (default 1).
    pub dilation: [usize; 2],
    /// Channel groups (default 1).
    pub groups: usize,
}

impl Default for ConvTranspose2dOptions {
    fn default() -> Self {
        ConvTranspose2dOptions {
            stride: [1; 2],
            padding: [0; 2],
            output_padding: [0; 2],
            dilation: [1; 2],
            groups: 1,
        }
    }
}

impl ConvTranspose2dOptions {
    /// Sets the stride.
    pub fn stride(mut self, stride: impl Into<Spatial<2>>) -> Self {
        self.stride = stride.into().0;
        self
    }
    /// Sets the padding.
    pub fn padding(mut self, padding: impl Into<Spatial<2>>) -> Self {
        self.padding = padding.into().0;
        self
    }
    /// Sets the output padding.
    pub fn output_padding(mut self, output_padding: impl Into<Spatial<2>>) -> Self {
        self.output_padding = output_padding.into().0;
        self
    }
    /// Sets the dilation.
    pub fn dilation(mut self, dilation: impl Into<Spatial<2>>) -> Self {
        self.dilation = dilation.into().0;
        self
    }
    /// Sets the number of groups.
    pub fn groups(mut self, groups: usize) -> Self {
        self.groups = groups;
        self
    }
}

// ----- validation -------------------------------------------------------------------

pub(crate) fn shape_err(op: &'static str, detail: String) -> TensorError {
    TensorError::ShapeMismatch { op, detail }
}

pub(crate) fn arg_err(op: &'static str, detail: String) -> TensorError {
    TensorError::InvalidArgument { op, detail }
}

/// Checks that every entry is at least 1 (strides, dilations, kernel sizes).
pub(crate) fn check_positive(op: &'static str, what: &str, v: &[usize]) -> Result<()> {
    if v.contains(&0) {
        return Err(arg_err(op, format!("{what} must be positive, got {v:?}")));
    }
    Ok(())
}

/// Views an input as batched: `[N, C, *spatial]` as is, `[C, *spatial]` (unbatched, as
/// PyTorch accepts) with a batch of one. Errors on any other rank.
pub(crate) fn batched<T: Element>(
    op: &'static str,
    x: &Tensor<T>,
    spatial: usize,
) -> Result<(Tensor<T>, bool)> {
    if x.ndim() == spatial + 2 {
        Ok((x.clone(), false))
    } else if x.ndim() == spatial + 1 {
        Ok((x.try_unsqueeze(0)?, true))
    } else {
        Err(shape_err(
            op,
            format!(
                "expected a {}-D (batched) or {}-D (unbatched) input, got shape {:?}",
                spatial + 2,
                spatial + 1,
                x.shape()
            ),
        ))
    }
}

/// One output extent: `(size + before + after − dilation·(k−1) − 1) / stride + 1`, or an
/// error when the dilated kernel does not fit in the padded input.
pub(crate) fn out_size(
    op: &'static str,
    shapes: &str,
    size: usize,
    pad: (usize, usize),
    k: usize,
    stride: usize,
    dilation: usize,
) -> Result<usize> {
    let padded = size + pad.0 + pad.1;
    let span = dilation * (k - 1) + 1;
    if span > padded {
        return Err(shape_err(
            op,
            format!(
                "{shapes}: the kernel (size {k}, dilation {dilation}, spanning {span}) is larger than the padded input (size {size} + padding {}+{} = {padded}); the output size would be ≤ 0",
                pad.0, pad.1
            ),
        ));
    }
    Ok((padded - span) / stride + 1)
}

/// The geometry of `conv2d(x [N, C, H, W], w [O, C/g, kh, kw])`.
fn conv_shape(
    op: &'static str,
    shapes: &str,
    x: [usize; 4],
    w: [usize; 4],
    opts: &ConvOptions<2>,
) -> Result<ConvShape> {
    let [n, c, h, wd] = x;
    let [o, cg, kh, kw] = w;
    check_positive(op, "stride", &opts.stride)?;
    check_positive(op, "dilation", &opts.dilation)?;
    let groups = opts.groups;
    if groups == 0 {
        return Err(arg_err(op, format!("{shapes}: groups must be positive")));
    }
    if !c.is_multiple_of(groups) || !o.is_multiple_of(groups) {
        return Err(shape_err(
            op,
            format!("{shapes}: in_channels ({c}) and out_channels ({o}) must both be divisible by groups ({groups})"),
        ));
    }
    if cg * groups != c {
        return Err(shape_err(
            op,
            format!("{shapes}: the weight expects {} input channels ({cg} per group × {groups} groups), the input has {c}", cg * groups),
        ));
    }
    if kh == 0 || kw == 0 {
        return Err(shape_err(
            op,
            format!("{shapes}: the kernel size must be positive"),
        ));
    }
    let pads = match opts.padding {
        Padding::Explicit(p) => p,
        Padding::Valid => [(0, 0); 2],
        Padding::Same => {
            if opts.stride != [1, 1] {
                return Err(arg_err(
                    op,
                    format!(
                        "{shapes}: padding='same' needs stride 1, got {:?}",
                        opts.stride
                    ),
                ));
            }
            let side = |k: usize, d: usize| {
                let total = d * (k - 1);
                (total / 2, total - total / 2)
            };
            [side(kh, opts.dilation[0]), side(kw, opts.dilation[1])]
        }
    };
    let [sh, sw] = opts.stride;
    let [dh, dw] = opts.dilation;
    let oh = out_size(op, shapes, h, pads[0], kh, sh, dh)?;
    let ow = out_size(op, shapes, wd, pads[1], kw, sw, dw)?;
    Ok(ConvShape {
        n,
        groups,
        c_out: o,
        geom: Im2col {
            c: cg,
            h,
            w: wd,
            kh,
            kw,
            sh,
            sw,
            pt: pads[0].0,
            pl: pads[1].0,
            dh,
            dw,
            oh,
            ow,
        },
    })
}

fn describe(x: &[usize], w: &[usize], b: Option<&[usize]>) -> String {
    match b {
        Some(b) => format!("input {x:?}, weight {w:?}, bias {b:?}"),
        None => format!("input {x:?}, weight {w:?}"),
    }
}

fn as4(s: &[usize]) -> [usize; 4] {
    [s[0], s[1], s[2], s[3]]
}

// ----- the three recorded ops ---------------------------------------------------------

/// `conv(x, w) + b` for 4-D contiguous-or-not inputs with a validated shape.
fn conv_raw<T: Element>(
    s: ConvShape,
    x: &Tensor<T>,
    w: &Tensor<T>,
    b: Option<&Tensor<T>>,
) -> Tensor<T> {
    let mut y = alloc(s.n * s.y_len());
    {
        let (xv, wv) = (contiguous_values(x), contiguous_values(w));
        let bv = b.map(|b| b.to_vec());
        conv_forward(&s, &xv, &wv, bv.as_deref(), &mut y);
    }
    let y = Tensor::from_data(y, &s.y_shape());
    let mut inputs = vec![x, w];
    inputs.extend(b);
    Tensor::record(y, &inputs, move || ConvBackward { s })
}

/// `A_wᵀ dy`: the adjoint of `conv` in its input (the transposed convolution).
fn conv_input_grad_raw<T: Element>(s: ConvShape, dy: &Tensor<T>, w: &Tensor<T>) -> Tensor<T> {
    let mut dx = alloc(s.n * s.x_len());
    {
        let (dyv, wv) = (contiguous_values(dy), contiguous_values(w));
        conv_input_grad(&s, &dyv, &wv, &mut dx);
    }
    let dx = Tensor::from_data(dx, &s.x_shape());
    Tensor::record(dx, &[dy, w], move || ConvInputGradBackward { s })
}

/// The adjoint of `conv` in its weight: `Σₙ dyₙ · im2col(xₙ)ᵀ`.
fn conv_weight_grad_raw<T: Element>(s: ConvShape, x: &Tensor<T>, dy: &Tensor<T>) -> Tensor<T> {
    let mut dw = alloc(s.w_len());
    {
        let (xv, dyv) = (contiguous_values(x), contiguous_values(dy));
        conv_weight_grad(&s, &xv, &dyv, &mut dw);
    }
    let dw = Tensor::from_data(dw, &s.w_shape());
    Tensor::record(dw, &[x, dy], move || ConvWeightGradBackward { s })
}

struct ConvBackward {
    s: ConvShape,
}
impl<T: Element> BackwardOp<T> for ConvBackward {
    fn name(&self) -> &'static str {
        "conv2d"
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        let (x, w) = (ctx.input(0), ctx.input(1));
        let mut grads = vec![
            ctx.needs_grad(0).then(|| conv_input_grad_raw(self.s, g, w)),
            ctx.needs_grad(1)
                .then(|| conv_weight_grad_raw(self.s, x, g)),
        ];
        if ctx.inputs().len() == 3 {
            grads.push(if ctx.needs_grad(2) {
                Some(g.try_sum_dims(&[0, 2, 3], false)?)
            } else {
                None
            });
        }
        Ok(grads)
    }
}

struct ConvInputGradBackward {
    s: ConvShape,
}
impl<T: Element> BackwardOp<T> for ConvInputGradBackward {
    fn name(&self) -> &'static str {
        "conv_transpose2d"
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, u: &Tensor<T>) -> Grads<T> {
        let (dy, w) = (ctx.input(0), ctx.input(1));
        Ok(vec![
            ctx.needs_grad(0).then(|| conv_raw(self.s, u, w, None)),
            ctx.needs_grad(1)
                .then(|| conv_weight_grad_raw(self.s, u, dy)),
        ])
    }
}

struct ConvWeightGradBackward {
    s: ConvShape,
}
impl<T: Element> BackwardOp<T> for ConvWeightGradBackward {
    fn name(&self) -> &'static str {
        "conv2d_weight"
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, v: &Tensor<T>) -> Grads<T> {
        let (x, dy) = (ctx.input(0), ctx.input(1));
        Ok(vec![
            ctx.needs_grad(0)
                .then(|| conv_input_grad_raw(self.s, dy, v)),
            ctx.needs_grad(1).then(|| conv_raw(self.s, x, v, None)),
        ])
    }
}

// ----- public API ----------------------------------------------------------------------

fn check_bias(op: &'static str, shapes: &str, b: Option<&[usize]>, channels: usize) -> Result<()> {
    match b {
        Some(b) if b != [channels] => Err(shape_err(
            op,
            format!("{shapes}: the bias must have shape [{channels}]"),
        )),
        _ => Ok(()),
    }
}

impl<T: Element> Tensor<T> {
    /// PyTorch's `F.conv2d`: input `[N, C_in, H, W]` (or unbatched `[C_in, H, W]`),
    /// weight `[C_out, C_in/groups, kh, kw]`, optional bias `[C_out]`; output `[N, C_out,
    /// H_out, W_out]` with `H_out = (H + pad_top + pad_bottom − dilation·(kh−1) − 1) /
    /// stride + 1`.
    ///
    /// Computed by im2col + GEMM per sample, the batch split across threads; the backward
    /// is a transposed convolution and a weight-gradient convolution, both differentiable.
    ///
    /// # Errors
    /// [`TensorError::ShapeMismatch`] naming `conv2d` and the shapes for a wrong rank, a
    /// channel count not divisible by `groups` or not matching the weight, a wrong bias
    /// shape, or a kernel larger than the padded input; [`TensorError::InvalidArgument`]
    /// for a zero stride, dilation or group count, or `Same` padding with a stride.
    ///
    /// ```
    /// use myelin_tensor::{Conv2dOptions, Tensor};
    /// // A 3×3 box filter over a 4×4 ramp, zero-padded: the centre sums 9 values.
    /// let x = Tensor::<f64>::arange(0.0, 16.0, 1.0)?.reshape(&[1, 1, 4, 4]);
    /// let w = Tensor::<f64>::ones(&[1, 1, 3, 3]);
    /// let y = x.try_conv2d(&w, None, Conv2dOptions::default().padding(1))?;
    /// assert_eq!(y.shape(), &[1, 1, 4, 4]);
    /// assert_eq!(y.get(&[0, 0, 1, 1])?, (0..3).flat_map(|r| (0..3).map(move |c| (r * 4 + c) as f64)).sum());
    /// let strided = x.try_conv2d(&w, None, Conv2dOptions::default().stride(2))?;
    /// assert_eq!(strided.shape(), &[1, 1, 1, 1]);
    /// assert!(x.try_conv2d(&Tensor::ones(&[1, 2, 3, 3]), None, Conv2dOptions::default()).is_err());
    /// # Ok::<(), myelin_tensor::TensorError>(())
    /// ```
    pub fn try_conv2d(
        &self,
        weight: &Tensor<T>,
        bias: Option<&Tensor<T>>,
        options: Conv2dOptions,
    ) -> Result<Tensor<T>> {
        const OP: &str = "conv2d";
        let shapes = describe(self.shape(), weight.shape(), bias.map(|b| b.shape()));
        let (x, unbatched) = batched(OP, self, 2)?;
        if weight.ndim() != 4 {
            return Err(shape_err(
                OP,
                format!("{shapes}: the weight must be 4-D [out, in/groups, kh, kw]"),
            ));
        }
        let s = conv_shape(OP, &shapes, as4(x.shape()), as4(weight.shape()), &options)?;
        check_bias(OP, &shapes, bias.map(|b| b.shape()), s.c_out)?;
        let y = conv_raw(s, &x, weight, bias);
        if unbatched {
            y.try_squeeze(0)
        } else {
            Ok(y)
        }
    }

    /// [`Tensor::try_conv2d`] that panics on invalid shapes or options.
    pub fn conv2d(
        &self,
        weight: &Tensor<T>,
        bias: Option<&Tensor<T>>,
        options: Conv2dOptions,
    ) -> Tensor<T> {
        or_panic(self.try_conv2d(weight, bias, options))
    }

    /// PyTorch's `F.conv1d`: input `[N, C_in, L]` (or `[C_in, L]`), weight `[C_out,
    /// C_in/groups, k]`, optional bias `[C_out]`; output `[N, C_out, L_out]`. Runs as a
    /// 2-D convolution over a height-1 plane (same kernels, same gradients).
    ///
    /// # Errors
    /// As [`Tensor::try_conv2d`], naming `conv1d`.
    ///
    /// ```
    /// use myelin_tensor::{Conv1dOptions, Padding, Tensor};
    /// let x = Tensor::<f64>::from_vec(vec![1., 2., 3., 4.], &[1, 1, 4])?;
    /// let w = Tensor::<f64>::from_vec(vec![1., -1.], &[1, 1, 2])?; // a difference filter
    /// let y = x.try_conv1d(&w, None, Conv1dOptions::default())?;
    /// assert_eq!(y.to_vec(), vec![-1., -1., -1.]);
    /// let same = x.try_conv1d(&w, None, Conv1dOptions::default().padding(Padding::Same))?;
    /// assert_eq!(same.to_vec(), vec![-1., -1., -1., 4.]);
    /// # Ok::<(), myelin_tensor::TensorError>(())
    /// ```
    pub fn try_conv1d(
        &self,
        weight: &Tensor<T>,
        bias: Option<&Tensor<T>>,
        options: Conv1dOptions,
    ) -> Result<Tensor<T>> {
        const OP: &str = "conv1d";
        let shapes = describe(self.shape(), weight.shape(), bias.map(|b| b.shape()));
        let (x, unbatched) = batched(OP, self, 1)?;
        if weight.ndim() != 3 {
            return Err(shape_err(
                OP,
                format!("{shapes}: the weight must be 3-D [out, in/groups, k]"),
            ));
        }
        let padding = match options.padding {
            Padding::Explicit([p]) => Padding::Explicit([(0, 0), p]),
            Padding::Same => Padding::Same,
            Padding::Valid => Padding::Valid,
        };
        let opts2 = ConvOptions {
            stride: [1, options.stride[0]],
            padding,
            dilation: [1, options.dilation[0]],
            groups: options.groups,
        };
        let (xs, ws) = (x.shape(), weight.shape());
        let s = conv_shape(
            OP,
            &shapes,
            [xs[0], xs[1], 1, xs[2]],
            [ws[0], ws[1], 1, ws[2]],
            &opts2,
        )?;
        check_bias(OP, &shapes, bias.map(|b| b.shape()), s.c_out)?;
        let x4 = x.try_unsqueeze(2)?;
        let w4 = weight.try_unsqueeze(2)?;
        let y = conv_raw(s, &x4, &w4, bias).try_squeeze(2)?;
        if unbatched {
            y.try_squeeze(0)
        } else {
            Ok(y)
        }
    }

    /// [`Tensor::try_conv1d`] that panics on invalid shapes or options.
    pub fn conv1d(
        &self,
        weight: &Tensor<T>,
        bias: Option<&Tensor<T>>,
        options: Conv1dOptions,
    ) -> Tensor<T> {
        or_panic(self.try_conv1d(weight, bias, options))
    }

    /// PyTorch's `F.conv_transpose2d`: input `[N, C_in, H, W]` (or unbatched), weight
    /// `[C_in, C_out/groups, kh, kw]`, optional bias `[C_out]`; output `[N, C_out,
    /// H_out, W_out]` with `H_out = (H−1)·stride − 2·padding + dilation·(kh−1) +
    /// output_padding + 1`. It is the adjoint (gradient) of `conv2d` with the same
    /// options, computed as `col2im(Wᵀ·x)`.
    ///
    /// # Errors
    /// [`TensorError::ShapeMismatch`] naming `conv_transpose2d` and the shapes for a
    /// wrong rank, channels not divisible by `groups`, a wrong bias shape or an output
    /// size ≤ 0; [`TensorError::InvalidArgument`] for a zero stride, dilation or group
    /// count, or an `output_padding` not smaller than the stride or the dilation.
    ///
    /// ```
    /// use myelin_tensor::{ConvTranspose2dOptions, Tensor};
    /// // Stride 2 with a 2×2 kernel of ones: every input pixel becomes a 2×2 block.
    /// let x = Tensor::<f64>::from_vec(vec![1., 2., 3., 4.], &[1, 1, 2, 2])?;
    /// let w = Tensor::<f64>::ones(&[1, 1, 2, 2]);
    /// let y = x.try_conv_transpose2d(&w, None, ConvTranspose2dOptions::default().stride(2))?;
    /// assert_eq!(y.shape(), &[1, 1, 4, 4]);
    /// assert_eq!(y.to_vec()[..4], [1., 1., 2., 2.]);
    /// # Ok::<(), myelin_tensor::TensorError>(())
    /// ```
    pub fn try_conv_transpose2d(
        &self,
        weight: &Tensor<T>,
        bias: Option<&Tensor<T>>,
        options: ConvTranspose2dOptions,
    ) -> Result<Tensor<T>> {
        const OP: &str = "conv_transpose2d";
        let shapes = describe(self.shape(), weight.shape(), bias.map(|b| b.shape()));
        let (x, unbatched) = batched(OP, self, 2)?;
        if weight.ndim() != 4 {
            return Err(shape_err(
                OP,
                format!("{shapes}: the weight must be 4-D [in, out/groups, kh, kw]"),
            ));
        }
        let o = options;
        check_positive(OP, "stride", &o.stride)?;
        check_positive(OP, "dilation", &o.dilation)?;
        if o.groups == 0 {
            return Err(arg_err(OP, format!("{shapes}: groups must be positive")));
        }
        for a in 0..2 {
            if o.output_padding[a] >= o.stride[a] && o.output_padding[a] >= o.dilation[a] {
                return Err(arg_err(
                    OP,
                    format!(
                        "{shapes}: output_padding {:?} must be smaller than the stride {:?} or the dilation {:?}",
                        o.output_padding, o.stride, o.dilation
                    ),
                ));
            }
        }
        let [n, c_in, h, w] = as4(x.shape());
        let [wc, og, kh, kw] = as4(weight.shape());
        let g = o.groups;
        if wc != c_in || !c_in.is_multiple_of(g) {
            return Err(shape_err(
                OP,
                format!("{shapes}: the weight's first dimension ({wc}) must equal the input channels ({c_in}), divisible by groups ({g})"),
            ));
        }
        if kh == 0 || kw == 0 {
            return Err(shape_err(
                OP,
                format!("{shapes}: the kernel size must be positive"),
            ));
        }
        let out_len = |size: usize, a: usize, k: usize| -> Result<usize> {
            let grown = (size as i64 - 1) * o.stride[a] as i64
                + (o.dilation[a] * (k - 1)) as i64
                + o.output_padding[a] as i64
                + 1;
            let out = grown - 2 * o.padding[a] as i64;
            if size == 0 || out <= 0 {
                return Err(shape_err(
                    OP,
                    format!("{shapes}: the output size would be {out} (≤ 0) along spatial axis {a} (stride {:?}, padding {:?}, dilation {:?}, output_padding {:?})", o.stride, o.padding, o.dilation, o.output_padding),
                ));
            }
            Ok(out as usize)
        };
        let (ho, wo) = (out_len(h, 0, kh)?, out_len(w, 1, kw)?);
        let c_out = og * g;
        check_bias(OP, &shapes, bias.map(|b| b.shape()), c_out)?;
        // The convolution this op is the adjoint of: [N, c_out, ho, wo] → [N, c_in, h, w].
        let s = ConvShape {
            n,
            groups: g,
            c_out: c_in,
            geom: Im2col {
                c: og,
                h: ho,
                w: wo,
                kh,
                kw,
                sh: o.stride[0],
                sw: o.stride[1],
                pt: o.padding[0],
                pl: o.padding[1],
                dh: o.dilation[0],
                dw: o.dilation[1],
                oh: h,
                ow: w,
            },
        };
        let mut y = conv_input_grad_raw(s, &x, weight);
        if let Some(b) = bias {
            y = y.try_add(&b.try_reshape(&[1, c_out, 1, 1])?)?;
        }
        if unbatched {
            y.try_squeeze(0)
        } else {
            Ok(y)
        }
    }

    /// [`Tensor::try_conv_transpose2d`] that panics on invalid shapes or options.
    pub fn conv_transpose2d(
        &self,
        weight: &Tensor<T>,
        bias: Option<&Tensor<T>>,
        options: ConvTranspose2dOptions,
    ) -> Tensor<T> {
        or_panic(self.try_conv_transpose2d(weight, bias, options))
    }
}
