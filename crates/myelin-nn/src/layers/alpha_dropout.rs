//! `AlphaDropout`: dropout that keeps SELU's zero mean and unit variance.

use myelin_tensor::{Element, Tensor};

use super::dropout::{dropout_mode, DropoutState};
use crate::error::Result;
use crate::module::Module;

/// SELU's negative saturation value `−λα`.
const ALPHA_PRIME: f64 = -1.758_099_340_847_376_6;

/// PyTorch's `nn.AlphaDropout(p)` (Klambauer et al. 2017): in training mode dropped
/// elements are set to SELU's saturation value `α' = −λα ≈ −1.7581` instead of 0, then
/// everything is transformed by `a·x + b` with `a = ((1 − p)(1 + p·α'²))^(−1/2)` and
/// `b = −a·α'·p`, which keeps zero mean and unit variance for standardised input. In
/// evaluation mode it is the identity; `p = 1` gives zeros, as in PyTorch.
///
/// ```
/// use myelin_nn::{layers::AlphaDropout, Module};
/// use myelin_tensor::Tensor;
///
/// let drop = AlphaDropout::new(0.2, 0)?;
/// let y = drop.forward(&Tensor::<f64>::randn_seeded(&[100_000], 1))?;
/// assert!(y.mean().item()?.abs() < 0.02);
/// assert!((y.var(0).item()? - 1.0).abs() < 0.02);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct AlphaDropout {
    state: DropoutState,
}

impl AlphaDropout {
    /// Alpha dropout with probability `p`, its generator seeded with `seed`.
    ///
    /// # Errors
    /// [`crate::NnError::InvalidArgument`] unless `0 ≤ p ≤ 1`.
    pub fn new(p: f64, seed: u64) -> Result<Self> {
        Ok(AlphaDropout {
            state: DropoutState::new("AlphaDropout", p, seed)?,
        })
    }

    /// The affine correction `(a, b)` for drop probability `p < 1`.
    pub fn affine(p: f64) -> (f64, f64) {
        let a = ((1.0 - p) * (1.0 + p * ALPHA_PRIME * ALPHA_PRIME)).powf(-0.5);
        (a, -a * ALPHA_PRIME * p)
    }
}

dropout_mode!(AlphaDropout);

impl<T: Element> Module<T> for AlphaDropout {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        if !self.state.active() {
            return Ok(x.clone());
        }
        if self.state.p == 1.0 {
            return Ok(x.mul_scalar(0.0));
        }
        let (a, b) = Self::affine(self.state.p);
        let keep = self.state.keep_mask(x.numel());
        // y = a·(x·m + α'·(1 − m)) + b = x·(a·m) + (a·α'·(1 − m) + b).
        let scale: Vec<T> = keep
            .iter()
            .map(|&k| T::from_f64(if k { a } else { 0.0 }))
            .collect();
        let shift: Vec<T> = keep
            .iter()
            .map(|&k| T::from_f64(if k { b } else { a * ALPHA_PRIME + b }))
            .collect();
        let scaled = x.try_mul(&Tensor::from_vec(scale, x.shape())?)?;
        Ok(scaled.try_add(&Tensor::from_vec(shift, x.shape())?)?)
    }

    dropout_mode!(module);

    fn describe(&self) -> String {
        format!("AlphaDropout(p={})", self.state.p)
    }
}
