//! `Lstm`: PyTorch's `nn.LSTM` (Hochreiter & Schmidhuber 1997, with a forget gate).

use myelin_tensor::Element;

use super::cell::CellKind;
use super::config::RecurrentConfig;
use super::driver::{recurrent_layer, RecurrentCore};
use crate::error::Result;

/// PyTorch's `nn.LSTM`:
///
/// ```text
/// i = σ(W_ii x + b_ii + W_hi h + b_hi)      f = σ(W_if x + b_if + W_hf h + b_hf)
/// g = tanh(W_ig x + b_ig + W_hg h + b_hg)   o = σ(W_io x + b_io + W_ho h + b_ho)
/// c' = f ⊙ c + i ⊙ g                        h' = o ⊙ tanh(c')
/// ```
///
/// Parameters use PyTorch's names and gate order: `weight_ih_l{k}` is `[4·hidden, in]`
/// with the rows of `W_ii`, `W_if`, `W_ig`, `W_io` in that order; likewise
/// `weight_hh_l{k}` (`[4·hidden, hidden]`), `bias_ih_l{k}`, `bias_hh_l{k}`, and
/// `…_reverse` for the reverse direction. All are drawn from U(±1/√hidden_size), so a
/// PyTorch `state_dict` loads into it as is. PyTorch's `proj_size` is not supported.
///
/// ```
/// use myelin_nn::layers::{Lstm, RecurrentConfig, RecurrentState};
/// use myelin_nn::Module;
/// use myelin_tensor::Tensor;
///
/// let config = RecurrentConfig::new(4, 6).bidirectional(true).batch_first(true);
/// let lstm = Lstm::<f64>::new(config, 0)?;
/// let x = Tensor::<f64>::randn_seeded(&[3, 5, 4], 1); // [batch, seq, input]
/// let h0 = Tensor::zeros(&[2, 3, 6]);
/// let c0 = Tensor::zeros(&[2, 3, 6]);
/// let (out, state) = lstm.forward_with(&x, Some(&RecurrentState::lstm(h0, c0)), None)?;
/// assert_eq!(out.shape(), &[3, 5, 12]); // both directions, forward first
/// assert_eq!(state.c.unwrap().shape(), &[2, 3, 6]);
/// assert_eq!(lstm.named_parameters()[0].0, "weight_ih_l0");
/// assert_eq!(lstm.named_parameters()[4].0, "weight_ih_l0_reverse");
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct Lstm<T: Element> {
    core: RecurrentCore<T>,
}

impl<T: Element> Lstm<T> {
    /// A layer with PyTorch's initialisation from a generator seeded with `seed`.
    ///
    /// # Errors
    /// [`crate::NnError::InvalidArgument`] for a zero size or layer count, or a dropout
    /// probability outside `[0, 1]`.
    pub fn new(config: RecurrentConfig, seed: u64) -> Result<Self> {
        Ok(Lstm {
            core: RecurrentCore::new(CellKind::Lstm, config, seed)?,
        })
    }
}

recurrent_layer!(Lstm);
