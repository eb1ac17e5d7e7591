//! BatchNorm1d/2d, GroupNorm and RMSNorm: gradient checks (first and second order, in
//! f64, with non-contiguous inputs), modes, running statistics, edge cases and errors.

use myelin_nn::layers::{
    BatchNorm1d, BatchNorm2d, BatchNorm3d, BatchNormOptions, GroupNorm, Linear, RMSNorm, Sequential,
};
use myelin_nn::{Module, NnError};
use myelin_tensor::{gradcheck, gradgradcheck, GradCheckOptions, Tensor, TensorError};

type Layer<T> = Box<dyn Module<T>>;

fn as_tensor_error(e: NnError) -> TensorError {
    TensorError::GradCheck(e.to_string())
}

fn randn(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::<f64>::randn_seeded(shape, seed)
}

/// Non-trivial affine parameters.
fn set_affine(layer: &dyn Module<f64>, seed: u64) {
    for (i, (_, p)) in layer.named_parameters().into_iter().enumerate() {
        let r = randn(p.shape(), seed + i as u64);
        p.update_data(|v| {
            for (v, r) in v.iter_mut().zip(r.to_vec()) {
                *v += 0.5 * r;
            }
        })
        .unwrap();
    }
}

/// `Σ layer(x)·w` for a fixed random `w`, so the gradient is not trivially zero (the
/// plain sum of a normalised output has zero gradient).
fn weighted(
    layer: &dyn Module<f64>,
    x: &Tensor<f64>,
    w: &Tensor<f64>,
) -> myelin_tensor::Result<Tensor<f64>> {
    layer.forward(x).map_err(as_tensor_error)?.try_mul(w)
}

