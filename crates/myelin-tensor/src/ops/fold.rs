//! `unfold` (im2col) and `fold` (col2im), PyTorch's `F.unfold` / `F.fold`: adjoint
//! linear maps, each the other's backward.

use crate::autograd::node::{BackwardCtx, BackwardOp};
use crate::element::Element;
use crate::error::{or_panic, Result};
use crate::kernels::conv::{fold_batch, unfold_batch};
use crate::kernels::im2col::Im2col;
use crate::ops::conv::{arg_err, batched, check_positive, out_size, shape_err, Spatial};
use crate::ops::map::contiguous_values;
use crate::storage::alloc;
use crate::tensor::Tensor;

type Grads<T> = Result<Vec<Option<Tensor<T>>>>;

/// Options of [`Tensor::unfold`] and [`Tensor::fold`]: PyTorch's `kernel_size`,
/// `dilation`, `padding` (symmetric) and `stride`.
///
/// ```
/// use myelin_tensor::FoldOptions;
/// let o = FoldOptions::new(3).stride(2).padding((1, 0));
/// assert_eq!((o.kernel_size, o.stride, o.padding, o.dilation), ([3, 3], [2, 2], [1, 0], [1, 1]));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FoldOptions {
    /// Window size.
    pub kernel_size: [usize; 2],
    /// Spacing between window taps (default 1).
    pub dilation: [usize; 2],
    /// Zero padding on both sides of each axis (default 0).
    pub padding: [usize; 2],
    /// Step between windows (default 1).
    pub stride: [usize; 2],
}

impl FoldOptions {
    /// Windows of `kernel_size`, stride 1, no padding or dilation.
    pub fn new(kernel_size: impl Into<Spatial<2>>) -> Self {
        FoldOptions {
            kernel_size: kernel_size.into().0,
            dilation: [1; 2],
            padding: [0; 2],
            stride: [1; 2],
        }
    }
    /// Sets the dilation.
    pub fn dilation(mut self, v: impl Into<Spatial<2>>) -> Self {
        self.dilation = v.into().0;
        self
    }
    /// Sets the padding.
    pub fn padding(mut self, v: impl Into<Spatial<2>>) -> Self {
        self.padding = v.into().0;
        self
    }
    /// Sets the stride.
    pub fn stride(mut self, v: impl Into<Spatial<2>>) -> Self {
        self.stride = v.into().0;
        self
    }

    /// The im2col geometry over a `[c, h, w]` plane.
    fn geometry(
        &self,
        op: &'static str,
        shapes: &str,
        c: usize,
        h: usize,
        w: usize,
    ) -> Result<Im2col> {
        check_positive(op, "kernel_size", &self.kernel_size)?;
        check_positive(op, "stride", &self.stride)?;
        check_positive(op, "dilation", &self.dilation)?;
        let [kh, kw] = self.kernel_size;
        let [ph, pw] = self.padding;
        let oh = out_size(
            op,
            shapes,
            h,
            (ph, ph),
            kh,
            self.stride[0],
            self.dilation[0],
        )?;
        let ow = out_size(
            op,
            shapes,
            w,
            (pw, pw),
            kw,
            self.stride[1],
            self.dilation[1],
        )?;
        Ok(Im2col {
            c,
            h,
            w,
            kh,
            kw,
            sh: self.stride[0],
            sw: self.stride[1],
            pt: ph,
            pl: pw,
            dh: self.dilation[0],
            dw: self.dilation[1],
            oh,
            ow,
        })
    }
}

fn unfold_raw<T: Element>(g: Im2col, n: usize, x: &Tensor<T>) -> Tensor<T> {
    let mut cols = alloc(n * g.rows() * g.cols());
    unfold_batch(&g, n, &contiguous_values(x), &mut cols);
    let out = Tensor::from_data(cols, &[n, g.rows(), g.cols()]);
    Tensor::record(out, &[x], move || UnfoldBackward { g })
}

fn fold_raw<T: Element>(g: Im2col, n: usize, cols: &Tensor<T>) -> Tensor<T> {
    let mut x = alloc(n * g.input_len());
    fold_batch(&g, n, &contiguous_values(cols), &mut x);
    let out = Tensor::from_data(x, &[n, g.c, g.h, g.w]);
    Tensor::record(out, &[cols], move || FoldBackward { g })
}

struct UnfoldBackward {
    g: Im2col,
}
impl<T: Element> BackwardOp<T> for UnfoldBackward {
    fn name(&self) -> &'static str {
        "unfold"
    }
    fn backward(&self, _ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        Ok(vec![Some(fold_raw(self.g, g.shape()[0], g))])
    }
}

struct FoldBackward {
    g: Im2col,
}
impl<T: Element> BackwardOp<T> for FoldBackward {
    fn name(&self) -> &'static str {
        "fold"
    }
    fn backward(&self, _ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        Ok(vec![Some(unfold_raw(self.g, g.shape()[0], g))])
    }
}

