//! The element types a tensor can hold: `f32` and `f64`.
//!
//! Everything numeric in Myelin is generic over [`Element`]. The trait bundles the float
//! arithmetic of `num_traits::Float` with the few special functions the engine needs
//! (`erf`, `erfc`) and a NaN-propagating `max`/`min` (Rust's `f32::max(NaN, 0.0)` returns
//! `0.0`, PyTorch returns NaN; we follow PyTorch).

use num_traits::{Float, FloatConst};
use std::fmt::{Debug, Display};
use std::iter::Sum;

use crate::storage::BufferPool;

/// The element type of a tensor, as a runtime tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
}

impl DType {
    /// PyTorch-style name: `"float32"` or `"float64"`.
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F64 => "float64",
        }
    }
}

impl Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A floating-point element type (`f32` or `f64`).
///
/// ```
/// use myelin_tensor::Element;
/// assert_eq!(<f64 as Element>::erf(0.0), 0.0);
/// assert!(Element::max_nan(f32::NAN, 0.0).is_nan());
/// ```
pub trait Element:
    Float + FloatConst + Default + Debug + Display + Sum + Send + Sync + 'static
{
    /// Runtime tag of this type.
    const DTYPE: DType;
    /// Converts from `f64` (rounding for `f32`).
    fn from_f64(v: f64) -> Self;
    /// Converts to `f64` (exact).
    fn to_f64(self) -> f64;
    /// The error function.
    fn erf(self) -> Self;
    /// The complementary error function, accurate in the tails.
    fn erfc(self) -> Self;
    /// Maximum that propagates NaN from either side (PyTorch's `maximum`).
    #[inline(always)]
    fn max_nan(self, other: Self) -> Self {
        if self.is_nan() || other.is_nan() {
            Self::nan()
        } else if self >= other {
            self
        } else {
            other
        }
    }
    /// Minimum that propagates NaN from either side (PyTorch's `minimum`).
    #[inline(always)]
    fn min_nan(self, other: Self) -> Self {
        if self.is_nan() || other.is_nan() {
            Self::nan()
        } else if self <= other {
            self
        } else {
            other
        }
    }
    /// Numerically stable logistic sigmoid `1 / (1 + e^{-x})`.
    #[inline(always)]
    fn sigmoid(self) -> Self {
        // Evaluate e^{-|x|} only, so no branch can overflow.
        let e = (-self.abs()).exp();
        let one = Self::one();
        if self >= Self::zero() {
            one / (one + e)
        } else {
            e / (one + e)
        }
    }
    /// e^x in a form the compiler can vectorise (f32: a branch-free polynomial accurate
    /// to a few ulp; f64: the standard library's). Kernels use the `v*` functions.
    #[inline(always)]
    fn vexp(self) -> Self {
        self.exp()
    }
    /// ln(x), vectorisable (see [`Element::vexp`]).
    #[inline(always)]
    fn vln(self) -> Self {
        self.ln()
    }
    /// ln(1 + x), vectorisable and accurate near 0.
    #[inline(always)]
    fn vln_1p(self) -> Self {
        self.ln_1p()
    }
    /// e^x − 1, vectorisable and accurate near 0.
    #[inline(always)]
    fn vexp_m1(self) -> Self {
        self.exp_m1()
    }
    /// tanh(x), vectorisable.
    #[inline(always)]
    fn vtanh(self) -> Self {
        self.tanh()
    }
    /// erf(x), vectorisable.
    #[inline(always)]
    fn verf(self) -> Self {
        self.erf()
    }
    /// erfc(x), vectorisable, accurate in the right tail.
    #[inline(always)]
    fn verfc(self) -> Self {
        self.erfc()
    }
    /// The logistic sigmoid built on `vexp`, stable for any input.
    #[inline(always)]
    fn vsigmoid(self) -> Self {
        let e = (-self.abs()).vexp();
        let one = Self::one();
        let r = one / (one + e);
        if self >= Self::zero() {
            r
        } else {
            e * r
        }
    }
    /// The buffer pool for this element type (internal).
    #[doc(hidden)]
    fn pool() -> &'static BufferPool<Self>;
}

static POOL_F32: BufferPool<f32> = BufferPool::new();
static POOL_F64: BufferPool<f64> = BufferPool::new();

impl Element for f32 {
    const DTYPE: DType = DType::F32;
    #[inline(always)]
    fn vexp(self) -> Self {
        crate::fastmath::exp_f32(self)
    }
    #[inline(always)]
    fn vln(self) -> Self {
        crate::fastmath::ln_f32(self)
    }
    #[inline(always)]
    fn vln_1p(self) -> Self {
        crate::fastmath::ln_1p_f32(self)
    }
    #[inline(always)]
    fn vexp_m1(self) -> Self {
        crate::fastmath::exp_m1_f32(self)
    }
    #[inline(always)]
    fn vtanh(self) -> Self {
        crate::fastmath::tanh_f32(self)
    }
    #[inline(always)]
    fn verf(self) -> Self {
        crate::fastmath::erf_f32(self)
    }
    #[inline(always)]
    fn verfc(self) -> Self {
        crate::fastmath::erfc_f32(self)
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn erf(self) -> Self {
        libm::erff(self)
    }
    #[inline(always)]
    fn erfc(self) -> Self {
        libm::erfcf(self)
    }
    fn pool() -> &'static BufferPool<Self> {
        &POOL_F32
    }
}

impl Element for f64 {
    const DTYPE: DType = DType::F64;
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn erf(self) -> Self {
        libm::erf(self)
    }
    #[inline(always)]
    fn erfc(self) -> Self {
        libm::erfc(self)
    }
    fn pool() -> &'static BufferPool<Self> {
        &POOL_F64
    }
}
