//! Numerical gradient checking in `f64`, with PyTorch's defaults.
//!
//! [`gradcheck`] compares the Jacobian the engine's backward computes with central finite
//! differences, element by element, and checks that the backward is linear in the
//! upstream gradient. [`gradgradcheck`] does the same for the backward itself (second
//! order), by running `gradcheck` on the function `(x, v) ↦ vᵀ·∂f/∂x` recorded with
//! `create_graph`.

use crate::autograd::engine::{grad_with, run_backward, BackwardOptions, GradOptions};
use crate::error::{Result, TensorError};
use crate::random::seeded_rng;
use crate::tensor::Tensor;

/// Tolerances for [`gradcheck`]; the defaults are PyTorch's.
#[derive(Clone, Copy, Debug)]
pub struct GradCheckOptions {
    /// Finite-difference step.
    pub eps: f64,
    /// Absolute tolerance.
    pub atol: f64,
    /// Relative tolerance (relative to the numerical value).
    pub rtol: f64,
}

impl Default for GradCheckOptions {
    fn default() -> Self {
        GradCheckOptions {
            eps: 1e-6,
            atol: 1e-5,
            rtol: 1e-3,
        }
    }
}

fn with_element(t: &Tensor<f64>, k: usize, delta: f64) -> Tensor<f64> {
    let mut values = t.to_vec();
    values[k] += delta;
    Tensor::from_data(values, t.shape()).requires_grad_(t.requires_grad())
}

/// Analytical vector-Jacobian products for each input (zeros where unused).
fn vjp(out: &Tensor<f64>, inputs: &[Tensor<f64>], seed: &Tensor<f64>) -> Result<Vec<Vec<f64>>> {
    let wanted: Vec<Tensor<f64>> = inputs
        .iter()
        .filter(|x| x.requires_grad())
        .cloned()
        .collect();
    let options = BackwardOptions {
        retain_graph: true,
        create_graph: false,
    };
    let found = run_backward(
        std::slice::from_ref(out),
        std::slice::from_ref(seed),
        Some(&wanted),
        options,
    )?;
    let mut found = found.into_iter();
    Ok(inputs
        .iter()
        .map(|x| {
            if x.requires_grad() {
                found
                    .next()
                    .flatten()
                    .map_or_else(|| vec![0.0; x.numel()], |g| g.to_vec())
            } else {
                vec![0.0; x.numel()]
            }
        })
        .collect())
}

/// Checks `f`'s gradients with respect to every input that requires grad.
///
/// Returns `Ok(())` or a [`TensorError::GradCheck`] naming the input, the element, the
/// output element and both values.
pub fn gradcheck(
    f: impl Fn(&[Tensor<f64>]) -> Result<Tensor<f64>>,
    inputs: &[Tensor<f64>],
    options: GradCheckOptions,
) -> Result<()> {
    let out = f(inputs)?;
    if !out.requires_grad() {
        if inputs.iter().any(|x| x.requires_grad()) && out.numel() > 0 {
            return Err(TensorError::GradCheck(
                "the output does not require grad although an input does (was the graph cut?)"
                    .into(),
            ));
        }
        return Ok(());
    }
    let n_out = out.numel();
    // Analytical Jacobian, one output element (row) at a time.
    let mut analytical: Vec<Vec<Vec<f64>>> = Vec::with_capacity(n_out);
    for j in 0..n_out {
        let mut seed = vec![0.0; n_out];
        seed[j] = 1.0;
        analytical.push(vjp(&out, inputs, &Tensor::from_data(seed, out.shape()))?);
    }
    // Numerical Jacobian by central differences, one input element (column) at a time.
    for (i, x) in inputs.iter().enumerate() {
        if !x.requires_grad() {
            continue;
        }
        #[allow(clippy::needless_range_loop)] // k indexes the input and the Jacobian alike
        for k in 0..x.numel() {
            let mut perturbed = inputs.to_vec();
            perturbed[i] = with_element(x, k, options.eps);
            let plus = f(&perturbed)?.to_vec();
            perturbed[i] = with_element(x, k, -options.eps);
            let minus = f(&perturbed)?.to_vec();
            for j in 0..n_out {
                let numerical = (plus[j] - minus[j]) / (2.0 * options.eps);
                let a = analytical[j][i][k];
                let ok = (a - numerical).abs() <= options.atol + options.rtol * numerical.abs();
                if !ok || a.is_nan() != numerical.is_nan() {
                    return Err(TensorError::GradCheck(format!(
                        "Jacobian mismatch for output {j} with respect to input {i} (shape {:?}), element {k}: analytical {a:e}, numerical {numerical:e}",
                        x.shape()
                    )));
                }
            }
        }
    }
    // The backward must be linear in the upstream gradient.
    let v = Tensor::<f64>::randn(out.shape(), &mut seeded_rng(0x5eed));
    let once = vjp(&out, inputs, &v)?;
    let scaled = vjp(&out, inputs, &(&v * 2.5))?;
    for (i, (a, b)) in once.iter().zip(&scaled).enumerate() {
        for (k, (&x, &y)) in a.iter().zip(b).enumerate() {
            if (2.5 * x - y).abs() > options.atol + options.rtol * y.abs() {
                return Err(TensorError::GradCheck(format!(
                    "backward is not linear in the upstream gradient: input {i}, element {k}: 2.5·g = {:e}, g(2.5·v) = {y:e}",
                    2.5 * x
                )));
            }
        }
    }
    Ok(())
}

/// Checks second derivatives: `gradcheck` on `(inputs, v) ↦ vᵀ ∂f/∂inputs`.
pub fn gradgradcheck(
    f: impl Fn(&[Tensor<f64>]) -> Result<Tensor<f64>>,
    inputs: &[Tensor<f64>],
    options: GradCheckOptions,
) -> Result<()> {
    let out_shape = f(inputs)?.shape().to_vec();
    let v = Tensor::<f64>::randn(&out_shape, &mut seeded_rng(0xfeed)).requires_grad_(true);
    let n = inputs.len();
    let first_order = |all: &[Tensor<f64>]| -> Result<Tensor<f64>> {
        let (xs, v) = (&all[..n], &all[n]);
        let wanted: Vec<Tensor<f64>> = xs.iter().filter(|x| x.requires_grad()).cloned().collect();
        let out = f(xs)?;
        // An input the first derivative does not depend on (a linear op) has a zero
        // second derivative: materialise it, as PyTorch's gradgradcheck does.
        let options = GradOptions {
            create_graph: true,
            materialize_grads: true,
            ..GradOptions::default()
        };
        let grads = grad_with(&[out], &wanted, Some(std::slice::from_ref(v)), options)?;
        let flat: Vec<Tensor<f64>> = grads.iter().flatten().map(|g| g.flatten_all()).collect();
        let refs: Vec<&Tensor<f64>> = flat.iter().collect();
        Tensor::concat(&refs, 0)
    };
    let mut all = inputs.to_vec();
    all.push(v);
    gradcheck(first_order, &all, options)
}
