//! Differentiable ops, one file per family; each forward sits beside its backward.

pub mod arith;
pub mod compare;
pub mod index;
pub mod index_ranges;
pub mod matmul;
pub mod reduce;
pub mod rounding;
pub mod scalar;
pub mod select;
pub mod shape;
pub mod sort;
pub mod unary;
