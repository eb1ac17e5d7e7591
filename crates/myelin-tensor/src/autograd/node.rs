//! The graph node an op leaves behind: its backward and the tensors it was applied to.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::autograd::grad_mode::is_anomaly_enabled;
use crate::element::Element;
use crate::error::{Result, TensorError};
use crate::storage::Storage;
use crate::tensor::Tensor;

/// The backward of a differentiable op.
///
/// This is the whole contract between an op and the autodiff engine, and it is public:
/// built-in ops and user-defined ops implement the same trait (see
/// [`custom`](crate::autograd::custom) for helpers and an example).
///
/// `backward` receives the gradient of the loss with respect to the op's output and
/// returns one entry per input: the gradient with respect to that input, or `None` where
/// the input does not need one ([`BackwardCtx::needs_grad`]). A gradient has the input's
/// shape or a shape the input broadcasts to; the engine sums a broadcast gradient down to
/// the input's shape, so a broadcasting op returns its gradients at the output's shape.
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
///
/// In-place modification: the node remembers the [`version`](Tensor::version) of every
/// input for which [`saves_input`](BackwardOp::saves_input) is true, and of the output
/// when [`saves_output`](BackwardOp::saves_output) is true; if one of them was modified
/// in place before the backward runs, the backward fails with PyTorch's message
/// ("one of the variables needed for gradient computation has been modified by an
/// inplace operation …") instead of computing a wrong gradient.
pub trait BackwardOp<T: Element>: Send + Sync + 'static {
    /// The op's name, used in error messages and anomaly reports.
    fn name(&self) -> &'static str;
    /// Whether the backward reads the values of input `i` (PyTorch's "saved tensors").
    /// The default, `true`, is always safe; ops whose backward needs only the input's
    /// shape (add, sum, views) return `false`, so modifying that input in place before
    /// the backward stays allowed, as in PyTorch.
    fn saves_input(&self, _i: usize) -> bool {
        true
    }
    /// Whether the op keeps (a detached handle to) its own output for the backward, as
    /// `exp`, `tanh` and `sigmoid` do. Return `true` if so, so that an in-place
    /// modification of the output is detected. Default `false`.
    fn saves_output(&self) -> bool {
        false
    }
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

thread_local! {
    /// Nodes recorded on this thread minus nodes dropped on it.
    static THREAD_NODES: std::cell::Cell<isize> = const { std::cell::Cell::new(0) };
}

/// How many graph nodes exist right now in this process. A training loop whose graphs
/// are freed properly keeps this flat; tests use it to prove memory does not grow.
///
/// The count is process-wide, so other threads' graphs (parallel tests, a second
/// training loop) move it too; [`live_nodes_on_this_thread`] does not see them.
pub fn live_nodes() -> usize {
    LIVE_NODES.load(Ordering::Relaxed)
}

/// Graph nodes recorded on the calling thread minus those dropped on it: exact for a
/// loop that builds and frees its graphs on one thread, whatever other threads do.
/// A node recorded here and dropped on another thread moves both threads' tallies, so
/// the value can go negative; compare it before and after, never with zero.
///
/// ```
/// use myelin_tensor::{live_nodes_on_this_thread, Tensor};
/// let before = live_nodes_on_this_thread();
/// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2]).unwrap().requires_grad_(true);
/// let y = x.mul_scalar(3.0).sum();
/// assert!(live_nodes_on_this_thread() > before);
/// drop(y);
/// assert_eq!(live_nodes_on_this_thread(), before);
/// ```
pub fn live_nodes_on_this_thread() -> isize {
    THREAD_NODES.with(|n| n.get())
}

/// The saved output of a node: its buffer and the version it had when saved.
struct SavedOutput<T: Element> {
    storage: Arc<Storage<T>>,
    version: u64,
    shape: Vec<usize>,
}

