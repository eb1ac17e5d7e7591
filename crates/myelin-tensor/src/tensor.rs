//! The `Tensor` handle: storage, layout and the link into the autodiff graph.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLockReadGuard};

use crate::autograd::grad_mode::is_grad_enabled;
use crate::autograd::node::{BackwardOp, Node};
use crate::element::{DType, Element};
use crate::error::{or_panic, Result, TensorError};
use crate::shape::{checked_numel, Dims, Layout};
use crate::storage::Storage;

/// A gradient hook: sees the gradient flowing into a tensor during backward and may
/// return a replacement.
pub type GradHook<T> = Box<dyn Fn(&Tensor<T>) -> Option<Tensor<T>> + Send + Sync>;

/// An n-dimensional array of `f32` or `f64` that can take part in automatic
/// differentiation.
///
/// A `Tensor` is a cheap handle (one reference-counted pointer): cloning it shares the
/// data and the autodiff identity, like a Python reference to a `torch.Tensor`. Views
/// (transpose, permute, broadcast, narrow, reshape of contiguous data) share storage.
///
/// ```
/// use myelin_tensor::Tensor;
/// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0, 3.0], &[3]).unwrap().requires_grad_(true);
/// let y = (&x * &x).sum();
/// y.backward().unwrap();
/// assert_eq!(x.grad().unwrap().to_vec(), vec![2.0, 4.0, 6.0]);
/// ```
pub struct Tensor<T: Element> {
    pub(crate) inner: Arc<TensorImpl<T>>,
}

pub(crate) struct TensorImpl<T: Element> {
    pub(crate) storage: Arc<Storage<T>>,
    pub(crate) layout: Layout,
    pub(crate) requires_grad: AtomicBool,
    /// The op that produced this tensor (`None` for leaves and for untracked results).
    pub(crate) grad_fn: Option<Arc<Node<T>>>,
    pub(crate) autograd: Mutex<AutogradSlot<T>>,
}

#[derive(Default)]
pub(crate) struct AutogradSlot<T: Element> {
    pub(crate) grad: Option<Tensor<T>>,
    pub(crate) hooks: Vec<Arc<GradHook<T>>>,
    pub(crate) retains_grad: bool,
}

