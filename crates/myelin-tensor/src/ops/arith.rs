//! Broadcasting binary arithmetic: add, sub, mul, div, maximum, minimum, and the
//! operator overloads. Each backward returns gradients at the broadcast shape; the
//! engine sums them back to each input's shape.

use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::autograd::node::{BackwardCtx, BackwardOp};
use crate::element::Element;
use crate::error::{or_panic, Result};
use crate::kernels::elementwise::Fn3;
use crate::ops::map;
use crate::tensor::Tensor;

type Grads<T> = Result<Vec<Option<Tensor<T>>>>;

/// `g` for input `i` when that input needs a gradient (the engine reduces it to the
/// input's shape).
fn to_input<T: Element>(
    ctx: &BackwardCtx<'_, T>,
    i: usize,
    g: impl FnOnce() -> Result<Tensor<T>>,
) -> Result<Option<Tensor<T>>> {
    if !ctx.needs_grad(i) {
        return Ok(None);
    }
    Ok(Some(g()?))
}

struct AddBackward;
impl<T: Element> BackwardOp<T> for AddBackward {
    fn name(&self) -> &'static str {
        "add"
    }
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        Ok(vec![
            to_input(ctx, 0, || Ok(g.clone()))?,
            to_input(ctx, 1, || Ok(g.clone()))?,
        ])
    }
}

struct SubBackward;
impl<T: Element> BackwardOp<T> for SubBackward {
    fn name(&self) -> &'static str {
        "sub"
    }
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        Ok(vec![
            to_input(ctx, 0, || Ok(g.clone()))?,
            to_input(ctx, 1, || Ok(g.neg()))?,
        ])
    }
}

struct MulBackward;
impl<T: Element> BackwardOp<T> for MulBackward {
    fn name(&self) -> &'static str {
        "mul"
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        let (a, b) = (ctx.input(0), ctx.input(1));
        Ok(vec![
            to_input(ctx, 0, || g.try_mul(b))?,
            to_input(ctx, 1, || g.try_mul(a))?,
        ])
    }
}

struct DivBackward;
impl<T: Element> BackwardOp<T> for DivBackward {
    fn name(&self) -> &'static str {
        "div"
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        let (a, b) = (ctx.input(0), ctx.input(1));
        Ok(vec![
            to_input(ctx, 0, || g.try_div(b))?,
            // d(a/b)/db = −a/b²
            to_input(ctx, 1, || g.try_mul(a)?.try_div(&b.square())?.try_neg())?,
        ])
    }
}

/// maximum/minimum: the gradient goes to the selected input; ties split it in half
/// (PyTorch's convention).
struct ExtremumBackward {
    is_max: bool,
}
impl<T: Element> BackwardOp<T> for ExtremumBackward {
    fn name(&self) -> &'static str {
        if self.is_max {
            "maximum"
        } else {
            "minimum"
        }
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Grads<T> {
        let (a, b) = (ctx.input(0), ctx.input(1));
        let shape = g.shape();
        let (ab, bb) = (
            a.detach().try_broadcast_to(shape)?,
            b.detach().try_broadcast_to(shape)?,
        );
        let (to_a, to_b) = if self.is_max {
            (ShareFn::MaxA, ShareFn::MaxB)
        } else {
            (ShareFn::MinA, ShareFn::MinB)
        };
        if ctx.create_graph() {
            // Recorded form: g · mask, differentiable in g.
            let one = Tensor::ones(&[]);
            let mask = to_a.apply(&one.broadcast_to(shape), &ab, &bb);
            return Ok(vec![
                to_input(ctx, 0, || g.try_mul(&mask))?,
                to_input(ctx, 1, || g.try_mul(&mask.rsub_scalar(1.0)))?,
            ]);
        }
        // One fused pass per input.
        Ok(vec![
            to_input(ctx, 0, || Ok(to_a.apply(g, &ab, &bb)))?,
            to_input(ctx, 1, || Ok(to_b.apply(g, &ab, &bb)))?,
        ])
    }
}

/// `g ×` the share of the gradient that goes to `a` (`TO_A`) or `b` in a maximum
/// (`MAX`) or minimum: 1 to the winner, ½ each on a tie (piecewise constant, so never
/// recorded). A struct rather than a closure so the kernel loop inlines it.
#[derive(Clone, Copy)]
struct Share<const MAX: bool, const TO_A: bool>;

/// Which [`Share`] to apply, chosen at run time (the kernel itself is monomorphic).
#[derive(Clone, Copy)]
enum ShareFn {
    MaxA,
    MaxB,
    MinA,
    MinB,
}

