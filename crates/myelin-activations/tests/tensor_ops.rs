//! The activations as differentiable tensor ops: gradients (first and second order) through
//! the engine, learnable parameters, softmax along any dim, fixed values, kinks, stability.
#![allow(clippy::cloned_ref_to_slice_refs, clippy::needless_range_loop)]

use myelin_activations::{apply, Activation, ActivationError, ActivationOp, Elementwise};
use myelin_tensor::{grad, gradcheck, gradgradcheck, GradCheckOptions, Tensor};

fn act(spec: &str) -> Activation {
    spec.parse().unwrap_or_else(|e| panic!("{spec}: {e}"))
}

/// At least 50 points over [−20, 20], each at least 1e−3 away from every kink.
fn points(kinks: &[f64]) -> Vec<f64> {
    let points = myelin_activations::testing::sample_points(kinks);
    assert!(points.len() >= 50);
    points
}

fn input(values: &[f64]) -> Tensor<f64> {
    Tensor::from_vec(values.to_vec(), &[values.len()])
        .unwrap()
        .requires_grad_(true)
}

/// Every elementwise activation with its defaults, plus non-default parameters.
fn elementwise_specs() -> Vec<Activation> {
    let mut all: Vec<Activation> = Activation::all_defaults()
        .into_iter()
        .filter(|a| a.is_elementwise())
        .collect();
    for spec in [
        "leaky_relu(slope=0.2)",
        "leaky_relu(slope=-0.3)",
        "hardtanh(min=-2,max=3)",
        "elu(alpha=2)",
        "celu(alpha=0.5)",
        "swish(beta=2)",
        "softplus(beta=2,threshold=10)",
        "threshold(threshold=1,value=-2)",
        "softshrink(lambda=1)",
        "hardshrink(lambda=1)",
        "binary_step(threshold=0.5)",
    ] {
        all.push(act(spec));
    }
    assert!(all.len() >= 39);
    all
}

/// The kinks of `a`, including a binary step's threshold.
fn kinks(a: &Activation) -> Vec<f64> {
    a.meta().kinks
}

