//! Compile dtype-generic heavy code once, in the crate that defines it.
//!
//! A generic function is compiled in every crate (and every test binary) that calls it
//! with a concrete type. For a function that fans out into dozens of fused SIMD kernels
//! (one per activation, three instruction-set levels each) that multiplies the build
//! time of every downstream crate. The fix is to branch on the element type once, at a
//! thin generic entry point, into two non-generic functions (`f32` and `f64`) that are
//! compiled only where they are defined:
//!
//! ```
//! use myelin_tensor::{Element, Tensor, TensorByDtype};
//!
//! fn heavy<T: Element>(x: &Tensor<T>) -> Tensor<T> { x.exp() } // many kernels in real code
//! #[inline(never)]
//! fn heavy_f32(x: &Tensor<f32>) -> Tensor<f32> { heavy(x) }
//! #[inline(never)]
//! fn heavy_f64(x: &Tensor<f64>) -> Tensor<f64> { heavy(x) }
//!
//! /// What callers use: generic, but only a few instructions are compiled per caller.
//! pub fn entry<T: Element>(x: &Tensor<T>) -> Tensor<T> {
//!     match x.by_dtype() {
//!         TensorByDtype::F32(x) => Tensor::from_dtype(heavy_f32(x)),
//!         TensorByDtype::F64(x) => Tensor::from_dtype(heavy_f64(x)),
//!     }
//! }
//! assert_eq!(entry(&Tensor::<f64>::scalar(0.0)).item().unwrap(), 1.0);
//! ```

use std::any::Any;

use crate::element::{DType, Element};
use crate::tensor::Tensor;

/// A tensor reference with its element type made concrete (see [`Tensor::by_dtype`]).
#[derive(Clone, Copy, Debug)]
pub enum TensorByDtype<'a> {
    /// An `f32` tensor.
    F32(&'a Tensor<f32>),
    /// An `f64` tensor.
    F64(&'a Tensor<f64>),
}

impl<T: Element> Tensor<T> {
    /// This tensor as `&Tensor<f32>` or `&Tensor<f64>`, chosen by `T`.
    ///
    /// # Panics
    /// If `T` is not `f32` or `f64` although its [`Element::DTYPE`] claims to be (an
    /// `Element` implementation outside this crate that misreports its type).
    pub fn by_dtype(&self) -> TensorByDtype<'_> {
        let any: &dyn Any = self;
        let typed = match T::DTYPE {
            DType::F32 => any.downcast_ref::<Tensor<f32>>().map(TensorByDtype::F32),
            DType::F64 => any.downcast_ref::<Tensor<f64>>().map(TensorByDtype::F64),
        };
        typed.unwrap_or_else(|| panic!("{}", misreported::<T>()))
    }

    /// The identity conversion from a tensor of the same element type spelled concretely
    /// (`Tensor<f32>` to `Tensor<T>` where `T = f32`); the counterpart of
    /// [`Tensor::by_dtype`].
    ///
    /// # Panics
    /// If `U` is not the same type as `T` (a caller that converted a tensor obtained from
    /// the other arm of [`Tensor::by_dtype`]).
    pub fn from_dtype<U: Element>(tensor: Tensor<U>) -> Tensor<T> {
        let mut slot = Some(tensor);
        let any: &mut dyn Any = &mut slot;
        match any.downcast_mut::<Option<Tensor<T>>>() {
            Some(same) => same.take().expect("the slot was just filled"),
            None => panic!(
                "Tensor::from_dtype: a {:?} tensor cannot become a {:?} tensor",
                U::DTYPE,
                T::DTYPE
            ),
        }
    }
}

fn misreported<T: Element>() -> String {
    format!(
        "Tensor::by_dtype: element type {} reports DTYPE {:?} but is not that type",
        std::any::type_name::<T>(),
        T::DTYPE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_both_dtypes() {
        let x = Tensor::<f32>::from_vec(vec![1.0, 2.0], &[2]).unwrap();
        match x.by_dtype() {
            TensorByDtype::F32(t) => assert_eq!(t.to_vec(), vec![1.0, 2.0]),
            TensorByDtype::F64(_) => panic!("an f32 tensor came back as f64"),
        }
        let y = Tensor::<f64>::scalar(3.0);
        match y.by_dtype() {
            TensorByDtype::F64(t) => assert_eq!(t.item().unwrap(), 3.0),
            TensorByDtype::F32(_) => panic!("an f64 tensor came back as f32"),
        }
        let back: Tensor<f64> = Tensor::from_dtype(y.clone());
        assert_eq!(back.item().unwrap(), 3.0);
    }

    #[test]
    #[should_panic(expected = "F32 tensor cannot become a F64 tensor")]
    fn from_dtype_rejects_a_different_type() {
        let _: Tensor<f64> = Tensor::from_dtype(Tensor::<f32>::scalar(1.0));
    }
}
