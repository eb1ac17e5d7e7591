//! `ActivationLayer`: any activation of `myelin_activations` as a layer.

use std::sync::Arc;

use myelin_activations::{Activation, Elementwise};
use myelin_tensor::{BinaryFn, Element, Tensor, UnaryFn};

use crate::error::{NnError, Result};
use crate::module::{parameter, Module};

/// Applies an [`Activation`] (PyTorch's `nn.ReLU`, `nn.Tanh`, `nn.PReLU`, `nn.Softmax`,
/// … in one type).
///
/// Activations with a learnable parameter own it: PReLU's slopes are the parameter
/// `weight` (shape `[num_parameters]`, one per channel along dim 1, as in PyTorch) and a
/// learnable swish β is `beta` (shape `[1]`). Elementwise activations run as one fused
/// op whose backward uses the activation's derivative, and whose double backward uses
/// its second derivative; softmax and log-softmax are `x − logsumexp(x)` along their
/// dimension.
///
/// ```
/// use myelin_nn::{layers::ActivationLayer, Module};
/// use myelin_tensor::Tensor;
///
/// let relu = ActivationLayer::<f64>::new("relu".parse()?)?;
/// let y = relu.forward(&Tensor::from_vec(vec![-1.0, 2.0], &[2])?)?;
/// assert_eq!(y.to_vec(), vec![0.0, 2.0]);
///
/// let prelu = ActivationLayer::<f64>::new("prelu".parse()?)?;
/// assert_eq!(prelu.named_parameters()[0].0, "weight");
/// assert_eq!(prelu.forward(&Tensor::from_vec(vec![-4.0], &[1])?)?.to_vec(), vec![-1.0]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct ActivationLayer<T: Element> {
    activation: Activation,
    parameter: Option<(&'static str, Tensor<T>)>,
    training: bool,
}

impl<T: Element> ActivationLayer<T> {
    /// The layer for `activation`, with any learnable parameter at its initial value.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] for a learnable parameter with a zero count.
    pub fn new(activation: Activation) -> Result<Self> {
        let parameter = match activation
            .as_elementwise()
            .and_then(|e| e.learnable_parameter())
        {
            Some(p) => {
                if p.count == 0 {
                    return Err(NnError::InvalidArgument(format!(
                        "activation `{activation}`: learnable parameter `{}` needs a count of at least 1",
                        p.name
                    )));
                }
                let values = vec![T::from_f64(p.initial_value); p.count];
                Some((p.name, parameter(values, &[p.count])?))
            }
            None => None,
        };
        Ok(ActivationLayer {
            activation,
            parameter,
            training: true,
        })
    }

    /// The activation spec.
    pub fn activation(&self) -> &Activation {
        &self.activation
    }

    /// Shapes the learnable parameter to broadcast along dim 1 of `x` (PReLU channels).
    fn broadcast_parameter(&self, p: &Tensor<T>, x: &Tensor<T>) -> Result<Tensor<T>> {
        let count = p.numel();
        if count == 1 {
            return Ok(p.clone());
        }
        if x.ndim() < 2 || x.shape()[1] != count {
            return Err(NnError::Shape {
                op: self.describe(),
                detail: format!(
                    "{count} parameters need an input with {count} channels along dim 1, got {:?}",
                    x.shape()
                ),
            });
        }
        let mut shape = vec![count];
        shape.resize(x.ndim() - 1, 1);
        Ok(p.try_reshape(&shape)?)
    }
}

impl<T: Element> Module<T> for ActivationLayer<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        match self.activation {
            Activation::Elementwise(e) => match &self.parameter {
                Some((_, p)) => {
                    let p = self.broadcast_parameter(p, x)?;
                    Ok(x.map_binary(&p, WithParameter(e))?)
                }
                None => Ok(x.map_unary(ElementwiseFn { e, order: 0 })),
            },
            Activation::Softmax { dim } => Ok(log_softmax(x, dim)?.exp()),
            Activation::LogSoftmax { dim } => log_softmax(x, dim),
        }
    }

    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        self.parameter
            .iter()
            .map(|(name, p)| (name.to_string(), p.clone()))
            .collect()
    }

    fn train(&mut self, mode: bool) {
        self.training = mode;
    }

    fn is_training(&self) -> bool {
        self.training
    }

    fn describe(&self) -> String {
        format!("Activation({})", self.activation)
    }
}

fn log_softmax<T: Element>(x: &Tensor<T>, dim: isize) -> Result<Tensor<T>> {
    Ok(x.try_sub(&x.logsumexp(&[dim], true)?)?)
}

/// `f` (order 0) or `f'` (order 1) of an elementwise activation as a fused op; order 1
/// is what double backward differentiates.
#[derive(Clone, Copy)]
struct ElementwiseFn {
    e: Elementwise,
    order: u8,
}

impl<T: Element> UnaryFn<T> for ElementwiseFn {
    fn name(&self) -> &'static str {
        self.e.name()
    }
    fn f(&self, x: T) -> T {
        match self.order {
            0 => self.e.value(x),
            _ => self.e.derivative(x),
        }
    }
    fn df(&self, x: T, _y: T) -> T {
        match self.order {
            0 => self.e.derivative(x),
            _ => self.e.second_derivative(x),
        }
    }
    fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
        (self.order == 0).then(|| {
            Arc::new(ElementwiseFn {
                e: self.e,
                order: 1,
            }) as Arc<dyn UnaryFn<T>>
        })
    }
}

/// An activation with a learnable parameter: `f(x, p)` with ∂f/∂x and ∂f/∂p.
struct WithParameter(Elementwise);

impl<T: Element> BinaryFn<T> for WithParameter {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn f(&self, x: T, p: T) -> T {
        self.0.value_with_parameter(x, p)
    }
    fn df_da(&self, x: T, p: T) -> T {
        self.0.derivative_with_parameter(x, p)
    }
    fn df_db(&self, x: T, p: T) -> T {
        self.0.parameter_derivative(x, p).unwrap_or_else(T::zero)
    }
}