#[test]
fn gradcheck_every_elementwise_activation() {
    for a in elementwise_specs() {
        let x = input(&points(&kinks(&a)));
        gradcheck(
            |xs| Ok(apply(&a, &xs[0], None).unwrap()),
            &[x],
            GradCheckOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{a}: {e}"));
    }
}

#[test]
fn gradgradcheck_every_elementwise_activation() {
    // Piecewise-linear ones too: their second derivative is 0 away from the kinks.
    for a in elementwise_specs() {
        let x = input(&points(&kinks(&a)));
        gradgradcheck(
            |xs| Ok(apply(&a, &xs[0], None).unwrap()),
            &[x],
            GradCheckOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{a}: {e}"));
    }
}

#[test]
fn values_and_gradients_match_the_scalar_functions() {
    for a in elementwise_specs() {
        let e = *a.as_elementwise().unwrap();
        let xs = points(&[]);
        let x = input(&xs);
        let y = apply(&a, &x, None).unwrap();
        y.sum().backward().unwrap();
        let dy = x.grad().unwrap().to_vec();
        for ((&xi, yi), di) in xs.iter().zip(y.to_vec()).zip(dy) {
            assert_eq!(yi.to_bits(), e.value(xi).to_bits(), "{a}({xi})");
            let expected = e.derivative(xi);
            assert!(
                (di - expected).abs() <= 1e-12 * expected.abs().max(1.0),
                "{a}'({xi}) = {di}, scalar {expected}"
            );
        }
    }
}

#[test]
fn prelu_example_from_the_brief() {
    let op = ActivationOp::<f64>::new(act("prelu"));
    let w = op.parameter().unwrap();
    assert_eq!(w.shape(), &[1]);
    assert_eq!(w.to_vec(), vec![0.25]);
    assert!(w.requires_grad());
    let x = input(&[-2.0, 0.0, 2.0, -1.0]);
    let y = op.forward(&x).unwrap();
    assert_eq!(y.to_vec(), vec![-0.5, 0.0, 2.0, -0.25]);
    y.sum().backward().unwrap();
    assert_eq!(x.grad().unwrap().to_vec(), vec![0.25, 0.25, 1.0, 0.25]);
    assert_eq!(w.grad().unwrap().to_vec(), vec![-3.0]);
}

#[test]
fn prelu_gradients_with_respect_to_input_and_weight() {
    let xs = points(&[0.0]);
    let x = input(&xs);
    let w = Tensor::<f64>::from_vec(vec![0.3], &[1])
        .unwrap()
        .requires_grad_(true);
    let a = act("prelu");
    let f = |v: &[Tensor<f64>]| Ok(apply(&a, &v[0], Some(&v[1])).unwrap());
    gradcheck(f, &[x.clone(), w.clone()], GradCheckOptions::default()).unwrap();
    gradgradcheck(f, &[x, w], GradCheckOptions::default()).unwrap();
}

#[test]
fn per_channel_prelu_on_n_c_l() {
    let (n, c, l) = (2, 3, 4);
    let values: Vec<f64> = (0..n * c * l).map(|i| (i as f64 - 11.3) * 0.7).collect();
    let x = Tensor::from_vec(values.clone(), &[n, c, l])
        .unwrap()
        .requires_grad_(true);
    let w = Tensor::<f64>::from_vec(vec![0.1, 0.25, -0.5], &[c])
        .unwrap()
        .requires_grad_(true);
    let a = act("prelu(num_parameters=3)");
    let f = |v: &[Tensor<f64>]| Ok(apply(&a, &v[0], Some(&v[1])).unwrap());
    gradcheck(f, &[x.clone(), w.clone()], GradCheckOptions::default()).unwrap();
    gradgradcheck(f, &[x.clone(), w.clone()], GradCheckOptions::default()).unwrap();
    // The weight's gradient is the sum of the negative inputs of its channel.
    let y = f(&[x.clone(), w.clone()]).unwrap();
    y.sum().backward().unwrap();
    let dw = w.grad().unwrap().to_vec();
    for ch in 0..c {
        let expected: f64 = (0..n)
            .flat_map(|b| (0..l).map(move |i| (b * c + ch) * l + i))
            .map(|k| values[k])
            .filter(|&v| v <= 0.0)
            .sum();
        assert!((dw[ch] - expected).abs() < 1e-12, "channel {ch}");
    }
    // Through ActivationOp too.
    let op = ActivationOp::<f64>::new(a);
    assert_eq!(op.parameter().unwrap().to_vec(), vec![0.25; 3]);
    assert_eq!(op.forward(&x).unwrap().shape(), &[n, c, l]);
}

#[test]
fn prelu_weight_count_errors() {
    let op = ActivationOp::<f64>::new(act("prelu(num_parameters=3)"));
    let x = Tensor::<f64>::zeros(&[2, 8, 5]);
    let err = op.forward(&x).unwrap_err();
    assert_eq!(err.to_string(), "prelu: 3 weights for 8 channels");
    let err = op.forward(&Tensor::<f64>::zeros(&[3])).unwrap_err();
    assert_eq!(err.to_string(), "prelu: 3 weights for 1 channels");
    let wrong = Tensor::<f64>::full(&[2], 0.25);
    let err = apply(&act("prelu(num_parameters=3)"), &x, Some(&wrong)).unwrap_err();
    assert!(err.to_string().contains("num_parameters=3"), "{err}");
    assert!(ActivationOp::with_parameter(act("prelu(num_parameters=3)"), wrong).is_err());
    // A shared weight fits any shape, including scalars.
    let shared = ActivationOp::<f64>::new(act("prelu"));
    assert_eq!(
        shared.forward(&Tensor::scalar(-4.0)).unwrap().to_vec(),
        vec![-1.0]
    );
    assert_eq!(
        shared.forward(&Tensor::scalar(-4.0)).unwrap().shape(),
        &[] as &[usize]
    );
}

#[test]
fn parameters_are_refused_where_there_are_none() {
    let p = Tensor::<f64>::ones(&[1]);
    let x = Tensor::<f64>::ones(&[2]);
    for spec in ["relu", "softmax", "swish(beta=2)"] {
        let err = apply(&act(spec), &x, Some(&p)).unwrap_err();
        assert!(matches!(err, ActivationError::Parameter { .. }), "{spec}");
    }
    assert!(ActivationOp::<f64>::new(act("relu")).parameter().is_none());
    assert!(ActivationOp::<f64>::new(act("relu"))
        .parameters()
        .is_empty());
}

#[test]
fn learnable_swish_beta() {
    let op = ActivationOp::<f64>::new(act("swish(beta=learnable(0.7))"));
    let beta = op.parameter().unwrap().clone();
    assert_eq!(beta.shape(), &[1]);
    assert_eq!(beta.to_vec(), vec![0.7]);
    assert_eq!(op.parameter_name(), Some("beta"));
    let x = input(&points(&[]));
    let a = *op.spec();
    let f = |v: &[Tensor<f64>]| Ok(apply(&a, &v[0], Some(&v[1])).unwrap());
    gradcheck(f, &[x.clone(), beta.clone()], GradCheckOptions::default()).unwrap();
    gradgradcheck(f, &[x.clone(), beta.clone()], GradCheckOptions::default()).unwrap();
    // Without a parameter tensor, β is frozen at its initial value.
    let frozen = apply(&a, &x, None).unwrap();
    let fixed = apply(&act("swish(beta=0.7)"), &x, None).unwrap();
    assert_eq!(frozen.to_vec(), fixed.to_vec());
}

fn matrix() -> Tensor<f64> {
    let values: Vec<f64> = (0..15)
        .map(|i| ((i * 7) % 11) as f64 * 0.37 - 1.5)
        .collect();
    Tensor::from_vec(values, &[3, 5])
        .unwrap()
        .requires_grad_(true)
}

#[test]
fn softmax_gradients_along_each_dim() {
    for spec in ["softmax", "log_softmax"] {
        for dim in [0isize, 1, -1, -2] {
            let a = act(&format!("{spec}(dim={dim})"));
            let f = |v: &[Tensor<f64>]| Ok(apply(&a, &v[0], None).unwrap());
            gradcheck(f, &[matrix()], GradCheckOptions::default())
                .unwrap_or_else(|e| panic!("{a}: {e}"));
            gradgradcheck(f, &[matrix()], GradCheckOptions::default())
                .unwrap_or_else(|e| panic!("{a}: {e}"));
        }
    }
}

#[test]
fn softmax_normalises_the_chosen_dim() {
    let x = matrix();
    let y0 = apply(&act("softmax(dim=0)"), &x, None).unwrap();
    let sums = y0.sum_dims(&[0], false).to_vec();
    assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-15), "{sums:?}");
    let y1 = apply(&act("softmax"), &x, None).unwrap();
    let sums = y1.sum_dims(&[1], false).to_vec();
    assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-15), "{sums:?}");
    // Along dim 0 equals along dim 1 of the transpose.
    let yt = apply(&act("softmax(dim=1)"), &x.t(), None).unwrap();
    assert_eq!(yt.t().contiguous().to_vec(), y0.to_vec());
    assert!(apply(&act("softmax(dim=2)"), &x, None).is_err());
    assert!(apply(&act("softmax(dim=-3)"), &x, None).is_err());
}

