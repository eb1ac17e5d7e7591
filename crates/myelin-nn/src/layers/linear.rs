//! `Linear`: `y = x·Wᵀ + b`.

use myelin_activations::Activation;
use myelin_tensor::{seeded_rng, Element, Tensor};
use rand::Rng;

use crate::error::{NnError, Result};
use crate::init::{uniform_, InitKind, InitSpec};
use crate::module::{parameter, Module};

/// A fully connected layer, PyTorch's `nn.Linear`: input `[*, in_features]`, output
/// `[*, out_features]`, `y = x·Wᵀ + b` with `weight` of shape `[out_features,
/// in_features]` and an optional `bias` of shape `[out_features]`.
///
/// The forward is one fused op, [`Tensor::linear`](myelin_tensor::Tensor::linear): the weight is read through strides (no transposed copy) and its gradient comes out in `[out, in]` layout. A 1-D input `[in_features]` gives a 1-D
/// output, as in PyTorch.
///
/// ```
/// use myelin_nn::{layers::Linear, Module};
/// use myelin_tensor::Tensor;
///
/// let layer = Linear::<f64>::from_tensors(
///     Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?,
///     Some(Tensor::from_vec(vec![0.5, -0.5], &[2])?),
/// )?;
/// let y = layer.forward(&Tensor::from_vec(vec![1.0, 0.0, -1.0], &[1, 3])?)?;
/// assert_eq!(y.to_vec(), vec![-1.5, -2.5]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct Linear<T: Element> {
    weight: Tensor<T>,
    bias: Option<Tensor<T>>,
    training: bool,
}

impl<T: Element> Linear<T> {
    /// A layer with PyTorch's default initialisation, weight and bias both
    /// U(±1/√in_features), drawn from a generator seeded with `seed`.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when `in_features` is 0.
    ///
    /// ```
    /// use myelin_nn::{layers::Linear, Module};
    /// let a = Linear::<f32>::new(4, 3, true, 7)?;
    /// let b = Linear::<f32>::new(4, 3, true, 7)?;
    /// assert_eq!(a.weight().to_vec(), b.weight().to_vec());
    /// assert!(a.weight().to_vec().iter().all(|w| w.abs() <= 0.5));
    /// assert_eq!(a.num_parameters(), 15);
    /// # Ok::<(), myelin_nn::NnError>(())
    /// ```
    pub fn new(in_features: usize, out_features: usize, bias: bool, seed: u64) -> Result<Self> {
        Self::with_init(
            in_features,
            out_features,
            bias,
            &InitSpec::default(),
            None,
            &mut seeded_rng(seed),
        )
    }

    /// A layer whose weight is drawn from `init` (with `activation` consulted for
    /// `gain=auto`). The bias is U(±1/√in_features) for `torch_default` (PyTorch) and
    /// zeros for every other initialiser (the usual choice when an initialiser is given;
    /// PyTorch would keep its default bias).
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] when `in_features` is 0 or `gain=auto` cannot be
    /// resolved for `activation`.
    ///
    /// ```
    /// use myelin_nn::layers::Linear;
    /// use myelin_tensor::seeded_rng;
    /// let layer = Linear::<f64>::with_init(8, 8, true, &"orthogonal".parse()?, None, &mut seeded_rng(0))?;
    /// assert_eq!(layer.bias().unwrap().to_vec(), vec![0.0; 8]);
    /// # Ok::<(), myelin_nn::NnError>(())
    /// ```
    pub fn with_init(
        in_features: usize,
        out_features: usize,
        bias: bool,
        init: &InitSpec,
        activation: Option<&Activation>,
        rng: &mut impl Rng,
    ) -> Result<Self> {
        if in_features == 0 {
            return Err(NnError::InvalidArgument(format!(
                "Linear(in_features=0, out_features={out_features}): in_features must be at least 1"
            )));
        }
        let weight = Tensor::zeros(&[out_features, in_features]).requires_grad_(true);
        init.init_(&weight, activation, rng)?;
        let bias = if bias {
            let b = Tensor::zeros(&[out_features]).requires_grad_(true);
            if init.kind == InitKind::TorchDefault {
                let bound = 1.0 / (in_features as f64).sqrt();
                uniform_(&b, -bound, bound, rng)?;
            }
            Some(b)
        } else {
            None
        };
        Ok(Linear {
            weight,
            bias,
            training: true,
        })
    }

    /// A layer holding copies of the given values: `weight` `[out, in]`, `bias` `[out]`.
    ///
    /// # Errors
    /// [`NnError::Shape`] when the shapes do not fit together.
    pub fn from_tensors(weight: Tensor<T>, bias: Option<Tensor<T>>) -> Result<Self> {
        if weight.ndim() != 2 {
            return Err(NnError::Shape {
                op: "Linear".into(),
                detail: format!("weight must be 2-D [out, in], got {:?}", weight.shape()),
            });
        }
        if let Some(b) = &bias {
            if b.shape() != [weight.shape()[0]] {
                return Err(NnError::Shape {
                    op: "Linear".into(),
                    detail: format!(
                        "bias must have shape [{}], got {:?}",
                        weight.shape()[0],
                        b.shape()
                    ),
                });
            }
        }
        let copy = |t: &Tensor<T>| parameter(t.to_vec(), t.shape());
        Ok(Linear {
            weight: copy(&weight)?,
            bias: bias.as_ref().map(copy).transpose()?,
            training: true,
        })
    }

    /// The weight, `[out_features, in_features]` (a handle to the parameter).
    pub fn weight(&self) -> &Tensor<T> {
        &self.weight
    }

    /// The bias, `[out_features]`, if the layer has one.
    pub fn bias(&self) -> Option<&Tensor<T>> {
        self.bias.as_ref()
    }

    /// Number of input features.
    pub fn in_features(&self) -> usize {
        self.weight.shape()[1]
    }

    /// Number of output features.
    pub fn out_features(&self) -> usize {
        self.weight.shape()[0]
    }
}

impl<T: Element> Module<T> for Linear<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let fits = x.ndim() >= 1 && x.shape()[x.ndim() - 1] == self.in_features();
        if !fits {
            return Err(NnError::Shape {
                op: self.describe(),
                detail: format!(
                    "expected input [*, {}], got {:?}",
                    self.in_features(),
                    x.shape()
                ),
            });
        }
        // One fused op: x·Wᵀ + b, with dW produced directly in [out, in] layout.
        let y = if x.ndim() == 1 {
            x.try_unsqueeze(0)?
                .try_linear(&self.weight, self.bias.as_ref())?
                .try_squeeze(0)?
        } else {
            x.try_linear(&self.weight, self.bias.as_ref())?
        };
        Ok(y)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        super::norm::affine_parameters(Some(&self.weight), self.bias.as_ref())
    }

    training_flag!();

    fn describe(&self) -> String {
        format!(
            "Linear(in_features={}, out_features={}, bias={})",
            self.in_features(),
            self.out_features(),
            self.bias.is_some()
        )
    }
}
