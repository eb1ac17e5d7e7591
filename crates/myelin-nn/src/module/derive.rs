//! `#[derive(Module)]`: write the fields and `forward`, get the rest.
//!
//! `use myelin::nn::Module;` (or `use myelin_nn::Module;`) imports the trait and the
//! derive together, as serde does. The derive implements [`Module`] for a struct:
//!
//! - **names** like PyTorch's `state_dict`: a child field `encoder` that is a
//!   `Vec` of layers gives `encoder.0.weight`, `encoder.1.bias`, …; parameters and
//!   children appear in declaration order;
//! - **train/eval** recursion into every child, and `is_training` from the
//!   `#[module(training)]` flag (or from the first child when there is none);
//! - **`describe`** like PyTorch's repr: `Block((fc1): Linear(…), (fc2): Linear(…))`;
//! - **forward hooks** when the struct has a [`ForwardHooks`](super::ForwardHooks) field.
//!
//! You write the computation in an `impl Forward<T> for …` block ([`Forward`]). The
//! derive generates `Module::forward` and an inherent `forward` with the same
//! signature, both running your `Forward::forward` and then the forward hooks, so
//! `block.forward(&x)` — from a parent module, a `Sequential` or a training loop —
//! always goes through the hooks, as calling a module does in PyTorch. Forgetting the
//! `Forward` impl is a compile error naming it.
//!
//! Every field must be a module (`Linear<T>`, `Box<dyn Module<T>>`, another derived
//! struct, a `Vec` or `Option` of them) or carry a marker: `#[module(param)]` for a
//! learnable `Tensor<T>` (also `Option<Tensor<T>>`, `Vec<Tensor<T>>`),
//! `#[module(buffer)]` for non-learnable state, `#[module(training)]` for a `bool` mode
//! flag, `#[module(skip)]` for anything else. An unmarked field that is not a module is
//! a compile error, so a child cannot be forgotten.
//!
//! The element type is the struct's first type parameter; a struct without one is an
//! `f32` module unless it says `#[module(element = "f64")]`. The generated code names
//! the crate as `::myelin_nn` when the crate depends on `myelin-nn`, and `::myelin::nn`
//! when it depends only on the `myelin` facade; `#[module(crate = "path")]` overrides.
//!
//! ```
//! use myelin_nn::layers::{Linear, LayerNorm};
//! use myelin_nn::module::ForwardHooks;
//! use myelin_nn::{Module, Result};
//! use myelin_tensor::{Element, Tensor};
//!
//! /// x + fc2(tanh(fc1(norm(x)))), times a learnable scale.
//! #[derive(Module)]
//! struct Residual<T: Element> {
//!     norm: LayerNorm<T>,
//!     fc1: Linear<T>,
//!     fc2: Linear<T>,
//!     #[module(param)]
//!     scale: Tensor<T>,
//!     hooks: ForwardHooks<T>,
//! }
//!
//! impl<T: Element> Residual<T> {
//!     fn new(width: usize, seed: u64) -> Result<Self> {
//!         Ok(Residual {
//!             norm: LayerNorm::new(&[width])?,
//!             fc1: Linear::new(width, 2 * width, true, seed)?,
//!             fc2: Linear::new(2 * width, width, true, seed + 1)?,
//!             scale: Tensor::ones(&[width]).requires_grad_(true),
//!             hooks: ForwardHooks::new(),
//!         })
//!     }
//! }
//!
//! impl<T: Element> myelin_nn::module::Forward<T> for Residual<T> {
//!     fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
//!         let h = self.fc2.forward(&self.fc1.forward(&self.norm.forward(x)?)?.tanh())?;
//!         Ok(x + &h * &self.scale)
//!     }
//! }
//!
//! #[derive(Module)]
//! struct Net<T: Element> {
//!     blocks: Vec<Residual<T>>,
//!     head: Linear<T>,
//!     #[module(skip)]
//!     name: String,
//! }
//!
//! impl<T: Element> myelin_nn::module::Forward<T> for Net<T> {
//!     fn forward(&self, x: &Tensor<T>) -> Result<Tensor<T>> {
//!         let mut h = x.clone();
//!         for block in &self.blocks {
//!             h = block.forward(&h)?;
//!         }
//!         self.head.forward(&h)
//!     }
//! }
//!
//! let mut net = Net::<f32> {
//!     blocks: vec![Residual::new(4, 0)?, Residual::new(4, 2)?],
//!     head: Linear::new(4, 1, true, 9)?,
//!     name: "demo".into(),
//! };
//! let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
//! assert_eq!(&names[..3], ["blocks.0.norm.weight", "blocks.0.norm.bias", "blocks.0.fc1.weight"]);
//! assert!(names.contains(&"blocks.1.scale".to_string()));
//! assert_eq!(names.last().unwrap(), "head.bias");
//! assert_eq!(net.forward(&Tensor::ones(&[3, 4]))?.shape(), &[3, 1]);
//! net.eval();
//! assert!(!net.blocks[1].fc2.is_training());
//! # Ok::<(), myelin_nn::NnError>(())
//! ```

use myelin_tensor::{Element, Tensor};

/// Collects a tensor field (parameter or buffer) under its field name.
#[doc(hidden)]
pub trait TensorField<T: Element> {
    fn push_named(&self, name: &str, out: &mut Vec<(String, Tensor<T>)>);
}

impl<T: Element> TensorField<T> for Tensor<T> {
    fn push_named(&self, name: &str, out: &mut Vec<(String, Tensor<T>)>) {
        out.push((name.to_string(), self.clone()));
    }
}

impl<T: Element> TensorField<T> for Option<Tensor<T>> {
    fn push_named(&self, name: &str, out: &mut Vec<(String, Tensor<T>)>) {
        if let Some(t) = self {
            out.push((name.to_string(), t.clone()));
        }
    }
}

impl<T: Element> TensorField<T> for Vec<Tensor<T>> {
    fn push_named(&self, name: &str, out: &mut Vec<(String, Tensor<T>)>) {
        out.extend(
            self.iter()
                .enumerate()
                .map(|(i, t)| (format!("{name}.{i}"), t.clone())),
        );
    }
}

/// Appends a child's named tensors under `prefix.`.
#[doc(hidden)]
pub fn extend_prefixed<T: Element>(
    out: &mut Vec<(String, Tensor<T>)>,
    prefix: &str,
    named: Vec<(String, Tensor<T>)>,
) {
    out.extend(super::prefixed(prefix, named));
}

/// The computation of a `#[derive(Module)]` struct: the derived [`Module::forward`]
/// calls it, then runs the forward hooks.
///
/// Callers never call it directly: `block.forward(&x)` resolves to the inherent
/// `forward` the derive generates, which adds the hooks.
pub trait Forward<T: Element> {
    /// The module's output for `x`.
    fn forward(&self, x: &Tensor<T>) -> crate::Result<Tensor<T>>;
}
