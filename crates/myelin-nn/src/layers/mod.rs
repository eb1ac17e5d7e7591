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
//! | [`Embedding`] | `nn.Embedding` |
//! | [`MultiheadAttention`] | `nn.MultiheadAttention` |
//! | [`TransformerEncoderLayer`], [`TransformerEncoder`] | `nn.TransformerEncoderLayer`, `nn.TransformerEncoder` |
//! | [`SinusoidalPositionalEncoding`] | the PyTorch tutorial's `PositionalEncoding` |
//!
//! [`mlp`] / [`Mlp`] build a whole multi-layer perceptron in one line.

mod activation;
mod alpha_dropout;
mod attention;
mod batch_norm;
mod dropout;
mod embedding;
mod flatten;
mod layer_norm;
mod linear;
mod mlp;
mod positional;
mod sequential;
mod transformer;

pub use activation::ActivationLayer;
pub use alpha_dropout::AlphaDropout;
pub use attention::{MhaArgs, MhaMask, MultiheadAttention};
pub use batch_norm::BatchNorm1d;
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use flatten::Flatten;
pub use layer_norm::LayerNorm;
pub use linear::Linear;
pub use mlp::{mlp, Mlp};
pub use positional::{sinusoidal_table, SinusoidalPositionalEncoding};
pub use sequential::Sequential;
pub use transformer::{EncoderLayerConfig, TransformerEncoder, TransformerEncoderLayer};
