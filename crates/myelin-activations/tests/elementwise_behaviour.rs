//! Behaviour of every elementwise activation through the `Elementwise` dispatch:
//! derivatives vs finite differences, PyTorch kink conventions, NaN propagation and
//! stability over `[-1e4, 1e4]` in `f32` and `f64`.

use myelin_activations::{Activation, Elementwise, Smoothness};

/// All defaults plus parameterised variants that exercise other code paths.
fn instances() -> Vec<Elementwise> {
    let extra = [
        "leaky_relu(0.2)",
        "leaky_relu(-0.3)",
        "prelu(0.1, num_parameters=4)",
        "hardtanh(-2, 3)",
        "elu(0.5)",
        "elu(-0.5)",
        "celu(2)",
        "swish(beta=2)",
        "swish(beta=learnable(0.7))",
        "softplus(beta=2,threshold=10)",
        "binary_step(threshold=0.5,surrogate=ste)",
        "binary_step(surrogate=sigmoid(4))",
        "threshold(-1, 2)",
        "softshrink(1.5)",
        "hardshrink(0)",
    ];
    Elementwise::all_defaults()
        .into_iter()
        .chain(extra.iter().map(|t| t.parse::<Elementwise>().expect(t)))
        .collect()
}

use myelin_activations::testing::{central_difference, sample_points};

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * b.abs().max(1.0)
}

#[test]
fn derivatives_match_finite_differences_for_every_activation() {
    for e in instances() {
        let kinks = e.meta().kinks;
        let points = sample_points(&kinks);
        assert!(points.len() >= 50, "{e}");
        let is_step = matches!(e, Elementwise::BinaryStep { .. });
        for x in points {
            if !is_step {
                let numeric = central_difference(|x| e.value(x), x);
                assert!(
                    close(e.derivative(x), numeric, 1e-6),
                    "{e}: f'({x}) = {} vs {numeric}",
                    e.derivative(x)
                );
            }
            let numeric = central_difference(|x| e.derivative(x), x);
            assert!(
                close(e.second_derivative(x), numeric, 1e-6),
                "{e}: f''({x}) = {} vs {numeric}",
                e.second_derivative(x)
            );
            let y = e.value(x);
            assert!(
                close(e.derivative_given_output(x, y), e.derivative(x), 1e-12),
                "{e} at {x}"
            );
        }
    }
}

#[test]
fn binary_step_true_derivative_is_zero() {
    let step: Elementwise = "binary_step".parse().unwrap();
    for x in sample_points(&[0.0]) {
        assert_eq!(step.derivative(x), 0.0);
        assert_eq!(central_difference(|x| step.value(x), x), 0.0);
    }
}

#[test]
fn learnable_parameter_derivatives_match_finite_differences() {
    for text in [
        "prelu(0.25)",
        "swish(beta=learnable)",
        "swish(beta=learnable(2.5))",
    ] {
        let e: Elementwise = text.parse().unwrap();
        let parameter = e.learnable_parameter().expect(text);
        let p = parameter.initial_value + 0.1;
        for x in sample_points(&[0.0]) {
            let numeric = central_difference(|q| e.value_with_parameter(x, q), p);
            let analytic = e.parameter_derivative(x, p).unwrap();
            assert!(close(analytic, numeric, 1e-6), "{text}: ∂f/∂p at {x}");
            let numeric = central_difference(|x| e.value_with_parameter(x, p), x);
            assert!(
                close(e.derivative_with_parameter(x, p), numeric, 1e-6),
                "{text}: ∂f/∂x at {x}"
            );
        }
    }
    let prelu: Elementwise = "prelu(0.25, num_parameters=8)".parse().unwrap();
    let parameter = prelu.learnable_parameter().unwrap();
    assert_eq!(
        (parameter.name, parameter.initial_value, parameter.count),
        ("weight", 0.25, 8)
    );
    assert_eq!(prelu.value(-4.0f64), -1.0);
    assert_eq!(prelu.value_with_parameter(-4.0f64, 0.5), -2.0);
    assert!("relu"
        .parse::<Elementwise>()
        .unwrap()
        .parameter_derivative(1.0f64, 0.0)
        .is_none());
    assert!("swish(beta=2)"
        .parse::<Elementwise>()
        .unwrap()
        .learnable_parameter()
        .is_none());
}

