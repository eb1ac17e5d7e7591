//! The expression tree of a user-defined activation (`expr(x * tanh(softplus(x)))`) and
//! its canonical printed form.

use std::fmt;

use crate::spec::Elementwise;

/// A function of one argument the expression language knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Func {
    Exp,
    Log,
    Log1p,
    Expm1,
    Sqrt,
    Abs,
    Sin,
    Cos,
    Tanh,
    Sigmoid,
    Erf,
    Erfc,
    Softplus,
    /// `sign(x)`: −1, 0 or 1 (internal: the derivative of `abs`).
    Sign,
}

impl Func {
    /// Every function a user can write, by name.
    pub(crate) const PUBLIC: [(&'static str, Func); 13] = [
        ("exp", Func::Exp),
        ("log", Func::Log),
        ("log1p", Func::Log1p),
        ("expm1", Func::Expm1),
        ("sqrt", Func::Sqrt),
        ("abs", Func::Abs),
        ("sin", Func::Sin),
        ("cos", Func::Cos),
        ("tanh", Func::Tanh),
        ("sigmoid", Func::Sigmoid),
        ("erf", Func::Erf),
        ("erfc", Func::Erfc),
        ("softplus", Func::Softplus),
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Func::Sign => "sign",
            other => {
                Func::PUBLIC
                    .iter()
                    .find(|(_, f)| *f == other)
                    .expect("every public function has a name")
                    .0
            }
        }
    }

    /// `f(v)` in f64.
    pub(crate) fn eval(self, v: f64) -> f64 {
        use myelin_tensor::Element;
        match self {
            Func::Exp => v.exp(),
            Func::Log => v.ln(),
            Func::Log1p => v.ln_1p(),
            Func::Expm1 => v.exp_m1(),
            Func::Sqrt => v.sqrt(),
            Func::Abs => v.abs(),
            Func::Sin => v.sin(),
            Func::Cos => v.cos(),
            Func::Tanh => v.tanh(),
            Func::Sigmoid => crate::functions::sigmoid::sigmoid(v),
            Func::Erf => Element::erf(v),
            Func::Erfc => Element::erfc(v),
            // Overflow-free: max(v, 0) + ln(1 + e^−|v|).
            Func::Softplus => v.max(0.0) + (-v.abs()).exp().ln_1p(),
            Func::Sign => {
                if v.is_nan() {
                    v
                } else if v > 0.0 {
                    1.0
                } else if v < 0.0 {
                    -1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// Whether the function is infinitely differentiable where it is defined.
    pub(crate) fn is_smooth(self) -> bool {
        !matches!(self, Func::Abs | Func::Sign)
    }
}

/// A node of the expression tree.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    /// The input.
    X,
    /// A constant.
    Num(f64),
    Neg(Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, Box<Expr>),
    Div(Box<Expr>, Box<Expr>),
    Pow(Box<Expr>, Box<Expr>),
    Call(Func, Box<Expr>),
    Min(Box<Expr>, Box<Expr>),
    Max(Box<Expr>, Box<Expr>),
    /// `if a < b { then } else { otherwise }` (internal: derivatives of min and max).
    IfLess {
        a: Box<Expr>,
        b: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// The `order`-th derivative (0, 1 or 2) of an activation, at `arg`. Learnable
    /// parameters are frozen at their initial values.
    Act {
        activation: Elementwise,
        order: u8,
        arg: Box<Expr>,
    },
}

/// Binding strength for printing with the fewest parentheses.
fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Add(..) | Expr::Sub(..) => 1,
        Expr::Mul(..) | Expr::Div(..) => 2,
        Expr::Neg(..) => 3,
        Expr::Pow(..) => 4,
        Expr::Num(v) if *v < 0.0 => 3,
        _ => 5,
    }
}

impl Expr {
    /// The direct sub-expressions, in evaluation order.
    pub(crate) fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::X | Expr::Num(_) => vec![],
            Expr::Neg(a) | Expr::Call(_, a) | Expr::Act { arg: a, .. } => vec![a],
            Expr::Add(a, b)
            | Expr::Sub(a, b)
            | Expr::Mul(a, b)
            | Expr::Div(a, b)
            | Expr::Pow(a, b)
            | Expr::Min(a, b)
            | Expr::Max(a, b) => vec![a, b],
            Expr::IfLess {
                a,
                b,
                then,
                otherwise,
            } => vec![a, b, then, otherwise],
        }
    }

