//! `Flatten`: merges a range of dimensions.

use myelin_tensor::{Element, Tensor};

use crate::error::{NnError, Result};
use crate::module::Module;

/// PyTorch's `nn.Flatten(start_dim, end_dim)`: merges dims `start_dim..=end_dim`
/// (negative values count from the end). [`Flatten::default`] is `(1, -1)`: everything
/// but the batch dimension.
///
/// ```
/// use myelin_nn::{layers::Flatten, Module};
/// use myelin_tensor::Tensor;
/// let y = Flatten::default().forward(&Tensor::<f32>::zeros(&[2, 3, 4]))?;
/// assert_eq!(y.shape(), &[2, 12]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Flatten {
    start_dim: isize,
    end_dim: isize,
    training: bool,
}

impl Flatten {
    /// Flattens dims `start_dim..=end_dim`.
    pub fn new(start_dim: isize, end_dim: isize) -> Self {
        Flatten {
            start_dim,
            end_dim,
            training: true,
        }
    }
}

impl Default for Flatten {
    fn default() -> Self {
        Flatten::new(1, -1)
    }
}

impl<T: Element> Module<T> for Flatten {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        x.try_flatten(self.start_dim, self.end_dim)
            .map_err(|e| NnError::Shape {
                op: <Self as Module<T>>::describe(self),
                detail: format!("cannot flatten input {:?}: {e}", x.shape()),
            })
    }

    training_flag!();

    fn describe(&self) -> String {
        format!(
            "Flatten(start_dim={}, end_dim={})",
            self.start_dim, self.end_dim
        )
    }
}