#[test]
fn derivatives_at_kinks_follow_pytorch() {
    let at = |text: &str, x: f64| text.parse::<Elementwise>().unwrap().derivative(x);
    let selu_left = 1.050_700_987_355_480_5 * 1.673_263_242_354_377_3;
    let table: &[(&str, f64, f64)] = &[
        ("relu", 0.0, 0.0),
        ("leaky_relu", 0.0, 0.01),
        ("leaky_relu(-0.2)", 0.0, -0.2),
        ("prelu", 0.0, 0.25),
        ("elu", 0.0, 1.0),
        ("elu(0.3)", 0.0, 0.3),
        ("celu(0.3)", 0.0, 1.0),
        ("selu", 0.0, selu_left),
        ("relu6", 0.0, 0.0),
        ("relu6", 6.0, 0.0),
        ("hardtanh", -1.0, 0.0),
        ("hardtanh", 1.0, 0.0),
        ("hardsigmoid", -3.0, 0.0),
        ("hardsigmoid", 3.0, 0.0),
        ("hardswish", -3.0, 0.0),
        ("hardswish", 3.0, 1.0),
        ("binary_step", 0.0, 0.0),
        ("softshrink", 0.5, 0.0),
        ("softshrink", -0.5, 0.0),
        ("hardshrink", 0.5, 0.0),
        ("hardshrink", -0.5, 0.0),
        ("threshold(0.1, 0)", 0.1, 0.0),
        ("squared_relu", 0.0, 0.0),
    ];
    for &(text, x, expected) in table {
        assert!(
            (at(text, x) - expected).abs() < 1e-15,
            "{text}'({x}) = {} ≠ {expected}",
            at(text, x)
        );
    }
}

#[test]
fn kink_table() {
    let kinks = |text: &str| text.parse::<Activation>().unwrap().meta().kinks;
    assert_eq!(kinks("relu"), vec![0.0]);
    assert_eq!(kinks("relu6"), vec![0.0, 6.0]);
    assert_eq!(kinks("hardtanh(-2, 3)"), vec![-2.0, 3.0]);
    assert_eq!(kinks("hardsigmoid"), vec![-3.0, 3.0]);
    assert_eq!(kinks("hardswish"), vec![-3.0, 3.0]);
    assert_eq!(kinks("softshrink(0.3)"), vec![-0.3, 0.3]);
    assert_eq!(kinks("softplus(beta=2,threshold=20)"), vec![10.0]);
    assert_eq!(kinks("binary_step(threshold=0.5)"), vec![0.5]);
    assert_eq!(kinks("elu"), vec![0.0]);
    for smooth in [
        "tanh",
        "sigmoid",
        "gelu",
        "gelu_tanh",
        "silu",
        "mish",
        "softmax",
        "identity",
    ] {
        assert!(kinks(smooth).is_empty(), "{smooth}");
    }
    // Every non-C∞ elementwise default declares at least one kink.
    for a in Activation::all_defaults() {
        let meta = a.meta();
        if meta.smoothness != Smoothness::CInfinity {
            assert!(!meta.kinks.is_empty(), "{a}");
        }
    }
}

#[test]
fn nan_in_nan_out() {
    for e in instances() {
        assert!(e.value(f64::NAN).is_nan(), "{e} value f64");
        assert!(e.value(f32::NAN).is_nan(), "{e} value f32");
        assert!(e.derivative(f64::NAN).is_nan(), "{e} derivative");
        assert!(e.derivative(f32::NAN).is_nan(), "{e} derivative f32");
        assert!(
            e.second_derivative(f64::NAN).is_nan(),
            "{e} second derivative"
        );
    }
}

fn stability_inputs() -> Vec<f64> {
    let mut inputs: Vec<f64> = (-2000..=2000).map(|i| i as f64 * 5.0).collect();
    inputs.extend((-400..=400).map(|i| i as f64 * 0.05));
    inputs.extend([
        -9999.5, 9999.5, -88.8, 88.8, -710.0, 710.0, 1e-30, -1e-30, -0.0, 1e-3, -1e-3,
    ]);
    inputs.extend((1..=40).flat_map(|i| {
        let x = 10f64.powf(i as f64 / 10.0);
        [x, -x]
    }));
    inputs
}

#[test]
fn finite_everywhere_in_f32_and_f64() {
    let inputs = stability_inputs();
    for e in instances() {
        for &x in &inputs {
            let values64 = [e.value(x), e.derivative(x), e.second_derivative(x)];
            assert!(
                values64.iter().all(|v| v.is_finite()),
                "{e} at {x} (f64): {values64:?}"
            );
            let x32 = x as f32;
            let values32 = [e.value(x32), e.derivative(x32), e.second_derivative(x32)];
            assert!(
                values32.iter().all(|v| v.is_finite()),
                "{e} at {x} (f32): {values32:?}"
            );
            let y = e.value(x);
            assert!(e.derivative_given_output(x, y).is_finite(), "{e} at {x}");
            if let Some(p) = e.learnable_parameter() {
                let g = e.parameter_derivative(x, p.initial_value).unwrap();
                let g32 = e.parameter_derivative(x32, p.initial_value as f32).unwrap();
                assert!(g.is_finite() && g32.is_finite(), "{e} ∂f/∂p at {x}");
            }
        }
    }
}

#[test]
fn f32_agrees_with_f64() {
    for e in instances() {
        for x in sample_points(&e.meta().kinks) {
            let (a, b) = (e.value(x as f32) as f64, e.value(x));
            assert!(
                (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                "{e} at {x}: {a} vs {b}"
            );
            let (a, b) = (e.derivative(x as f32) as f64, e.derivative(x));
            assert!(
                (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                "{e}' at {x}: {a} vs {b}"
            );
        }
    }
}
