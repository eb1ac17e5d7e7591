//! The [`Module`] trait: a differentiable function with named parameters.
//!
//! Names follow PyTorch's `state_dict` conventions: a [`crate::layers::Linear`] has
//! `weight` and `bias`; inside a [`crate::layers::Sequential`] its children are named
//! `0`, `1`, `2`, … so the first linear layer's weight is `0.weight`.
//!
//! # Train and eval mode
//!
//! [`Module::train`] takes `&mut self` (like `module.train(mode)` in PyTorch, but with the
//! borrow checker in charge rather than interior mutability): switching mode is rare and
//! happens outside the forward pass. [`Module::forward`] takes `&self`; layers with
//! state that changes during the forward pass (dropout's random generator, batch norm's
//! running statistics) keep it behind a lock or in tensors updated in place, so a model
//! can be shared between threads (`Module` requires `Send + Sync`).

use myelin_tensor::{Element, Tensor};

use crate::error::{NnError, Result};

pub mod derive;
pub mod hooks;

pub use derive::Forward;
pub use hooks::{ForwardHook, ForwardHooks, HookHandle, Hooked};

/// A layer or a model: a differentiable function of one tensor, with named parameters.
///
/// ```
/// use myelin_nn::layers::{Linear, Sequential, ActivationLayer};
/// use myelin_nn::Module;
/// use myelin_tensor::Tensor;
///
/// let mut model = Sequential::<f64>::new()
///     .append(Linear::new(3, 4, true, 0)?)
///     .append(ActivationLayer::new("tanh".parse()?)?)
///     .append(Linear::new(4, 2, true, 1)?);
/// let names: Vec<String> = model.named_parameters().into_iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
/// assert_eq!(model.num_parameters(), 3 * 4 + 4 + 4 * 2 + 2);
///
/// let y = model.forward(&Tensor::ones(&[5, 3]))?;
/// assert_eq!(y.shape(), &[5, 2]);
/// model.eval();
/// assert!(!model.is_training());
/// # Ok::<(), myelin_nn::NnError>(())
/// ```
pub trait Module<T: Element>: Send + Sync {
    /// Applies the module to `x`.
    ///
    /// # Errors
    /// [`crate::NnError::Shape`] (naming the layer and the shapes) when `x` does not
    /// fit, or an error from the tensor operations.
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>>;

    /// The learnable parameters with their `state_dict` names, in a stable order
    /// (registration order, like PyTorch). The tensors are handles to the module's own
    /// parameters: updating them in place (`update_data`, `assign`) updates the module.
    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        Vec::new()
    }

    /// Non-learnable state (batch norm's `running_mean`, `running_var`) with names.
    fn named_buffers(&self) -> Vec<(String, Tensor<T>)> {
        Vec::new()
    }

    /// Sets training (`true`) or evaluation (`false`) mode, recursively.
    fn train(&mut self, mode: bool);

    /// Whether the module is in training mode. New modules start in training mode.
    fn is_training(&self) -> bool;

    /// A one-line description, like PyTorch's `repr` (`Linear(in_features=3, …)`).
    fn describe(&self) -> String;

    /// Evaluation mode; same as `train(false)`.
    fn eval(&mut self) {
        self.train(false);
    }

    /// The parameters, in the order of [`Module::named_parameters`].
    fn parameters(&self) -> Vec<Tensor<T>> {
        self.named_parameters()
            .into_iter()
            .map(|(_, p)| p)
            .collect()
    }

    /// Parameters followed by buffers: everything a checkpoint must hold.
    fn state_dict(&self) -> Vec<(String, Tensor<T>)> {
        let mut all = self.named_parameters();
        all.extend(self.named_buffers());
        all
    }

    /// The total number of learnable scalars.
    fn num_parameters(&self) -> usize {
        self.named_parameters().iter().map(|(_, p)| p.numel()).sum()
    }

    /// Clears every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`).
    fn zero_grad(&self) {
        for p in self.parameters() {
            p.set_grad(None);
        }
    }

    /// Registers a hook that runs after every forward with `(module, input, output)`
    /// and may return a replacement output (PyTorch's `register_forward_hook`). The
    /// handle removes it. See [`hooks`] for which modules take hooks.
    ///
    /// # Errors
    /// [`NnError::InvalidArgument`] for a module without a [`ForwardHooks`] slot.
    fn register_forward_hook(
        &self,
        hook: impl Fn(&dyn Module<T>, &Tensor<T>, &Tensor<T>) -> Option<Tensor<T>>
            + Send
            + Sync
            + 'static,
    ) -> Result<HookHandle>
    where
        Self: Sized,
    {
        self.register_forward_hook_boxed(Box::new(hook))
    }

    /// [`register_forward_hook`](Module::register_forward_hook) with a boxed hook (the
    /// object-safe form, which modules with a hook slot implement).
    fn register_forward_hook_boxed(&self, hook: ForwardHook<T>) -> Result<HookHandle> {
        drop(hook);
        Err(NnError::InvalidArgument(format!(
            "register_forward_hook: {} has no ForwardHooks slot; give a #[derive(Module)] struct a `hooks: ForwardHooks<T>` field, or wrap the module in module::Hooked",
            self.describe()
        )))
    }
}

impl<T: Element> Module<T> for Box<dyn Module<T>> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        (**self).forward(x)
    }
    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        (**self).named_parameters()
    }
    fn named_buffers(&self) -> Vec<(String, Tensor<T>)> {
        (**self).named_buffers()
    }
    fn train(&mut self, mode: bool) {
        (**self).train(mode);
    }
    fn is_training(&self) -> bool {
        (**self).is_training()
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
    fn register_forward_hook_boxed(&self, hook: ForwardHook<T>) -> Result<HookHandle> {
        (**self).register_forward_hook_boxed(hook)
    }
}

/// A new leaf parameter tensor (requires grad) holding `values` with `shape`.
pub(crate) fn parameter<T: Element>(values: Vec<T>, shape: &[usize]) -> Result<Tensor<T>> {
    Ok(Tensor::from_vec(values, shape)?.requires_grad_(true))
}

/// Prefixes every name with `prefix.`.
pub(crate) fn prefixed<T: Element>(
    prefix: &str,
    named: Vec<(String, Tensor<T>)>,
) -> Vec<(String, Tensor<T>)> {
    named
        .into_iter()
        .map(|(name, t)| (format!("{prefix}.{name}"), t))
        .collect()
}
