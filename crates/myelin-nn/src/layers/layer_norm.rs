//! `LayerNorm`: normalisation over the trailing dimensions of each sample.

use myelin_tensor::{Element, Tensor};

use crate::error::{NnError, Result};
use crate::module::{parameter, Module};

/// PyTorch's `nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True,
/// bias=True)`: each sample is normalised over its last `normalized_shape.len()` dims
/// with the biased variance, `y = (x − mean)/√(var + eps)·weight + bias`; `weight`
/// (ones) and `bias` (zeros) have shape `normalized_shape`. Without
/// `elementwise_affine` there are no parameters; with `bias = false` (see
/// [`LayerNorm::with_bias`]) only `weight`. It behaves the same in training and eval
/// mode.
///
/// ```
/// use myelin_nn::{layers::LayerNorm, Module};
/// use myelin_tensor::Tensor;
///
/// let ln = LayerNorm::<f64>::new(&[4])?;
/// let y = ln.forward(&Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[1, 4])?)?;
/// assert!(y.mean().item()?.abs() < 1e-12);
/// assert!((y.var(0).item()? - 1.0).abs() < 1e-4); // biased variance ≈ 1
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct LayerNorm<T: Element> {
    normalized_shape: Vec<usize>,
    eps: f64,
    weight: Option<Tensor<T>>,
    bias: Option<Tensor<T>>,
    training: bool,
}

impl<T: Element> LayerNorm<T> {
    /// Layer norm over trailing dims `normalized_shape`, eps 1e-5, with affine parameters.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] for an empty shape or a zero-sized dim.
    pub fn new(normalized_shape: &[usize]) -> Result<Self> {
        Self::with_options(normalized_shape, 1e-5, true)
    }

    /// Layer norm with a chosen `eps` and with or without the affine `weight`/`bias`.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] for an empty shape, a zero-sized dim, or an `eps`
    /// that is negative or not finite.
    pub fn with_options(
        normalized_shape: &[usize],
        eps: f64,
        elementwise_affine: bool,
    ) -> Result<Self> {
        Self::with_bias(normalized_shape, eps, elementwise_affine, true)
    }

    /// All of PyTorch's options: `elementwise_affine` gives a learnable `weight`, and
    /// `bias` (only with `elementwise_affine`, as in PyTorch) a learnable `bias`.
    ///
    /// ```
    /// use myelin_nn::{layers::LayerNorm, Module};
    /// use myelin_tensor::Tensor;
    /// let ln = LayerNorm::<f64>::with_bias(&[2], 1e-5, true, false)?;
    /// let names: Vec<String> = ln.named_parameters().into_iter().map(|(n, _)| n).collect();
    /// assert_eq!(names, vec!["weight"]);
    /// # Ok::<(), myelin_nn::NnError>(())
    /// ```
    ///
    /// # Errors
    /// As for [`LayerNorm::with_options`].
    pub fn with_bias(
        normalized_shape: &[usize],
        eps: f64,
        elementwise_affine: bool,
        bias: bool,
    ) -> Result<Self> {
        if normalized_shape.is_empty()
            || normalized_shape.contains(&0)
            || !(eps >= 0.0 && eps.is_finite())
        {
            return Err(NnError::InvalidArgument(format!(
                "LayerNorm: need a non-empty normalized_shape without zeros and a finite eps >= 0, got {normalized_shape:?}, eps = {eps}"
            )));
        }
        let n: usize = normalized_shape.iter().product();
        let weight = if elementwise_affine {
            Some(parameter(vec![T::one(); n], normalized_shape)?)
        } else {
            None
        };
        let bias = if elementwise_affine && bias {
            Some(parameter(vec![T::zero(); n], normalized_shape)?)
        } else {
            None
        };
        Ok(LayerNorm {
            normalized_shape: normalized_shape.to_vec(),
            eps,
            weight,
            bias,
            training: true,
        })
    }
}

impl<T: Element> Module<T> for LayerNorm<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let k = self.normalized_shape.len();
        if x.ndim() < k || x.shape()[x.ndim() - k..] != self.normalized_shape[..] {
            return Err(NnError::Shape {
                op: self.describe(),
                detail: format!(
                    "expected input with trailing dims {:?}, got {:?}",
                    self.normalized_shape,
                    x.shape()
                ),
            });
        }
        let dims: Vec<isize> = (1..=k as isize).map(|d| -d).collect();
        let centered = x.try_sub(&x.try_mean_dims(&dims, true)?)?;
        let var = centered.square().try_mean_dims(&dims, true)?;
        let mut y = centered.try_div(&var.add_scalar(self.eps).sqrt())?;
        if let Some(w) = &self.weight {
            y = y.try_mul(w)?;
        }
        if let Some(b) = &self.bias {
            y = y.try_add(b)?;
        }
        Ok(y)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        super::norm::affine_parameters(self.weight.as_ref(), self.bias.as_ref())
    }

    training_flag!();

    fn describe(&self) -> String {
        let no_bias = if self.weight.is_some() && self.bias.is_none() {
            ", bias=false"
        } else {
            ""
        };
        format!(
            "LayerNorm({:?}, eps={}, elementwise_affine={}{no_bias})",
            self.normalized_shape,
            self.eps,
            self.weight.is_some()
        )
    }
}
