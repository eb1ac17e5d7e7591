//! [`TensorDataset`]: any pair of tensors whose first dimension indexes samples —
//! regression inputs and float targets, images and masks, sequences — batched by
//! [`MiniBatches`] (shuffled by seed, per epoch), like PyTorch's `TensorDataset` with a
//! `DataLoader`.
//!
//! ```
//! use myelin_nn::data::{MiniBatches, TensorDataset};
//! use myelin_tensor::Tensor;
//!
//! let x = Tensor::<f32>::arange(0.0, 10.0, 1.0)?.reshape(&[5, 2]);
//! let y = Tensor::<f32>::from_vec(vec![0.5, 1.5, 2.5, 3.5, 4.5], &[5, 1])?;
//! let data = TensorDataset::new(x, y)?;
//! let loader = MiniBatches::new(2)?.shuffle(7);
//! let batches: Vec<_> = data.batches(&loader, 0).collect::<Result<_, _>>()?;
//! assert_eq!(batches.len(), 3);
//! assert_eq!(batches[0].0.shape(), &[2, 2]);
//! assert_eq!(batches[2].1.shape(), &[1, 1]);
//! # Ok::<(), myelin_nn::NnError>(())
//! ```

use myelin_tensor::{Element, Tensor};

use super::MiniBatches;
use crate::error::{NnError, Result};

/// Inputs and targets with one sample per entry of their first dimension.
#[derive(Clone)]
pub struct TensorDataset<T: Element> {
    inputs: Tensor<T>,
    targets: Tensor<T>,
}

impl<T: Element> TensorDataset<T> {
    /// Pairs `inputs` and `targets` (detached: a data set is not part of a graph).
    ///
    /// # Errors
    /// [`NnError::Shape`] when either is 0-dimensional or their first dimensions differ.
    pub fn new(inputs: Tensor<T>, targets: Tensor<T>) -> Result<Self> {
        if inputs.ndim() == 0 || targets.ndim() == 0 || inputs.shape()[0] != targets.shape()[0] {
            return Err(NnError::Shape {
                op: "TensorDataset".into(),
                detail: format!(
                    "inputs {:?} and targets {:?} need the same first (sample) dimension",
                    inputs.shape(),
                    targets.shape()
                ),
            });
        }
        Ok(TensorDataset {
            inputs: inputs.detach(),
            targets: targets.detach(),
        })
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.inputs.shape()[0]
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All inputs.
    pub fn inputs(&self) -> &Tensor<T> {
        &self.inputs
    }

    /// All targets.
    pub fn targets(&self) -> &Tensor<T> {
        &self.targets
    }

    /// The samples at `indices`, as `(inputs, targets)`.
    pub fn get(&self, indices: &[usize]) -> Result<(Tensor<T>, Tensor<T>)> {
        Ok((
            self.inputs.try_index_select(0, indices)?,
            self.targets.try_index_select(0, indices)?,
        ))
    }

    /// The samples at `indices` as a new data set (for train/validation splits, with
    /// [`split_indices`](super::split_indices) or any index list).
    pub fn subset(&self, indices: &[usize]) -> Result<Self> {
        let (inputs, targets) = self.get(indices)?;
        Ok(TensorDataset { inputs, targets })
    }

    /// The mini-batches of epoch `epoch`, in the order `loader` gives for it.
    pub fn batches<'a>(
        &'a self,
        loader: &MiniBatches,
        epoch: u64,
    ) -> impl Iterator<Item = Result<(Tensor<T>, Tensor<T>)>> + 'a {
        loader
            .index_batches(self.len(), epoch)
            .into_iter()
            .map(move |indices| self.get(&indices))
    }
}
