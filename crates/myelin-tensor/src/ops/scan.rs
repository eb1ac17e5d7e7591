//! `flip` (reverse dimensions) and `cumsum` (running sums). Both are linear, and each
//! backward is written with the same ops: flip's adjoint is flip, cumsum's is the reversed
//! cumulative sum of the gradient. So gradients of every order work.

use crate::autograd::node::{BackwardCtx, BackwardOp};
use crate::element::Element;
use crate::error::{or_panic, Result};
use crate::ops::index::split_at_dim;
use crate::ops::map::contiguous_values;
use crate::shape::{normalize_dim, normalize_dims};
use crate::storage::alloc;
use crate::tensor::Tensor;

type Grads<T> = Result<Vec<Option<Tensor<T>>>>;

struct FlipBackward {
    dims: Vec<isize>,
}
impl<T: Element> BackwardOp<T> for FlipBackward {
    fn name(&self) -> &'static str {
        "flip"
    }
    fn backward(&self, _ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        Ok(vec![Some(g.try_flip(&self.dims)?)])
    }
}

struct CumsumBackward {
    dim: isize,
}
impl<T: Element> BackwardOp<T> for CumsumBackward {
    fn name(&self) -> &'static str {
        "cumsum"
    }
    fn backward(&self, _ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        // ∂L/∂xⱼ = Σ_{i ≥ j} gᵢ: the cumulative sum from the end.
        let d = [self.dim];
        Ok(vec![Some(
            g.try_flip(&d)?.try_cumsum(self.dim)?.try_flip(&d)?,
        )])
    }
}

impl<T: Element> Tensor<T> {
    /// PyTorch's `flip(dims)`: the order of the entries along each of `dims` reversed
    /// (a copy; flipping no dimension returns the tensor itself).
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f32>::from_vec(vec![1., 2., 3., 4., 5., 6.], &[2, 3]).unwrap();
    /// assert_eq!(x.flip(&[1]).to_vec(), vec![3., 2., 1., 6., 5., 4.]);
    /// assert_eq!(x.flip(&[0, -1]).to_vec(), vec![6., 5., 4., 3., 2., 1.]);
    /// ```
    ///
    /// # Errors
    /// [`crate::TensorError::DimOutOfRange`] (op `flip`) for a bad dimension,
    /// [`crate::TensorError::InvalidArgument`] for a repeated one.
    pub fn try_flip(&self, dims: &[isize]) -> Result<Tensor<T>> {
        if dims.is_empty() {
            return Ok(self.clone());
        }
        let resolved = normalize_dims("flip", dims, self.ndim())?;
        let shape = self.shape().to_vec();
        let mut values: Vec<T> = contiguous_values(self).to_vec();
        let mut scratch = alloc(values.len());
        for &d in &resolved {
            let (outer, n, inner) = split_at_dim(&shape, d);
            for o in 0..outer {
                for j in 0..n {
                    let src = (o * n + j) * inner;
                    let dst = (o * n + (n - 1 - j)) * inner;
                    scratch[dst..dst + inner].copy_from_slice(&values[src..src + inner]);
                }
            }
            std::mem::swap(&mut values, &mut scratch);
        }
        let out = Tensor::from_data(values, &shape);
        let dims: Vec<isize> = resolved.iter().map(|&d| d as isize).collect();
        Ok(Tensor::record(out, &[self], move || FlipBackward { dims }))
    }

    /// PyTorch's `flip(dims)`: the order of the entries along each of `dims` reversed
    /// (a copy; flipping no dimension returns the tensor itself).
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_flip`] returns, on the same inputs.
    pub fn flip(&self, dims: &[isize]) -> Tensor<T> {
        or_panic(self.try_flip(dims))
    }

    /// PyTorch's `cumsum(dim)`: `yᵢ = Σ_{j ≤ i} xⱼ` along `dim`.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![1., 2., 3., 4.], &[2, 2]).unwrap();
    /// assert_eq!(x.cumsum(0).to_vec(), vec![1., 2., 4., 6.]);
    /// assert_eq!(x.cumsum(-1).to_vec(), vec![1., 3., 3., 7.]);
    /// ```
    ///
    /// # Errors
    /// [`crate::TensorError::DimOutOfRange`] (op `cumsum`) for a bad dimension.
    pub fn try_cumsum(&self, dim: isize) -> Result<Tensor<T>> {
        let d = normalize_dim("cumsum", dim, self.ndim().max(1))?;
        if self.ndim() == 0 {
            return Ok(Tensor::record(self.detach(), &[self], move || {
                CumsumBackward { dim: 0 }
            }));
        }
        let (outer, n, inner) = split_at_dim(self.shape(), d);
        let src = contiguous_values(self);
        let mut out = alloc(src.len());
        for o in 0..outer {
            let base = o * n * inner;
            if n > 0 {
                out[base..base + inner].copy_from_slice(&src[base..base + inner]);
            }
            for j in 1..n {
                let (prev, cur) = (base + (j - 1) * inner, base + j * inner);
                for i in 0..inner {
                    out[cur + i] = out[prev + i] + src[cur + i];
                }
            }
        }
        drop(src);
        let out = Tensor::from_data(out, self.shape());
        Ok(Tensor::record(out, &[self], move || CumsumBackward {
            dim: d as isize,
        }))
    }

    /// PyTorch's `cumsum(dim)`: `yᵢ = Σ_{j ≤ i} xⱼ` along `dim`.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_cumsum`] returns, on the same inputs.
    pub fn cumsum(&self, dim: isize) -> Tensor<T> {
        or_panic(self.try_cumsum(dim))
    }
}
