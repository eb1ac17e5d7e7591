//! The architectures the study trains, built with the activation and initialiser under test
//! so that the gradient of every hidden layer (or time step) can be watched.
//!
//! | [`Arch`] | task | depth means | hidden tensors watched |
//! |---|---|---|---|
//! | `mlp` | digits | hidden layers `64 → w × depth → 10` | pre-activations |
//! | `resmlp` | digits | residual blocks `h ← h + W φ(h)` | the residual stream after each block |
//! | `resmlp_ln` | digits | pre-LayerNorm blocks `h ← h + W φ(LN(h))` | the residual stream |
//! | `cnn` | digits (8×8) | 3×3 conv layers (a 2×2 max pool after the first) | conv outputs |
//! | `rnn` | adding problem | sequence length `T` (depth in time) | pre-activations `a_t` |
//!
//! Residual branches are initialised with the activation's initialiser scaled by `1/√depth`,
//! so the residual stream's variance grows by at most `e` over the whole stack instead of
//! doubling per block (the usual residual scaling; without it a plain ReLU residual MLP's
//! forward pass overflows at depth ≈ 100).

use myelin_activations::Activation;
use myelin_nn::init::{normal_, InitSpec};
use myelin_nn::layers::{ActivationLayer, Conv2d, LayerNorm, Linear, MaxPool2d, Mlp, Sequential};
use myelin_nn::Module;
use myelin_tensor::{seeded_rng, Conv2dOptions, Element, MaxPool2dOptions, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::LabError;

/// An architecture of the training comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arch {
    /// Plain MLP on digits.
    Mlp,
    /// Residual MLP on digits, no normalisation.
    #[serde(rename = "resmlp")]
    ResMlp,
    /// Residual MLP with pre-LayerNorm blocks on digits.
    #[serde(rename = "resmlp_ln")]
    ResMlpLn,
    /// A small CNN on the 8×8 digit images.
    Cnn,
    /// A vanilla recurrent net on the adding problem.
    Rnn,
}

impl Arch {
    /// Every architecture, in report order.
    pub const ALL: [Arch; 5] = [
        Arch::Mlp,
        Arch::ResMlp,
        Arch::ResMlpLn,
        Arch::Cnn,
        Arch::Rnn,
    ];

    /// The name used in configuration files, CSV and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::Mlp => "mlp",
            Arch::ResMlp => "resmlp",
            Arch::ResMlpLn => "resmlp_ln",
            Arch::Cnn => "cnn",
            Arch::Rnn => "rnn",
        }
    }

    /// A readable description for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Arch::Mlp => "plain MLP (digits)",
            Arch::ResMlp => "residual MLP (digits)",
            Arch::ResMlpLn => "residual MLP + LayerNorm (digits)",
            Arch::Cnn => "CNN (digits)",
            Arch::Rnn => "RNN (adding problem)",
        }
    }

    /// What "depth" counts for this architecture.
    pub fn depth_unit(self) -> &'static str {
        match self {
            Arch::Mlp => "hidden layers",
            Arch::ResMlp | Arch::ResMlpLn => "residual blocks",
            Arch::Cnn => "conv layers",
            Arch::Rnn => "time steps",
        }
    }

    /// Whether it trains on the adding problem (else on digits).
    pub fn is_recurrent(self) -> bool {
        self == Arch::Rnn
    }
}

impl std::fmt::Display for Arch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Arch {
    type Err = LabError;

    fn from_str(text: &str) -> Result<Self, LabError> {
        Arch::ALL
            .into_iter()
            .find(|a| a.as_str() == text)
            .ok_or_else(|| {
                LabError::InvalidConfig(format!(
                    "unknown architecture `{text}`; valid: mlp, resmlp, resmlp_ln, cnn, rnn"
                ))
            })
    }
}

