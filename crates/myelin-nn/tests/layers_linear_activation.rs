//! Linear and activation layers: values, gradients, parameter names, errors.

use myelin_nn::layers::{ActivationLayer, Linear};
use myelin_nn::{Module, NnError};
use myelin_tensor::{gradcheck, gradgradcheck, GradCheckOptions, Tensor, TensorError};

fn t(values: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(values.to_vec(), shape).unwrap()
}

fn as_tensor_error(e: NnError) -> TensorError {
    TensorError::GradCheck(e.to_string())
}

#[test]
fn linear_computes_x_wt_plus_b_for_1d_2d_and_3d_input() {
    let layer = Linear::from_tensors(
        t(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]),
        Some(t(&[0.5, -0.5], &[2])),
    )
    .unwrap();
    // Row [1, 1, 1]: [1+2+3+0.5, 4+5+6-0.5]; row [0, 1, -2]: [2-6+0.5, 5-12-0.5].
    let y = layer
        .forward(&t(&[1.0, 1.0, 1.0, 0.0, 1.0, -2.0], &[2, 3]))
        .unwrap();
    assert_eq!(y.shape(), &[2, 2]);
    assert_eq!(y.to_vec(), vec![6.5, 14.5, -3.5, -7.5]);
    let y1 = layer.forward(&t(&[1.0, 1.0, 1.0], &[3])).unwrap();
    assert_eq!(y1.shape(), &[2]);
    assert_eq!(y1.to_vec(), vec![6.5, 14.5]);
    let x3 = t(&[1.0, 1.0, 1.0, 0.0, 1.0, -2.0], &[1, 2, 3]);
    let y3 = layer.forward(&x3).unwrap();
    assert_eq!(y3.shape(), &[1, 2, 2]);
    assert_eq!(y3.to_vec(), vec![6.5, 14.5, -3.5, -7.5]);
}

#[test]
fn linear_gradients_match_closed_form() {
    let layer = Linear::<f64>::new(3, 2, true, 5).unwrap();
    let x = t(&[1.0, 2.0, 3.0, -1.0, 0.5, 4.0], &[2, 3]).requires_grad_(true);
    layer.forward(&x).unwrap().sum().backward().unwrap();
    // d sum(y) / dW[o, i] = Σ_n x[n, i]; d/db = N; d/dx[n, i] = Σ_o W[o, i].
    let gw = layer.weight().grad().unwrap().to_vec();
    assert_eq!(gw, vec![0.0, 2.5, 7.0, 0.0, 2.5, 7.0]);
    assert_eq!(
        layer.bias().unwrap().grad().unwrap().to_vec(),
        vec![2.0, 2.0]
    );
    let w = layer.weight().to_vec();
    let gx = x.grad().unwrap().to_vec();
    for i in 0..3 {
        assert!((gx[i] - (w[i] + w[3 + i])).abs() < 1e-15);
        assert!((gx[3 + i] - (w[i] + w[3 + i])).abs() < 1e-15);
    }
    layer.zero_grad();
    assert!(layer.weight().grad().is_none());
}

#[test]
fn linear_default_init_is_pytorch_uniform_and_seeded() {
    let a = Linear::<f64>::new(100, 50, true, 3).unwrap();
    let bound = 1.0 / 10.0;
    let w = a.weight().to_vec();
    assert!(w.iter().all(|v| v.abs() <= bound));
    // U(±b) has variance b²/3.
    let var = a.weight().var(0).item().unwrap();
    assert!(
        (var - bound * bound / 3.0).abs() < 0.05 * bound * bound / 3.0,
        "{var}"
    );
    let b = a.bias().unwrap().to_vec();
    assert!(b.iter().all(|v| v.abs() <= bound) && b.iter().any(|v| *v != 0.0));
    let same = Linear::<f64>::new(100, 50, true, 3).unwrap();
    assert_eq!(same.weight().to_vec(), w);
    let other = Linear::<f64>::new(100, 50, true, 4).unwrap();
    assert_ne!(other.weight().to_vec(), w);
    assert!(a.weight().requires_grad() && a.weight().is_leaf());
    let names: Vec<_> = a.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["weight", "bias"]);
    let no_bias = Linear::<f32>::new(4, 2, false, 0).unwrap();
    assert_eq!(no_bias.named_parameters().len(), 1);
    assert_eq!(no_bias.num_parameters(), 8);
}

#[test]
fn linear_transposed_weight_is_a_view() {
    let layer = Linear::<f32>::new(3, 2, true, 0).unwrap();
    assert!(layer.weight().t().shares_storage_with(layer.weight()));
}

#[test]
fn linear_rejects_bad_input_with_names_and_shapes() {
    let layer = Linear::<f64>::new(3, 2, true, 0).unwrap();
    let err = layer.forward(&Tensor::zeros(&[4, 5])).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, NnError::Shape { .. }));
    assert!(
        msg.contains("Linear(in_features=3, out_features=2"),
        "{msg}"
    );
    assert!(msg.contains("[4, 5]"), "{msg}");
    assert!(layer.forward(&Tensor::scalar(1.0)).is_err());
    assert!(Linear::<f64>::new(0, 2, true, 0).is_err());
    assert!(Linear::from_tensors(t(&[1.0, 2.0], &[2]), None).is_err());
    assert!(Linear::from_tensors(t(&[1.0, 2.0], &[1, 2]), Some(t(&[1.0, 2.0], &[2]))).is_err());
}

