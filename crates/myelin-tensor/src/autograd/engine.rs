//! The backward walk: topological order by an explicit stack, then one pass in reverse.
//!
//! Nothing here recurses, so a graph a million ops deep backpropagates on a small stack.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::autograd::grad_mode::{is_anomaly_enabled, set_grad_enabled};
use crate::autograd::node::{BackwardCtx, Node};
use crate::element::Element;
use crate::error::{Result, TensorError};
use crate::shape::broadcast_shapes;
use crate::tensor::Tensor;

const FREED_GRAPH: &str = "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call backward() or grad(). Specify retain_graph=true if you need to backward through the graph a second time";

/// Options for a backward pass.
#[derive(Clone, Copy, Debug, Default)]
pub struct BackwardOptions {
    /// Keep the graph (and its saved tensors) so it can be backpropagated again.
    pub retain_graph: bool,
    /// Record the backward itself, so the gradients can be differentiated again.
    /// Implies `retain_graph`.
    pub create_graph: bool,
}

impl<T: Element> Tensor<T> {
    /// Backpropagates from a one-element tensor, accumulating into the `grad` of every
    /// leaf that requires grad. Frees the graph afterwards.
    pub fn backward(&self) -> Result<()> {
        if self.numel() != 1 {
            return Err(TensorError::Autograd(format!(
                "backward() needs a tensor with one element (grad can be implicitly created only for scalar outputs), got shape {:?}; use backward_with(seed)",
                self.shape()
            )));
        }
        self.backward_opts(&Tensor::ones(self.shape()), BackwardOptions::default())
    }

    /// Backpropagates with an explicit seed gradient of the same shape as `self`.
    pub fn backward_with(&self, seed: &Tensor<T>) -> Result<()> {
        self.backward_opts(seed, BackwardOptions::default())
    }

    /// Backpropagates with a seed and options.
    pub fn backward_opts(&self, seed: &Tensor<T>, options: BackwardOptions) -> Result<()> {
        run_backward(
            std::slice::from_ref(self),
            std::slice::from_ref(seed),
            None,
            options,
        )
        .map(|_| ())
    }
}

/// Options for [`grad_with`] (PyTorch's keyword arguments of `torch.autograd.grad`).
#[derive(Clone, Copy, Debug, Default)]
pub struct GradOptions {
    /// Keep the graph so it can be differentiated again (implied by `create_graph`).
    pub retain_graph: bool,
    /// Record the backward, so the returned gradients can be differentiated again.
    pub create_graph: bool,
    /// Allow inputs the outputs do not depend on: their gradient is `None` (or zeros
    /// with `materialize_grads`). Without it such an input is an error, as in PyTorch.
    pub allow_unused: bool,
    /// Return zeros instead of `None` for unused inputs (implies `allow_unused`).
    pub materialize_grads: bool,
}

/// Gradients of `outputs` (seeded with `seeds`, or ones for one-element outputs) with
/// respect to `inputs`, returned instead of accumulated (PyTorch's `torch.autograd.grad`).
///
/// With `create_graph`, the returned gradients are themselves on the graph, so they can
/// be differentiated again: grad-of-grad, Hessian-vector products.
///
/// Like PyTorch (`allow_unused=False`), an input that the outputs do not depend on is an
/// error ("One of the differentiated Tensors appears to not have been used in the
/// graph"); use [`grad_with`] with [`GradOptions::allow_unused`] to get `None` for it,
/// or [`GradOptions::materialize_grads`] to get zeros.
///
/// ```
/// use myelin_tensor::{grad, Tensor};
/// let x = Tensor::<f64>::scalar(2.0).requires_grad_(true);
/// let y = &(&x * &x) * &x; // x³
/// let dy = grad(&[y], std::slice::from_ref(&x), None, true).unwrap();
/// assert_eq!(dy[0].item().unwrap(), 12.0); // 3x²
/// let d2y = grad(&[dy[0].clone()], &[x], None, false).unwrap();
/// assert_eq!(d2y[0].item().unwrap(), 12.0); // 6x
/// ```
pub fn grad<T: Element>(
    outputs: &[Tensor<T>],
    inputs: &[Tensor<T>],
    seeds: Option<&[Tensor<T>]>,
    create_graph: bool,
) -> Result<Vec<Tensor<T>>> {
    let options = GradOptions {
        retain_graph: create_graph,
        create_graph,
        allow_unused: false,
        materialize_grads: false,
    };
    let found = grad_with(outputs, inputs, seeds, options)?;
    Ok(found
        .into_iter()
        .map(|g| g.expect("grad_with without allow_unused returns every gradient"))
        .collect())
}

