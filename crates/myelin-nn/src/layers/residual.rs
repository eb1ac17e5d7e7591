//! `Residual`: a skip connection around any module, `x + body(x)`.

use myelin_tensor::{Element, Tensor};

use crate::error::{NnError, Result};
use crate::module::{prefixed, Module};

/// A residual block: `body(x) + x`, or `body(x) + shortcut(x)` with a projection
/// shortcut (for example a 1×1 convolution with batch norm when the body changes the
/// number of channels or the resolution). The body and the shortcut can be any
/// [`Module`], typically a [`crate::layers::Sequential`].
///
/// Parameter and buffer names are those of this PyTorch module, so checkpoints move
/// between the two unchanged:
///
/// ```python
/// class Residual(nn.Module):
///     def __init__(self, body, shortcut=None):
///         super().__init__()
///         self.body = body
///         self.shortcut = shortcut        # None registers nothing
///     def forward(self, x):
///         return self.body(x) + (x if self.shortcut is None else self.shortcut(x))
/// ```
///
/// that is, `body.<name>` for the body's entries and `shortcut.<name>` for the
/// shortcut's (`body.0.weight`, `body.1.running_mean`, `shortcut.0.weight`, …).
/// Inside a `Sequential` they gain the child's index: `3.body.0.weight`.
///
/// `train`/`eval` propagate to the body and the shortcut. Deviation from PyTorch's `+`:
/// the two branches must have exactly the same shape (no broadcasting), so a body that
/// changes the shape without a matching shortcut is an error naming both shapes, not a
/// silently broadcast sum.
///
/// ```
/// use myelin_nn::layers::{ActivationLayer, Linear, Residual, Sequential};
/// use myelin_nn::Module;
/// use myelin_tensor::Tensor;
///
/// let block = Residual::new(
///     Sequential::<f64>::new()
///         .append(Linear::new(4, 4, true, 0)?)
///         .append(ActivationLayer::new("relu".parse()?)?),
/// );
/// let names: Vec<String> = block.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["body.0.weight", "body.0.bias"]);
/// let x = Tensor::ones(&[2, 4]);
/// let expected = &block.body().forward(&x)? + &x;
/// assert_eq!(block.forward(&x)?.to_vec(), expected.to_vec());
///
/// // A projection shortcut when the body changes the width.
/// let widen = Residual::with_shortcut(Linear::<f64>::new(4, 8, true, 1)?, Linear::new(4, 8, false, 2)?);
/// assert_eq!(widen.forward(&x)?.shape(), &[2, 8]);
/// assert!(Residual::new(Linear::<f64>::new(4, 8, true, 1)?).forward(&x).is_err());
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct Residual<T: Element> {
    body: Box<dyn Module<T>>,
    shortcut: Option<Box<dyn Module<T>>>,
    training: bool,
}

impl<T: Element> Residual<T> {
    /// `body(x) + x` (an identity shortcut).
    pub fn new(body: impl Module<T> + 'static) -> Self {
        Self::from_boxed(Box::new(body), None)
    }

    /// `body(x) + shortcut(x)` (a projection shortcut).
    pub fn with_shortcut(
        body: impl Module<T> + 'static,
        shortcut: impl Module<T> + 'static,
    ) -> Self {
        Self::from_boxed(Box::new(body), Some(Box::new(shortcut)))
    }

    /// From boxed modules; the block starts in the body's mode, and the shortcut is
    /// set to the same mode.
    pub fn from_boxed(body: Box<dyn Module<T>>, shortcut: Option<Box<dyn Module<T>>>) -> Self {
        let mut block = Residual {
            training: body.is_training(),
            body,
            shortcut,
        };
        let mode = block.training;
        block.train(mode);
        block
    }

    /// The residual branch.
    pub fn body(&self) -> &dyn Module<T> {
        self.body.as_ref()
    }

    /// The projection shortcut, if any (`None`: identity).
    pub fn shortcut(&self) -> Option<&dyn Module<T>> {
        self.shortcut.as_deref()
    }

    /// `("body", body)` and, when present, `("shortcut", shortcut)`: the attribute
    /// names of the PyTorch equivalent.
    fn branches(&self) -> impl Iterator<Item = (&'static str, &dyn Module<T>)> {
        std::iter::once(("body", self.body.as_ref()))
            .chain(self.shortcut.as_deref().map(|s| ("shortcut", s)))
    }
}

impl<T: Element> Module<T> for Residual<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let y = self.body.forward(x)?;
        let skip = match &self.shortcut {
            Some(s) => s.forward(x)?,
            None => x.clone(),
        };
        if y.shape() != skip.shape() {
            return Err(NnError::Shape {
                op: format!("Residual(body={})", self.body.describe()),
                detail: format!(
                    "the body maps input {:?} to {:?} but the {} gives {:?}; they must match (use Residual::with_shortcut to project)",
                    x.shape(),
                    y.shape(),
                    if self.shortcut.is_some() { "shortcut" } else { "identity shortcut" },
                    skip.shape()
                ),
            });
        }
        Ok(y.try_add(&skip)?)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        self.branches()
            .flat_map(|(name, m)| prefixed(name, m.named_parameters()))
            .collect()
    }

    fn named_buffers(&self) -> Vec<(String, Tensor<T>)> {
        self.branches()
            .flat_map(|(name, m)| prefixed(name, m.named_buffers()))
            .collect()
    }

    fn train(&mut self, mode: bool) {
        self.training = mode;
        self.body.train(mode);
        if let Some(s) = &mut self.shortcut {
            s.train(mode);
        }
    }

    fn is_training(&self) -> bool {
        self.training
    }

    fn describe(&self) -> String {
        match &self.shortcut {
            Some(s) => format!(
                "Residual(body={}, shortcut={})",
                self.body.describe(),
                s.describe()
            ),
            None => format!("Residual(body={})", self.body.describe()),
        }
    }
}

impl<T: Element> std::fmt::Debug for Residual<T> {
    /// The [`Module::describe`] line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}