impl<T: Element> Tensor<T> {
    /// PyTorch's `F.unfold` (im2col): sliding windows of `[N, C, H, W]` (or unbatched
    /// `[C, H, W]`) as columns, output `[N, C·kh·kw, L]` with `L` the number of window
    /// positions; row `(c, i, j)` holds tap `(i, j)` of channel `c`, zero in the padding.
    ///
    /// # Errors
    /// [`TensorError::ShapeMismatch`](crate::TensorError) naming `unfold` for a wrong
    /// rank or a window larger than the padded input; `InvalidArgument` for a zero
    /// kernel size, stride or dilation.
    ///
    /// ```
    /// use myelin_tensor::{FoldOptions, Tensor};
    /// let x = Tensor::<f64>::arange(0.0, 9.0, 1.0)?.reshape(&[1, 1, 3, 3]);
    /// let cols = x.try_unfold(FoldOptions::new(2))?;
    /// assert_eq!(cols.shape(), &[1, 4, 4]);
    /// // The first window is [[0, 1], [3, 4]].
    /// assert_eq!(cols.get(&[0, 0, 0])?, 0.0);
    /// assert_eq!(cols.get(&[0, 3, 0])?, 4.0);
    /// # Ok::<(), myelin_tensor::TensorError>(())
    /// ```
    pub fn try_unfold(&self, options: FoldOptions) -> Result<Tensor<T>> {
        const OP: &str = "unfold";
        let (x, unbatched) = batched(OP, self, 2)?;
        let shapes = format!("input {:?}", self.shape());
        let s = x.shape();
        let g = options.geometry(OP, &shapes, s[1], s[2], s[3])?;
        let out = unfold_raw(g, s[0], &x);
        if unbatched {
            out.try_squeeze(0)
        } else {
            Ok(out)
        }
    }

    /// PyTorch's `F.unfold` (im2col): sliding windows of `[N, C, H, W]` (or unbatched
    /// `[C, H, W]`) as columns, output `[N, C·kh·kw, L]` with `L` the number of window
    /// positions; row `(c, i, j)` holds tap `(i, j)` of channel `c`, zero in the padding.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_unfold`] returns, on the same inputs.
    pub fn unfold(&self, options: FoldOptions) -> Tensor<T> {
        or_panic(self.try_unfold(options))
    }

    /// PyTorch's `F.fold` (col2im): the adjoint of [`Tensor::unfold`]. Input `[N, C·kh·kw,
    /// L]` (or unbatched `[C·kh·kw, L]`), output `[N, C, H, W]` for `output_size = [H, W]`;
    /// every column entry is added onto the pixel it covers, so overlapping windows sum.
    ///
    /// # Errors
    /// [`TensorError::ShapeMismatch`](crate::TensorError) naming `fold` when the second
    /// dimension is not a multiple of `kh·kw` or `L` is not the number of windows of
    /// `output_size`.
    ///
    /// ```
    /// use myelin_tensor::{FoldOptions, Tensor};
    /// // Folding the unfolded ones counts how many windows cover each pixel.
    /// let ones = Tensor::<f64>::ones(&[1, 1, 3, 3]);
    /// let o = FoldOptions::new(2);
    /// let counts = ones.try_unfold(o)?.try_fold([3, 3], o)?;
    /// assert_eq!(counts.to_vec(), vec![1., 2., 1., 2., 4., 2., 1., 2., 1.]);
    /// # Ok::<(), myelin_tensor::TensorError>(())
    /// ```
    pub fn try_fold(&self, output_size: [usize; 2], options: FoldOptions) -> Result<Tensor<T>> {
        const OP: &str = "fold";
        let shapes = format!("input {:?}, output_size {output_size:?}", self.shape());
        let (cols, unbatched) = match self.ndim() {
            3 => (self.clone(), false),
            2 => (self.try_unsqueeze(0)?, true),
            _ => {
                return Err(shape_err(
                    OP,
                    format!("{shapes}: expected a 3-D (batched) or 2-D (unbatched) input"),
                ))
            }
        };
        let [kh, kw] = options.kernel_size;
        let s = cols.shape();
        let k = kh * kw;
        if k == 0 || !s[1].is_multiple_of(k) {
            if k == 0 {
                return Err(arg_err(
                    OP,
                    format!("{shapes}: kernel_size must be positive"),
                ));
            }
            return Err(shape_err(
                OP,
                format!(
                    "{shapes}: dimension 1 ({}) must be divisible by the kernel area {kh}×{kw}",
                    s[1]
                ),
            ));
        }
        let g = options.geometry(OP, &shapes, s[1] / k, output_size[0], output_size[1])?;
        if s[2] != g.cols() {
            return Err(shape_err(
                OP,
                format!(
                    "{shapes}: {} columns given, but the options give {}×{} = {} windows",
                    s[2],
                    g.oh,
                    g.ow,
                    g.cols()
                ),
            ));
        }
        let out = fold_raw(g, s[0], &cols);
        if unbatched {
            out.try_squeeze(0)
        } else {
            Ok(out)
        }
    }

    /// PyTorch's `F.fold` (col2im): the adjoint of [`Tensor::unfold`]. Input `[N, C·kh·kw,
    /// L]` (or unbatched `[C·kh·kw, L]`), output `[N, C, H, W]` for `output_size = [H, W]`;
    /// every column entry is added onto the pixel it covers, so overlapping windows sum.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_fold`] returns, on the same inputs.
    pub fn fold(&self, output_size: [usize; 2], options: FoldOptions) -> Tensor<T> {
        or_panic(self.try_fold(output_size, options))
    }
}