impl<T: Element, const MAX: bool, const TO_A: bool> Fn3<T> for Share<MAX, TO_A> {
    #[inline(always)]
    fn call(&self, g: T, x: T, y: T) -> T {
        let a_wins = if MAX { x > y } else { x < y };
        let b_wins = if MAX { y > x } else { y < x };
        let wins = if TO_A { a_wins } else { b_wins };
        let share = if wins {
            T::one()
        } else if x == y {
            T::from_f64(0.5)
        } else {
            T::zero()
        };
        g * share
    }
}

impl ShareFn {
    fn apply<T: Element>(self, g: &Tensor<T>, a: &Tensor<T>, b: &Tensor<T>) -> Tensor<T> {
        match self {
            ShareFn::MaxA => map::ternary(g, a, b, Share::<true, true>),
            ShareFn::MaxB => map::ternary(g, a, b, Share::<true, false>),
            ShareFn::MinA => map::ternary(g, a, b, Share::<false, true>),
            ShareFn::MinB => map::ternary(g, a, b, Share::<false, false>),
        }
    }
}

impl<T: Element> Tensor<T> {
    /// `self + other` with broadcasting.
    pub fn try_add(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        let out = map::binary("add", self, other, |a, b| a + b)?;
        Ok(Tensor::record(out, &[self, other], || AddBackward))
    }
    /// `self − other` with broadcasting.
    pub fn try_sub(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        let out = map::binary("sub", self, other, |a, b| a - b)?;
        Ok(Tensor::record(out, &[self, other], || SubBackward))
    }
    /// `self · other` elementwise with broadcasting.
    pub fn try_mul(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        let out = map::binary("mul", self, other, |a, b| a * b)?;
        Ok(Tensor::record(out, &[self, other], || MulBackward))
    }
    /// `self / other` elementwise with broadcasting.
    pub fn try_div(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        let out = map::binary("div", self, other, |a, b| a / b)?;
        Ok(Tensor::record(out, &[self, other], || DivBackward))
    }
    /// Elementwise maximum (NaN-propagating, like PyTorch).
    pub fn try_maximum(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        let out = map::binary("maximum", self, other, T::max_nan)?;
        Ok(Tensor::record(out, &[self, other], || ExtremumBackward {
            is_max: true,
        }))
    }
    /// Elementwise minimum (NaN-propagating, like PyTorch).
    pub fn try_minimum(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
        let out = map::binary("minimum", self, other, T::min_nan)?;
        Ok(Tensor::record(out, &[self, other], || ExtremumBackward {
            is_max: false,
        }))
    }
    fn try_neg(&self) -> Result<Tensor<T>> {
        Ok(self.neg())
    }
    /// Elementwise maximum; panics on incompatible shapes (see `try_maximum`).
    pub fn maximum(&self, other: &Tensor<T>) -> Tensor<T> {
        or_panic(self.try_maximum(other))
    }
    /// Elementwise minimum; panics on incompatible shapes (see `try_minimum`).
    pub fn minimum(&self, other: &Tensor<T>) -> Tensor<T> {
        or_panic(self.try_minimum(other))
    }
    /// Elementwise maximum with a scalar.
    pub fn maximum_scalar(&self, s: T) -> Tensor<T> {
        self.maximum(&Tensor::scalar(s))
    }
    /// Elementwise minimum with a scalar.
    pub fn minimum_scalar(&self, s: T) -> Tensor<T> {
        self.minimum(&Tensor::scalar(s))
    }
}

macro_rules! binary_operator {
    ($trait:ident, $method:ident, $try:ident) => {
        impl<T: Element> $trait<&Tensor<T>> for &Tensor<T> {
            type Output = Tensor<T>;
            /// Panics with the op's error message on incompatible shapes; use the
            /// `try_` method to handle it.
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                or_panic(self.$try(rhs))
            }
        }
        impl<T: Element> $trait<Tensor<T>> for Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: Tensor<T>) -> Tensor<T> {
                (&self).$method(&rhs)
            }
        }
        impl<T: Element> $trait<&Tensor<T>> for Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                (&self).$method(rhs)
            }
        }
        impl<T: Element> $trait<Tensor<T>> for &Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: Tensor<T>) -> Tensor<T> {
                self.$method(&rhs)
            }
        }
    };
}

binary_operator!(Add, add, try_add);
binary_operator!(Sub, sub, try_sub);
binary_operator!(Mul, mul, try_mul);
binary_operator!(Div, div, try_div);

impl<T: Element> Neg for &Tensor<T> {
    type Output = Tensor<T>;
    fn neg(self) -> Tensor<T> {
        Tensor::neg(self)
    }
}
impl<T: Element> Neg for Tensor<T> {
    type Output = Tensor<T>;
    fn neg(self) -> Tensor<T> {
        Tensor::neg(&self)
    }
}
