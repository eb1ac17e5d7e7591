//! Differentiation of expression trees: the chain rule, one rule per node (as in
//! tinygrad's `gradient.py`), with constant folding so that repeated derivatives stay small.

use super::expr::{Expr, Func};

fn b(e: Expr) -> Box<Expr> {
    Box::new(e)
}

/// `d e / dx`, or `None` where a derivative is not available (the third derivative of a
/// built-in activation, which provides `f`, `f′` and `f″`).
pub(crate) fn derivative(e: &Expr) -> Option<Expr> {
    use Expr::*;
    Some(match e {
        X => Num(1.0),
        Num(_) => Num(0.0),
        Neg(a) => neg(derivative(a)?),
        Add(a, c) => add(derivative(a)?, derivative(c)?),
        Sub(a, c) => sub(derivative(a)?, derivative(c)?),
        Mul(a, c) => add(
            mul(derivative(a)?, (**c).clone()),
            mul((**a).clone(), derivative(c)?),
        ),
        Div(a, c) => {
            // (a'c − ac')/c² written as a'/c − (a/c)·(c'/c) to keep magnitudes moderate.
            let (da, dc) = (derivative(a)?, derivative(c)?);
            sub(
                div(da, (**c).clone()),
                mul(div((**a).clone(), (**c).clone()), div(dc, (**c).clone())),
            )
        }
        Pow(a, c) => {
            let da = derivative(a)?;
            if !c.has_x() {
                // Power rule, valid for negative bases with integer exponents.
                let exponent = (**c).clone();
                mul(
                    mul(
                        exponent.clone(),
                        pow((**a).clone(), sub(exponent, Num(1.0))),
                    ),
                    da,
                )
            } else {
                // a^c · (c′·ln a + c·a′/a)
                let dc = derivative(c)?;
                mul(
                    e.clone(),
                    add(
                        mul(dc, call(Func::Log, (**a).clone())),
                        mul((**c).clone(), div(da, (**a).clone())),
                    ),
                )
            }
        }
        Call(f, a) => {
            let da = derivative(a)?;
            let a = (**a).clone();
            let outer = match f {
                Func::Exp => call(Func::Exp, a),
                Func::Log => div(Num(1.0), a),
                Func::Log1p => div(Num(1.0), add(Num(1.0), a)),
                Func::Expm1 => call(Func::Exp, a),
                Func::Sqrt => div(Num(0.5), call(Func::Sqrt, a)),
                Func::Abs => call(Func::Sign, a),
                Func::Sign => Num(0.0),
                Func::Sin => call(Func::Cos, a),
                Func::Cos => neg(call(Func::Sin, a)),
                Func::Tanh => {
                    let t = call(Func::Tanh, a);
                    sub(Num(1.0), mul(t.clone(), t))
                }
                Func::Sigmoid => mul(call(Func::Sigmoid, a.clone()), call(Func::Sigmoid, neg(a))),
                Func::Erf => mul(
                    Num(std::f64::consts::FRAC_2_SQRT_PI),
                    call(Func::Exp, neg(mul(a.clone(), a))),
                ),
                Func::Erfc => mul(
                    Num(-std::f64::consts::FRAC_2_SQRT_PI),
                    call(Func::Exp, neg(mul(a.clone(), a))),
                ),
                Func::Softplus => call(Func::Sigmoid, a),
            };
            mul(outer, da)
        }
        // The derivative follows the selected argument; at a tie, the second one (so
        // max(x, 0) has derivative 0 at 0, like ReLU's backward).
        Min(a, c) => if_less((**a).clone(), (**c).clone(), derivative(a)?, derivative(c)?),
        Max(a, c) => if_less((**c).clone(), (**a).clone(), derivative(a)?, derivative(c)?),
        IfLess {
            a,
            b: c,
            then,
            otherwise,
        } => if_less(
            (**a).clone(),
            (**c).clone(),
            derivative(then)?,
            derivative(otherwise)?,
        ),
        Act {
            activation,
            order,
            arg,
        } => {
            if *order >= 2 {
                return None;
            }
            let da = derivative(arg)?;
            mul(
                Act {
                    activation: *activation,
                    order: order + 1,
                    arg: arg.clone(),
                },
                da,
            )
        }
    })
}

