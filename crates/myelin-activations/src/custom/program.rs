//! An expression compiled to a postfix program over a small value stack: the per-element
//! evaluator behind a custom activation's kernel (no allocation, no recursion per element).

use super::expr::{act_eval, nan_max, nan_min, Expr, Func};
use crate::spec::Elementwise;

#[derive(Clone, Copy, Debug)]
enum Op {
    X,
    Num(f64),
    Neg,
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    /// `x²` (the most common power; exact and fast).
    Square,
    Call(Func),
    Min,
    Max,
    /// Pops otherwise, then, b, a; pushes `if a < b { then } else { otherwise }`.
    IfLess,
    Act(Elementwise, u8),
}

/// Largest stack a program may need (checked when compiling).
pub(crate) const STACK: usize = 64;

/// A compiled expression.
#[derive(Clone, Debug)]
pub(crate) struct Program {
    ops: Vec<Op>,
}

impl Program {
    /// Compiles `e`, or `None` if evaluating it needs more than [`STACK`] slots.
    pub(crate) fn compile(e: &Expr) -> Option<Program> {
        let mut ops = Vec::new();
        emit(e, &mut ops);
        let mut depth = 0usize;
        let mut deepest = 0usize;
        for op in &ops {
            let (pops, pushes) = match op {
                Op::X | Op::Num(_) => (0, 1),
                Op::Neg | Op::Square | Op::Call(_) | Op::Act(..) => (1, 1),
                Op::IfLess => (4, 1),
                _ => (2, 1),
            };
            depth = depth - pops + pushes;
            deepest = deepest.max(depth);
        }
        (deepest <= STACK).then_some(Program { ops })
    }

    /// The value at `x`.
    #[inline]
    pub(crate) fn eval(&self, x: f64) -> f64 {
        let mut stack = [0.0f64; STACK];
        let mut top = 0usize;
        for op in &self.ops {
            match *op {
                Op::X => {
                    stack[top] = x;
                    top += 1;
                }
                Op::Num(v) => {
                    stack[top] = v;
                    top += 1;
                }
                Op::Neg => stack[top - 1] = -stack[top - 1],
                Op::Square => stack[top - 1] *= stack[top - 1],
                Op::Call(f) => stack[top - 1] = f.eval(stack[top - 1]),
                Op::Act(activation, order) => {
                    stack[top - 1] = act_eval(&activation, order, stack[top - 1])
                }
                Op::IfLess => {
                    let (a, b, then, otherwise) = (
                        stack[top - 4],
                        stack[top - 3],
                        stack[top - 2],
                        stack[top - 1],
                    );
                    top -= 3;
                    stack[top - 1] = if a < b { then } else { otherwise };
                }
                binary => {
                    let (a, b) = (stack[top - 2], stack[top - 1]);
                    top -= 1;
                    stack[top - 1] = match binary {
                        Op::Add => a + b,
                        Op::Sub => a - b,
                        Op::Mul => a * b,
                        Op::Div => a / b,
                        Op::Pow => a.powf(b),
                        Op::Min => nan_min(a, b),
                        _ => nan_max(a, b),
                    };
                }
            }
        }
        stack[0]
    }
}

fn emit(e: &Expr, ops: &mut Vec<Op>) {
    if let Expr::Pow(a, c) = e {
        if **c == Expr::Num(2.0) {
            emit(a, ops);
            ops.push(Op::Square);
            return;
        }
    }
    for child in e.children() {
        emit(child, ops);
    }
    ops.push(match e {
        Expr::X => Op::X,
        Expr::Num(v) => Op::Num(*v),
        Expr::Neg(_) => Op::Neg,
        Expr::Add(..) => Op::Add,
        Expr::Sub(..) => Op::Sub,
        Expr::Mul(..) => Op::Mul,
        Expr::Div(..) => Op::Div,
        Expr::Pow(..) => Op::Pow,
        Expr::Min(..) => Op::Min,
        Expr::Max(..) => Op::Max,
        Expr::Call(f, _) => Op::Call(*f),
        Expr::Act {
            activation, order, ..
        } => Op::Act(*activation, *order),
        Expr::IfLess { .. } => Op::IfLess,
    });
}
