//! Elementwise unary ops, each a [`UnaryFn`]: value, derivative, and the derivative as a
//! function (so second-order gradients work through every one of them).

use std::sync::Arc;

use crate::autograd::custom::UnaryFn;
use crate::element::Element;
use crate::error::or_panic;
use crate::tensor::Tensor;

/// Defines a unit struct implementing `UnaryFn` for every element type.
macro_rules! unary_fn {
    ($(#[$doc:meta])* $name:ident, $label:literal,
     f: |$x:ident| $f:expr,
     df: |$dx:ident, $y:ident| $df:expr,
     derivative: $deriv:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default)]
        pub struct $name;
        impl<T: Element> UnaryFn<T> for $name {
            fn name(&self) -> &'static str {
                $label
            }
            #[inline(always)]
            fn f(&self, $x: T) -> T {
                $f
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn df(&self, $dx: T, $y: T) -> T {
                $df
            }
            fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
                $deriv
            }
        }
    };
}

pub(crate) use unary_fn;

fn c<T: Element>(v: f64) -> T {
    T::from_f64(v)
}

const TWO_OVER_SQRT_PI: f64 = std::f64::consts::FRAC_2_SQRT_PI;

unary_fn!(/// e^x.
    Exp, "exp", f: |x| x.vexp(), df: |x, y| y, derivative: Some(Arc::new(Exp)));
unary_fn!(/// Natural logarithm.
    Log, "log", f: |x| x.vln(), df: |x, y| x.recip(), derivative: Some(Arc::new(Recip)));
unary_fn!(/// ln(1 + x), accurate near 0.
    Log1p, "log1p", f: |x| x.vln_1p(), df: |x, y| (T::one() + x).recip(),
    derivative: Some(Arc::new(Log1pPrime)));
unary_fn!(/// 1 / (1 + x), the derivative of log1p.
    Log1pPrime, "log1p_backward", f: |x| (T::one() + x).recip(), df: |x, y| -(y * y), derivative: None);
unary_fn!(/// e^x − 1, accurate near 0.
    Expm1, "expm1", f: |x| x.vexp_m1(), df: |x, y| y + T::one(), derivative: Some(Arc::new(Exp)));
unary_fn!(/// 1 / x.
    Recip, "reciprocal", f: |x| x.recip(), df: |x, y| -(y * y), derivative: Some(Arc::new(RecipPrime)));
unary_fn!(/// −1 / x², the derivative of 1/x.
    RecipPrime, "reciprocal_backward", f: |x| -(x * x).recip(), df: |x, y| c::<T>(2.0) / (x * x * x), derivative: None);
unary_fn!(/// √x.
    Sqrt, "sqrt", f: |x| x.sqrt(), df: |x, y| c::<T>(0.5) / y, derivative: Some(Arc::new(SqrtPrime)));
unary_fn!(/// 1 / (2√x), the derivative of √x.
    SqrtPrime, "sqrt_backward", f: |x| c::<T>(0.5) / x.sqrt(), df: |x, y| c::<T>(-0.25) / (x * x.sqrt()), derivative: None);
unary_fn!(/// |x|; the derivative at 0 is 0 (PyTorch's sign convention).
    Abs, "abs", f: |x| x.abs(), df: |x, y| sign(x), derivative: Some(Arc::new(Sign)));
unary_fn!(/// sign(x) ∈ {−1, 0, 1} (NaN for NaN); derivative 0.
    Sign, "sign", f: |x| sign(x), df: |x, y| T::zero(), derivative: Some(Arc::new(Zero)));
unary_fn!(/// The zero function (derivative of constants).
    Zero, "zero", f: |x| T::zero() * x, df: |x, y| T::zero(), derivative: Some(Arc::new(Zero)));
unary_fn!(/// tanh(x).
    Tanh, "tanh", f: |x| x.vtanh(), df: |x, y| T::one() - y * y, derivative: Some(Arc::new(TanhPrime)));
