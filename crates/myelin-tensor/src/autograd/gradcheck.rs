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
/// # The contract
/// `f` must compute its output **from the tensors in the slice it receives**:
/// gradcheck calls it with copies of `inputs` in which one element is moved by ±`eps`.
/// A closure that ignores its argument and reads tensors it captured (a module's
/// parameters, say) never sees the perturbation; gradcheck detects this and fails
/// with a message saying so. For that case use [`gradcheck_params`], which perturbs the
/// parameters themselves, in place.
///
/// Returns `Ok(())` or a [`TensorError::GradCheck`] naming the input, the element, the
/// output element and both values.
pub fn gradcheck(
    f: impl Fn(&[Tensor<f64>]) -> Result<Tensor<f64>>,
    inputs: &[Tensor<f64>],
    options: GradCheckOptions,
) -> Result<()> {
    check_jacobian("gradcheck", &f, inputs, Perturb::Copies, options)
}

/// Checks the gradients of `f` with respect to `params`, tensors `f` captures (a
/// module's parameters): each element is moved by ±`eps` **in place**, `f` is
/// evaluated, and the value is restored exactly.
///
/// Every parameter must be a contiguous `f64` leaf that requires grad (what
/// `Module::parameters` gives for an `f64` model); anything else is an error naming the
/// parameter. `f` may return any error type that displays (a module's `NnError`); an
/// error from `f` ends the check with its message. `f` must not change the parameters itself, and nothing else may hold a
/// pending backward through them while the check runs.
///
/// ```
/// use myelin_tensor::{gradcheck_params, GradCheckOptions, Tensor};
/// let w = Tensor::<f64>::from_vec(vec![0.3, -0.2, 0.5, 0.1], &[2, 2]).unwrap().requires_grad_(true);
/// let x = Tensor::<f64>::from_vec(vec![1.0, 2.0], &[2, 1]).unwrap();
/// // A "model" closing over its weight, as a module's forward does. The closure's
/// // return type names its error type (here the tensor crate's; a module's forward
/// // gives `myelin_nn::Result`).
/// let model = || -> myelin_tensor::Result<Tensor<f64>> { Ok(w.matmul(&x).tanh().sum()) };
/// gradcheck_params(model, &[w.clone()], GradCheckOptions::default()).unwrap();
/// ```
pub fn gradcheck_params<E: std::fmt::Display>(
    f: impl Fn() -> std::result::Result<Tensor<f64>, E>,
    params: &[Tensor<f64>],
    options: GradCheckOptions,
) -> Result<()> {
    check_params("gradcheck_params", params)?;
    let f = tensor_result("gradcheck_params", f);
    check_jacobian(
        "gradcheck_params",
        &|_: &[Tensor<f64>]| f(),
        params,
        Perturb::InPlace,
        options,
    )
}

/// Second derivatives of `f` with respect to captured `params` (see
/// [`gradcheck_params`] for the contract): `gradcheck_params` on
/// `v ↦ vᵀ ∂f/∂params` recorded with `create_graph`.
pub fn gradgradcheck_params<E: std::fmt::Display>(
    f: impl Fn() -> std::result::Result<Tensor<f64>, E>,
    params: &[Tensor<f64>],
    options: GradCheckOptions,
) -> Result<()> {
    check_params("gradgradcheck_params", params)?;
    let f = tensor_result("gradgradcheck_params", f);
    let out_shape = f()?.shape().to_vec();
    let v = Tensor::<f64>::randn(&out_shape, &mut seeded_rng(0xfeed)).requires_grad_(true);
    let first_order = |_: &[Tensor<f64>]| -> Result<Tensor<f64>> {
        let options = GradOptions {
            create_graph: true,
            materialize_grads: true,
            ..GradOptions::default()
        };
        let grads = grad_with(&[f()?], params, Some(std::slice::from_ref(&v)), options)?;
        let grads: Vec<Tensor<f64>> = grads.into_iter().flatten().collect();
        concat_flat(&grads)
    };
    let mut all = params.to_vec();
    all.push(v.clone());
    check_jacobian(
        "gradgradcheck_params",
        &first_order,
        &all,
        Perturb::InPlace,
        options,
    )
}

/// `f` with its error (an `NnError` from a module's forward, say) turned into a
/// [`TensorError::GradCheck`] that keeps the message.
fn tensor_result<E: std::fmt::Display>(
    op: &'static str,
    f: impl Fn() -> std::result::Result<Tensor<f64>, E>,
) -> impl Fn() -> Result<Tensor<f64>> {
    move || f().map_err(|e| TensorError::GradCheck(format!("{op}: the function failed: {e}")))
}

fn check_params(op: &str, params: &[Tensor<f64>]) -> Result<()> {
    for (i, p) in params.iter().enumerate() {
        let problem = if !p.is_leaf() {
            "is not a leaf (perturb the leaf it was computed from)"
        } else if !p.requires_grad() {
            "does not require grad"
        } else if !p.is_contiguous() {
            "is not contiguous"
        } else {
            continue;
        };
        return Err(TensorError::GradCheck(format!(
            "{op}: parameter {i} (shape {:?}) {problem}",
            p.shape()
        )));
    }
    Ok(())
}

/// The function under check, as `gradcheck` calls it.
type CheckedFn<'a> = dyn Fn(&[Tensor<f64>]) -> Result<Tensor<f64>> + 'a;

/// How the numerical Jacobian moves an input element.
#[derive(Clone, Copy, PartialEq)]
enum Perturb {
    /// Call `f` with a perturbed copy in the input's place.
    Copies,
    /// Change the input's own storage, call `f` with the original slice, restore.
    InPlace,
}

