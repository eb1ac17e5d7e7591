//! `Gru`: PyTorch's `nn.GRU` (Cho et al. 2014).

use myelin_tensor::Element;

use super::cell::CellKind;
use super::config::RecurrentConfig;
use super::driver::{recurrent_layer, RecurrentCore};
use crate::error::Result;

/// PyTorch's `nn.GRU`:
///
/// ```text
/// r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
/// h' = (1 − z) ⊙ n + z ⊙ h
/// ```
///
/// Note where the reset gate acts: on `W_hn h + b_hn`, PyTorch's (and cuDNN's)
/// placement, not on `h` before the product as in the original paper. Parameters use
/// PyTorch's names and gate order (r, z, n): `weight_ih_l{k}` `[3·hidden, in]`,
/// `weight_hh_l{k}` `[3·hidden, hidden]`, `bias_ih_l{k}`, `bias_hh_l{k}`, `…_reverse`;
/// all drawn from U(±1/√hidden_size).
///
/// ```
/// use myelin_nn::layers::{Gru, RecurrentConfig};
/// use myelin_nn::Module;
/// use myelin_tensor::Tensor;
///
/// let gru = Gru::<f32>::new(RecurrentConfig::new(2, 3).bias(false), 0)?;
/// let out = gru.forward(&Tensor::ones(&[4, 2]))?; // unbatched [seq, input]
/// assert_eq!(out.shape(), &[4, 3]);
/// assert_eq!(gru.num_parameters(), 3 * 3 * 2 + 3 * 3 * 3);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct Gru<T: Element> {
    core: RecurrentCore<T>,
}

impl<T: Element> Gru<T> {
    /// A layer with PyTorch's initialisation from a generator seeded with `seed`.
    ///
    /// # Errors
    /// [`crate::NnError::InvalidArgument`] for a zero size or layer count, or a dropout
    /// probability outside `[0, 1]`.
    pub fn new(config: RecurrentConfig, seed: u64) -> Result<Self> {
        Ok(Gru {
            core: RecurrentCore::new(CellKind::Gru, config, seed)?,
        })
    }
}

recurrent_layer!(Gru);