#[test]
fn softmax_on_non_contiguous_input_and_fan_out() {
    for spec in ["softmax(dim=1)", "log_softmax(dim=0)"] {
        let a = act(spec);
        // x.t() is a non-contiguous [5, 3] view; x feeds two branches (fan-out).
        let f = |v: &[Tensor<f64>]| {
            let xt = v[0].t();
            assert!(!xt.is_contiguous());
            let y = apply(&a, &xt, None).unwrap();
            Ok(&(&y * &xt) + &apply(&a, &xt.exp(), None).unwrap())
        };
        gradcheck(f, &[matrix()], GradCheckOptions::default())
            .unwrap_or_else(|e| panic!("{a}: {e}"));
        gradgradcheck(f, &[matrix()], GradCheckOptions::default())
            .unwrap_or_else(|e| panic!("{a}: {e}"));
    }
}

#[test]
fn softmax_of_three_dimensional_input_along_the_middle() {
    let values: Vec<f64> = (0..24).map(|i| (i as f64 * 1.3).sin() * 3.0).collect();
    let x = Tensor::from_vec(values, &[2, 3, 4])
        .unwrap()
        .requires_grad_(true);
    for spec in ["softmax(dim=1)", "log_softmax(dim=1)"] {
        let a = act(spec);
        gradcheck(
            |v| Ok(apply(&a, &v[0], None).unwrap()),
            std::slice::from_ref(&x),
            GradCheckOptions::default(),
        )
        .unwrap();
    }
}

