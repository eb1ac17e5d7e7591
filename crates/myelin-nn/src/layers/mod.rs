//! Layers: one file per layer, each implementing [`crate::Module`].
//!
//! | layer | PyTorch |
//! |---|---|
//! | [`Linear`] | `nn.Linear` |
//! | [`ActivationLayer`] | `nn.ReLU`, `nn.PReLU`, `nn.Softmax`, … (any [`myelin_activations::Activation`]) |
//! | [`Dropout`] | `nn.Dropout` |
//! | [`AlphaDropout`] | `nn.AlphaDropout` |
//! | [`LayerNorm`] | `nn.LayerNorm` |
//! | [`BatchNorm1d`] | `nn.BatchNorm1d` (`[N, C]` input) |
//! | [`Flatten`] | `nn.Flatten` |
//! | [`Sequential`] | `nn.Sequential` |
//! | [`Rnn`], [`Lstm`], [`Gru`] | `nn.RNN`, `nn.LSTM`, `nn.GRU` (see [`recurrent`]) |
//!
//! [`mlp`] / [`Mlp`] build a whole multi-layer perceptron in one line.

mod activation;
mod alpha_dropout;
mod batch_norm;
mod dropout;
mod flatten;
mod layer_norm;
mod linear;
mod mlp;
pub mod recurrent;
mod sequential;

pub use activation::ActivationLayer;
pub use alpha_dropout::AlphaDropout;
pub use batch_norm::BatchNorm1d;
pub use dropout::Dropout;
pub use flatten::Flatten;
pub use layer_norm::LayerNorm;
pub use linear::Linear;
pub use mlp::{mlp, Mlp};
pub use recurrent::{Gru, Lstm, Nonlinearity, RecurrentConfig, RecurrentState, Rnn};
pub use sequential::Sequential;
