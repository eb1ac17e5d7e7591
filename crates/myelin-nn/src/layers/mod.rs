//! Layers: one file per layer, each implementing [`crate::Module`].
//!
//! | layer | PyTorch |
//! |---|---|
//! | [`Linear`] | `nn.Linear` |
//! | [`Conv1d`], [`Conv2d`] | `nn.Conv1d`, `nn.Conv2d` |
//! | [`ConvTranspose2d`] | `nn.ConvTranspose2d` |
//! | [`MaxPool1d`], [`MaxPool2d`] | `nn.MaxPool1d`, `nn.MaxPool2d` |
//! | [`AvgPool1d`], [`AvgPool2d`] | `nn.AvgPool1d`, `nn.AvgPool2d` |
//! | [`AdaptiveAvgPool1d`], [`AdaptiveAvgPool2d`] | `nn.AdaptiveAvgPool1d`, `nn.AdaptiveAvgPool2d` |
//! | [`ActivationLayer`] | `nn.ReLU`, `nn.PReLU`, `nn.Softmax`, … (any [`myelin_activations::Activation`]) |
//! | [`Dropout`] | `nn.Dropout` |
//! | [`AlphaDropout`] | `nn.AlphaDropout` |
//! | [`LayerNorm`] | `nn.LayerNorm` |
//! | [`BatchNorm1d`] | `nn.BatchNorm1d` (`[N, C]` or `[N, C, L]` input) |
//! | [`BatchNorm2d`] | `nn.BatchNorm2d` (`[N, C, H, W]`) |
//! | [`BatchNorm3d`] | `nn.BatchNorm3d` (`[N, C, D, H, W]`) |
//! | [`GroupNorm`] | `nn.GroupNorm` (`[N, C, *]`) |
//! | [`RMSNorm`] | `nn.RMSNorm` (PyTorch 2.4+) |
//! | [`Residual`] | a module with `body` (and `shortcut`) attributes returning `body(x) + x` |
//! | [`Flatten`] | `nn.Flatten` |
//! | [`Sequential`] | `nn.Sequential` |
//! | [`Embedding`] | `nn.Embedding` |
//! | [`MultiheadAttention`] | `nn.MultiheadAttention` |
//! | [`TransformerEncoderLayer`], [`TransformerEncoder`] | `nn.TransformerEncoderLayer`, `nn.TransformerEncoder` |
//! | [`SinusoidalPositionalEncoding`] | the PyTorch tutorial's `PositionalEncoding` |
//! | [`Rnn`], [`Lstm`], [`Gru`] | `nn.RNN`, `nn.LSTM`, `nn.GRU` (see [`recurrent`]) |
//!
//! [`mlp`] / [`Mlp`] build a whole multi-layer perceptron in one line.

/// `Module::train` / `Module::is_training` for a layer whose mode is its `training` field
/// (layers with children or dropout state write their own).
macro_rules! training_flag {
    () => {
        fn train(&mut self, mode: bool) {
            self.training = mode;
        }

        fn is_training(&self) -> bool {
            self.training
        }
    };
}

mod activation;
mod alpha_dropout;
mod attention;
mod conv;
mod dropout;
mod embedding;
mod flatten;
mod layer_norm;
mod linear;
mod mlp;
mod norm;
mod pool;
mod positional;
pub mod recurrent;
mod residual;
mod sequential;
mod transformer;

pub use activation::ActivationLayer;
pub use alpha_dropout::AlphaDropout;
pub use attention::{MhaArgs, MhaMask, MultiheadAttention};
pub use conv::{Conv1d, Conv2d, ConvTranspose2d};
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use flatten::Flatten;
pub use layer_norm::LayerNorm;
pub use linear::Linear;
pub use mlp::{mlp, Mlp};
pub use norm::{
    BatchNorm, BatchNorm1d, BatchNorm2d, BatchNorm3d, BatchNormOptions, GroupNorm, RMSNorm,
};
pub use pool::{AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d};
pub use positional::{sinusoidal_table, SinusoidalPositionalEncoding};
pub use recurrent::{Gru, Lstm, Nonlinearity, RecurrentConfig, RecurrentState, Rnn};
pub use residual::Residual;
pub use sequential::Sequential;
pub use transformer::{EncoderLayerConfig, TransformerEncoder, TransformerEncoderLayer};
