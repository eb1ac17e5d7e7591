//! Shared by the CNN examples: a module that views rows of 64 pixels as 1×8×8 images.

use myelin_nn::{Module, Result};
use myelin_tensor::{Element, Tensor};

/// Views each row of 64 pixels as a 1×8×8 image (PyTorch's `nn.Unflatten(1, (1, 8, 8))`).
pub struct ToImage {
    training: bool,
}

impl ToImage {
    /// The module, in training mode.
    pub fn new() -> Self {
        ToImage { training: true }
    }
}

impl Default for ToImage {
    fn default() -> Self {
        ToImage::new()
    }
}

impl<T: Element> Module<T> for ToImage {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        Ok(x.try_reshape(&[x.shape()[0], 1, 8, 8])?)
    }
    fn train(&mut self, mode: bool) {
        self.training = mode;
    }
    fn is_training(&self) -> bool {
        self.training
    }
    fn describe(&self) -> String {
        "Unflatten(dim=1, unflattened_size=(1, 8, 8))".into()
    }
}
