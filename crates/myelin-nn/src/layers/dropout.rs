//! `Dropout`: random zeroing with 1/(1 − p) scaling during training.

use std::sync::Mutex;

use myelin_tensor::{seeded_rng, Element, Tensor};
use rand::rngs::StdRng;
use rand::Rng;

use crate::error::{NnError, Result};
use crate::module::Module;

/// Checks a drop probability and names the layer in the error.
pub(crate) fn check_probability(layer: &str, p: f64) -> Result<()> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(NnError::InvalidArgument(format!(
            "{layer}: dropout probability has to be between 0 and 1, but got {p}"
        )))
    }
}

/// What every dropout layer holds: the drop probability, a generator of its own
/// (seeded at construction, so a run is reproducible; each forward pass advances it) and
/// the training mode.
pub(crate) struct DropoutState {
    pub(crate) p: f64,
    rng: Mutex<StdRng>,
    pub(crate) training: bool,
}

impl DropoutState {
    /// Checks `p` (naming `layer` in the error) and seeds the generator.
    pub(crate) fn new(layer: &str, p: f64, seed: u64) -> Result<Self> {
        check_probability(layer, p)?;
        Ok(DropoutState {
            p,
            rng: Mutex::new(seeded_rng(seed)),
            training: true,
        })
    }

    /// Whether a forward pass changes its input: training mode with `p > 0`.
    pub(crate) fn active(&self) -> bool {
        self.training && self.p != 0.0
    }

    /// Draws a keep (`true`) / drop mask with keep probability `1 − p`.
    pub(crate) fn keep_mask(&self, n: usize) -> Vec<bool> {
        // A poisoned lock only means another thread panicked mid-draw; the generator
        // state is still a valid state.
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        (0..n).map(|_| rng.gen::<f64>() >= self.p).collect()
    }
}

/// The mode methods of a dropout layer holding a `state: DropoutState`: inherent ones
/// (`dropout_mode!(Layer)`, so callers need not name the element type) and, inside its
/// `Module` impl, the trait's (`dropout_mode!(module)`).
macro_rules! dropout_mode {
    (module) => {
        fn train(&mut self, mode: bool) {
            self.state.training = mode;
        }

        fn is_training(&self) -> bool {
            self.state.training
        }
    };
    ($layer:ty) => {
        impl $layer {
            /// Sets training mode (same as [`Module::train`], without naming the element
            /// type).
            pub fn train(&mut self, mode: bool) {
                self.state.training = mode;
            }

            /// Evaluation mode: the identity.
            pub fn eval(&mut self) {
                self.state.training = false;
            }

            /// Whether the layer is in training mode.
            pub fn is_training(&self) -> bool {
                self.state.training
            }
        }
    };
}
pub(crate) use dropout_mode;

/// PyTorch's `nn.Dropout(p)`: in training mode each element is zeroed with probability
/// `p` and the survivors are scaled by `1/(1 − p)` (so the expectation is unchanged); in
/// evaluation mode it is the identity.
///
/// The random generator is owned by the layer and seeded at construction, so a run is
/// reproducible; each forward pass advances it.
///
/// ```
/// use myelin_nn::{layers::Dropout, Module};
/// use myelin_tensor::Tensor;
///
/// let mut drop = Dropout::new(0.5, 42)?;
/// let y: Tensor<f64> = drop.forward(&Tensor::ones(&[1000]))?;
/// assert!(y.to_vec().iter().all(|&v| v == 0.0 || v == 2.0));
/// drop.eval();
/// assert_eq!(drop.forward(&Tensor::<f64>::ones(&[3]))?.to_vec(), vec![1.0; 3]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct Dropout {
    state: DropoutState,
}

impl Dropout {
    /// Dropout with probability `p`, its generator seeded with `seed`.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] unless `0 ≤ p ≤ 1`.
    pub fn new(p: f64, seed: u64) -> Result<Self> {
        Ok(Dropout {
            state: DropoutState::new("Dropout", p, seed)?,
        })
    }

    /// The drop probability.
    pub fn p(&self) -> f64 {
        self.state.p
    }
}

dropout_mode!(Dropout);

impl<T: Element> Module<T> for Dropout {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        if !self.state.active() {
            return Ok(x.clone());
        }
        let p = self.state.p;
        let scale = if p == 1.0 { 0.0 } else { 1.0 / (1.0 - p) };
        let mask: Vec<T> = self
            .state
            .keep_mask(x.numel())
            .into_iter()
            .map(|keep| T::from_f64(if keep { scale } else { 0.0 }))
            .collect();
        Ok(x.try_mul(&Tensor::from_vec(mask, x.shape())?)?)
    }

    dropout_mode!(module);

    fn describe(&self) -> String {
        format!("Dropout(p={})", self.state.p)
    }
}