fn check_both_orders(layer: &dyn Module<f64>, x: Tensor<f64>, seed: u64) {
    let w = randn(layer.forward(&x).unwrap().shape(), seed);
    let x = x.requires_grad_(true);
    gradcheck(
        |xs| weighted(layer, &xs[0], &w),
        std::slice::from_ref(&x),
        GradCheckOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", layer.describe()));
    gradgradcheck(
        |xs| weighted(layer, &xs[0], &w),
        std::slice::from_ref(&x),
        GradCheckOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{} (second order): {e}", layer.describe()));
}

#[test]
fn batch_norm_2d_gradients_of_first_and_second_order_in_training() {
    let bn = BatchNorm2d::<f64>::new(3).unwrap();
    set_affine(&bn, 1);
    // A non-contiguous [N, C, H, W] input: a permuted [N, H, W, C] tensor.
    let x = randn(&[2, 3, 2, 3], 2).permute(&[0, 3, 1, 2]);
    assert!(!x.is_contiguous());
    assert_eq!(x.shape(), &[2, 3, 3, 2]);
    check_both_orders(&bn, x, 3);
    check_both_orders(&bn, randn(&[3, 3, 1, 2], 4), 5);
}

#[test]
fn batch_norm_1d_on_ncl_and_eval_mode_gradients() {
    let mut bn = BatchNorm1d::<f64>::new(2).unwrap();
    set_affine(&bn, 5);
    check_both_orders(&bn, randn(&[3, 2, 4], 6), 7);
    bn.eval();
    check_both_orders(&bn, randn(&[3, 2, 4], 8), 9);
    let bn3 = BatchNorm3d::<f64>::new(2).unwrap();
    set_affine(&bn3, 10);
    check_both_orders(&bn3, randn(&[2, 2, 2, 1, 2], 11), 12);
}

#[test]
fn group_norm_and_rms_norm_gradients_of_first_and_second_order() {
    let gn = GroupNorm::<f64>::new(2, 4).unwrap();
    set_affine(&gn, 13);
    check_both_orders(&gn, randn(&[2, 4, 3], 14), 15);
    // Non-contiguous: a transposed [N, L, C] tensor.
    let x = randn(&[2, 3, 4], 16).transpose(1, 2);
    assert!(!x.is_contiguous());
    check_both_orders(&gn, x, 17);

    let rms = RMSNorm::<f64>::with_options(&[2, 3], Some(1e-3), true).unwrap();
    set_affine(&rms, 18);
    check_both_orders(&rms, randn(&[4, 2, 3], 19), 20);
    let x = randn(&[3, 3, 2], 21).transpose(1, 2);
    check_both_orders(&rms, x, 22);
}

#[test]
fn batch_norm_2d_normalises_each_channel_over_batch_and_space() {
    let bn = BatchNorm2d::<f64>::new(2).unwrap();
    let x = randn(&[3, 2, 4, 5], 30).mul_scalar(3.0).add_scalar(2.0);
    let y = bn.forward(&x).unwrap();
    let mean = y.mean_dims(&[0, 2, 3], false).to_vec();
    let var = y.var_dims(&[0, 2, 3], 0, false).to_vec();
    for c in 0..2 {
        assert!(mean[c].abs() < 1e-12, "channel {c} mean {}", mean[c]);
        assert!((var[c] - 1.0).abs() < 1e-5, "channel {c} var {}", var[c]);
    }
    // Running statistics: 0.1 of the batch mean and 0.9 + 0.1 × the unbiased variance.
    let batch_mean = x.mean_dims(&[0, 2, 3], false).to_vec();
    let unbiased = x.var_dims(&[0, 2, 3], 1, false).to_vec();
    let buffers = bn.named_buffers();
    for c in 0..2 {
        assert!((buffers[0].1.to_vec()[c] - 0.1 * batch_mean[c]).abs() < 1e-12);
        assert!((buffers[1].1.to_vec()[c] - (0.9 + 0.1 * unbiased[c])).abs() < 1e-12);
    }
    assert!(buffers.iter().all(|(_, b)| !b.requires_grad()));
}

#[test]
fn batch_norm_momentum_none_keeps_a_cumulative_average() {
    let bn = BatchNorm1d::<f64>::with_options(
        1,
        BatchNormOptions {
            momentum: None,
            ..Default::default()
        },
    )
    .unwrap();
    let batches = [
        vec![1.0, 2.0, 6.0],
        vec![0.0, 4.0],
        vec![-3.0, 3.0, 3.0, 5.0],
    ];
    for b in &batches {
        bn.forward(&Tensor::from_vec(b.clone(), &[b.len(), 1]).unwrap())
            .unwrap();
    }
    // Cumulative averages of the batch means and of the unbiased variances.
    let means: Vec<f64> = batches
        .iter()
        .map(|b| b.iter().sum::<f64>() / b.len() as f64)
        .collect();
    let vars: Vec<f64> = batches
        .iter()
        .zip(&means)
        .map(|(b, m)| b.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (b.len() as f64 - 1.0))
        .collect();
    let buffers = bn.named_buffers();
    assert!((buffers[0].1.item().unwrap() - means.iter().sum::<f64>() / 3.0).abs() < 1e-12);
    assert!((buffers[1].1.item().unwrap() - vars.iter().sum::<f64>() / 3.0).abs() < 1e-12);
    assert_eq!(bn.num_batches_tracked(), 3);
    assert_eq!(buffers[2].0, "num_batches_tracked");
    assert_eq!(buffers[2].1.shape(), &[] as &[usize]);
}

#[test]
fn batch_norm_without_running_stats_uses_batch_statistics_in_eval() {
    let mut bn = BatchNorm2d::<f64>::with_options(
        2,
        BatchNormOptions {
            track_running_stats: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(bn.named_buffers().is_empty());
    let x = randn(&[2, 2, 2, 2], 31);
    let train = bn.forward(&x).unwrap().to_vec();
    bn.eval();
    assert_eq!(bn.forward(&x).unwrap().to_vec(), train);
    assert_eq!(bn.num_batches_tracked(), 0);
    // Still needs more than one value per channel.
    let err = bn.forward(&Tensor::ones(&[1, 2, 1, 1])).unwrap_err();
    assert!(
        err.to_string()
            .contains("Expected more than 1 value per channel"),
        "{err}"
    );
}

#[test]
fn batch_norm_edge_cases_empty_batch_and_single_value() {
    let bn = BatchNorm1d::<f64>::new(3).unwrap();
    let x = Tensor::<f64>::zeros(&[0, 3]).requires_grad_(true);
    let y = bn.forward(&x).unwrap();
    assert_eq!(y.shape(), &[0, 3]);
    // As PyTorch: the counter advances, the statistics stay.
    assert_eq!(bn.num_batches_tracked(), 1);
    assert_eq!(bn.named_buffers()[0].1.to_vec(), vec![0.0; 3]);
    assert_eq!(bn.named_buffers()[1].1.to_vec(), vec![1.0; 3]);
    y.sum().backward().unwrap();
    assert_eq!(x.grad().unwrap().shape(), &[0, 3]);
    // [N, C, L] with one value per channel.
    let err = bn.forward(&Tensor::ones(&[1, 3, 1])).unwrap_err();
    assert!(
        err.to_string()
            .contains("Expected more than 1 value per channel"),
        "{err}"
    );
    assert!(err.to_string().contains("[1, 3, 1]"), "{err}");
    // One sample of length 2 is fine.
    assert!(bn.forward(&randn(&[1, 3, 2], 32)).is_ok());
}

#[test]
fn f32_layers_run_and_match_f64() {
    let x64 = randn(&[2, 4, 3, 3], 33);
    let x32: Tensor<f32> = x64.cast();
    let pairs: Vec<(Layer<f64>, Layer<f32>)> = vec![
        (
            Box::new(BatchNorm2d::new(4).unwrap()),
            Box::new(BatchNorm2d::new(4).unwrap()),
        ),
        (
            Box::new(GroupNorm::new(2, 4).unwrap()),
            Box::new(GroupNorm::new(2, 4).unwrap()),
        ),
        (
            Box::new(RMSNorm::new(&[3, 3]).unwrap()),
            Box::new(RMSNorm::new(&[3, 3]).unwrap()),
        ),
    ];
    for (a, b) in &pairs {
        let ya = a.forward(&x64).unwrap().to_vec();
        let yb = b.forward(&x32).unwrap().to_vec();
        for (p, q) in ya.iter().zip(&yb) {
            assert!(
                (p - f64::from(*q)).abs() < 1e-4,
                "{}: {p} vs {q}",
                a.describe()
            );
        }
    }
    // eps = None is the element type's machine epsilon.
    assert_eq!(
        RMSNorm::<f32>::new(&[3]).unwrap().eps(),
        f64::from(f32::EPSILON)
    );
    assert_eq!(RMSNorm::<f64>::new(&[3]).unwrap().eps(), f64::EPSILON);
}

#[test]
fn wrong_shapes_are_errors_naming_the_layer_and_the_shapes() {
    let cases: Vec<(Layer<f64>, Vec<usize>, &str, &str)> = vec![
        (
            Box::new(BatchNorm1d::new(3).unwrap()),
            vec![2, 3, 4, 5],
            "BatchNorm1d(3",
            "[N, 3] or [N, 3, L]",
        ),
        (
            Box::new(BatchNorm1d::new(3).unwrap()),
            vec![2, 4],
            "BatchNorm1d(3",
            "[2, 4]",
        ),
        (
            Box::new(BatchNorm2d::new(3).unwrap()),
            vec![2, 3, 4],
            "BatchNorm2d(3",
            "[N, 3, H, W]",
        ),
        (
            Box::new(BatchNorm2d::new(3).unwrap()),
            vec![2, 2, 4, 4],
            "BatchNorm2d(3",
            "[2, 2, 4, 4]",
        ),
        (
            Box::new(BatchNorm3d::new(3).unwrap()),
            vec![2, 3, 4, 4],
            "BatchNorm3d(3",
            "[N, 3, D, H, W]",
        ),
        (
            Box::new(GroupNorm::new(2, 4).unwrap()),
            vec![2, 3, 3],
            "GroupNorm(2, 4",
            "[2, 3, 3]",
        ),
        (
            Box::new(GroupNorm::new(2, 4).unwrap()),
            vec![4],
            "GroupNorm(2, 4",
            "[N, 4, *]",
        ),
        (
            Box::new(RMSNorm::new(&[3]).unwrap()),
            vec![2, 4],
            "RMSNorm([3]",
            "[2, 4]",
        ),
    ];
    for (layer, shape, name, detail) in cases {
        let err = layer.forward(&Tensor::zeros(&shape)).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, NnError::Shape { .. }), "{msg}");
        assert!(msg.contains(name) && msg.contains(detail), "{msg}");
    }
    let err = GroupNorm::<f64>::new(3, 4).err().unwrap().to_string();
    assert!(
        err.contains("num_channels (4)") && err.contains("num_groups (3)"),
        "{err}"
    );
    assert!(GroupNorm::<f64>::new(0, 4).is_err());
    let err = BatchNorm2d::<f64>::new(0).err().unwrap().to_string();
    assert!(err.contains("BatchNorm2d"), "{err}");
    let bad_momentum = BatchNormOptions {
        momentum: Some(1.5),
        ..Default::default()
    };
    let err = BatchNorm1d::<f64>::with_options(2, bad_momentum)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("momentum = Some(1.5)"), "{err}");
    let err = RMSNorm::<f64>::with_options(&[2], Some(-1.0), true)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("RMSNorm") && err.contains("-1"), "{err}");
}

