//! LayerNorm and BatchNorm1d: values, running statistics, modes, gradients, errors.

use myelin_nn::layers::{BatchNorm1d, LayerNorm, Linear, Sequential};
use myelin_nn::{Module, NnError};
use myelin_tensor::{gradcheck, GradCheckOptions, Tensor, TensorError};

fn t(values: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(values.to_vec(), shape).unwrap()
}

fn as_tensor_error(e: NnError) -> TensorError {
    TensorError::GradCheck(e.to_string())
}

#[test]
fn layer_norm_normalises_each_sample_and_applies_the_affine() {
    let ln = LayerNorm::<f64>::new(&[4]).unwrap();
    let x = t(&[1.0, 2.0, 3.0, 4.0, -10.0, 0.0, 10.0, 20.0], &[2, 4]);
    let y = ln.forward(&x).unwrap().to_vec();
    // Row 1: mean 2.5, biased var 1.25.
    let s = (1.25f64 + 1e-5).sqrt();
    for (i, v) in [1.0, 2.0, 3.0, 4.0].iter().enumerate() {
        assert!((y[i] - (v - 2.5) / s).abs() < 1e-12);
    }
    let row2: f64 = y[4..].iter().sum();
    assert!(row2.abs() < 1e-12);
    let params = ln.named_parameters();
    assert_eq!(params[0].0, "weight");
    assert_eq!(params[1].0, "bias");
    params[0].1.update_data(|w| w.fill(2.0)).unwrap();
    params[1].1.update_data(|b| b.fill(1.0)).unwrap();
    let z = ln.forward(&x).unwrap().to_vec();
    for (zi, yi) in z.iter().zip(&y) {
        assert!((zi - (2.0 * yi + 1.0)).abs() < 1e-12);
    }
}

#[test]
fn layer_norm_over_two_trailing_dims_and_gradcheck() {
    let ln = LayerNorm::<f64>::new(&[2, 3]).unwrap();
    let x = t(
        &[
            0.3, -1.2, 2.0, 0.5, 0.1, -0.4, 1.0, 2.0, 3.0, -1.0, -2.0, 0.0,
        ],
        &[2, 2, 3],
    )
    .requires_grad_(true);
    let y = ln.forward(&x).unwrap();
    assert_eq!(y.shape(), &[2, 2, 3]);
    let first: f64 = y.to_vec()[..6].iter().sum();
    assert!(first.abs() < 1e-12);
    gradcheck(
        |xs| ln.forward(&xs[0]).map_err(as_tensor_error),
        &[x],
        GradCheckOptions::default(),
    )
    .unwrap();
    let err = ln.forward(&Tensor::zeros(&[2, 3, 2])).unwrap_err();
    assert!(err.to_string().contains("LayerNorm"), "{err}");
    assert!(LayerNorm::<f64>::new(&[]).is_err());
}

#[test]
fn batch_norm_training_uses_biased_batch_statistics() {
    let bn = BatchNorm1d::<f64>::new(2).unwrap();
    let x = t(&[1.0, 10.0, 2.0, 20.0, 6.0, 60.0], &[3, 2]);
    let y = bn.forward(&x).unwrap().to_vec();
    // Feature 0: mean 3, biased var ((4 + 1 + 9)/3) = 14/3.
    let s = (14.0f64 / 3.0 + 1e-5).sqrt();
    assert!((y[0] - (1.0 - 3.0) / s).abs() < 1e-12);
    assert!((y[2] - (2.0 - 3.0) / s).abs() < 1e-12);
    assert!((y[4] - (6.0 - 3.0) / s).abs() < 1e-12);
    let s1 = (1400.0f64 / 3.0 + 1e-5).sqrt();
    assert!((y[1] - (10.0 - 30.0) / s1).abs() < 1e-12);
}

#[test]
fn batch_norm_running_statistics_follow_pytorch() {
    let mut bn = BatchNorm1d::<f64>::new(1).unwrap();
    let batches = [vec![1.0, 2.0, 3.0, 6.0], vec![-1.0, 1.0]];
    let (mut rm, mut rv) = (0.0, 1.0);
    for b in &batches {
        bn.forward(&t(b, &[b.len(), 1])).unwrap();
        let n = b.len() as f64;
        let mean = b.iter().sum::<f64>() / n;
        let unbiased = b.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        rm = 0.9 * rm + 0.1 * mean;
        rv = 0.9 * rv + 0.1 * unbiased;
    }
    let buffers = bn.named_buffers();
    assert_eq!(buffers[0].0, "running_mean");
    assert_eq!(buffers[1].0, "running_var");
    assert!((buffers[0].1.to_vec()[0] - rm).abs() < 1e-12);
    assert!((buffers[1].1.to_vec()[0] - rv).abs() < 1e-12);
    assert_eq!(bn.num_batches_tracked(), 2);
    assert!(!buffers[0].1.requires_grad());

    bn.eval();
    let y = bn.forward(&t(&[5.0], &[1, 1])).unwrap().to_vec()[0];
    assert!((y - (5.0 - rm) / (rv + 1e-5).sqrt()).abs() < 1e-12);
    // Evaluation leaves the running statistics alone.
    assert!((bn.named_buffers()[0].1.to_vec()[0] - rm).abs() < 1e-12);
}

#[test]
fn batch_norm_rejects_a_single_sample_in_training() {
    let bn = BatchNorm1d::<f32>::new(3).unwrap();
    let err = bn.forward(&Tensor::ones(&[1, 3])).unwrap_err();
    assert!(
        err.to_string()
            .contains("Expected more than 1 value per channel when training"),
        "{err}"
    );
    let err = bn.forward(&Tensor::ones(&[4, 2])).unwrap_err();
    assert!(err.to_string().contains("BatchNorm1d(3"), "{err}");
    assert!(err.to_string().contains("[4, 2]"), "{err}");
}

#[test]
fn batch_norm_gradcheck_in_training_mode() {
    let bn = BatchNorm1d::<f64>::new(2).unwrap();
    bn.named_parameters()[0]
        .1
        .update_data(|w| w.copy_from_slice(&[1.5, -0.5]))
        .unwrap();
    let x = t(&[0.2, 1.0, -0.7, 0.3, 1.1, -2.0, 0.4, 0.5], &[4, 2]).requires_grad_(true);
    let weights = t(&[1.0, 2.0, -1.0, 0.5, 0.3, 0.7, -2.0, 1.0], &[4, 2]);
    gradcheck(
        |xs| {
            // A weighted sum, so the gradient is not trivially zero.
            bn.forward(&xs[0])
                .map_err(as_tensor_error)?
                .try_mul(&weights)
        },
        &[x],
        GradCheckOptions::default(),
    )
    .unwrap();
}

#[test]
fn sequential_names_buffers_and_propagates_mode() {
    let mut model = Sequential::<f64>::new()
        .append(Linear::new(3, 2, true, 0).unwrap())
        .append(BatchNorm1d::new(2).unwrap());
    let names: Vec<String> = model.state_dict().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "0.weight",
            "0.bias",
            "1.weight",
            "1.bias",
            "1.running_mean",
            "1.running_var",
            "1.num_batches_tracked"
        ]
    );
    model.eval();
    assert!(!model.get(1).unwrap().is_training());
    // A single sample is fine in evaluation mode.
    assert_eq!(
        model.forward(&Tensor::ones(&[1, 3])).unwrap().shape(),
        &[1, 2]
    );
    model.train(true);
    assert!(model.get(1).unwrap().is_training());
    assert!(model.forward(&Tensor::ones(&[1, 3])).is_err());
}
