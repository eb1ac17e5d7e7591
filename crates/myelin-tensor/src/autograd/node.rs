//! The graph node an op leaves behind: its backward and the tensors it was applied to.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::autograd::grad_mode::is_anomaly_enabled;
use crate::element::Element;
use crate::error::Result;
use crate::tensor::Tensor;

/// The backward of a differentiable op.
///
/// This is the whole contract between an op and the autodiff engine, and it is public:
/// built-in ops and user-defined ops implement the same trait (see
/// [`custom`](crate::autograd::custom) for helpers and an example).
///
/// `backward` receives the gradient of the loss with respect to the op's output and
/// returns one entry per input: the gradient with respect to that input (same shape as
/// the input), or `None` where the input does not need one ([`BackwardCtx::needs_grad`]).
///
/// Write the backward with ordinary tensor ops on `ctx.input(i)` and `grad_output`.
/// When the caller asked for `create_graph`, those ops are recorded, and the gradient is
/// itself differentiable: that is how second and higher derivatives come free. When
/// `ctx.create_graph()` is false, nothing is recorded and a fused kernel may be used.
///
/// Saved tensors: an op may keep tensors it computed (for example its own output) in its
/// struct. Keep them [`detach`](Tensor::detach)ed: a saved tensor that still links to the
/// graph would form a reference cycle with this node. The inputs themselves are always
/// available through `ctx`.
pub trait BackwardOp<T: Element>: Send + Sync + 'static {
    /// The op's name, used in error messages and anomaly reports.
    fn name(&self) -> &'static str;
    /// Gradients with respect to the inputs, given the gradient of the output.
    fn backward(
        &self,
        ctx: &BackwardCtx<'_, T>,
        grad_output: &Tensor<T>,
    ) -> Result<Vec<Option<Tensor<T>>>>;
}

/// What a backward may look at: the op's inputs and whether the backward is recorded.
pub struct BackwardCtx<'a, T: Element> {
    pub(crate) inputs: &'a [Tensor<T>],
    pub(crate) create_graph: bool,
}

impl<'a, T: Element> BackwardCtx<'a, T> {
    /// Input `i` of the op, still connected to the graph (so a recorded backward can
    /// differentiate through it).
    pub fn input(&self, i: usize) -> &'a Tensor<T> {
        &self.inputs[i]
    }
    /// All inputs.
    pub fn inputs(&self) -> &'a [Tensor<T>] {
        self.inputs
    }
    /// Whether input `i` needs a gradient.
    pub fn needs_grad(&self, i: usize) -> bool {
        self.inputs[i].requires_grad()
    }
    /// Whether this backward is being recorded (higher-order gradients requested).
    pub fn create_graph(&self) -> bool {
        self.create_graph
    }
}

static LIVE_NODES: AtomicUsize = AtomicUsize::new(0);

/// How many graph nodes exist right now in this process. A training loop whose graphs
/// are freed properly keeps this flat; tests use it to prove memory does not grow.
pub fn live_nodes() -> usize {
    LIVE_NODES.load(Ordering::Relaxed)
}

/// A recorded application of an op.
pub(crate) struct Node<T: Element> {
    pub(crate) name: &'static str,
    /// `None` once the graph has been freed by a backward without `retain_graph`.
    pub(crate) op: Mutex<Option<Box<dyn BackwardOp<T>>>>,
    pub(crate) inputs: Mutex<Vec<Tensor<T>>>,
    /// Where the op was created (a backtrace), recorded only in anomaly mode.
    pub(crate) created_at: Option<String>,
}

impl<T: Element> Node<T> {
    pub(crate) fn new(op: Box<dyn BackwardOp<T>>, inputs: Vec<Tensor<T>>) -> Arc<Node<T>> {
        let created_at = if is_anomaly_enabled() {
            Some(std::backtrace::Backtrace::force_capture().to_string())
        } else {
            None
        };
        LIVE_NODES.fetch_add(1, Ordering::Relaxed);
        Arc::new(Node {
            name: op.name(),
            op: Mutex::new(Some(op)),
            inputs: Mutex::new(inputs),
            created_at,
        })
    }

    /// Releases the saved state and the links to the inputs.
    pub(crate) fn free(&self) {
        let op = self.op.lock().unwrap_or_else(|e| e.into_inner()).take();
        drop(op);
        let inputs = std::mem::take(&mut *self.inputs.lock().unwrap_or_else(|e| e.into_inner()));
        drop_iteratively(inputs);
    }
}

impl<T: Element> Drop for Node<T> {
    fn drop(&mut self) {
        LIVE_NODES.fetch_sub(1, Ordering::Relaxed);
        // Dropping a long chain recursively (tensor -> node -> input tensor -> node ...)
        // overflows the stack, so unlink the chain with an explicit work list.
        let op = self.op.get_mut().unwrap_or_else(|e| e.into_inner()).take();
        drop(op);
        let inputs = std::mem::take(self.inputs.get_mut().unwrap_or_else(|e| e.into_inner()));
        drop_iteratively(inputs);
    }
}

/// Drops tensors without recursion through their graph.
pub(crate) fn drop_iteratively<T: Element>(tensors: Vec<Tensor<T>>) {
    let mut stack = tensors;
    while let Some(tensor) = stack.pop() {
        if let Some(node) = tensor.take_grad_fn_if_unique() {
            if let Ok(mut node) = Arc::try_unwrap(node) {
                let op = node.op.get_mut().unwrap_or_else(|e| e.into_inner()).take();
                drop(op);
                stack.append(node.inputs.get_mut().unwrap_or_else(|e| e.into_inner()));
            }
        }
    }
}
