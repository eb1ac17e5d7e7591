//! Differentiable ops, one file per family; each forward sits beside its backward.

pub mod arith;
pub mod compare;
pub mod conv;
pub mod fold;
pub mod index;
pub mod matmul;
pub mod pad;
pub mod pool;
pub mod reduce;
pub mod shape;
pub mod unary;
