//! [`RecurrentState`]: the hidden (and, for the LSTM, cell) state of a recurrent layer.

use myelin_tensor::{Element, Tensor};

/// The state a recurrent layer starts from or ends in: `h` for every layer, plus `c` for
/// the LSTM (PyTorch's `h_0` / `(h_0, c_0)` and `h_n` / `(h_n, c_n)`).
///
/// Both are `[num_layers · num_directions, batch, hidden_size]` (`[num_layers ·
/// num_directions, hidden_size]` for an unbatched input), whatever `batch_first` says,
/// as in PyTorch. Entry `layer · num_directions + direction` belongs to that layer and
/// direction (direction 1 is the reverse one).
#[derive(Clone, Debug)]
pub struct RecurrentState<T: Element> {
    /// The hidden state.
    pub h: Tensor<T>,
    /// The cell state (LSTM only; `None` for RNN and GRU).
    pub c: Option<Tensor<T>>,
}

impl<T: Element> RecurrentState<T> {
    /// A hidden state alone (RNN, GRU).
    pub fn hidden(h: Tensor<T>) -> Self {
        RecurrentState { h, c: None }
    }

    /// A hidden state and a cell state (LSTM).
    pub fn lstm(h: Tensor<T>, c: Tensor<T>) -> Self {
        RecurrentState { h, c: Some(c) }
    }
}
