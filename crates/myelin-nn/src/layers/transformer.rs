//! `TransformerEncoderLayer` and `TransformerEncoder`, PyTorch's `nn.TransformerEncoderLayer`
//! / `nn.TransformerEncoder` with the same parameter names, so checkpoints move both ways.

use myelin_activations::Activation;
use myelin_tensor::{Element, Tensor};

use crate::error::{NnError, Result};
use crate::layers::{
    ActivationLayer, Dropout, LayerNorm, Linear, MhaArgs, MhaMask, MultiheadAttention,
};
use crate::module::{prefixed, Module};

/// The constructor arguments of `nn.TransformerEncoderLayer`, with PyTorch's defaults
/// (`dim_feedforward = 2048`, `dropout = 0.1`, `activation = relu`, `layer_norm_eps =
/// 1e-5`, `batch_first = false`, `norm_first = false`, `bias = true`).
///
/// The feed-forward activation is any Myelin activation spec: `"gelu".parse()?`,
/// `"swish(beta=1.5)".parse()?`, `"leaky_relu(0.1)".parse()?`, …
#[derive(Clone, Debug)]
pub struct EncoderLayerConfig {
    /// `d_model` (E).
    pub d_model: usize,
    /// The number of attention heads.
    pub nhead: usize,
    /// The hidden width of the feed-forward block.
    pub dim_feedforward: usize,
    /// Dropout after attention, inside and after the feed-forward block, and on the
    /// attention weights.
    pub dropout: f64,
    /// The feed-forward activation.
    pub activation: Activation,
    /// The layer norms' ε.
    pub layer_norm_eps: f64,
    /// `[N, L, E]` inputs when true, `[L, N, E]` when false.
    pub batch_first: bool,
    /// Pre-norm (`x + sa(norm1(x))`) when true, post-norm (`norm1(x + sa(x))`) when false.
    pub norm_first: bool,
    /// Biases in the linear layers and the attention projections.
    pub bias: bool,
    /// Seeds the initialisation and the dropout masks.
    pub seed: u64,
}

impl EncoderLayerConfig {
    /// PyTorch's defaults for `d_model` and `nhead`.
    pub fn new(d_model: usize, nhead: usize) -> Self {
        EncoderLayerConfig {
            d_model,
            nhead,
            dim_feedforward: 2048,
            dropout: 0.1,
            activation: "relu".parse().expect("relu is a valid activation"),
            layer_norm_eps: 1e-5,
            batch_first: false,
            norm_first: false,
            bias: true,
            seed: 0,
        }
    }
}

/// One Transformer encoder block: self-attention then a feed-forward network, each with a
/// residual connection and a layer norm (before — `norm_first` — or after).
///
/// Parameter names are PyTorch's: `self_attn.in_proj_weight`, `self_attn.in_proj_bias`,
/// `self_attn.out_proj.weight`, `self_attn.out_proj.bias`, `linear1.weight`,
/// `linear1.bias`, `linear2.weight`, `linear2.bias`, `norm1.weight`, `norm1.bias`,
/// `norm2.weight`, `norm2.bias` (and `activation.*` if the activation is learnable, such
/// as PReLU — PyTorch has no such case).
///
/// ```
/// use myelin_nn::layers::{EncoderLayerConfig, TransformerEncoderLayer};
/// use myelin_nn::Module;
/// use myelin_tensor::Tensor;
///
/// let mut cfg = EncoderLayerConfig::new(16, 4);
/// cfg.dim_feedforward = 32;
/// cfg.batch_first = true;
/// cfg.activation = "swish(beta=1.5)".parse()?;
/// let layer = TransformerEncoderLayer::<f32>::new(&cfg)?;
/// let y = layer.forward(&Tensor::randn_seeded(&[2, 7, 16], 0))?;
/// assert_eq!(y.shape(), &[2, 7, 16]);
/// assert_eq!(layer.named_parameters()[0].0, "self_attn.in_proj_weight");
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct TransformerEncoderLayer<T: Element> {
    self_attn: MultiheadAttention<T>,
    linear1: Linear<T>,
    dropout: Dropout,
    linear2: Linear<T>,
    norm1: LayerNorm<T>,
    norm2: LayerNorm<T>,
    dropout1: Dropout,
    dropout2: Dropout,
    activation: ActivationLayer<T>,
    norm_first: bool,
    training: bool,
}

