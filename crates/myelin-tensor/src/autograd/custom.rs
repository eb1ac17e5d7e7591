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
//!    Optionally give [`BinaryFn::partials`], the partial derivatives as `BinaryFn`s, and
//!    second-order gradients through the op work too.
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
use crate::error::{or_panic, Result, TensorError};
use crate::kernels::elementwise::{Fn1, Fn3};
use crate::ops::map;
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
impl<T: Element, F: UnaryFn<T>> Fn1<T> for Value<'_, F> {
    #[inline(always)]
    fn call(&self, x: T) -> T {
        self.0.f(x)
    }
}

/// `(g, x, y) ↦ g · f'(x)` as a kernel function.
struct ChainRule<'a, F>(&'a F);
impl<T: Element, F: UnaryFn<T>> Fn3<T> for ChainRule<'_, F> {
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
        let g = map::ternary(grad, x, &self.output, ChainRule(&self.func));
        Ok(vec![Some(g)])
    }
}

/// An elementwise function of two arguments with both partial derivatives.
///
/// The engine broadcasts the arguments, runs one fused forward kernel, and in the
/// backward one fused kernel per input (`g · ∂f/∂a`, `g · ∂f/∂b`); the engine reduces each
/// gradient to its input's shape. Give [`BinaryFn::partials`], the two partial derivatives
/// as `BinaryFn`s of their own, and gradients of gradients work too (the user-facing
/// counterpart of [`UnaryFn::derivative`]).
///
/// ```
/// use std::sync::Arc;
/// use myelin_tensor::{gradgradcheck, BinaryFn, ClosureBinary, GradCheckOptions, Tensor};
///
/// /// f(a, b) = a·b², with ∂f/∂a = b² and ∂f/∂b = 2ab (each with its own partials).
/// struct ScaledSquare;
/// impl BinaryFn<f64> for ScaledSquare {
///     fn name(&self) -> &'static str { "scaled_square" }
///     fn f(&self, a: f64, b: f64) -> f64 { a * b * b }
///     fn df_da(&self, _a: f64, b: f64) -> f64 { b * b }
///     fn df_db(&self, a: f64, b: f64) -> f64 { 2.0 * a * b }
///     fn partials(&self) -> Option<[Arc<dyn BinaryFn<f64>>; 2]> {
///         let da = ClosureBinary::new("b2", |_: f64, b: f64| b * b, |_: f64, _: f64| 0.0, |_: f64, b: f64| 2.0 * b);
///         let db = ClosureBinary::new("2ab", |a: f64, b: f64| 2.0 * a * b, |_: f64, b: f64| 2.0 * b, |a: f64, _: f64| 2.0 * a);
///         Some([Arc::new(da), Arc::new(db)])
///     }
/// }
/// let a = Tensor::<f64>::from_vec(vec![0.5, -1.0, 2.0], &[3]).unwrap().requires_grad_(true);
/// let b = Tensor::<f64>::scalar(1.5).requires_grad_(true); // broadcast against a
/// let f = |xs: &[Tensor<f64>]| Ok(xs[0].try_map_binary(&xs[1], ScaledSquare)?.sum());
/// gradgradcheck(f, &[a, b], GradCheckOptions::default()).unwrap();
/// ```
pub trait BinaryFn<T: Element>: Send + Sync + 'static {
    /// The op's name.
    fn name(&self) -> &'static str;
    /// The value.
    fn f(&self, a: T, b: T) -> T;
    /// ∂f/∂a.
    fn df_da(&self, a: T, b: T) -> T;
    /// ∂f/∂b.
    fn df_db(&self, a: T, b: T) -> T;
    /// `[∂f/∂a, ∂f/∂b]` as differentiable functions of `(a, b)` (their `f` is this
    /// function's `df_da` / `df_db`, their partials the second derivatives). Needed only
    /// for gradients of gradients through this op; without it `create_graph` through the
    /// op is an error naming it.
    fn partials(&self) -> Option<[Arc<dyn BinaryFn<T>>; 2]> {
        None
    }
}

impl<T: Element> BinaryFn<T> for Arc<dyn BinaryFn<T>> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn f(&self, a: T, b: T) -> T {
        (**self).f(a, b)
    }
    fn df_da(&self, a: T, b: T) -> T {
        (**self).df_da(a, b)
    }
    fn df_db(&self, a: T, b: T) -> T {
        (**self).df_db(a, b)
    }
    fn partials(&self) -> Option<[Arc<dyn BinaryFn<T>>; 2]> {
        (**self).partials()
    }
}

type Closure2<T> = Arc<dyn Fn(T, T) -> T + Send + Sync>;