/// `f(inputs)` with element `k` of input `i` moved by `delta`.
fn eval_perturbed(
    f: &CheckedFn<'_>,
    inputs: &[Tensor<f64>],
    perturb: Perturb,
    (i, k, delta): (usize, usize, f64),
) -> Result<Vec<f64>> {
    match perturb {
        Perturb::Copies => {
            let mut perturbed = inputs.to_vec();
            perturbed[i] = with_element(&inputs[i], k, delta);
            Ok(f(&perturbed)?.to_vec())
        }
        Perturb::InPlace => {
            let mut original = 0.0;
            inputs[i].update_data(|w| {
                original = w[k];
                w[k] += delta;
            })?;
            let out = f(inputs).map(|t| t.to_vec());
            inputs[i].update_data(|w| w[k] = original)?;
            out
        }
    }
}

/// Whether the graph of `out` reaches `x`.
fn reaches(out: &Tensor<f64>, x: &Tensor<f64>) -> Result<bool> {
    if !out.requires_grad() {
        return Ok(false);
    }
    let options = BackwardOptions {
        retain_graph: true,
        create_graph: false,
    };
    let seed = Tensor::ones(out.shape());
    let found = run_backward(
        std::slice::from_ref(out),
        std::slice::from_ref(&seed),
        Some(std::slice::from_ref(x)),
        options,
    )?;
    Ok(found.first().is_some_and(|g| g.is_some()))
}

fn check_jacobian(
    op: &str,
    f: &CheckedFn<'_>,
    inputs: &[Tensor<f64>],
    perturb: Perturb,
    options: GradCheckOptions,
) -> Result<()> {
    let out = f(inputs)?;
    if !out.requires_grad() {
        if inputs.iter().any(|x| x.requires_grad()) && out.numel() > 0 {
            return Err(TensorError::GradCheck(format!(
                "{op}: the output does not require grad although an input does (was the graph cut?)"
            )));
        }
        return Ok(());
    }
    if perturb == Perturb::Copies {
        // A closure that reads captured tensors instead of its argument would compare the
        // true gradient with a numerical 0; say what is wrong instead.
        for (i, x) in inputs.iter().enumerate() {
            if !x.requires_grad() || x.numel() == 0 || !reaches(&out, x)? {
                continue;
            }
            let mut substituted = inputs.to_vec();
            substituted[i] = with_element(x, 0, 0.0);
            if !reaches(&f(&substituted)?, &substituted[i])? {
                return Err(TensorError::GradCheck(format!(
                    "{op}: the function ignores input {i} (shape {:?}) that it is given and reads a captured tensor instead; gradcheck perturbs copies of its inputs, so compute from the slice the closure receives, or use gradcheck_params to perturb captured parameters in place",
                    x.shape()
                )));
            }
        }
    }
    let n_out = out.numel();
    // Analytical Jacobian, one output element (row) at a time.
    let mut analytical: Vec<Vec<Vec<f64>>> = Vec::with_capacity(n_out);
    for j in 0..n_out {
        let mut seed = vec![0.0; n_out];
        seed[j] = 1.0;
        analytical.push(vjp(&out, inputs, &Tensor::from_data(seed, out.shape()))?);
    }
    // The backward must be linear in the upstream gradient (both backwards run before
    // the numerical pass: perturbing in place bumps the parameters' versions, which the
    // graph of `out` would then reject).
    let v = Tensor::<f64>::randn(out.shape(), &mut seeded_rng(0x5eed));
    let once = vjp(&out, inputs, &v)?;
    let scaled = vjp(&out, inputs, &(&v * 2.5))?;
    // Numerical Jacobian by central differences, one input element (column) at a time.
    for (i, x) in inputs.iter().enumerate() {
        if !x.requires_grad() {
            continue;
        }
        #[allow(clippy::needless_range_loop)] // k indexes the input and the Jacobian alike
        for k in 0..x.numel() {
            let plus = eval_perturbed(f, inputs, perturb, (i, k, options.eps))?;
            let minus = eval_perturbed(f, inputs, perturb, (i, k, -options.eps))?;
            for j in 0..n_out {
                let numerical = (plus[j] - minus[j]) / (2.0 * options.eps);
                let a = analytical[j][i][k];
                let ok = (a - numerical).abs() <= options.atol + options.rtol * numerical.abs();
                if !ok || a.is_nan() != numerical.is_nan() {
                    return Err(TensorError::GradCheck(format!(
                        "{op}: Jacobian mismatch for output {j} with respect to input {i} (shape {:?}), element {k}: analytical {a:e}, numerical {numerical:e}",
                        x.shape()
                    )));
                }
            }
        }
    }
    for (i, (a, b)) in once.iter().zip(&scaled).enumerate() {
        for (k, (&x, &y)) in a.iter().zip(b).enumerate() {
            if (2.5 * x - y).abs() > options.atol + options.rtol * y.abs() {
                return Err(TensorError::GradCheck(format!(
                    "{op}: backward is not linear in the upstream gradient: input {i}, element {k}: 2.5·g = {:e}, g(2.5·v) = {y:e}",
                    2.5 * x
                )));
            }
        }
    }
    Ok(())
}

/// The gradients flattened and joined into one vector.
fn concat_flat(grads: &[Tensor<f64>]) -> Result<Tensor<f64>> {
    let flat: Vec<Tensor<f64>> = grads.iter().map(|g| g.flatten_all()).collect();
    let refs: Vec<&Tensor<f64>> = flat.iter().collect();
    Tensor::try_concat(&refs, 0)
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
        let grads: Vec<Tensor<f64>> = grads.into_iter().flatten().collect();
        concat_flat(&grads)
    };
    let mut all = inputs.to_vec();
    all.push(v);
    gradcheck(first_order, &all, options)
}
