//! `Rnn`: PyTorch's `nn.RNN`, the Elman network `h' = act(W_ih x + b_ih + W_hh h + b_hh)`.

use myelin_tensor::Element;

use super::cell::CellKind;
use super::config::RecurrentConfig;
use super::driver::{recurrent_layer, RecurrentCore};
use crate::error::Result;

/// The non-linearity of an [`Rnn`] (PyTorch's `nonlinearity='tanh'` or `'relu'`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Nonlinearity {
    /// `tanh` (PyTorch's default).
    #[default]
    Tanh,
    /// `relu`.
    Relu,
}

/// PyTorch's `nn.RNN`: `h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)` with `act`
/// tanh or relu, over `num_layers` stacked layers and one or two directions.
///
/// Parameters (PyTorch's names, `[1·hidden, …]` rows): `weight_ih_l{k}`,
/// `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}`, and `…_reverse` for the reverse
/// direction; all drawn from U(±1/√hidden_size). [`Module::forward`](crate::Module::forward)
/// returns the output sequence; `forward_with` also takes an initial state and sequence
/// lengths and returns the final state.
///
/// ```
/// use myelin_nn::layers::{Nonlinearity, RecurrentConfig, Rnn};
/// use myelin_nn::Module;
/// use myelin_tensor::Tensor;
///
/// let rnn = Rnn::<f64>::new(RecurrentConfig::new(3, 5).num_layers(2), Nonlinearity::Tanh, 0)?;
/// let x = Tensor::<f64>::randn_seeded(&[7, 2, 3], 1); // [seq, batch, input]
/// let (out, state) = rnn.forward_with(&x, None, Some(&[7, 4]))?;
/// assert_eq!(out.shape(), &[7, 2, 5]);
/// assert_eq!(state.h.shape(), &[2, 2, 5]); // [layers, batch, hidden]
/// assert_eq!(out.get(&[5, 1, 0])?, 0.0); // past sequence 1's length
/// assert_eq!(rnn.describe(), "RNN(3, 5, num_layers=2)");
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct Rnn<T: Element> {
    core: RecurrentCore<T>,
}

impl<T: Element> Rnn<T> {
    /// A layer with PyTorch's initialisation from a generator seeded with `seed`.
    ///
    /// # Errors
    /// [`crate::NnError::InvalidArgument`] for a zero size or layer count, or a dropout
    /// probability outside `[0, 1]`.
    pub fn new(config: RecurrentConfig, nonlinearity: Nonlinearity, seed: u64) -> Result<Self> {
        let kind = match nonlinearity {
            Nonlinearity::Tanh => CellKind::RnnTanh,
            Nonlinearity::Relu => CellKind::RnnRelu,
        };
        Ok(Rnn {
            core: RecurrentCore::new(kind, config, seed)?,
        })
    }
}

recurrent_layer!(Rnn);