/// [`grad`] with all of PyTorch's options; an unused input's gradient is `None` when
/// `allow_unused` is set.
///
/// ```
/// use myelin_tensor::{grad, grad_with, GradOptions, Tensor};
/// let x = Tensor::<f64>::scalar(2.0).requires_grad_(true);
/// let unused = Tensor::<f64>::scalar(1.0).requires_grad_(true);
/// let both = [x.clone(), unused.clone()];
/// let err = grad(&[&x * &x], &both, None, false).unwrap_err().to_string();
/// assert!(err.contains("allow_unused"), "{err}");
/// let opts = GradOptions { allow_unused: true, ..Default::default() };
/// let g = grad_with(&[&x * &x], &both, None, opts).unwrap();
/// assert_eq!(g[0].as_ref().unwrap().item().unwrap(), 4.0);
/// assert!(g[1].is_none());
/// ```
pub fn grad_with<T: Element>(
    outputs: &[Tensor<T>],
    inputs: &[Tensor<T>],
    seeds: Option<&[Tensor<T>]>,
    options: GradOptions,
) -> Result<Vec<Option<Tensor<T>>>> {
    let seeds: Vec<Tensor<T>> = match seeds {
        Some(s) => {
            if s.len() != outputs.len() {
                return Err(TensorError::Autograd(format!(
                    "grad: {} seeds for {} outputs",
                    s.len(),
                    outputs.len()
                )));
            }
            s.to_vec()
        }
        None => {
            for o in outputs {
                if o.numel() != 1 {
                    return Err(TensorError::Autograd(format!(
                        "grad: output of shape {:?} is not a scalar; pass seeds",
                        o.shape()
                    )));
                }
            }
            outputs.iter().map(|o| Tensor::ones(o.shape())).collect()
        }
    };
    for (i, x) in inputs.iter().enumerate() {
        if !x.requires_grad() {
            return Err(TensorError::Autograd(format!(
                "grad: input {i} (shape {:?}) does not require grad",
                x.shape()
            )));
        }
    }
    let backward = BackwardOptions {
        retain_graph: options.retain_graph || options.create_graph,
        create_graph: options.create_graph,
    };
    let found = run_backward(outputs, &seeds, Some(inputs), backward)?;
    let allow_unused = options.allow_unused || options.materialize_grads;
    found
        .into_iter()
        .zip(inputs)
        .enumerate()
        .map(|(i, (g, x))| match g {
            Some(g) => Ok(Some(g)),
            None if options.materialize_grads => Ok(Some(x.zeros_like())),
            None if allow_unused => Ok(None),
            None => Err(TensorError::Autograd(format!(
                "grad: One of the differentiated Tensors appears to not have been used in the graph (input {i}, shape {:?}). Set allow_unused=true (GradOptions) if this is the desired behavior",
                x.shape()
            ))),
        })
        .collect()
}

/// The engine, in the order it works (micrograd's `backward`, plus what a real engine
/// must check):
///
/// 1. [`check_roots`]: each seed fits its output, each output is on the graph;
/// 2. [`topological_order`]: every tensor before the tensors it was computed from;
/// 3. [`Walk::seed`]: the seeds are the first incoming gradients;
/// 4. for each tensor in order, its total incoming gradient goes through its hooks
///    ([`apply_hooks`]), is delivered ([`Walk::deliver`]: returned for `grad`, or
///    accumulated into a leaf's `.grad`), and its node's backward sends one gradient to
///    each input ([`Walk::backpropagate`]), reduced to that input's shape
///    ([`reduce_to_input`]) and checked for anomalies ([`check_anomaly`]);
/// 5. unless `retain_graph`, the node is freed as soon as it has run.
///
/// Returns, when `wanted` is given, the gradient for each wanted tensor instead of
/// accumulating into leaves.
pub(crate) fn run_backward<T: Element>(
    roots: &[Tensor<T>],
    seeds: &[Tensor<T>],
    wanted: Option<&[Tensor<T>]>,
    options: BackwardOptions,
) -> Result<Vec<Option<Tensor<T>>>> {
    check_roots(roots, seeds)?;
    let create_graph = options.create_graph;
    let retain_graph = options.retain_graph || create_graph;
    let _mode = set_grad_enabled(create_graph);
    let order = topological_order(roots);
    let mut walk = Walk::new(&order, wanted, create_graph);
    walk.seed(roots, seeds)?;
    for tensor in &order {
        if !walk.is_needed(tensor) {
            continue;
        }
        let Some(g) = walk.grads.remove(&tensor.id()) else {
            continue;
        };
        let g = apply_hooks(tensor, g)?;
        walk.deliver(tensor, &g)?;
        if let Some(node) = tensor.grad_fn() {
            if walk.backpropagate(tensor, node, &g)? && !retain_graph {
                node.free();
            }
        }
    }
    drop(order);
    Ok(walk.results)
}