unary_fn!(/// 1 − tanh²(x), the derivative of tanh.
    TanhPrime, "tanh_backward", f: |x| { let t = x.vtanh(); T::one() - t * t },
    df: |x, y| { let t = x.vtanh(); c::<T>(-2.0) * t * y }, derivative: None);
unary_fn!(/// The logistic sigmoid 1 / (1 + e^{−x}), stable for any input.
    Sigmoid, "sigmoid", f: |x| x.vsigmoid(), df: |x, y| y * (T::one() - y), derivative: Some(Arc::new(SigmoidPrime)));
unary_fn!(/// σ(x)(1 − σ(x)), the derivative of the sigmoid.
    SigmoidPrime, "sigmoid_backward", f: |x| { let s = x.vsigmoid(); s * (T::one() - s) },
    df: |x, y| { let s = x.vsigmoid(); y * (T::one() - c::<T>(2.0) * s) }, derivative: None);
unary_fn!(/// The error function.
    Erf, "erf", f: |x| x.verf(), df: |x, y| c::<T>(TWO_OVER_SQRT_PI) * (-(x * x)).vexp(), derivative: Some(Arc::new(ErfPrime)));
unary_fn!(/// 2/√π · e^{−x²}, the derivative of erf.
    ErfPrime, "erf_backward", f: |x| c::<T>(TWO_OVER_SQRT_PI) * (-(x * x)).vexp(),
    df: |x, y| c::<T>(-2.0) * x * y, derivative: None);
unary_fn!(/// The complementary error function, accurate in the right tail.
    Erfc, "erfc", f: |x| x.verfc(), df: |x, y| -(c::<T>(TWO_OVER_SQRT_PI) * (-(x * x)).vexp()), derivative: Some(Arc::new(ErfcPrime)));
unary_fn!(/// −2/√π · e^{−x²}, the derivative of erfc.
    ErfcPrime, "erfc_backward", f: |x| -(c::<T>(TWO_OVER_SQRT_PI) * (-(x * x)).vexp()),
    df: |x, y| c::<T>(-2.0) * x * y, derivative: None);
unary_fn!(/// max(x, 0); derivative 1 for x > 0 and 0 otherwise (0 at the kink, as PyTorch).
    Relu, "relu", f: |x| relu(x), df: |x, y| step(x), derivative: Some(Arc::new(Step)));
unary_fn!(/// 1 for x > 0 else 0 (NaN for NaN); derivative 0.
    Step, "step", f: |x| step(x), df: |x, y| T::zero(), derivative: Some(Arc::new(Zero)));
unary_fn!(/// x².
    Square, "square", f: |x| x * x, df: |x, y| c::<T>(2.0) * x, derivative: Some(Arc::new(Scale(2.0))));

#[inline(always)]
fn sign<T: Element>(x: T) -> T {
    if x > T::zero() {
        T::one()
    } else if x < T::zero() {
        -T::one()
    } else {
        x * T::zero() // 0 for ±0, NaN for NaN
    }
}

#[inline(always)]
fn step<T: Element>(x: T) -> T {
    if x > T::zero() {
        T::one()
    } else if x.is_nan() {
        x
    } else {
        T::zero()
    }
}

#[inline(always)]
fn relu<T: Element>(x: T) -> T {
    // NaN-propagating: `x > 0` is false for NaN, so select x itself then.
    if x > T::zero() || x.is_nan() {
        x
    } else {
        T::zero()
    }
}

/// x ↦ s·x (stored as f64 so one type serves both element types).
#[derive(Clone, Copy, Debug)]
pub struct Scale(pub f64);
impl<T: Element> UnaryFn<T> for Scale {
    fn name(&self) -> &'static str {
        "mul_scalar"
    }
    #[inline(always)]
    fn f(&self, x: T) -> T {
        x * T::from_f64(self.0)
    }
    #[inline(always)]
    fn df(&self, _x: T, _y: T) -> T {
        T::from_f64(self.0)
    }
    fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
        Some(Arc::new(Constant(self.0)))
    }
    fn saves_input(&self) -> bool {
        false
    }
    fn saves_output(&self) -> bool {
        false
    }
}

