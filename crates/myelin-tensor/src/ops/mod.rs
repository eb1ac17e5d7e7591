//! Differentiable ops, one file per family; each forward sits beside its backward.

pub mod arith;
pub mod attention;
pub mod compare;
pub mod conv;
pub mod fold;
pub mod index;
pub mod mask;
pub mod matmul;
pub mod pad;
pub mod pool;
pub mod reduce;
pub mod scan;
pub mod shape;
pub mod split;
pub mod trig;
pub mod unary;
