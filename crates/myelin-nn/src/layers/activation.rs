//! `ActivationLayer`: any activation of `myelin_activations` as a layer.

use myelin_activations::{Activation, ActivationOp};
use myelin_tensor::{Element, Tensor};

use crate::error::{NnError, Result};
use crate::module::Module;

/// Applies an [`Activation`] (PyTorch's `nn.ReLU`, `nn.Tanh`, `nn.PReLU`, `nn.Softmax`,
/// … in one type), through `myelin_activations`' tensor ops ([`ActivationOp`]).
///
/// Activations with a learnable parameter own it: PReLU's slopes are the parameter
/// `weight` (shape `[num_parameters]`, one per channel along dim 1, as in PyTorch) and a
/// learnable swish β is `beta` (shape `[1]`). Elementwise activations run as one fused
/// op with first- and second-order gradients; softmax and log-softmax act along their
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
    op: ActivationOp<T>,
    training: bool,
}

impl<T: Element> ActivationLayer<T> {
    /// The layer for `activation`, with any learnable parameter at its initial value.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] for a learnable parameter with a zero count
    /// (`prelu(num_parameters=0)`).
    pub fn new(activation: Activation) -> Result<Self> {
        let op = ActivationOp::new(activation);
        if op.parameter().is_some_and(|p| p.numel() == 0) {
            return Err(NnError::InvalidArgument(format!(
                "activation `{activation}`: a learnable parameter needs a count of at least 1"
            )));
        }
        Ok(ActivationLayer { op, training: true })
    }

    /// The activation spec.
    pub fn activation(&self) -> &Activation {
        self.op.spec()
    }
}

impl<T: Element> Module<T> for ActivationLayer<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        self.op.forward(x).map_err(|e| NnError::Shape {
            op: self.describe(),
            detail: format!("input {:?}: {e}", x.shape()),
        })
    }

    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        match (self.op.parameter_name(), self.op.parameter()) {
            (Some(name), Some(p)) => vec![(name.to_string(), p.clone())],
            _ => Vec::new(),
        }
    }

    training_flag!();

    fn describe(&self) -> String {
        format!("Activation({})", self.op.spec())
    }
}