/// x ↦ c (a constant; derivative 0, NaN passes through).
#[derive(Clone, Copy, Debug)]
pub struct Constant(pub f64);
impl<T: Element> UnaryFn<T> for Constant {
    fn name(&self) -> &'static str {
        "constant"
    }
    #[inline(always)]
    fn f(&self, x: T) -> T {
        T::from_f64(self.0) + T::zero() * x
    }
    #[inline(always)]
    fn df(&self, _x: T, _y: T) -> T {
        T::zero()
    }
    fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
        Some(Arc::new(Zero))
    }
    fn saves_input(&self) -> bool {
        false
    }
    fn saves_output(&self) -> bool {
        false
    }
}

/// x ↦ x + s.
#[derive(Clone, Copy, Debug)]
pub struct Shift(pub f64);
impl<T: Element> UnaryFn<T> for Shift {
    fn name(&self) -> &'static str {
        "add_scalar"
    }
    #[inline(always)]
    fn f(&self, x: T) -> T {
        x + T::from_f64(self.0)
    }
    #[inline(always)]
    fn df(&self, _x: T, _y: T) -> T {
        T::one()
    }
    fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
        Some(Arc::new(Constant(1.0)))
    }
    fn saves_input(&self) -> bool {
        false
    }
    fn saves_output(&self) -> bool {
        false
    }
}

/// x ↦ coefficient · x^exponent, with an unbounded derivative tower.
#[derive(Clone, Copy, Debug)]
pub struct ScaledPow {
    /// Multiplier.
    pub coefficient: f64,
    /// Exponent.
    pub exponent: f64,
}
impl<T: Element> UnaryFn<T> for ScaledPow {
    fn name(&self) -> &'static str {
        "pow"
    }
    #[inline(always)]
    fn f(&self, x: T) -> T {
        T::from_f64(self.coefficient) * x.powf(T::from_f64(self.exponent))
    }
    #[inline(always)]
    fn df(&self, x: T, _y: T) -> T {
        if self.exponent == 0.0 {
            return T::zero();
        }
        T::from_f64(self.coefficient * self.exponent) * x.powf(T::from_f64(self.exponent - 1.0))
    }
    fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
        if self.exponent == 0.0 {
            return Some(Arc::new(Zero));
        }
        Some(Arc::new(ScaledPow {
            coefficient: self.coefficient * self.exponent,
            exponent: self.exponent - 1.0,
        }))
    }
}

/// clamp(x, min, max); derivative 1 inside [min, max] (edges included, as PyTorch), else 0.
#[derive(Clone, Copy, Debug)]
pub struct Clamp {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
}
impl<T: Element> UnaryFn<T> for Clamp {
    fn name(&self) -> &'static str {
        "clamp"
    }
    #[inline(always)]
    fn f(&self, x: T) -> T {
        let (lo, hi) = (T::from_f64(self.min), T::from_f64(self.max));
        if x < lo {
            lo
        } else if x > hi {
            hi
        } else {
            x
        }
    }
    #[inline(always)]
    fn df(&self, x: T, _y: T) -> T {
        let (lo, hi) = (T::from_f64(self.min), T::from_f64(self.max));
        if x >= lo && x <= hi {
            T::one()
        } else {
            T::zero()
        }
    }
    fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
        // The derivative of clamp is the indicator of [min, max], not zero.
        Some(Arc::new(ClampPrime {
            min: self.min,
            max: self.max,
        }))
    }
}

/// The indicator of `[min, max]` (1 inside, edges included; 0 outside): clamp's derivative.
#[derive(Clone, Copy, Debug)]
pub struct ClampPrime {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
}
impl<T: Element> UnaryFn<T> for ClampPrime {
    fn name(&self) -> &'static str {
        "clamp_backward"
    }
    #[inline(always)]
    fn f(&self, x: T) -> T {
        Clamp {
            min: self.min,
            max: self.max,
        }
        .df(x, x)
    }
    #[inline(always)]
    fn df(&self, _x: T, _y: T) -> T {
        T::zero()
    }
    fn derivative(&self) -> Option<Arc<dyn UnaryFn<T>>> {
        Some(Arc::new(Zero))
    }
}

