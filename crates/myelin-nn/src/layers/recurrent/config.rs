//! [`RecurrentConfig`]: the hyper-parameters every recurrent layer shares.

use crate::error::{NnError, Result};
use crate::layers::dropout::check_probability;

/// The constructor arguments of PyTorch's `nn.RNN` / `nn.LSTM` / `nn.GRU`, as a builder:
/// `input_size`, `hidden_size`, `num_layers` (1), `bias` (true), `batch_first` (false),
/// `dropout` (0, applied to the output of every layer but the last, in training mode)
/// and `bidirectional` (false). PyTorch's `proj_size` (LSTM projections) is not
/// supported.
///
/// ```
/// use myelin_nn::layers::RecurrentConfig;
/// let config = RecurrentConfig::new(8, 16).num_layers(2).bidirectional(true).batch_first(true);
/// assert_eq!(config.num_directions(), 2);
/// assert_eq!(config.num_layers, 2);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RecurrentConfig {
    /// Features per time step of the input.
    pub input_size: usize,
    /// Features of the hidden state (per direction).
    pub hidden_size: usize,
    /// Stacked layers; layer `k > 0` reads the output of layer `k − 1`.
    pub num_layers: usize,
    /// Whether the layers have `bias_ih` and `bias_hh`.
    pub bias: bool,
    /// Input and output are `[batch, seq, feature]` instead of `[seq, batch, feature]`
    /// (the states `h_0`, `h_n` are `[layers·directions, batch, hidden]` either way).
    pub batch_first: bool,
    /// Dropout probability on the outputs of each layer except the last (training mode).
    pub dropout: f64,
    /// Whether every layer also runs over the sequence in reverse.
    pub bidirectional: bool,
}

impl RecurrentConfig {
    /// PyTorch's defaults for the given sizes.
    pub fn new(input_size: usize, hidden_size: usize) -> Self {
        RecurrentConfig {
            input_size,
            hidden_size,
            num_layers: 1,
            bias: true,
            batch_first: false,
            dropout: 0.0,
            bidirectional: false,
        }
    }

    /// Sets `num_layers`.
    pub fn num_layers(mut self, num_layers: usize) -> Self {
        self.num_layers = num_layers;
        self
    }

    /// Sets `bias`.
    pub fn bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }

    /// Sets `batch_first`.
    pub fn batch_first(mut self, batch_first: bool) -> Self {
        self.batch_first = batch_first;
        self
    }

    /// Sets `dropout`.
    pub fn dropout(mut self, dropout: f64) -> Self {
        self.dropout = dropout;
        self
    }

    /// Sets `bidirectional`.
    pub fn bidirectional(mut self, bidirectional: bool) -> Self {
        self.bidirectional = bidirectional;
        self
    }

    /// 2 for a bidirectional layer, else 1.
    pub fn num_directions(&self) -> usize {
        if self.bidirectional {
            2
        } else {
            1
        }
    }

    /// Checks the sizes and the dropout probability; `layer` names the layer in errors.
    pub(crate) fn validate(&self, layer: &str) -> Result<()> {
        for (name, value) in [
            ("input_size", self.input_size),
            ("hidden_size", self.hidden_size),
            ("num_layers", self.num_layers),
        ] {
            if value == 0 {
                return Err(NnError::InvalidArgument(format!(
                    "{layer}: {name} must be greater than zero, got 0"
                )));
            }
        }
        check_probability(layer, self.dropout)
    }
}
