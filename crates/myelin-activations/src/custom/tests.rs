//! The expression machinery's internals: the compiled program against the tree, the
//! derivative rules against hand-derived forms, and the growth of repeated derivatives.

use super::derive::derivative;
use super::expr::Expr;
use super::parse::parse_expression;
use super::program::Program;

fn tree(text: &str) -> Expr {
    parse_expression(text, text, 0).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn the_program_evaluates_like_the_tree() {
    for text in [
        "x * tanh(softplus(x))",
        "min(x, 2) - max(-x, x^2) / 3",
        "exp(-x^2 / 2) * sin(3 * x) + 2^x",
        "gelu(x) * elu(x, alpha=0.5)",
        "abs(x - 1) ^ 1.5",
    ] {
        let e = tree(text);
        let program = Program::compile(&e).unwrap();
        for x in [-3.3, -1.0, -0.2, 0.0, 0.5, 1.0, 2.7] {
            let (a, b) = (program.eval(x), e.eval(x));
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "{text} at {x}"
            );
        }
    }
}

#[test]
fn derivative_rules_simplify_to_the_textbook_forms() {
    assert_eq!(derivative(&tree("x^3")).unwrap().to_string(), "3 * x^2");
    assert_eq!(derivative(&tree("2 * x + 7")).unwrap().to_string(), "2");
    assert_eq!(derivative(&tree("exp(x)")).unwrap().to_string(), "exp(x)");
    assert_eq!(
        derivative(&tree("tanh(x)")).unwrap().to_string(),
        "1 - tanh(x) * tanh(x)"
    );
    assert_eq!(
        derivative(&tree("max(x, 0)")).unwrap().to_string(),
        "if(0 < x, 1, 0)"
    );
    assert_eq!(
        derivative(&tree("gelu(3 * x)")).unwrap().to_string(),
        "3 * gelu'(3 * x)"
    );
    // Built-ins provide f, f′ and f″: the third derivative is not available.
    let twice = derivative(&derivative(&tree("gelu(x)")).unwrap()).unwrap();
    assert_eq!(twice.to_string(), "gelu''(x)");
    assert!(derivative(&twice).is_none());
}

#[test]
fn repeated_derivatives_stay_small() {
    let mut e = tree("x * tanh(softplus(x))");
    let mut sizes = vec![e.size()];
    for _ in 0..super::MAX_ORDER {
        e = derivative(&e).unwrap();
        sizes.push(e.size());
    }
    assert!(sizes[4] < super::MAX_NODES / 10, "{sizes:?}");
}