    /// Number of nodes (to bound the growth of repeated differentiation).
    pub(crate) fn size(&self) -> usize {
        1 + self.children().into_iter().map(Expr::size).sum::<usize>()
    }

    /// Whether the expression contains `x`.
    pub(crate) fn has_x(&self) -> bool {
        matches!(self, Expr::X) || self.children().into_iter().any(Expr::has_x)
    }

    /// The value at `x` (f64; the reference the compiled program is tested against).
    pub(crate) fn eval(&self, x: f64) -> f64 {
        match self {
            Expr::X => x,
            Expr::Num(v) => *v,
            Expr::Neg(a) => -a.eval(x),
            Expr::Add(a, b) => a.eval(x) + b.eval(x),
            Expr::Sub(a, b) => a.eval(x) - b.eval(x),
            Expr::Mul(a, b) => a.eval(x) * b.eval(x),
            Expr::Div(a, b) => a.eval(x) / b.eval(x),
            Expr::Pow(a, b) => a.eval(x).powf(b.eval(x)),
            Expr::Call(f, a) => f.eval(a.eval(x)),
            Expr::Min(a, b) => nan_min(a.eval(x), b.eval(x)),
            Expr::Max(a, b) => nan_max(a.eval(x), b.eval(x)),
            Expr::IfLess {
                a,
                b,
                then,
                otherwise,
            } => {
                if a.eval(x) < b.eval(x) {
                    then.eval(x)
                } else {
                    otherwise.eval(x)
                }
            }
            Expr::Act {
                activation,
                order,
                arg,
            } => act_eval(activation, *order, arg.eval(x)),
        }
    }
}

/// The `order`-th derivative of `activation` at `v`.
pub(crate) fn act_eval(activation: &Elementwise, order: u8, v: f64) -> f64 {
    match order {
        0 => activation.value(v),
        1 => activation.derivative(v),
        _ => activation.second_derivative(v),
    }
}

/// `min` that propagates NaN (like `torch.minimum`).
pub(crate) fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.min(b)
    }
}

/// `max` that propagates NaN (like `torch.maximum`).
pub(crate) fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// Writes `e`, in parentheses when it binds looser than `min` requires.
fn child(f: &mut fmt::Formatter<'_>, e: &Expr, min: u8) -> fmt::Result {
    if precedence(e) < min {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

/// Writes `a op b`, each side parenthesised when it binds looser than `(left, right)`.
fn infix(
    f: &mut fmt::Formatter<'_>,
    a: &Expr,
    op: &str,
    b: &Expr,
    (left, right): (u8, u8),
) -> fmt::Result {
    child(f, a, left)?;
    f.write_str(op)?;
    child(f, b, right)
}

impl fmt::Display for Expr {
    /// The canonical form: single spaces around `+ - * /`, none around `^`, parentheses only
    /// where needed; parsing it gives back the same tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::X => f.write_str("x"),
            Expr::Num(v) => write!(f, "{v}"),
            Expr::Neg(a) => {
                f.write_str("-")?;
                child(f, a, 4)
            }
            // Operator, and the precedence each side needs to go without parentheses
            // (left-associative: the right side of `-` and `/` needs a tighter one).
            Expr::Add(a, b) => infix(f, a, " + ", b, (1, 2)),
            Expr::Sub(a, b) => infix(f, a, " - ", b, (1, 2)),
            Expr::Mul(a, b) => infix(f, a, " * ", b, (2, 3)),
            Expr::Div(a, b) => infix(f, a, " / ", b, (2, 3)),
            Expr::Pow(a, b) => infix(f, a, "^", b, (5, 4)),
            Expr::Call(func, a) => write!(f, "{}({a})", func.name()),
            Expr::Min(a, b) => write!(f, "min({a}, {b})"),
            Expr::Max(a, b) => write!(f, "max({a}, {b})"),
            Expr::IfLess {
                a,
                b,
                then,
                otherwise,
            } => write!(f, "if({a} < {b}, {then}, {otherwise})"),
            Expr::Act {
                activation,
                order,
                arg,
            } => {
                let primes = "'".repeat(*order as usize);
                // `leaky_relu(slope=0.1)` is written `leaky_relu(x, slope=0.1)` in an expression.
                let spec = activation.to_string();
                match spec.split_once('(') {
                    Some((name, rest)) if *order == 0 => write!(f, "{name}({arg}, {rest}"),
                    Some((name, rest)) => write!(f, "{name}{primes}({arg}, {rest}"),
                    None => write!(f, "{spec}{primes}({arg})"),
                }
            }
        }
    }
}