/// What a network is fed: a `[batch, features]` matrix, or one `[batch, features]` matrix
/// per time step.
pub enum Input<T: Element> {
    /// Rows of features.
    Flat(Tensor<T>),
    /// A sequence, first step first.
    Sequence(Vec<Tensor<T>>),
}

/// One forward pass: the output and the watched hidden tensors.
pub struct Forward<T: Element> {
    /// Logits `[batch, classes]` or predictions `[batch, 1]`.
    pub output: Tensor<T>,
    /// The tensors whose gradient norms are recorded (one per layer / block / time step).
    pub watched: Vec<Tensor<T>>,
    /// The inputs of the activation at each layer, for the dead-unit fraction.
    pub pre_activations: Vec<Tensor<T>>,
}

/// One residual block: optional pre-LayerNorm, then `W φ(·)` added to the stream.
pub struct Block<T: Element> {
    /// The block's LayerNorm (pre-LN variant only).
    pub norm: Option<LayerNorm<T>>,
    /// `W` (and its bias).
    pub linear: Linear<T>,
}

/// A network of one [`Arch`].
pub enum Net<T: Element> {
    /// `Linear, φ, Linear, φ, …, Linear` (the lab's usual MLP).
    Mlp(Sequential<T>),
    /// Input projection, residual blocks, optional final norm, read-out.
    Residual {
        /// `64 → width`.
        input: Linear<T>,
        /// The blocks.
        blocks: Vec<Block<T>>,
        /// Final LayerNorm (pre-LN variant).
        norm: Option<LayerNorm<T>>,
        /// `width → classes`.
        head: Linear<T>,
        /// The activation.
        act: ActivationLayer<T>,
    },
    /// Convolutions, one max pool, read-out.
    Cnn {
        /// The conv layers.
        convs: Vec<Conv2d<T>>,
        /// After the first conv.
        pool: MaxPool2d,
        /// `channels·4·4 → classes`.
        head: Linear<T>,
        /// The activation.
        act: ActivationLayer<T>,
    },
    /// `a_t = W_x x_t + b + W_h h_{t−1}`, `h_t = φ(a_t)`, read-out of `h_T`.
    Rnn {
        /// `W_x`, `b`.
        input: Linear<T>,
        /// `W_h` (no bias).
        recurrent: Linear<T>,
        /// `hidden → 1`.
        head: Linear<T>,
        /// The activation.
        act: ActivationLayer<T>,
    },
}

/// How to build a network.
#[derive(Debug, Clone, Copy)]
pub struct NetSpec<'a> {
    /// The architecture.
    pub arch: Arch,
    /// Activation.
    pub activation: &'a Activation,
    /// Initialiser, `gain=critical` already resolved.
    pub init: &'a InitSpec,
    /// Depth (see [`Arch`]).
    pub depth: usize,
    /// Hidden width (channels for the CNN).
    pub width: usize,
    /// Input features per sample (per time step for the RNN).
    pub inputs: usize,
    /// Outputs.
    pub outputs: usize,
    /// Standard deviation of the biases (0: zero biases).
    pub bias_std: f64,
    /// Seed of every weight.
    pub seed: u64,
}

fn linear<T: Element>(
    fan_in: usize,
    fan_out: usize,
    spec: &NetSpec<'_>,
    rng: &mut impl rand::Rng,
) -> Result<Linear<T>, LabError> {
    Ok(Linear::with_init(
        fan_in,
        fan_out,
        true,
        spec.init,
        Some(spec.activation),
        rng,
    )?)
}

fn fill_biases<T: Element>(
    biases: &[Tensor<T>],
    std: f64,
    rng: &mut impl rand::Rng,
) -> Result<(), LabError> {
    if std > 0.0 {
        for b in biases {
            normal_(b, 0.0, std, rng)?;
        }
    }
    Ok(())
}

