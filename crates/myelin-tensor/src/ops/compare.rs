//! Comparisons producing masks (1.0 where true, 0.0 where false; not differentiable) and
//! `where_`, the differentiable select.

use crate::autograd::node::{BackwardCtx, BackwardOp};
use crate::element::Element;
use crate::error::{or_panic, Result};
use crate::ops::map;
use crate::tensor::Tensor;

macro_rules! comparison {
    ($(#[$doc:meta])* $try_name:ident, $name:ident, $label:literal, $cmp:tt) => {
        $(#[$doc])*
        pub fn $try_name(&self, other: &Tensor<T>) -> Result<Tensor<T>> {
            map::binary($label, &self.detach(), &other.detach(), |a, b| {
                if a $cmp b { T::one() } else { T::zero() }
            })
        }

        $(#[$doc])*
        ///
        /// # Panics
        #[doc = concat!(
            "With the message of the error [`Tensor::",
            stringify!($try_name),
            "`] returns, on the same inputs."
        )]
        pub fn $name(&self, other: &Tensor<T>) -> Tensor<T> {
            or_panic(self.$try_name(other))
        }
    };
}

impl<T: Element> Tensor<T> {
    comparison!(/// Mask of `self == other` (broadcasting).
        try_eq, eq, "eq", ==);
    comparison!(/// Mask of `self != other` (broadcasting; true for NaN).
        try_ne, ne, "ne", !=);
    comparison!(/// Mask of `self < other` (broadcasting).
        try_lt, lt, "lt", <);
    comparison!(/// Mask of `self <= other` (broadcasting).
        try_le, le, "le", <=);
    comparison!(/// Mask of `self > other` (broadcasting).
        try_gt, gt, "gt", >);
    comparison!(/// Mask of `self >= other` (broadcasting).
        try_ge, ge, "ge", >=);

    /// Mask of `self > s`.
    pub fn gt_scalar(&self, s: T) -> Tensor<T> {
        self.gt(&Tensor::scalar(s))
    }

    /// Mask of `self < s`.
    pub fn lt_scalar(&self, s: T) -> Tensor<T> {
        self.lt(&Tensor::scalar(s))
    }

    /// Mask of NaN entries.
    pub fn isnan(&self) -> Tensor<T> {
        map::unary(&self.detach(), |v: T| {
            if v.is_nan() {
                T::one()
            } else {
                T::zero()
            }
        })
    }

    /// Picks `on_true` where `mask` is non-zero and `on_false` elsewhere, with
    /// broadcasting over all three. Only the selected side receives gradient, and the
    /// unselected side's values never enter it (no NaN from a branch that was not taken).
    pub fn try_where_(
        mask: &Tensor<T>,
        on_true: &Tensor<T>,
        on_false: &Tensor<T>,
    ) -> Result<Tensor<T>> {
        let shape = crate::shape::broadcast_shapes("where", mask.shape(), on_true.shape())?;
        let shape = crate::shape::broadcast_shapes("where", &shape, on_false.shape())?;
        crate::shape::checked_numel::<T>("where", &shape)?;
        let m = mask.detach().try_broadcast_to(&shape)?;
        let a = on_true.detach().try_broadcast_to(&shape)?;
        let b = on_false.detach().try_broadcast_to(&shape)?;
        let out = map::ternary(&m, &a, &b, |m, a, b| if m != T::zero() { a } else { b });
        let mask = mask.detach();
        Ok(Tensor::record(out, &[on_true, on_false], move || {
            WhereBackward { mask }
        }))
    }

    /// Picks `on_true` where `mask` is non-zero and `on_false` elsewhere, with
    /// broadcasting over all three. Only the selected side receives gradient, and the
    /// unselected side's values never enter it (no NaN from a branch that was not taken).
    ///
    /// # Panics
    /// With the message of the error [`Tensor::try_where_`] returns, on the same inputs.
    pub fn where_(mask: &Tensor<T>, on_true: &Tensor<T>, on_false: &Tensor<T>) -> Tensor<T> {
        or_panic(Self::try_where_(mask, on_true, on_false))
    }
}

struct WhereBackward<T: Element> {
    mask: Tensor<T>,
}
impl<T: Element> BackwardOp<T> for WhereBackward<T> {
    fn name(&self) -> &'static str {
        "where"
    }
    /// The mask is kept in the op; the selected values are not needed.
    fn saves_input(&self, _i: usize) -> bool {
        false
    }
    fn backward(&self, ctx: &BackwardCtx<'_, T>, g: &Tensor<T>) -> Result<Vec<Option<Tensor<T>>>> {
        let zero = Tensor::zeros(&[]);
        let pick = |i: usize| -> Result<Option<Tensor<T>>> {
            if !ctx.needs_grad(i) {
                return Ok(None);
            }
            let selected = if i == 0 {
                Tensor::try_where_(&self.mask, g, &zero)?
            } else {
                Tensor::try_where_(&self.mask, &zero, g)?
            };
            Ok(Some(selected))
        };
        Ok(vec![pick(0)?, pick(1)?])
    }
}
