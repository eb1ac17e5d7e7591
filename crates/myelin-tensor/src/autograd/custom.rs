//! The public API for new differentiable ops.
//!
//! Three levels, from least to most code:
//!
//! 1. **Elementwise unary** ([`UnaryFn`] + [`Tensor::map_unary`]): give `f` and its
//!    derivative `df(x, y)` (with `y = f(x)` available for free). The engine runs one fused
//!    forward kernel and one fused backward kernel (`g · df(x, y)`), parallel for large
//!    tensors. Optionally give [`UnaryFn::derivative`], the derivative as another
//!    `UnaryFn`, and second-order gradients through the op work too.
//! 2. **Elementwise binary** ([`BinaryFn`] + [`Tensor::map_binary`]): `f(a, b)` with
//!    both partial derivatives; broadcasting and the reduction of gradients to the input
//!    shapes are handled for you (for example a learnable slope shared across a batch).
//! 3. **Anything** ([`BackwardOp`] + [`Tensor::from_op`]): compute the forward value any
//!    way you like, then attach a backward written with tensor ops.
//!
//! A complete op outside this crate, in a few lines:
//!
//! ```
//! use myelin_tensor::{Tensor, UnaryFn, gradcheck, GradCheckOptions};
//!
//! /// softsign(x) = x / (1 + |x|), derivative 1 / (1 + |x|)^2.
//! #[derive(Clone)]
//! struct Softsign;
//! impl UnaryFn<f64> for Softsign {
//!     fn name(&self) -> &'static str { "softsign" }
//!     fn f(&self, x: f64) -> f64 { x / (1.0 + x.abs()) }
//!     fn df(&self, x: f64, _y: f64) -> f64 { 1.0 / ((1.0 + x.abs()) * (1.0 + x.abs())) }
//! }
//!
//! let x = Tensor::<f64>::from_vec(vec![-2.0, 0.5, 3.0], &[3]).unwrap().requires_grad_(true);
//! gradcheck(|xs| Ok(xs[0].map_unary(Softsign)), &[x], GradCheckOptions::default()).unwrap();
//! ```

use std::sync::Arc;

use crate::autograd::node::{BackwardCtx, BackwardOp};
use crate::element::Element;
use crate::error::{Result, TensorError};
use crate::kernels::elementwise;
use crate::tensor::Tensor;

/// An elementwise function with its derivative: the description of a unary op.
pub trait UnaryFn<T: Element>: Send + Sync + 'static {
    /// The op's name (errors, anomaly reports, `grad_fn_name`).
    fn name(&self) -> &'static str;
    /// The value.
    fn f(&self, x: T) -> T;
    /// The derivative at `x`; `y = f(x)` is passed so functions like tanh or exp can
    /// reuse their output.
    fn df(&self, x: T, y: T) -> T;
    /// The derivative as a differentiable function (its `f` is this `df`, its `df` the
    /// second derivative). Needed only for gradients of gradients through this op.
    fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
        None
    }
    /// Whether `df` reads `x` (so an in-place change of the input before backward is an
    /// error). Default `true`; `false` for functions whose derivative is a constant.
    fn saves_input(&self) -> bool {
        true
    }
    /// Whether `df` reads `y = f(x)` (so an in-place change of the output before
    /// backward is an error). Default `true`.
    fn saves_output(&self) -> bool {
        true
    }
}

impl<T: Element> UnaryFn<T> for Arc<dyn UnaryFn<T>> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn f(&self, x: T) -> T {
        (**self).f(x)
    }
    fn df(&self, x: T, y: T) -> T {
        (**self).df(x, y)
    }
    fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
        (**self).derivative()
    }
    fn saves_input(&self) -> bool {
        (**self).saves_input()
    }
    fn saves_output(&self) -> bool {
        (**self).saves_output()
    }
}