impl<T: Element> Net<T> {
    /// Builds the network, deterministic in `spec.seed`.
    pub fn build(spec: &NetSpec<'_>) -> Result<Self, LabError> {
        if spec.depth == 0 || spec.width == 0 {
            return Err(LabError::InvalidConfig(format!(
                "{}: depth and width must be positive (got depth {}, width {})",
                spec.arch, spec.depth, spec.width
            )));
        }
        let mut rng = seeded_rng(myelin_tensor_seed(spec.seed));
        let act = || ActivationLayer::<T>::new(*spec.activation);
        let net = match spec.arch {
            Arch::Mlp => {
                let mut widths = vec![spec.inputs];
                widths.extend(std::iter::repeat_n(spec.width, spec.depth));
                widths.push(spec.outputs);
                let model = Mlp::new(&widths, *spec.activation)
                    .init(*spec.init)
                    .seed(spec.seed)
                    .build::<T>()?;
                let biases: Vec<Tensor<T>> = model
                    .named_parameters()
                    .into_iter()
                    .filter(|(n, _)| n.ends_with("bias"))
                    .map(|(_, t)| t)
                    .collect();
                fill_biases(&biases, spec.bias_std, &mut rng)?;
                Net::Mlp(model)
            }
            Arch::ResMlp | Arch::ResMlpLn => {
                let input = linear(spec.inputs, spec.width, spec, &mut rng)?;
                let scale = 1.0 / (spec.depth as f64).sqrt();
                let mut blocks = Vec::with_capacity(spec.depth);
                for _ in 0..spec.depth {
                    let l = linear::<T>(spec.width, spec.width, spec, &mut rng)?;
                    l.weight().update_data(|d| {
                        for v in d.iter_mut() {
                            *v = T::from_f64(Element::to_f64(*v) * scale);
                        }
                    })?;
                    blocks.push(Block {
                        norm: if spec.arch == Arch::ResMlpLn {
                            Some(LayerNorm::new(&[spec.width])?)
                        } else {
                            None
                        },
                        linear: l,
                    });
                }
                let head = linear(spec.width, spec.outputs, spec, &mut rng)?;
                let mut biases: Vec<Tensor<T>> = blocks
                    .iter()
                    .filter_map(|b| b.linear.bias().cloned())
                    .collect();
                biases.extend(input.bias().cloned());
                fill_biases(&biases, spec.bias_std, &mut rng)?;
                Net::Residual {
                    input,
                    blocks,
                    norm: (spec.arch == Arch::ResMlpLn)
                        .then(|| LayerNorm::new(&[spec.width]))
                        .transpose()?,
                    head,
                    act: act()?,
                }
            }
            Arch::Cnn => {
                let pad = Conv2dOptions::default().padding(1);
                let mut convs = Vec::with_capacity(spec.depth);
                for l in 0..spec.depth {
                    let c_in = if l == 0 { 1 } else { spec.width };
                    let conv = Conv2d::<T>::with_init(c_in, spec.width, 3, pad, true, &mut rng)?;
                    spec.init
                        .init_(conv.weight(), Some(spec.activation), &mut rng)?;
                    if let Some(b) = conv.bias() {
                        b.update_data(|d| d.iter_mut().for_each(|v| *v = T::from_f64(0.0)))?;
                    }
                    convs.push(conv);
                }
                let biases: Vec<Tensor<T>> =
                    convs.iter().filter_map(|c| c.bias().cloned()).collect();
                fill_biases(&biases, spec.bias_std, &mut rng)?;
                let head = linear(spec.width * 16, spec.outputs, spec, &mut rng)?;
                Net::Cnn {
                    convs,
                    pool: MaxPool2d::new(MaxPool2dOptions::new(2)),
                    head,
                    act: act()?,
                }
            }
            Arch::Rnn => {
                let input = linear(spec.inputs, spec.width, spec, &mut rng)?;
                let recurrent = Linear::with_init(
                    spec.width,
                    spec.width,
                    false,
                    spec.init,
                    Some(spec.activation),
                    &mut rng,
                )?;
                let head = linear(spec.width, spec.outputs, spec, &mut rng)?;
                fill_biases(
                    &input.bias().cloned().into_iter().collect::<Vec<_>>(),
                    spec.bias_std,
                    &mut rng,
                )?;
                Net::Rnn {
                    input,
                    recurrent,
                    head,
                    act: act()?,
                }
            }
        };
        Ok(net)
    }

