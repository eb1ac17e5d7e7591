//! `Sequential`: modules applied one after another.

use myelin_tensor::{Element, Tensor};

use crate::error::Result;
use crate::module::{prefixed, Module};

/// PyTorch's `nn.Sequential`: applies its children in order. Child `i` is named `i`, so
/// parameter names are `0.weight`, `0.bias`, `2.weight`, … exactly as in a PyTorch
/// `state_dict`. `train`/`eval` propagate to every child.
///
/// ```
/// use myelin_nn::layers::{ActivationLayer, Linear, Sequential};
/// use myelin_nn::Module;
/// use myelin_tensor::Tensor;
///
/// let model = Sequential::<f32>::new()
///     .append(Linear::new(2, 3, true, 0)?)
///     .append(ActivationLayer::new("relu".parse()?)?);
/// assert_eq!(model.len(), 2);
/// assert_eq!(model.forward(&Tensor::zeros(&[4, 2]))?.shape(), &[4, 3]);
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub struct Sequential<T: Element> {
    children: Vec<Box<dyn Module<T>>>,
    training: bool,
}

impl<T: Element> Default for Sequential<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Element> Sequential<T> {
    /// An empty container (its forward is the identity).
    pub fn new() -> Self {
        Sequential {
            children: Vec::new(),
            training: true,
        }
    }

    /// Appends a child (builder style, like PyTorch's `Sequential.append`, which returns the container).
    pub fn append(mut self, module: impl Module<T> + 'static) -> Self {
        self.push(Box::new(module));
        self
    }

    /// Appends a boxed child; it takes the container's current mode.
    pub fn push(&mut self, mut module: Box<dyn Module<T>>) {
        module.train(self.training);
        self.children.push(module);
    }

    /// Number of children.
    pub fn len(&self) -> usize {
        self.children.len()
    }

    /// Whether there are no children.
    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }

    /// Child `i`.
    pub fn get(&self, i: usize) -> Option<&dyn Module<T>> {
        self.children.get(i).map(|m| m.as_ref())
    }

    /// The children in order.
    pub fn iter(&self) -> impl Iterator<Item = &dyn Module<T>> {
        self.children.iter().map(|m| m.as_ref())
    }

    /// Runs the children in order and returns the input followed by every child's
    /// output (`len() + 1` tensors): what the lab needs to look inside a deep stack.
    ///
    /// # Errors
    /// The first child's error.
    pub fn forward_all(&self, x: &Tensor<T>) -> Result<Vec<Tensor<T>>> {
        let mut outputs = vec![x.clone()];
        for child in &self.children {
            let next = child.forward(outputs.last().unwrap_or(x))?;
            outputs.push(next);
        }
        Ok(outputs)
    }
}

impl<T: Element> Module<T> for Sequential<T> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let mut y = x.clone();
        for child in &self.children {
            y = child.forward(&y)?;
        }
        Ok(y)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        self.children
            .iter()
            .enumerate()
            .flat_map(|(i, c)| prefixed(&i.to_string(), c.named_parameters()))
            .collect()
    }

    fn named_buffers(&self) -> Vec<(String, Tensor<T>)> {
        self.children
            .iter()
            .enumerate()
            .flat_map(|(i, c)| prefixed(&i.to_string(), c.named_buffers()))
            .collect()
    }

    fn train(&mut self, mode: bool) {
        self.training = mode;
        for child in &mut self.children {
            child.train(mode);
        }
    }

    fn is_training(&self) -> bool {
        self.training
    }

    fn describe(&self) -> String {
        let inner: Vec<String> = self
            .children
            .iter()
            .enumerate()
            .map(|(i, c)| format!("({i}): {}", c.describe()))
            .collect();
        format!("Sequential({})", inner.join(", "))
    }
}

impl<T: Element> std::fmt::Debug for Sequential<T> {
    /// The [`Module::describe`] line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}