fn num(e: &Expr) -> Option<f64> {
    match e {
        Expr::Num(v) => Some(*v),
        _ => None,
    }
}

pub(crate) fn neg(a: Expr) -> Expr {
    match a {
        Expr::Num(v) => Expr::Num(-v),
        Expr::Neg(inner) => *inner,
        other => Expr::Neg(b(other)),
    }
}

pub(crate) fn add(a: Expr, c: Expr) -> Expr {
    match (num(&a), num(&c)) {
        (Some(x), Some(y)) => Expr::Num(x + y),
        (Some(0.0), _) => c,
        (_, Some(0.0)) => a,
        _ => match c {
            Expr::Neg(inner) => Expr::Sub(b(a), inner),
            c => Expr::Add(b(a), b(c)),
        },
    }
}

pub(crate) fn sub(a: Expr, c: Expr) -> Expr {
    match (num(&a), num(&c)) {
        (Some(x), Some(y)) => Expr::Num(x - y),
        (Some(0.0), _) => neg(c),
        (_, Some(0.0)) => a,
        _ => Expr::Sub(b(a), b(c)),
    }
}

pub(crate) fn mul(a: Expr, c: Expr) -> Expr {
    // 0·u = 0 symbolically: the derivative of a constant is exactly 0 even where u is not
    // finite, as the engine's autodiff would give (no gradient flows into a constant).
    match (num(&a), num(&c)) {
        (Some(x), Some(y)) => Expr::Num(x * y),
        (Some(0.0), _) | (_, Some(0.0)) => Expr::Num(0.0),
        (Some(1.0), _) => c,
        (_, Some(1.0)) => a,
        (Some(-1.0), _) => neg(c),
        (_, Some(-1.0)) => neg(a),
        // Constants first: 2·(3·u) = 6·u.
        (None, Some(_)) => mul(c, a),
        (Some(x), None) => match c {
            Expr::Mul(inner_a, inner_c) if num(&inner_a).is_some() => {
                mul(Expr::Num(x * num(&inner_a).unwrap_or(1.0)), *inner_c)
            }
            Expr::Neg(inner) => mul(Expr::Num(-x), *inner),
            c => Expr::Mul(b(a), b(c)),
        },
        (None, None) => Expr::Mul(b(a), b(c)),
    }
}

pub(crate) fn div(a: Expr, c: Expr) -> Expr {
    match (num(&a), num(&c)) {
        (Some(x), Some(y)) if y != 0.0 => Expr::Num(x / y),
        (Some(0.0), _) => Expr::Num(0.0),
        (_, Some(1.0)) => a,
        _ => Expr::Div(b(a), b(c)),
    }
}

pub(crate) fn pow(a: Expr, c: Expr) -> Expr {
    match num(&c) {
        Some(1.0) => a,
        Some(0.0) => Expr::Num(1.0),
        _ => match (num(&a), num(&c)) {
            (Some(x), Some(y)) => Expr::Num(x.powf(y)),
            _ => Expr::Pow(b(a), b(c)),
        },
    }
}

pub(crate) fn call(f: Func, a: Expr) -> Expr {
    match num(&a) {
        Some(v) => Expr::Num(f.eval(v)),
        None => Expr::Call(f, b(a)),
    }
}

fn if_less(a: Expr, c: Expr, then: Expr, otherwise: Expr) -> Expr {
    if then == otherwise {
        return then;
    }
    Expr::IfLess {
        a: b(a),
        b: b(c),
        then: b(then),
        otherwise: b(otherwise),
    }
}