    /// Every learnable parameter.
    pub fn parameters(&self) -> Vec<Tensor<T>> {
        match self {
            Net::Mlp(m) => m.parameters(),
            Net::Residual {
                input,
                blocks,
                norm,
                head,
                ..
            } => {
                let mut p = input.parameters();
                for b in blocks {
                    if let Some(n) = &b.norm {
                        p.extend(n.parameters());
                    }
                    p.extend(b.linear.parameters());
                }
                if let Some(n) = norm {
                    p.extend(n.parameters());
                }
                p.extend(head.parameters());
                p
            }
            Net::Cnn { convs, head, .. } => {
                let mut p: Vec<Tensor<T>> = convs.iter().flat_map(|c| c.parameters()).collect();
                p.extend(head.parameters());
                p
            }
            Net::Rnn {
                input,
                recurrent,
                head,
                ..
            } => {
                let mut p = input.parameters();
                p.extend(recurrent.parameters());
                p.extend(head.parameters());
                p
            }
        }
    }

    /// One forward pass.
    pub fn forward(&self, x: &Input<T>) -> Result<Forward<T>, LabError> {
        let wrong = |what: &str| {
            LabError::InvalidConfig(format!(
                "network input: {what} expected for this architecture"
            ))
        };
        match self {
            Net::Mlp(m) => {
                let Input::Flat(x) = x else {
                    return Err(wrong("a feature matrix"));
                };
                let mut outputs = m.forward_all(x)?;
                // Children alternate Linear, activation: the hidden pre-activations are the
                // outputs of children 0, 2, 4, … → outputs[1], outputs[3], ….
                let depth = (m.len() - 1) / 2;
                let watched: Vec<Tensor<T>> =
                    (0..depth).map(|l| outputs[1 + 2 * l].clone()).collect();
                let output = outputs.pop().expect("at least the input");
                Ok(Forward {
                    output,
                    pre_activations: watched.clone(),
                    watched,
                })
            }
            Net::Residual {
                input,
                blocks,
                norm,
                head,
                act,
            } => {
                let Input::Flat(x) = x else {
                    return Err(wrong("a feature matrix"));
                };
                let mut h = input.forward(x)?;
                let mut watched = Vec::with_capacity(blocks.len());
                let mut pre = Vec::with_capacity(blocks.len());
                for b in blocks {
                    let u = match &b.norm {
                        Some(n) => n.forward(&h)?,
                        None => h.clone(),
                    };
                    let branch = b.linear.forward(&act.forward(&u)?)?;
                    pre.push(u);
                    h = h.try_add(&branch)?;
                    watched.push(h.clone());
                }
                let h = match norm {
                    Some(n) => n.forward(&h)?,
                    None => h,
                };
                Ok(Forward {
                    output: head.forward(&h)?,
                    watched,
                    pre_activations: pre,
                })
            }
            Net::Cnn {
                convs,
                pool,
                head,
                act,
            } => {
                let Input::Flat(x) = x else {
                    return Err(wrong("a feature matrix"));
                };
                let n = x.shape()[0];
                let mut h = x.try_reshape(&[n, 1, 8, 8])?;
                let mut watched = Vec::with_capacity(convs.len());
                for (l, conv) in convs.iter().enumerate() {
                    let a = conv.forward(&h)?;
                    watched.push(a.clone());
                    h = act.forward(&a)?;
                    if l == 0 {
                        h = pool.forward(&h)?;
                    }
                }
                let features = h.shape()[1..].iter().product();
                let flat = h.try_reshape(&[n, features])?;
                Ok(Forward {
                    output: head.forward(&flat)?,
                    pre_activations: watched.clone(),
                    watched,
                })
            }
            Net::Rnn {
                input,
                recurrent,
                head,
                act,
            } => {
                let Input::Sequence(steps) = x else {
                    return Err(wrong("a sequence"));
                };
                let mut h: Option<Tensor<T>> = None;
                let mut watched = Vec::with_capacity(steps.len());
                for x_t in steps {
                    let mut a = input.forward(x_t)?;
                    if let Some(prev) = &h {
                        a = a.try_add(&recurrent.forward(prev)?)?;
                    }
                    watched.push(a.clone());
                    h = Some(act.forward(&a)?);
                }
                let h = h.ok_or_else(|| wrong("a non-empty sequence"))?;
                Ok(Forward {
                    output: head.forward(&h)?,
                    pre_activations: watched.clone(),
                    watched,
                })
            }
        }
    }
}