#[test]
fn fixed_values_through_the_tensor_path() {
    let softplus = apply(&act("softplus"), &Tensor::<f64>::scalar(-100.0), None).unwrap();
    let v = softplus.item().unwrap();
    assert!(
        (v - 3.720_075_976_020_836e-44).abs() <= 1e-15 * 3.72e-44,
        "{v}"
    );

    let x = Tensor::<f64>::from_vec(vec![1000.0, 1001.0, 1002.0], &[3]).unwrap();
    let y = apply(&act("log_softmax"), &x, None).unwrap().to_vec();
    let expected = [
        -2.407_605_964_444_380_6,
        -1.407_605_964_444_380_4,
        -0.407_605_964_444_380_4,
    ];
    for (a, b) in y.iter().zip(expected) {
        assert!((a - b).abs() <= 4e-16, "{a} vs {b}");
    }

    let x = Tensor::<f64>::from_vec(vec![1.8, 0.9, 0.68], &[3]).unwrap();
    let y = apply(&act("softmax"), &x, None).unwrap().to_vec();
    for (a, b) in y.iter().zip([0.58, 0.23, 0.19]) {
        assert!((a - b).abs() < 0.005, "{a} vs {b}");
    }
    let x32 = Tensor::<f32>::from_vec(vec![1000.0, 1001.0, 1002.0], &[3]).unwrap();
    let y32 = apply(&act("log_softmax"), &x32, None).unwrap().to_vec();
    assert!((y32[0] + 2.407_606).abs() < 1e-6);
}

/// The engine's gradient of `sum(f(x))` at the points `xs`.
fn engine_derivative(a: &Activation, parameter: Option<&Tensor<f64>>, xs: &[f64]) -> Vec<f64> {
    let x = input(xs);
    let y = apply(a, &x, parameter).unwrap();
    grad(&[y.sum()], &[x], None, false).unwrap()[0].to_vec()
}

#[test]
fn kink_table_through_the_engine() {
    let cases: &[(&str, &[f64], &[f64])] = &[
        ("relu", &[0.0], &[0.0]),
        ("leaky_relu(slope=0.2)", &[0.0], &[0.2]),
        ("elu(alpha=1.5)", &[0.0], &[1.5]),
        ("relu6", &[0.0, 6.0], &[0.0, 0.0]),
        ("hardtanh", &[-1.0, 1.0], &[0.0, 0.0]),
        ("hardsigmoid", &[-3.0, 3.0], &[0.0, 0.0]),
        ("hardswish", &[-3.0, 3.0], &[0.0, 1.0]),
        ("binary_step", &[-1.0, 0.0, 1.0], &[0.0, 0.0, 0.0]),
    ];
    for (spec, xs, expected) in cases {
        assert_eq!(&engine_derivative(&act(spec), None, xs), expected, "{spec}");
    }
    let selu = engine_derivative(&act("selu"), None, &[0.0])[0];
    let lambda_alpha = 1.050_700_987_355_480_5 * 1.673_263_242_354_377_3;
    assert!((selu - lambda_alpha).abs() < 1e-12, "selu'(0) = {selu}");
    let w = Tensor::<f64>::from_vec(vec![0.3], &[1])
        .unwrap()
        .requires_grad_(true);
    assert_eq!(
        engine_derivative(&act("prelu"), Some(&w), &[0.0]),
        vec![0.3]
    );
    assert_eq!(
        engine_derivative(&act("prelu(init=0.4)"), None, &[0.0]),
        vec![0.4]
    );
}