impl<T: Element> Clone for Tensor<T> {
    fn clone(&self) -> Self {
        Tensor {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T: Element> Tensor<T> {
    // ----- construction -------------------------------------------------------------

    pub(crate) fn from_storage(storage: Arc<Storage<T>>, layout: Layout) -> Tensor<T> {
        Tensor {
            inner: Arc::new(TensorImpl {
                storage,
                layout,
                requires_grad: AtomicBool::new(false),
                grad_fn: None,
                autograd: Mutex::new(AutogradSlot {
                    grad: None,
                    hooks: Vec::new(),
                    retains_grad: false,
                }),
            }),
        }
    }

    /// A contiguous tensor over `data` (the caller guarantees `data.len()` matches).
    pub(crate) fn from_data(data: Vec<T>, shape: &[usize]) -> Tensor<T> {
        debug_assert_eq!(data.len(), shape.iter().product::<usize>());
        Tensor::from_storage(Arc::new(Storage::new(data)), Layout::contiguous(shape))
    }

    /// Wraps a freshly computed result, recording `make_op` on the graph when grad mode
    /// is on and any input requires grad. `make_op` runs only when recording, so ops
    /// save nothing when no gradient is needed. This is the one place that records.
    pub(crate) fn record<O, F>(result: Tensor<T>, inputs: &[&Tensor<T>], make_op: F) -> Tensor<T>
    where
        O: BackwardOp<T>,
        F: FnOnce() -> O,
    {
        if !is_grad_enabled() || !inputs.iter().any(|t| t.requires_grad()) {
            return result;
        }
        let node = Node::new(
            Box::new(make_op()),
            inputs.iter().map(|t| (*t).clone()).collect(),
            &result,
        );
        let mut inner = match Arc::try_unwrap(result.inner) {
            Ok(inner) => inner,
            // A shared result (a view returned as-is) gets its own handle.
            Err(shared) => TensorImpl {
                storage: Arc::clone(&shared.storage),
                layout: shared.layout.clone(),
                requires_grad: AtomicBool::new(false),
                grad_fn: None,
                autograd: Mutex::new(AutogradSlot::default()),
            },
        };
        inner.grad_fn = Some(node);
        inner.requires_grad = AtomicBool::new(true);
        Tensor {
            inner: Arc::new(inner),
        }
    }

    /// A tensor of the given shape holding `data` in row-major order.
    ///
    /// Errors if `data.len()` does not equal the product of `shape`.
    pub fn from_vec(data: Vec<T>, shape: &[usize]) -> Result<Tensor<T>> {
        let numel = checked_numel::<T>("from_vec", shape)?;
        if numel != data.len() {
            return Err(TensorError::ShapeMismatch {
                op: "from_vec",
                detail: format!(
                    "{} elements cannot fill shape {shape:?} ({numel} elements)",
                    data.len()
                ),
            });
        }
        Ok(Tensor::from_data(data, shape))
    }

    /// A tensor copied from a slice.
    pub fn from_slice(data: &[T], shape: &[usize]) -> Result<Tensor<T>> {
        Tensor::from_vec(data.to_vec(), shape)
    }

    /// A 0-dimensional tensor holding one value.
    pub fn scalar(value: T) -> Tensor<T> {
        Tensor::from_data(vec![value], &[])
    }

    /// A tensor filled with `value`. Panics only if the element count overflows; see
    /// [`Tensor::try_full`].
    pub fn full(shape: &[usize], value: T) -> Tensor<T> {
        or_panic(Tensor::try_full(shape, value))
    }

    /// A tensor filled with `value`, or an error if the element count overflows.
    pub fn try_full(shape: &[usize], value: T) -> Result<Tensor<T>> {
        let numel = checked_numel::<T>("full", shape)?;
        let mut data = crate::storage::alloc(numel);
        crate::kernels::elementwise::fill(&mut data, value);
        Ok(Tensor::from_data(data, shape))
    }

    /// A tensor of zeros.
    pub fn zeros(shape: &[usize]) -> Tensor<T> {
        Tensor::full(shape, T::zero())
    }

    /// A tensor of ones.
    pub fn ones(shape: &[usize]) -> Tensor<T> {
        Tensor::full(shape, T::one())
    }

    /// Zeros with the shape of `self`.
    pub fn zeros_like(&self) -> Tensor<T> {
        Tensor::zeros(self.shape())
    }

    /// Ones with the shape of `self`.
    pub fn ones_like(&self) -> Tensor<T> {
        Tensor::ones(self.shape())
    }

    /// Values `start, start + step, …` below `end` (PyTorch's `arange`).
    pub fn arange(start: T, end: T, step: T) -> Result<Tensor<T>> {
        if step == T::zero() || !step.is_finite() || !start.is_finite() || !end.is_finite() {
            return Err(TensorError::InvalidArgument {
                op: "arange",
                detail: format!("need finite start/end and a non-zero step, got start={start}, end={end}, step={step}"),
            });
        }
        let count = ((end - start) / step).ceil().to_f64().max(0.0);
        if count > 1e12 {
            return Err(TensorError::InvalidArgument {
                op: "arange",
                detail: format!("{count} elements is too many"),
            });
        }
        let n = count as usize;
        checked_numel::<T>("arange", &[n])?;
        let data = (0..n)
            .map(|i| start + T::from_f64(i as f64) * step)
            .collect();
        Ok(Tensor::from_data(data, &[n]))
    }

    /// `steps` evenly spaced values from `start` to `end` inclusive.
    ///
    /// Panics (naming `linspace`) if `steps` elements cannot be allocated.
    pub fn linspace(start: T, end: T, steps: usize) -> Tensor<T> {
        or_panic(checked_numel::<T>("linspace", &[steps]));
        let data = match steps {
            0 => vec![],
            1 => vec![start],
            _ => {
                let step = (end - start) / T::from_f64((steps - 1) as f64);
                (0..steps)
                    .map(|i| {
                        if i == steps - 1 {
                            end
                        } else {
                            start + T::from_f64(i as f64) * step
                        }
                    })
                    .collect()
            }
        };
        Tensor::from_data(data, &[steps])
    }

    /// The `n × n` identity matrix. Panics (naming `eye`) if `n × n` elements cannot be
    /// allocated.
    pub fn eye(n: usize) -> Tensor<T> {
        let numel = or_panic(checked_numel::<T>("eye", &[n, n]));
        let mut data = vec![T::zero(); numel];
        for i in 0..n {
            data[i * n + i] = T::one();
        }
        Tensor::from_data(data, &[n, n])
    }

    // ----- metadata -----------------------------------------------------------------

    /// The dimensions.
    pub fn shape(&self) -> &[usize] {
        &self.inner.layout.shape
    }

    /// The strides in elements.
    pub fn strides(&self) -> &[usize] {
        &self.inner.layout.strides
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.inner.layout.shape.len()
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.inner.layout.numel()
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        T::DTYPE
    }

    /// Whether the elements are row-major with no gaps.
    pub fn is_contiguous(&self) -> bool {
        self.inner.layout.is_contiguous()
    }

    pub(crate) fn layout(&self) -> &Layout {
        &self.inner.layout
    }

    pub(crate) fn dims(&self) -> Dims {
        self.inner.layout.shape.clone()
    }

    /// Read access to the storage (shared with views; index with the layout).
    pub(crate) fn storage_read(&self) -> RwLockReadGuard<'_, Vec<T>> {
        self.inner.storage.read()
    }

    /// The version counter of this tensor's storage (PyTorch's `_version`): the number
    /// of in-place modifications ([`update_data`](Tensor::update_data),
    /// [`assign`](Tensor::assign), optimiser steps) its buffer has seen. Views share it.
    ///
    /// An op that saves a tensor for its backward remembers this number; if it has
    /// changed when the backward runs, the backward fails instead of computing a wrong
    /// gradient.
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// let x = Tensor::<f64>::ones(&[2]).requires_grad_(true);
    /// let y = x.sigmoid();
    /// assert_eq!(y.version(), 0);
    /// y.update_data(|d| d[0] = 0.0).unwrap();
    /// assert_eq!(y.version(), 1);
    /// let err = y.sum().backward().unwrap_err().to_string();
    /// assert!(err.contains("modified by an inplace operation"), "{err}");
    /// ```
    pub fn version(&self) -> u64 {
        self.inner.storage.version()
    }

    pub(crate) fn storage_arc(&self) -> &Arc<Storage<T>> {
        &self.inner.storage
    }

    /// Whether two tensors share a storage buffer.
    pub fn shares_storage_with(&self, other: &Tensor<T>) -> bool {
        Arc::ptr_eq(&self.inner.storage, &other.inner.storage)
    }

    /// A stable identity for this handle's autodiff node (pointer of the shared state).
    pub(crate) fn id(&self) -> usize {
        Arc::as_ptr(&self.inner) as *const u8 as usize
    }

    // ----- data access --------------------------------------------------------------

    /// The elements in row-major order.
    pub fn to_vec(&self) -> Vec<T> {
        let data = self.storage_read();
        let layout = self.layout();
        if layout.is_contiguous() {
            return data[layout.offset..layout.offset + layout.numel()].to_vec();
        }
        let mut out = Vec::with_capacity(layout.numel());
        crate::shape::for_each_run(&layout.shape, [layout], |[start], len, [stride]| {
            out.extend((0..len).map(|i| data[start + i * stride]));
        });
        out
    }

    /// The elements as `f64`, row-major.
    pub fn to_f64_vec(&self) -> Vec<f64> {
        self.to_vec().into_iter().map(Element::to_f64).collect()
    }

    /// Runs `f` on the contiguous row-major elements without copying when possible.
    pub fn with_contiguous_data<R>(&self, f: impl FnOnce(&[T]) -> R) -> R {
        if self.is_contiguous() {
            let data = self.storage_read();
            let offset = self.layout().offset;
            f(&data[offset..offset + self.numel()])
        } else {
            f(&self.to_vec())
        }
    }

    /// The single value of a one-element tensor.
    pub fn item(&self) -> Result<T> {
        if self.numel() != 1 {
            return Err(TensorError::ShapeMismatch {
                op: "item",
                detail: format!(
                    "needs exactly one element, the tensor has shape {:?}",
                    self.shape()
                ),
            });
        }
        let data = self.storage_read();
        Ok(data[self.layout().offset])
    }

    /// The element at a multi-index.
    pub fn get(&self, index: &[usize]) -> Result<T> {
        if index.len() != self.ndim() {
            return Err(TensorError::ShapeMismatch {
                op: "get",
                detail: format!(
                    "index {index:?} has {} entries for shape {:?}",
                    index.len(),
                    self.shape()
                ),
            });
        }
        let mut offset = self.layout().offset;
        for (d, (&i, (&size, &stride))) in index
            .iter()
            .zip(self.shape().iter().zip(self.strides()))
            .enumerate()
        {
            if i >= size {
                return Err(TensorError::IndexOutOfRange {
                    op: "get",
                    index: i as i64,
                    dim: d,
                    size,
                });
            }
            offset += i * stride;
        }
        Ok(self.storage_read()[offset])
    }

    /// Converts to the other element type (or copies within the same one). Not recorded.
    pub fn cast<U: Element>(&self) -> Tensor<U> {
        let data = self
            .to_vec()
            .into_iter()
            .map(|v| U::from_f64(v.to_f64()))
            .collect();
        Tensor::from_data(data, self.shape())
    }

    /// Overwrites the elements in place (row-major `values`) without recording anything:
    /// for optimiser updates and initialisers. Every view of the storage sees the change,
    /// and the storage's [`version`](Tensor::version) goes up by one, so a pending
    /// backward that saved this tensor reports the modification instead of using the new
    /// values.
    pub fn update_data(&self, f: impl FnOnce(&mut [T])) -> Result<()> {
        if !self.is_contiguous() {
            return Err(TensorError::InvalidArgument {
                op: "update_data",
                detail: format!(
                    "needs a contiguous tensor, got shape {:?} strides {:?}",
                    self.shape(),
                    self.strides()
                ),
            });
        }
        let mut data = self.inner.storage.write();
        let offset = self.layout().offset;
        let n = self.numel();
        f(&mut data[offset..offset + n]);
        Ok(())
    }

    /// Copies `src` (same shape) into this tensor's elements, in place, unrecorded.
    pub fn assign(&self, src: &Tensor<T>) -> Result<()> {
        if src.shape() != self.shape() {
            return Err(TensorError::ShapeMismatch {
                op: "assign",
                detail: format!(
                    "source shape {:?} differs from destination shape {:?}",
                    src.shape(),
                    self.shape()
                ),
            });
        }
        let values = src.to_vec();
        self.update_data(|dst| dst.copy_from_slice(&values))
    }

    // ----- autodiff state -----------------------------------------------------------

    /// Whether gradients flow to or through this tensor.
    pub fn requires_grad(&self) -> bool {
        self.inner.requires_grad.load(Ordering::Relaxed)
    }

    /// Marks a leaf as requiring grad (builder style, PyTorch's `requires_grad_`).
    ///
    /// On a non-leaf this only affects whether the flag reads true; its gradient flow is
    /// decided by the graph that made it.
    pub fn requires_grad_(self, requires: bool) -> Tensor<T> {
        self.set_requires_grad(requires);
        self
    }

    /// Sets the requires-grad flag of a leaf.
    pub fn set_requires_grad(&self, requires: bool) {
        if self.inner.grad_fn.is_none() {
            self.inner.requires_grad.store(requires, Ordering::Relaxed);
        }
    }

    /// True for tensors not produced by a recorded op.
    pub fn is_leaf(&self) -> bool {
        self.inner.grad_fn.is_none()
    }

    /// The name of the op that produced this tensor, if it was recorded.
    pub fn grad_fn_name(&self) -> Option<&'static str> {
        self.inner.grad_fn.as_ref().map(|n| n.name)
    }

    pub(crate) fn grad_fn(&self) -> Option<&Arc<Node<T>>> {
        self.inner.grad_fn.as_ref()
    }

    /// A tensor sharing this one's data but cut from the graph.
    pub fn detach(&self) -> Tensor<T> {
        Tensor::from_storage(Arc::clone(&self.inner.storage), self.inner.layout.clone())
    }

    /// The accumulated gradient (leaves, and non-leaves that called
    /// [`retain_grad`](Tensor::retain_grad)).
    pub fn grad(&self) -> Option<Tensor<T>> {
        self.slot().grad.clone()
    }

    /// Replaces the accumulated gradient.
    pub fn set_grad(&self, grad: Option<Tensor<T>>) {
        self.slot().grad = grad;
    }

    /// Clears the accumulated gradient (PyTorch's `grad = None`).
    pub fn zero_grad(&self) {
        self.slot().grad = None;
    }

    /// Keeps the gradient of a non-leaf after backward, readable with `grad()`.
    pub fn retain_grad(&self) {
        self.slot().retains_grad = true;
    }

    /// Registers a hook that sees the gradient flowing into this tensor during backward.
    /// Returning `Some(g)` replaces the gradient (it must keep the shape).
    ///
    /// ```
    /// use myelin_tensor::Tensor;
    /// use std::sync::{Arc, Mutex};
    /// let x = Tensor::<f64>::ones(&[3]).requires_grad_(true);
    /// let h = &x * 2.0;
    /// let seen = Arc::new(Mutex::new(0.0));
    /// let seen2 = seen.clone();
    /// h.register_hook(move |g| { *seen2.lock().unwrap() = g.norm().item().unwrap(); None });
    /// h.sum().backward().unwrap();
    /// assert!((*seen.lock().unwrap() - 3f64.sqrt()).abs() < 1e-12);
    /// ```
    pub fn register_hook(
        &self,
        hook: impl Fn(&Tensor<T>) -> Option<Tensor<T>> + Send + Sync + 'static,
    ) {
        self.slot().hooks.push(Arc::new(Box::new(hook)));
    }

    /// Removes every hook from this tensor.
    pub fn clear_hooks(&self) {
        self.slot().hooks.clear();
    }

    pub(crate) fn slot(&self) -> std::sync::MutexGuard<'_, AutogradSlot<T>> {
        self.inner
            .autograd
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Consumes the handle; if it was the last one, hands back its graph link so the
    /// caller can unlink long chains without recursion.
    pub(crate) fn take_grad_fn_if_unique(self) -> Option<Arc<Node<T>>> {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => inner.grad_fn.take(),
            Err(_) => None,
        }
    }
}
