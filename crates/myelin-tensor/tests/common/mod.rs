//! Shared helpers for the integration tests.
#![allow(dead_code)]

use myelin_tensor::{gradcheck, gradgradcheck, GradCheckOptions, Result, Tensor};

/// An f64 leaf that requires grad.
pub fn leaf(data: &[f64], shape: &[usize]) -> Tensor<f64> {
    Tensor::from_slice(data, shape)
        .unwrap()
        .requires_grad_(true)
}

/// Standard-normal f64 leaf that requires grad (seeded).
pub fn rleaf(shape: &[usize], seed: u64) -> Tensor<f64> {
    Tensor::<f64>::randn_seeded(shape, seed).requires_grad_(true)
}

/// Uniform values in [lo, hi) as a leaf that requires grad.
pub fn uleaf(shape: &[usize], lo: f64, hi: f64, seed: u64) -> Tensor<f64> {
    Tensor::<f64>::uniform(shape, lo, hi, &mut myelin_tensor::seeded_rng(seed))
        .unwrap()
        .requires_grad_(true)
}

/// gradcheck with default (PyTorch) tolerances; panics with the message on failure.
pub fn gc(name: &str, f: impl Fn(&[Tensor<f64>]) -> Result<Tensor<f64>>, inputs: &[Tensor<f64>]) {
    if let Err(e) = gradcheck(f, inputs, GradCheckOptions::default()) {
        panic!("gradcheck failed for {name}: {e}");
    }
}

/// gradgradcheck with default tolerances; panics with the message on failure.
pub fn ggc(name: &str, f: impl Fn(&[Tensor<f64>]) -> Result<Tensor<f64>>, inputs: &[Tensor<f64>]) {
    if let Err(e) = gradgradcheck(f, inputs, GradCheckOptions::default()) {
        panic!("gradgradcheck failed for {name}: {e}");
    }
}

/// Asserts two slices agree within `atol + rtol*|b|` elementwise.
pub fn assert_close(a: &[f64], b: &[f64], atol: f64, rtol: f64) {
    assert_eq!(
        a.len(),
        b.len(),
        "length mismatch: {} vs {}",
        a.len(),
        b.len()
    );
    for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
        let ok = (x - y).abs() <= atol + rtol * y.abs() || (x.is_nan() && y.is_nan()) || x == y;
        assert!(
            ok,
            "element {i}: {x} vs {y} (atol {atol}, rtol {rtol})\n a = {a:?}\n b = {b:?}"
        );
    }
}
