//! Operators between a tensor and a scalar, on either side, for `f32` and `f64`
//! tensors: `&t * 2.0`, `2.0 * &t`, `&t + 1.0`, `1.0 - &t`, `1.0 / &t`. Each is one
//! recorded elementwise op ([`Tensor::mul_scalar`] and friends), so gradients (of any
//! order) flow through it.
//!
//! The scalar is an `f64` for both element types, like a Python float in PyTorch (it is
//! rounded to `f32` inside the kernel for `f32` tensors). There is deliberately no
//! second impl for `f32` scalars: with two, a bare literal (`&t * 2.0`) would be
//! ambiguous and stop compiling. An `f32` variable goes in as `f64::from(s)`.
//!
//! ```
//! use myelin_tensor::Tensor;
//! let t = Tensor::<f32>::from_vec(vec![1.0, 2.0, 4.0], &[3]).unwrap();
//! assert_eq!((2.0 * &t).to_vec(), vec![2.0, 4.0, 8.0]);
//! assert_eq!((&t - 1.0).to_vec(), vec![0.0, 1.0, 3.0]);
//! assert_eq!((1.0 - &t).to_vec(), vec![0.0, -1.0, -3.0]);
//! assert_eq!((4.0 / &t).to_vec(), vec![4.0, 2.0, 1.0]);
//! ```

use std::ops::{Add, Div, Mul, Sub};

use crate::element::Element;
use crate::tensor::Tensor;

impl<T: Element> Tensor<T> {
    /// s / x.
    pub fn rdiv_scalar(&self, s: f64) -> Tensor<T> {
        self.map_unary(crate::ops::unary::ScaledPow {
            coefficient: s,
            exponent: -1.0,
        })
    }
}

macro_rules! scalar_operators {
    ($scalar:ty) => {
        scalar_operators!(@one $scalar, Add, add, |t: &Tensor<T>, s| t.add_scalar(s), |t: &Tensor<T>, s| t.add_scalar(s));
        scalar_operators!(@one $scalar, Sub, sub, |t: &Tensor<T>, s| t.sub_scalar(s), |t: &Tensor<T>, s| t.rsub_scalar(s));
        scalar_operators!(@one $scalar, Mul, mul, |t: &Tensor<T>, s| t.mul_scalar(s), |t: &Tensor<T>, s| t.mul_scalar(s));
        scalar_operators!(@one $scalar, Div, div, |t: &Tensor<T>, s| t.div_scalar(s), |t: &Tensor<T>, s| t.rdiv_scalar(s));
    };
    (@one $scalar:ty, $trait:ident, $method:ident, $right:expr, $left:expr) => {
        impl<T: Element> $trait<$scalar> for &Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: $scalar) -> Tensor<T> {
                #[allow(clippy::redundant_closure_call)]
                ($right)(self, rhs)
            }
        }
        impl<T: Element> $trait<$scalar> for Tensor<T> {
            type Output = Tensor<T>;
            fn $method(self, rhs: $scalar) -> Tensor<T> {
                (&self).$method(rhs)
            }
        }
        impl<T: Element> $trait<&Tensor<T>> for $scalar {
            type Output = Tensor<T>;
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                #[allow(clippy::redundant_closure_call)]
                ($left)(rhs, self)
            }
        }
        impl<T: Element> $trait<Tensor<T>> for $scalar {
            type Output = Tensor<T>;
            fn $method(self, rhs: Tensor<T>) -> Tensor<T> {
                self.$method(&rhs)
            }
        }
    };
}

scalar_operators!(f64);