#[test]
fn elementwise_activations_match_their_scalar_definitions() {
    let x = t(&[-2.0, -0.5, 0.0, 0.7, 3.0], &[5]);
    for (spec, f) in [
        ("relu", (|v: f64| v.max(0.0)) as fn(f64) -> f64),
        ("tanh", |v: f64| v.tanh()),
        ("sigmoid", |v: f64| 1.0 / (1.0 + (-v).exp())),
        (
            "leaky_relu(slope=0.2)",
            |v: f64| if v > 0.0 { v } else { 0.2 * v },
        ),
        ("elu", |v: f64| if v > 0.0 { v } else { v.exp() - 1.0 }),
        ("identity", |v: f64| v),
    ] {
        let layer = ActivationLayer::new(spec.parse().unwrap()).unwrap();
        let y = layer.forward(&x).unwrap().to_vec();
        for (yi, xi) in y.iter().zip(x.to_vec()) {
            assert!((yi - f(xi)).abs() < 1e-12, "{spec} at {xi}: {yi}");
        }
        assert!(layer.named_parameters().is_empty());
    }
}

#[test]
fn activation_gradients_and_second_order_pass_gradcheck() {
    let x = t(&[-1.3, -0.4, 0.2, 0.9, 2.1, -2.5], &[2, 3]).requires_grad_(true);
    for spec in [
        "tanh", "gelu", "silu", "elu", "softplus", "mish", "selu", "sigmoid",
    ] {
        let layer = ActivationLayer::<f64>::new(spec.parse().unwrap()).unwrap();
        let f = |xs: &[Tensor<f64>]| layer.forward(&xs[0]).map_err(as_tensor_error);
        gradcheck(f, std::slice::from_ref(&x), GradCheckOptions::default())
            .unwrap_or_else(|e| panic!("{spec}: {e}"));
        gradgradcheck(f, std::slice::from_ref(&x), GradCheckOptions::default())
            .unwrap_or_else(|e| panic!("{spec} (second order): {e}"));
    }
}

#[test]
fn softmax_and_log_softmax_layers() {
    let x = t(&[1.0, 2.0, 3.0, 1000.0, 0.0, -1000.0], &[2, 3]);
    let sm = ActivationLayer::new("softmax".parse().unwrap()).unwrap();
    let y = sm.forward(&x).unwrap().to_vec();
    let z = 1f64.exp() + 2f64.exp() + 3f64.exp();
    assert!((y[2] - 3f64.exp() / z).abs() < 1e-15);
    assert!((y[0] + y[1] + y[2] - 1.0).abs() < 1e-15);
    assert_eq!(&y[3..], &[1.0, 0.0, 0.0]);
    let lsm = ActivationLayer::new("log_softmax(dim=0)".parse().unwrap()).unwrap();
    let ly = lsm.forward(&x).unwrap().to_vec();
    assert!((ly[0] - (1.0 - 1000.0)).abs() < 1e-9);
    let xg = t(&[0.3, -0.2, 1.1, 0.5, 0.0, -0.7], &[2, 3]).requires_grad_(true);
    for spec in ["softmax", "log_softmax(dim=0)"] {
        let layer = ActivationLayer::<f64>::new(spec.parse().unwrap()).unwrap();
        gradcheck(
            |xs| layer.forward(&xs[0]).map_err(as_tensor_error),
            std::slice::from_ref(&xg),
            GradCheckOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{spec}: {e}"));
    }
    let bad = ActivationLayer::<f64>::new("softmax(dim=4)".parse().unwrap()).unwrap();
    assert!(bad.forward(&x).is_err());
}

#[test]
fn prelu_owns_per_channel_weights_with_correct_gradients() {
    let layer = ActivationLayer::<f64>::new("prelu(num_parameters=3)".parse().unwrap()).unwrap();
    let named = layer.named_parameters();
    assert_eq!(named.len(), 1);
    assert_eq!(named[0].0, "weight");
    assert_eq!(named[0].1.to_vec(), vec![0.25; 3]);
    let w = named[0].1.clone();
    w.update_data(|d| d.copy_from_slice(&[0.1, 0.2, 0.3]))
        .unwrap();
    let x = t(&[-1.0, 2.0, -3.0, -4.0, -5.0, 6.0], &[2, 3]).requires_grad_(true);
    let y = layer.forward(&x).unwrap();
    for (a, b) in y.to_vec().iter().zip([-0.1, 2.0, -0.9, -0.4, -1.0, 6.0]) {
        assert!((a - b).abs() < 1e-15, "{a} vs {b}");
    }
    y.sum().backward().unwrap();
    // d/dw_c = Σ of negative inputs in channel c.
    assert_eq!(w.grad().unwrap().to_vec(), vec![-5.0, -5.0, -3.0]);
    assert_eq!(
        x.grad().unwrap().to_vec(),
        vec![0.1, 1.0, 0.3, 0.1, 0.2, 1.0]
    );
    // Channel count mismatch is an error, not a panic.
    let err = layer.forward(&Tensor::zeros(&[2, 4])).unwrap_err();
    assert!(err.to_string().contains("prelu"), "{err}");
}

#[test]
fn learnable_swish_beta_gradient_matches_finite_differences() {
    let layer = ActivationLayer::<f64>::new("swish(beta=learnable)".parse().unwrap()).unwrap();
    let (name, beta) = layer.named_parameters().remove(0);
    assert_eq!(name, "beta");
    let x = t(&[-1.5, -0.2, 0.4, 2.0], &[4]);
    let loss = |b: f64| {
        beta.update_data(|d| d[0] = b).unwrap();
        layer.forward(&x).unwrap().sum().item().unwrap()
    };
    let h = 1e-6;
    let numeric = (loss(1.3 + h) - loss(1.3 - h)) / (2.0 * h);
    beta.update_data(|d| d[0] = 1.3).unwrap();
    layer.forward(&x).unwrap().sum().backward().unwrap();
    let analytic = beta.grad().unwrap().to_vec()[0];
    assert!((numeric - analytic).abs() < 1e-7, "{numeric} vs {analytic}");
}