/// Each seed has its output's shape, and each output requires grad.
fn check_roots<T: Element>(roots: &[Tensor<T>], seeds: &[Tensor<T>]) -> Result<()> {
    for (root, seed) in roots.iter().zip(seeds) {
        if root.shape() != seed.shape() {
            return Err(TensorError::ShapeMismatch {
                op: "backward",
                detail: format!(
                    "seed gradient of shape {:?} for an output of shape {:?}",
                    seed.shape(),
                    root.shape()
                ),
            });
        }
        if !root.requires_grad() {
            return Err(TensorError::Autograd(format!(
                "element 0 of tensors does not require grad and does not have a grad_fn (output of shape {:?})",
                root.shape()
            )));
        }
    }
    Ok(())
}

/// The inputs a node links to (empty once freed).
fn node_inputs<T: Element>(node: &Node<T>) -> Vec<Tensor<T>> {
    node.inputs
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

/// Whether a node's backward was freed by an earlier backward without `retain_graph`.
fn is_freed<T: Element>(node: &Node<T>) -> bool {
    node.op.lock().unwrap_or_else(|e| e.into_inner()).is_none()
}

fn freed_graph_error<T: Element>(node: &Node<T>) -> TensorError {
    TensorError::Autograd(format!("{FREED_GRAPH} (op `{}`)", node.name))
}

/// Tensors in topological order (every tensor before the tensors it was computed from):
/// iterative post-order depth-first search, reversed.
fn topological_order<T: Element>(roots: &[Tensor<T>]) -> Vec<Tensor<T>> {
    let mut visited: HashSet<usize> = HashSet::new();
    let mut order = Vec::new();
    let mut stack: Vec<(Tensor<T>, bool)> =
        roots.iter().rev().map(|r| (r.clone(), false)).collect();
    while let Some((tensor, expanded)) = stack.pop() {
        if expanded {
            order.push(tensor);
            continue;
        }
        if !visited.insert(tensor.id()) {
            continue;
        }
        let inputs = tensor.grad_fn().map(|n| node_inputs(n)).unwrap_or_default();
        stack.push((tensor, true));
        for input in inputs.into_iter().rev() {
            if input.requires_grad() && !visited.contains(&input.id()) {
                stack.push((input, false));
            }
        }
    }
    order.reverse();
    order
}

/// With explicit inputs, the tensors that lead to them: only that part of the graph runs
/// (like PyTorch), nodes beyond them are neither executed nor freed.
fn leading_to<T: Element>(
    order: &[Tensor<T>],
    wanted_index: &HashMap<usize, usize>,
) -> HashSet<usize> {
    let mut needed = HashSet::new();
    for tensor in order.iter().rev() {
        // A freed node's inputs are gone; count it as needed so that reaching it
        // reports the freed graph instead of silently returning zeros.
        let leads_to_wanted = wanted_index.contains_key(&tensor.id())
            || tensor.grad_fn().is_some_and(|node| {
                is_freed(node)
                    || node_inputs(node)
                        .iter()
                        .any(|input| needed.contains(&input.id()))
            });
        if leads_to_wanted {
            needed.insert(tensor.id());
        }
    }
    needed
}

/// Hooks see (and may replace) the total gradient flowing into `tensor`.
fn apply_hooks<T: Element>(tensor: &Tensor<T>, mut g: Tensor<T>) -> Result<Tensor<T>> {
    let hooks: Vec<_> = tensor.slot().hooks.clone();
    for hook in hooks {
        if let Some(replacement) = hook(&g) {
            if replacement.shape() != g.shape() {
                return Err(TensorError::ShapeMismatch {
                    op: "gradient hook",
                    detail: format!(
                        "hook returned shape {:?} for a gradient of shape {:?}",
                        replacement.shape(),
                        g.shape()
                    ),
                });
            }
            g = replacement;
        }
    }
    Ok(g)
}

/// A backward's gradient for input `i`, summed down to the input's shape where the op
/// broadcast the input (the one place broadcasting is undone, as in tinygrad's
/// `compute_gradient`); any other shape is an error naming the op.
fn reduce_to_input<T: Element>(
    node: &Node<T>,
    i: usize,
    input: &Tensor<T>,
    grad: Tensor<T>,
) -> Result<Tensor<T>> {
    if grad.shape() == input.shape() {
        return Ok(grad);
    }
    let broadcast = broadcast_shapes(node.name, input.shape(), grad.shape())
        .is_ok_and(|shape| shape.as_slice() == grad.shape());
    if !broadcast {
        return Err(TensorError::ShapeMismatch {
            op: node.name,
            detail: format!(
                "backward produced a gradient of shape {:?} for input {i} of shape {:?}",
                grad.shape(),
                input.shape()
            ),
        });
    }
    grad.try_sum_to(input.shape())
}

/// In anomaly mode: the first backward that turns a finite gradient non-finite is an
/// error naming the op, and the input too when the input itself is non-finite.
fn check_anomaly<T: Element>(
    node: &Node<T>,
    i: usize,
    input: &Tensor<T>,
    grad: &Tensor<T>,
) -> Result<()> {
    if !has_non_finite(grad) {
        return Ok(());
    }
    let created = node
        .created_at
        .as_ref()
        .map(|bt| format!("; the op was created at:\n{bt}"))
        .unwrap_or_default();
    if has_non_finite(input) {
        let origin = match input.grad_fn_name() {
            Some(producer) => format!("the output of `{producer}`, shape {:?}", input.shape()),
            None => format!("a leaf tensor of shape {:?}", input.shape()),
        };
        return Err(TensorError::NonFiniteInput {
            op: node.name.to_string(),
            input: i,
            origin,
            created,
        });
    }
    Err(TensorError::Anomaly {
        op: node.name.to_string(),
        input: i,
        created,
    })
}

/// The state of one backward pass: gradients waiting to be consumed, and the answers.
struct Walk<'a, T: Element> {
    /// Incoming gradients by tensor id, summed over the tensor's consumers.
    grads: HashMap<usize, Tensor<T>>,
    /// `grad`'s inputs (position by tensor id); `None` for `backward`.
    wanted: Option<&'a [Tensor<T>]>,
    wanted_index: HashMap<usize, usize>,
    /// With `wanted`: the tensors that lead to a wanted one.
    needed: Option<HashSet<usize>>,
    results: Vec<Option<Tensor<T>>>,
    create_graph: bool,
    anomaly: bool,
}