impl<T: Element> TransformerEncoderLayer<T> {
    /// A layer with PyTorch's initialisation (seeded by `config.seed`).
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] for a `d_model` not divisible by `nhead`, a zero
    /// `dim_feedforward`, or a dropout outside `[0, 1]`.
    pub fn new(config: &EncoderLayerConfig) -> Result<Self> {
        let EncoderLayerConfig {
            d_model: e,
            nhead,
            dim_feedforward: ff,
            dropout: p,
            seed,
            ..
        } = *config;
        if ff == 0 {
            return Err(NnError::InvalidArgument(
                "TransformerEncoderLayer: dim_feedforward must be at least 1".into(),
            ));
        }
        let seed = |i: u64| seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(i);
        let norm = || LayerNorm::with_options(&[e], config.layer_norm_eps, true);
        Ok(TransformerEncoderLayer {
            self_attn: MultiheadAttention::new(
                e,
                nhead,
                p,
                config.bias,
                config.batch_first,
                seed(0),
            )?,
            linear1: Linear::new(e, ff, config.bias, seed(1))?,
            dropout: Dropout::new(p, seed(2))?,
            linear2: Linear::new(ff, e, config.bias, seed(3))?,
            norm1: norm()?,
            norm2: norm()?,
            dropout1: Dropout::new(p, seed(4))?,
            dropout2: Dropout::new(p, seed(5))?,
            activation: ActivationLayer::new(config.activation)?,
            norm_first: config.norm_first,
            training: true,
        })
    }

    /// The self-attention block.
    pub fn self_attn(&self) -> &MultiheadAttention<T> {
        &self.self_attn
    }

    /// PyTorch's `forward(src, src_mask, src_key_padding_mask, is_causal)`. Masks follow
    /// [`MhaMask`] (boolean: non-zero = blocked).
    ///
    /// # Errors
    /// [`NnError::Shape`] when the input or the masks do not fit.
    pub fn forward_masked(
        &self,
        src: &Tensor<T>,
        src_mask: Option<MhaMask<'_, T>>,
        src_key_padding_mask: Option<MhaMask<'_, T>>,
        is_causal: bool,
    ) -> Result<Tensor<T>> {
        let args = MhaArgs {
            key_padding_mask: src_key_padding_mask,
            need_weights: false,
            attn_mask: src_mask,
            average_attn_weights: true,
            is_causal,
        };
        let sa = |x: &Tensor<T>| -> Result<Tensor<T>> {
            let (y, _) = self.self_attn.forward_qkv(x, x, x, &args)?;
            self.dropout1.forward(&y)
        };
        let ff = |x: &Tensor<T>| -> Result<Tensor<T>> {
            let h = self.activation.forward(&self.linear1.forward(x)?)?;
            let y = self.linear2.forward(&self.dropout.forward(&h)?)?;
            self.dropout2.forward(&y)
        };
        if self.norm_first {
            let x = src.try_add(&sa(&self.norm1.forward(src)?)?)?;
            Ok(x.try_add(&ff(&self.norm2.forward(&x)?)?)?)
        } else {
            let x = self.norm1.forward(&src.try_add(&sa(src)?)?)?;
            self.norm2.forward(&x.try_add(&ff(&x)?)?)
        }
    }
}

