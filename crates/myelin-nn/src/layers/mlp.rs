//! One-line multi-layer perceptrons.

use myelin_activations::Activation;
use myelin_tensor::{seeded_rng, Element};

use super::{ActivationLayer, Linear, Sequential};
use crate::error::{NnError, Result};
use crate::init::InitSpec;

/// Builds `Linear(w0→w1), act, Linear(w1→w2), act, …, Linear(wₙ₋₁→wₙ)`: an activation
/// after every hidden layer, none after the last, biases on, weights drawn from `init`
/// from one generator seeded with `seed`. See [`Mlp`] for the options.
///
/// Children are numbered like a PyTorch `nn.Sequential`: linear layers at even
/// indices (`0.weight`, `2.weight`, …), activations in between.
///
/// # Errors
/// [`NnError::InvalidArgument`] for fewer than two widths or a zero width, or when the
/// initialiser's `gain=auto` has no value for the activation.
///
/// ```
/// use myelin_nn::{layers::mlp, Module};
/// use myelin_tensor::Tensor;
///
/// let model = mlp::<f32>(&[64, 128, 128, 10], "relu".parse()?, "kaiming_normal".parse()?, 0)?;
/// assert_eq!(model.len(), 5);
/// assert_eq!(model.forward(&Tensor::zeros(&[8, 64]))?.shape(), &[8, 10]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub fn mlp<T: Element>(
    widths: &[usize],
    activation: Activation,
    init: InitSpec,
    seed: u64,
) -> Result<Sequential<T>> {
    Mlp::new(widths, activation).init(init).seed(seed).build()
}

/// The options of a multi-layer perceptron; [`Mlp::build`] makes the [`Sequential`].
///
/// With `gain=auto` every linear layer gets the gain of the network's activation
/// (the same scale for all layers, as in a PyTorch loop that calls
/// `kaiming_normal_(layer.weight, nonlinearity=…)` on each layer).
///
/// ```
/// use myelin_nn::{layers::Mlp, Module};
///
/// let model = Mlp::new(&[3, 5, 2], "tanh".parse()?)
///     .init("xavier_normal(gain=auto)".parse()?)
///     .bias(false)
///     .final_activation(Some("softmax".parse()?))
///     .seed(1)
///     .build::<f64>()?;
/// let names: Vec<String> = model.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["0.weight", "2.weight"]);
/// assert_eq!(model.len(), 4);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    widths: Vec<usize>,
    activation: Activation,
    final_activation: Option<Activation>,
    init: InitSpec,
    bias: bool,
    seed: u64,
}

impl Mlp {
    /// Layer widths (input first, output last) and the hidden activation; defaults:
    /// `torch_default` init, biases, no final activation, seed 0.
    pub fn new(widths: &[usize], activation: Activation) -> Self {
        Mlp {
            widths: widths.to_vec(),
            activation,
            final_activation: None,
            init: InitSpec::default(),
            bias: true,
            seed: 0,
        }
    }

    /// The weight initialiser.
    pub fn init(mut self, init: InitSpec) -> Self {
        self.init = init;
        self
    }

    /// Whether linear layers have biases.
    pub fn bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }

    /// An activation after the last linear layer (e.g. the same one, or softmax).
    pub fn final_activation(mut self, activation: Option<Activation>) -> Self {
        self.final_activation = activation;
        self
    }

    /// The seed of the generator all weights are drawn from.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Builds the network.
    ///
    /// # Errors
    /// See [`mlp`].
    pub fn build<T: Element>(&self) -> Result<Sequential<T>> {
        if self.widths.len() < 2 || self.widths.contains(&0) {
            return Err(NnError::InvalidArgument(format!(
                "mlp: need at least two widths (input and output), all >= 1, got {:?}",
                self.widths
            )));
        }
        let mut rng = seeded_rng(self.seed);
        let mut model = Sequential::new();
        let layers = self.widths.len() - 1;
        for (i, pair) in self.widths.windows(2).enumerate() {
            model.push(Box::new(Linear::<T>::with_init(
                pair[0],
                pair[1],
                self.bias,
                &self.init,
                Some(&self.activation),
                &mut rng,
            )?));
            let act = if i + 1 < layers {
                Some(self.activation)
            } else {
                self.final_activation
            };
            if let Some(act) = act {
                model.push(Box::new(ActivationLayer::new(act)?));
            }
        }
        Ok(model)
    }
}
