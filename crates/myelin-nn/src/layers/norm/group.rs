//! `GroupNorm`: per-sample normalisation over groups of channels.

use myelin_tensor::{Element, Tensor};

use super::{affine, affine_parameters, channel_shape};
use crate::error::{NnError, Result};
use crate::module::{parameter, Module};

/// PyTorch's `nn.GroupNorm(num_groups, num_channels, eps=1e-5, affine=True)` for
/// `[N, C, *]` input (`[N, C]`, `[N, C, L]`, `[N, C, H, W]`, …).
///
/// The `C` channels are split into `num_groups` groups of consecutive channels; each
/// sample's group is normalised with its mean and **biased** variance over the group's
/// channels and all spatial positions, then each channel is scaled and shifted:
/// `y = (x − mean)/√(var + eps)·weight[c] + bias[c]`. It behaves the same in training
/// and evaluation mode and keeps no running statistics. `num_groups = 1` normalises
/// each sample over everything (like a `LayerNorm` over `[C, *]` with per-channel
/// affine); `num_groups = C` is instance normalisation with affine parameters.
///
/// Parameters, as in PyTorch's `state_dict`: `weight` (ones) and `bias` (zeros) of
/// shape `[C]`, only when `affine`.
///
/// ```
/// use myelin_nn::{layers::GroupNorm, Module};
/// use myelin_tensor::Tensor;
///
/// let gn = GroupNorm::<f64>::new(2, 4)?;
/// // One sample, 4 channels of 2 positions: groups {c0, c1} and {c2, c3}.
/// let x = Tensor::from_vec(vec![1.0, 3.0, 5.0, 7.0, 0.0, 0.0, 2.0, 2.0], &[1, 4, 2])?;
/// let y = gn.forward(&x)?.to_vec();
/// // Group 0 holds 1, 3, 5, 7: mean 4, biased variance 5.
/// assert!((y[0] + 3.0 / (5.0f64 + 1e-5).sqrt()).abs() < 1e-12);
/// // Group 1 holds 0, 0, 2, 2: mean 1, variance 1.
/// assert!((y[7] - 1.0 / (1.0f64 + 1e-5).sqrt()).abs() < 1e-12);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct GroupNorm<T: Element> {
    num_groups: usize,
    num_channels: usize,
    eps: f64,
    weight: Option<Tensor<T>>,
    bias: Option<Tensor<T>>,
    training: bool,
}

impl<T: Element> GroupNorm<T> {
    /// Group norm of `num_channels` channels in `num_groups` groups, eps 1e-5, affine.
    ///
    /// # Errors
    /// As [`GroupNorm::with_options`].
    pub fn new(num_groups: usize, num_channels: usize) -> Result<Self> {
        Self::with_options(num_groups, num_channels, 1e-5, true)
    }

    /// Group norm with a chosen `eps` and with or without the affine `weight`/`bias`.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when `num_groups` is 0, `num_channels` is not a
    /// positive multiple of `num_groups` (PyTorch: "num_channels must be divisible by
    /// num_groups"), or `eps` is negative or not finite.
    pub fn with_options(
        num_groups: usize,
        num_channels: usize,
        eps: f64,
        affine: bool,
    ) -> Result<Self> {
        if num_groups == 0 || num_channels == 0 || !num_channels.is_multiple_of(num_groups) {
            return Err(NnError::InvalidArgument(format!(
                "GroupNorm: num_channels ({num_channels}) must be a positive multiple of num_groups ({num_groups})"
            )));
        }
        if !(eps >= 0.0 && eps.is_finite()) {
            return Err(NnError::InvalidArgument(format!(
                "GroupNorm: eps must be finite and >= 0, got {eps}"
            )));
        }
        let c = num_channels;
        let (weight, bias) = if affine {
            (
                Some(parameter(vec![T::one(); c], &[c])?),
                Some(parameter(vec![T::zero(); c], &[c])?),
            )
        } else {
            (None, None)
        };
        Ok(GroupNorm {
            num_groups,
            num_channels,
            eps,
            weight,
            bias,
            training: true,
        })
    }

    /// The number of groups.
    pub fn num_groups(&self) -> usize {
        self.num_groups
    }

    /// The number of channels `C`.
    pub fn num_channels(&self) -> usize {
        self.num_channels
    }
}

impl<T: Element> Module<T> for GroupNorm<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        if x.ndim() < 2 || x.shape()[1] != self.num_channels {
            return Err(NnError::Shape {
                op: self.describe(),
                detail: format!(
                    "expected input [N, {}, *], got {:?}",
                    self.num_channels,
                    x.shape()
                ),
            });
        }
        let n = x.shape()[0];
        let per_group =
            self.num_channels / self.num_groups * x.shape()[2..].iter().product::<usize>();
        let grouped = x.try_reshape(&[n, self.num_groups, per_group])?;
        let centered = grouped.try_sub(&grouped.try_mean_dims(&[2], true)?)?;
        let var = centered.square().try_mean_dims(&[2], true)?;
        let normalized = centered
            .try_div(&var.add_scalar(self.eps).sqrt())?
            .try_reshape(x.shape())?;
        affine(
            normalized,
            self.weight.as_ref(),
            self.bias.as_ref(),
            &channel_shape(self.num_channels, x.ndim()),
        )
    }

    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        affine_parameters(self.weight.as_ref(), self.bias.as_ref())
    }

    training_flag!();

    fn describe(&self) -> String {
        format!(
            "GroupNorm({}, {}, eps={}, affine={})",
            self.num_groups,
            self.num_channels,
            self.eps,
            self.weight.is_some()
        )
    }
}
