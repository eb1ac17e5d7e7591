//! PReLU and learnable swish through the public custom-op API (`Tensor::map_binary` with
//! `PreluFn` / `SwishBetaFn`): f64 gradcheck and gradgradcheck with respect to the input
//! and the parameter, broadcast and non-contiguous, and closed-form second derivatives.
#![allow(clippy::cloned_ref_to_slice_refs)]

use myelin_activations::tensor_ops::{PreluFn, SwishBetaFn};
use myelin_tensor::{
    grad, gradcheck, gradgradcheck, seeded_rng, BinaryFn, GradCheckOptions, Result, Tensor,
};

/// Values in [−2, 2] kept at least 0.05 away from PReLU's kink at 0.
fn input(shape: &[usize], seed: u64) -> Tensor<f64> {
    let x = Tensor::<f64>::rand(shape, &mut seeded_rng(seed));
    let values = x
        .to_vec()
        .into_iter()
        .map(|v| {
            let v = 4.0 * v - 2.0;
            if v.abs() < 0.05 {
                v + 0.1
            } else {
                v
            }
        })
        .collect();
    Tensor::from_vec(values, shape)
        .unwrap()
        .requires_grad_(true)
}

fn param(values: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_vec(values.to_vec(), shape)
        .unwrap()
        .requires_grad_(true)
}

/// A loss that is not linear in the output, so second derivatives of the loss reach the
/// op's own second derivatives.
fn squared<F: Clone + BinaryFn<f64>>(func: F) -> impl Fn(&[Tensor<f64>]) -> Result<Tensor<f64>> {
    move |xs| Ok(xs[0].try_map_binary(&xs[1], func.clone())?.powi(2).sum())
}

fn both_orders<F: Clone + BinaryFn<f64>>(name: &str, func: F, inputs: &[Tensor<f64>]) {
    let opts = GradCheckOptions::default();
    gradcheck(squared(func.clone()), inputs, opts).unwrap_or_else(|e| panic!("{name}: {e}"));
    gradgradcheck(squared(func), inputs, opts).unwrap_or_else(|e| panic!("{name} (2nd): {e}"));
}

#[test]
fn prelu_both_orders_with_shared_per_channel_and_transposed_weights() {
    let x = input(&[2, 3, 4], 1);
    both_orders("prelu shared", PreluFn, &[x.clone(), param(&[0.25], &[])]);
    both_orders(
        "prelu per channel",
        PreluFn,
        &[x.clone(), param(&[0.1, -0.3, 0.6], &[1, 3, 1])],
    );
    // Non-contiguous input: a transposed [4, 3] against a per-column weight.
    let f = |xs: &[Tensor<f64>]| Ok(xs[0].t().try_map_binary(&xs[1], PreluFn)?.powi(2).sum());
    let inputs = [input(&[3, 4], 2), param(&[0.2, 0.4, -0.5], &[3])];
    gradcheck(f, &inputs, GradCheckOptions::default()).unwrap();
    gradgradcheck(f, &inputs, GradCheckOptions::default()).unwrap();
}

#[test]
fn learnable_swish_both_orders_with_broadcast_beta() {
    let x = input(&[2, 3, 4], 3);
    both_orders("swish beta", SwishBetaFn, &[x.clone(), param(&[0.7], &[])]);
    both_orders(
        "swish per channel beta",
        SwishBetaFn,
        &[x, param(&[0.5, 1.0, 1.7], &[1, 3, 1])],
    );
}

#[test]
fn prelu_second_derivatives_in_closed_form() {
    // f = prelu(x, w): ∂²f/∂x∂w = 1 for x ≤ 0, 0 for x > 0; ∂²f/∂w² = 0.
    let x = param(&[-1.5, 0.8], &[2]);
    let w = param(&[0.3], &[]);
    let y = x.map_binary(&w, PreluFn).sum();
    let dw = grad(&[y], &[w.clone()], None, true).unwrap();
    assert_eq!(dw[0].item().unwrap(), -1.5); // Σ over x ≤ 0 of x
    let second = grad(&[dw[0].clone()], &[x], None, false).unwrap();
    assert_eq!(second[0].to_vec(), vec![1.0, 0.0]);
}

#[test]
fn swish_mixed_and_beta_second_derivatives_in_closed_form() {
    // f = x·σ(βx); with z = βx, s = σ(z): ∂²f/∂x∂β = x(2s' + z s''), ∂²f/∂β² = x³ s''.
    let (xv, bv) = (0.9f64, 1.3f64);
    let z = bv * xv;
    let s = 1.0 / (1.0 + (-z).exp());
    let s1 = s * (1.0 - s);
    let s2 = s1 * (1.0 - 2.0 * s);
    let x = param(&[xv], &[1]);
    let beta = param(&[bv], &[]);
    let y = x.map_binary(&beta, SwishBetaFn).sum();
    let db = grad(&[y], &[beta.clone()], None, true).unwrap();
    assert!((db[0].item().unwrap() - xv * xv * s1).abs() < 1e-12);
    let second = grad(&[db[0].clone()], &[x, beta], None, false).unwrap();
    let mixed = xv * (2.0 * s1 + z * s2);
    assert!(
        (second[0].to_vec()[0] - mixed).abs() < 1e-12,
        "{:?}",
        second[0].to_vec()
    );
    assert!((second[1].item().unwrap() - xv.powi(3) * s2).abs() < 1e-12);
}

#[test]
fn third_order_through_learnable_swish_is_an_error_naming_the_partial() {
    let x = param(&[0.4], &[1]);
    let beta = param(&[1.1], &[]);
    let first = || {
        let y = x.map_binary(&beta, SwishBetaFn).sum();
        grad(&[y], &[x.clone()], None, true).unwrap()[0].sum()
    };
    // The second derivative itself works; recording it (for a third) needs the partials
    // of `swish_dx`, which swish does not supply.
    assert!(grad(&[first()], &[x.clone()], None, false).is_ok());
    let err = grad(&[first()], &[x.clone()], None, true)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("swish_dx") && err.contains("partials"),
        "{err}"
    );
}
