//! Loss functions, PyTorch's `torch.nn.functional` losses.
//!
//! * Regression: [`mse_loss`], [`l1_loss`], [`huber_loss`], [`smooth_l1_loss`], and
//!   the elementwise-weighted forms PyTorch 2.x offers through `weight=`
//!   ([`mse_loss_weighted`], [`l1_loss_weighted`], [`huber_loss_weighted`]).
//! * Classification from logits: [`cross_entropy`] (integer labels),
//!   [`cross_entropy_smoothed`] (with label smoothing), [`cross_entropy_probs`] (class
//!   probabilities as targets), [`nll_loss`] (log-probabilities).
//! * Binary: [`binary_cross_entropy_with_logits`] (stable for any logit),
//!   [`binary_cross_entropy`] (probabilities, logs clamped at −100 like PyTorch).
//!
//! Every loss takes a [`Reduction`]. Bad input never panics: shape mismatches give
//! [`crate::NnError::Shape`] naming the loss and both shapes, out-of-range labels give
//! [`crate::NnError::InvalidLabel`] with the label and its position, and the mean of an
//! empty batch is an error (PyTorch returns NaN).
//!
//! Class `weight`, `ignore_index`, `label_smoothing` and `[N, C, d1, …]` inputs go through
//! [`cross_entropy_with`] / [`nll_loss_with`] and [`ClassLossOptions`]; `pos_weight` and
//! `weight` of BCE-with-logits through [`binary_cross_entropy_with_logits_with`].
//!
//! Deviations from PyTorch: inputs and targets of elementwise losses must have the same
//! shape (PyTorch broadcasts with a warning); the mean over an empty batch is an error
//! (but the mean over a batch whose samples are all `ignore_index` is NaN, as PyTorch).
//!
//! ```
//! use myelin_nn::loss::{cross_entropy, Reduction};
//! use myelin_tensor::Tensor;
//!
//! let logits = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0], &[1, 3])?;
//! let loss = cross_entropy(&logits, &[2], Reduction::Mean)?;
//! assert!((loss.item()? - 0.407_605_964_444_380_1).abs() < 1e-12);
//! # Ok::<(), myelin_nn::NnError>(())
//! ```

mod binary;
mod classification;
mod regression;

pub use binary::{
    binary_cross_entropy, binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_with,
    BceWithLogitsOptions,
};
pub use classification::{
    cross_entropy, cross_entropy_probs, cross_entropy_smoothed, cross_entropy_with, nll_loss,
    nll_loss_with, ClassLossOptions,
};
pub use regression::{
    huber_loss, huber_loss_weighted, l1_loss, l1_loss_weighted, mse_loss, mse_loss_weighted,
    smooth_l1_loss,
};

use myelin_tensor::{Element, Tensor};

use crate::error::{NnError, Result};

/// How per-element (or per-sample) losses are combined.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reduction {
    /// The mean (PyTorch's default). An error for an empty batch.
    #[default]
    Mean,
    /// The sum (0 for an empty batch).
    Sum,
    /// No reduction: one loss per element (elementwise losses) or per sample.
    None,
}

impl Reduction {
    /// Reduces `losses` (the per-element or per-sample values); `loss` names the loss in
    /// errors.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] for [`Reduction::Mean`] of an empty tensor.
    ///
    /// ```
    /// use myelin_nn::loss::Reduction;
    /// use myelin_tensor::Tensor;
    /// let l = Tensor::<f64>::from_vec(vec![1.0, 3.0], &[2])?;
    /// assert_eq!(Reduction::Mean.apply("demo", &l)?.item()?, 2.0);
    /// assert_eq!(Reduction::Sum.apply("demo", &l)?.item()?, 4.0);
    /// assert_eq!(Reduction::None.apply("demo", &l)?.shape(), &[2]);
    /// assert!(Reduction::Mean.apply("demo", &Tensor::<f64>::zeros(&[0])).is_err());
    /// # Ok::<(), myelin_nn::NnError>(())
    /// ```
    pub fn apply<T: Element>(self, loss: &str, losses: &Tensor<T>) -> Result<Tensor<T>> {
        match self {
            Reduction::Mean if losses.numel() == 0 => Err(NnError::InvalidArgument(format!(
                "{loss}: mean reduction of an empty batch (input shape {:?}) is undefined",
                losses.shape()
            ))),
            Reduction::Mean => Ok(losses.mean()),
            Reduction::Sum => Ok(losses.sum()),
            Reduction::None => Ok(losses.clone()),
        }
    }
}

/// Checks that input and target have the same shape.
pub(crate) fn same_shape<T: Element>(
    loss: &str,
    input: &Tensor<T>,
    target: &Tensor<T>,
) -> Result<()> {
    if input.shape() == target.shape() {
        Ok(())
    } else {
        Err(NnError::Shape {
            op: loss.to_string(),
            detail: format!(
                "input {:?} and target {:?} must have the same shape",
                input.shape(),
                target.shape()
            ),
        })
    }
}
