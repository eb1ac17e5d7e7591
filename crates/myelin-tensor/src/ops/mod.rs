//! Differentiable ops, one file per family; each forward sits beside its backward.

pub mod arith;
pub mod attention;
pub mod compare;
pub mod conv;
pub mod fold;
pub mod index;
pub mod index_ranges;
pub(crate) mod map;
pub mod mask;
pub mod matmul;
pub mod pad;
pub mod pool;
pub mod reduce;
pub mod rounding;
pub mod scalar;
pub mod scan;
pub mod select;
pub mod shape;
pub mod sort;
pub mod split;
pub mod trig;
pub mod unary;