/// A unary function built from closures (convenient for derivative towers).
///
/// ```
/// use myelin_tensor::{ClosureUnary, Tensor};
/// let cube = ClosureUnary::new("cube", |x: f64| x * x * x, |x: f64, _| 3.0 * x * x);
/// let y = Tensor::<f64>::from_vec(vec![2.0], &[1]).unwrap().map_unary(cube);
/// assert_eq!(y.to_vec(), vec![8.0]);
/// ```
#[derive(Clone)]
pub struct ClosureUnary<T: Element> {
    name: &'static str,
    f: Arc<dyn Fn(T) -> T + Send + Sync>,
    df: Arc<dyn Fn(T, T) -> T + Send + Sync>,
    derivative: Option<Arc<dyn UnaryFn<T>>>,
}

impl<T: Element> ClosureUnary<T> {
    /// From a value closure and a derivative closure `df(x, y)`.
    pub fn new(
        name: &'static str,
        f: impl Fn(T) -> T + Send + Sync + 'static,
        df: impl Fn(T, T) -> T + Send + Sync + 'static,
    ) -> Self {
        ClosureUnary {
            name,
            f: Arc::new(f),
            df: Arc::new(df),
            derivative: None,
        }
    }
    /// Attaches the derivative as a differentiable function (enables second order).
    pub fn with_derivative(mut self, derivative: impl UnaryFn<T>) -> Self {
        self.derivative = Some(Arc::new(derivative));
        self
    }
}

impl<T: Element> UnaryFn<T> for ClosureUnary<T> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn f(&self, x: T) -> T {
        (self.f)(x)
    }
    fn df(&self, x: T, y: T) -> T {
        (self.df)(x, y)
    }
    fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
        self.derivative.clone()
    }
}

/// `x ↦ f(x)` as a kernel function (a struct, so the kernel loop inlines it).
struct Value<'a, F>(&'a F);
impl<T: Element, F: UnaryFn<T>> elementwise::Fn1<T> for Value<'_, F> {
    #[inline(always)]
    fn call(&self, x: T) -> T {
        self.0.f(x)
    }
}

/// `(g, x, y) ↦ g · f'(x)` as a kernel function.
struct ChainRule<'a, F>(&'a F);
impl<T: Element, F: UnaryFn<T>> elementwise::Fn3<T> for ChainRule<'_, F> {
    #[inline(always)]
    fn call(&self, g: T, x: T, y: T) -> T {
        g * self.0.df(x, y)
    }
}

struct UnaryBackward<T: Element, F: UnaryFn<T>> {
    func: F,
    output: Tensor<T>,
}

impl<T: Element, F: UnaryFn<T>> BackwardOp<T> for UnaryBackward<T, F> {
    fn name(&self) -> &'static str {
        self.func.name()
    }
    fn saves_input(&self, _i: usize) -> bool {
        self.func.saves_input()
    }
    fn saves_output(&self) -> bool {
        self.func.saves_output()
    }
    fn backward(
        &self,
        ctx: &BackwardCtx<'_, T>,
        grad: &Tensor<T>,
    ) -> Result<Vec<Option<Tensor<T>>>> {
        let x = ctx.input(0);
        if ctx.create_graph() {
            let derivative = self.func.derivative().ok_or_else(|| {
                TensorError::Autograd(format!(
                    "`{}` has no differentiable derivative, so gradients of its gradient (create_graph) are not supported",
                    self.func.name()
                ))
            })?;
            return Ok(vec![Some(grad.try_mul(&x.map_unary(derivative))?)]);
        }
        let g = elementwise::ternary(grad, x, &self.output, ChainRule(&self.func));
        Ok(vec![Some(g)])
    }
}

/// An elementwise function of two arguments with both partial derivatives.
pub trait BinaryFn<T: Element>: Send + Sync + 'static {
    /// The op's name.
    fn name(&self) -> &'static str;
    /// The value.
    fn f(&self, a: T, b: T) -> T;
    /// ∂f/∂a.
    fn df_da(&self, a: T, b: T) -> T;
    /// ∂f/∂b.
    fn df_db(&self, a: T, b: T) -> T;
}