#[test]
fn binary_step_surrogates_in_backward() {
    let ste = engine_derivative(
        &act("binary_step(surrogate=ste)"),
        None,
        &[-2.0, -0.5, 0.0, 0.9, 1.5],
    );
    assert_eq!(ste, vec![0.0, 1.0, 1.0, 1.0, 0.0]);
    let sig = engine_derivative(&act("binary_step(surrogate=sigmoid(4))"), None, &[0.0, 1.0]);
    assert!((sig[0] - 1.0).abs() < 1e-15);
    let s = 1.0 / (1.0 + (-4.0f64).exp());
    assert!((sig[1] - 4.0 * s * (1.0 - s)).abs() < 1e-12);
    // The forward pass stays a hard step.
    let y = apply(
        &act("binary_step(surrogate=ste)"),
        &input(&[-0.5, 0.5]),
        None,
    )
    .unwrap();
    assert_eq!(y.to_vec(), vec![0.0, 1.0]);
}

fn wide_inputs() -> Vec<f64> {
    let mut xs: Vec<f64> = (0..=400).map(|i| -1e4 + 50.0 * i as f64).collect();
    xs.extend([
        -700.0, -100.0, -88.0, -20.0, -1e-3, 0.0, 1e-3, 20.0, 88.0, 100.0, 700.0,
    ]);
    xs
}

#[test]
fn no_nan_or_inf_over_a_wide_range() {
    let xs = wide_inputs();
    let mut specs = elementwise_specs();
    specs.push(act("softmax"));
    specs.push(act("log_softmax"));
    for a in &specs {
        let x = input(&xs);
        let y = apply(a, &x, None).unwrap();
        let g = grad(&[y.sum()], &[x], None, false).unwrap()[0].to_vec();
        let y = y.to_vec();
        if a.is_elementwise() {
            assert!(y.iter().all(|v| v.is_finite()), "{a} value (f64)");
        } else if a.name() == "softmax" {
            assert!(y.iter().all(|v| v.is_finite()), "{a} value (f64)");
        } else {
            // log-softmax of a far-away logit is a huge negative number, never NaN.
            assert!(y.iter().all(|v| !v.is_nan()), "{a} value (f64)");
        }
        assert!(g.iter().all(|v| v.is_finite()), "{a} gradient (f64)");

        let x32 = Tensor::<f32>::from_vec(xs.iter().map(|&v| v as f32).collect(), &[xs.len()])
            .unwrap()
            .requires_grad_(true);
        let y32 = apply(a, &x32, None).unwrap();
        let g32 = grad(&[y32.sum()], &[x32], None, false).unwrap()[0].to_vec();
        assert!(
            y32.to_vec()
                .iter()
                .all(|v| !v.is_nan() && (v.is_finite() || a.name() == "log_softmax")),
            "{a} value (f32)"
        );
        assert!(g32.iter().all(|v| v.is_finite()), "{a} gradient (f32)");
    }
}

#[test]
fn f32_agrees_with_f64() {
    let xs: Vec<f64> = (0..=400).map(|i| -20.0 + 0.1 * i as f64 + 0.003).collect();
    let mut specs = elementwise_specs();
    specs.push(act("softmax"));
    specs.push(act("log_softmax"));
    for a in &specs {
        let x64 = input(&xs);
        let y64 = apply(a, &x64, None).unwrap();
        let seed: Vec<f64> = (0..xs.len())
            .map(|i| ((i % 7) as f64 - 3.0) * 0.25)
            .collect();
        let seed64 = Tensor::from_vec(seed.clone(), &[xs.len()]).unwrap();
        let g64 =
            grad(std::slice::from_ref(&y64), &[x64], Some(&[seed64]), false).unwrap()[0].to_vec();

        let x32 = x64_to_32(&xs);
        let y32 = apply(a, &x32, None).unwrap();
        let seed32 =
            Tensor::from_vec(seed.iter().map(|&v| v as f32).collect(), &[xs.len()]).unwrap();
        let g32 =
            grad(std::slice::from_ref(&y32), &[x32], Some(&[seed32]), false).unwrap()[0].to_vec();

        for (i, (a64, a32)) in y64.to_vec().iter().zip(y32.to_vec()).enumerate() {
            let tol = 2e-5 * a64.abs().max(1.0);
            assert!(
                (a64 - a32 as f64).abs() <= tol,
                "{a} value at {}: {a64} vs {a32}",
                xs[i]
            );
        }
        for (i, (a64, a32)) in g64.iter().zip(g32).enumerate() {
            let tol = 2e-5 * a64.abs().max(1.0);
            assert!(
                (a64 - a32 as f64).abs() <= tol,
                "{a} gradient at {}: {a64} vs {a32}",
                xs[i]
            );
        }
    }
}