impl<T: Element> Tensor<T> {
    /// e^x.
    pub fn exp(&self) -> Tensor<T> {
        self.map_unary(Exp)
    }
    /// Natural logarithm.
    pub fn log(&self) -> Tensor<T> {
        self.map_unary(Log)
    }
    /// ln(1 + x).
    pub fn log1p(&self) -> Tensor<T> {
        self.map_unary(Log1p)
    }
    /// e^x − 1.
    pub fn expm1(&self) -> Tensor<T> {
        self.map_unary(Expm1)
    }
    /// √x.
    pub fn sqrt(&self) -> Tensor<T> {
        self.map_unary(Sqrt)
    }
    /// 1/x.
    pub fn recip(&self) -> Tensor<T> {
        self.map_unary(Recip)
    }
    /// |x|.
    pub fn abs(&self) -> Tensor<T> {
        self.map_unary(Abs)
    }
    /// sign(x).
    pub fn sign(&self) -> Tensor<T> {
        self.map_unary(Sign)
    }
    /// tanh(x).
    pub fn tanh(&self) -> Tensor<T> {
        self.map_unary(Tanh)
    }
    /// The logistic sigmoid, stable for any input.
    pub fn sigmoid(&self) -> Tensor<T> {
        self.map_unary(Sigmoid)
    }
    /// The error function.
    pub fn erf(&self) -> Tensor<T> {
        self.map_unary(Erf)
    }
    /// The complementary error function.
    pub fn erfc(&self) -> Tensor<T> {
        self.map_unary(Erfc)
    }
    /// max(x, 0) as one fused op (see also `maximum`).
    pub fn relu(&self) -> Tensor<T> {
        self.map_unary(Relu)
    }
    /// x².
    pub fn square(&self) -> Tensor<T> {
        self.map_unary(Square)
    }
    /// −x.
    pub fn neg(&self) -> Tensor<T> {
        self.map_unary(Scale(-1.0))
    }
    /// x^p for a real exponent.
    pub fn powf(&self, exponent: f64) -> Tensor<T> {
        self.map_unary(ScaledPow {
            coefficient: 1.0,
            exponent,
        })
    }
    /// x^n for an integer exponent (negative bases allowed).
    pub fn powi(&self, exponent: i32) -> Tensor<T> {
        self.powf(exponent as f64)
    }
    /// x + s.
    pub fn add_scalar(&self, s: f64) -> Tensor<T> {
        self.map_unary(Shift(s))
    }
    /// x − s.
    pub fn sub_scalar(&self, s: f64) -> Tensor<T> {
        self.map_unary(Shift(-s))
    }
    /// x · s.
    pub fn mul_scalar(&self, s: f64) -> Tensor<T> {
        self.map_unary(Scale(s))
    }
    /// x / s.
    pub fn div_scalar(&self, s: f64) -> Tensor<T> {
        self.map_unary(Scale(1.0 / s))
    }
    /// s − x.
    pub fn rsub_scalar(&self, s: f64) -> Tensor<T> {
        self.neg().add_scalar(s)
    }
    /// clamp(x, min, max). Panics if `min > max`; see [`try_clamp`](Tensor::try_clamp).
    pub fn clamp(&self, min: f64, max: f64) -> Tensor<T> {
        or_panic(self.try_clamp(min, max))
    }
    /// clamp(x, min, max) (use ±∞ for a one-sided clamp), or an error if `min > max`.
    pub fn try_clamp(&self, min: f64, max: f64) -> crate::Result<Tensor<T>> {
        if min > max || min.is_nan() || max.is_nan() {
            return Err(crate::TensorError::InvalidArgument {
                op: "clamp",
                detail: format!("min ({min}) must not exceed max ({max})"),
            });
        }
        Ok(self.map_unary(Clamp { min, max }))
    }
}