struct BinaryBackward<F> {
    func: F,
}

impl<T: Element, F: BinaryFn<T>> BackwardOp<T> for BinaryBackward<F> {
    fn name(&self) -> &'static str {
        self.func.name()
    }
    fn backward(
        &self,
        ctx: &BackwardCtx<'_, T>,
        grad: &Tensor<T>,
    ) -> Result<Vec<Option<Tensor<T>>>> {
        if ctx.create_graph() {
            return Err(TensorError::Autograd(format!(
                "`{}` is a BinaryFn op: gradients of its gradient (create_graph) are not supported",
                self.func.name()
            )));
        }
        let (a, b) = (ctx.input(0), ctx.input(1));
        let shape = grad.shape();
        let (ab, bb) = (a.try_broadcast_to(shape)?, b.try_broadcast_to(shape)?);
        let func = &self.func;
        let ga = if ctx.needs_grad(0) {
            let full = elementwise::ternary(grad, &ab, &bb, |g, a, b| g * func.df_da(a, b));
            Some(full.try_sum_to(a.shape())?)
        } else {
            None
        };
        let gb = if ctx.needs_grad(1) {
            let full = elementwise::ternary(grad, &ab, &bb, |g, a, b| g * func.df_db(a, b));
            Some(full.try_sum_to(b.shape())?)
        } else {
            None
        };
        Ok(vec![ga, gb])
    }
}

impl<T: Element> Tensor<T> {
    /// Applies an elementwise [`UnaryFn`]: one fused forward kernel, one fused backward.
    pub fn map_unary<F: UnaryFn<T>>(&self, func: F) -> Tensor<T> {
        let output = elementwise::unary(self, Value(&func));
        let saved = output.detach();
        Tensor::record(output, &[self], move || UnaryBackward {
            func,
            output: saved,
        })
    }

    /// Applies an elementwise [`BinaryFn`] with NumPy broadcasting.
    pub fn map_binary<F: BinaryFn<T>>(&self, other: &Tensor<T>, func: F) -> Result<Tensor<T>> {
        let output = elementwise::binary(func.name(), self, other, |a, b| func.f(a, b))?;
        Ok(Tensor::record(output, &[self, other], move || {
            BinaryBackward { func }
        }))
    }

    /// Attaches a backward to a value computed outside the graph: the general custom-op
    /// entry point. `value` is typically computed under [`no_grad`](crate::no_grad) or
    /// from raw data; `inputs` are the tensors the op read. Nothing is recorded when grad
    /// mode is off or no input requires grad.
    ///
    /// ```
    /// use myelin_tensor::{BackwardCtx, BackwardOp, Result, Tensor, no_grad};
    /// /// y = 3x, written as a custom op.
    /// struct Triple;
    /// impl BackwardOp<f64> for Triple {
    ///     fn name(&self) -> &'static str { "triple" }
    ///     fn backward(&self, _ctx: &BackwardCtx<'_, f64>, g: &Tensor<f64>) -> Result<Vec<Option<Tensor<f64>>>> {
    ///         Ok(vec![Some(g * 3.0)])
    ///     }
    /// }
    /// let x = Tensor::<f64>::ones(&[2]).requires_grad_(true);
    /// let value = { let _g = no_grad(); &x * 3.0 };
    /// let y = Tensor::from_op(value, &[&x], Triple);
    /// y.sum().backward().unwrap();
    /// assert_eq!(x.grad().unwrap().to_vec(), vec![3.0, 3.0]);
    /// ```
    pub fn from_op(value: Tensor<T>, inputs: &[&Tensor<T>], op: impl BackwardOp<T>) -> Tensor<T> {
        let value = if value.grad_fn().is_some() {
            value.detach()
        } else {
            value
        };
        Tensor::record(value, inputs, move || op)
    }
}
