//! `Residual`: values, PyTorch-style names of nested parameters and buffers, mode
//! propagation, gradients (both orders), deep stacks and shape errors.

use myelin_nn::layers::{ActivationLayer, BatchNorm1d, Linear, Residual, Sequential};
use myelin_nn::{Module, NnError};
use myelin_tensor::{gradcheck, gradgradcheck, GradCheckOptions, Tensor, TensorError};

fn block(width: usize, seed: u64) -> Residual<f64> {
    Residual::new(
        Sequential::new()
            .append(Linear::new(width, width, true, seed).unwrap())
            .append(BatchNorm1d::new(width).unwrap())
            .append(ActivationLayer::new("tanh".parse().unwrap()).unwrap()),
    )
}

#[test]
fn identity_and_projection_shortcuts_add_the_branches() {
    let x = Tensor::<f64>::randn_seeded(&[5, 3], 1);
    let r = block(3, 2);
    let body = r.body().forward(&x).unwrap();
    let expected: Vec<f64> = body
        .to_vec()
        .iter()
        .zip(x.to_vec())
        .map(|(b, x)| b + x)
        .collect();
    assert_eq!(r.forward(&x).unwrap().to_vec(), expected);

    let proj = Residual::with_shortcut(
        Linear::<f64>::new(3, 4, true, 3).unwrap(),
        Linear::new(3, 4, false, 4).unwrap(),
    );
    let y = proj.forward(&x).unwrap().to_vec();
    let b = proj.body().forward(&x).unwrap().to_vec();
    let s = proj.shortcut().unwrap().forward(&x).unwrap().to_vec();
    for i in 0..y.len() {
        assert_eq!(y[i], b[i] + s[i]);
    }
}

#[test]
fn names_follow_a_pytorch_module_with_body_and_shortcut_attributes() {
    let mut model = Sequential::<f64>::new()
        .append(Linear::new(2, 3, true, 0).unwrap())
        .append(Residual::with_shortcut(
            Sequential::new()
                .append(Linear::new(3, 4, true, 1).unwrap())
                .append(BatchNorm1d::new(4).unwrap()),
            Sequential::new().append(Linear::new(3, 4, false, 2).unwrap()),
        ))
        .append(block(4, 3));
    let params: Vec<String> = model
        .named_parameters()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        params,
        [
            "0.weight",
            "0.bias",
            "1.body.0.weight",
            "1.body.0.bias",
            "1.body.1.weight",
            "1.body.1.bias",
            "1.shortcut.0.weight",
            "2.body.0.weight",
            "2.body.0.bias",
            "2.body.1.weight",
            "2.body.1.bias",
        ]
    );
    let buffers: Vec<String> = model.named_buffers().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        buffers,
        [
            "1.body.1.running_mean",
            "1.body.1.running_var",
            "1.body.1.num_batches_tracked",
            "2.body.1.running_mean",
            "2.body.1.running_var",
            "2.body.1.num_batches_tracked",
        ]
    );
    // Modes reach the batch norms inside the body.
    model.eval();
    let x = Tensor::ones(&[1, 2]);
    assert!(
        model.forward(&x).is_ok(),
        "a single sample is fine in eval mode"
    );
    model.train(true);
    let err = model.forward(&x).unwrap_err().to_string();
    assert!(err.contains("BatchNorm1d(4"), "{err}");
    assert!(
        model.describe().contains("Residual(body=Sequential("),
        "{}",
        model.describe()
    );
}

#[test]
fn gradients_of_both_orders_flow_through_body_and_skip() {
    let mut r = block(3, 5);
    let w = Tensor::<f64>::randn_seeded(&[4, 3], 6);
    let x = Tensor::<f64>::randn_seeded(&[4, 3], 7).requires_grad_(true);
    let f = |xs: &[Tensor<f64>]| -> myelin_tensor::Result<Tensor<f64>> {
        r.forward(&xs[0])
            .map_err(|e| TensorError::GradCheck(e.to_string()))?
            .try_mul(&w)
    };
    gradcheck(f, std::slice::from_ref(&x), GradCheckOptions::default()).unwrap();
    gradgradcheck(f, std::slice::from_ref(&x), GradCheckOptions::default()).unwrap();
    // Parameters of the body get gradients.
    r.eval();
    r.forward(&x).unwrap().sum().backward().unwrap();
    assert!(r.parameters().iter().all(|p| p.grad().is_some()));
}

#[test]
fn a_deep_residual_stack_trains_without_vanishing_gradients() {
    // 200 blocks of Linear + tanh: the skip keeps the input gradient at order one.
    let mut deep = Sequential::<f64>::new();
    for i in 0..200 {
        deep = deep.append(Residual::new(
            Sequential::new()
                .append(Linear::new(4, 4, true, 100 + i).unwrap())
                .append(ActivationLayer::new("tanh".parse().unwrap()).unwrap()),
        ));
    }
    let x = Tensor::<f64>::randn_seeded(&[2, 4], 8)
        .mul_scalar(0.1)
        .requires_grad_(true);
    deep.forward(&x).unwrap().sum().backward().unwrap();
    let g = x.grad().unwrap().to_vec();
    assert!(g.iter().all(|v| v.is_finite()));
    assert!(g.iter().map(|v| v.abs()).sum::<f64>() > 1.0, "{g:?}");
}

#[test]
fn mismatched_branch_shapes_are_errors_naming_both_shapes() {
    let x = Tensor::<f64>::ones(&[2, 3]);
    let err = Residual::new(Linear::<f64>::new(3, 5, true, 0).unwrap())
        .forward(&x)
        .unwrap_err();
    assert!(matches!(err, NnError::Shape { .. }));
    let msg = err.to_string();
    assert!(msg.contains("Residual(body=Linear("), "{msg}");
    assert!(msg.contains("[2, 3]") && msg.contains("[2, 5]"), "{msg}");
    assert!(msg.contains("identity shortcut"), "{msg}");
    let err = Residual::with_shortcut(
        Linear::<f64>::new(3, 5, true, 0).unwrap(),
        Linear::new(3, 4, true, 1).unwrap(),
    )
    .forward(&x)
    .unwrap_err()
    .to_string();
    assert!(err.contains("[2, 5]") && err.contains("[2, 4]"), "{err}");
}