/// A recorded application of an op.
pub(crate) struct Node<T: Element> {
    pub(crate) name: &'static str,
    /// `None` once the graph has been freed by a backward without `retain_graph`.
    pub(crate) op: Mutex<Option<Box<dyn BackwardOp<T>>>>,
    pub(crate) inputs: Mutex<Vec<Tensor<T>>>,
    /// The version of each input the op saved (`None`: not saved, not checked).
    input_versions: Vec<Option<u64>>,
    /// The op's output, when the op saved it.
    saved_output: Mutex<Option<SavedOutput<T>>>,
    /// Where the op was created (a backtrace), recorded only in anomaly mode.
    pub(crate) created_at: Option<String>,
}

impl<T: Element> Node<T> {
    pub(crate) fn new(
        op: Box<dyn BackwardOp<T>>,
        inputs: Vec<Tensor<T>>,
        output: &Tensor<T>,
    ) -> Arc<Node<T>> {
        let created_at = if is_anomaly_enabled() {
            Some(std::backtrace::Backtrace::force_capture().to_string())
        } else {
            None
        };
        let input_versions = inputs
            .iter()
            .enumerate()
            .map(|(i, t)| op.saves_input(i).then(|| t.version()))
            .collect();
        let saved_output = op.saves_output().then(|| SavedOutput {
            storage: Arc::clone(output.storage_arc()),
            version: output.version(),
            shape: output.shape().to_vec(),
        });
        LIVE_NODES.fetch_add(1, Ordering::Relaxed);
        THREAD_NODES.with(|n| n.set(n.get() + 1));
        Arc::new(Node {
            name: op.name(),
            op: Mutex::new(Some(op)),
            inputs: Mutex::new(inputs),
            input_versions,
            saved_output: Mutex::new(saved_output),
            created_at,
        })
    }

    /// Fails (with PyTorch's message) if a tensor this node saved was modified in place
    /// after it was saved.
    pub(crate) fn check_versions(&self, inputs: &[Tensor<T>]) -> Result<()> {
        let modified = |what: String, shape: &[usize], now: u64, saved: u64| {
            TensorError::Autograd(format!(
                "one of the variables needed for gradient computation has been modified by an inplace operation: [{} tensor of shape {shape:?}], which is {what} of `{}`, is at version {now}; expected version {saved} instead. Hint: a tensor the op saved for its backward was changed in place (update_data, assign, an optimiser step) before backward; modify a copy, or modify it after the backward",
                T::DTYPE,
                self.name
            ))
        };
        for (i, (input, saved)) in inputs.iter().zip(&self.input_versions).enumerate() {
            if let Some(saved) = *saved {
                let now = input.version();
                if now != saved {
                    return Err(modified(format!("input {i}"), input.shape(), now, saved));
                }
            }
        }
        if let Some(out) = self
            .saved_output
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            let now = out.storage.version();
            if now != out.version {
                return Err(modified("output 0".into(), &out.shape, now, out.version));
            }
        }
        Ok(())
    }

    /// Releases the saved state and the links to the inputs.
    pub(crate) fn free(&self) {
        self.saved_output
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        unlink(self.take_links());
    }

    /// Takes the backward (dropped here) and the input links (returned, for [`unlink`]).
    fn take_links(&self) -> Vec<Tensor<T>> {
        drop(self.op.lock().unwrap_or_else(|e| e.into_inner()).take());
        std::mem::take(&mut *self.inputs.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl<T: Element> Drop for Node<T> {
    fn drop(&mut self) {
        LIVE_NODES.fetch_sub(1, Ordering::Relaxed);
        // `try_with`: a node dropped during thread teardown must not panic.
        let _ = THREAD_NODES.try_with(|n| n.set(n.get() - 1));
        unlink(self.take_links());
    }
}

/// Drops tensors and, through them, the graph behind them, without recursion: the one
/// place the graph is unlinked (by a dropped tensor's node, and by a freed node).
///
/// Dropping a long chain recursively (tensor → node → input tensor → node …) overflows
/// the stack, so a node whose last handle goes away hands its inputs to a work list
/// instead of dropping them in place.
fn unlink<T: Element>(tensors: Vec<Tensor<T>>) {
    let mut stack = tensors;
    while let Some(tensor) = stack.pop() {
        if let Some(node) = tensor.take_grad_fn_if_unique() {
            if let Ok(node) = Arc::try_unwrap(node) {
                stack.append(&mut node.take_links());
            }
        }
    }
}