#[test]
fn descriptions_and_names_follow_pytorch() {
    assert_eq!(
        BatchNorm2d::<f64>::new(8).unwrap().describe(),
        "BatchNorm2d(8, eps=0.00001, momentum=0.1, affine=true, track_running_stats=true)"
    );
    let gn = GroupNorm::<f64>::with_options(2, 4, 1e-5, false).unwrap();
    assert!(gn.named_parameters().is_empty());
    assert_eq!(gn.describe(), "GroupNorm(2, 4, eps=0.00001, affine=false)");
    let rms = RMSNorm::<f64>::new(&[2, 3]).unwrap();
    assert_eq!(
        rms.describe(),
        "RMSNorm([2, 3], eps=None, elementwise_affine=true)"
    );
    let names: Vec<String> = rms.state_dict().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["weight"]);
    assert_eq!(rms.named_parameters()[0].1.shape(), &[2, 3]);
    // Inside a Sequential, the buffers carry the child's index.
    let mut model = Sequential::<f64>::new()
        .append(Linear::new(3, 2, true, 0).unwrap())
        .append(BatchNorm1d::new(2).unwrap());
    let names: Vec<String> = model.named_buffers().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["1.running_mean", "1.running_var", "1.num_batches_tracked"]
    );
    model.eval();
    assert!(!model.get(1).unwrap().is_training());
}
