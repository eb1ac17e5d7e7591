//! `AlphaDropout`: dropout that keeps SELU's zero mean and unit variance.

use std::sync::Mutex;

use myelin_tensor::{seeded_rng, Element, Tensor};
use rand::rngs::StdRng;

use super::dropout::{check_probability, keep_mask};
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
    p: f64,
    rng: Mutex<StdRng>,
    training: bool,
}

impl AlphaDropout {
    /// Alpha dropout with probability `p`, its generator seeded with `seed`.
    ///
    /// # Errors
    /// [`crate::NnError::InvalidArgument`] unless `0 ≤ p ≤ 1`.
    pub fn new(p: f64, seed: u64) -> Result<Self> {
        check_probability("AlphaDropout", p)?;
        Ok(AlphaDropout {
            p,
            rng: Mutex::new(seeded_rng(seed)),
            training: true,
        })
    }

    /// The affine correction `(a, b)` for drop probability `p < 1`.
    pub fn affine(p: f64) -> (f64, f64) {
        let a = ((1.0 - p) * (1.0 + p * ALPHA_PRIME * ALPHA_PRIME)).powf(-0.5);
        (a, -a * ALPHA_PRIME * p)
    }
}

impl AlphaDropout {
    /// Sets training mode (same as [`Module::train`], without naming the element type).
    pub fn train(&mut self, mode: bool) {
        self.training = mode;
    }

    /// Evaluation mode: the identity.
    pub fn eval(&mut self) {
        self.training = false;
    }

    /// Whether the layer is in training mode.
    pub fn is_training(&self) -> bool {
        self.training
    }
}

impl<T: Element> Module<T> for AlphaDropout {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        if !self.training || self.p == 0.0 {
            return Ok(x.clone());
        }
        if self.p == 1.0 {
            return Ok(x.mul_scalar(0.0));
        }
        let (a, b) = Self::affine(self.p);
        let keep = keep_mask(&self.rng, x.numel(), self.p);
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

    fn train(&mut self, mode: bool) {
        self.training = mode;
    }

    fn is_training(&self) -> bool {
        self.training
    }

    fn describe(&self) -> String {
        format!("AlphaDropout(p={})", self.p)
    }
}