fn x64_to_32(xs: &[f64]) -> Tensor<f32> {
    Tensor::from_vec(xs.iter().map(|&v| v as f32).collect(), &[xs.len()])
        .unwrap()
        .requires_grad_(true)
}

#[test]
fn softmax_batch_with_an_all_negative_infinity_row() {
    let inf = f64::NEG_INFINITY;
    let values = vec![0.3, -1.2, 2.0, inf, inf, inf, 1.0, 1.0, 1.0];
    for spec in ["softmax", "log_softmax"] {
        let x = Tensor::from_vec(values.clone(), &[3, 3])
            .unwrap()
            .requires_grad_(true);
        let y = apply(&act(spec), &x, None).unwrap();
        let g = grad(
            std::slice::from_ref(&y),
            &[x],
            Some(&[Tensor::ones(&[3, 3])]),
            false,
        )
        .unwrap()[0]
            .to_vec();
        let y = y.to_vec();
        assert!(
            y[3..6].iter().all(|v| v.is_nan()),
            "{spec}: the -inf row is NaN"
        );
        let clean = Tensor::from_vec(vec![0.3, -1.2, 2.0, 1.0, 1.0, 1.0], &[2, 3])
            .unwrap()
            .requires_grad_(true);
        let yc = apply(&act(spec), &clean, None).unwrap();
        let gc = grad(
            std::slice::from_ref(&yc),
            &[clean],
            Some(&[Tensor::ones(&[2, 3])]),
            false,
        )
        .unwrap()[0]
            .to_vec();
        let yc = yc.to_vec();
        assert_eq!(&y[..3], &yc[..3], "{spec}");
        assert_eq!(&y[6..], &yc[3..], "{spec}");
        assert_eq!(&g[..3], &gc[..3], "{spec}");
        assert_eq!(&g[6..], &gc[3..], "{spec}");
    }
}

#[test]
fn large_inputs_take_the_parallel_paths() {
    // Above the engine's parallel threshold, results equal the scalar functions.
    let n = 1 << 17;
    let xs: Vec<f64> = (0..n).map(|i| ((i % 1000) as f64 - 500.0) * 0.02).collect();
    let x = Tensor::from_vec(xs.clone(), &[256, n / 256])
        .unwrap()
        .requires_grad_(true);
    let y = apply(&act("softmax"), &x, None).unwrap();
    let sums = y.sum_dims(&[1], false).to_vec();
    assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-12));
    let g = grad(
        std::slice::from_ref(&y),
        std::slice::from_ref(&x),
        Some(&[Tensor::ones(&[256, n / 256])]),
        false,
    )
    .unwrap();
    assert!(g[0].to_vec().iter().all(|v| v.abs() < 1e-12));
    let e = Elementwise::Gelu;
    let y = apply(&e.into(), &x, None).unwrap().to_vec();
    assert!(y.iter().zip(&xs).all(|(a, &b)| *a == e.value(b)));
}

#[test]
fn boxed_unary_fn_matches_the_fused_op() {
    let xs = points(&[]);
    for a in elementwise_specs() {
        let e = a.as_elementwise().unwrap();
        let boxed = myelin_activations::tensor_ops::unary_fn::<f64>(e);
        let y = input(&xs).map_unary(boxed).to_vec();
        let fused = apply(&a, &input(&xs), None).unwrap().to_vec();
        assert_eq!(y, fused, "{a}");
    }
}

