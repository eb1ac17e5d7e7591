//! `pad`: PyTorch's `F.pad` with constant, reflect, replicate and circular modes.
//!
//! Built from existing differentiable ops, one padded dimension at a time: constant
//! padding concatenates constant blocks (`concat`), the other modes pick source
//! positions with `index_select` (whose backward adds gradients back with `index_add`),
//! so every order of gradient works.

use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::tensor::Tensor;

/// How [`Tensor::pad`] fills the new border (PyTorch's `mode=` and `value=`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PadMode {
    /// A constant value (PyTorch's `'constant'`, default value 0).
    Constant(f64),
    /// Mirror without repeating the edge: `[a b c]` padded by 2 on the left is
    /// `[c b | a b c]` (`'reflect'`; the padding must be smaller than the size).
    Reflect,
    /// Repeat the edge value (`'replicate'`).
    Replicate,
    /// Wrap around (`'circular'`; the padding must not exceed the size).
    Circular,
}

impl PadMode {
    fn name(self) -> &'static str {
        match self {
            PadMode::Constant(_) => "constant",
            PadMode::Reflect => "reflect",
            PadMode::Replicate => "replicate",
            PadMode::Circular => "circular",
        }
    }
}

/// The source position of position `i` (relative to the first original element, so
/// negative in the leading padding) along an axis of `size`; the caller has checked
/// the mode can pad that far.
fn source(mode: PadMode, i: i64, size: i64) -> i64 {
    match mode {
        PadMode::Reflect => {
            if i < 0 {
                -i
            } else if i >= size {
                2 * (size - 1) - i
            } else {
                i
            }
        }
        PadMode::Replicate => i.clamp(0, size - 1),
        PadMode::Circular => i.rem_euclid(size),
        PadMode::Constant(_) => i,
    }
}

impl<T: Element> Tensor<T> {
    /// PyTorch's `F.pad(x, pad, mode, value)`. `pad` lists `(before, after)` pairs
    /// starting from the **last** dimension: `[left, right]` pads the last dim, `[left,
    /// right, top, bottom]` the last two, and so on (PyTorch's order).
    ///
    /// Deviation: amounts are unsigned (PyTorch's negative amounts crop; use `narrow`).
    /// Reflect, replicate and circular modes work on any dimension (PyTorch limits them
    /// to the last 1–3 of a 2-D–5-D input).
    ///
    /// # Errors
    /// [`TensorError::InvalidArgument`] naming `pad` when `pad` has odd length or more
    /// pairs than dimensions, when a reflect amount is not smaller than the size, a
    /// circular amount exceeds it, or a non-constant mode pads an empty dimension.
    ///
    /// ```
    /// use myelin_tensor::{PadMode, Tensor};
    /// let x = Tensor::<f64>::from_vec(vec![1., 2., 3.], &[1, 3])?;
    /// assert_eq!(x.try_pad(&[2, 1], PadMode::Reflect)?.to_vec(), vec![3., 2., 1., 2., 3., 2.]);
    /// assert_eq!(x.try_pad(&[1, 2], PadMode::Replicate)?.to_vec(), vec![1., 1., 2., 3., 3., 3.]);
    /// assert_eq!(x.try_pad(&[1, 1], PadMode::Circular)?.to_vec(), vec![3., 1., 2., 3., 1.]);
    /// assert_eq!(x.try_pad(&[0, 0, 1, 0], PadMode::Constant(9.0))?.to_vec(), vec![9., 9., 9., 1., 2., 3.]);
    /// # Ok::<(), myelin_tensor::TensorError>(())
    /// ```
    pub fn try_pad(&self, pad: &[usize], mode: PadMode) -> Result<Tensor<T>> {
        let err = |detail: String| TensorError::InvalidArgument { op: "pad", detail };
        let shape = self.shape().to_vec();
        if !pad.len().is_multiple_of(2) || pad.len() / 2 > shape.len() {
            return Err(err(format!(
                "pad {pad:?} must hold (before, after) pairs for at most {} dimensions of input {shape:?}",
                shape.len()
            )));
        }
        let mut out = self.clone();
        for (k, pair) in pad.chunks(2).enumerate() {
            let dim = shape.len() - 1 - k;
            let (before, after) = (pair[0], pair[1]);
            if before == 0 && after == 0 {
                continue;
            }
            let size = shape[dim];
            let too_far = match mode {
                PadMode::Constant(_) => false,
                PadMode::Reflect => before >= size || after >= size,
                PadMode::Replicate => size == 0,
                PadMode::Circular => before > size || after > size || size == 0,
            };
            if too_far {
                return Err(err(format!(
                    "{} padding ({before}, {after}) of dimension {dim} (size {size}) of input {shape:?} is too large",
                    mode.name()
                )));
            }
            out = match mode {
                PadMode::Constant(value) => {
                    let block = |len: usize| {
                        let mut s = out.shape().to_vec();
                        s[dim] = len;
                        Tensor::try_full(&s, T::from_f64(value))
                    };
                    let (b, a) = (block(before)?, block(after)?);
                    Tensor::try_concat(&[&b, &out, &a], dim as isize)?
                }
                _ => {
                    let (size, before) = (size as i64, before as i64);
                    let index: Vec<usize> = (0..size + before + after as i64)
                        .map(|i| source(mode, i - before, size) as usize)
                        .collect();
                    out.try_index_select(dim as isize, &index)?
                }
            };
        }
        Ok(out)
    }

    /// [`Tensor::try_pad`] that panics on invalid arguments.
    pub fn pad(&self, pad: &[usize], mode: PadMode) -> Tensor<T> {
        or_panic(self.try_pad(pad, mode))
    }
}
