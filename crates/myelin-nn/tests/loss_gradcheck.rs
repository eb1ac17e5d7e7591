//! Every loss, every reduction: numerical gradient checks in f64.

use myelin_nn::loss::*;
use myelin_nn::NnError;
use myelin_tensor::{gradcheck, GradCheckOptions, Tensor, TensorError};

fn t(values: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(values.to_vec(), shape).unwrap()
}

fn te(e: NnError) -> TensorError {
    TensorError::GradCheck(e.to_string())
}

const REDUCTIONS: [Reduction; 3] = [Reduction::Mean, Reduction::Sum, Reduction::None];

fn check(
    name: &str,
    f: impl Fn(&[Tensor<f64>]) -> myelin_tensor::Result<Tensor<f64>>,
    inputs: &[Tensor<f64>],
) {
    gradcheck(f, inputs, GradCheckOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
}

#[test]
fn regression_losses_gradcheck_in_input_and_target() {
    // Differences stay away from the kinks at 0 and ±delta.
    let x = t(&[0.3, -1.7, 2.4, 0.9, -0.2, 1.3], &[2, 3]).requires_grad_(true);
    let y = t(&[0.0, 0.2, -0.5, 1.5, 0.6, -0.4], &[2, 3]).requires_grad_(true);
    for r in REDUCTIONS {
        check(
            "mse",
            |v| mse_loss(&v[0], &v[1], r).map_err(te),
            &[x.clone(), y.clone()],
        );
        check(
            "l1",
            |v| l1_loss(&v[0], &v[1], r).map_err(te),
            &[x.clone(), y.clone()],
        );
        check(
            "huber",
            |v| huber_loss(&v[0], &v[1], 1.0, r).map_err(te),
            &[x.clone(), y.clone()],
        );
        check(
            "smooth_l1",
            |v| smooth_l1_loss(&v[0], &v[1], 0.5, r).map_err(te),
            &[x.clone(), y.clone()],
        );
    }
}

#[test]
fn classification_losses_gradcheck() {
    let logits = t(
        &[
            0.3, -1.2, 2.0, 0.5, 0.1, -0.4, 1.0, 2.0, 3.0, -1.0, -2.0, 0.0,
        ],
        &[3, 4],
    )
    .requires_grad_(true);
    let labels = [2, 0, 3];
    let probs = t(
        &[
            0.1, 0.2, 0.3, 0.4, 1.0, 0.0, 0.0, 0.0, 0.25, 0.25, 0.25, 0.25,
        ],
        &[3, 4],
    )
    .requires_grad_(true);
    for r in REDUCTIONS {
        check(
            "ce",
            |v| cross_entropy(&v[0], &labels, r).map_err(te),
            std::slice::from_ref(&logits),
        );
        check(
            "ce smoothed",
            |v| cross_entropy_smoothed(&v[0], &labels, 0.2, r).map_err(te),
            std::slice::from_ref(&logits),
        );
        check(
            "ce probs",
            |v| cross_entropy_probs(&v[0], &v[1], 0.1, r).map_err(te),
            &[logits.clone(), probs.clone()],
        );
        check(
            "nll",
            |v| nll_loss(&v[0], &labels, r).map_err(te),
            std::slice::from_ref(&logits),
        );
    }
}

#[test]
fn binary_losses_gradcheck() {
    let x = t(&[-3.0, -0.5, 0.0, 0.7, 4.0, 12.0], &[2, 3]).requires_grad_(true);
    let y = t(&[0.0, 1.0, 0.3, 1.0, 0.0, 0.5], &[2, 3]).requires_grad_(true);
    let p = t(&[0.05, 0.3, 0.5, 0.7, 0.9, 0.99], &[2, 3]).requires_grad_(true);
    for r in REDUCTIONS {
        check(
            "bce logits",
            |v| binary_cross_entropy_with_logits(&v[0], &v[1], r).map_err(te),
            &[x.clone(), y.clone()],
        );
        check(
            "bce",
            |v| binary_cross_entropy(&v[0], &v[1], r).map_err(te),
            &[p.clone(), y.clone()],
        );
    }
}

#[test]
fn bce_with_logits_supports_second_order() {
    let x = t(&[-1.0, 0.4, 2.0], &[3]).requires_grad_(true);
    let y = t(&[0.0, 1.0, 0.5], &[3]);
    myelin_tensor::gradgradcheck(
        |v| binary_cross_entropy_with_logits(&v[0], &y, Reduction::Sum).map_err(te),
        &[x],
        GradCheckOptions::default(),
    )
    .unwrap();
}
