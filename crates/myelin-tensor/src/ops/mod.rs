//! Differentiable ops, one file per family; each forward sits beside its backward.

pub mod arith;
pub mod attention;
pub mod compare;
pub mod index;
pub mod mask;
pub mod matmul;
pub mod reduce;
pub mod scan;
pub mod shape;
pub mod split;
pub mod trig;
pub mod unary;
