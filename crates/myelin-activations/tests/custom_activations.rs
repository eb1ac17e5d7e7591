//! User-defined activations (`expr(...)`, `register_expr`, `register_activation`): parsing
//! with column errors, printing, scalar evaluation against built-ins and finite
//! differences, the tensor op against the engine's autodiff of the same formula, gradcheck
//! and gradgradcheck, metadata, gains and registration rules.
#![allow(clippy::cloned_ref_to_slice_refs)]

use std::sync::Arc;

use myelin_activations::{
    apply, custom, gain, Activation, ActivationError, Elementwise, Smoothness,
};
use myelin_tensor::{grad, gradcheck, gradgradcheck, GradCheckOptions, Tensor, UnaryFn};

fn act(spec: &str) -> Activation {
    spec.parse().unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn elementwise(spec: &str) -> Elementwise {
    *act(spec).as_elementwise().unwrap()
}

fn input(values: &[f64]) -> Tensor<f64> {
    Tensor::from_vec(values.to_vec(), &[values.len()])
        .unwrap()
        .requires_grad_(true)
}

const POINTS: [f64; 12] = [
    -7.3, -3.1, -1.7, -0.9, -0.35, -0.05, 0.07, 0.42, 1.1, 1.9, 3.3, 6.8,
];

#[test]
fn expressions_of_builtins_match_the_builtins_and_their_derivatives() {
    for (expression, builtin, tolerance) in [
        ("expr(x * tanh(softplus(x)))", "mish", 1e-14),
        ("expr(x * sigmoid(x))", "silu", 1e-14),
        ("expr(max(x, 0))", "relu", 0.0),
        ("expr(x / (1 + abs(x)))", "softsign", 1e-15),
        ("expr(0.5 * x * (1 + erf(x / sqrt(2))))", "gelu", 1e-14),
        ("expr((x + sqrt(x^2 + 4)) / 2)", "squareplus", 1e-14),
        ("expr(max(x, 0.01 * x))", "leaky_relu", 0.0),
        ("expr(log(sigmoid(x)))", "log_sigmoid", 1e-12),
    ] {
        let e = elementwise(expression);
        let b = elementwise(builtin);
        for x in POINTS {
            let close = |a: f64, c: f64| (a - c).abs() <= tolerance * (1.0 + c.abs());
            assert!(close(e.value(x), b.value(x)), "{expression} f({x})");
            assert!(
                close(e.derivative(x), b.derivative(x)),
                "{expression} f'({x})"
            );
            assert!(
                (e.second_derivative(x) - b.second_derivative(x)).abs()
                    <= 1e-11 * (1.0 + b.second_derivative(x).abs()),
                "{expression} f''({x}): {} vs {}",
                e.second_derivative(x),
                b.second_derivative(x)
            );
        }
    }
}

#[test]
fn derivatives_agree_with_finite_differences() {
    for spec in [
        "expr(x^3 - 2 * x)",
        "expr(exp(-x^2 / 2) * sin(3 * x))",
        "expr(log1p(x^2) + expm1(x / 4))",
        "expr(cos(x) * erfc(x) - 2^x)",
        "expr(x^x)",
        "expr(gelu(x) * leaky_relu(x, 0.1))",
        "expr(elu(2 * x, alpha=0.5) + min(x, 1))",
    ] {
        let e = elementwise(spec);
        for x in [0.37f64, 0.81, 1.3, 2.2] {
            let h = 1e-5;
            let numeric = (e.value(x + h) - e.value(x - h)) / (2.0 * h);
            let analytic = e.derivative(x);
            assert!(
                (numeric - analytic).abs() < 1e-7 * (1.0 + analytic.abs()),
                "{spec} f'({x}): {analytic} vs {numeric}"
            );
            let numeric2 = (e.derivative(x + h) - e.derivative(x - h)) / (2.0 * h);
            let analytic2 = e.second_derivative(x);
            assert!(
                (numeric2 - analytic2).abs() < 1e-6 * (1.0 + analytic2.abs()),
                "{spec} f''({x}): {analytic2} vs {numeric2}"
            );
        }
    }
}

#[test]
fn the_tensor_op_agrees_with_the_engines_autodiff_of_the_same_formula() {
    // mish written in tensor ops: softplus(x) = log(1 + exp(x)) (no overflow on these points).
    let e = act("expr(x * tanh(softplus(x)))");
    let x = input(&POINTS);
    let by_expression = apply(&e, &x, None).unwrap();
    let softplus = x.exp().add_scalar(1.0).log();
    let by_tensor_ops = &x * &softplus.tanh();
    for (a, b) in by_expression.to_vec().iter().zip(by_tensor_ops.to_vec()) {
        assert!((a - b).abs() < 1e-14 * (1.0 + b.abs()));
    }
    // First and second derivatives through the engine, both ways.
    let derivative = |y: &Tensor<f64>, create_graph: bool| {
        grad(&[y.sum()], &[x.clone()], None, create_graph).unwrap()[0].clone()
    };
    let first = |y: &Tensor<f64>| derivative(y, true);
    let (d1_expr, d1_ops) = (first(&by_expression), first(&by_tensor_ops));
    let (d2_expr, d2_ops) = (first(&d1_expr), derivative(&d1_ops, false));
    for (a, b) in d1_expr.to_vec().iter().zip(d1_ops.to_vec()) {
        assert!((a - b).abs() < 1e-13 * (1.0 + b.abs()), "f': {a} vs {b}");
    }
    for (a, b) in d2_expr.to_vec().iter().zip(d2_ops.to_vec()) {
        assert!((a - b).abs() < 1e-12 * (1.0 + b.abs()), "f'': {a} vs {b}");
    }
    // Third order through the engine (the expression has four orders of derivatives; the
    // engine's own tanh stops at two), against central differences of f″.
    let d3_expr = first(&d2_expr).to_vec();
    let e = *e.as_elementwise().unwrap();
    for (i, &x) in POINTS.iter().enumerate() {
        let h = 1e-5;
        let numeric = (e.second_derivative(x + h) - e.second_derivative(x - h)) / (2.0 * h);
        assert!(
            (d3_expr[i] - numeric).abs() < 1e-6 * (1.0 + numeric.abs()),
            "third derivative at {x}"
        );
    }
}

#[test]
fn gradcheck_and_gradgradcheck_through_custom_activations() {
    for spec in [
        "expr(x * tanh(softplus(x)))",
        "expr(exp(-x^2) + x / 3)",
        "expr(gelu(x) + 0.1 * x)",
        "expr(abs(x - 0.5) * x)",
    ] {
        let a = act(spec);
        // Away from the kink at 0.5.
        let x = input(&[-2.1, -0.8, -0.2, 0.3, 0.9, 1.6, 2.4]);
        gradcheck(
            |xs| Ok(apply(&a, &xs[0], None).unwrap()),
            &[x.clone()],
            GradCheckOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{spec}: {e}"));
        gradgradcheck(
            |xs| Ok(apply(&a, &xs[0], None).unwrap()),
            &[x],
            GradCheckOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{spec}: {e}"));
    }
    // Non-contiguous input (a transposed view) and fan-out (x used twice).
    let a = act("expr(sin(x) * x)");
    let x = Tensor::from_vec((0..12).map(|i| i as f64 * 0.3 - 1.7).collect(), &[3, 4])
        .unwrap()
        .requires_grad_(true);
    gradcheck(
        |xs| {
            let t = xs[0].t();
            let y = apply(&a, &t, None).unwrap();
            Ok(&y * &t)
        },
        &[x],
        GradCheckOptions::default(),
    )
    .unwrap();
}

#[test]
fn f32_tensors_use_the_same_function() {
    let a = act("expr(x * sigmoid(1.702 * x))");
    let x32 = Tensor::from_vec(POINTS.map(|v| v as f32).to_vec(), &[12]).unwrap();
    let y = apply(&a, &x32, None).unwrap().to_vec();
    let e = a.as_elementwise().unwrap();
    for (i, &x) in POINTS.iter().enumerate() {
        assert_eq!(y[i], e.value(x as f32), "at {x}");
        assert!((y[i] as f64 - e.value(x as f32 as f64)).abs() < 1e-6);
    }
}

#[test]
fn specs_print_canonically_and_intern() {
    let a = act("EXPR( x*tanh( softplus(x) ) )");
    assert_eq!(a.to_string(), "expr(x * tanh(softplus(x)))");
    assert_eq!(
        act(&a.to_string()),
        a,
        "printing then parsing gives the same activation"
    );
    assert_eq!(
        act("expr(x * tanh(softplus(x)))"),
        a,
        "interned by canonical text"
    );
    assert_ne!(act("expr(x * tanh(x))"), a);
    for (written, canonical) in [
        ("expr(-x^2)", "expr(-x^2)"),
        ("expr((-x)^2)", "expr((-x)^2)"),
        ("expr(2^-x)", "expr(2^(-x))"),
        ("expr(x ** 3)", "expr(x^3)"),
        ("expr(x - (x - 1))", "expr(x - (x - 1))"),
        ("expr((x - x) - 1)", "expr(x - x - 1)"),
        ("expr(x / (2 * x))", "expr(x / (2 * x))"),
        ("expr(leaky_relu(x, 0.1))", "expr(leaky_relu(x, slope=0.1))"),
        (
            "expr(elu(x, alpha=2) * pi)",
            "expr(elu(x, alpha=2) * 3.141592653589793)",
        ),
        ("expr(1e-3 * x)", "expr(0.001 * x)"),
    ] {
        let a = act(written);
        assert_eq!(a.to_string(), canonical, "{written}");
        assert_eq!(act(canonical), a, "{canonical} parses back");
    }
    // Precedence: -x^2 is −(x²), and 2^-x·… is (2^(−x))·….
    let e = elementwise("expr(-x^2)");
    assert_eq!(e.value(3.0f64), -9.0);
    let e = elementwise("expr(2^-x * 4)");
    assert_eq!(e.value(1.0f64), 2.0);
    let e = elementwise("expr(2^3^2 + 0 * x)");
    assert_eq!(e.value(1.0f64), 512.0, "^ is right-associative");
}

fn expression_error(spec: &str) -> (usize, String) {
    match spec.parse::<Activation>() {
        Err(ActivationError::Expression { column, .. }) => {
            let message = spec.parse::<Activation>().unwrap_err().to_string();
            (column, message)
        }
        other => panic!("{spec}: expected an expression error, got {other:?}"),
    }
}

#[test]
fn parse_errors_point_at_the_column() {
    for (spec, column, needle) in [
        ("expr(x * tanh(x) +)", 19, "expected an expression"),
        ("expr(x * $)", 10, "unexpected character `$`"),
        ("expr(x * tanh(x)", 16, "found the end of the expression"),
        ("expr(x * y)", 10, "unknown variable `y`"),
        ("expr(x * gelx(x))", 10, "unknown function `gelx`"),
        ("expr(x * gelx(x))", 10, "did you mean `gelu`"),
        ("expr(min(x))", 11, "`min` takes two arguments"),
        ("expr(exp(x, 2))", 11, "`exp` takes one argument"),
        ("expr(x x)", 8, "unexpected name `x`"),
        ("expr(3 + 4)", 6, "does not use `x`"),
        ("expr(softmax(x))", 6, "not elementwise"),
        ("expr(leaky_relu(x, slope=nope))", 6, "not a number"),
        ("expr(hardtanh(x, 2, 1))", 6, "less than max"),
        ("expr(x + 1e999)", 10, "out of range"),
    ] {
        let (at, message) = expression_error(spec);
        assert_eq!(at, column, "{spec}: {message}");
        assert!(message.contains(needle), "{spec}: {message}");
        assert!(message.contains(&format!("column {column}")), "{message}");
        // The caret line sits under the column.
        let caret_line = message.lines().last().unwrap();
        assert_eq!(caret_line.find('^'), Some(2 + column - 1), "{message}");
    }
}

#[test]
fn named_expressions_and_rust_functions_register() {
    let named = custom::register_expr("test_mish2", "x * tanh(softplus(x))").unwrap();
    assert_eq!(named.to_string(), "test_mish2");
    assert_eq!(act("test_mish2"), Activation::Elementwise(named));
    assert_eq!(
        act("Test_Mish2"),
        Activation::Elementwise(named),
        "case-insensitive"
    );
    // The same definition again is fine (config files loaded twice); another is not.
    assert_eq!(
        custom::register_expr("test_mish2", "x*tanh(softplus(x))").unwrap(),
        named
    );
    let err = custom::register_expr("test_mish2", "x * tanh(x)")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("test_mish2") && err.contains("already registered"),
        "{err}"
    );
    let err = custom::register_expr("relu", "max(x, 0)")
        .unwrap_err()
        .to_string();
    assert!(err.contains("`relu`") && err.contains("built-in"), "{err}");
    let err = custom::register_expr("2fast", "x").unwrap_err().to_string();
    assert!(err.contains("`2fast`") && err.contains("letters"), "{err}");
    let err = "test_mish2(3)"
        .parse::<Activation>()
        .unwrap_err()
        .to_string();
    assert!(err.contains("takes no parameters"), "{err}");
    // A named custom activation can be called inside another expression.
    let e = elementwise("expr(2 * test_mish2(x))");
    let mish = elementwise("mish");
    assert!((e.value(0.6f64) - 2.0 * mish.value(0.6f64)).abs() < 1e-15);
    assert!((e.derivative(0.6f64) - 2.0 * mish.derivative(0.6f64)).abs() < 1e-14);
    // Unknown names list the registered ones.
    let err = "nosuch".parse::<Activation>().unwrap_err().to_string();
    assert!(err.contains("test_mish2") && err.contains("expr("), "{err}");

    /// `x·e^{−x²}` with its first two derivatives as a chain.
    struct Bump(u8);
    impl UnaryFn<f64> for Bump {
        fn name(&self) -> &'static str {
            "bump"
        }
        fn f(&self, x: f64) -> f64 {
            let g = (-x * x).exp();
            match self.0 {
                0 => x * g,
                1 => (1.0 - 2.0 * x * x) * g,
                _ => (4.0 * x.powi(3) - 6.0 * x) * g,
            }
        }
        fn df(&self, x: f64, _y: f64) -> f64 {
            Bump(self.0 + 1).f(x)
        }
        fn derivative(&self) -> Option<Arc<dyn UnaryFn<f64>>> {
            (self.0 < 1).then(|| Arc::new(Bump(self.0 + 1)) as Arc<dyn UnaryFn<f64>>)
        }
    }
    let bump = custom::register_activation("test_bump", Arc::new(Bump(0)), &[]).unwrap();
    assert_eq!(act("test_bump"), Activation::Elementwise(bump));
    let reference = elementwise("expr(x * exp(-x^2))");
    for x in POINTS {
        assert!((bump.value(x) - reference.value(x)).abs() < 1e-15);
        assert!((bump.derivative(x) - reference.derivative(x)).abs() < 1e-14);
        assert!((bump.second_derivative(x) - reference.second_derivative(x)).abs() < 1e-13);
    }
    let a = Activation::Elementwise(bump);
    let x = input(&[-1.2, -0.3, 0.4, 1.5]);
    gradgradcheck(
        |xs| Ok(apply(&a, &xs[0], None).unwrap()),
        &[x],
        GradCheckOptions::default(),
    )
    .unwrap();
    let err = custom::register_activation("test_bump", Arc::new(Bump(0)), &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("a Rust function"), "{err}");
}

#[test]
fn metadata_and_gains_are_computed_from_the_function() {
    let mish = elementwise("expr(x * tanh(softplus(x)))");
    let meta = mish.meta();
    assert_eq!(meta.smoothness, Smoothness::CInfinity);
    assert!(meta.kinks.is_empty());
    assert!(!meta.monotonic);
    assert!((meta.output_range.low - elementwise("mish").meta().output_range.low).abs() < 1e-6);
    assert_eq!(meta.output_range.high, f64::INFINITY);
    let kinked = elementwise("expr(abs(2 * x - 1) + max(x, -3) + relu(x + 2))");
    assert_eq!(kinked.meta().kinks, vec![-3.0, -2.0, 0.5]);
    assert_eq!(kinked.meta().smoothness, Smoothness::C0);
    let sig = elementwise("expr(sigmoid(x))").meta();
    assert_eq!(sig.output_range.text, "(0, 1)");
    assert!(sig.monotonic);
    // Gains from the same quadrature as the built-ins.
    let relu = act("relu");
    let custom_relu = act("expr(max(x, 0))");
    let (g, r) = (gain::gains(&custom_relu), gain::gains(&relu));
    assert!((g.forward.unwrap() - r.forward.unwrap()).abs() < 1e-12);
    assert!((g.backward.unwrap() - r.backward.unwrap()).abs() < 1e-12);
}

#[test]
fn deep_and_long_expressions_are_refused_or_handled_without_overflow() {
    let deep = format!("expr({}x{})", "(".repeat(500), ")".repeat(500));
    let (column, message) = expression_error(&deep);
    assert!(message.contains("nested too deeply"), "{message}");
    assert!(column > 100);
    let long = format!("expr({})", vec!["x"; 300].join(" + "));
    let e = elementwise(&long);
    assert_eq!(e.value(2.0f64), 600.0);
    assert_eq!(e.derivative(2.0f64), 300.0);
}
