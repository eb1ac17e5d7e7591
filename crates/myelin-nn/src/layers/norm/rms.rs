//! `RMSNorm`: scaling by the root mean square over the trailing dimensions.

use myelin_tensor::{DType, Element, Tensor};

use super::trailing_dims;
use crate::error::{NnError, Result};
use crate::module::{parameter, Module};

/// PyTorch's `nn.RMSNorm(normalized_shape, eps=None, elementwise_affine=True)`
/// (PyTorch 2.4+): each sample is divided by the root mean square over its last
/// `normalized_shape.len()` dims, `y = x / √(mean(x²) + eps) · weight`.
///
/// With `eps = None` the machine epsilon of the element type is used
/// (`f32::EPSILON` ≈ 1.19e-7 for `f32`, `f64::EPSILON` ≈ 2.22e-16 for `f64`), as
/// PyTorch uses `torch.finfo(x.dtype).eps`. It behaves the same in training and
/// evaluation mode. Unlike `LayerNorm`, nothing is subtracted and there is no bias.
///
/// Parameter, as in PyTorch's `state_dict`: `weight` (ones) of shape
/// `normalized_shape`, only when `elementwise_affine`.
///
/// ```
/// use myelin_nn::{layers::RMSNorm, Module};
/// use myelin_tensor::Tensor;
///
/// let rms = RMSNorm::<f64>::new(&[2])?;
/// let y = rms.forward(&Tensor::from_vec(vec![3.0, 4.0], &[1, 2])?)?.to_vec();
/// // mean(x²) = 12.5
/// assert!((y[0] - 3.0 / 12.5f64.sqrt()).abs() < 1e-12);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct RMSNorm<T: Element> {
    normalized_shape: Vec<usize>,
    eps: Option<f64>,
    weight: Option<Tensor<T>>,
    training: bool,
}

impl<T: Element> RMSNorm<T> {
    /// RMS norm over the trailing dims `normalized_shape`, `eps = None` (machine
    /// epsilon), with a learnable `weight`.
    ///
    /// # Errors
    /// As [`RMSNorm::with_options`].
    pub fn new(normalized_shape: &[usize]) -> Result<Self> {
        Self::with_options(normalized_shape, None, true)
    }

    /// RMS norm with a chosen `eps` (`None`: the element type's machine epsilon) and
    /// with or without the `weight`.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] for an empty shape, a zero-sized dim, or an `eps`
    /// that is negative or not finite.
    pub fn with_options(
        normalized_shape: &[usize],
        eps: Option<f64>,
        elementwise_affine: bool,
    ) -> Result<Self> {
        let eps_ok = eps.is_none_or(|e| e >= 0.0 && e.is_finite());
        if normalized_shape.is_empty() || normalized_shape.contains(&0) || !eps_ok {
            return Err(NnError::InvalidArgument(format!(
                "RMSNorm: need a non-empty normalized_shape without zeros and a finite eps >= 0 or None, got {normalized_shape:?}, eps = {eps:?}"
            )));
        }
        let n: usize = normalized_shape.iter().product();
        let weight = if elementwise_affine {
            Some(parameter(vec![T::one(); n], normalized_shape)?)
        } else {
            None
        };
        Ok(RMSNorm {
            normalized_shape: normalized_shape.to_vec(),
            eps,
            weight,
            training: true,
        })
    }

    /// The `eps` in use: the configured one, or the machine epsilon of `T`.
    pub fn eps(&self) -> f64 {
        self.eps.unwrap_or(match T::DTYPE {
            DType::F32 => f64::from(f32::EPSILON),
            DType::F64 => f64::EPSILON,
        })
    }
}

impl<T: Element> Module<T> for RMSNorm<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let dims = trailing_dims(&self.describe(), &self.normalized_shape, x)?;
        let rms = x
            .square()
            .try_mean_dims(&dims, true)?
            .add_scalar(self.eps())
            .sqrt();
        let y = x.try_div(&rms)?;
        match &self.weight {
            Some(w) => Ok(y.try_mul(w)?),
            None => Ok(y),
        }
    }

    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        self.weight
            .iter()
            .map(|w| ("weight".to_string(), w.clone()))
            .collect()
    }

    training_flag!();

    fn describe(&self) -> String {
        let eps = self
            .eps
            .map_or_else(|| "None".to_string(), |e| e.to_string());
        format!(
            "RMSNorm({:?}, eps={eps}, elementwise_affine={})",
            self.normalized_shape,
            self.weight.is_some()
        )
    }
}