/// Issue #8: an activation built directly with invalid parameters is rejected by
/// `apply` and the constructors with the same error the text parser gives (one
/// validation function), for every parameterised activation.
#[test]
fn invalid_parameters_are_rejected_when_built_directly() {
    use myelin_activations::try_apply_elementwise;
    use myelin_activations::{Surrogate, SwishBeta};
    let bad = [
        (Elementwise::HardTanh { min: 2.0, max: 1.0 }, "min"),
        (
            Elementwise::HardTanh {
                min: f64::NAN,
                max: 1.0,
            },
            "min",
        ),
        (
            Elementwise::LeakyRelu {
                slope: f64::INFINITY,
            },
            "slope",
        ),
        (
            Elementwise::Prelu {
                init: 0.25,
                num_parameters: 0,
            },
            "num_parameters",
        ),
        (
            Elementwise::Prelu {
                init: f64::NAN,
                num_parameters: 1,
            },
            "init",
        ),
        (Elementwise::Elu { alpha: f64::NAN }, "alpha"),
        (Elementwise::Celu { alpha: 0.0 }, "alpha"),
        (
            Elementwise::Swish {
                beta: SwishBeta::Fixed(-1.0),
            },
            "beta",
        ),
        (
            Elementwise::Swish {
                beta: SwishBeta::Learnable { init: 0.0 },
            },
            "beta",
        ),
        (
            Elementwise::Softplus {
                beta: 0.0,
                threshold: 20.0,
            },
            "beta",
        ),
        (
            Elementwise::Softplus {
                beta: 1.0,
                threshold: f64::NAN,
            },
            "threshold",
        ),
        (
            Elementwise::BinaryStep {
                threshold: f64::INFINITY,
                surrogate: Surrogate::None,
            },
            "threshold",
        ),
        (
            Elementwise::BinaryStep {
                threshold: 0.0,
                surrogate: Surrogate::Sigmoid { sharpness: -1.0 },
            },
            "surrogate",
        ),
        (
            Elementwise::Threshold {
                threshold: 0.1,
                value: f64::NEG_INFINITY,
            },
            "value",
        ),
        (Elementwise::SoftShrink { lambda: -0.5 }, "lambda"),
        (Elementwise::HardShrink { lambda: -0.5 }, "lambda"),
    ];
    let x = Tensor::<f64>::from_vec(vec![-1.0, 0.5, 3.0], &[3]).unwrap();
    for (e, parameter) in bad {
        let err = e.validate().unwrap_err();
        match &err {
            ActivationError::InvalidParameter {
                activation,
                parameter: p,
                ..
            } => {
                assert_eq!(activation, e.name());
                assert_eq!(p, parameter, "{e:?}");
            }
            other => panic!("{e:?}: expected InvalidParameter, got {other:?}"),
        }
        let spec = Activation::Elementwise(e);
        assert_eq!(apply(&spec, &x, None).unwrap_err(), err, "apply {e:?}");
        assert_eq!(try_apply_elementwise(&e, &x).unwrap_err(), err, "{e:?}");
        assert_eq!(
            ActivationOp::<f64>::try_new(spec).unwrap_err(),
            err,
            "try_new {e:?}"
        );
        assert_eq!(
            ActivationOp::<f64>::new(spec).forward(&x).unwrap_err(),
            err,
            "forward {e:?}"
        );
        let panicked = std::panic::catch_unwind(|| myelin_activations::apply_elementwise(&e, &x));
        assert!(
            panicked.is_err(),
            "apply_elementwise {e:?} must not compute a value"
        );
        // The text form is rejected by the parser with the very same error (where the
        // value can be written as text: infinities and NaN print as `inf`/`NaN`).
        let text = e.to_string();
        if let Err(parse_err) = text.parse::<Activation>() {
            assert_eq!(parse_err, err, "parser vs validate for `{text}`");
        } else {
            panic!("`{text}` parsed although {e:?} is invalid");
        }
    }
    // Valid parameters pass everywhere.
    let ok = Elementwise::HardTanh {
        min: -2.0,
        max: 0.5,
    };
    assert_eq!(
        apply(&Activation::Elementwise(ok), &x, None)
            .unwrap()
            .to_vec(),
        vec![-1.0, 0.5, 0.5]
    );
}