impl<T: Element> Module<T> for TransformerEncoderLayer<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        self.forward_masked(x, None, None, false)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        let mut named = prefixed("self_attn", self.self_attn.named_parameters());
        named.extend(prefixed("linear1", self.linear1.named_parameters()));
        named.extend(prefixed("linear2", self.linear2.named_parameters()));
        named.extend(prefixed("norm1", self.norm1.named_parameters()));
        named.extend(prefixed("norm2", self.norm2.named_parameters()));
        named.extend(prefixed("activation", self.activation.named_parameters()));
        named
    }

    fn train(&mut self, mode: bool) {
        self.training = mode;
        self.self_attn.train(mode);
        self.linear1.train(mode);
        self.linear2.train(mode);
        Module::<T>::train(&mut self.dropout, mode);
        Module::<T>::train(&mut self.dropout1, mode);
        Module::<T>::train(&mut self.dropout2, mode);
        self.norm1.train(mode);
        self.norm2.train(mode);
        self.activation.train(mode);
    }

    fn is_training(&self) -> bool {
        self.training
    }

    fn describe(&self) -> String {
        format!(
            "TransformerEncoderLayer(d_model={}, nhead={}, dim_feedforward={}, activation={}, norm_first={})",
            self.self_attn.embed_dim(),
            self.self_attn.num_heads(),
            self.linear1.out_features(),
            self.activation.activation(),
            self.norm_first
        )
    }
}

/// A stack of `num_layers` encoder layers with an optional final norm, PyTorch's
/// `nn.TransformerEncoder(encoder_layer, num_layers, norm)`. Children are named
/// `layers.0.…`, `layers.1.…`, and `norm.…`.
///
/// As in PyTorch (which deep-copies the given layer), every layer starts with the same
/// weights: all are built from the same config and seed.
///
/// ```
/// use myelin_nn::layers::{EncoderLayerConfig, LayerNorm, TransformerEncoder};
/// use myelin_nn::Module;
///
/// let mut cfg = EncoderLayerConfig::new(8, 2);
/// cfg.dim_feedforward = 16;
/// let enc = TransformerEncoder::<f64>::new(&cfg, 2, Some(LayerNorm::new(&[8])?))?;
/// let names: Vec<String> = enc.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names[0], "layers.0.self_attn.in_proj_weight");
/// assert_eq!(names.last().unwrap(), "norm.bias");
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct TransformerEncoder<T: Element> {
    layers: Vec<TransformerEncoderLayer<T>>,
    norm: Option<LayerNorm<T>>,
    training: bool,
}

impl<T: Element> TransformerEncoder<T> {
    /// `num_layers` layers from `config`, then `norm` if given.
    ///
    /// # Errors
    /// As for [`TransformerEncoderLayer::new`].
    pub fn new(
        config: &EncoderLayerConfig,
        num_layers: usize,
        norm: Option<LayerNorm<T>>,
    ) -> Result<Self> {
        let layers = (0..num_layers)
            .map(|_| TransformerEncoderLayer::new(config))
            .collect::<Result<Vec<_>>>()?;
        Ok(TransformerEncoder {
            layers,
            norm,
            training: true,
        })
    }

    /// The layers.
    pub fn layers(&self) -> &[TransformerEncoderLayer<T>] {
        &self.layers
    }

    /// PyTorch's `forward(src, mask, src_key_padding_mask, is_causal)`.
    ///
    /// # Errors
    /// As for [`TransformerEncoderLayer::forward_masked`].
    pub fn forward_masked(
        &self,
        src: &Tensor<T>,
        mask: Option<MhaMask<'_, T>>,
        src_key_padding_mask: Option<MhaMask<'_, T>>,
        is_causal: bool,
    ) -> Result<Tensor<T>> {
        let mut x = src.clone();
        for layer in &self.layers {
            x = layer.forward_masked(&x, mask, src_key_padding_mask, is_causal)?;
        }
        match &self.norm {
            Some(norm) => norm.forward(&x),
            None => Ok(x),
        }
    }
}

impl<T: Element> Module<T> for TransformerEncoder<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        self.forward_masked(x, None, None, false)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        let mut named = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            named.extend(prefixed(&format!("layers.{i}"), layer.named_parameters()));
        }
        if let Some(norm) = &self.norm {
            named.extend(prefixed("norm", norm.named_parameters()));
        }
        named
    }

    fn train(&mut self, mode: bool) {
        self.training = mode;
        for layer in &mut self.layers {
            layer.train(mode);
        }
        if let Some(norm) = &mut self.norm {
            norm.train(mode);
        }
    }

    fn is_training(&self) -> bool {
        self.training
    }

    fn describe(&self) -> String {
        format!(
            "TransformerEncoder(num_layers={}, norm={})",
            self.layers.len(),
            self.norm.is_some()
        )
    }
}
