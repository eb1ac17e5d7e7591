//! Boolean-mask selection: `masked_select`.

use crate::element::Element;
use crate::error::{or_panic, Result};
use crate::shape::broadcast_shapes;
use crate::tensor::Tensor;

impl<T: Element> Tensor<T> {
    /// The entries of `self` where `mask` is non-zero, as a 1-D tensor in row-major
    /// order (PyTorch's `masked_select`). `self` and `mask` broadcast together; masks
    /// come from the comparisons (`gt`, `lt_scalar`, …), which give 1.0 / 0.0.
    ///
    /// Differentiable in `self`: the gradient of each selected entry goes back to its
    /// position (summed over broadcast copies), the rest get zero. Built from
    /// `broadcast_to`, `reshape` and `index_select`, so higher-order gradients work.
    ///
    /// Deviation: Myelin has no boolean tensors, so the mask is a float tensor and
    /// every non-zero entry (NaN included) selects.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f64>::from_vec(vec![-1.0, 2.0, -3.0, 4.0], &[2, 2]).unwrap();
    /// let positive = x.masked_select(&x.gt_scalar(0.0));
    /// assert_eq!(positive.to_vec(), vec![2.0, 4.0]);
    /// ```
    pub fn try_masked_select(&self, mask: &Tensor<T>) -> Result<Tensor<T>> {
        let shape = broadcast_shapes("masked_select", self.shape(), mask.shape())?;
        let selected: Vec<usize> = mask
            .detach()
            .try_broadcast_to(&shape)?
            .to_vec()
            .iter()
            .enumerate()
            .filter(|(_, m)| **m != T::zero())
            .map(|(i, _)| i)
            .collect();
        let numel = shape.iter().product();
        self.try_broadcast_to(&shape)?
            .try_reshape(&[numel])?
            .try_index_select(0, &selected)
    }

    /// The entries of `self` where `mask` is non-zero, as a 1-D tensor in row-major
    /// order (PyTorch's `masked_select`). `self` and `mask` broadcast together; masks
    /// come from the comparisons (`gt`, `lt_scalar`, …), which give 1.0 / 0.0.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_masked_select`] returns, on the same inputs.
    pub fn masked_select(&self, mask: &Tensor<T>) -> Tensor<T> {
        or_panic(self.try_masked_select(mask))
    }
}