impl<'a, T: Element> Walk<'a, T> {
    fn new(order: &[Tensor<T>], wanted: Option<&'a [Tensor<T>]>, create_graph: bool) -> Self {
        let wanted_index: HashMap<usize, usize> = wanted
            .map(|w| w.iter().enumerate().map(|(i, t)| (t.id(), i)).collect())
            .unwrap_or_default();
        let needed = wanted.map(|_| leading_to(order, &wanted_index));
        Walk {
            grads: HashMap::new(),
            wanted,
            wanted_index,
            needed,
            results: vec![None; wanted.map_or(0, |w| w.len())],
            create_graph,
            anomaly: is_anomaly_enabled(),
        }
    }

    fn is_needed(&self, t: &Tensor<T>) -> bool {
        self.needed.as_ref().is_none_or(|n| n.contains(&t.id()))
    }

    /// Adds `g` to the gradient waiting for tensor `id`.
    fn send(&mut self, id: usize, g: Tensor<T>) -> Result<()> {
        let mut slot = self.grads.remove(&id);
        accumulate(&mut slot, g)?;
        if let Some(g) = slot {
            self.grads.insert(id, g);
        }
        Ok(())
    }

    /// The seeds are the outputs' incoming gradients (recorded only with `create_graph`).
    fn seed(&mut self, roots: &[Tensor<T>], seeds: &[Tensor<T>]) -> Result<()> {
        for (root, seed) in roots.iter().zip(seeds) {
            let seed = if self.create_graph {
                seed.clone()
            } else {
                seed.detach()
            };
            self.send(root.id(), seed)?;
        }
        Ok(())
    }

