//! Forward hooks (PyTorch's `register_forward_hook`): functions that run after a
//! module's forward, see its input and output, and may replace the output.
//!
//! A module that can take hooks owns a [`ForwardHooks`] slot: a `#[derive(Module)]`
//! struct gets one by declaring a `hooks: ForwardHooks<T>` field, and any other module
//! (a built-in [`Linear`](crate::layers::Linear), say) by being wrapped in [`Hooked`].
//! Calling [`Module::register_forward_hook`] on a module without a slot is an error
//! that says so.
//!
//! ```
//! use myelin_nn::layers::Linear;
//! use myelin_nn::module::{Hooked, Module};
//! use myelin_tensor::Tensor;
//! use std::sync::{Arc, Mutex};
//!
//! let layer = Hooked::new(Linear::<f64>::new(3, 2, true, 0)?);
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let log = seen.clone();
//! let handle = layer.register_forward_hook(move |_module, input, output| {
//!     log.lock().unwrap().push((input.shape().to_vec(), output.shape().to_vec()));
//!     Some(output.relu()) // replaces the output, like returning a tensor in PyTorch
//! })?;
//! let y = layer.forward(&Tensor::ones(&[4, 3]))?;
//! assert!(y.to_vec().iter().all(|&v| v >= 0.0));
//! handle.remove();
//! layer.forward(&Tensor::ones(&[1, 3]))?;
//! assert_eq!(*seen.lock().unwrap(), vec![(vec![4, 3], vec![4, 2])]);
//! # Ok::<(), myelin_nn::NnError>(())
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use myelin_tensor::{Element, Tensor};

use crate::error::Result;
use crate::module::Module;

/// A forward hook: `(module, input, output) -> Some(new output)` or `None` to keep it.
pub type ForwardHook<T> =
    Box<dyn Fn(&dyn Module<T>, &Tensor<T>, &Tensor<T>) -> Option<Tensor<T>> + Send + Sync>;

type HookList<T> = Mutex<Vec<(u64, Arc<ForwardHook<T>>)>>;

/// The forward hooks of one module, run in registration order; each sees the output as
/// the previous hook left it.
pub struct ForwardHooks<T: Element> {
    hooks: Arc<HookList<T>>,
}

impl<T: Element> Default for ForwardHooks<T> {
    fn default() -> Self {
        ForwardHooks {
            hooks: Arc::new(Mutex::new(Vec::new())),
        }
    }
}

impl<T: Element> ForwardHooks<T> {
    /// No hooks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a hook; the handle removes it again.
    pub fn register(&self, hook: ForwardHook<T>) -> HookHandle {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        self.lock().push((id, Arc::new(hook)));
        let weak: Weak<HookList<T>> = Arc::downgrade(&self.hooks);
        HookHandle {
            remove: Box::new(move || {
                if let Some(list) = weak.upgrade() {
                    list.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .retain(|(i, _)| *i != id);
                }
            }),
        }
    }

    /// The number of hooks registered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no hook is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs every hook on `(module, input, output)` and returns the final output.
    pub fn run(&self, module: &dyn Module<T>, input: &Tensor<T>, output: Tensor<T>) -> Tensor<T> {
        // Run outside the lock so that a hook may register or remove hooks.
        let hooks: Vec<Arc<ForwardHook<T>>> = self.lock().iter().map(|(_, h)| h.clone()).collect();
        hooks
            .iter()
            .fold(output, |y, hook| hook(module, input, &y).unwrap_or(y))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Arc<ForwardHook<T>>)>> {
        self.hooks.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Removes its hook with [`remove`](HookHandle::remove) (PyTorch's
/// `RemovableHandle.remove()`). Dropping the handle keeps the hook.
#[must_use = "dropping the handle keeps the hook; call `remove()` to take it off"]
pub struct HookHandle {
    remove: Box<dyn FnOnce() + Send + Sync>,
}

impl HookHandle {
    /// Unregisters the hook.
    pub fn remove(self) {
        (self.remove)();
    }
}

/// Any module with a [`ForwardHooks`] slot: forward, parameters and names are the
/// inner module's (so checkpoints are unchanged by wrapping).
pub struct Hooked<T: Element, M: Module<T>> {
    /// The wrapped module.
    pub inner: M,
    hooks: ForwardHooks<T>,
}

impl<T: Element, M: Module<T>> Hooked<T, M> {
    /// Wraps `inner` with no hooks.
    pub fn new(inner: M) -> Self {
        Hooked {
            inner,
            hooks: ForwardHooks::new(),
        }
    }
}

impl<T: Element, M: Module<T>> Module<T> for Hooked<T, M> {
    fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
        let y = self.inner.forward(x)?;
        Ok(self.hooks.run(&self.inner, x, y))
    }
    fn named_parameters(&self) -> Vec<(String, Tensor<T>)> {
        self.inner.named_parameters()
    }
    fn named_buffers(&self) -> Vec<(String, Tensor<T>)> {
        self.inner.named_buffers()
    }
    fn train(&mut self, mode: bool) {
        self.inner.train(mode);
    }
    fn is_training(&self) -> bool {
        self.inner.is_training()
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn register_forward_hook_boxed(&self, hook: ForwardHook<T>) -> Result<HookHandle> {
        Ok(self.hooks.register(hook))
    }
}