/// The seed of the non-MLP weight generator (kept apart from [`Mlp`]'s own stream).
fn myelin_tensor_seed(seed: u64) -> u64 {
    crate::probe::derive_seed(seed, 0x6172_6368)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec<'a>(arch: Arch, a: &'a Activation, i: &'a InitSpec) -> NetSpec<'a> {
        NetSpec {
            arch,
            activation: a,
            init: i,
            depth: 3,
            width: 4,
            inputs: if arch == Arch::Rnn { 2 } else { 64 },
            outputs: if arch == Arch::Rnn { 1 } else { 10 },
            bias_std: 0.1,
            seed: 7,
        }
    }

    #[test]
    fn every_architecture_builds_runs_and_watches_each_layer() {
        let a: Activation = "tanh".parse().unwrap();
        let i: InitSpec = "xavier_normal".parse().unwrap();
        for arch in Arch::ALL {
            let net = Net::<f64>::build(&spec(arch, &a, &i)).unwrap();
            let x = if arch == Arch::Rnn {
                Input::Sequence((0..5).map(|_| Tensor::ones(&[2, 2])).collect())
            } else {
                Input::Flat(Tensor::ones(&[2, 64]))
            };
            let f = net.forward(&x).unwrap();
            let want = if arch == Arch::Rnn { 5 } else { 3 };
            assert_eq!(f.watched.len(), want, "{arch}");
            assert_eq!(f.output.shape(), &[2, spec(arch, &a, &i).outputs], "{arch}");
            assert!(!net.parameters().is_empty());
            assert_eq!(arch.as_str().parse::<Arch>().unwrap(), arch);
        }
        let e = "transformer".parse::<Arch>().unwrap_err().to_string();
        assert!(e.contains("transformer") && e.contains("resmlp_ln"), "{e}");
        let bad = NetSpec {
            depth: 0,
            ..spec(Arch::Cnn, &a, &i)
        };
        let e = Net::<f64>::build(&bad).err().unwrap().to_string();
        assert!(e.contains("cnn") && e.contains("depth 0"), "{e}");
    }

    #[test]
    fn residual_branches_are_scaled_by_one_over_sqrt_depth() {
        let a: Activation = "relu".parse().unwrap();
        let i: InitSpec = "kaiming_normal".parse().unwrap();
        let s = NetSpec {
            width: 64,
            depth: 16,
            ..spec(Arch::ResMlp, &a, &i)
        };
        let Net::Residual { blocks, .. } = Net::<f64>::build(&s).unwrap() else {
            panic!("residual");
        };
        let w = blocks[0].linear.weight().to_vec();
        let var = w.iter().map(|v| v * v).sum::<f64>() / w.len() as f64;
        // Kaiming: Var = 2/64; scaled by 1/16.
        let want = 2.0 / 64.0 / 16.0;
        assert!((var / want - 1.0).abs() < 0.1, "var {var}, want {want}");
    }
}