    /// Hands a tensor's total gradient to the caller: into the results for a wanted
    /// tensor, else into `.grad` of a leaf (or a tensor that retains its grad).
    fn deliver(&mut self, tensor: &Tensor<T>, g: &Tensor<T>) -> Result<()> {
        if let Some(&i) = self.wanted_index.get(&tensor.id()) {
            return accumulate(&mut self.results[i], g.clone());
        }
        if self.wanted.is_some() || !(tensor.is_leaf() || tensor.slot().retains_grad) {
            return Ok(());
        }
        let stored = if self.create_graph {
            g.clone()
        } else {
            owned_detached(g)
        };
        let mut slot = tensor.slot();
        let mut current = slot.grad.take();
        // Accumulation into .grad is never recorded unless create_graph.
        accumulate(&mut current, stored)?;
        slot.grad = current;
        Ok(())
    }

    /// Runs the backward of `tensor`'s node on its gradient `g` and sends each input its
    /// share. Returns whether the backward ran (so the node may be freed).
    fn backpropagate(&mut self, tensor: &Tensor<T>, node: &Node<T>, g: &Tensor<T>) -> Result<bool> {
        let inputs = node_inputs(node);
        if is_freed(node) {
            if self.wanted_index.contains_key(&tensor.id()) {
                // Its gradient is the answer; nothing beyond it needs to run.
                return Ok(false);
            }
            return Err(freed_graph_error(node));
        }
        if !inputs
            .iter()
            .any(|input| input.requires_grad() && self.is_needed(input))
        {
            return Ok(false);
        }
        let input_grads = run_op_backward(node, &inputs, g, self.create_graph)?;
        let check_finite = self.anomaly && !has_non_finite(g);
        for (i, (input, input_grad)) in inputs.iter().zip(input_grads).enumerate() {
            let Some(input_grad) = input_grad else {
                continue;
            };
            if !input.requires_grad() || !self.is_needed(input) {
                continue;
            }
            let input_grad = reduce_to_input(node, i, input, input_grad)?;
            if check_finite {
                check_anomaly(node, i, input, &input_grad)?;
            }
            self.send(input.id(), input_grad)?;
        }
        Ok(true)
    }
}

/// The node's own backward, after checking that nothing it saved was modified in place;
/// one gradient (or `None`) per input.
fn run_op_backward<T: Element>(
    node: &Node<T>,
    inputs: &[Tensor<T>],
    g: &Tensor<T>,
    create_graph: bool,
) -> Result<Vec<Option<Tensor<T>>>> {
    let op_guard = node.op.lock().unwrap_or_else(|e| e.into_inner());
    let Some(op) = op_guard.as_ref() else {
        return Err(freed_graph_error(node));
    };
    node.check_versions(inputs)?;
    let ctx = BackwardCtx {
        inputs,
        create_graph,
    };
    let input_grads = op.backward(&ctx, g)?;
    if input_grads.len() != inputs.len() {
        return Err(TensorError::Autograd(format!(
            "the backward of `{}` returned {} gradients for {} inputs",
            node.name,
            input_grads.len(),
            inputs.len()
        )));
    }
    Ok(input_grads)
}

fn accumulate<T: Element>(slot: &mut Option<Tensor<T>>, g: Tensor<T>) -> Result<()> {
    *slot = Some(match slot.take() {
        None => g,
        Some(existing) => existing.try_add(&g)?,
    });
    Ok(())
}

/// A detached copy of `g` whose buffer nothing else shares. Gradients flowing through
/// add/sub/views are the same buffer as other inputs' gradients (and as the caller's
/// seed); storing such a buffer as `.grad` would let an in-place update of one gradient
/// (clipping, an optimiser) change the others.
fn owned_detached<T: Element>(g: &Tensor<T>) -> Tensor<T> {
    let unique = Arc::strong_count(&g.inner) == 1 && Arc::strong_count(&g.inner.storage) == 1;
    if unique && g.is_contiguous() {
        g.detach()
    } else {
        Tensor::from_data(g.to_vec(), g.shape())
    }
}

fn has_non_finite<T: Element>(t: &Tensor<T>) -> bool {
    t.with_contiguous_data(|d| d.iter().any(|v| !v.is_finite()))
}

#[doc(hidden)]
pub fn _assert_send_sync<T: Element>() {
    fn check<X: Send + Sync>() {}
    check::<Tensor<T>>();
    check::<Arc<crate::autograd::node::Node<T>>>();
}
