//! `split`, `split_sizes` and `chunk`: a tensor cut into consecutive pieces along one
//! dimension. Every piece is a `narrow` view (no copy), so the gradients of the pieces
//! flow back into the right places of the input through `narrow`'s backward.

use crate::element::Element;
use crate::error::{or_panic, Result, TensorError};
use crate::shape::normalize_dim;
use crate::tensor::Tensor;

impl<T: Element> Tensor<T> {
    /// PyTorch's `split(split_size, dim)`: pieces of `split_size` along `dim`, the last
    /// one smaller when the size does not divide evenly.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f32>::arange(0.0, 5.0, 1.0).unwrap();
    /// let parts: Vec<Vec<f32>> = x.split(2, 0).iter().map(|p| p.to_vec()).collect();
    /// assert_eq!(parts, vec![vec![0., 1.], vec![2., 3.], vec![4.]]);
    /// ```
    ///
    /// # Errors
    /// [`TensorError::InvalidArgument`] for `split_size = 0` on a non-empty dimension (as
    /// PyTorch), [`TensorError::DimOutOfRange`] for a bad `dim`.
    pub fn try_split(&self, split_size: usize, dim: isize) -> Result<Vec<Tensor<T>>> {
        let d = normalize_dim("split", dim, self.ndim())?;
        let n = self.shape()[d];
        if split_size == 0 {
            if n == 0 {
                return Ok(vec![self.clone()]);
            }
            return Err(TensorError::InvalidArgument {
                op: "split",
                detail: format!(
                    "split_size can only be 0 if dimension size is 0, but got dimension {d} of size {n} (shape {:?})",
                    self.shape()
                ),
            });
        }
        if n == 0 {
            return Ok(vec![self.clone()]);
        }
        let sizes: Vec<usize> = (0..n)
            .step_by(split_size)
            .map(|start| split_size.min(n - start))
            .collect();
        self.try_split_sizes(&sizes, d as isize)
    }

    /// PyTorch's `split(split_size, dim)`: pieces of `split_size` along `dim`, the last
    /// one smaller when the size does not divide evenly.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_split`] returns, on the same inputs.
    pub fn split(&self, split_size: usize, dim: isize) -> Vec<Tensor<T>> {
        or_panic(self.try_split(split_size, dim))
    }

    /// PyTorch's `split(split_sizes: list, dim)` (`split_with_sizes`): pieces of the given
    /// sizes, which must sum to the size of `dim`.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f32>::zeros(&[2, 6]);
    /// let parts = x.split_sizes(&[1, 2, 3], 1);
    /// assert_eq!(parts[2].shape(), &[2, 3]);
    /// ```
    ///
    /// # Errors
    /// [`TensorError::ShapeMismatch`] (op `split_with_sizes`, naming the sizes and the
    /// shape) when the sizes do not sum to the dimension's size.
    pub fn try_split_sizes(&self, sizes: &[usize], dim: isize) -> Result<Vec<Tensor<T>>> {
        let d = normalize_dim("split_with_sizes", dim, self.ndim())?;
        let n = self.shape()[d];
        let total = sizes.iter().try_fold(0usize, |acc, &s| acc.checked_add(s));
        if total != Some(n) {
            return Err(TensorError::ShapeMismatch {
                op: "split_with_sizes",
                detail: format!(
                    "split_sizes {sizes:?} must sum exactly to {n} (the size of dimension {d} of shape {:?})",
                    self.shape()
                ),
            });
        }
        let mut start = 0;
        sizes
            .iter()
            .map(|&len| {
                let piece = self.try_narrow(d as isize, start, len);
                start += len;
                piece
            })
            .collect()
    }

    /// PyTorch's `split(split_sizes: list, dim)` (`split_with_sizes`): pieces of the given
    /// sizes, which must sum to the size of `dim`.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_split_sizes`] returns, on the same inputs.
    pub fn split_sizes(&self, sizes: &[usize], dim: isize) -> Vec<Tensor<T>> {
        or_panic(self.try_split_sizes(sizes, dim))
    }

    /// PyTorch's `chunk(chunks, dim)`: `split` with pieces of `ceil(size / chunks)`, so
    /// there may be fewer than `chunks` pieces (6 into 4 gives 3 pieces of 2). An empty
    /// dimension gives `chunks` empty pieces, as in PyTorch.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let qkv = Tensor::<f32>::zeros(&[4, 12]);
    /// let parts = qkv.chunk(3, -1);
    /// assert_eq!(parts.len(), 3);
    /// assert_eq!(parts[0].shape(), &[4, 4]);
    /// ```
    ///
    /// # Errors
    /// [`TensorError::InvalidArgument`] for `chunks = 0`.
    pub fn try_chunk(&self, chunks: usize, dim: isize) -> Result<Vec<Tensor<T>>> {
        let d = normalize_dim("chunk", dim, self.ndim())?;
        if chunks == 0 {
            return Err(TensorError::InvalidArgument {
                op: "chunk",
                detail: format!(
                    "chunk expects `chunks` to be greater than 0 (shape {:?}, dim {d})",
                    self.shape()
                ),
            });
        }
        let n = self.shape()[d];
        if n == 0 {
            return Ok(vec![self.clone(); chunks]);
        }
        self.try_split(n.div_ceil(chunks), d as isize)
    }

    /// PyTorch's `chunk(chunks, dim)`: `split` with pieces of `ceil(size / chunks)`, so
    /// there may be fewer than `chunks` pieces (6 into 4 gives 3 pieces of 2). An empty
    /// dimension gives `chunks` empty pieces, as in PyTorch.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_chunk`] returns, on the same inputs.
    pub fn chunk(&self, chunks: usize, dim: isize) -> Vec<Tensor<T>> {
        or_panic(self.try_chunk(chunks, dim))
    }
}