/// A binary function built from closures (convenient for towers of partial derivatives).
///
/// ```
/// use myelin_tensor::{ClosureBinary, Tensor};
/// let hypot2 = ClosureBinary::new("hypot2", |a: f64, b: f64| a * a + b * b, |a: f64, _: f64| 2.0 * a, |_: f64, b: f64| 2.0 * b);
/// let a = Tensor::<f64>::from_vec(vec![3.0, 1.0], &[2]).unwrap();
/// let y = a.map_binary(&Tensor::scalar(4.0), hypot2);
/// assert_eq!(y.to_vec(), vec![25.0, 17.0]);
/// ```
#[derive(Clone)]
pub struct ClosureBinary<T: Element> {
    name: &'static str,
    f: Closure2<T>,
    df_da: Closure2<T>,
    df_db: Closure2<T>,
    partials: Option<[Arc<dyn BinaryFn<T>>; 2]>,
}

impl<T: Element> ClosureBinary<T> {
    /// From a value closure and the two partial-derivative closures.
    pub fn new(
        name: &'static str,
        f: impl Fn(T, T) -> T + Send + Sync + 'static,
        df_da: impl Fn(T, T) -> T + Send + Sync + 'static,
        df_db: impl Fn(T, T) -> T + Send + Sync + 'static,
    ) -> Self {
        ClosureBinary {
            name,
            f: Arc::new(f),
            df_da: Arc::new(df_da),
            df_db: Arc::new(df_db),
            partials: None,
        }
    }
    /// Attaches `[∂f/∂a, ∂f/∂b]` as differentiable functions (enables second order).
    pub fn with_partials(mut self, df_da: impl BinaryFn<T>, df_db: impl BinaryFn<T>) -> Self {
        self.partials = Some([Arc::new(df_da), Arc::new(df_db)]);
        self
    }
}

impl<T: Element> BinaryFn<T> for ClosureBinary<T> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn f(&self, a: T, b: T) -> T {
        (self.f)(a, b)
    }
    fn df_da(&self, a: T, b: T) -> T {
        (self.df_da)(a, b)
    }
    fn df_db(&self, a: T, b: T) -> T {
        (self.df_db)(a, b)
    }
    fn partials(&self) -> Option<[Arc<dyn BinaryFn<T>>; 2]> {
        self.partials.clone()
    }
}

struct BinaryBackward<F> {
    func: F,
}

impl<T: Element, F: BinaryFn<T>> BackwardOp<T> for BinaryBackward<F> {
    fn name(&self) -> &'static str {
        self.func.name()
    }
    /// Gradients at the broadcast shape; the engine sums each down to its input's shape.
    fn backward(
        &self,
        ctx: &BackwardCtx<'_, T>,
        grad: &Tensor<T>,
    ) -> Result<Vec<Option<Tensor<T>>>> {
        let (a, b) = (ctx.input(0), ctx.input(1));
        if ctx.create_graph() {
            let [da, db] = self.func.partials().ok_or_else(|| {
                TensorError::Autograd(format!(
                    "`{}` has no differentiable partial derivatives (BinaryFn::partials), so gradients of its gradient (create_graph) are not supported",
                    self.func.name()
                ))
            })?;
            let chain = |i: usize, partial: Arc<dyn BinaryFn<T>>| -> Result<Option<Tensor<T>>> {
                if !ctx.needs_grad(i) {
                    return Ok(None);
                }
                Ok(Some(grad.try_mul(&a.try_map_binary(b, partial)?)?))
            };
            return Ok(vec![chain(0, da)?, chain(1, db)?]);
        }
        let shape = grad.shape();
        let (ab, bb) = (a.try_broadcast_to(shape)?, b.try_broadcast_to(shape)?);
        let func = &self.func;
        let ga = ctx
            .needs_grad(0)
            .then(|| map::ternary(grad, &ab, &bb, |g, a, b| g * func.df_da(a, b)));
        let gb = ctx
            .needs_grad(1)
            .then(|| map::ternary(grad, &ab, &bb, |g, a, b| g * func.df_db(a, b)));
        Ok(vec![ga, gb])
    }
}

impl<T: Element> Tensor<T> {
    /// Applies an elementwise [`UnaryFn`]: one fused forward kernel, one fused backward.
    pub fn map_unary<F: UnaryFn<T>>(&self, func: F) -> Tensor<T> {
        let output = map::unary(self, Value(&func));
        let saved = output.detach();
        Tensor::record(output, &[self], move || UnaryBackward {
            func,
            output: saved,
        })
    }

    /// Applies an elementwise [`BinaryFn`] with NumPy broadcasting.
    pub fn try_map_binary<F: BinaryFn<T>>(&self, other: &Tensor<T>, func: F) -> Result<Tensor<T>> {
        let output = map::binary(func.name(), self, other, |a, b| func.f(a, b))?;
        Ok(Tensor::record(output, &[self, other], move || {
            BinaryBackward { func }
        }))
    }

    /// Applies an elementwise [`BinaryFn`] with NumPy broadcasting.
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_map_binary`] returns, on the same inputs.
    pub fn map_binary<F: BinaryFn<T>>(&self, other: &Tensor<T>, func: F) -> Tensor<T> {
        or_panic(self.try_map_binary(other, func))
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
